package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/xacct/xacct/cfntemplate"
	"github.com/xacct/xacct/emulatortest"
)

func TestStackNames(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my_project")
	for path, want := range map[string]string{
		"app.yaml":                             "app",
		"deploy/home.yaml":                     "home",
		filepath.Join(dir, "template.yaml"):    "my-project",
		"9lives.json":                          "stack-9lives",
		strings.Repeat("a", 200) + ".yaml":     strings.Repeat("a", 128),
		filepath.Join(dir, "Template.yml"):     "my-project",
		filepath.Join(dir, "svc.v2.prod.yaml"): "svc-v2-prod",
	} {
		if got := defaultStackName(path); got != want {
			t.Errorf("defaultStackName(%q) = %q, want %q", path, got, want)
		}
	}
	a, b := scratchStackName(filepath.Join(dir, "template.yaml")), scratchStackName(filepath.Join(t.TempDir(), "my_project", "template.yaml"))
	if a == b || !strings.HasPrefix(a, "xacct-invoke-my-project-") || len(a) != len("xacct-invoke-my-project-")+8 {
		t.Fatalf("scratch names %q %q", a, b)
	}
	if a != scratchStackName(filepath.Join(dir, "template.yaml")) {
		t.Fatal("scratch name not stable")
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"10m":                  now.Add(-10 * time.Minute),
		"1h30m":                now.Add(-90 * time.Minute),
		"2d":                   now.Add(-48 * time.Hour),
		"2026-12-06T11:00:00Z": now.Add(-time.Hour),
	} {
		got, err := parseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"yesterday", "-5m", "", "10x"} {
		if _, err := parseSince(bad, now); err == nil {
			t.Errorf("parseSince(%q) succeeded", bad)
		}
	}
}

