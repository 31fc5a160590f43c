package emulator_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
)

// Tests of issue 22's conditional requests and multipart conformance
// bugs.

// TestS3ConditionalWrites: If-None-Match: * and If-Match on PutObject and
// CompleteMultipartUpload (Amazon S3 User Guide, "How to prevent object
// overwrites with conditional writes"): 412 PreconditionFailed when the
// condition fails, 404 NoSuchKey for If-Match on a missing key.
func TestS3ConditionalWrites(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	mustBucket(t, c, "cond")
	put := func(key string, in s3.PutObjectInput) (*s3.PutObjectOutput, error) {
		in.Bucket, in.Key, in.Body = aws.String("cond"), aws.String(key), strings.NewReader("v-"+key)
		return c.PutObject(ctx, &in)
	}
	first, err := put("k", s3.PutObjectInput{IfNoneMatch: aws.String("*")})
	if err != nil {
		t.Fatalf("PutObject If-None-Match * of a new key: %v", err)
	}
	if _, err := put("k", s3.PutObjectInput{IfNoneMatch: aws.String("*")}); apiCode(err) != "PreconditionFailed" || httpStatus(err) != 412 {
		t.Errorf("PutObject If-None-Match * of an existing key: got %v, want 412 PreconditionFailed", err)
	}
	if _, err := put("k", s3.PutObjectInput{IfMatch: aws.String(`"0123456789abcdef0123456789abcdef"`)}); apiCode(err) != "PreconditionFailed" {
		t.Errorf("PutObject If-Match another ETag: got %v, want PreconditionFailed", err)
	}
	if _, err := put("missing", s3.PutObjectInput{IfMatch: first.ETag}); apiCode(err) != "NoSuchKey" {
		t.Errorf("PutObject If-Match of a missing key: got %v, want NoSuchKey", err)
	}
	if _, err := put("k", s3.PutObjectInput{IfMatch: first.ETag}); err != nil {
		t.Errorf("PutObject If-Match the current ETag: %v", err)
	}

	// CompleteMultipartUpload.
	upload := func(key string) (*string, *string) {
		mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("cond"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("cond"), Key: aws.String(key), UploadId: mp.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("mp")})
		if err != nil {
			t.Fatal(err)
		}
		return mp.UploadId, p.ETag
	}
	complete := func(key string, id, etag *string, in s3.CompleteMultipartUploadInput) (*s3.CompleteMultipartUploadOutput, error) {
		in.Bucket, in.Key, in.UploadId = aws.String("cond"), aws.String(key), id
		in.MultipartUpload = &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: etag}}}
		return c.CompleteMultipartUpload(ctx, &in)
	}
	id, etag := upload("k")
	if _, err := complete("k", id, etag, s3.CompleteMultipartUploadInput{IfNoneMatch: aws.String("*")}); apiCode(err) != "PreconditionFailed" {
		t.Errorf("CompleteMultipartUpload If-None-Match * of an existing key: got %v, want PreconditionFailed", err)
	}
	cur, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("cond"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	done, err := complete("k", id, etag, s3.CompleteMultipartUploadInput{IfMatch: cur.ETag})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload If-Match the current ETag (after a failed attempt): %v", err)
	}
	id2, etag2 := upload("fresh")
	if _, err := complete("fresh", id2, etag2, s3.CompleteMultipartUploadInput{IfNoneMatch: aws.String("*")}); err != nil {
		t.Errorf("CompleteMultipartUpload If-None-Match * of a new key: %v", err)
	}

	// A completed upload completed again answers as the first time
	// (Amazon S3 API Reference, CompleteMultipartUpload).
	again, err := complete("k", id, etag, s3.CompleteMultipartUploadInput{})
	if err != nil || aws.ToString(again.ETag) != aws.ToString(done.ETag) {
		t.Errorf("CompleteMultipartUpload a second time: got %v, ETag %v; want 200 with %s", err, again, aws.ToString(done.ETag))
	}
	if _, err := complete("fresh", id, etag, s3.CompleteMultipartUploadInput{}); apiCode(err) != "NoSuchUpload" {
		t.Errorf("CompleteMultipartUpload of another key's completed upload: got %v, want NoSuchUpload", err)
	}
}

