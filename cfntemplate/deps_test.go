package cfntemplate

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
)

// Resources are created after what they reference (Ref, Fn::GetAtt,
// Fn::Sub, DependsOn), ties in template order, and deleted in reverse.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html
func TestOrder(t *testing.T) {
	tpl := mustParse(t, `
Parameters:
  UseQueue: {Type: String, Default: 'no'}
Conditions:
  WithQueue: !Equals [!Ref UseQueue, 'yes']
Resources:
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmActions: [!Ref Topic]
      Dimensions: [{Name: FunctionName, Value: !Ref Fn}]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn
      Environment:
        Variables:
          TOPIC: !Sub '${Topic}'
          QUEUE: !If [WithQueue, !GetAtt Queue.Arn, !Ref AWS::NoValue]
  Queue:
    Type: AWS::SQS::Queue
    Condition: WithQueue
  Topic: {Type: AWS::SNS::Topic}
  Role: {Type: AWS::IAM::Role}
  Logs:
    Type: AWS::Logs::LogGroup
    DependsOn: Fn
`)
	if err := tpl.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	b, err := tpl.Bind(nil, Pseudo{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	order, err := b.Order()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Topic", "Role", "Fn", "Alarm", "Logs"}
	if !reflect.DeepEqual(order, want) {
		t.Errorf("Order() = %v, want %v", order, want)
	}
	del, _ := b.DeletionOrder()
	if !reflect.DeepEqual(del, []string{"Logs", "Alarm", "Fn", "Role", "Topic"}) {
		t.Errorf("DeletionOrder() = %v", del)
	}
	if got := b.Dependencies("Fn"); !reflect.DeepEqual(got, []string{"Role", "Topic"}) {
		t.Errorf("Dependencies(Fn) = %v, want [Role Topic] (the untaken If branch does not count)", got)
	}
	// With the condition true the queue exists and Fn waits for it.
	b2, err := tpl.Bind(map[string]string{"UseQueue": "yes"}, Pseudo{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	order2, _ := b2.Order()
	if want := []string{"Queue", "Topic", "Role", "Fn", "Alarm", "Logs"}; !reflect.DeepEqual(order2, want) {
		t.Errorf("Order() with queue = %v, want %v", order2, want)
	}
}

func TestCircularDependency(t *testing.T) {
	tpl := mustParse(t, `
Resources:
  A: {Type: AWS::SNS::Topic, Properties: {DisplayName: !GetAtt B.TopicName}}
  B: {Type: AWS::SNS::Topic, Properties: {DisplayName: !Sub '${C}'}}
  C: {Type: AWS::SNS::Topic, DependsOn: A}
  D: {Type: AWS::SNS::Topic, Properties: {DisplayName: !Ref A}}
  E: {Type: AWS::SNS::Topic}
`)
	want := "Circular dependency between resources: [A, B, C, D]"
	err := tpl.Validate()
	if ae, ok := asAWS(err); !ok || ae.Message != want {
		t.Errorf("Validate: got %v, want %q", err, want)
	}
	b, err := tpl.Bind(nil, Pseudo{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Order()
	if ae, ok := asAWS(err); !ok || ae.Message != want {
		t.Errorf("Order: got %v, want %q", err, want)
	}
	self := mustParse(t, "Resources:\n  A: {Type: AWS::SNS::Topic, Properties: {DisplayName: !Ref A}}\n")
	if err := self.Validate(); err == nil || err.Error() != "Circular dependency between resources: [A]" {
		t.Errorf("self reference: got %v", err)
	}
}

// A resource or output referring to a resource whose condition is false
// fails before anything is created.
func TestReferenceToInactiveResource(t *testing.T) {
	for _, tc := range []struct{ name, extra, want string }{
		{"resource", "  User: {Type: AWS::SNS::Subscription, Properties: {TopicArn: !Ref Topic}}\n",
			"Template format error: Unresolved resource dependencies [Topic] in the Resources block of the template"},
		{"DependsOn", "  User: {Type: AWS::SNS::Topic, DependsOn: [Topic]}\n",
			"Template format error: Unresolved resource dependencies [Topic] in the Resources block of the template"},
		{"output", "Outputs:\n  O: {Value: !GetAtt Topic.TopicName}\n",
			"Template format error: Unresolved resource dependencies [Topic] in the Outputs block of the template"},
		{"guarded by the same condition", "  User: {Type: AWS::SNS::Topic, Properties: {DisplayName: !If [Never, !Ref Topic, x]}}\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl := mustParse(t, "Conditions:\n  Never: !Equals [a, b]\nResources:\n  Topic: {Type: AWS::SNS::Topic, Condition: Never}\n"+tc.extra)
			if err := tpl.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			_, err := tpl.Bind(nil, Pseudo{Region: "us-east-1"})
			if tc.want == "" {
				if err != nil {
					t.Errorf("Bind: %v", err)
				}
				return
			}
			if ae, ok := asAWS(err); !ok || ae.Message != tc.want {
				t.Errorf("Bind: got %v, want %q", err, tc.want)
			}
		})
	}
}

// ResolveProperties gives provisioners plain values with AWS::NoValue
// properties removed.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/pseudo-parameter-reference.html#cfn-pseudo-param-novalue
func TestResolveProperties(t *testing.T) {
	tpl := mustParse(t, `
Parameters:
  Name: {Type: String, Default: ''}
Conditions:
  HasName: !Not [!Equals [!Ref Name, '']]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !If [HasName, !Ref Name, !Ref AWS::NoValue]
      VersioningConfiguration: {Status: Enabled}
      Tags:
        - {Key: stack, Value: !Ref AWS::StackName}
        - !If [HasName, {Key: name, Value: !Ref Name}, !Ref AWS::NoValue]
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::222222222222:root'}
            Action: s3:GetObject
            Resource: !Sub '${Bucket.Arn}/*'
            Condition: {Bool: {aws:SecureTransport: true}}
  Bare: {Type: AWS::SNS::Topic}
`)
	b, err := tpl.Bind(nil, Pseudo{AccountID: "111111111111", Region: "us-east-1", StackName: "home"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got, err := b.ResolveProperties(ctx, "Bucket", evalResolver)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"VersioningConfiguration": map[string]any{"Status": "Enabled"},
		"Tags":                    []any{map[string]any{"Key": "stack", "Value": "home"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Bucket = %#v, want %#v", got, want)
	}
	got, err = b.ResolveProperties(ctx, "Policy", evalResolver)
	if err != nil {
		t.Fatal(err)
	}
	st := got["PolicyDocument"].(map[string]any)["Statement"].([]any)[0].(map[string]any)
	if st["Resource"] != "arn:aws:s3:::home-bucket-1/*" || got["Bucket"] != "home-bucket-1" {
		t.Errorf("Policy = %#v", got)
	}
	if c := st["Condition"].(map[string]any)["Bool"].(map[string]any)["aws:SecureTransport"]; c != true {
		t.Errorf("Condition value = %#v, want true", c)
	}
	got, err = b.ResolveProperties(ctx, "Bare", evalResolver)
	if err != nil || len(got) != 0 {
		t.Errorf("Bare = %v, %v; want empty map", got, err)
	}
	b2, _ := tpl.Bind(map[string]string{"Name": "named"}, Pseudo{Region: "us-east-1"})
	got, _ = b2.ResolveProperties(ctx, "Bucket", evalResolver)
	if got["BucketName"] != "named" || len(got["Tags"].([]any)) != 2 {
		t.Errorf("Bucket with name = %#v", got)
	}
}

// Outputs are evaluated after creation; false conditions skip them.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/outputs-section-structure.html
func TestOutputs(t *testing.T) {
	tpl := mustParse(t, `
Conditions:
  Never: !Equals [a, b]
Resources:
  Bucket: {Type: AWS::S3::Bucket}
Outputs:
  BucketArn:
    Description: the bucket
    Value: !GetAtt Bucket.Arn
    Export: {Name: !Sub '${AWS::StackName}-bucket'}
  Zones:
    Value: !GetAZs ''
  Hidden:
    Condition: Never
    Value: x
`)
	if err := tpl.Validate(); err != nil {
		t.Fatal(err)
	}
	b, err := tpl.Bind(nil, Pseudo{Region: "eu-west-1", StackName: "home"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Outputs(context.Background(), evalResolver)
	if err != nil {
		t.Fatal(err)
	}
	want := []Output{
		{Key: "BucketArn", Value: "arn:aws:s3:::home-bucket-1", Description: "the bucket", ExportName: "home-bucket"},
		{Key: "Zones", Value: "eu-west-1a,eu-west-1b,eu-west-1c"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Outputs() = %+v, want %+v", got, want)
	}
}

func TestDiffProperties(t *testing.T) {
	old := map[string]any{"A": "x", "B": json.Number("1"), "C": map[string]any{"D": []any{"p", "q"}}, "E": "gone"}
	new := map[string]any{"A": "x", "B": json.Number("1.0"), "C": map[string]any{"D": []any{"p", "r"}}, "F": true}
	got := DiffProperties(old, new)
	want := []PropertyChange{
		{Path: []string{"C", "D"}, Old: []any{"p", "q"}, New: []any{"p", "r"}},
		{Path: []string{"E"}, Old: "gone", New: nil},
		{Path: []string{"F"}, Old: nil, New: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DiffProperties = %+v, want %+v", got, want)
	}
	if d := DiffProperties(old, old); len(d) != 0 {
		t.Errorf("DiffProperties(same) = %v, want none", d)
	}
}
