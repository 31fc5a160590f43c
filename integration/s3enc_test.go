package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestS3EncryptionConditionalPostBoto3 runs issue 22's features through
// boto3: SSE-S3 headers, SSE-C, SSE-KMS refused, bucket encryption,
// conditional writes and deletes, generate_presigned_post uploads,
// GetObjectAttributes, PartNumber, GetBucketPolicyStatus, an empty upload
// followed by another call on the connection, a Date-signed SigV4 request,
// an expired presigned URL and DeleteBucket with an upload in progress.
func TestS3EncryptionConditionalPostBoto3(t *testing.T) {
	needTool(t, "python3")
	s := serve(t)
	out := must(t, s.rootEnv("111111111111"), "python3", "testdata/s3_enc_boto3.py")
	if strings.TrimSpace(out) != "ok" {
		t.Errorf("boto3 script: %s", out)
	}
}

// TestS3EncryptionConditionalCLI: the same features with the aws CLI (v1):
// `aws s3 cp --sse-c`, s3api with customer keys, bucket encryption,
// --if-none-match / --if-match, get-object-attributes and
// get-bucket-policy-status.
func TestS3EncryptionConditionalCLI(t *testing.T) {
	needTool(t, "aws")
	s := serve(t)
	env := s.rootEnv("111111111111")
	dir := t.TempDir()
	src := filepath.Join(dir, "src.txt")
	os.WriteFile(src, []byte("secret payload"), 0o644)
	// The CLI takes the raw key and base64-encodes it, as botocore does.
	key := "0123456789abcdef0123456789abcdef"
	must(t, env, "aws", "s3", "mb", "s3://cli-enc")

	var put struct{ ServerSideEncryption, ETag string }
	if err := json.Unmarshal([]byte(must(t, env, "aws", "s3api", "put-object", "--bucket", "cli-enc", "--key", "plain", "--body", src)), &put); err != nil {
		t.Fatal(err)
	}
	if put.ServerSideEncryption != "AES256" {
		t.Errorf("put-object: ServerSideEncryption %q, want AES256", put.ServerSideEncryption)
	}
	// SSE-C with the high-level and the API commands.
	must(t, env, "aws", "s3", "cp", src, "s3://cli-enc/ssec", "--sse-c", "AES256", "--sse-c-key", key)
	if _, err := run(t, env, "aws", "s3api", "get-object", "--bucket", "cli-enc", "--key", "ssec", filepath.Join(dir, "nokey")); err == nil || !strings.Contains(err.Error(), "InvalidRequest") {
		t.Errorf("get-object of an SSE-C object without the key: got %v, want InvalidRequest", err)
	}
	must(t, env, "aws", "s3api", "get-object", "--bucket", "cli-enc", "--key", "ssec", "--sse-customer-algorithm", "AES256",
		"--sse-customer-key", key, filepath.Join(dir, "withkey"))
	if b, _ := os.ReadFile(filepath.Join(dir, "withkey")); string(b) != "secret payload" {
		t.Errorf("get-object with the key: %q", b)
	}
	if _, err := run(t, env, "aws", "s3api", "put-object", "--bucket", "cli-enc", "--key", "kms", "--body", src, "--server-side-encryption", "aws:kms",
		"--ssekms-key-id", "alias/missing"); err == nil || !strings.Contains(err.Error(), "KMS.NotFoundException") {
		t.Errorf("put-object aws:kms with a missing key: got %v, want KMS.NotFoundException", err)
	}
	// Bucket encryption.
	must(t, env, "aws", "s3api", "put-bucket-encryption", "--bucket", "cli-enc", "--server-side-encryption-configuration",
		`{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"},"BucketKeyEnabled":true}]}`)
	if out := must(t, env, "aws", "s3api", "get-bucket-encryption", "--bucket", "cli-enc"); !strings.Contains(out, `"BucketKeyEnabled": true`) {
		t.Errorf("get-bucket-encryption: %s", out)
	}
	// Conditional writes and deletes.
	if _, err := run(t, env, "aws", "s3api", "put-object", "--bucket", "cli-enc", "--key", "plain", "--body", src, "--if-none-match", "*"); err == nil || !strings.Contains(err.Error(), "PreconditionFailed") {
		t.Errorf("put-object --if-none-match * of an existing key: got %v, want PreconditionFailed", err)
	}
	if _, err := run(t, env, "aws", "s3api", "delete-object", "--bucket", "cli-enc", "--key", "plain", "--if-match", `"00000000000000000000000000000000"`); err == nil || !strings.Contains(err.Error(), "PreconditionFailed") {
		t.Errorf("delete-object --if-match another ETag: got %v, want PreconditionFailed", err)
	}
	// Attributes and policy status.
	out := must(t, env, "aws", "s3api", "get-object-attributes", "--bucket", "cli-enc", "--key", "plain", "--object-attributes", "ETag", "ObjectSize")
	if !strings.Contains(out, `"ObjectSize": 14`) || !strings.Contains(out, strings.Trim(put.ETag, `"`)) {
		t.Errorf("get-object-attributes: %s", out)
	}
	must(t, env, "aws", "s3api", "delete-object", "--bucket", "cli-enc", "--key", "plain", "--if-match", put.ETag)
	if _, err := run(t, env, "aws", "s3api", "get-bucket-policy-status", "--bucket", "cli-enc"); err == nil || !strings.Contains(err.Error(), "NoSuchBucketPolicy") {
		t.Errorf("get-bucket-policy-status without a policy: got %v, want NoSuchBucketPolicy", err)
	}
}