// TestS3ConditionalWriteConflict: a conditional PutObject whose key is
// written by another request between its check and its commit fails with
// 409 ConditionalRequestConflict and stores nothing (Amazon S3 API
// Reference, PutObject: If-None-Match). Expect: 100-continue holds the
// body back until the emulator has checked the condition and starts
// reading it.
func TestS3ConditionalWriteConflict(t *testing.T) {
	srv := emulatortest.New(t)
	c := s3For(srv.Config(home))
	mustBucket(t, c, "race")
	started, release := make(chan struct{}), make(chan struct{})
	body := &gatedReader{r: strings.NewReader("loser"), started: started, release: release}
	r, err := http.NewRequest(http.MethodPut, srv.URL+"/race/k", body)
	if err != nil {
		t.Fatal(err)
	}
	r.ContentLength = 5
	r.Header.Set("If-None-Match", "*")
	r.Header.Set("Expect", "100-continue")
	signPayload(t, r, "UNSIGNED-PAYLOAD", "s3", "us-east-1")
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Hour}}
	type result struct {
		status int
		body   string
	}
	done := make(chan result, 1)
	go func() {
		resp, err := client.Do(r)
		if err != nil {
			done <- result{0, err.Error()}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{resp.StatusCode, string(b)}
	}()
	select {
	case <-started:
	case res := <-done:
		t.Fatalf("the conditional PUT ended before its body was read: %d %s", res.status, res.body)
	}
	putString(t, c, "race", "k", "winner")
	close(release)
	res := <-done
	if res.status != http.StatusConflict || !strings.Contains(res.body, "<Code>ConditionalRequestConflict</Code>") {
		t.Errorf("conditional PUT overtaken by another write: got %d %s, want 409 ConditionalRequestConflict", res.status, res.body)
	}
	if got := getString(t, c, "race", "k"); got != "winner" {
		t.Errorf("object after the conflict: got %q, want the other write's", got)
	}
}

// gatedReader signals started on its first Read and blocks until release.
type gatedReader struct {
	r       io.Reader
	started chan struct{}
	release chan struct{}
	once    bool
}

func (g *gatedReader) Read(p []byte) (int, error) {
	if !g.once {
		g.once = true
		close(g.started)
		<-g.release
	}
	return g.r.Read(p)
}

// TestS3ConditionalDeletes: If-Match on DeleteObject and the ETag element
// of DeleteObjects (Amazon S3 User Guide, "How to perform conditional
// deletes"): another ETag is 412 (a per-key PreconditionFailed error in
// DeleteObjects), a missing key 404 NoSuchKey, "*" any existing object.
func TestS3ConditionalDeletes(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	mustBucket(t, c, "cdel")
	a := putString(t, c, "cdel", "a", "A")
	putString(t, c, "cdel", "b", "B")
	c2 := putString(t, c, "cdel", "c", "C")
	del := func(key string, ifMatch *string) error {
		_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("cdel"), Key: aws.String(key), IfMatch: ifMatch})
		return err
	}
	if err := del("a", c2.ETag); apiCode(err) != "PreconditionFailed" || httpStatus(err) != 412 {
		t.Errorf("DeleteObject If-Match another ETag: got %v, want 412 PreconditionFailed", err)
	}
	if err := del("nope", aws.String("*")); apiCode(err) != "NoSuchKey" {
		t.Errorf("DeleteObject If-Match * of a missing key: got %v, want NoSuchKey", err)
	}
	if err := del("a", a.ETag); err != nil {
		t.Errorf("DeleteObject If-Match its ETag: %v", err)
	}
	if err := del("b", aws.String("*")); err != nil {
		t.Errorf("DeleteObject If-Match *: %v", err)
	}
	out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("cdel"), Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{
		{Key: aws.String("c"), ETag: aws.String(`"0123456789abcdef0123456789abcdef"`)},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Errors) != 1 || aws.ToString(out.Errors[0].Code) != "PreconditionFailed" || len(out.Deleted) != 0 {
		t.Errorf("DeleteObjects with another ETag: got deleted %v, errors %+v; want one PreconditionFailed", out.Deleted, out.Errors)
	}
	out, err = c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("cdel"), Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{
		{Key: aws.String("c"), ETag: c2.ETag},
	}}})
	if err != nil || len(out.Deleted) != 1 || len(out.Errors) != 0 {
		t.Errorf("DeleteObjects with the ETag: got %v, %+v", err, out)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("cdel"), Key: aws.String("c")}); apiCode(err) != "NotFound" {
		t.Errorf("after the conditional DeleteObjects: HeadObject got %v, want NotFound", err)
	}
}

