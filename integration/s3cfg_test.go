package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestS3ConfigBoto3 drives issue 22's bucket configuration with boto3:
// object and bucket tags with AWS's limits, a cross-account copy from a
// versioned, tagged source into a versioned target keeping the tags,
// lifecycle validation and x-amz-expiration, CORS with a browser's
// preflight, MaxKeys=0, encoding-type=url, ListBuckets paging and the
// ownership refusals.
func TestS3ConfigBoto3(t *testing.T) {
	needTool(t, "python3")
	s := serve(t)
	out := must(t, s.rootEnv("111111111111"), "python3", "testdata/s3_config_boto3.py")
	if strings.TrimSpace(out) != "ok" {
		t.Errorf("boto3 script: %s", out)
	}
}

// TestS3ConfigCLI: the aws CLI sets and reads object tags (put-object
// --tagging, put-object-tagging, copy-object --tagging-directive),
// bucket tags, a lifecycle configuration from a file and a CORS
// configuration, and gets S3's errors for ones S3 refuses.
func TestS3ConfigCLI(t *testing.T) {
	needTool(t, "aws")
	s := serve(t)
	env := s.rootEnv("111111111111")
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	body := write("body", "hello")
	must(t, env, "aws", "s3api", "create-bucket", "--bucket", "cli-cfg")
	must(t, env, "aws", "s3api", "put-object", "--bucket", "cli-cfg", "--key", "k", "--body", body, "--tagging", "team=blue&env=dev")
	var tagging struct{ TagSet []struct{ Key, Value string } }
	tagsOf := func(args ...string) map[string]string {
		out := must(t, env, "aws", append([]string{"s3api"}, args...)...)
		tagging.TagSet = nil
		if err := json.Unmarshal([]byte(out), &tagging); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		m := map[string]string{}
		for _, tg := range tagging.TagSet {
			m[tg.Key] = tg.Value
		}
		return m
	}
	if got := tagsOf("get-object-tagging", "--bucket", "cli-cfg", "--key", "k"); got["team"] != "blue" || got["env"] != "dev" {
		t.Errorf("tags from put-object --tagging: %v", got)
	}
	var head struct{ TagCount int }
	json.Unmarshal([]byte(must(t, env, "aws", "s3api", "head-object", "--bucket", "cli-cfg", "--key", "k")), &head)
	if head.TagCount != 2 {
		t.Errorf("head-object TagCount: got %d, want 2", head.TagCount)
	}
	must(t, env, "aws", "s3api", "put-object-tagging", "--bucket", "cli-cfg", "--key", "k", "--tagging", `{"TagSet":[{"Key":"env","Value":"prod"}]}`)
	must(t, env, "aws", "s3api", "copy-object", "--bucket", "cli-cfg", "--key", "kept", "--copy-source", "cli-cfg/k")
	if got := tagsOf("get-object-tagging", "--bucket", "cli-cfg", "--key", "kept"); len(got) != 1 || got["env"] != "prod" {
		t.Errorf("copy-object keeps tags: %v", got)
	}
	must(t, env, "aws", "s3api", "copy-object", "--bucket", "cli-cfg", "--key", "new", "--copy-source", "cli-cfg/k", "--tagging-directive", "REPLACE", "--tagging", "fresh=1")
	if got := tagsOf("get-object-tagging", "--bucket", "cli-cfg", "--key", "new"); len(got) != 1 || got["fresh"] != "1" {
		t.Errorf("copy-object --tagging-directive REPLACE: %v", got)
	}
	must(t, env, "aws", "s3api", "delete-object-tagging", "--bucket", "cli-cfg", "--key", "k")
	if got := tagsOf("get-object-tagging", "--bucket", "cli-cfg", "--key", "k"); len(got) != 0 {
		t.Errorf("after delete-object-tagging: %v", got)
	}
	must(t, env, "aws", "s3api", "put-bucket-tagging", "--bucket", "cli-cfg", "--tagging", `{"TagSet":[{"Key":"cost","Value":"42"}]}`)
	if got := tagsOf("get-bucket-tagging", "--bucket", "cli-cfg"); got["cost"] != "42" {
		t.Errorf("bucket tags: %v", got)
	}
	lc := write("lc.json", `{"Rules":[{"ID":"logs","Status":"Enabled","Filter":{"Prefix":"logs/"},"Expiration":{"Days":30},"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1}}]}`)
	must(t, env, "aws", "s3api", "put-bucket-lifecycle-configuration", "--bucket", "cli-cfg", "--lifecycle-configuration", "file://"+lc)
	var got struct {
		Rules []struct {
			ID         string
			Expiration struct{ Days int }
		}
	}
	json.Unmarshal([]byte(must(t, env, "aws", "s3api", "get-bucket-lifecycle-configuration", "--bucket", "cli-cfg")), &got)
	if len(got.Rules) != 1 || got.Rules[0].ID != "logs" || got.Rules[0].Expiration.Days != 30 {
		t.Errorf("lifecycle read back: %+v", got)
	}
	cors := write("cors.json", `{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"],"MaxAgeSeconds":60}]}`)
	must(t, env, "aws", "s3api", "put-bucket-cors", "--bucket", "cli-cfg", "--cors-configuration", "file://"+cors)
	if out := must(t, env, "aws", "s3api", "get-bucket-cors", "--bucket", "cli-cfg"); !strings.Contains(out, `"MaxAgeSeconds": 60`) {
		t.Errorf("get-bucket-cors: %s", out)
	}
	for _, tc := range []struct {
		args []string
		code string
	}{
		{[]string{"s3api", "put-object-tagging", "--bucket", "cli-cfg", "--key", "k", "--tagging", `{"TagSet":[{"Key":"` + strings.Repeat("k", 129) + `","Value":"v"}]}`}, "InvalidTag"},
		{[]string{"s3api", "put-bucket-lifecycle-configuration", "--bucket", "cli-cfg", "--lifecycle-configuration", `{"Rules":[{"ID":"a","Status":"Enabled","Filter":{"Prefix":""},"Expiration":{"Date":"2030-01-01T12:00:00Z"}}]}`}, "InvalidArgument"},
		{[]string{"s3api", "put-bucket-cors", "--bucket", "cli-cfg", "--cors-configuration", `{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["PATCH"]}]}`}, "InvalidRequest"},
		{[]string{"s3api", "get-object-tagging", "--bucket", "cli-cfg", "--key", "missing"}, "NoSuchKey"},
	} {
		if _, err := run(t, env, "aws", tc.args...); err == nil || !strings.Contains(err.Error(), tc.code) {
			t.Errorf("aws %s: got %v, want %s", strings.Join(tc.args[:2], " "), err, tc.code)
		}
	}
	must(t, env, "aws", "s3api", "delete-bucket-lifecycle", "--bucket", "cli-cfg")
	must(t, env, "aws", "s3api", "delete-bucket-cors", "--bucket", "cli-cfg")
	must(t, env, "aws", "s3api", "delete-bucket-tagging", "--bucket", "cli-cfg")
	for _, args := range [][]string{{"get-bucket-lifecycle-configuration"}, {"get-bucket-cors"}, {"get-bucket-tagging"}} {
		if _, err := run(t, env, "aws", append([]string{"s3api"}, append(args, "--bucket", "cli-cfg")...)...); err == nil {
			t.Errorf("aws s3api %s after delete: succeeded, want a 404", args[0])
		}
	}
}
