package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestS3VersioningBoto3 drives S3 Versioning with boto3
// (testdata/s3_versioning_boto3.py): states, version ids, reads and
// deletes by version, delete markers, paging, suspension, permissions and
// a cross-account copy of a given version with its tags.
func TestS3VersioningBoto3(t *testing.T) {
	needTool(t, "python3")
	s := serve(t)
	out := must(t, s.rootEnv("111111111111"), "python3", "testdata/s3_versioning_boto3.py")
	if strings.TrimSpace(out) != "ok" {
		t.Errorf("boto3 script: %s", out)
	}
}

// TestS3VersioningCLI: the aws CLI turns versioning on, reads and deletes
// versions, sees a delete marker, pages list-object-versions, and the
// versions survive a restart of xacct serve on the same data directory.
func TestS3VersioningCLI(t *testing.T) {
	needTool(t, "aws")
	dir := t.TempDir()
	s := serve(t, "--data-dir", dir)
	env := s.rootEnv("111111111111")
	body := filepath.Join(t.TempDir(), "body")
	write := func(content string) {
		if err := os.WriteFile(body, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var ver struct {
		VersionId    string
		DeleteMarker bool
		Status       string
	}
	decode := func(out string) {
		ver.VersionId, ver.DeleteMarker, ver.Status = "", false, ""
		if err := json.Unmarshal([]byte(out), &ver); err != nil {
			t.Fatalf("%v: %q", err, out)
		}
	}
	must(t, env, "aws", "s3api", "create-bucket", "--bucket", "cli-ver")
	must(t, env, "aws", "s3api", "put-bucket-versioning", "--bucket", "cli-ver", "--versioning-configuration", "Status=Enabled")
	decode(must(t, env, "aws", "s3api", "get-bucket-versioning", "--bucket", "cli-ver"))
	if ver.Status != "Enabled" {
		t.Fatalf("get-bucket-versioning: %q", ver.Status)
	}
	write("first")
	decode(must(t, env, "aws", "s3api", "put-object", "--bucket", "cli-ver", "--key", "k", "--body", body))
	v1 := ver.VersionId
	write("second")
	must(t, env, "aws", "s3api", "put-object", "--bucket", "cli-ver", "--key", "k", "--body", body)
	decode(must(t, env, "aws", "s3api", "delete-object", "--bucket", "cli-ver", "--key", "k"))
	if !ver.DeleteMarker || len(ver.VersionId) != 32 {
		t.Errorf("delete-object: got marker %v, version %q", ver.DeleteMarker, ver.VersionId)
	}
	if out, err := run(t, env, "aws", "s3api", "head-object", "--bucket", "cli-ver", "--key", "k"); err == nil || !strings.Contains(out+err.Error(), "404") {
		t.Errorf("head-object of a deleted key: %v %s", err, out)
	}
	if out := must(t, env, "aws", "s3", "ls", "s3://cli-ver/"); strings.TrimSpace(out) != "" {
		t.Errorf("aws s3 ls after the delete: %q", out)
	}
	s.stop()
	s = serve(t, "--data-dir", dir)
	env = s.rootEnv("111111111111")
	dst := filepath.Join(t.TempDir(), "out")
	must(t, env, "aws", "s3api", "get-object", "--bucket", "cli-ver", "--key", "k", "--version-id", v1, dst)
	if b, _ := os.ReadFile(dst); string(b) != "first" {
		t.Errorf("get-object --version-id after a restart: %q", b)
	}
	var list struct {
		Versions      []struct{ Key, VersionId string }
		DeleteMarkers []struct{ Key, VersionId string }
	}
	// The CLI pages with max-items and page-size through NextKeyMarker and
	// NextVersionIdMarker.
	out := must(t, env, "aws", "s3api", "list-object-versions", "--bucket", "cli-ver", "--page-size", "1")
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Versions) != 2 || len(list.DeleteMarkers) != 1 {
		t.Errorf("list-object-versions after a restart: %s", out)
	}
	must(t, env, "aws", "s3api", "delete-object", "--bucket", "cli-ver", "--key", "k", "--version-id", list.DeleteMarkers[0].VersionId)
	must(t, env, "aws", "s3", "cp", "s3://cli-ver/k", dst)
	if b, _ := os.ReadFile(dst); string(b) != "second" {
		t.Errorf("after removing the marker: %q", b)
	}
	if out, err := run(t, env, "aws", "s3api", "delete-bucket", "--bucket", "cli-ver"); err == nil || !strings.Contains(out+err.Error(), "BucketNotEmpty") {
		t.Errorf("delete-bucket with versions: %v %s", err, out)
	}
}
