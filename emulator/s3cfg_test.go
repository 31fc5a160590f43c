package emulator_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
	"github.com/xacct/xacct/internal/stackdeploy"
)

// Tests of issue 22's bucket configuration: tags, lifecycle, CORS, and the
// listing and ownership conformance bugs.

func newBucket(t *testing.T, c *s3.Client, name string) {
	t.Helper()
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
}

func errMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

func tagMap(tags []s3types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func objectTags(t *testing.T, c *s3.Client, bucket, key string) map[string]string {
	t.Helper()
	out, err := c.GetObjectTagging(context.Background(), &s3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObjectTagging %s/%s: %v", bucket, key, err)
	}
	return tagMap(out.TagSet)
}

func tagSet(kv ...string) *s3types.Tagging {
	tg := &s3types.Tagging{TagSet: []s3types.Tag{}}
	for i := 0; i+1 < len(kv); i += 2 {
		tg.TagSet = append(tg.TagSet, s3types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return tg
}

// TestS3ObjectTagging: x-amz-tagging on PutObject and
// CreateMultipartUpload, Put/Get/DeleteObjectTagging, x-amz-tagging-count
// on GET and HEAD, CopyObject's tagging directive, and AWS's limits
// (Amazon S3 User Guide, "Categorizing your storage using tags": 10 tags
// per object, keys up to 128 and values up to 256 characters, unique
// keys).
func TestS3ObjectTagging(t *testing.T) {
	srv := emulatortest.New(t, emulator.WithS3MinPartSize(1))
	ctx := context.Background()
	c := s3.NewFromConfig(srv.Config("111111111111"))
	newBucket(t, c, "tags")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tags"), Key: aws.String("a"), Body: strings.NewReader("x"),
		Tagging: aws.String("team=blue&cost%20center=a%26b")}); err != nil {
		t.Fatal(err)
	}
	if got := objectTags(t, c, "tags", "a"); len(got) != 2 || got["team"] != "blue" || got["cost center"] != "a&b" {
		t.Errorf("tags from x-amz-tagging: got %v", got)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("tags"), Key: aws.String("a")})
	if err != nil || aws.ToInt32(head.TagCount) != 2 {
		t.Errorf("HeadObject x-amz-tagging-count: got %v, %v; want 2", head, err)
	}
	get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tags"), Key: aws.String("a")})
	if err != nil || aws.ToInt32(get.TagCount) != 2 {
		t.Fatalf("GetObject x-amz-tagging-count: got %v; want 2", err)
	}
	get.Body.Close()
	if _, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("a"), Tagging: tagSet("env", "prod")}); err != nil {
		t.Fatal(err)
	}
	if got := objectTags(t, c, "tags", "a"); len(got) != 1 || got["env"] != "prod" {
		t.Errorf("after PutObjectTagging: got %v, want only env=prod", got)
	}
	// CopyObject keeps the tags by default and replaces them with REPLACE.
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("tags"), Key: aws.String("copied"), CopySource: aws.String("tags/a")}); err != nil {
		t.Fatal(err)
	}
	if got := objectTags(t, c, "tags", "copied"); got["env"] != "prod" || len(got) != 1 {
		t.Errorf("CopyObject (COPY): got %v, want env=prod", got)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("tags"), Key: aws.String("replaced"), CopySource: aws.String("tags/a"),
		TaggingDirective: s3types.TaggingDirectiveReplace, Tagging: aws.String("k=v")}); err != nil {
		t.Fatal(err)
	}
	if got := objectTags(t, c, "tags", "replaced"); got["k"] != "v" || len(got) != 1 {
		t.Errorf("CopyObject (REPLACE): got %v, want k=v", got)
	}
	// A multipart upload's object gets the tags given at its creation.
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("tags"), Key: aws.String("mp"), Tagging: aws.String("part=1")})
	if err != nil {
		t.Fatal(err)
	}
	up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("tags"), Key: aws.String("mp"), UploadId: mp.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("p")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("tags"), Key: aws.String("mp"), UploadId: mp.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{ETag: up.ETag, PartNumber: aws.Int32(1)}}}}); err != nil {
		t.Fatal(err)
	}
	if got := objectTags(t, c, "tags", "mp"); got["part"] != "1" {
		t.Errorf("multipart object's tags: got %v, want part=1", got)
	}
	if _, err := c.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("a")}); err != nil {
		t.Fatal(err)
	}
	if got := objectTags(t, c, "tags", "a"); len(got) != 0 {
		t.Errorf("after DeleteObjectTagging: got %v, want none", got)
	}
	head, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("tags"), Key: aws.String("a")})
	if err != nil || head.TagCount != nil {
		t.Errorf("HeadObject of an untagged object: got TagCount %v, %v; want none", head.TagCount, err)
	}

	eleven := []string{}
	for i := 0; i < 11; i++ {
		eleven = append(eleven, "k"+strconv.Itoa(i), "v")
	}
	for _, tc := range []struct {
		name, code, msg string
		tags            *s3types.Tagging
	}{
		{"eleven tags", "BadRequest", "Object tags cannot be greater than 10", tagSet(eleven...)},
		{"duplicate key", "InvalidTag", "Cannot provide multiple Tags with the same key", tagSet("k", "1", "k", "2")},
		{"key of 129", "InvalidTag", "The TagKey you have provided is invalid", tagSet(strings.Repeat("k", 129), "v")},
		{"empty key", "InvalidTag", "The TagKey you have provided is invalid", tagSet("", "v")},
		{"value of 257", "InvalidTag", "The TagValue you have provided is invalid", tagSet("k", strings.Repeat("v", 257))},
	} {
		_, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("copied"), Tagging: tc.tags})
		if apiCode(err) != tc.code || errMessage(err) != tc.msg {
			t.Errorf("%s: got %v, want %s %q", tc.name, err, tc.code, tc.msg)
		}
	}
	// Ten tags, a 128-character key and a 256-character value are fine.
	ten := []string{strings.Repeat("k", 128), strings.Repeat("v", 256)}
	for i := 0; i < 9; i++ {
		ten = append(ten, "k"+strconv.Itoa(i), "")
	}
	if _, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("copied"), Tagging: tagSet(ten...)}); err != nil {
		t.Errorf("ten tags at the limits: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tags"), Key: aws.String("dup"), Body: strings.NewReader("x"), Tagging: aws.String("a=1&a=2")}); apiCode(err) != "InvalidArgument" {
		t.Errorf("x-amz-tagging with a duplicate key: got %v, want InvalidArgument", err)
	}
	if _, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("tags"), Key: aws.String("missing")}); apiCode(err) != "NoSuchKey" {
		t.Errorf("GetObjectTagging of a missing key: got %v, want NoSuchKey", err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("tags"), Key: aws.String("bad"), CopySource: aws.String("tags/a"), TaggingDirective: "MOVE"}); apiCode(err) != "InvalidArgument" {
		t.Errorf("unknown tagging directive: got %v, want InvalidArgument", err)
	}
}

