package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestS3ACLBoto3 runs testdata/s3_acl_boto3.py: with boto3, account B
// writes into account A's ObjectWriter bucket; without the
// bucket-owner-full-control canned ACL A's GetObject is AccessDenied with
// an X-Xacct-Explain naming the object's owner, with it A reads; ACLs
// given to CreateBucket are kept; AuthenticatedUsers serves signed
// requests only (Amazon S3 User Guide, "How Amazon S3 authorizes a
// request for an object operation", "Access control list (ACL)
// overview").
func TestS3ACLBoto3(t *testing.T) {
	needTool(t, "python3")
	s := serve(t)
	out := must(t, s.rootEnv("111111111111"), "python3", "testdata/s3_acl_boto3.py")
	if strings.TrimSpace(out) != "ok" {
		t.Errorf("boto3 script: %s", out)
	}
}

// TestS3ACLCLI: the aws CLI creates a bucket with ACLs
// (create-bucket --object-ownership ObjectWriter --grant-read/--acl) and
// reads them back, gets S3's refusals for a public ACL on a new bucket
// and an unknown grantee, and shows the cross-account upload pitfall:
// put-object without --acl leaves the bucket owner unable to read the
// object; with --acl bucket-owner-full-control it reads.
func TestS3ACLCLI(t *testing.T) {
	needTool(t, "aws")
	s := serve(t)
	a, b := s.rootEnv("111111111111"), s.rootEnv("222222222222")
	body := filepath.Join(t.TempDir(), "body")
	if err := os.WriteFile(body, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	must(t, b, "aws", "s3api", "create-bucket", "--bucket", "cli-b-home")
	bID := strings.TrimSpace(must(t, b, "aws", "s3api", "list-buckets", "--query", "Owner.ID", "--output", "text"))

	must(t, a, "aws", "s3api", "create-bucket", "--bucket", "cli-acl", "--object-ownership", "ObjectWriter", "--grant-read", "id="+bID)
	if out := must(t, a, "aws", "s3api", "get-bucket-acl", "--bucket", "cli-acl"); !strings.Contains(out, bID) || !strings.Contains(out, `"READ"`) {
		t.Errorf("get-bucket-acl after create-bucket --grant-read: %s", out)
	}
	must(t, b, "aws", "s3api", "list-objects-v2", "--bucket", "cli-acl")
	must(t, a, "aws", "s3api", "create-bucket", "--bucket", "cli-logs", "--object-ownership", "ObjectWriter", "--acl", "log-delivery-write")
	if out := must(t, a, "aws", "s3api", "get-bucket-acl", "--bucket", "cli-logs"); !strings.Contains(out, "http://acs.amazonaws.com/groups/s3/LogDelivery") || !strings.Contains(out, "READ_ACP") {
		t.Errorf("get-bucket-acl after create-bucket --acl log-delivery-write: %s", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--acl", "public-read"}, "InvalidBucketAclWithBlockPublicAccessError"},
		{[]string{"--grant-read", "id=" + strings.Repeat("ab", 32)}, "InvalidArgument"},
		{[]string{"--grant-read", "emailAddress=x@example.com"}, "UnresolvableGrantByEmailAddress"},
	} {
		args := append([]string{"s3api", "create-bucket", "--bucket", "cli-refused", "--object-ownership", "ObjectWriter"}, tc.args...)
		if _, err := run(t, a, "aws", args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("create-bucket %v: got %v, want %s", tc.args, err, tc.want)
		}
	}

	must(t, a, "aws", "s3api", "put-bucket-policy", "--bucket", "cli-acl", "--policy",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::cli-acl/*"}]}`)
	must(t, b, "aws", "s3api", "put-object", "--bucket", "cli-acl", "--key", "plain", "--body", body)
	out := filepath.Join(t.TempDir(), "out")
	if _, err := run(t, a, "aws", "s3api", "get-object", "--bucket", "cli-acl", "--key", "plain", out); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("bucket owner reading an object another account wrote without an ACL: got %v, want AccessDenied", err)
	}
	must(t, b, "aws", "s3api", "put-object", "--bucket", "cli-acl", "--key", "full", "--body", body, "--acl", "bucket-owner-full-control")
	must(t, a, "aws", "s3api", "get-object", "--bucket", "cli-acl", "--key", "full", out)
	if got, _ := os.ReadFile(out); string(got) != "hello" {
		t.Errorf("get-object with bucket-owner-full-control: got %q", got)
	}
	if acl := must(t, a, "aws", "s3api", "get-object-acl", "--bucket", "cli-acl", "--key", "full"); strings.Count(acl, "FULL_CONTROL") != 2 {
		t.Errorf("get-object-acl of a bucket-owner-full-control object: %s", acl)
	}
}
