package integration

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestS3KMSBoto3 runs a cross-account copy between two SSE-KMS buckets
// with customer managed keys through boto3, then takes away each piece of
// step 4 in turn: the source key's policy, the target key's policy, the
// role's kms:Decrypt and kms:GenerateDataKey, and an object under the AWS
// managed key aws/s3 of the source account; each is S3's AccessDenied and
// the explanation names the piece (AWS Knowledge Center, "Why do
// cross-account users receive Access Denied errors when they try to access
// my S3 objects that I encrypted with an AWS KMS customer managed key?").
// A disabled source key and one pending deletion refuse with KMS's
// exceptions as S3 reports them.
func TestS3KMSBoto3(t *testing.T) {
	needTool(t, "python3")
	s := serve(t)
	out := must(t, s.rootEnv("111111111111"), "python3", "testdata/s3_kms_boto3.py")
	lines := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		name, rest, _ := strings.Cut(l, " ")
		lines[name] = strings.TrimSpace(rest)
	}
	for name, want := range map[string]string{
		"src-put":              "aws:kms True True",
		"copy":                 "OK aws:kms dst-key",
		"read-back":            "OK encrypted at the source",
		"head":                 "aws:kms True",
		"no-source-key-policy": "AccessDenied step 4 (the key policy): the key policy of arn:aws:kms:us-east-1:111111111111:key/",
		"no-target-key-policy": "AccessDenied step 4 (the key policy): the key policy of arn:aws:kms:us-east-1:222222222222:key/",
		"no-role-decrypt":      "AccessDenied step 4 (the KMS permission)",
		"no-role-generate":     "AccessDenied step 4 (the KMS permission)",
		"cross-aws-s3":         "AccessDenied step 4 (the KMS key): arn:aws:kms:us-east-1:111111111111:key/",
		"copy-again":           "OK aws:kms dst-key",
		"disabled":             "KMS.DisabledException",
		"pending-deletion":     "KMS.KMSInvalidStateException",
	} {
		if got := lines[name]; !strings.HasPrefix(got, want) {
			t.Errorf("%s: got %q, want it to start with %q", name, got, want)
		}
	}
	for name, want := range map[string]string{"no-role-decrypt": "kms:Decrypt", "no-role-generate": "kms:GenerateDataKey"} {
		if !strings.Contains(lines[name], want) {
			t.Errorf("%s: the explanation does not name %s: %s", name, want, lines[name])
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

// TestS3KMSCLI: the aws CLI (v1) writes SSE-KMS objects with s3api
// put-object --server-side-encryption aws:kms --ssekms-key-id and with
// `aws s3 cp --sse aws:kms --sse-kms-key-id` (single and multipart), sets
// an aws:kms bucket default, reads the objects back, and another account
// without the key policy is refused with KMS's reason.
func TestS3KMSCLI(t *testing.T) {
	needTool(t, "aws")
	s := serve(t)
	env := s.rootEnv("111111111111")
	dir := t.TempDir()
	small, big := filepath.Join(dir, "small.txt"), filepath.Join(dir, "big.bin")
	os.WriteFile(small, []byte("kms payload"), 0o644)
	bigData := bytes.Repeat([]byte("0123456789abcdef"), 10<<16) // 10 MiB: the CLI uploads it in parts
	os.WriteFile(big, bigData, 0o644)

	var created struct{ KeyMetadata struct{ KeyId, Arn string } }
	if err := json.Unmarshal([]byte(must(t, env, "aws", "kms", "create-key")), &created); err != nil {
		t.Fatal(err)
	}
	keyARN := created.KeyMetadata.Arn
	must(t, env, "aws", "kms", "create-alias", "--alias-name", "alias/cli-s3", "--target-key-id", created.KeyMetadata.KeyId)
	must(t, env, "aws", "s3", "mb", "s3://cli-kms")

	var put struct{ ServerSideEncryption, SSEKMSKeyId string }
	if err := json.Unmarshal([]byte(must(t, env, "aws", "s3api", "put-object", "--bucket", "cli-kms", "--key", "api", "--body", small,
		"--server-side-encryption", "aws:kms", "--ssekms-key-id", created.KeyMetadata.KeyId)), &put); err != nil {
		t.Fatal(err)
	}
	if put.ServerSideEncryption != "aws:kms" || put.SSEKMSKeyId != keyARN {
		t.Errorf("put-object aws:kms: %+v, want aws:kms and %s", put, keyARN)
	}
	must(t, env, "aws", "s3", "cp", small, "s3://cli-kms/cp", "--sse", "aws:kms", "--sse-kms-key-id", "alias/cli-s3")
	must(t, env, "aws", "s3", "cp", big, "s3://cli-kms/big", "--sse", "aws:kms", "--sse-kms-key-id", keyARN)
	for _, k := range []string{"cp", "big"} {
		var head struct {
			ServerSideEncryption, SSEKMSKeyId string
			ContentLength                     int64
		}
		if err := json.Unmarshal([]byte(must(t, env, "aws", "s3api", "head-object", "--bucket", "cli-kms", "--key", k)), &head); err != nil {
			t.Fatal(err)
		}
		if head.ServerSideEncryption != "aws:kms" || head.SSEKMSKeyId != keyARN {
			t.Errorf("head-object %s: %+v", k, head)
		}
	}
	got := filepath.Join(dir, "got.bin")
	must(t, env, "aws", "s3", "cp", "s3://cli-kms/big", got)
	if b, _ := os.ReadFile(got); !bytes.Equal(b, bigData) {
		t.Errorf("aws s3 cp of the multipart SSE-KMS object: %d bytes, want %d", len(b), len(bigData))
	}

	// The bucket default.
	must(t, env, "aws", "s3api", "put-bucket-encryption", "--bucket", "cli-kms", "--server-side-encryption-configuration",
		`{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"alias/cli-s3"},"BucketKeyEnabled":true}]}`)
	if out := must(t, env, "aws", "s3api", "get-bucket-encryption", "--bucket", "cli-kms"); !strings.Contains(out, `"KMSMasterKeyID": "alias/cli-s3"`) {
		t.Errorf("get-bucket-encryption: %s", out)
	}
	if out := must(t, env, "aws", "s3api", "put-object", "--bucket", "cli-kms", "--key", "default", "--body", small); !strings.Contains(out, keyARN) || !strings.Contains(out, `"BucketKeyEnabled": true`) {
		t.Errorf("put-object under the aws:kms default: %s", out)
	}
	if out := must(t, env, "aws", "s3", "cp", "s3://cli-kms/default", "-"); out != "kms payload" {
		t.Errorf("aws s3 cp of the default-encrypted object: %q", out)
	}

	// Another account, allowed by the bucket policy, not by the key policy.
	must(t, env, "aws", "s3api", "put-bucket-policy", "--bucket", "cli-kms", "--policy",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::cli-kms/*"}]}`)
	_, err := run(t, s.rootEnv("222222222222"), "aws", "s3api", "get-object", "--bucket", "cli-kms", "--key", "api", filepath.Join(dir, "denied"))
	want := "(AccessDenied) when calling the GetObject operation: User: arn:aws:iam::222222222222:root is not authorized to perform: kms:Decrypt on resource: " + keyARN
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("get-object from another account without the key policy: got %v, want %s", err, want)
	}
}
