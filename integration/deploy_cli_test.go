package integration

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// userTemplate is a user's own SAM project, not one of ours: a bucket and
// a Python function that may only read it (S3ReadPolicy) but writes to it
// when asked.
const userTemplate = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting:
    Type: String
    Default: hello
Resources:
  Data:
    Type: AWS::S3::Bucket
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Environment:
        Variables:
          GREETING: !Ref Greeting
          DATA_BUCKET: !Ref Data
      Policies:
        - S3ReadPolicy:
            BucketName: !Ref Data
Outputs:
  EchoName:
    Value: !Ref Echo
`

const userHandler = `import json, os

import boto3


def handler(event, context):
    greeting = os.environ["GREETING"]
    print(json.dumps({"msg": "echo", "greeting": greeting}))
    if event.get("write"):
        boto3.client("s3").put_object(Bucket=os.environ["DATA_BUCKET"], Key="out.txt", Body=b"x")
    return {"greeting": greeting}
`

// syncBuffer is a bytes.Buffer written by a process and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runBoth runs the xacct binary with env and returns stdout, stderr and
// the error (an *exec.ExitError for a non-zero exit).
func runBoth(t *testing.T, env []string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, xacct(t), args...)
	cmd.Env = env
	cmd.Dir = os.TempDir() // not the project's directory, not the checkout
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// TestUserProjectDeployInvokeLogs is issue 14's workflow on a project the
// test writes in a temporary directory outside the checkout, with the
// xacct binary run from that directory against `xacct serve`: xacct
// deploy, xacct invoke --template with SAM CLI's --env-vars (the handler
// echoes the variable), xacct logs --follow catching an invocation, and
// the function's real execution role refusing the write its policy does
// not allow, and xacct check finding that missing permission statically.
func TestUserProjectDeployInvokeLogs(t *testing.T) {
	needTool(t, "python3")
	if out, err := exec.Command("python3", "-c", "import boto3").CombinedOutput(); err != nil {
		t.Skipf("boto3 not installed: %s", out)
	}
	srv := serve(t)
	project := filepath.Join(t.TempDir(), "greeter")
	if err := os.MkdirAll(filepath.Join(project, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"template.yaml": userTemplate,
		"src/app.py":    userHandler,
		"env.json":      `{"Echo": {"GREETING": "from-env-vars"}, "Parameters": {"UNUSED": "x"}}`,
		"env2.json":     `{"Parameters": {"GREETING": "followed"}}`,
		"write.json":    `{"write": true}`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(project, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := srv.rootEnv("111111111111")
	tpl := filepath.Join(project, "template.yaml")

	// xacct deploy: packaged, deployed through a change set, events and
	// outputs printed; the stack is named after the project directory.
	out, errs, err := runBoth(t, env, "deploy", tpl, "--param", "Greeting=deployed")
	if err != nil {
		t.Fatalf("deploy: %v\n%s%s", err, out, errs)
	}
	for _, want := range []string{"Echo: zipping", "deploying stack greeter to account 111111111111", "AWS::IAM::Role             EchoRole", "AWS::Lambda::Function      Echo", "CREATE_COMPLETE", "EchoName                   greeter-Echo-"} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy output lacks %q:\n%s", want, out)
		}
	}
	out, errs, err = runBoth(t, env, "invoke", "greeter/Echo")
	if err != nil || !strings.Contains(out, `"greeting": "deployed"`) {
		t.Fatalf("invoke greeter/Echo: %v\n%s%s", err, out, errs)
	}

	// xacct invoke --template with --env-vars, from another directory.
	out, errs, err = runBoth(t, env, "invoke", "--template", tpl, "Echo", "--env-vars", filepath.Join(project, "env.json"))
	if err != nil || !strings.Contains(out, `"greeting": "from-env-vars"`) {
		t.Fatalf("invoke --template --env-vars: %v\n%s%s", err, out, errs)
	}
	m := regexp.MustCompile(`deploying stack (xacct-invoke-greeter-[0-9a-f]{8}) `).FindStringSubmatch(errs)
	if m == nil {
		t.Fatalf("no scratch stack named on stderr:\n%s", errs)
	}
	scratch := m[1]

	// xacct logs --follow on the scratch function catches the next
	// invocation's line, then stops on Ctrl-C with exit status 0.
	var followOut, followErr syncBuffer
	follow := exec.Command(xacct(t), "logs", scratch+"/Echo", "--follow", "--since", "1s", "--filter", "followed")
	follow.Env = env
	follow.Stdout, follow.Stderr = &followOut, &followErr
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	defer follow.Process.Kill()
	waitFor(t, "logs --follow to start", func() bool { return strings.Contains(followErr.String(), "following /aws/lambda/") }, &followErr)
	out, errs, err = runBoth(t, env, "invoke", "--template", tpl, "Echo", "--env-vars", filepath.Join(project, "env2.json"))
	if err != nil || !strings.Contains(out, `"greeting": "followed"`) || !strings.Contains(errs, "UPDATE_COMPLETE") {
		t.Fatalf("invoke --template (update): %v\n%s%s", err, out, errs)
	}
	waitFor(t, "the invocation's line in logs --follow", func() bool {
		return strings.Contains(followOut.String(), `{"msg": "echo", "greeting": "followed"}`)
	}, &followOut)
	if err := follow.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := follow.Wait(); err != nil {
		t.Fatalf("logs --follow after Ctrl-C: %v\n%s", err, followErr.String())
	}
	if got := strings.Count(followOut.String(), "followed"); got != 1 {
		t.Errorf("the line was printed %d times:\n%s", got, followOut.String())
	}

	// The function runs as its real execution role: the write its policy
	// does not allow is AccessDenied, naming the role.
	out, _, err = runBoth(t, env, "invoke", "greeter/Echo", "--event", filepath.Join(project, "write.json"))
	if err == nil || !strings.Contains(out, "AccessDenied") || !regexp.MustCompile(`assumed-role/greeter-EchoRole-[A-Z0-9]+/`).MatchString(out) || !strings.Contains(out, "s3:PutObject") {
		t.Fatalf("write with a read-only role: %v\n%s", err, out)
	}

	// xacct check finds the same missing permission without deploying:
	// the handler's put_object on the bucket its environment names, which
	// the role's S3ReadPolicy does not allow.
	out, errs, err = runBoth(t, env, "check", tpl)
	if err == nil || !strings.Contains(out, "[MissingBucketAccess]") || !strings.Contains(out, "calls s3:PutObject (app.py:10)") ||
		!strings.Contains(out, "environment variable DATA_BUCKET") || !regexp.MustCompile(`execution role arn:aws:iam::111111111111:role/\S+EchoRole may not`).MatchString(out) {
		t.Fatalf("check: %v\n%s%s", err, out, errs)
	}

	// xacct check finds the same missing permission without deploying:
	// the handler calls put_object on the bucket its environment names.
	out, errs, err = runBoth(t, env, "check", tpl)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("check: want exit 1, got %v\n%s%s", err, out, errs)
	}
	for _, want := range []string{"[MissingBucketAccess]", "s3:PutObject (app.py:10)", "environment variable DATA_BUCKET", "EchoRole may not"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	// With write access granted, check passes and the deployed function
	// writes.
	fixed := strings.Replace(userTemplate, "S3ReadPolicy:", "S3CrudPolicy:", 1)
	if err := os.WriteFile(tpl, []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errs, err = runBoth(t, env, "check", tpl); err != nil || strings.Contains(out, "MissingBucketAccess") {
		t.Fatalf("check with S3CrudPolicy: %v\n%s%s", err, out, errs)
	}
	if out, errs, err = runBoth(t, env, "deploy", tpl, "--param", "Greeting=deployed"); err != nil || !strings.Contains(out, "UPDATE_COMPLETE") {
		t.Fatalf("deploy with S3CrudPolicy: %v\n%s%s", err, out, errs)
	}
	if out, errs, err = runBoth(t, env, "invoke", "greeter/Echo", "--event", filepath.Join(project, "write.json")); err != nil || !strings.Contains(out, `"greeting": "deployed"`) {
		t.Fatalf("write with S3CrudPolicy: %v\n%s%s", err, out, errs)
	}

	// Without packaging, the emulator's CloudFormation says what to do.
	if _, err := exec.LookPath("aws"); err == nil {
		out, err = run(t, env, "aws", "cloudformation", "deploy", "--template-file", tpl, "--stack-name", "raw", "--capabilities", "CAPABILITY_IAM")
		if err == nil || !strings.Contains(err.Error(), `Echo's CodeUri "src/"`) || !strings.Contains(err.Error(), "package it first") || !strings.Contains(err.Error(), "xacct deploy") {
			t.Fatalf("aws cloudformation deploy without package: %v\n%s", err, out)
		}
	}
}

// waitFor polls cond for up to 30 s.
func waitFor(t *testing.T, what string, cond func() bool, show interface{ String() string }) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30s for %s:\n%s", what, show.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
