package integration

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSeedStepsBoto3 runs the seeds' scenario with boto3: all three steps
// present give the assumed role in the target account; each missing step
// gives STS's AccessDenied. The root user may not assume roles at all
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html:
// AssumeRole is called by an IAM user or a role session; STS answers 403
// AccessDenied "Roles may not be assumed by root accounts.").
func TestSeedStepsBoto3(t *testing.T) {
	needTool(t, "python3")
	s := serve(t)
	out := must(t, s.rootEnv("111111111111"), "python3", "testdata/seed_sts.py")
	want := []string{
		"root 403 AccessDenied: Roles may not be assumed by root accounts.",
		"all OK arn:aws:sts::222222222222:assumed-role/role-on-source-account-all/cross_acct_lambda 222222222222",
		"noidentity AccessDenied: User: arn:aws:sts::111111111111:assumed-role/my-lambda-execution-role-noidentity/fn is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/role-on-source-account-noidentity",
		"notrust AccessDenied: User: arn:aws:sts::111111111111:assumed-role/my-lambda-execution-role-notrust/fn is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/role-on-source-account-notrust",
	}
	got := strings.Split(strings.TrimSpace(out), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSeedStepsCLI runs the same scenario with the aws CLI.
func TestSeedStepsCLI(t *testing.T) {
	needTool(t, "aws")
	s := serve(t)
	home, target := s.rootEnv("111111111111"), s.rootEnv("222222222222")
	execTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}`
	must(t, home, "aws", "iam", "create-role", "--role-name", "my-lambda-execution-role", "--assume-role-policy-document", execTrust)
	must(t, target, "aws", "iam", "create-role", "--role-name", "role-on-source-account", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/my-lambda-execution-role"},"Action":"sts:AssumeRole"}]}`)

	var sess struct {
		Credentials struct{ AccessKeyId, SecretAccessKey, SessionToken string }
	}
	// Root may not assume roles; the home account's IAM user does.
	if _, err := run(t, home, "aws", "sts", "assume-role", "--role-arn", "arn:aws:iam::111111111111:role/my-lambda-execution-role", "--role-session-name", "fn"); err == nil || !strings.Contains(err.Error(), "(AccessDenied) when calling the AssumeRole operation: Roles may not be assumed by root accounts.") {
		t.Fatalf("root assume-role: got %v", err)
	}
	admin := s.adminEnv(t, "111111111111")
	json.Unmarshal([]byte(must(t, admin, "aws", "sts", "assume-role", "--role-arn", "arn:aws:iam::111111111111:role/my-lambda-execution-role", "--role-session-name", "fn")), &sess)
	fn := s.env(sess.Credentials.AccessKeyId, sess.Credentials.SecretAccessKey, sess.Credentials.SessionToken)

	// Step 1 missing: no identity permission.
	_, err := run(t, fn, "aws", "sts", "assume-role", "--role-arn", "arn:aws:iam::222222222222:role/role-on-source-account", "--role-session-name", "cross_acct_lambda")
	wantMsg := "User: arn:aws:sts::111111111111:assumed-role/my-lambda-execution-role/fn is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/role-on-source-account"
	if err == nil || !strings.Contains(err.Error(), "(AccessDenied)") || !strings.Contains(err.Error(), wantMsg) {
		t.Fatalf("without identity permission: got %v", err)
	}
	must(t, home, "aws", "iam", "put-role-policy", "--role-name", "my-lambda-execution-role", "--policy-name", "assume-target", "--policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/role-on-source-account"}}`)
	out := must(t, fn, "aws", "sts", "assume-role", "--role-arn", "arn:aws:iam::222222222222:role/role-on-source-account", "--role-session-name", "cross_acct_lambda")
	var assumed struct {
		Credentials     struct{ AccessKeyId, SecretAccessKey, SessionToken string }
		AssumedRoleUser struct{ Arn string }
	}
	if err := json.Unmarshal([]byte(out), &assumed); err != nil {
		t.Fatal(err)
	}
	who := must(t, s.env(assumed.Credentials.AccessKeyId, assumed.Credentials.SecretAccessKey, assumed.Credentials.SessionToken), "aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text")
	if strings.TrimSpace(who) != "arn:aws:sts::222222222222:assumed-role/role-on-source-account/cross_acct_lambda" {
		t.Errorf("got caller %q", who)
	}

	// Step 2 broken: the trust policy no longer names the execution role.
	must(t, target, "aws", "iam", "update-assume-role-policy", "--role-name", "role-on-source-account", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	if _, err := run(t, fn, "aws", "sts", "assume-role", "--role-arn", "arn:aws:iam::222222222222:role/role-on-source-account", "--role-session-name", "cross_acct_lambda"); err == nil || !strings.Contains(err.Error(), wantMsg) {
		t.Errorf("without trust: got %v", err)
	}

	// A wrong secret is refused as AWS refuses it.
	if _, err := run(t, s.env("111111111111", "wrong", ""), "aws", "sts", "get-caller-identity"); err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Errorf("wrong secret: got %v", err)
	}
}