// TestApplyEnvVars: SAM CLI's --env-vars semantics: Parameters for every
// function, a function's own section (logical id, else FunctionName) wins,
// only declared variables (own or Globals) change, the rest is warned
// about.
func TestApplyEnvVars(t *testing.T) {
	tpl, err := cfntemplate.Parse([]byte(`Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Environment:
      Variables: {STAGE: prod}
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables: {GREETING: hello, TABLE: !Ref T}
  B:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: bee
      Environment:
        Variables: {GREETING: hi}
  C:
    Type: AWS::Serverless::Function
    Properties: {}
  T:
    Type: AWS::S3::Bucket
`))
	if err != nil {
		t.Fatal(err)
	}
	vars, err := parseEnvVars([]byte(`{"Parameters": {"GREETING": "all", "STAGE": "dev", "N": 1},
		"A": {"GREETING": "a", "TABLE": 7, "FLAG": true, "UNDECLARED": "x"},
		"bee": {"STAGE": "ignored"}, "Nobody": {"X": "y"}}`))
	if err != nil {
		t.Fatal(err)
	}
	warnings := applyEnvVars(tpl, vars)
	envOf := func(id string) string {
		r, _ := tpl.Resource(id)
		return strings.Join(strings.Fields(string(r.Properties.Get("Environment").Get("Variables").JSON())), "")
	}
	for id, want := range map[string]string{
		"A": `{"GREETING":"a","TABLE":"7","STAGE":"dev"}`,
		"B": `{"GREETING":"all"}`,
		"C": `{"STAGE":"dev"}`,
	} {
		if got := envOf(id); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
	all := strings.Join(warnings, "\n")
	for _, want := range []string{"A does not declare FLAG, UNDECLARED", "B does not declare STAGE", `"Nobody" names no function`} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
	if _, err := parseEnvVars([]byte(`{"A": "not an object"}`)); err == nil || !strings.Contains(err.Error(), `"A" must be an object`) {
		t.Errorf("bad section: %v", err)
	}
	if _, err := parseEnvVars([]byte(`[1]`)); err == nil || !strings.Contains(err.Error(), "SAM's env-vars JSON") {
		t.Errorf("not an object: %v", err)
	}
}

// TestDeployInvokeLogs runs deploy, invoke --template with --env-vars,
// STACK/LogicalId and logs in-process on a Python function the test
// writes outside the checkout.
func TestDeployInvokeLogs(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	srv := emulatortest.New(t)
	dir := filepath.Join(t.TempDir(), "echo")
	os.MkdirAll(filepath.Join(dir, "src"), 0o755)
	os.WriteFile(filepath.Join(dir, "template.yaml"), []byte(`Transform: AWS::Serverless-2016-10-31
Parameters:
  Word: {Type: String, Default: plain}
Resources:
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      CodeUri: src/
      Environment:
        Variables: {WORD: !Ref Word}
Outputs:
  Name:
    Value: !Ref Echo
`), 0o644)
	os.WriteFile(filepath.Join(dir, "src", "app.py"), []byte("import os\ndef handler(event, context):\n    print('word=' + os.environ['WORD'])\n    return {'word': os.environ['WORD'], 'event': event}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "env.json"), []byte(`{"Echo": {"WORD": "overridden"}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "event.json"), []byte(`{"n": 1}`), 0o644)
	tpl := filepath.Join(dir, "template.yaml")

	out, errs, err := runMain(t, "deploy", tpl, "--endpoint", srv.URL, "--param", "Word=deployed")
	if err != nil {
		t.Fatalf("deploy: %v\n%s%s", err, out, errs)
	}
	outputs := out
	for _, want := range []string{"Echo: zipping", "deploying stack echo to account 111111111111", "AWS::Lambda::Function      Echo", "stack echo: CREATE_COMPLETE", "Name                       echo-Echo-"} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy output lacks %q:\n%s", want, out)
		}
	}
	out, _, err = runMain(t, "deploy", tpl, "--endpoint", srv.URL, "--param", "Word=deployed")
	if err != nil || !strings.Contains(out, "no changes: stack echo already matches") {
		t.Fatalf("deploy again: %v\n%s", err, out)
	}
	out, errs, err = runMain(t, "invoke", "echo/Echo", "--event", filepath.Join(dir, "event.json"), "--endpoint", srv.URL)
	if err != nil || !strings.Contains(out, `"word": "deployed"`) || !strings.Contains(out, `"n": 1`) {
		t.Fatalf("invoke STACK/ID: %v\n%s%s", err, out, errs)
	}
	out, errs, err = runMain(t, "invoke", "--template", tpl, "Echo", "--env-vars", filepath.Join(dir, "env.json"), "--endpoint", srv.URL)
	if err != nil || !strings.Contains(out, `"word": "overridden"`) || !strings.Contains(errs, "deploying stack "+scratchStackName(tpl)) {
		t.Fatalf("invoke --template: %v\n%s%s", err, out, errs)
	}
	out, errs, err = runMain(t, "logs", "echo/Echo", "--endpoint", srv.URL, "--filter", "word")
	if err != nil || !strings.Contains(out, "word=deployed") || strings.Contains(out, "START") {
		t.Fatalf("logs: %v\n%s%s", err, out, errs)
	}
	name := regexp.MustCompile(`echo-Echo-[A-Z0-9]+`).FindString(outputs)
	arn := "arn:aws:lambda:us-east-1:111111111111:function:" + name
	out, errs, err = runMain(t, "invoke", arn, "--endpoint", srv.URL)
	if err != nil || !strings.Contains(out, `"word": "deployed"`) {
		t.Fatalf("invoke ARN %s: %v\n%s%s", arn, err, out, errs)
	}
	out, errs, err = runMain(t, "logs", arn, "--endpoint", srv.URL, "--since", time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
	if err != nil || strings.Count(out, "word=deployed") != 2 || !strings.Contains(out, "START RequestId") {
		t.Fatalf("logs by ARN: %v\n%s%s", err, out, errs)
	}
	_, _, err = runMain(t, "invoke", "--template", tpl, "Nope", "--endpoint", srv.URL)
	if err == nil || !strings.Contains(err.Error(), "Nope in "+tpl+" is no resource (its functions: Echo)") {
		t.Fatalf("unknown logical id: %v", err)
	}
	_, _, err = runMain(t, "invoke", "echo", "event.json")
	if err == nil || !strings.Contains(err.Error(), `unexpected argument "event.json"`) {
		t.Fatalf("positional event: %v", err)
	}
}

// TestDeployRecovers: a stack left by an interrupted deployment (only an
// unexecuted change set: REVIEW_IN_PROGRESS) is created, and one whose
// creation failed (ROLLBACK_COMPLETE, which CloudFormation cannot update)
// is deleted first, so the next xacct deploy succeeds.
func TestDeployRecovers(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	dir := t.TempDir()
	good := "Resources:\n  B:\n    Type: AWS::S3::Bucket\n"
	bad := good + `  P:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref B
      PolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:role/no-such-role'}, Action: s3:GetObject, Resource: !Sub '${B.Arn}/*'}
`
	pending := filepath.Join(dir, "pending.yaml")
	os.WriteFile(pending, []byte(good), 0o644)
	c := cloudformation.NewFromConfig(srv.Config("111111111111"))
	if _, err := c.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("pending"), ChangeSetName: aws.String("never-run"),
		ChangeSetType: cfntypes.ChangeSetTypeCreate, TemplateBody: aws.String(good)}); err != nil {
		t.Fatal(err)
	}
	if out, errs, err := runMain(t, "deploy", pending, "--endpoint", srv.URL); err != nil || !strings.Contains(out, "stack pending: CREATE_COMPLETE") {
		t.Fatalf("deploy over REVIEW_IN_PROGRESS: %v\n%s%s", err, out, errs)
	}

	failing := filepath.Join(dir, "failing.yaml")
	os.WriteFile(failing, []byte(bad), 0o644)
	out, _, err := runMain(t, "deploy", failing, "--endpoint", srv.URL)
	if err == nil || !strings.Contains(err.Error(), "ROLLBACK_COMPLETE") || !strings.Contains(err.Error(), "fix the cause and deploy again") || !strings.Contains(out, "CREATE_FAILED") {
		t.Fatalf("failing deploy: %v\n%s", err, out)
	}
	os.WriteFile(failing, []byte(good), 0o644)
	out, errs, err := runMain(t, "deploy", failing, "--endpoint", srv.URL)
	if err != nil || !strings.Contains(out, "stack failing is ROLLBACK_COMPLETE (its creation failed): deleting it first") || !strings.Contains(out, "stack failing: CREATE_COMPLETE") {
		t.Fatalf("deploy after a failed creation: %v\n%s%s", err, out, errs)
	}
}