// TestS3MultipartConformance: the multipart bugs of issue 22, each
// against S3's documented answer.
func TestS3MultipartConformance(t *testing.T) {
	t.Run("memory", func(t *testing.T) { multipartConformance(t, emulatortest.New(t)) })
	t.Run("data-dir", func(t *testing.T) {
		dir := t.TempDir()
		srv := emulatortest.New(t, emulator.WithDataDir(dir))
		multipartConformance(t, srv)
		// The deleted bucket's upload is gone after a restart too.
		srv.Close()
		srv = emulatortest.New(t, emulator.WithDataDir(dir))
		out, err := s3For(srv.Config(home)).ListBuckets(context.Background(), &s3.ListBucketsInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range out.Buckets {
			if aws.ToString(b.Name) == "uploads-only" {
				t.Error("a deleted bucket holding an upload is back after a restart")
			}
		}
	})
}

func multipartConformance(t *testing.T, srv *emulatortest.Server) {
	ctx := context.Background()
	c := s3For(srv.Config(home))

	// DeleteBucket of a bucket holding only in-progress uploads succeeds
	// (Amazon S3 API Reference, DeleteBucket: "All objects (including all
	// object versions and delete markers) in the bucket must be deleted").
	mustBucket(t, c, "uploads-only")
	if _, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("uploads-only"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("uploads-only")}); err != nil {
		t.Errorf("DeleteBucket of a bucket with only an upload in progress: %v", err)
	}

	mustBucket(t, c, "mpc")
	// A part sent again replaces the earlier one: the last write wins.
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpc"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	part := func(body string) *string {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpc"), Key: aws.String("k"), UploadId: mp.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		return out.ETag
	}
	part("first version of part one")
	second := part("second")
	parts, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpc"), Key: aws.String("k"), UploadId: mp.UploadId})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts.Parts) != 1 || aws.ToString(parts.Parts[0].ETag) != aws.ToString(second) || aws.ToInt64(parts.Parts[0].Size) != 6 {
		t.Errorf("ListParts after part 1 was sent twice: %+v, want the second only", parts.Parts)
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpc"), Key: aws.String("k"), UploadId: mp.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: second}}}}); err != nil {
		t.Fatal(err)
	}
	if got := getString(t, c, "mpc", "k"); got != "second" {
		t.Errorf("object after a part was re-sent: got %q, want %q", got, "second")
	}

	// UploadPartCopy with a range past the source's end is 416
	// InvalidRange.
	putString(t, c, "mpc", "src", "0123456789")
	mp2, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpc"), Key: aws.String("copy")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("mpc"), Key: aws.String("copy"), UploadId: mp2.UploadId, PartNumber: aws.Int32(1),
		CopySource: aws.String("mpc/src"), CopySourceRange: aws.String("bytes=5-20")})
	if apiCode(err) != "InvalidRange" || httpStatus(err) != 416 {
		t.Errorf("UploadPartCopy past the source's end: got %v, want 416 InvalidRange", err)
	}
	_, err = c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("mpc"), Key: aws.String("copy"), UploadId: mp2.UploadId, PartNumber: aws.Int32(1),
		CopySource: aws.String("mpc/src"), CopySourceRange: aws.String("bytes=5-2")})
	if apiCode(err) != "InvalidArgument" {
		t.Errorf("UploadPartCopy with a malformed range: got %v, want InvalidArgument", err)
	}

	// A range GET of an empty object is 416 InvalidRange.
	putString(t, c, "mpc", "empty", "")
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mpc"), Key: aws.String("empty"), Range: aws.String("bytes=0-0")}); apiCode(err) != "InvalidRange" || httpStatus(err) != 416 {
		t.Errorf("range GET of an empty object: got %v, want 416 InvalidRange", err)
	}
	if got := getString(t, c, "mpc", "empty"); got != "" {
		t.Errorf("GET of an empty object: got %q", got)
	}

	// PartNumber on GetObject/HeadObject: x-amz-mp-parts-count; past the
	// object's parts 416 InvalidPartNumber (Amazon S3 API Reference, "Error
	// responses").
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mpc"), Key: aws.String("k"), PartNumber: aws.Int32(1)})
	if err != nil || aws.ToInt32(head.PartsCount) != 1 || aws.ToInt64(head.ContentLength) != 6 {
		t.Errorf("HeadObject PartNumber 1: got %v, parts count %v", err, head)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mpc"), Key: aws.String("k"), PartNumber: aws.Int32(2)})
	if apiCode(err) != "InvalidPartNumber" || httpStatus(err) != 416 {
		t.Errorf("GetObject PartNumber past the parts: got %v, want 416 InvalidPartNumber", err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mpc"), Key: aws.String("src"), PartNumber: aws.Int32(1), Range: aws.String("bytes=0-1")})
	if apiCode(err) != "InvalidRequest" {
		t.Errorf("GetObject with PartNumber and Range: got %v, want InvalidRequest", err)
	}
}

// TestS3ConformanceRaw: requests an SDK will not send, each made directly
// (Amazon S3 API Reference, PutObject: Content-MD5, Content-Encoding).
func TestS3ConformanceRaw(t *testing.T) {
	srv := emulatortest.New(t)
	c := s3For(srv.Config(home))
	mustBucket(t, c, "raw")
	// An empty Content-MD5 is InvalidDigest.
	status, _, body := rawRequest(t, srv, http.MethodPut, "/raw/md5", []byte("x"), map[string]string{"Content-MD5": ""})
	if status != 400 || !strings.Contains(body, "<Code>InvalidDigest</Code>") {
		t.Errorf("PUT with an empty Content-MD5: got %d %s, want 400 InvalidDigest", status, body)
	}
	// Content-Encoding "gzip, aws-chunked" keeps gzip only.
	status, _, body = rawRequest(t, srv, http.MethodPut, "/raw/gz", []byte("x"), map[string]string{"Content-Encoding": "gzip, aws-chunked"})
	if status != 200 {
		t.Fatalf("PUT with Content-Encoding gzip, aws-chunked: %d %s", status, body)
	}
	head, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("raw"), Key: aws.String("gz")})
	if err != nil || aws.ToString(head.ContentEncoding) != "gzip" {
		t.Errorf("Content-Encoding stored: got %v, %q; want gzip", err, aws.ToString(head.ContentEncoding))
	}
	// If-None-Match takes only "*" on a write.
	status, _, body = rawRequest(t, srv, http.MethodPut, "/raw/inm", []byte("x"), map[string]string{"If-None-Match": `"abc"`})
	if status != 501 || !strings.Contains(body, "<Code>NotImplemented</Code>") {
		t.Errorf("PUT If-None-Match with an ETag: got %d %s, want 501 NotImplemented", status, body)
	}
}