// TestS3BucketTagging: Put/Get/DeleteBucketTagging, NoSuchTagSet without
// tags, 50 tags at most, and "aws:" keys reserved (Amazon S3 User Guide,
// "Using cost allocation S3 bucket tags").
func TestS3BucketTagging(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3.NewFromConfig(srv.Config("111111111111"))
	newBucket(t, c, "btags")
	if _, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("btags")}); apiCode(err) != "NoSuchTagSet" {
		t.Errorf("GetBucketTagging without tags: got %v, want NoSuchTagSet", err)
	}
	if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("btags"), Tagging: tagSet("owner", "me", "cost", "42")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("btags")})
	if err != nil || tagMap(out.TagSet)["owner"] != "me" || len(out.TagSet) != 2 {
		t.Errorf("GetBucketTagging: got %v, %v", out, err)
	}
	fiftyOne := []string{}
	for i := 0; i < 51; i++ {
		fiftyOne = append(fiftyOne, "k"+strconv.Itoa(i), "v")
	}
	if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("btags"), Tagging: tagSet(fiftyOne...)}); apiCode(err) != "BadRequest" {
		t.Errorf("51 bucket tags: got %v, want BadRequest", err)
	}
	if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("btags"), Tagging: tagSet(fiftyOne[:100]...)}); err != nil {
		t.Errorf("50 bucket tags: %v", err)
	}
	if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("btags"), Tagging: tagSet("aws:cloudformation:stack-name", "x")}); apiCode(err) != "InvalidTag" {
		t.Errorf("aws: tag key: got %v, want InvalidTag", err)
	}
	if _, err := c.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String("btags")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("btags")}); apiCode(err) != "NoSuchTagSet" {
		t.Errorf("after DeleteBucketTagging: got %v, want NoSuchTagSet", err)
	}
}

// userClient creates an IAM user in acct with an inline policy and
// returns an S3 client signed with its access key.
func userClient(t *testing.T, srv *emulatortest.Server, acct, name, policy string) *s3.Client {
	t.Helper()
	ctx := context.Background()
	ic := iam.NewFromConfig(srv.Config(acct))
	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	k, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return s3.NewFromConfig(srv.ConfigWith(aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}))
}

