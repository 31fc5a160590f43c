package integration

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodeAssumeRole is a Node.js handler using the AWS SDK for JavaScript v3
// the function ships: it assumes a role in the account the event names,
// then asks STS who it is with the role's credentials.
const nodeAssumeRole = `import { STSClient, AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';

export const handler = async (event, context) => {
  const sts = new STSClient({});
  const home = await sts.send(new GetCallerIdentityCommand({}));
  const { Credentials } = await sts.send(new AssumeRoleCommand({
    RoleArn: 'arn:aws:iam::' + event.account_id + ':role/external-role',
    RoleSessionName: context.functionName,
  }));
  const target = new STSClient({ credentials: {
    accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretAccessKey, sessionToken: Credentials.SessionToken,
  } });
  const who = await target.send(new GetCallerIdentityCommand({}));
  console.log('assumed', who.Arn);
  return { home: home.Arn, assumed: who.Arn, account: who.Account };
};
`

const nodeTemplate = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Tracing: Active
Resources:
  Assume:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: index.handler
      Runtime: nodejs20.x
      Timeout: 30
      Policies:
        - Statement:
            - Effect: Allow
              Action: sts:AssumeRole
              Resource: arn:aws:iam::222222222222:role/external-role
`

// TestLambdaNodeAssumeRole installs @aws-sdk/client-sts from npm into a
// function directory, deploys it as nodejs20.x with the aws CLI, and has it
// assume a role in another account through the emulator; deploys the same
// directory as a SAM project with xacct deploy and invokes it with xacct
// invoke; then changes the target role's trust so the call is refused.
func TestLambdaNodeAssumeRole(t *testing.T) {
	needTool(t, "aws")
	needTool(t, "node")
	needTool(t, "npm")
	needTool(t, "python3")
	dir := t.TempDir()
	project := filepath.Join(dir, "nodeproj")
	fn := filepath.Join(project, "fn")
	os.MkdirAll(fn, 0o755)
	os.WriteFile(filepath.Join(project, "template.yaml"), []byte(nodeTemplate), 0o644)
	os.WriteFile(filepath.Join(project, "event.json"), []byte(`{"account_id":"222222222222"}`), 0o644)
	os.WriteFile(filepath.Join(fn, "package.json"), []byte(`{"name":"assume","version":"1.0.0","private":true,"type":"module"}`), 0o644)
	os.WriteFile(filepath.Join(fn, "index.js"), []byte(nodeAssumeRole), 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	npm := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "@aws-sdk/client-sts")
	npm.Dir = fn
	if out, err := npm.CombinedOutput(); err != nil {
		t.Skipf("npm install @aws-sdk/client-sts failed (registry unreachable?): %v\n%s", err, out)
	}
	zipPath := filepath.Join(dir, "fn.zip")
	if out, err := exec.Command("python3", "-c", "import shutil, sys; shutil.make_archive(sys.argv[1][:-4], 'zip', sys.argv[2])", zipPath, fn).CombinedOutput(); err != nil {
		t.Fatalf("zip: %v\n%s", err, out)
	}

	s := serve(t)
	home, target := s.rootEnv("111111111111"), s.rootEnv("222222222222")
	must(t, home, "aws", "iam", "create-role", "--role-name", "node-exec", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`)
	must(t, home, "aws", "iam", "attach-role-policy", "--role-name", "node-exec", "--policy-arn", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
	must(t, home, "aws", "iam", "put-role-policy", "--role-name", "node-exec", "--policy-name", "assume", "--policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/external-role"}}`)
	must(t, target, "aws", "iam", "create-role", "--role-name", "external-role", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/node-exec"},"Action":"sts:AssumeRole"}}`)
	must(t, home, "aws", "lambda", "create-function", "--function-name", "node-assume", "--runtime", "nodejs20.x",
		"--handler", "index.handler", "--role", "arn:aws:iam::111111111111:role/node-exec", "--zip-file", "fileb://"+zipPath, "--timeout", "30")

	invoke := func() (map[string]any, string) {
		resp := filepath.Join(t.TempDir(), "out.json")
		meta := must(t, home, "aws", "lambda", "invoke", "--function-name", "node-assume", "--payload", `{"account_id":"222222222222"}`, resp)
		body, _ := os.ReadFile(resp)
		var m map[string]any
		json.Unmarshal(body, &m)
		return m, meta + string(body)
	}
	m, raw := invoke()
	if m["assumed"] != "arn:aws:sts::222222222222:assumed-role/external-role/node-assume" || m["account"] != "222222222222" ||
		!strings.HasPrefix(m["home"].(string), "arn:aws:sts::111111111111:assumed-role/node-exec/") {
		t.Fatalf("invoke: %s\nserver log:\n%s", raw, s.logs)
	}

	// The same function as a SAM project: xacct deploy, xacct invoke. The
	// target role trusts the home account (the stack's role has a
	// generated name).
	must(t, target, "aws", "iam", "update-assume-role-policy", "--role-name", "external-role", "--policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}}`)
	if out, errs, err := runBoth(t, home, "deploy", filepath.Join(project, "template.yaml")); err != nil || !strings.Contains(out, "CREATE_COMPLETE") {
		t.Fatalf("xacct deploy: %v\n%s%s", err, out, errs)
	}
	out, errs, err := runBoth(t, home, "invoke", "nodeproj/Assume", "--event", filepath.Join(project, "event.json"))
	if err != nil || !strings.Contains(out, `"assumed": "arn:aws:sts::222222222222:assumed-role/external-role/nodeproj-Assume-`) || !strings.Contains(out, "\tINFO\tassumed arn:aws:sts::222222222222") {
		t.Fatalf("xacct invoke nodeproj/Assume: %v\n%s%s", err, out, errs)
	}

	// The target account stops trusting the role: the SDK's AssumeRole is
	// refused, and the function fails with the SDK's error.
	must(t, target, "aws", "iam", "update-assume-role-policy", "--role-name", "external-role", "--policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`)
	if _, raw = invoke(); !strings.Contains(raw, `"FunctionError": "Unhandled"`) || !strings.Contains(raw, `"errorType":"AccessDenied"`) {
		t.Errorf("invoke with the trust changed: %s", raw)
	}
}
