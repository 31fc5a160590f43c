package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestS3TagConditionKeysBoto3: s3:ExistingObjectTag/<key>,
// s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys decide an IAM
// user's reads and writes through boto3 (testdata/s3_tagcond_boto3.py).
func TestS3TagConditionKeysBoto3(t *testing.T) {
	needTool(t, "python3")
	s := serve(t)
	out := must(t, s.rootEnv("111111111111"), "python3", "testdata/s3_tagcond_boto3.py")
	if strings.TrimSpace(out) != "ok" {
		t.Errorf("boto3 script: %s", out)
	}
}

// TestS3TagConditionKeysCLI: the same policy with the aws CLI — an IAM
// user reads only objects tagged classification=public and writes only
// with --tagging team=blue (Amazon S3 User Guide, "Tagging and access
// control policies").
func TestS3TagConditionKeysCLI(t *testing.T) {
	needTool(t, "aws")
	s := serve(t)
	root := s.rootEnv("111111111111")
	dir := t.TempDir()
	f := filepath.Join(dir, "f")
	os.WriteFile(f, []byte("x"), 0o644)
	must(t, root, "aws", "s3", "mb", "s3://cli-tagcond")
	must(t, root, "aws", "s3api", "put-object", "--bucket", "cli-tagcond", "--key", "public", "--body", f, "--tagging", "classification=public")
	must(t, root, "aws", "s3api", "put-object", "--bucket", "cli-tagcond", "--key", "secret", "--body", f, "--tagging", "classification=secret")
	policy := `{"Version":"2012-10-17","Statement":[
{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::cli-tagcond/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/classification":"public"}}},
{"Effect":"Allow","Action":["s3:PutObject","s3:PutObjectTagging"],"Resource":"arn:aws:s3:::cli-tagcond/*","Condition":{"StringEquals":{"s3:RequestObjectTag/team":"blue"}}}]}`
	must(t, root, "aws", "iam", "create-user", "--user-name", "cli-tagged")
	must(t, root, "aws", "iam", "put-user-policy", "--user-name", "cli-tagged", "--policy-name", "tags", "--policy-document", policy)
	var key struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	if err := json.Unmarshal([]byte(must(t, root, "aws", "iam", "create-access-key", "--user-name", "cli-tagged")), &key); err != nil {
		t.Fatal(err)
	}
	u := s.env(key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey, "")
	must(t, u, "aws", "s3api", "get-object", "--bucket", "cli-tagcond", "--key", "public", filepath.Join(dir, "out"))
	if _, err := run(t, u, "aws", "s3api", "get-object", "--bucket", "cli-tagcond", "--key", "secret", filepath.Join(dir, "out")); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("get-object of a secret-tagged object: got %v, want AccessDenied", err)
	}
	must(t, u, "aws", "s3api", "put-object", "--bucket", "cli-tagcond", "--key", "w1", "--body", f, "--tagging", "team=blue")
	if _, err := run(t, u, "aws", "s3api", "put-object", "--bucket", "cli-tagcond", "--key", "w2", "--body", f, "--tagging", "team=red"); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("put-object --tagging team=red: got %v, want AccessDenied", err)
	}
	if _, err := run(t, u, "aws", "s3", "cp", f, "s3://cli-tagcond/untagged"); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("untagged s3 cp: got %v, want AccessDenied", err)
	}
}
