package s3

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestPostPolicy: the policy conditions of a browser upload (Amazon S3 API
// Reference, "Creating a POST policy"): exact matches in both forms,
// starts-with (Content-Type's comma list), content-length-range, the
// bucket, expiry, and fields no condition names.
func TestPostPolicy(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	doc := `{"expiration":"2026-12-06T10:00:00.000Z","conditions":[{"bucket":"b"},["starts-with","$key","up/"],{"acl":"private"},
		["eq","$x-amz-meta-who","me"],["starts-with","$Content-Type","image/"],["content-length-range",1,"1024"]]}`
	p, err := parsePostPolicy(b64(doc))
	if err != nil {
		t.Fatal(err)
	}
	if p.MinSize != 1 || p.MaxSize != 1024 {
		t.Errorf("content-length-range: got %d-%d, want 1-1024", p.MinSize, p.MaxSize)
	}
	ok := map[string]string{"key": "up/a.png", "acl": "private", "x-amz-meta-who": "me", "content-type": "image/png,image/jpeg"}
	for _, tc := range []struct {
		name   string
		change func(map[string]string)
		bucket string
		at     time.Time
		code   string
	}{
		{"all conditions met", nil, "b", now, ""},
		{"another bucket", nil, "c", now, "AccessDenied"},
		{"expired", nil, "b", now.Add(2 * time.Hour), "AccessDenied"},
		{"key outside the prefix", func(f map[string]string) { f["key"] = "down/a" }, "b", now, "AccessDenied"},
		{"acl differs", func(f map[string]string) { f["acl"] = "public-read" }, "b", now, "AccessDenied"},
		{"a content type outside the prefix", func(f map[string]string) { f["content-type"] = "image/png,text/plain" }, "b", now, "AccessDenied"},
		{"a field no condition names", func(f map[string]string) { f["x-amz-meta-other"] = "x" }, "b", now, "AccessDenied"},
		{"an x-ignore- field", func(f map[string]string) { f["x-ignore-me"] = "x" }, "b", now, ""},
		{"a missing field", func(f map[string]string) { delete(f, "x-amz-meta-who") }, "b", now, "AccessDenied"},
	} {
		fields := map[string]string{}
		for k, v := range ok {
			fields[k] = v
		}
		if tc.change != nil {
			tc.change(fields)
		}
		err := p.check(fields, tc.bucket, tc.at)
		if got := code(err); got != tc.code {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.code)
		}
	}
	for _, bad := range []string{"not base64!", b64("{"), b64(`{"conditions":[]}`), b64(`{"expiration":"tomorrow","conditions":[]}`),
		b64(`{"expiration":"2026-12-06T10:00:00Z"}`), b64(`{"expiration":"2026-12-06T10:00:00Z","conditions":[["gt","$key","a"]]}`),
		b64(`{"expiration":"2026-12-06T10:00:00Z","conditions":[["starts-with","key","a"]]}`),
		b64(`{"expiration":"2026-12-06T10:00:00Z","conditions":[["content-length-range",10,1]]}`),
		b64(`{"expiration":"2026-12-06T10:00:00Z","conditions":[{"a":"1","b":"2"}]}`)} {
		if _, err := parsePostPolicy(bad); code(err) != "InvalidPolicyDocument" {
			t.Errorf("policy %q: got %v, want InvalidPolicyDocument", bad, err)
		}
	}
}

func code(err error) string {
	if err == nil {
		return ""
	}
	return awserr.From(err).Code
}

// FuzzPostPolicy: no policy document panics the parser or the check, and
// every refusal is S3's.
func FuzzPostPolicy(f *testing.F) {
	f.Add(`{"expiration":"2026-12-06T10:00:00.000Z","conditions":[{"bucket":"b"},["starts-with","$key","up/"],["content-length-range",1,1024]]}`, "up/a")
	f.Add(`{"expiration":"2026-12-06T10:00:00Z","conditions":[["eq","$key","k"],["content-length-range","0","9"]]}`, "k")
	f.Add(`{"expiration":1,"conditions":{}}`, "")
	f.Add(`[]`, "x")
	f.Fuzz(func(t *testing.T, doc, key string) {
		p, err := parsePostPolicy(b64(doc))
		if err != nil {
			if c := code(err); c != "InvalidPolicyDocument" {
				t.Fatalf("parse refusal %v is not InvalidPolicyDocument", err)
			}
			return
		}
		if err := p.check(map[string]string{"key": key}, "b", time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)); err != nil && code(err) != "AccessDenied" {
			t.Fatalf("check refusal %v is not AccessDenied", err)
		}
	})
}
