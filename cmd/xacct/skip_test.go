package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xacct/xacct/emulatortest"
)

// ordersTemplate is a stranger's SAM template: a Python function behind an
// API Gateway route and fed by an SQS queue.
const ordersTemplate = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  OrdersQueue:
    Type: AWS::SQS::Queue
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
Outputs:
  Url:
    Value: !Sub https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/
`

// writeOrders writes the orders template and its handler in a temporary
// directory outside the checkout and returns the template's path.
func writeOrders(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "orders")
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "template.yaml"), []byte(ordersTemplate), 0o644)
	os.WriteFile(filepath.Join(dir, "src", "app.py"), []byte("def handler(event, context):\n    return {'order': event.get('id')}\n"), 0o644)
	return filepath.Join(dir, "template.yaml")
}

// TestDeploySkipUnsupportedCLI: xacct deploy refuses the Api+SQS template
// naming the types the emulator lacks; with --skip-unsupported it deploys
// the function, warns about each resource left out, and the function runs.
func TestDeploySkipUnsupportedCLI(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	srv := emulatortest.New(t)
	tpl := writeOrders(t)

	// xacct check passes it: IAM checked, the event sources' resources
	// listed as ignored.
	out, errs, err := runMain(t, "check", tpl)
	if err != nil || !strings.Contains(out, "ignored  "+tpl+": OrdersQueue (AWS::SQS::Queue)") || !strings.Contains(out, "ServerlessRestApi (AWS::ApiGateway::RestApi)") ||
		!strings.Contains(out, "1 functions checked: 0 errors, 0 warnings") {
		t.Fatalf("check: %v\n%s%s", err, out, errs)
	}

	out, errs, err = runMain(t, "deploy", tpl, "--endpoint", srv.URL)
	if err == nil {
		t.Fatalf("deploy without --skip-unsupported succeeded:\n%s%s", out, errs)
	}
	for _, want := range []string{"AWS::ApiGateway::RestApi", "AWS::SQS::Queue", "AWS::Lambda::EventSourceMapping", "not supported by xacct's CloudFormation emulator", "--skip-unsupported"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q lacks %q", err, want)
		}
	}

	out, errs, err = runMain(t, "deploy", tpl, "--endpoint", srv.URL, "--skip-unsupported")
	if err != nil {
		t.Fatalf("deploy --skip-unsupported: %v\n%s%s", err, out, errs)
	}
	for _, want := range []string{
		"warning: skipped OrdersQueue (AWS::SQS::Queue)",
		"warning: skipped ServerlessRestApi (AWS::ApiGateway::RestApi)",
		"warning: skipped OrdersJobs (AWS::Lambda::EventSourceMapping)",
		"warning: skipped OrdersGetOrderPermissionProd (AWS::Lambda::Permission, references ServerlessRestApi)",
		"warning: skipped output Url (references ServerlessRestApi)",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if !strings.Contains(out, "stack orders: CREATE_COMPLETE") {
		t.Fatalf("deploy output:\n%s", out)
	}
	os.WriteFile(filepath.Join(filepath.Dir(tpl), "event.json"), []byte(`{"id": "o-17"}`), 0o644)
	out, errs, err = runMain(t, "invoke", "orders/Orders", "--event", filepath.Join(filepath.Dir(tpl), "event.json"), "--endpoint", srv.URL)
	if err != nil || !strings.Contains(out, `"order": "o-17"`) {
		t.Fatalf("invoke: %v\n%s%s", err, out, errs)
	}
}

// xacct check refuses what it would otherwise silently ignore, as a usage
// error (exit status 2).
func TestCheckRefusesBadOptions(t *testing.T) {
	tpl := writeOrders(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"check", tpl, "--param", "Stage=prod"}, "--param Stage: no template given declares this parameter"},
		{[]string{"check", tpl, "--account", "other.yaml=111111111111"}, "other.yaml is not one of the templates given"},
		{[]string{"check", tpl, "--account", tpl + "=1111"}, "an account id is 12 digits"},
	} {
		_, _, err := runMain(t, c.args...)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want a usage error containing %q", c.args[2:], err, c.want)
		}
	}
}
