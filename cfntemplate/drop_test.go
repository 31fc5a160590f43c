package cfntemplate

import (
	"slices"
	"testing"
)

// DropResources leaves out the given types and, transitively, what
// references them by Ref, Fn::GetAtt, Fn::Sub or DependsOn, and the
// outputs that do; everything else stays as it was.
func TestDropResources(t *testing.T) {
	tpl := mustParse(t, `
Parameters:
  Stage: {Type: String, Default: dev}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Queue.Arn
      FunctionName: !Ref Fn
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmDescription: !Sub "depth of ${Queue.QueueName}"
  Waits:
    Type: AWS::SNS::Topic
    DependsOn: [Alarm]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Role.Arn
      Description: !If [IsProd, prod, dev]
  Role:
    Type: AWS::IAM::Role
Outputs:
  QueueUrl:
    Value: !Ref Queue
  FnName:
    Value: !Ref Fn
`)
	out, dropped := tpl.DropResources([]string{"AWS::SQS::Queue", "AWS::Scheduler::Schedule"})
	var got []string
	for _, d := range dropped {
		got = append(got, d.String())
	}
	want := []string{
		"Queue (AWS::SQS::Queue)",
		"Mapping (AWS::Lambda::EventSourceMapping, references Queue)",
		"Alarm (AWS::CloudWatch::Alarm, references Queue)",
		"Waits (AWS::SNS::Topic, references Alarm)",
		"output QueueUrl (references Queue)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("dropped:\ngot  %q\nwant %q", got, want)
	}
	if keys := out.Section("Resources").Keys(); !slices.Equal(keys, []string{"Fn", "Role"}) {
		t.Errorf("resources left %v, want [Fn Role]", keys)
	}
	if keys := out.Section("Outputs").Keys(); !slices.Equal(keys, []string{"FnName"}) {
		t.Errorf("outputs left %v, want [FnName]", keys)
	}
	if _, ok := tpl.Resource("Queue"); !ok {
		t.Error("DropResources changed the template it was called on")
	}
	if _, d := tpl.DropResources(nil); len(d) != 0 {
		t.Errorf("no types: dropped %v", d)
	}
}

// WithoutUntranslated takes out what the SAM transform refuses for what
// it is, so the rest transforms; a malformed event is left for Transform
// to report.
func TestWithoutUntranslated(t *testing.T) {
	tpl := mustParse(t, `Transform: AWS::Serverless-2016-10-31
Globals:
  HttpApi: {CorsConfiguration: {AllowOrigins: ['*']}}
Resources:
  Table:
    Type: AWS::Serverless::SimpleTable
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k.zip
      Handler: h
      Runtime: python3.12
      Environment: {Variables: {PLAIN: x}}
      AutoPublishAlias: live
      DeploymentPreference: {Type: Canary10Percent5Minutes}
      Events:
        Mq: {Type: MQ, Properties: {Broker: arn:aws:mq:us-east-1:111111111111:broker:b, Queues: [q]}}
        Http: {Type: HttpApi, Properties: {Path: /x, Method: get, Auth: {Authorizer: NONE}}}
        Topic: {Type: SNS, Properties: {Topic: arn:aws:sns:us-east-1:111111111111:t}}
  Uses:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://b/k.zip
      Handler: h
      Runtime: python3.12
      Environment: {Variables: {TABLE: !Ref Table}}
`)
	out, dropped := tpl.WithoutUntranslated()
	var got []string
	for _, d := range dropped {
		got = append(got, d.String())
	}
	want := []string{
		"Globals.HttpApi: not supported by xacct's SAM transform",
		"property DeploymentPreference of Fn: not supported by xacct's SAM transform",
		"event Mq of Fn (MQ): event source type MQ is not supported by xacct's SAM transform",
		"event Http of Fn (HttpApi): property Auth on HttpApi events is not supported by xacct's SAM transform",
		"Table (AWS::Serverless::SimpleTable)",
		"Uses (AWS::Serverless::Function, references Table)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("dropped:\ngot  %q\nwant %q", got, want)
	}
	p, err := out.Transform(TransformOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Resource("FnTopic"); !ok {
		t.Errorf("the SNS event was lost: %v", p.Section("Resources").Keys())
	}
	plain := mustParse(t, "Resources:\n  B: {Type: AWS::S3::Bucket}\n")
	if same, d := plain.WithoutUntranslated(); same != plain || d != nil {
		t.Error("a template without the SAM transform changed")
	}
}
