package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ordersTemplate is a user's SAM template with the event sources most
// templates have: an API Gateway route and an SQS queue, and an SNS topic.
const ordersTemplate = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  OrdersQueue:
    Type: AWS::SQS::Queue
  OrderEvents:
    Type: AWS::SNS::Topic
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
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
            BatchSize: 10
        Published:
          Type: SNS
          Properties:
            Topic: !Ref OrderEvents
Outputs:
  Api:
    Value: !Sub https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/
  Topic:
    Value: !Ref OrderEvents
`

// TestApiSQSTemplate is issue 14's must-show with the xacct binary and the
// aws CLI against xacct serve, from a directory outside the checkout:
// xacct check passes the template and lists what it ignored; xacct deploy
// and aws cloudformation deploy are refused with the unsupported types
// named; xacct deploy --skip-unsupported deploys the function, its role
// and its SNS subscription, warns about each left-out resource, and the
// function runs, invoked directly and through the topic.
func TestApiSQSTemplate(t *testing.T) {
	needTool(t, "python3")
	needTool(t, "aws")
	srv := serve(t)
	project := filepath.Join(t.TempDir(), "orders")
	if err := os.MkdirAll(filepath.Join(project, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	handler := "import json\n\ndef handler(event, context):\n    print(json.dumps({'orders-handler': event}))\n    return {'order': event.get('id')}\n"
	for name, body := range map[string]string{"template.yaml": ordersTemplate, "src/app.py": handler, "event.json": `{"id": "o-42"}`} {
		if err := os.WriteFile(filepath.Join(project, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := srv.rootEnv("111111111111")
	tpl := filepath.Join(project, "template.yaml")

	out, errs, err := runBoth(t, env, "check", tpl)
	if err != nil || !strings.Contains(out, "1 functions checked: 0 errors, 0 warnings") ||
		!strings.Contains(out, "ignored  "+tpl+": OrdersQueue (AWS::SQS::Queue)") || !strings.Contains(out, "ServerlessRestApi (AWS::ApiGateway::RestApi)") {
		t.Fatalf("check: %v\n%s%s", err, out, errs)
	}

	out, errs, err = runBoth(t, env, "deploy", tpl)
	if err == nil || !strings.Contains(errs, "AWS::ApiGateway::RestApi") || !strings.Contains(errs, "AWS::SQS::Queue") ||
		!strings.Contains(errs, "not supported by xacct's CloudFormation emulator") {
		t.Fatalf("deploy without --skip-unsupported: %v\n%s%s", err, out, errs)
	}
	// The aws CLI (v1), after its own package step, gets CloudFormation's
	// error for unknown types.
	packaged := filepath.Join(project, "packaged.yaml")
	must(t, env, "aws", "cloudformation", "package", "--template-file", tpl, "--s3-bucket", "xacct-artifacts-111111111111", "--output-template-file", packaged)
	if _, err := run(t, env, "aws", "cloudformation", "deploy", "--template-file", packaged, "--stack-name", "orders-raw", "--capabilities", "CAPABILITY_IAM"); err == nil ||
		!strings.Contains(err.Error(), "Unrecognized resource types: [") || !strings.Contains(err.Error(), "AWS::SQS::Queue") {
		t.Fatalf("aws cloudformation deploy: %v", err)
	}

	out, errs, err = runBoth(t, env, "deploy", tpl, "--skip-unsupported")
	if err != nil || !strings.Contains(out, "stack orders: CREATE_COMPLETE") {
		t.Fatalf("deploy --skip-unsupported: %v\n%s%s", err, out, errs)
	}
	for _, want := range []string{
		"warning: skipped OrdersQueue (AWS::SQS::Queue)",
		"warning: skipped OrdersJobs (AWS::Lambda::EventSourceMapping)",
		"warning: skipped ServerlessRestApi (AWS::ApiGateway::RestApi)",
		"warning: skipped OrdersGetOrderPermissionProd (AWS::Lambda::Permission, references ServerlessRestApi)",
		"warning: skipped output Api (references ServerlessRestApi)",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("deploy --skip-unsupported stderr lacks %q:\n%s", want, errs)
		}
	}
	for _, want := range []string{"AWS::SNS::Subscription     OrdersPublished", "AWS::Lambda::Permission    OrdersPublishedPermission"} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy output lacks %q (SNS events deploy for real):\n%s", want, out)
		}
	}

	out, errs, err = runBoth(t, env, "invoke", "orders/Orders", "--event", filepath.Join(project, "event.json"))
	if err != nil || !strings.Contains(out, `"order": "o-42"`) {
		t.Fatalf("invoke: %v\n%s%s", err, out, errs)
	}

	// The SNS subscription is real: a message published to the topic
	// invokes the function (SAM's permission lets sns.amazonaws.com in).
	topic := strings.TrimSpace(must(t, env, "aws", "cloudformation", "describe-stacks", "--stack-name", "orders",
		"--query", "Stacks[0].Outputs[?OutputKey=='Topic'].OutputValue", "--output", "text"))
	must(t, env, "aws", "sns", "publish", "--topic-arn", topic, "--message", "order-published-42")
	waitFor(t, "the SNS delivery in the function's log", func() bool {
		out, _, _ := runBoth(t, env, "logs", "orders/Orders", "--filter", "order-published-42")
		return strings.Contains(out, "order-published-42")
	}, &syncBuffer{})
}