// TestS3TagConditionKeys: s3:ExistingObjectTag/KEY decides reads and
// tagging of an object by its tags, s3:RequestObjectTag/KEY and
// s3:RequestObjectTagKeys the tags a write may set, and a write with
// x-amz-tagging needs s3:PutObjectTagging (Amazon S3 User Guide,
// "Tagging and access control policies").
func TestS3TagConditionKeys(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	root := s3.NewFromConfig(srv.Config("111111111111"))
	newBucket(t, root, "cond")
	for key, tags := range map[string]string{"public": "classification=public", "secret": "classification=secret"} {
		if _, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String(key), Body: strings.NewReader(key), Tagging: aws.String(tags)}); err != nil {
			t.Fatal(err)
		}
	}
	u := userClient(t, srv, "111111111111", "tagged-reader", `{"Version":"2012-10-17","Statement":[
{"Effect":"Allow","Action":["s3:GetObject","s3:GetObjectTagging"],"Resource":"arn:aws:s3:::cond/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/classification":"public"}}},
{"Effect":"Allow","Action":["s3:PutObject","s3:PutObjectTagging"],"Resource":"arn:aws:s3:::cond/*","Condition":{"StringEquals":{"s3:RequestObjectTag/team":"blue"},"ForAllValues:StringEquals":{"s3:RequestObjectTagKeys":["team"]}}}]}`)
	if got := getString(t, u, "cond", "public"); got != "public" {
		t.Errorf("read of a public-tagged object: got %q", got)
	}
	if _, err := u.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("cond"), Key: aws.String("secret")}); apiCode(err) != "AccessDenied" {
		t.Errorf("read of a secret-tagged object: got %v, want AccessDenied", err)
	}
	if _, err := u.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("cond"), Key: aws.String("secret")}); apiCode(err) != "AccessDenied" {
		t.Errorf("GetObjectTagging of a secret-tagged object: got %v, want AccessDenied", err)
	}
	put := func(key, tagging string) error {
		in := &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String(key), Body: strings.NewReader("x")}
		if tagging != "" {
			in.Tagging = aws.String(tagging)
		}
		_, err := u.PutObject(ctx, in)
		return err
	}
	if err := put("w1", "team=blue"); err != nil {
		t.Errorf("write tagged team=blue: %v", err)
	}
	if err := put("w2", "team=red"); apiCode(err) != "AccessDenied" {
		t.Errorf("write tagged team=red: got %v, want AccessDenied", err)
	}
	if err := put("w3", "team=blue&extra=1"); apiCode(err) != "AccessDenied" {
		t.Errorf("write with a tag key the policy does not list: got %v, want AccessDenied", err)
	}
	if _, err := u.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("cond"), Key: aws.String("w1"), Tagging: tagSet("team", "red")}); apiCode(err) != "AccessDenied" {
		t.Errorf("PutObjectTagging team=red: got %v, want AccessDenied", err)
	}
	// x-amz-tagging needs s3:PutObjectTagging besides s3:PutObject.
	w := userClient(t, srv, "111111111111", "writer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::cond/*"}]}`)
	if _, err := w.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("plain"), Body: strings.NewReader("x")}); err != nil {
		t.Errorf("untagged write with s3:PutObject: %v", err)
	}
	if _, err := w.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("t"), Body: strings.NewReader("x"), Tagging: aws.String("a=b")}); apiCode(err) != "AccessDenied" || !strings.Contains(errMessage(err), "s3:PutObjectTagging") {
		t.Errorf("tagged write without s3:PutObjectTagging: got %v, want AccessDenied naming s3:PutObjectTagging", err)
	}
}

// preflightReq sends an unsigned CORS preflight.
func preflightReq(t *testing.T, srv *emulatortest.Server, path, origin, method, headers string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodOptions, srv.URL+path, nil)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if method != "" {
		req.Header.Set("Access-Control-Request-Method", method)
	}
	if headers != "" {
		req.Header.Set("Access-Control-Request-Headers", headers)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp
}

func bodyOf(r *http.Response) string { b, _ := io.ReadAll(r.Body); return string(b) }

// TestS3CORS: Put/Get/DeleteBucketCors with S3's validation, preflight
// OPTIONS answered from the rules as S3 evaluates them, and CORS headers
// on a request carrying Origin (Amazon S3 User Guide, "How does Amazon S3
// evaluate the CORS configuration on a bucket?").
func TestS3CORS(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3.NewFromConfig(srv.Config("111111111111"))
	newBucket(t, c, "cors")
	if _, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("cors")}); apiCode(err) != "NoSuchCORSConfiguration" {
		t.Errorf("GetBucketCors without one: got %v, want NoSuchCORSConfiguration", err)
	}
	if r := preflightReq(t, srv, "/cors/k", "https://app.example.com", "GET", ""); r.StatusCode != 403 || !strings.Contains(bodyOf(r), "CORS is not enabled for this bucket") {
		t.Errorf("preflight without a configuration: got %d", r.StatusCode)
	}
	for _, tc := range []struct {
		name, code string
		rule       s3types.CORSRule
	}{
		{"PATCH", "InvalidRequest", s3types.CORSRule{AllowedMethods: []string{"PATCH"}, AllowedOrigins: []string{"*"}}},
		{"two wildcards", "InvalidRequest", s3types.CORSRule{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"https://*.*.example.com"}}},
	} {
		_, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String("cors"), CORSConfiguration: &s3types.CORSConfiguration{CORSRules: []s3types.CORSRule{tc.rule}}})
		if apiCode(err) != tc.code {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.code)
		}
	}
	_, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String("cors"), CORSConfiguration: &s3types.CORSConfiguration{CORSRules: []s3types.CORSRule{
		{ID: aws.String("app"), AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"GET", "PUT"}, AllowedHeaders: []string{"x-amz-*", "content-type"},
			ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: aws.Int32(600)},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"HEAD"}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("cors")})
	if err != nil || len(got.CORSRules) != 2 || aws.ToString(got.CORSRules[0].ID) != "app" || aws.ToInt32(got.CORSRules[0].MaxAgeSeconds) != 600 {
		t.Fatalf("GetBucketCors: got %+v, %v", got, err)
	}
	r := preflightReq(t, srv, "/cors/k", "https://app.example.com", "PUT", "X-Amz-Meta-A, Content-Type")
	if r.StatusCode != 200 {
		t.Fatalf("matching preflight: got %d %s", r.StatusCode, bodyOf(r))
	}
	for h, want := range map[string]string{
		"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Allow-Methods": "GET, PUT",
		"Access-Control-Allow-Headers": "x-amz-meta-a, content-type", "Access-Control-Expose-Headers": "ETag",
		"Access-Control-Max-Age": "600", "Access-Control-Allow-Credentials": "true",
	} {
		if g := r.Header.Get(h); g != want {
			t.Errorf("preflight %s: got %q, want %q", h, g, want)
		}
	}
	if r := preflightReq(t, srv, "/cors/k", "https://evil.test", "HEAD", ""); r.StatusCode != 200 || r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("preflight matching the any-origin rule: got %d %q", r.StatusCode, r.Header.Get("Access-Control-Allow-Origin"))
	}
	for _, tc := range []struct{ name, origin, method, headers string }{
		{"origin", "https://evil.test", "GET", ""},
		{"method", "https://app.example.com", "DELETE", ""},
		{"header", "https://app.example.com", "GET", "authorization-x"},
	} {
		r := preflightReq(t, srv, "/cors/k", tc.origin, tc.method, tc.headers)
		b := bodyOf(r)
		if r.StatusCode != 403 || !strings.Contains(b, "<Code>AccessForbidden</Code>") || !strings.Contains(b, "CORSResponse: This CORS request is not allowed") {
			t.Errorf("preflight with a %s no rule allows: got %d %s", tc.name, r.StatusCode, b)
		}
	}
	if r := preflightReq(t, srv, "/cors/k", "", "GET", ""); r.StatusCode != 400 || !strings.Contains(bodyOf(r), "Origin request header needed") {
		t.Errorf("preflight without Origin: got %d", r.StatusCode)
	}
	// An actual request with Origin gets the matching rule's headers.
	putString(t, c, "cors", "k", "v")
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/cors/k", nil)
	req.Header.Set("Origin", "https://app.example.com")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || resp.Header.Get("Access-Control-Expose-Headers") != "ETag" {
		t.Errorf("GET with Origin: got %d, headers %v", resp.StatusCode, resp.Header)
	}
	if _, err := c.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: aws.String("cors")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("cors")}); apiCode(err) != "NoSuchCORSConfiguration" {
		t.Errorf("after DeleteBucketCors: got %v", err)
	}
}

// nextMidnight is t plus days, rounded up to midnight UTC.
func nextMidnight(t time.Time, days int) time.Time {
	t = t.UTC().Add(time.Duration(days) * 24 * time.Hour)
	if m := t.Truncate(24 * time.Hour); m.Equal(t) {
		return m
	}
	return t.Truncate(24 * time.Hour).Add(24 * time.Hour)
}

func lcRule(id string, f *s3types.LifecycleRuleFilter, e *s3types.LifecycleExpiration) s3types.LifecycleRule {
	return s3types.LifecycleRule{ID: aws.String(id), Status: s3types.ExpirationStatusEnabled, Filter: f, Expiration: e}
}

// TestS3Lifecycle: the configuration is validated as S3 validates it,
// read back as written, and applied on the emulator's clock: current
// objects expire at the midnight UTC after their Days, tag and size
// filters select, and incomplete uploads are aborted (Amazon S3 User
// Guide, "Lifecycle configuration elements").
func TestS3Lifecycle(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3.NewFromConfig(srv.Config("111111111111"))
	newBucket(t, c, "lcb")
	put := func(rules ...s3types.LifecycleRule) error {
		_, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("lcb"),
			LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: rules}})
		return err
	}
	if _, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("lcb")}); apiCode(err) != "NoSuchLifecycleConfiguration" {
		t.Errorf("without a configuration: got %v, want NoSuchLifecycleConfiguration", err)
	}
	all := &s3types.LifecycleRuleFilter{Prefix: aws.String("")}
	notMidnight := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, code string
		rules      []s3types.LifecycleRule
	}{
		{"days 0", "InvalidArgument", []s3types.LifecycleRule{lcRule("a", all, &s3types.LifecycleExpiration{Days: aws.Int32(0)})}},
		{"date not at midnight", "InvalidArgument", []s3types.LifecycleRule{lcRule("a", all, &s3types.LifecycleExpiration{Date: &notMidnight})}},
		{"same id twice", "InvalidArgument", []s3types.LifecycleRule{lcRule("a", all, &s3types.LifecycleExpiration{Days: aws.Int32(1)}), lcRule("a", all, &s3types.LifecycleExpiration{Days: aws.Int32(2)})}},
		{"id of 256", "InvalidArgument", []s3types.LifecycleRule{lcRule(strings.Repeat("i", 256), all, &s3types.LifecycleExpiration{Days: aws.Int32(1)})}},
		{"no action", "InvalidRequest", []s3types.LifecycleRule{lcRule("a", all, nil)}},
		{"bad status", "MalformedXML", []s3types.LifecycleRule{{ID: aws.String("a"), Status: "On", Filter: all, Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}}}},
		{"abort with a tag filter", "InvalidRequest", []s3types.LifecycleRule{{ID: aws.String("a"), Status: "Enabled",
			Filter:                         &s3types.LifecycleRuleFilter{Tag: &s3types.Tag{Key: aws.String("k"), Value: aws.String("v")}},
			AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)}}}},
		{"transition to STANDARD_IA before 30 days", "InvalidArgument", []s3types.LifecycleRule{{ID: aws.String("a"), Status: "Enabled", Filter: all,
			Transitions: []s3types.Transition{{Days: aws.Int32(10), StorageClass: s3types.TransitionStorageClassStandardIa}}}}},
	} {
		if err := put(tc.rules...); apiCode(err) != tc.code {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.code)
		}
	}
	err := put(
		lcRule("logs", &s3types.LifecycleRuleFilter{Prefix: aws.String("logs/")}, &s3types.LifecycleExpiration{Days: aws.Int32(1)}),
		lcRule("tmp", &s3types.LifecycleRuleFilter{And: &s3types.LifecycleRuleAndOperator{Prefix: aws.String("data/"),
			Tags: []s3types.Tag{{Key: aws.String("tmp"), Value: aws.String("yes")}}, ObjectSizeGreaterThan: aws.Int64(1)}}, &s3types.LifecycleExpiration{Days: aws.Int32(3)}),
		s3types.LifecycleRule{ID: aws.String("uploads"), Status: "Enabled", Filter: all,
			AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(2)}},
		s3types.LifecycleRule{ID: aws.String("off"), Status: "Disabled", Filter: all, Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}},
	)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("lcb")})
	if err != nil || len(got.Rules) != 4 || aws.ToString(got.Rules[1].Filter.And.Prefix) != "data/" || aws.ToInt32(got.Rules[0].Expiration.Days) != 1 ||
		aws.ToInt32(got.Rules[2].AbortIncompleteMultipartUpload.DaysAfterInitiation) != 2 || got.Rules[3].Status != "Disabled" {
		t.Fatalf("GetBucketLifecycleConfiguration: got %+v, %v", got, err)
	}
	// A one-day rule expires an object at the midnight UTC after a day.
	out := putString(t, c, "lcb", "logs/a", "x")
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("lcb"), Key: aws.String("logs/a")})
	if err != nil {
		t.Fatal(err)
	}
	written := aws.ToTime(h.LastModified)
	expiry := nextMidnight(written, 1)
	if want := `expiry-date="` + expiry.Format(http.TimeFormat) + `", rule-id="logs"`; aws.ToString(out.Expiration) != want || aws.ToString(h.Expiration) != want {
		t.Errorf("PutObject x-amz-expiration: got %q, want %q", aws.ToString(out.Expiration), want)
	}
	putString(t, c, "lcb", "keep/a", "x")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("lcb"), Key: aws.String("data/tmp"), Body: strings.NewReader("xx"), Tagging: aws.String("tmp=yes")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("lcb"), Key: aws.String("data/small"), Body: strings.NewReader("x"), Tagging: aws.String("tmp=yes")}); err != nil {
		t.Fatal(err)
	}
	putString(t, c, "lcb", "data/untagged", "xx")
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("lcb"), Key: aws.String("big")})
	if err != nil {
		t.Fatal(err)
	}
	exists := func(key string) bool {
		_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("lcb"), Key: aws.String(key)})
		return err == nil
	}
	s3svc := srv.Emulator.S3()
	if n, _ := s3svc.Tick(ctx, expiry.Add(-time.Second)); n != 0 || !exists("logs/a") {
		t.Errorf("before the expiry: %d expired, logs/a exists %v", n, exists("logs/a"))
	}
	if n, _ := s3svc.Tick(ctx, expiry); n != 1 || exists("logs/a") || !exists("keep/a") {
		t.Errorf("at the expiry: %d expired, logs/a exists %v; want 1 and gone", n, exists("logs/a"))
	}
	if n, aborted := s3svc.Tick(ctx, nextMidnight(written, 2).Add(-time.Second)); n != 0 || aborted != 0 {
		t.Errorf("a day before the uploads' rule: %d expired, %d aborted; want none", n, aborted)
	}
	n, aborted := s3svc.Tick(ctx, nextMidnight(written, 4))
	if n != 1 || exists("data/tmp") || !exists("data/small") || !exists("data/untagged") {
		t.Errorf("tag and size filter: %d expired; data/tmp %v, data/small %v, data/untagged %v", n, exists("data/tmp"), exists("data/small"), exists("data/untagged"))
	}
	if aborted != 1 {
		t.Errorf("uploads aborted: got %d, want 1", aborted)
	}
	if _, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("lcb"), Key: aws.String("big"), UploadId: mp.UploadId}); apiCode(err) != "NoSuchUpload" {
		t.Errorf("ListParts of the aborted upload: got %v, want NoSuchUpload", err)
	}
	if _, err := c.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: aws.String("lcb")}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s3svc.Tick(ctx, written.AddDate(1, 0, 0)); n != 0 || !exists("keep/a") {
		t.Errorf("after DeleteBucketLifecycle: %d expired", n)
	}
}

// TestS3BucketConfigPersists: tags, CORS and lifecycle survive a restart
// on the same data directory.
func TestS3BucketConfigPersists(t *testing.T) {
	dir := t.TempDir()
	srv := emulatortest.New(t, emulator.WithDataDir(dir))
	ctx := context.Background()
	c := s3.NewFromConfig(srv.Config("111111111111"))
	newBucket(t, c, "keep")
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("keep"), Key: aws.String("o"), Body: strings.NewReader("x"), Tagging: aws.String("a=1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("keep"), Tagging: tagSet("b", "2")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String("keep"), CORSConfiguration: &s3types.CORSConfiguration{CORSRules: []s3types.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("keep"), LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{
		Rules: []s3types.LifecycleRule{lcRule("r", &s3types.LifecycleRuleFilter{Prefix: aws.String("x/")}, &s3types.LifecycleExpiration{Days: aws.Int32(5)})}}}); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	srv = emulatortest.New(t, emulator.WithDataDir(dir))
	c = s3.NewFromConfig(srv.Config("111111111111"))
	if got := objectTags(t, c, "keep", "o"); got["a"] != "1" {
		t.Errorf("object tags after restart: %v", got)
	}
	if bt, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("keep")}); err != nil || tagMap(bt.TagSet)["b"] != "2" {
		t.Errorf("bucket tags after restart: %v", err)
	}
	if cr, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("keep")}); err != nil || len(cr.CORSRules) != 1 {
		t.Errorf("CORS after restart: %v", err)
	}
	if lc, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("keep")}); err != nil || aws.ToString(lc.Rules[0].ID) != "r" {
		t.Errorf("lifecycle after restart: %v", err)
	}
}

// TestS3ListingConformance: MaxKeys=0 is not truncated and has no token,
// ListObjectsV2 echoes ContinuationToken, encoding-type=url writes a space
// as %20, and ListBuckets pages with MaxBuckets and ContinuationToken
// (Amazon S3 API Reference, ListObjectsV2 and ListBuckets).
func TestS3ListingConformance(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3.NewFromConfig(srv.Config("111111111111"))
	for _, b := range []string{"list-a", "list-b", "list-c"} {
		newBucket(t, c, b)
	}
	for _, k := range []string{"a b", "c", "d"} {
		putString(t, c, "list-a", k, "x")
	}
	zero, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("list-a"), MaxKeys: aws.Int32(0)})
	if err != nil || aws.ToBool(zero.IsTruncated) || zero.NextContinuationToken != nil || aws.ToInt32(zero.KeyCount) != 0 {
		t.Errorf("MaxKeys=0: got truncated %v token %v count %v, %v; want not truncated, no token", aws.ToBool(zero.IsTruncated), zero.NextContinuationToken, aws.ToInt32(zero.KeyCount), err)
	}
	p1, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("list-a"), MaxKeys: aws.Int32(1)})
	if err != nil || p1.NextContinuationToken == nil {
		t.Fatalf("first page: %v", err)
	}
	p2, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("list-a"), MaxKeys: aws.Int32(1), ContinuationToken: p1.NextContinuationToken})
	if err != nil || aws.ToString(p2.ContinuationToken) != aws.ToString(p1.NextContinuationToken) || aws.ToString(p2.Contents[0].Key) != "c" {
		t.Errorf("second page: ContinuationToken %q, want %q (%v)", aws.ToString(p2.ContinuationToken), aws.ToString(p1.NextContinuationToken), err)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/list-a?list-type=2&encoding-type=url", nil)
	signReq(t, srv, req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b := bodyOf(resp)
	resp.Body.Close()
	if !strings.Contains(b, "<Key>a%20b</Key>") {
		t.Errorf("encoding-type=url: got %s, want <Key>a%%20b</Key>", b)
	}
	var names []string
	var token *string
	for i := 0; i < 5; i++ {
		out, err := c.ListBuckets(ctx, &s3.ListBucketsInput{MaxBuckets: aws.Int32(2), ContinuationToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Buckets) > 2 {
			t.Errorf("MaxBuckets=2: got %d buckets", len(out.Buckets))
		}
		for _, b := range out.Buckets {
			names = append(names, aws.ToString(b.Name))
		}
		if token = out.ContinuationToken; token == nil {
			break
		}
	}
	if strings.Join(names, ",") != "list-a,list-b,list-c" {
		t.Errorf("ListBuckets pages: got %v", names)
	}
	if _, err := c.ListBuckets(ctx, &s3.ListBucketsInput{MaxBuckets: aws.Int32(0)}); apiCode(err) != "InvalidArgument" {
		t.Errorf("MaxBuckets=0: got %v, want InvalidArgument", err)
	}
}

// signReq signs a raw request as the root user of 111111111111.
func signReq(t *testing.T, srv *emulatortest.Server, req *http.Request) {
	t.Helper()
	s := v4.NewSigner()
	const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	req.Header.Set("X-Amz-Content-Sha256", empty)
	if err := s.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "111111111111", SecretAccessKey: "test"}, req, empty, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
}

// TestS3UnmodelledSubresources: a GET of a bucket subresource the
// emulator does not model is NotImplemented, never a listing.
func TestS3UnmodelledSubresources(t *testing.T) {
	srv := emulatortest.New(t)
	c := s3.NewFromConfig(srv.Config("111111111111"))
	newBucket(t, c, "subres")
	putString(t, c, "subres", "k", "x")
	for _, sub := range []string{"policyStatus", "accelerate", "requestPayment", "website", "intelligent-tiering", "metrics", "analytics", "inventory", "replication", "logging", "notification", "object-lock", "encryption", "bogus"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/subres?"+sub, nil)
		signReq(t, srv, req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b := bodyOf(resp)
		resp.Body.Close()
		if strings.Contains(b, "ListBucketResult") || (resp.StatusCode != 501 && resp.StatusCode != 200 && resp.StatusCode != 404) {
			t.Errorf("GET ?%s: got %d %s, want no listing", sub, resp.StatusCode, b)
		}
	}
}

// TestS3OwnershipConformance: with ACLs disabled, ACLs other than the
// owner's are refused (CreateBucket: InvalidBucketAclWithObjectOwnership;
// PutBucketAcl with grant headers: AccessControlListNotSupported), and
// GetBucketOwnershipControls after DeleteBucketOwnershipControls is 404
// OwnershipControlsNotFoundError (Amazon S3 User Guide, "Controlling
// ownership of objects and disabling ACLs for your bucket").
func TestS3OwnershipConformance(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3.NewFromConfig(srv.Config("111111111111"))
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("own-a"), ACL: s3types.BucketCannedACLPublicRead}); apiCode(err) != "InvalidBucketAclWithObjectOwnership" {
		t.Errorf("CreateBucket public-read under BucketOwnerEnforced: got %v, want InvalidBucketAclWithObjectOwnership", err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("own-b"), GrantRead: aws.String("id=" + strings.Repeat("a", 64))}); apiCode(err) != "InvalidBucketAclWithObjectOwnership" {
		t.Errorf("CreateBucket with a grant header under BucketOwnerEnforced: got %v, want InvalidBucketAclWithObjectOwnership", err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("own-c"), ACL: s3types.BucketCannedACLPrivate}); err != nil {
		t.Errorf("CreateBucket private: %v", err)
	}
	if _, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("own-c"), GrantRead: aws.String("id=" + strings.Repeat("a", 64))}); apiCode(err) != "AccessControlListNotSupported" {
		t.Errorf("PutBucketAcl with a grant header under BucketOwnerEnforced: got %v, want AccessControlListNotSupported", err)
	}
	putString(t, c, "own-c", "k", "x")
	if _, err := c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("own-c"), Key: aws.String("k"), GrantRead: aws.String("id=" + strings.Repeat("a", 64))}); apiCode(err) != "AccessControlListNotSupported" {
		t.Errorf("PutObjectAcl with a grant header under BucketOwnerEnforced: got %v, want AccessControlListNotSupported", err)
	}
	if _, err := c.DeleteBucketOwnershipControls(ctx, &s3.DeleteBucketOwnershipControlsInput{Bucket: aws.String("own-c")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: aws.String("own-c")}); apiCode(err) != "OwnershipControlsNotFoundError" || statusOf(err) != 404 {
		t.Errorf("GetBucketOwnershipControls after delete: got %v, want 404 OwnershipControlsNotFoundError", err)
	}
}

// TestS3BucketConfigTemplate: a user's template whose AWS::S3::Bucket has
// VersioningConfiguration, Tags, a LifecycleConfiguration, a CorsConfiguration, a
// PublicAccessBlockConfiguration and OwnershipControls deploys, the bucket
// reads each back, and an update that changes the tags and drops the CORS
// configuration applies both (CloudFormation User Guide, AWS::S3::Bucket).
func TestS3BucketConfigTemplate(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	cf := cloudformation.NewFromConfig(srv.Config("111111111111"))
	c := s3.NewFromConfig(srv.Config("111111111111"))
	tmpl := func(team string, cors bool) string {
		body := `
