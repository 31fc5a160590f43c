package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The handler is the test's own, not the project's: plain boto3, as a new
// user would write it. It assumes the role named in the event and lists
// the target account's buckets with the session.
const trailHandler = `import boto3

def handler(event, context):
    sts = boto3.client("sts")
    creds = sts.assume_role(RoleArn=event["role"], RoleSessionName="trail-test")["Credentials"]
    s3 = boto3.client("s3", aws_access_key_id=creds["AccessKeyId"],
                      aws_secret_access_key=creds["SecretAccessKey"],
                      aws_session_token=creds["SessionToken"])
    return {"buckets": [b["Name"] for b in s3.list_buckets()["Buckets"]]}
`

// The home template: the function, its execution role (allowed to assume
// any role in the target account: step 1 holds) and another role, the one
// the target's trust policy names by mistake.
const trailHome = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  ExecRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: trail-exec
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: assume-target
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: sts:AssumeRole
                Resource: arn:aws:iam::222222222222:role/*
  OtherRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: trail-other
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: trail-fn
      Runtime: python3.11
      Handler: app.handler
      Timeout: 30
      Role: !GetAtt ExecRole.Arn
      Code: ./src
`

// The target template: a role whose trust policy names the other role,
// not the function's execution role (step 2 is missing).
const trailTarget = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  TargetRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: trail-target
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: arn:aws:iam::111111111111:role/trail-other}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: list
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: s3:ListAllMyBuckets
                Resource: "*"
`

// TestTrailBoto3Handler: a boto3 handler deployed through CloudFormation
// with the aws CLI, whose target role trusts another role, fails with a
// bare AccessDenied in the function; `xacct invoke` prints the step-2
// diagnosis after the function's logs, and `xacct why --function` prints
// it from the running emulator. A role name with a typo is diagnosed as a
// missing role with the nearest existing one.
func TestTrailBoto3Handler(t *testing.T) {
	needTool(t, "aws")
	needTool(t, "python3")
	s := serve(t)
	home, target := s.rootEnv("111111111111"), s.rootEnv("222222222222")

	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "src"), 0o755)
	os.WriteFile(filepath.Join(dir, "src", "app.py"), []byte(trailHandler), 0o644)
	os.WriteFile(filepath.Join(dir, "home.yaml"), []byte(trailHome), 0o644)
	os.WriteFile(filepath.Join(dir, "target.yaml"), []byte(trailTarget), 0o644)
	must(t, home, "aws", "s3", "mb", "s3://trail-artifacts")
	packaged := filepath.Join(dir, "packaged.yaml")
	must(t, home, "aws", "cloudformation", "package", "--template-file", filepath.Join(dir, "home.yaml"), "--s3-bucket", "trail-artifacts", "--output-template-file", packaged)
	must(t, home, "aws", "cloudformation", "deploy", "--template-file", packaged, "--stack-name", "trail-home", "--capabilities", "CAPABILITY_NAMED_IAM")
	must(t, target, "aws", "cloudformation", "deploy", "--template-file", filepath.Join(dir, "target.yaml"), "--stack-name", "trail-target", "--capabilities", "CAPABILITY_NAMED_IAM")

	step2 := "step 2 (trust policy): the trust policy of arn:aws:iam::222222222222:role/trail-target does not allow sts:AssumeRole for arn:aws:iam::111111111111:role/trail-exec"
	event := filepath.Join(dir, "event.json")
	os.WriteFile(event, []byte(`{"role": "arn:aws:iam::222222222222:role/trail-target"}`), 0o644)
	out, err := run(t, home, xacct(t), "invoke", "trail-fn", "--event", event, "--endpoint", s.URL)
	if err == nil {
		t.Fatalf("invoke succeeded, want the function's AccessDenied:\n%s", out)
	}
	logs := strings.Index(out, "logs:")
	refused := strings.Index(out, "refused requests of invocation")
	if !strings.Contains(out, "AccessDenied") || logs < 0 || refused < logs || !strings.Contains(out[refused:], step2) ||
		!strings.Contains(out[refused:], "(function trail-fn, invocation ") {
		t.Errorf("xacct invoke does not show the step-2 diagnosis after the logs:\n%s", out)
	}
	// The function's own log (its tail, as aws lambda invoke --log-type
	// Tail shows it) carries the diagnosis too.
	if !strings.Contains(out[logs:refused], "refused sts:AssumeRole on arn:aws:iam::222222222222:role/trail-target: "+step2) {
		t.Errorf("the function's log lacks the diagnosis:\n%s", out[logs:refused])
	}

	why := must(t, home, xacct(t), "why", "--function", "trail-fn", "--endpoint", s.URL)
	if !strings.Contains(why, step2) || !strings.Contains(why, "sts:AssumeRole on arn:aws:iam::222222222222:role/trail-target refused") {
		t.Errorf("xacct why --function:\n%s", why)
	}

	// CloudTrail, as AWS users debug: the refused AssumeRole is recorded
	// in the caller's account and in the role's, with errorCode
	// AccessDenied and one sharedEventID (IAM User Guide, "Logging IAM and
	// AWS STS API calls with AWS CloudTrail").
	shared := map[string]string{}
	for acct, env := range map[string][]string{"111111111111": home, "222222222222": target} {
		out := must(t, env, "aws", "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=AssumeRole", "--output", "json")
		var res struct {
			Events []struct{ CloudTrailEvent string }
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("lookup-events in %s: %v\n%s", acct, err, out)
		}
		for _, e := range res.Events {
			var ev struct {
				ErrorCode, RecipientAccountId, SharedEventID string
				UserIdentity                                 struct{ Arn string }
				RequestParameters                            struct{ RoleArn string }
			}
			json.Unmarshal([]byte(e.CloudTrailEvent), &ev)
			if ev.ErrorCode == "AccessDenied" && ev.RequestParameters.RoleArn == "arn:aws:iam::222222222222:role/trail-target" &&
				ev.UserIdentity.Arn == "arn:aws:sts::111111111111:assumed-role/trail-exec/trail-fn" && ev.RecipientAccountId == acct {
				shared[acct] = ev.SharedEventID
			}
		}
	}
	if len(shared) != 2 || shared["111111111111"] == "" || shared["111111111111"] != shared["222222222222"] {
		t.Errorf("the refused AssumeRole in CloudTrail, by account (sharedEventID): %v; want both accounts, one shared id", shared)
	}

	// LookupEvents is authorized like every call: a user without
	// cloudtrail:LookupEvents is refused.
	must(t, home, "aws", "iam", "create-user", "--user-name", "nobody")
	var key struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	json.Unmarshal([]byte(must(t, home, "aws", "iam", "create-access-key", "--user-name", "nobody")), &key)
	if out, err := run(t, s.env(key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey, ""), "aws", "cloudtrail", "lookup-events"); err == nil ||
		!strings.Contains(err.Error(), "is not authorized to perform: cloudtrail:LookupEvents") {
		t.Errorf("lookup-events by a user without permission: %v\n%s", err, out)
	}

	// A typo in the role name: the diagnosis names the missing role and
	// the nearest existing one.
	os.WriteFile(event, []byte(`{"role": "arn:aws:iam::222222222222:role/trail-targt"}`), 0o644)
	out, _ = run(t, home, xacct(t), "invoke", "trail-fn", "--event", event, "--endpoint", s.URL)
	typo := "no role `trail-targt` in account 222222222222; roles there: trail-target (nearest: trail-target)"
	if !strings.Contains(out, typo) {
		t.Errorf("xacct invoke with a typo in the role name:\n%s\nwant %q", out, typo)
	}
	why = must(t, home, xacct(t), "why", "--function", "trail-fn", "--last", "1", "--endpoint", s.URL)
	if !strings.Contains(why, typo) || strings.Contains(why, step2) {
		t.Errorf("xacct why --function --last 1:\n%s", why)
	}

	// The serve log, read once the server has stopped writing it: the
	// refused request's line carries the diagnosis, and the failed Invoke
	// the function's error.
	s.stop()
	if log := s.logs.String(); !strings.Contains(log, `why="`+step2) || !strings.Contains(log, `msg="function error" function=trail-fn`) {
		t.Errorf("the serve log lacks the diagnosis on the refused request's line or the function's error")
	}
}
