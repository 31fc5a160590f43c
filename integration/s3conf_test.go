package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestS3ConformanceBoto3: issue 22's conformance fixes through boto3
// (testdata/s3_conformance_boto3.py; the others are in s3_enc_boto3.py and
// s3_config_boto3.py).
func TestS3ConformanceBoto3(t *testing.T) {
	needTool(t, "python3")
	s := serve(t)
	out := must(t, s.rootEnv("111111111111"), "python3", "testdata/s3_conformance_boto3.py")
	if strings.TrimSpace(out) != "ok" {
		t.Errorf("boto3 script: %s", out)
	}
}

// TestS3ConformanceCLI: the same fixes with the aws CLI — completing an
// upload twice answers as the first time, a re-sent part wins,
// upload-part-copy past the source is InvalidRange, head-object
// --part-number, a range GET of an empty object is 416, DeleteBucket with
// only an upload in progress succeeds, unmodelled subresources are
// NotImplemented, ownership controls 404 after their delete, and
// list-buckets pages with --max-buckets (Amazon S3 API Reference).
func TestS3ConformanceCLI(t *testing.T) {
	needTool(t, "aws")
	s := serve(t)
	env := s.rootEnv("111111111111")
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	wantErr := func(code string, args ...string) {
		t.Helper()
		if _, err := run(t, env, "aws", args...); err == nil || !strings.Contains(err.Error(), code) {
			t.Errorf("aws %s: got %v, want %s", strings.Join(args[:2], " "), err, code)
		}
	}
	for _, b := range []string{"cli-conf-a", "cli-conf-b", "cli-conf-c"} {
		must(t, env, "aws", "s3api", "create-bucket", "--bucket", b)
	}
	must(t, env, "aws", "s3api", "put-object", "--bucket", "cli-conf-a", "--key", "src", "--body", file("src", "0123456789"))
	must(t, env, "aws", "s3api", "put-object", "--bucket", "cli-conf-a", "--key", "empty", "--body", file("empty", ""))

	var up struct{ UploadId string }
	json.Unmarshal([]byte(must(t, env, "aws", "s3api", "create-multipart-upload", "--bucket", "cli-conf-a", "--key", "mp")), &up)
	must(t, env, "aws", "s3api", "upload-part", "--bucket", "cli-conf-a", "--key", "mp", "--upload-id", up.UploadId, "--part-number", "1", "--body", file("p1", "first"))
	var part struct{ ETag string }
	json.Unmarshal([]byte(must(t, env, "aws", "s3api", "upload-part", "--bucket", "cli-conf-a", "--key", "mp", "--upload-id", up.UploadId, "--part-number", "1", "--body", file("p1b", "second"))), &part)
	wantErr("InvalidRange", "s3api", "upload-part-copy", "--bucket", "cli-conf-a", "--key", "mp", "--upload-id", up.UploadId, "--part-number", "2",
		"--copy-source", "cli-conf-a/src", "--copy-source-range", "bytes=5-20")
	parts := file("parts.json", `{"Parts":[{"PartNumber":1,"ETag":"`+strings.ReplaceAll(part.ETag, `"`, `\"`)+`"}]}`)
	first := must(t, env, "aws", "s3api", "complete-multipart-upload", "--bucket", "cli-conf-a", "--key", "mp", "--upload-id", up.UploadId, "--multipart-upload", "file://"+parts)
	again := must(t, env, "aws", "s3api", "complete-multipart-upload", "--bucket", "cli-conf-a", "--key", "mp", "--upload-id", up.UploadId, "--multipart-upload", "file://"+parts)
	if first != again {
		t.Errorf("completing again: got %s, want the first answer %s", again, first)
	}
	must(t, env, "aws", "s3api", "get-object", "--bucket", "cli-conf-a", "--key", "mp", filepath.Join(dir, "mp"))
	if b, _ := os.ReadFile(filepath.Join(dir, "mp")); string(b) != "second" {
		t.Errorf("object after a re-sent part: %q, want the second part", b)
	}
	var head struct{ PartsCount int }
	json.Unmarshal([]byte(must(t, env, "aws", "s3api", "head-object", "--bucket", "cli-conf-a", "--key", "mp", "--part-number", "1")), &head)
	if head.PartsCount != 1 {
		t.Errorf("head-object --part-number 1: PartsCount %d, want 1", head.PartsCount)
	}
	wantErr("InvalidPartNumber", "s3api", "get-object", "--bucket", "cli-conf-a", "--key", "mp", "--part-number", "2", filepath.Join(dir, "x"))
	wantErr("InvalidRange", "s3api", "get-object", "--bucket", "cli-conf-a", "--key", "empty", "--range", "bytes=0-1", filepath.Join(dir, "x"))

	must(t, env, "aws", "s3api", "create-multipart-upload", "--bucket", "cli-conf-c", "--key", "pending")
	must(t, env, "aws", "s3api", "delete-bucket", "--bucket", "cli-conf-c")

	wantErr("NotImplemented", "s3api", "get-bucket-accelerate-configuration", "--bucket", "cli-conf-a")
	wantErr("NotImplemented", "s3api", "get-bucket-website", "--bucket", "cli-conf-a")
	must(t, env, "aws", "s3api", "delete-bucket-ownership-controls", "--bucket", "cli-conf-b")
	wantErr("OwnershipControlsNotFoundError", "s3api", "get-bucket-ownership-controls", "--bucket", "cli-conf-b")

	var page struct {
		Buckets           []struct{ Name string }
		ContinuationToken string
	}
	json.Unmarshal([]byte(must(t, env, "aws", "s3api", "list-buckets", "--max-buckets", "1", "--no-paginate")), &page)
	if len(page.Buckets) != 1 || page.ContinuationToken == "" {
		t.Errorf("list-buckets --max-buckets 1: %+v, want one bucket and a continuation token", page)
	}
}
