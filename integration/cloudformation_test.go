package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCloudFormationCLI deploys the project's target template with `aws
// cloudformation deploy`, and a SAM function packaged by `aws
// cloudformation package` (its code uploaded to the emulator's S3), then
// invokes the deployed function, redeploys with no changes and deletes the
// stacks, all with the aws CLI.
func TestCloudFormationCLI(t *testing.T) {
	needTool(t, "aws")
	s := serve(t)
	home, target := s.rootEnv("111111111111"), s.rootEnv("222222222222")

	out := must(t, target, "aws", "cloudformation", "deploy", "--template-file", "../deploy/target.yaml", "--stack-name", "xacct-target",
		"--capabilities", "CAPABILITY_NAMED_IAM", "--parameter-overrides", "SourceBucketName=cli-src", "TargetBucketName=cli-dst")
	if !strings.Contains(out, "Successfully created/updated stack - xacct-target") {
		t.Fatalf("deploy: %s", out)
	}
	desc := must(t, target, "aws", "cloudformation", "describe-stacks", "--stack-name", "xacct-target")
	var stacks struct {
		Stacks []struct {
			StackStatus string
			Outputs     []struct{ OutputKey, OutputValue string }
		}
	}
	if err := json.Unmarshal([]byte(desc), &stacks); err != nil || len(stacks.Stacks) != 1 || stacks.Stacks[0].StackStatus != "CREATE_COMPLETE" {
		t.Fatalf("describe-stacks: %v %s", err, desc)
	}
	if !strings.Contains(desc, "arn:aws:iam::222222222222:role/xacct-cross-account") {
		t.Errorf("outputs: %s", desc)
	}
	res := must(t, target, "aws", "cloudformation", "list-stack-resources", "--stack-name", "xacct-target", "--query", "StackResourceSummaries[].[LogicalResourceId,ResourceStatus]", "--output", "text")
	for _, id := range []string{"CrossAccountRole", "TargetBucket", "TargetBucketPolicy"} {
		if !strings.Contains(res, id+"\tCREATE_COMPLETE") {
			t.Errorf("list-stack-resources: %s", res)
		}
	}
	events := must(t, target, "aws", "cloudformation", "describe-stack-events", "--stack-name", "xacct-target", "--query", "StackEvents[0].ResourceStatus", "--output", "text")
	if strings.TrimSpace(events) != "CREATE_COMPLETE" {
		t.Errorf("newest event: %s", events)
	}
	// The CLI exits 255 on an empty change set unless told not to.
	again, err := run(t, target, "aws", "cloudformation", "deploy", "--template-file", "../deploy/target.yaml", "--stack-name", "xacct-target",
		"--capabilities", "CAPABILITY_NAMED_IAM", "--parameter-overrides", "SourceBucketName=cli-src", "TargetBucketName=cli-dst")
	if err == nil || !strings.Contains(err.Error(), "No changes to deploy. Stack xacct-target is up to date") {
		t.Errorf("redeploy: %s", again)
	}
	if _, err := run(t, target, "aws", "cloudformation", "deploy", "--template-file", "../deploy/target.yaml", "--stack-name", "other",
		"--parameter-overrides", "SourceBucketName=a", "TargetBucketName=b"); err == nil {
		t.Error("deploy of IAM resources without --capabilities succeeded")
	}

	// The home template, as `sam build` would lay it out: each CodeUri
	// directory holds the built bootstrap; `aws cloudformation package`
	// zips and uploads them, `deploy` creates the stack; then the deployed
	// copy function runs end to end.
	build := t.TempDir()
	for _, fn := range []string{"s3-copy", "switch-account"} {
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(build, "cmd", fn, "bootstrap"), "../cmd/"+fn)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", fn, err, msg)
		}
	}
	os.MkdirAll(filepath.Join(build, "deploy"), 0o755)
	homeTmpl, _ := os.ReadFile("../deploy/home.yaml")
	os.WriteFile(filepath.Join(build, "deploy", "home.yaml"), homeTmpl, 0o644)
	must(t, home, "aws", "s3", "mb", "s3://home-artifacts")
	homePackaged := filepath.Join(build, "packaged.yaml")
	must(t, home, "aws", "cloudformation", "package", "--template-file", filepath.Join(build, "deploy", "home.yaml"), "--s3-bucket", "home-artifacts", "--output-template-file", homePackaged)
	out = must(t, home, "aws", "cloudformation", "deploy", "--template-file", homePackaged, "--stack-name", "xacct-home",
		"--capabilities", "CAPABILITY_NAMED_IAM", "--parameter-overrides", "SourceBucketName=cli-src", "TargetBucketName=cli-dst", "NotificationEmail=ops@example.com")
	if !strings.Contains(out, "Successfully created/updated stack - xacct-home") {
		t.Fatalf("deploy home: %s", out)
	}
	src := t.TempDir()
	for _, k := range []string{"a.txt", "b/c.txt"} {
		os.MkdirAll(filepath.Dir(filepath.Join(src, k)), 0o755)
		os.WriteFile(filepath.Join(src, k), []byte("data "+k), 0o644)
	}
	must(t, home, "aws", "s3", "cp", "--recursive", src, "s3://cli-src/")
	copyOut := filepath.Join(t.TempDir(), "copy.json")
	must(t, home, "aws", "lambda", "invoke", "--function-name", "xacct-s3-copy", "--payload", "{}", copyOut)
	if b, _ := os.ReadFile(copyOut); !strings.Contains(string(b), `"copied":2`) {
		t.Fatalf("copy function: %s", b)
	}
	if ls := must(t, target, "aws", "s3", "ls", "--recursive", "s3://cli-dst/"); !strings.Contains(ls, "b/c.txt") {
		t.Errorf("target bucket: %s", ls)
	}

	// A SAM function: the CLI zips the code directory and uploads it.
	dir := t.TempDir()
	code := filepath.Join(dir, "fn")
	os.MkdirAll(code, 0o755)
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(code, "bootstrap"), "../emulator/lambda/testdata/echo")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, msg)
	}
	tmpl := filepath.Join(dir, "sam.yaml")
	os.WriteFile(tmpl, []byte(`AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: cli-echo
      CodeUri: fn/
      Handler: bootstrap
      Runtime: provided.al2023
      Environment:
        Variables:
          MY_SETTING: !Sub 'hello from ${AWS::StackName}'
Outputs:
  Arn:
    Value: !GetAtt Echo.Arn
`), 0o644)
	must(t, home, "aws", "s3", "mb", "s3://cli-artifacts")
	packaged := filepath.Join(dir, "packaged.yaml")
	must(t, home, "aws", "cloudformation", "package", "--template-file", tmpl, "--s3-bucket", "cli-artifacts", "--output-template-file", packaged)
	must(t, home, "aws", "cloudformation", "deploy", "--template-file", packaged, "--stack-name", "echo", "--capabilities", "CAPABILITY_IAM")
	resp := filepath.Join(dir, "resp.json")
	must(t, home, "aws", "lambda", "invoke", "--function-name", "cli-echo", "--payload", `{"x":1}`, resp)
	body, _ := os.ReadFile(resp)
	if !strings.Contains(string(body), `"MY_SETTING":"hello from echo"`) || !strings.Contains(string(body), `"function_arn":"arn:aws:lambda:us-east-1:111111111111:function:cli-echo"`) {
		t.Errorf("invoke: %s", body)
	}
	proc := must(t, home, "aws", "cloudformation", "get-template", "--stack-name", "echo", "--template-stage", "Processed")
	if !strings.Contains(proc, "AWS::Lambda::Function") || !strings.Contains(proc, "EchoRole") {
		t.Errorf("processed template: %s", proc)
	}

	must(t, home, "aws", "cloudformation", "delete-stack", "--stack-name", "echo")
	must(t, home, "aws", "cloudformation", "wait", "stack-delete-complete", "--stack-name", "echo")
	if _, err := run(t, home, "aws", "lambda", "get-function", "--function-name", "cli-echo"); err == nil {
		t.Error("function survived its stack")
	}
}

// packageHome lays deploy/home.yaml out as `sam build` would (each CodeUri
// directory holding its built bootstrap), makes the artifacts bucket as env
// and runs `aws cloudformation package` into it; it returns the packaged
// template's path, ready for `aws cloudformation deploy`.
func packageHome(t *testing.T, env []string, bucket string) string {
	t.Helper()
	build := t.TempDir()
	for _, fn := range []string{"s3-copy", "switch-account"} {
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(build, "cmd", fn, "bootstrap"), "../cmd/"+fn)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", fn, err, msg)
		}
	}
	os.MkdirAll(filepath.Join(build, "deploy"), 0o755)
	tmpl, _ := os.ReadFile("../deploy/home.yaml")
	os.WriteFile(filepath.Join(build, "deploy", "home.yaml"), tmpl, 0o644)
	must(t, env, "aws", "s3", "mb", "s3://"+bucket)
	packaged := filepath.Join(build, "packaged.yaml")
	must(t, env, "aws", "cloudformation", "package", "--template-file", filepath.Join(build, "deploy", "home.yaml"), "--s3-bucket", bucket, "--output-template-file", packaged)
	return packaged
}
