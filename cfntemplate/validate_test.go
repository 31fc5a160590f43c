package cfntemplate

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Validate reports what ValidateTemplate reports, with CloudFormation's
// messages.
// https://repost.aws/knowledge-center/cloudformation-template-validation
func TestValidate(t *testing.T) {
	const topic = "  T: {Type: AWS::SNS::Topic}\n"
	for _, tc := range []struct {
		name, body, want string
	}{
		{"valid", "Resources:\n" + topic, ""},
		{"unknown sections", "Resource: {}\nOutput: {}\nResources:\n" + topic, "Template format error: Invalid template property or properties [Resource, Output]"},
		{"no resources", "Description: x\n", "Template format error: At least one Resources member must be defined."},
		{"empty resources", "Resources: {}\n", "Template format error: At least one Resources member must be defined."},
		{"resource not an object", "Resources:\n  T: x\n", "Template format error: Any Resources member must be an object."},
		{"resource without Type", "Resources:\n  T: {Properties: {}}\n", "Template format error: [/Resources/T] Every Resources object must contain a Type member."},
		{"non-alphanumeric resource name", "Resources:\n  my-topic: {Type: AWS::SNS::Topic}\n", "Template format error: Resource name my-topic is non alphanumeric."},
		{"unknown resource attribute", "Resources:\n  T: {Type: AWS::SNS::Topic, Propertis: {}}\n", "Invalid template resource property 'Propertis'"},
		{"unresolved Ref", "Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {TopicName: !Ref Name, DisplayName: !Ref Other}}\n", "Template format error: Unresolved resource dependencies [Name, Other] in the Resources block of the template"},
		{"unresolved Sub variable", "Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {TopicName: !Sub '${AWS::Region}-${Stage}'}}\n", "Template format error: Unresolved resource dependencies [Stage] in the Resources block of the template"},
		{"Sub literal is not a reference", "Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {TopicName: !Sub '${!Stage}'}}\n", ""},
		{"GetAtt of undefined resource", "Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {TopicName: !GetAtt Q.QueueName}}\n", "Template error: instance of Fn::GetAtt references undefined resource Q"},
		{"unresolved DependsOn", "Resources:\n  T: {Type: AWS::SNS::Topic, DependsOn: [Q]}\n", "Template format error: Unresolved resource dependencies [Q] in the Resources block of the template"},
		{"undefined resource condition", "Resources:\n  T: {Type: AWS::SNS::Topic, Condition: IsProd}\n", "Template format error: Condition IsProd is not defined."},
		{"If with undefined condition", "Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {TopicName: !If [IsProd, a, b]}}\n", "Template error: unresolved condition dependency IsProd in Fn::If"},
		{"Select out of range", "Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {TopicName: !Select [3, [a, b]]}}\n", "Template error: Fn::Select cannot select nonexistent value at index 3"},
		{"Join malformed", "Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {TopicName: !Join [a]}}\n", "Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined."},
		{"unsupported function", "Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {TopicName: {Fn::Upper: a}}}\n", "Template format error: Encountered unsupported function: Fn::Upper Supported functions are: " + supportedFunctions},
		{"null value", "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName:\n", "[/Resources/T/Properties/TopicName] 'null' values are not allowed in templates"},
		{"output without Value", "Resources:\n" + topic + "Outputs:\n  O: {Description: x}\n", "Template format error: Every Outputs member must contain a Value object"},
		{"output with unresolved Ref", "Resources:\n" + topic + "Outputs:\n  O: {Value: !Ref Q}\n", "Template format error: Unresolved resource dependencies [Q] in the Outputs block of the template"},
		{"bad mapping", "Mappings:\n  M: [a]\nResources:\n" + topic, "Template format error: Every Mappings member M must be a map"},
		{"bad mapping attribute", "Mappings:\n  M: {K: {A: {B: c}}}\nResources:\n" + topic, "Template format error: Every Mappings attribute must be a String or a List."},
		{"condition referring to a resource", "Conditions:\n  C: !Equals [!Ref T, x]\nResources:\n" + topic, "Template format error: Unresolved dependencies [T]. Cannot reference resources in the Conditions block of the template"},
		{"too many resources", "Resources:\n" + manyTopics(501), "Template format error: Number of resources, 501, is greater than maximum allowed, 500"},
		{"not a template", "- a\n- b\n", "Template format error: unsupported structure."},
		{"wrong format version", "AWSTemplateFormatVersion: '2011-01-01'\nResources:\n" + topic, "Template format error: Unsupported AWSTemplateFormatVersion 2011-01-01; the only valid version is 2010-09-09"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := mustParse(t, tc.body).Validate()
			if tc.want == "" {
				if err != nil {
					t.Errorf("Validate: %v", err)
				}
				return
			}
			ae, ok := asAWS(err)
			if !ok || ae.Code != "ValidationError" || ae.Message != tc.want {
				t.Errorf("Validate:\ngot  %v\nwant %q", err, tc.want)
			}
		})
	}
}

// Errors point at the offending line for humans; API clients see AWS's
// message unchanged.
func TestErrorPosition(t *testing.T) {
	err := mustParse(t, "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref Missing\n").Validate()
	var te *Error
	if !asError(err, &te) {
		t.Fatalf("got %T %v, want *template.Error", err, err)
	}
	if te.Pos.Line != 5 {
		t.Errorf("Pos = %v, want line 5", te.Pos)
	}
	if want := "Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template (at line 5, column 18)"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	if ae, _ := asAWS(err); ae == nil || strings.Contains(ae.Message, "line") {
		t.Errorf("AWS error %+v carries the position", ae)
	}
}

func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	if ok {
		*target = e
	}
	return ok
}