Resources:
  Data:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: cfn-configured
      VersioningConfiguration:
        Status: Enabled
      Tags:
        - Key: team
          Value: ` + team + `
        - Key: cost-center
          Value: "42"
      OwnershipControls:
        Rules:
          - ObjectOwnership: BucketOwnerPreferred
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: true
        IgnorePublicAcls: true
        RestrictPublicBuckets: false
      LifecycleConfiguration:
        Rules:
          - Id: expire-tmp
            Status: Enabled
            Prefix: tmp/
            TagFilters:
              - Key: scratch
                Value: "yes"
            ExpirationInDays: 7
          - Id: uploads
            Status: Enabled
            AbortIncompleteMultipartUpload:
              DaysAfterInitiation: 3
            NoncurrentVersionExpiration:
              NoncurrentDays: 30
              NewerNoncurrentVersions: 2
          - Id: archive
            Status: Enabled
            Prefix: logs/
            Transitions:
              - StorageClass: GLACIER
                TransitionInDays: 90
            ExpirationInDays: 365
`
		if cors {
			body += `      CorsConfiguration:
        CorsRules:
          - Id: web
            AllowedOrigins: ["https://app.example.com"]
            AllowedMethods: [GET, PUT]
            AllowedHeaders: ["*"]
            ExposedHeaders: [ETag]
            MaxAge: 300