// TestDeployNode: a Node.js directory is zipped as it is and runs in the
// emulator's Node.js runtime.
func TestDeployNode(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	srv := emulatortest.New(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "fn", "lib"), 0o755)
	os.WriteFile(filepath.Join(dir, "node.yaml"), []byte(`Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties: {Runtime: nodejs20.x, Handler: index.handler, CodeUri: fn}
`), 0o644)
	os.WriteFile(filepath.Join(dir, "fn", "index.js"), []byte("const { word } = require('./lib/word');\nexports.handler = async (event) => ({ word: word(), n: event.n });\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "fn", "lib", "word.js"), []byte("exports.word = () => 'from-node';\n"), 0o644)
	if out, errs, err := runMain(t, "deploy", filepath.Join(dir, "node.yaml"), "--endpoint", srv.URL); err != nil {
		t.Fatalf("deploy: %v\n%s%s", err, out, errs)
	}
	ev := filepath.Join(dir, "ev.json")
	os.WriteFile(ev, []byte(`{"n": 7}`), 0o644)
	out, errs, err := runMain(t, "invoke", "node/Hello", "--event", ev, "--endpoint", srv.URL)
	if err != nil || !strings.Contains(out, `"word": "from-node"`) || !strings.Contains(out, `"n": 7`) {
		t.Fatalf("invoke: %v\n%s%s", err, out, errs)
	}
}

// TestInvokeTemplateNamedCollision: a template that names its function
// cannot have a scratch stack beside the stack xacct deploy made; the
// error says so and what to do.
func TestInvokeTemplateNamedCollision(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	srv := emulatortest.New(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "src"), 0o755)
	os.WriteFile(filepath.Join(dir, "src", "app.py"), []byte("def handler(e, c):\n    return 1\n"), 0o644)
	tpl := filepath.Join(dir, "named.yaml")
	os.WriteFile(tpl, []byte(`Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {FunctionName: my-named-fn, Runtime: python3.12, Handler: app.handler, CodeUri: src/}
`), 0o644)
	if out, errs, err := runMain(t, "deploy", tpl, "--endpoint", srv.URL); err != nil {
		t.Fatalf("deploy: %v\n%s%s", err, out, errs)
	}
	_, _, err := runMain(t, "invoke", "--template", tpl, "Fn", "--endpoint", srv.URL)
	if err == nil || !strings.Contains(err.Error(), "'my-named-fn' already exists") || !strings.Contains(err.Error(), "xacct invoke STACK/Fn") {
		t.Fatalf("collision: %v", err)
	}
	if out, errs, err := runMain(t, "invoke", "named/Fn", "--endpoint", srv.URL); err != nil || !strings.Contains(out, "1") {
		t.Fatalf("invoke the deployed stack: %v\n%s%s", err, out, errs)
	}
}

// TestDeployPipWithoutIndex: requirements.txt on a machine whose pip
// reaches no index fails the deploy before any stack is touched, saying
// why and what to do.
func TestDeployPipWithoutIndex(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	srv := emulatortest.New(t)
	t.Setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple") // refuses connections
	t.Setenv("PIP_FIND_LINKS", t.TempDir())
	t.Setenv("PIP_CONFIG_FILE", os.DevNull)
	dir := filepath.Join(t.TempDir(), "withdeps")
	os.MkdirAll(filepath.Join(dir, "src"), 0o755)
	os.WriteFile(filepath.Join(dir, "src", "app.py"), []byte("import requests\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "src", "requirements.txt"), []byte("requests==2.31.0\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "template.yaml"), []byte(`Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: src/}
`), 0o644)
	out, _, err := runMain(t, "deploy", filepath.Join(dir, "template.yaml"), "--endpoint", srv.URL)
	if err == nil || !strings.Contains(err.Error(), "Fn: pip install -r") || !strings.Contains(err.Error(), "pip could not reach its package index") || !strings.Contains(err.Error(), "PIP_INDEX_URL") {
		t.Fatalf("deploy with unreachable index: %v\n%s", err, out)
	}
	if strings.Contains(out, "deploying stack") {
		t.Fatalf("a stack was deployed:\n%s", out)
	}
}
