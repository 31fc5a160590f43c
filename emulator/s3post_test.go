package emulator_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/xacct/xacct/emulator/sigv4"
	"github.com/xacct/xacct/emulatortest"
)

// postForm sends a browser upload to bucket: fields in order, then the
// file. When secret is set, the policy (JSON) is base64-encoded and signed
// for accessKey as a browser form does (Amazon S3 API Reference,
// "Browser-Based Uploads Using POST (AWS Signature Version 4)").
func postForm(t *testing.T, srv *emulatortest.Server, bucket, accessKey, secret, policy string, fields [][2]string, file string) (int, http.Header, string) {
	t.Helper()
	now := time.Now().UTC()
	if secret != "" {
		scope := sigv4.Scope{AccessKeyID: accessKey, Date: now.Format("20060102"), Region: "us-east-1", Service: "s3"}
		enc := base64.StdEncoding.EncodeToString([]byte(policy))
		m := hmac.New(sha256.New, sigv4.SigningKey(secret, scope))
		m.Write([]byte(enc))
		fields = append(fields, [][2]string{{"x-amz-algorithm", "AWS4-HMAC-SHA256"}, {"x-amz-credential", accessKey + "/" + scope.Date + "/us-east-1/s3/aws4_request"},
			{"x-amz-date", now.Format("20060102T150405Z")}, {"policy", enc}, {"x-amz-signature", hex.EncodeToString(m.Sum(nil))}}...)
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	fw, _ := mw.CreateFormFile("file", "local.txt")
	io.WriteString(fw, file)
	mw.WriteField("after-the-file", "ignored")
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/"+bucket, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

// postPolicyDoc is a policy for bucket expiring in d, with the signature
// fields' conditions and extra conditions (JSON).
func postPolicyDoc(bucket, accessKey string, d time.Duration, extra ...string) string {
	now := time.Now().UTC()
	conds := append([]string{`{"bucket":"` + bucket + `"}`, `{"x-amz-algorithm":"AWS4-HMAC-SHA256"}`,
		`{"x-amz-credential":"` + accessKey + "/" + now.Format("20060102") + `/us-east-1/s3/aws4_request"}`,
		`["starts-with","$x-amz-date",""]`}, extra...)
	return `{"expiration":"` + now.Add(d).Format("2006-01-02T15:04:05.000Z") + `","conditions":[` + strings.Join(conds, ",") + `]}`
}

// TestS3PostObject: browser uploads with a signed policy: stored with the
// form's metadata, answered as success_action_status and
// success_action_redirect ask, refused when the policy does not hold, the
// signature is wrong, or the signer may not s3:PutObject.
func TestS3PostObject(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	mustBucket(t, c, "forms")
	pol := postPolicyDoc("forms", home, time.Hour, `["starts-with","$key","uploads/"]`, `["starts-with","$Content-Type","text/"]`,
		`{"x-amz-meta-who":"browser"}`, `["starts-with","$success_action_status",""]`, `["starts-with","$success_action_redirect",""]`, `["content-length-range",1,64]`)
	base := [][2]string{{"key", "uploads/${filename}"}, {"Content-Type", "text/plain"}, {"x-amz-meta-who", "browser"}}

	status, hdr, body := postForm(t, srv, "forms", home, "test", pol, base, "hello form")
	if status != http.StatusNoContent || hdr.Get("ETag") != `"`+md5Hex("hello form")+`"` || hdr.Get("X-Amz-Server-Side-Encryption") != "AES256" {
		t.Fatalf("signed POST: got %d %s, want 204 with the ETag", status, body)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("forms"), Key: aws.String("uploads/local.txt")})
	if err != nil || aws.ToString(head.ContentType) != "text/plain" || head.Metadata["who"] != "browser" {
		t.Fatalf("object from the form: %v %+v", err, head)
	}
	status, _, body = postForm(t, srv, "forms", home, "test", pol, append(base, [2]string{"success_action_status", "201"}), "x")
	if status != http.StatusCreated || !strings.Contains(body, "<Key>uploads/local.txt</Key>") || !strings.Contains(body, "<Bucket>forms</Bucket>") {
		t.Errorf("success_action_status 201: got %d %s, want a PostResponse", status, body)
	}
	status, hdr, _ = postForm(t, srv, "forms", home, "test", pol, append(base, [2]string{"success_action_redirect", "https://example.com/done?x=1"}), "x")
	if loc := hdr.Get("Location"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "https://example.com/done?") || !strings.Contains(loc, "key=uploads%2Flocal.txt") || !strings.Contains(loc, "bucket=forms") {
		t.Errorf("success_action_redirect: got %d Location %q, want 303 to the URL with bucket, key and etag", status, loc)
	}

	for _, tc := range []struct {
		name, accessKey, secret, policy string
		fields                          [][2]string
		file, code                      string
		status                          int
	}{
		{"expired policy", home, "test", postPolicyDoc("forms", home, -time.Minute, `["starts-with","$key",""]`), [][2]string{{"key", "k"}}, "x", "AccessDenied", 403},
		{"key outside the policy's prefix", home, "test", pol, append([][2]string{{"key", "elsewhere"}}, base[1:]...), "x", "AccessDenied", 403},
		{"a field the policy does not name", home, "test", pol, append(base, [2]string{"x-amz-meta-extra", "1"}), "x", "AccessDenied", 403},
		{"too large for content-length-range", home, "test", pol, base, strings.Repeat("x", 65), "EntityTooLarge", 400},
		{"empty for content-length-range", home, "test", pol, base, "", "EntityTooSmall", 400},
		{"wrong secret", home, "wrong", pol, base, "x", "SignatureDoesNotMatch", 403},
		{"unknown key", "AKIAUNKNOWN0000000000", "test", pol, base, "x", "InvalidAccessKeyId", 403},
		{"no key field", home, "test", pol, base[1:], "x", "InvalidArgument", 400},
		{"anonymous, private bucket", "", "", "", [][2]string{{"key", "anon"}}, "x", "AccessDenied", 403},
		{"SSE-KMS with a missing key", home, "test", postPolicyDoc("forms", home, time.Hour, `["starts-with","$key",""]`, `{"x-amz-server-side-encryption":"aws:kms"}`,
			`{"x-amz-server-side-encryption-aws-kms-key-id":"alias/missing"}`),
			[][2]string{{"key", "kms"}, {"x-amz-server-side-encryption", "aws:kms"}, {"x-amz-server-side-encryption-aws-kms-key-id", "alias/missing"}}, "x", "KMS.NotFoundException", 400},
	} {
		status, _, body := postForm(t, srv, "forms", tc.accessKey, tc.secret, tc.policy, tc.fields, tc.file)
		if status != tc.status || !strings.Contains(body, "<Code>"+tc.code+"</Code>") {
			t.Errorf("%s: got %d %s, want %d %s", tc.name, status, body, tc.status, tc.code)
		}
	}

	// The signer needs s3:PutObject: an IAM user without it is refused.
	iamc := iam.NewFromConfig(srv.Config(home))
	if _, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("reader")}); err != nil {
		t.Fatal(err)
	}
	key, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("reader")})
	if err != nil {
		t.Fatal(err)
	}
	id, secret := aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
	userPol := postPolicyDoc("forms", id, time.Hour, `["starts-with","$key",""]`)
	status, _, body = postForm(t, srv, "forms", id, secret, userPol, [][2]string{{"key", "by-reader"}}, "x")
	if status != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") || !strings.Contains(body, "s3:PutObject") {
		t.Errorf("POST signed by a user without s3:PutObject: got %d %s, want AccessDenied naming s3:PutObject", status, body)
	}
}