`
		}
		return body
	}
	if _, err := cf.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("configured"), TemplateBody: aws.String(tmpl("blue", true))}); err != nil {
		t.Fatal(err)
	}
	if _, err := stackdeploy.Wait(ctx, srv.Config("111111111111"), "configured", nil, nil); err != nil {
		t.Fatalf("stack: %v", err)
	}
	b := aws.String("cfn-configured")
	tags, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
	if err != nil || tagMap(tags.TagSet)["team"] != "blue" || tagMap(tags.TagSet)["cost-center"] != "42" {
		t.Errorf("bucket tags: %v, %v", tags, err)
	}
	lc, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
	if err != nil || len(lc.Rules) != 3 {
		t.Fatalf("lifecycle: %v, %v", lc, err)
	}
	if r := lc.Rules[0]; r.Filter.And == nil || aws.ToString(r.Filter.And.Prefix) != "tmp/" || len(r.Filter.And.Tags) != 1 || aws.ToInt32(r.Expiration.Days) != 7 {
		t.Errorf("rule expire-tmp: %+v", r)
	}
	if r := lc.Rules[1]; aws.ToInt32(r.AbortIncompleteMultipartUpload.DaysAfterInitiation) != 3 || aws.ToInt32(r.NoncurrentVersionExpiration.NoncurrentDays) != 30 ||
		aws.ToInt32(r.NoncurrentVersionExpiration.NewerNoncurrentVersions) != 2 {
		t.Errorf("rule uploads: %+v", r)
	}
	if r := lc.Rules[2]; len(r.Transitions) != 1 || r.Transitions[0].StorageClass != s3types.TransitionStorageClassGlacier || aws.ToInt32(r.Expiration.Days) != 365 {
		t.Errorf("rule archive: %+v", r)
	}
	if v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b}); err != nil || v.Status != s3types.BucketVersioningStatusEnabled {
		t.Errorf("versioning: %v, %v", v, err)
	}
	cors, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b})
	if err != nil || len(cors.CORSRules) != 1 || aws.ToInt32(cors.CORSRules[0].MaxAgeSeconds) != 300 || cors.CORSRules[0].ExposeHeaders[0] != "ETag" {
		t.Errorf("CORS: %v, %v", cors, err)
	}
	oc, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: b})
	if err != nil || oc.OwnershipControls.Rules[0].ObjectOwnership != s3types.ObjectOwnershipBucketOwnerPreferred {
		t.Errorf("ownership controls: %v", err)
	}
	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
	if err != nil || aws.ToBool(pab.PublicAccessBlockConfiguration.RestrictPublicBuckets) || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAcls) {
		t.Errorf("public access block: %v", err)
	}
	if _, err := cf.UpdateStack(ctx, &cloudformation.UpdateStackInput{StackName: aws.String("configured"), TemplateBody: aws.String(tmpl("red", false))}); err != nil {
		t.Fatal(err)
	}
	if _, err := stackdeploy.Wait(ctx, srv.Config("111111111111"), "configured", nil, nil); err != nil {
		t.Fatalf("update: %v", err)
	}
	if tags, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b}); err != nil || tagMap(tags.TagSet)["team"] != "red" {
		t.Errorf("tags after the update: %v", err)
	}
	if _, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b}); apiCode(err) != "NoSuchCORSConfiguration" {
		t.Errorf("CORS after the update dropped it: got %v, want NoSuchCORSConfiguration", err)
	}
	// A lifecycle rule S3 refuses fails the resource with S3's error.
	bad := strings.Replace(tmpl("blue", false), "ExpirationInDays: 7", "ExpirationInDays: 0", 1)
	bad = strings.Replace(bad, "cfn-configured", "cfn-refused", 1)
	if _, err := cf.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("refused"), TemplateBody: aws.String(bad)}); err != nil {
		t.Fatal(err)
	}
	_, err = stackdeploy.Wait(ctx, srv.Config("111111111111"), "refused", nil, nil)
	var f *stackdeploy.Failure
	if !errors.As(err, &f) || !strings.Contains(err.Error(), "'Days' for Expiration action must be a positive integer") {
		t.Errorf("a rule with ExpirationInDays 0: got %v, want the bucket to fail with S3's InvalidArgument", err)
	}
}

// TestS3LifecycleVersioned: in a versioned bucket an expired current
// object gets a delete marker, NoncurrentVersionExpiration removes
// noncurrent versions NoncurrentDays after they became noncurrent beyond
// the NewerNoncurrentVersions newest, and ExpiredObjectDeleteMarker removes
// a delete marker left alone (Amazon S3 User Guide, "Lifecycle
// configuration elements").
func TestS3LifecycleVersioned(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3.NewFromConfig(srv.Config("111111111111"))
	newBucket(t, c, "lcv")
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("lcv"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("lcv"), LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{
		{ID: aws.String("keep-one"), Status: "Enabled", Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("v/")},
			NoncurrentVersionExpiration: &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1), NewerNoncurrentVersions: aws.Int32(1)}},
		{ID: aws.String("expire"), Status: "Enabled", Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("m/")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}, NoncurrentVersionExpiration: &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1)}},
		{ID: aws.String("markers"), Status: "Enabled", Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("m/")},
			Expiration: &s3types.LifecycleExpiration{ExpiredObjectDeleteMarker: aws.Bool(true)}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"1", "2", "3"} {
		putString(t, c, "lcv", "v/k", body)
	}
	putString(t, c, "lcv", "m/k", "m")
	versions := func(key string) (data, markers int) {
		out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("lcv"), Prefix: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Versions), len(out.DeleteMarkers)
	}
	start := time.Now().UTC()
	s3svc := srv.Emulator.S3()
	s3svc.Tick(ctx, start.Add(3*24*time.Hour))
	if d, m := versions("v/k"); d != 2 || m != 0 {
		t.Errorf("v/k after NoncurrentDays with one newer noncurrent kept: %d versions, %d markers; want 2, 0", d, m)
	}
	if got := getString(t, c, "lcv", "v/k"); got != "3" {
		t.Errorf("v/k current: got %q", got)
	}
	if d, m := versions("m/k"); d != 1 || m != 1 {
		t.Errorf("m/k after its expiry: %d versions, %d markers; want the version kept behind a delete marker", d, m)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("lcv"), Key: aws.String("m/k")}); apiCode(err) != "NoSuchKey" {
		t.Errorf("GET m/k after expiry: got %v, want NoSuchKey", err)
	}
	s3svc.Tick(ctx, start.Add(6*24*time.Hour))
	if d, m := versions("m/k"); d != 0 || m != 1 {
		t.Errorf("m/k after NoncurrentDays: %d versions, %d markers; want only the marker", d, m)
	}
	s3svc.Tick(ctx, start.Add(7*24*time.Hour))
	if d, m := versions("m/k"); d != 0 || m != 0 {
		t.Errorf("m/k after ExpiredObjectDeleteMarker: %d versions, %d markers; want none", d, m)
	}
}

// TestS3ACLGrantsEnforced: with ACLs enabled (ObjectWriter), grants are
// kept, read back and enforced: a READ grant on an object to another
// account lets that account read it, a bucket READ grant lets it list, a
// grant to a canonical id no account has is InvalidArgument, and without
// grants the other account is refused (Amazon S3 User Guide, "Access
// control list (ACL) overview").
func TestS3ACLGrantsEnforced(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	owner := s3.NewFromConfig(srv.Config("111111111111"))
	other := s3.NewFromConfig(srv.Config("222222222222"))
	if _, err := owner.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acl-on"), ObjectOwnership: s3types.ObjectOwnershipObjectWriter}); err != nil {
		t.Fatal(err)
	}
	newBucket(t, other, "other-home") // makes 222222222222 a known account
	putString(t, owner, "acl-on", "shared", "s")
	putString(t, owner, "acl-on", "private", "p")
	otherID := func() string {
		out, err := other.ListBuckets(ctx, &s3.ListBucketsInput{})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Owner.ID)
	}()
	if _, err := other.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("acl-on"), Key: aws.String("shared")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("read without a grant: got %v, want AccessDenied", err)
	}
	if _, err := owner.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("acl-on"), Key: aws.String("shared"), GrantRead: aws.String(`id="` + otherID + `"`)}); err != nil {
		t.Fatal(err)
	}
	if got := getString(t, other, "acl-on", "shared"); got != "s" {
		t.Errorf("read with a READ grant: got %q", got)
	}
	if _, err := other.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("acl-on"), Key: aws.String("private")}); apiCode(err) != "AccessDenied" {
		t.Errorf("read of an object the grant does not cover: got %v, want AccessDenied", err)
	}
	acl, err := owner.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("acl-on"), Key: aws.String("shared")})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, g := range acl.Grants {
		if g.Grantee != nil && aws.ToString(g.Grantee.ID) == otherID && g.Permission == s3types.PermissionRead {
			found = true
		}
	}
	if !found {
		t.Errorf("GetObjectAcl does not show the READ grant: %+v", acl.Grants)
	}
	if _, err := other.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("acl-on")}); apiCode(err) != "AccessDenied" {
		t.Errorf("list without a bucket grant: got %v, want AccessDenied", err)
	}
	if _, err := owner.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("acl-on"), GrantRead: aws.String(`id="` + otherID + `"`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("acl-on")}); err != nil {
		t.Errorf("list with a bucket READ grant: %v", err)
	}
	unknown := strings.Repeat("ab", 32)
	if _, err := owner.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("acl-on"), GrantRead: aws.String(`id="` + unknown + `"`)}); apiCode(err) != "InvalidArgument" {
		t.Errorf("grant to an unknown canonical user: got %v, want InvalidArgument", err)
	}
	if _, err := owner.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("acl-on"), Key: aws.String("shared"), ACL: s3types.ObjectCannedACLPrivate}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("acl-on"), Key: aws.String("shared")}); apiCode(err) != "AccessDenied" {
		t.Errorf("read after the ACL went back to private: got %v, want AccessDenied", err)
	}
}