// TestS3EmptyBodyExpectContinue: an empty upload with Expect:
// 100-continue gets 100 Continue and then its answer, and the connection
// serves the next request (botocore waits for the interim answer; without
// it, its next request on the connection was never sent).
func TestS3EmptyBodyExpectContinue(t *testing.T) {
	srv := emulatortest.New(t)
	mustBucket(t, s3For(srv.Config(home)), "expect")
	u, _ := url.Parse(srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))
	head := rawSigned(t, srv, http.MethodPut, "/expect/empty", 0, map[string]string{"Expect": "100-continue"})
	if _, err := conn.Write(head); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusContinue {
		t.Fatalf("empty PUT with Expect: 100-continue: first answer %d, want 100 Continue", resp.StatusCode)
	}
	if resp, err = http.ReadResponse(br, nil); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("empty PUT: final answer %v, %v; want 200", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	// The next request on the same connection is answered.
	if _, err := conn.Write(rawSigned(t, srv, http.MethodHead, "/expect/empty", 0, nil)); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodHead, "/", nil)
	if resp, err = http.ReadResponse(br, req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("next request on the connection: %v, %v; want 200", resp, err)
	}
}

// TestS3ExpiredSigV2URL: a Signature Version 2 presigned URL (botocore's
// default in us-east-1) past its Expires answers 403 AccessDenied "Request
// has expired"; an unexpired one is refused for its signature version
// (Amazon S3 User Guide, "AWS Signature Version 2 turned off").
func TestS3ExpiredSigV2URL(t *testing.T) {
	srv := emulatortest.New(t)
	mustBucket(t, s3For(srv.Config(home)), "sigv2")
	get := func(expires int64) (int, string) {
		resp, err := http.Get(srv.URL + "/sigv2/k?AWSAccessKeyId=" + home + "&Signature=abc%3D&Expires=" + strconv.FormatInt(expires, 10))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := get(time.Now().Add(-time.Hour).Unix()); status != 403 || !strings.Contains(body, "<Code>AccessDenied</Code><Message>Request has expired</Message>") {
		t.Errorf("expired SigV2 URL: got %d %s, want 403 AccessDenied Request has expired", status, body)
	}
	if status, body := get(time.Now().Add(time.Hour).Unix()); status != 400 || !strings.Contains(body, "AWS4-HMAC-SHA256") {
		t.Errorf("unexpired SigV2 URL: got %d %s, want 400 InvalidRequest", status, body)
	}
}
