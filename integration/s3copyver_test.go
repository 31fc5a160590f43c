package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestS3CopyVersionedTaggedCLI: the copy engine from a terminal (`xacct
// copy`, with the target account's credentials) copies the current
// versions of a versioned, tagged source in another account into a
// versioned target, keeping each object's tags and metadata; with
// --version-id it copies an older version, with that version's tags. The
// buckets are set up and checked with the aws CLI.
func TestS3CopyVersionedTaggedCLI(t *testing.T) {
	needTool(t, "aws")
	s := serve(t)
	home, target := s.rootEnv("111111111111"), s.rootEnv("222222222222")
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	must(t, home, "aws", "s3", "mb", "s3://ver-tag-src")
	must(t, home, "aws", "s3api", "put-bucket-versioning", "--bucket", "ver-tag-src", "--versioning-configuration", "Status=Enabled")
	var v1 struct{ VersionId string }
	if err := json.Unmarshal([]byte(must(t, home, "aws", "s3api", "put-object", "--bucket", "ver-tag-src", "--key", "data/a", "--body", file("a1", "first"),
		"--tagging", "gen=1", "--metadata", "origin=v1")), &v1); err != nil || v1.VersionId == "" {
		t.Fatalf("put-object in a versioned bucket: %+v %v", v1, err)
	}
	must(t, home, "aws", "s3api", "put-object", "--bucket", "ver-tag-src", "--key", "data/a", "--body", file("a2", "second"), "--tagging", "gen=2&team=blue", "--metadata", "origin=v2")
	must(t, home, "aws", "s3api", "put-object", "--bucket", "ver-tag-src", "--key", "data/b", "--body", file("b", "bee"), "--tagging", "team=red")
	must(t, home, "aws", "s3api", "put-bucket-policy", "--bucket", "ver-tag-src", "--policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
"Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":["s3:ListBucket","s3:GetObject","s3:GetObjectVersion","s3:GetObjectTagging","s3:GetObjectVersionTagging"],
"Resource":["arn:aws:s3:::ver-tag-src","arn:aws:s3:::ver-tag-src/*"]}]}`)
	must(t, target, "aws", "s3", "mb", "s3://ver-tag-dst")
	must(t, target, "aws", "s3api", "put-bucket-versioning", "--bucket", "ver-tag-dst", "--versioning-configuration", "Status=Enabled")

	out := must(t, target, xacct(t), "copy", "--quiet", "s3://ver-tag-src/data/", "s3://ver-tag-dst")
	if !strings.Contains(out, `"copied": 2`) {
		t.Fatalf("xacct copy: %s", out)
	}
	tags := func(key string) string {
		var got struct{ TagSet []struct{ Key, Value string } }
		json.Unmarshal([]byte(must(t, target, "aws", "s3api", "get-object-tagging", "--bucket", "ver-tag-dst", "--key", key)), &got)
		var kv []string
		for _, tg := range got.TagSet {
			kv = append(kv, tg.Key+"="+tg.Value)
		}
		return strings.Join(kv, "&")
	}
	head := func(key string) (string, string) {
		var h struct {
			Metadata  map[string]string
			VersionId string
		}
		json.Unmarshal([]byte(must(t, target, "aws", "s3api", "head-object", "--bucket", "ver-tag-dst", "--key", key)), &h)
		return h.Metadata["origin"], h.VersionId
	}
	if got := tags("data/a"); got != "gen=2&team=blue" {
		t.Errorf("data/a tags: %q, want the current version's gen=2&team=blue", got)
	}
	if got := tags("data/b"); got != "team=red" {
		t.Errorf("data/b tags: %q, want team=red", got)
	}
	if origin, ver := head("data/a"); origin != "v2" || ver == "" {
		t.Errorf("data/a: metadata origin %q, version %q; want v2 and a version id (the target is versioned)", origin, ver)
	}
	must(t, target, "aws", "s3api", "get-object", "--bucket", "ver-tag-dst", "--key", "data/a", filepath.Join(dir, "got"))
	if b, _ := os.ReadFile(filepath.Join(dir, "got")); string(b) != "second" {
		t.Errorf("data/a body: %q, want the current version's", b)
	}

	// An older version, by id, to another key.
	must(t, target, xacct(t), "copy", "--quiet", "--version-id", v1.VersionId, "s3://ver-tag-src/data/a", "s3://ver-tag-dst/old-a")
	if got := tags("old-a"); got != "gen=1" {
		t.Errorf("old-a tags: %q, want the first version's gen=1", got)
	}
	if origin, _ := head("old-a"); origin != "v1" {
		t.Errorf("old-a metadata origin %q, want v1", origin)
	}
	if _, err := run(t, target, xacct(t), "copy", "--version-id", v1.VersionId, "s3://ver-tag-src", "s3://ver-tag-dst"); err == nil || !strings.Contains(err.Error(), "--version-id copies one object") {
		t.Errorf("--version-id without a key: got %v, want a usage error", err)
	}
}
