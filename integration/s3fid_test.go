package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestS3CLIBlockPublicAccessAndBadInput: with the aws CLI, a new bucket
// has all four Block Public Access settings on (Amazon S3 User Guide,
// "Blocking public access to your Amazon S3 storage"), a public bucket
// policy is refused by BlockPublicPolicy, and S3's errors come back for a
// location constraint naming us-east-1, an unknown storage class and a key
// over 1,024 bytes (Amazon S3 API Reference, "Error responses").
func TestS3CLIBlockPublicAccessAndBadInput(t *testing.T) {
	needTool(t, "aws")
	s := serve(t)
	env := s.rootEnv("111111111111")
	must(t, env, "aws", "s3", "mb", "s3://bpa-cli")
	out := must(t, env, "aws", "s3api", "get-public-access-block", "--bucket", "bpa-cli")
	var got struct {
		PublicAccessBlockConfiguration map[string]bool
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, k := range []string{"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"} {
		if !got.PublicAccessBlockConfiguration[k] {
			t.Errorf("new bucket's %s: got false, want true (%s)", k, out)
		}
	}
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bpa-cli/*"}]}`
	if _, err := run(t, env, "aws", "s3api", "put-bucket-policy", "--bucket", "bpa-cli", "--policy", public); err == nil || !strings.Contains(err.Error(), "AccessDenied") || !strings.Contains(err.Error(), "BlockPublicPolicy") {
		t.Errorf("public policy on a new bucket: got %v, want AccessDenied naming BlockPublicPolicy", err)
	}
	f := filepath.Join(t.TempDir(), "f")
	os.WriteFile(f, []byte("x"), 0o644)
	for _, tc := range []struct {
		args []string
		code string
	}{
		{[]string{"s3api", "create-bucket", "--bucket", "bpa-east", "--create-bucket-configuration", "LocationConstraint=us-east-1"}, "InvalidLocationConstraint"},
		{[]string{"s3api", "put-object", "--bucket", "bpa-cli", "--key", "k", "--body", f, "--storage-class", "FROZEN"}, "InvalidStorageClass"},
		{[]string{"s3api", "put-object", "--bucket", "bpa-cli", "--key", strings.Repeat("k", 1025), "--body", f}, "KeyTooLongError"},
	} {
		if _, err := run(t, env, "aws", tc.args...); err == nil || !strings.Contains(err.Error(), tc.code) {
			t.Errorf("aws %s: got %v, want %s", strings.Join(tc.args[:2], " "), err, tc.code)
		}
	}
}

// TestS3UnknownExpectBoto3: a CreateBucket and a PutObject carrying
// "Expect: 200" or an empty Expect succeed, as against S3 (ceph s3-tests
// test_object_create_bad_expect_mismatch: "garbage, but S3 succeeds!"),
// instead of net/http's bare 417; 100-continue uploads still work.
func TestS3UnknownExpectBoto3(t *testing.T) {
	needTool(t, "python3")
	s := serve(t)
	out := must(t, s.rootEnv("111111111111"), "python3", "testdata/s3_expect_boto3.py")
	if strings.TrimSpace(out) != "ok" {
		t.Errorf("boto3 script: %s", out)
	}
}
