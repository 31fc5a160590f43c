package stackdeploy_test

import (
	"context"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/xacct/xacct/emulatortest"
	"github.com/xacct/xacct/internal/stackdeploy"
)

// apiSQSTemplate is a stranger's SAM template: a Python function behind an
// API Gateway route and an SQS queue, and an SNS topic it subscribes to.
const apiSQSTemplate = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: orders service
Resources:
  OrdersQueue:
    Type: AWS::SQS::Queue
  Updates:
    Type: AWS::SNS::Topic
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            return {"statusCode": 200, "body": "orders:" + str(event.get("id"))}
      Events:
        GetOrder:
          Type: Api
          Properties:
            Path: /orders/{id}
            Method: get
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt OrdersQueue.Arn
            BatchSize: 5
        Notes:
          Type: SNS
          Properties:
            Topic: !Ref Updates
Outputs:
  Api:
    Value: !Sub https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/
  Function:
    Value: !Ref OrdersFunction
`

// Without --skip-unsupported the emulator refuses the template naming the
// types it lacks; with it, the rest deploys (the function, its role, the
// SNS subscription and permission), each left-out resource is warned
// about, and the function runs.
func TestDeploySkipUnsupported(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not on PATH: the emulator's Lambda runs python3.12 handlers with it")
	}
	srv := emulatortest.New(t)
	cfg := srv.Config("111111111111")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()

	_, err := stackdeploy.Deploy(ctx, cfg, "orders", []byte(apiSQSTemplate), nil, nil)
	var ut *stackdeploy.UnsupportedTypesError
	if !errors.As(err, &ut) {
		t.Fatalf("deploy without SkipUnsupported: got %v, want an UnsupportedTypesError", err)
	}
	for _, typ := range []string{"AWS::ApiGateway::RestApi", "AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage", "AWS::SQS::Queue", "AWS::Lambda::EventSourceMapping"} {
		if !slices.Contains(ut.Types, typ) {
			t.Errorf("refusal names %v, want %s among them", ut.Types, typ)
		}
	}
	if !strings.Contains(ut.Message, "not supported by xacct's CloudFormation emulator") || !strings.Contains(ut.Message, "--skip-unsupported") {
		t.Errorf("refusal message %q: want it to say the types are unsupported by xacct and how to skip them", ut.Message)
	}

	var warnings []string
	res, err := stackdeploy.Deploy(ctx, cfg, "orders", []byte(apiSQSTemplate), nil, nil, func(o *stackdeploy.Options) {
		o.SkipUnsupported = true
		o.Warn = func(s string) { warnings = append(warnings, s) }
	})
	if err != nil {
		t.Fatalf("deploy with SkipUnsupported: %v", err)
	}
	joined := strings.Join(warnings, "\n")
	for _, want := range []string{
		"ServerlessRestApi (AWS::ApiGateway::RestApi)",
		"OrdersQueue (AWS::SQS::Queue)",
		"OrdersFunctionJobs (AWS::Lambda::EventSourceMapping)",
		"OrdersFunctionGetOrderPermissionProd (AWS::Lambda::Permission, references ServerlessRestApi)",
		"output Api (references ServerlessRestApi)",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings:\n%s\nwant one naming %s", joined, want)
		}
	}
	if strings.Contains(joined, "OrdersFunction ") || strings.Contains(joined, "OrdersFunctionNotes ") {
		t.Errorf("warnings:\n%s\nthe function and its SNS subscription must deploy", joined)
	}
	name := res.Outputs["Function"]
	if name == "" {
		t.Fatalf("outputs %v: want Function", res.Outputs)
	}
	if _, ok := res.Outputs["Api"]; ok {
		t.Errorf("output Api references a skipped resource but is present: %v", res.Outputs)
	}
	cf := cloudformation.NewFromConfig(cfg)
	out, err := cf.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range out.StackResources {
		got = append(got, aws.ToString(r.LogicalResourceId))
	}
	slices.Sort(got)
	want := []string{"OrdersFunction", "OrdersFunctionNotes", "OrdersFunctionNotesPermission", "OrdersFunctionRole", "Updates"}
	if !slices.Equal(got, want) {
		t.Errorf("stack resources %v, want %v", got, want)
	}
	inv, err := lambda.NewFromConfig(cfg).Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(`{"id": 7}`)})
	if err != nil {
		t.Fatal(err)
	}
	if inv.FunctionError != nil || !strings.Contains(string(inv.Payload), "orders:7") {
		t.Errorf("invoke: error %v, payload %s; want orders:7", aws.ToString(inv.FunctionError), inv.Payload)
	}
}

// A template with what xacct's SAM transform does not translate (an
// explicit AWS::Serverless::Api with its Auth, an MSK event, Globals for
// the API) is refused as such; with SkipUnsupported those are left out
// too, with a warning each, and the function deploys.
func TestDeploySkipUntranslatedSAM(t *testing.T) {
	srv := emulatortest.New(t)
	cfg := srv.Config("111111111111")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	body := []byte(`Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    Cors: "'*'"
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth: {DefaultAuthorizer: AWS_IAM}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "def handler(e, c):\n    return 'ok'\n"
      Events:
        Get:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /, Method: get}
        Kafka:
          Type: MSK
          Properties: {Stream: 'arn:aws:kafka:us-east-1:111111111111:cluster/c/1', StartingPosition: LATEST, Topics: [t]}
Outputs:
  Endpoint:
    Value: !Sub https://${Api}.execute-api.${AWS::Region}.amazonaws.com/v1
`)
	_, err := stackdeploy.Deploy(ctx, cfg, "untranslated", body, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "not supported by xacct's SAM transform") || !strings.Contains(err.Error(), "--skip-unsupported") {
		t.Fatalf("without SkipUnsupported: %v", err)
	}
	var warnings []string
	res, err := stackdeploy.Deploy(ctx, cfg, "untranslated", body, nil, nil, func(o *stackdeploy.Options) {
		o.SkipUnsupported = true
		o.Warn = func(s string) { warnings = append(warnings, s) }
	})
	if err != nil {
		t.Fatalf("with SkipUnsupported: %v\nwarnings:\n%s", err, strings.Join(warnings, "\n"))
	}
	joined := strings.Join(warnings, "\n")
	for _, want := range []string{
		"warning: skipped Globals.Api: not supported by xacct's SAM transform",
		"warning: skipped event Get of Fn (Api): property RestApiId on Api events is not supported by xacct's SAM transform",
		"warning: skipped event Kafka of Fn (MSK): event source type MSK is not supported by xacct's SAM transform",
		"warning: skipped Api (AWS::Serverless::Api): not supported by the target",
		"warning: skipped output Endpoint (references Api): not supported by the target",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings:\n%s\nwant %q", joined, want)
		}
	}
	if res.Status != "CREATE_COMPLETE" {
		t.Errorf("status %s", res.Status)
	}
}