// Every processed fixture validates, binds, orders and resolves: the path
// a deployment takes.
func TestProcessedTemplatesDeploy(t *testing.T) {
	files, _ := filepath.Glob("testdata/sam/*.yaml")
	files = append(files, "testdata/cfn/target.yaml", "testdata/cfn/target.json")
	params := map[string]string{
		"TargetAccountId": "222222222222", "TargetBucketName": "xacct-target-222222222222-us-east-1",
		"ExecutionRoleArns": "arn:aws:iam::111111111111:role/a,arn:aws:iam::111111111111:role/b",
	}
	for _, file := range files {
		base := filepath.Base(file)
		if strings.HasPrefix(base, "error_") || base == "seed004_switch_account.yaml" {
			continue
		}
		t.Run(base, func(t *testing.T) {
			p, err := transformFile(t, file, "us-east-1", nil)
			if err != nil {
				t.Fatalf("Transform: %v", err)
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			decls, _ := p.Parameters()
			given := map[string]string{}
			for _, d := range decls {
				if v, ok := params[d.Name]; ok {
					given[d.Name] = v
				}
			}
			b, err := p.Bind(given, Pseudo{AccountID: "111111111111", Region: "us-east-1", StackName: "s"})
			if err != nil {
				t.Fatalf("Bind: %v", err)
			}
			order, err := b.Order()
			if err != nil {
				t.Fatalf("Order: %v", err)
			}
			r := &recordingResolver{}
			for _, id := range order {
				if _, err := b.ResolveProperties(context.Background(), id, r); err != nil {
					t.Fatalf("ResolveProperties(%s): %v", id, err)
				}
				r.created = append(r.created, id)
			}
			if _, err := b.Outputs(context.Background(), r); err != nil {
				t.Fatalf("Outputs: %v", err)
			}
		})
	}
}

// recordingResolver fails a Ref or GetAtt to a resource that has not been
// created yet, which would mean Order is wrong.
type recordingResolver struct{ created []string }

func (r *recordingResolver) has(id string) bool {
	for _, c := range r.created {
		if c == id {
			return true
		}
	}
	return false
}

func (r *recordingResolver) Ref(_ context.Context, id string) (string, error) {
	if !r.has(id) {
		return "", validation("%s referenced before it was created", id)
	}
	return "physical-" + id, nil
}

func (r *recordingResolver) GetAtt(_ context.Context, id, attr string) (any, error) {
	if !r.has(id) {
		return nil, validation("%s referenced before it was created", id)
	}
	return "arn:aws:test:::" + id + "/" + attr, nil
}

func (r *recordingResolver) ImportValue(context.Context, string) (string, error) {
	return "imported", nil
}

// The seed's SAM template, packaged (CodeUri on S3), deploys in the order
// layer, role, function.
func TestSeedTemplateDeployOrder(t *testing.T) {
	p, err := transformFile(t, "testdata/sam/seed004_switch_account_packaged.yaml", "ap-northeast-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Bind(nil, Pseudo{AccountID: "111111111111", Region: "ap-northeast-1", StackName: "switch"})
	if err != nil {
		t.Fatal(err)
	}
	order, err := b.Order()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"SwitchAccountFunctionRole", "CrossAccountLayeree39a7b4d9", "SwitchAccountFunction"}
	if !reflect.DeepEqual(order, want) {
		t.Errorf("Order() = %v, want %v", order, want)
	}
}

func manyTopics(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  T%d: {Type: AWS::SNS::Topic}\n", i)
	}
	return b.String()
}

// The classic SAM pitfall: a function with an S3 event on a bucket and a
// policy referring to the same bucket. The bucket waits for the
// permission, the permission for the function, the function for its role,
// and the role for the bucket.
// https://aws.amazon.com/blogs/mt/resolving-circular-dependency-in-provisioning-of-amazon-s3-buckets-with-aws-lambda-event-notifications/
// (CloudFormation lists the same four resources; the order of its list is
// not documented, ours is template order.)
func TestSAMS3EventPolicyCycle(t *testing.T) {
	tpl := mustParse(t, `
Transform: AWS::Serverless-2016-10-31
Resources:
  Uploads:
    Type: AWS::S3::Bucket
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k.zip
      Handler: h
      Runtime: python3.12
      Policies:
        - S3ReadPolicy: {BucketName: !Ref Uploads}
      Events:
        Put:
          Type: S3
          Properties: {Bucket: !Ref Uploads, Events: 's3:ObjectCreated:*'}
`)
	p, err := tpl.Transform(TransformOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := "Circular dependency between resources: [Uploads, Fn, FnRole, FnPutPermission]"
	if err := p.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate: got %v, want %q", err, want)
	}
}

// Templates with IAM resources need CAPABILITY_IAM, named ones
// CAPABILITY_NAMED_IAM.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ValidateTemplate.html
func TestCapabilities(t *testing.T) {
	for _, tc := range []struct{ body, want, reason string }{
		{"Resources:\n  T: {Type: AWS::SNS::Topic}\n", "", ""},
		{"Resources:\n  R: {Type: AWS::IAM::Role}\n", "CAPABILITY_IAM", "The following resource(s) require capabilities: [AWS::IAM::Role]"},
		{"Resources:\n  R: {Type: AWS::IAM::Role, Properties: {RoleName: x}}\n  P: {Type: AWS::IAM::Policy}\n", "CAPABILITY_NAMED_IAM", "The following resource(s) require capabilities: [AWS::IAM::Role, AWS::IAM::Policy]"},
	} {
		caps, reason := mustParse(t, tc.body).Capabilities()
		if strings.Join(caps, ",") != tc.want || reason != tc.reason {
			t.Errorf("Capabilities() = %v %q, want %s %q", caps, reason, tc.want, tc.reason)
		}
	}
}
