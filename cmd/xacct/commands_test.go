package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/xacct/xacct/emulatortest"
)

func runMain(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := NewMain(&out, &errb).Run(context.Background(), args)
	return out.String(), errb.String(), err
}

// TestUpInvokeCopyAssume deploys the project with `xacct up` into a
// running emulator, invokes the deployed switch-account function, copies
// a prefix across accounts with `xacct copy`, and prints a cached session
// with `xacct assume`.
func TestUpInvokeCopyAssume(t *testing.T) {
	srv := emulatortest.New(t)
	out, errs, err := runMain(t, "up", "--endpoint", srv.URL, "--dir", "../..", "--source-bucket", "up-src", "--target-bucket", "up-dst", "--external-id", "ext-1")
	if err != nil {
		t.Fatalf("up: %v\n%s%s", err, out, errs)
	}
	for _, want := range []string{"AWS::IAM::Role", "CrossAccountRole", "CREATE_COMPLETE", "CopyFunctionName           xacct-s3-copy"} {
		if !strings.Contains(out, want) {
			t.Errorf("up output lacks %q:\n%s", want, out)
		}
	}

	event := filepath.Join(t.TempDir(), "event.json")
	os.WriteFile(event, []byte(`{"account_id":"222222222222"}`), 0o644)
	out, errs, err = runMain(t, "invoke", "xacct-switch-account", "--event", event, "--endpoint", srv.URL)
	if err != nil || !strings.Contains(out, `"statusCode": 200`) || !strings.Contains(out, `"type":"platform.report"`) {
		t.Fatalf("invoke: %v\n%s%s", err, out, errs)
	}
	out, _, err = runMain(t, "invoke", "xacct-switch-account", "--endpoint", srv.URL)
	if err != nil || !strings.Contains(out, `"statusCode": 400`) {
		t.Fatalf("invoke without account_id: %v\n%s", err, out)
	}

	// The terminal copy uses the default credential chain: an IAM user of
	// the home account here (root may not assume roles), assuming the
	// deployed cross-account role.
	admin, err := srv.AdminConfig(t, "111111111111").Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", admin.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", admin.SecretAccessKey)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	hs := s3.NewFromConfig(srv.Config("111111111111"))
	for i := 0; i < 30; i++ {
		emulatortest.Must(hs.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("up-src"), Key: aws.String("data/" + string(rune('a'+i%26)) + string(rune('0'+i/26))), Body: strings.NewReader("x")}))(t)
	}
	role := "arn:aws:iam::222222222222:role/xacct-cross-account"
	// The trust policy pins the execution roles: the home account's
	// admin user is refused at step 2, and copy says so.
	_, _, err = runMain(t, "copy", "--source-bucket", "up-src", "--prefix", "data/", "--target-bucket", "up-dst", "--role-arn", role, "--external-id", "ext-1", "--quiet")
	if err == nil || !strings.Contains(err.Error(), "step 2 (trust policy)") {
		t.Fatalf("copy as home admin: %v", err)
	}
	// As the copy function's execution role (a session Lambda would
	// get), the copy goes through.
	sess, err := srv.Emulator.STS().AssumeRoleForService(context.Background(), "arn:aws:iam::111111111111:role/xacct-s3-copy-execution", "lambda.amazonaws.com", "cli", 3600)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", sess.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", sess.SecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", sess.SessionToken)
	out, errs, err = runMain(t, "copy", "--source-bucket", "up-src", "--prefix", "data/", "--target-bucket", "up-dst", "--role-arn", role, "--external-id", "ext-1")
	if err != nil || !strings.Contains(out, `"copied": 30`) {
		t.Fatalf("copy: %v\n%s%s", err, out, errs)
	}
	out, _, err = runMain(t, "copy", "--source-bucket", "up-src", "--prefix", "data/", "--target-bucket", "up-dst", "--role-arn", role, "--external-id", "ext-1", "--quiet")
	if err != nil || !strings.Contains(out, `"skipped": 30`) {
		t.Fatalf("second copy: %v\n%s", err, out)
	}

	// assume prints the session; a second call reuses the cached one.
	before := srv.Count("sts:AssumeRole")
	out1, _, err := runMain(t, "assume", role, "--external-id", "ext-1")
	if err != nil || !strings.Contains(out1, "export AWS_SESSION_TOKEN=") {
		t.Fatalf("assume: %v\n%s", err, out1)
	}
	out2, _, err := runMain(t, "assume", role, "--external-id", "ext-1", "--format", "credential-process")
	if err != nil || !strings.Contains(out2, `"Version":1`) {
		t.Fatalf("assume credential-process: %v\n%s", err, out2)
	}
	if got := srv.Count("sts:AssumeRole") - before; got != 1 {
		t.Errorf("two assume runs made %d AssumeRole calls, want 1 (cached)", got)
	}
	// Without the external id: step 3, explained.
	_, _, err = runMain(t, "assume", role, "--no-cache")
	if err == nil || !strings.Contains(err.Error(), "step 3 (the call)") {
		t.Fatalf("assume without external id: %v", err)
	}
}

// TestCheckCommand: exit status and formats of `xacct check`.
func TestCheckCommand(t *testing.T) {
	args := []string{"check", "../../deploy/target.yaml", "../../deploy/home.yaml", "--param", "SourceBucketName=s", "--param", "TargetBucketName=d", "--param", "NotificationEmail=a@b.c"}
	out, errs, err := runMain(t, args...)
	if err != nil || !strings.Contains(out, "2 functions checked: 0 errors, 0 warnings") {
		t.Fatalf("check: %v\n%s%s", err, out, errs)
	}
	out, _, err = runMain(t, "check", "--format", "json", "../../internal/check/testdata/seed004_switch.yaml", "../../internal/check/testdata/seed004_external.yaml")
	if err != nil || !strings.Contains(out, `"code": "BroadTrust"`) || !strings.Contains(out, `"code": "BroadAssumeRole"`) {
		t.Fatalf("check json: %v\n%s", err, out)
	}
	dir := t.TempDir()
	b, _ := os.ReadFile("../../internal/check/testdata/seed003_target.yaml")
	os.WriteFile(filepath.Join(dir, "target.yaml"), []byte(strings.ReplaceAll(string(b), "role/s3-copy-lambda-role", "role/other")), 0o644)
	out, _, err = runMain(t, "check", "../../internal/check/testdata/seed003_home.yaml", filepath.Join(dir, "target.yaml"))
	if err == nil || !strings.Contains(err.Error(), "1 blocking findings") || !strings.Contains(out, "[TrustPolicyDenies] step 2 (trust policy)") {
		t.Fatalf("blocking: %v\n%s", err, out)
	}
	if _, _, err := runMain(t, "check"); err == nil {
		t.Error("check without templates succeeded")
	}
}
