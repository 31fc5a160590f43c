package emulator_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
	"github.com/xacct/xacct/internal/stackdeploy"
)

// Tests of issue 22's encryption headers: SSE-S3 on every object, SSE-C
// with its key checked, the bucket's default encryption and the
// encryption condition keys (SSE-KMS: s3kms_test.go).

// ssecKey is an SSE-C key as the SDK sends it: base64 key and base64 MD5.
type ssecKey struct{ key, md5 string }

func newSSECKey(fill byte) ssecKey {
	raw := bytes.Repeat([]byte{fill}, 32)
	sum := md5.Sum(raw)
	return ssecKey{base64.StdEncoding.EncodeToString(raw), base64.StdEncoding.EncodeToString(sum[:])}
}

func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// TestS3SSES3Headers: every object is SSE-S3 (AES256), and every object
// write and read says so (Amazon S3 User Guide, "Default encryption FAQ":
// since 5 January 2023; "Specifying server-side encryption with Amazon S3
// managed keys (SSE-S3)": the operations that return the header).
func TestS3SSES3Headers(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	mustBucket(t, c, "sse")
	check := func(op string, got s3types.ServerSideEncryption) {
		t.Helper()
		if got != s3types.ServerSideEncryptionAes256 {
			t.Errorf("%s: x-amz-server-side-encryption %q, want AES256", op, got)
		}
	}
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sse"), Key: aws.String("a"), Body: strings.NewReader("hello"),
		ServerSideEncryption: s3types.ServerSideEncryptionAes256})
	if err != nil {
		t.Fatal(err)
	}
	check("PutObject", put.ServerSideEncryption)
	plain := putString(t, c, "sse", "b", "plain")
	check("PutObject without the header", plain.ServerSideEncryption)
	get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sse"), Key: aws.String("a")})
	if err != nil {
		t.Fatal(err)
	}
	get.Body.Close()
	check("GetObject", get.ServerSideEncryption)
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("sse"), Key: aws.String("a")})
	if err != nil {
		t.Fatal(err)
	}
	check("HeadObject", head.ServerSideEncryption)
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("sse"), Key: aws.String("c"), CopySource: aws.String("sse/a")})
	if err != nil {
		t.Fatal(err)
	}
	check("CopyObject", cp.ServerSideEncryption)
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("sse"), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	check("CreateMultipartUpload", mp.ServerSideEncryption)
	up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("sse"), Key: aws.String("mp"), UploadId: mp.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
	if err != nil {
		t.Fatal(err)
	}
	check("UploadPart", up.ServerSideEncryption)
	upc, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("sse"), Key: aws.String("mp"), UploadId: mp.UploadId, PartNumber: aws.Int32(2), CopySource: aws.String("sse/a")})
	if err != nil {
		t.Fatal(err)
	}
	check("UploadPartCopy", upc.ServerSideEncryption)
	// Part 1 is under the minimum size: complete with part 2 alone.
	done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("sse"), Key: aws.String("mp"), UploadId: mp.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(2), ETag: upc.CopyPartResult.ETag}}}})
	if err != nil {
		t.Fatal(err)
	}
	check("CompleteMultipartUpload", done.ServerSideEncryption)
}

func mustBucket(t *testing.T, c *s3.Client, name string) {
	t.Helper()
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
}

// TestS3SSEBadHeaders: encryption headers S3 refuses are refused with its
// codes (Amazon S3 API Reference, PutObject: x-amz-server-side-encryption;
// "Error responses").
func TestS3SSEBadHeaders(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	mustBucket(t, c, "sse-bad")
	k := newSSECKey(1)
	put := func(in *s3.PutObjectInput) error {
		in.Bucket, in.Key, in.Body = aws.String("sse-bad"), aws.String("k"), strings.NewReader("x")
		_, err := c.PutObject(ctx, in)
		return err
	}
	for _, tc := range []struct {
		name   string
		in     *s3.PutObjectInput
		code   string
		status int
	}{
		{"SSE-KMS and SSE-C", &s3.PutObjectInput{ServerSideEncryption: s3types.ServerSideEncryptionAwsKms,
			SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k.key), SSECustomerKeyMD5: aws.String(k.md5)}, "InvalidArgument", 400},
		{"KMS context without aws:kms", &s3.PutObjectInput{SSEKMSEncryptionContext: aws.String("e30=")}, "InvalidArgument", 400},
		{"KMS context not base64 JSON", &s3.PutObjectInput{ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSEncryptionContext: aws.String("not json")}, "InvalidArgument", 400},
		{"KMS key with AES256", &s3.PutObjectInput{ServerSideEncryption: s3types.ServerSideEncryptionAes256, SSEKMSKeyId: aws.String("alias/x")}, "InvalidArgument", 400},
		{"unknown algorithm", &s3.PutObjectInput{ServerSideEncryption: "AES512"}, "InvalidArgument", 400},
		{"KMS key without aws:kms", &s3.PutObjectInput{SSEKMSKeyId: aws.String("alias/x")}, "InvalidArgument", 400},
		{"SSE-S3 and SSE-C", &s3.PutObjectInput{ServerSideEncryption: s3types.ServerSideEncryptionAes256,
			SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k.key), SSECustomerKeyMD5: aws.String(k.md5)}, "InvalidArgument", 400},
		{"SSE-C algorithm", &s3.PutObjectInput{SSECustomerAlgorithm: aws.String("AES128"), SSECustomerKey: aws.String(k.key), SSECustomerKeyMD5: aws.String(k.md5)}, "InvalidEncryptionAlgorithmError", 400},
		{"SSE-C key without algorithm", &s3.PutObjectInput{SSECustomerKey: aws.String(k.key), SSECustomerKeyMD5: aws.String(k.md5)}, "InvalidArgument", 400},
		{"SSE-C algorithm without key", &s3.PutObjectInput{SSECustomerAlgorithm: aws.String("AES256")}, "InvalidArgument", 400},
		{"SSE-C wrong MD5", &s3.PutObjectInput{SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k.key), SSECustomerKeyMD5: aws.String(newSSECKey(2).md5)}, "InvalidArgument", 400},
		{"SSE-C short key", &s3.PutObjectInput{SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(base64.StdEncoding.EncodeToString([]byte("short")))}, "InvalidArgument", 400},
	} {
		err := put(tc.in)
		if apiCode(err) != tc.code || httpStatus(err) != tc.status {
			t.Errorf("%s: got %v (status %d), want %d %s", tc.name, err, httpStatus(err), tc.status, tc.code)
		}
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("sse-bad"), Key: aws.String("k")}); apiCode(err) != "NotFound" {
		t.Errorf("a refused write stored the object: HeadObject got %v, want NotFound", err)
	}
	// Encryption headers on a read of an SSE-S3 object are a 400 (Amazon S3
	// API Reference, GetObject).
	putString(t, c, "sse-bad", "plain", "x")
	_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sse-bad"), Key: aws.String("plain")}, func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue("X-Amz-Server-Side-Encryption", "AES256"))
	})
	if apiCode(err) != "InvalidArgument" {
		t.Errorf("GetObject with x-amz-server-side-encryption: got %v, want InvalidArgument", err)
	}
}

// TestS3SSEC: an object written with a customer key is read only with
// that key: without it 400 InvalidRequest, with another 403 AccessDenied;
// HEAD, copies and multipart parts carry the key too (Amazon S3 User
// Guide, "Using server-side encryption with customer-provided keys
// (SSE-C)" and "Specifying server-side encryption with customer-provided
// keys").
func TestS3SSEC(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	mustBucket(t, c, "ssec")
	k1, k2 := newSSECKey(1), newSSECKey(2)
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("ssec"), Key: aws.String("secret"), Body: strings.NewReader("classified"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k1.key), SSECustomerKeyMD5: aws.String(k1.md5)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(put.SSECustomerAlgorithm) != "AES256" || aws.ToString(put.SSECustomerKeyMD5) != k1.md5 || put.ServerSideEncryption != "" {
		t.Errorf("PutObject with SSE-C: algorithm %q, key MD5 %q, SSE %q; want AES256, %s and no SSE header",
			aws.ToString(put.SSECustomerAlgorithm), aws.ToString(put.SSECustomerKeyMD5), k1.md5, put.ServerSideEncryption)
	}
	get := func(k *ssecKey) (string, error) {
		in := &s3.GetObjectInput{Bucket: aws.String("ssec"), Key: aws.String("secret")}
		if k != nil {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(k.key), aws.String(k.md5)
		}
		out, err := c.GetObject(ctx, in)
		if err != nil {
			return "", err
		}
		defer out.Body.Close()
		b, _ := io.ReadAll(out.Body)
		return string(b), nil
	}
	if _, err := get(nil); apiCode(err) != "InvalidRequest" || httpStatus(err) != 400 {
		t.Errorf("GetObject without the key: got %v, want 400 InvalidRequest", err)
	}
	if _, err := get(&k2); apiCode(err) != "AccessDenied" || httpStatus(err) != 403 {
		t.Errorf("GetObject with another key: got %v, want 403 AccessDenied", err)
	}
	if got, err := get(&k1); err != nil || got != "classified" {
		t.Errorf("GetObject with the key: got %q, %v", got, err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("ssec"), Key: aws.String("secret")}); httpStatus(err) != 400 {
		t.Errorf("HeadObject without the key: got %v, want 400", err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("ssec"), Key: aws.String("secret"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k1.key), SSECustomerKeyMD5: aws.String(k1.md5)})
	if err != nil || aws.ToString(head.SSECustomerKeyMD5) != k1.md5 {
		t.Errorf("HeadObject with the key: got %v, key MD5 %q", err, aws.ToString(head.SSECustomerKeyMD5))
	}
	// A key sent for an object that has none.
	putString(t, c, "ssec", "plain", "x")
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("ssec"), Key: aws.String("plain"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k1.key), SSECustomerKeyMD5: aws.String(k1.md5)}); apiCode(err) != "InvalidRequest" {
		t.Errorf("GetObject of an SSE-S3 object with a key: got %v, want InvalidRequest", err)
	}

	// Copies: the source's key is needed; the target is SSE-S3 unless it
	// gets a key of its own.
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("ssec"), Key: aws.String("copy"), CopySource: aws.String("ssec/secret")}); apiCode(err) != "InvalidRequest" {
		t.Errorf("CopyObject of an SSE-C source without its key: got %v, want InvalidRequest", err)
	}
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("ssec"), Key: aws.String("copy"), CopySource: aws.String("ssec/secret"),
		CopySourceSSECustomerAlgorithm: aws.String("AES256"), CopySourceSSECustomerKey: aws.String(k1.key), CopySourceSSECustomerKeyMD5: aws.String(k1.md5)})
	if err != nil || cp.ServerSideEncryption != s3types.ServerSideEncryptionAes256 {
		t.Fatalf("CopyObject with the source key: got %v, SSE %v; want an SSE-S3 copy", err, cp)
	}
	if got := getString(t, c, "ssec", "copy"); got != "classified" {
		t.Errorf("SSE-S3 copy of an SSE-C object: got %q", got)
	}
	// Re-encrypt in place with another key.
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("ssec"), Key: aws.String("secret"), CopySource: aws.String("ssec/secret"),
		CopySourceSSECustomerAlgorithm: aws.String("AES256"), CopySourceSSECustomerKey: aws.String(k1.key), CopySourceSSECustomerKeyMD5: aws.String(k1.md5),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k2.key), SSECustomerKeyMD5: aws.String(k2.md5)}); err != nil {
		t.Fatalf("CopyObject rotating the key: %v", err)
	}
	if got, err := get(&k2); err != nil || got != "classified" {
		t.Errorf("GetObject with the new key: got %q, %v", got, err)
	}
	if _, err := get(&k1); apiCode(err) != "AccessDenied" {
		t.Errorf("GetObject with the old key: got %v, want AccessDenied", err)
	}

	// Multipart: each part carries the upload's key.
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("ssec"), Key: aws.String("mp"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k1.key), SSECustomerKeyMD5: aws.String(k1.md5)})
	if err != nil || aws.ToString(mp.SSECustomerKeyMD5) != k1.md5 {
		t.Fatalf("CreateMultipartUpload with SSE-C: %v", err)
	}
	part := func(k *ssecKey) (*s3.UploadPartOutput, error) {
		in := &s3.UploadPartInput{Bucket: aws.String("ssec"), Key: aws.String("mp"), UploadId: mp.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part-one")}
		if k != nil {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aws.String("AES256"), aws.String(k.key), aws.String(k.md5)
		}
		return c.UploadPart(ctx, in)
	}
	if _, err := part(nil); apiCode(err) != "InvalidRequest" {
		t.Errorf("UploadPart without the upload's key: got %v, want InvalidRequest", err)
	}
	if _, err := part(&k2); apiCode(err) != "InvalidRequest" {
		t.Errorf("UploadPart with another key: got %v, want InvalidRequest", err)
	}
	p1, err := part(&k1)
	if err != nil || aws.ToString(p1.SSECustomerKeyMD5) != k1.md5 {
		t.Fatalf("UploadPart with the key: %v", err)
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("ssec"), Key: aws.String("mp"), UploadId: mp.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: p1.ETag}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("ssec"), Key: aws.String("mp")}); apiCode(err) != "InvalidRequest" {
		t.Errorf("GetObject of a completed SSE-C upload without the key: got %v, want InvalidRequest", err)
	}
	// Deleting needs no key.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("ssec"), Key: aws.String("mp")}); err != nil {
		t.Errorf("DeleteObject of an SSE-C object: %v", err)
	}
}

// TestS3BucketEncryption: Get/Put/DeleteBucketEncryption with SSE-S3 (the
// default of every bucket, Amazon S3 API Reference, GetBucketEncryption),
// an SSE-KMS default replaced by SSE-S3, and BlockedEncryptionTypes SSE-C refusing
// customer keys with 403 (Amazon S3 User Guide, "Blocking or unblocking
// SSE-C for a general purpose bucket").
func TestS3BucketEncryption(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	mustBucket(t, c, "enc")
	algorithm := func() (s3types.ServerSideEncryption, bool) {
		t.Helper()
		out, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("enc")})
		if err != nil {
			t.Fatalf("GetBucketEncryption: %v", err)
		}
		r := out.ServerSideEncryptionConfiguration.Rules[0]
		return r.ApplyServerSideEncryptionByDefault.SSEAlgorithm, aws.ToBool(r.BucketKeyEnabled)
	}
	if alg, bk := algorithm(); alg != s3types.ServerSideEncryptionAes256 || bk {
		t.Errorf("new bucket's default encryption: %s, bucket key %v; want AES256 without", alg, bk)
	}
	rule := func(alg s3types.ServerSideEncryption, kms *string) *s3.PutBucketEncryptionInput {
		return &s3.PutBucketEncryptionInput{Bucket: aws.String("enc"), ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
			Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: alg, KMSMasterKeyID: kms}, BucketKeyEnabled: aws.Bool(true)}}}}
	}
	if _, err := c.PutBucketEncryption(ctx, rule(s3types.ServerSideEncryptionAwsKms, aws.String("alias/aws/s3"))); err != nil {
		t.Errorf("PutBucketEncryption aws:kms: %v", err)
	}
	if _, err := c.PutBucketEncryption(ctx, rule(s3types.ServerSideEncryptionAes256, aws.String("alias/x"))); apiCode(err) != "InvalidArgument" {
		t.Errorf("PutBucketEncryption AES256 with a KMS key: got %v, want InvalidArgument", err)
	}
	if _, err := c.PutBucketEncryption(ctx, rule(s3types.ServerSideEncryptionAes256, nil)); err != nil {
		t.Fatal(err)
	}
	if alg, bk := algorithm(); alg != s3types.ServerSideEncryptionAes256 || !bk {
		t.Errorf("after PutBucketEncryption: %s, bucket key %v; want AES256 with", alg, bk)
	}
	if _, err := c.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String("enc")}); err != nil {
		t.Fatal(err)
	}
	if _, bk := algorithm(); bk {
		t.Error("after DeleteBucketEncryption: bucket key still on")
	}
	block := &s3.PutBucketEncryptionInput{Bucket: aws.String("enc"), ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
		Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256},
			BlockedEncryptionTypes: &s3types.BlockedEncryptionTypes{EncryptionType: []s3types.EncryptionType{"SSE-C"}}}}}}
	if _, err := c.PutBucketEncryption(ctx, block); err != nil {
		t.Fatal(err)
	}
	k := newSSECKey(3)
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("enc"), Key: aws.String("k"), Body: strings.NewReader("x"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k.key), SSECustomerKeyMD5: aws.String(k.md5)})
	if apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "blocked upload requests that specify Server Side Encryption with Customer provided keys") {
		t.Errorf("SSE-C write to a bucket blocking SSE-C: got %v, want AccessDenied naming the block", err)
	}
	putString(t, c, "enc", "plain", "x")
}

// TestS3EncryptionConditionKeys: a bucket policy can require SSE-C with
// s3:x-amz-server-side-encryption-customer-algorithm and refuse grants
// with s3:x-amz-grant-read (Amazon S3 User Guide, "Bucket policy examples
// using condition keys"; Service Authorization Reference, Amazon S3
// condition keys).
func TestS3EncryptionConditionKeys(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	mustBucket(t, c, "keys")
	putPolicy(t, c, "keys", `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::keys/ssec/*","Condition":{"Null":{"s3:x-amz-server-side-encryption-customer-algorithm":"true"}}},
	 {"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::keys/*","Condition":{"Null":{"s3:x-amz-grant-read":"false"}}},
	 {"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::keys/sse/*","Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"AES256"}}}]}`)
	k := newSSECKey(4)
	put := func(key string, in s3.PutObjectInput) error {
		in.Bucket, in.Key, in.Body = aws.String("keys"), aws.String(key), strings.NewReader("x")
		_, err := c.PutObject(ctx, &in)
		return err
	}
	if err := put("ssec/a", s3.PutObjectInput{}); apiCode(err) != "AccessDenied" {
		t.Errorf("PutObject without SSE-C under a policy requiring it: got %v, want AccessDenied", err)
	}
	if err := put("ssec/b", s3.PutObjectInput{SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k.key), SSECustomerKeyMD5: aws.String(k.md5)}); err != nil {
		t.Errorf("PutObject with SSE-C: %v", err)
	}
	if err := put("other", s3.PutObjectInput{GrantRead: aws.String(`uri="http://acs.amazonaws.com/groups/global/AllUsers"`)}); apiCode(err) != "AccessDenied" {
		t.Errorf("PutObject with x-amz-grant-read under a policy denying it: got %v, want AccessDenied", err)
	}
	if err := put("sse/a", s3.PutObjectInput{}); apiCode(err) != "AccessDenied" {
		t.Errorf("PutObject without x-amz-server-side-encryption under a policy requiring AES256: got %v, want AccessDenied", err)
	}
	if err := put("sse/b", s3.PutObjectInput{ServerSideEncryption: s3types.ServerSideEncryptionAes256}); err != nil {
		t.Errorf("PutObject with AES256: %v", err)
	}
}

// rawRequest sends a request signed as the root user of home with
// UNSIGNED-PAYLOAD and returns the status, headers and body.
func rawRequest(t *testing.T, srv *emulatortest.Server, method, path string, body []byte, hdr map[string]string) (int, http.Header, string) {
	t.Helper()
	r, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		r.Header[http.CanonicalHeaderKey(k)] = []string{v}
	}
	signPayload(t, r, "UNSIGNED-PAYLOAD", "s3", "us-east-1")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestS3ObjectAttributesAndPolicyStatus: GetObjectAttributes (Amazon S3
// API Reference, GetObjectAttributes) of a single-part and a multipart
// object, SSE-C included, and GetBucketPolicyStatus (Amazon S3 API
// Reference, GetBucketPolicyStatus; "The meaning of 'public'").
func TestS3ObjectAttributesAndPolicyStatus(t *testing.T) {
	srv := emulatortest.New(t, emulator.WithS3MinPartSize(1))
	ctx := context.Background()
	c := s3For(srv.Config(home))
	mustBucket(t, c, "attrs")
	put := putString(t, c, "attrs", "one", "hello")
	all := []s3types.ObjectAttributes{s3types.ObjectAttributesEtag, s3types.ObjectAttributesChecksum, s3types.ObjectAttributesObjectParts,
		s3types.ObjectAttributesStorageClass, s3types.ObjectAttributesObjectSize}
	out, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String("one"), ObjectAttributes: all})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.ETag) != strings.Trim(aws.ToString(put.ETag), `"`) || aws.ToInt64(out.ObjectSize) != 5 || out.StorageClass != s3types.StorageClassStandard ||
		out.ObjectParts != nil || out.Checksum == nil || aws.ToString(out.Checksum.ChecksumCRC64NVME) == "" {
		t.Errorf("GetObjectAttributes of a single-part object: %+v", out)
	}
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("attrs"), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	var parts []s3types.CompletedPart
	for i, body := range []string{"aaa", "bbbb", "c"} {
		p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("attrs"), Key: aws.String("mp"), UploadId: mp.UploadId, PartNumber: aws.Int32(int32(i + 1)), Body: strings.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, s3types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: p.ETag})
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("attrs"), Key: aws.String("mp"), UploadId: mp.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	out, err = c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String("mp"), MaxParts: aws.Int32(2),
		ObjectAttributes: []s3types.ObjectAttributes{s3types.ObjectAttributesObjectParts, s3types.ObjectAttributesObjectSize}})
	if err != nil {
		t.Fatal(err)
	}
	op := out.ObjectParts
	if op == nil || aws.ToInt32(op.TotalPartsCount) != 3 || !aws.ToBool(op.IsTruncated) || len(op.Parts) != 2 || aws.ToInt64(op.Parts[1].Size) != 4 ||
		aws.ToString(op.NextPartNumberMarker) != "2" || aws.ToInt64(out.ObjectSize) != 8 || out.ETag != nil {
		t.Errorf("GetObjectAttributes of a 3-part object, 2 parts a page: %+v %+v", out, op)
	}
	k := newSSECKey(5)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("attrs"), Key: aws.String("ssec"), Body: strings.NewReader("x"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(k.key), SSECustomerKeyMD5: aws.String(k.md5)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("attrs"), Key: aws.String("ssec"), ObjectAttributes: all}); apiCode(err) != "InvalidRequest" {
		t.Errorf("GetObjectAttributes of an SSE-C object without the key: got %v, want InvalidRequest", err)
	}

	// Policy status.
	if _, err := c.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String("attrs")}); apiCode(err) != "NoSuchBucketPolicy" {
		t.Errorf("GetBucketPolicyStatus without a policy: got %v, want NoSuchBucketPolicy", err)
	}
	status := func() bool {
		t.Helper()
		out, err := c.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String("attrs")})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToBool(out.PolicyStatus.IsPublic)
	}
	putPolicy(t, c, "attrs", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::attrs/*"}]}`)
	if status() {
		t.Error("a policy granting one account: IsPublic true, want false")
	}
	if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("attrs")}); err != nil {
		t.Fatal(err)
	}
	putPolicy(t, c, "attrs", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::attrs/*"}]}`)
	if !status() {
		t.Error("a policy granting everyone: IsPublic false, want true")
	}
}

// TestS3BucketEncryptionTemplate: a user's template with an
// AWS::S3::Bucket BucketEncryption (AES256 with a bucket key) deploys and
// the bucket reads it back; one with aws:kms whose KMSMasterKeyID is the
// Ref of an AWS::KMS::Key (its key id) or of an AWS::KMS::Alias, or the
// key's Arn, deploys and encrypts writes with that key (CloudFormation
// User Guide, AWS::S3::Bucket BucketEncryption, AWS::KMS::Key and
// AWS::KMS::Alias return values).
func TestS3BucketEncryptionTemplate(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := cloudformation.NewFromConfig(srv.Config(home))
	body := `
Resources:
  Key:
    Type: AWS::KMS::Key
  Alias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: alias/bucket-data
      TargetKeyId: !Ref Key
  Plain:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: enc-aes256
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: AES256
            BucketKeyEnabled: true
  ByID:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: enc-kms-id
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: aws:kms
              KMSMasterKeyID: !Ref Key
            BucketKeyEnabled: true
  ByArn:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: enc-kms-arn
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: aws:kms
              KMSMasterKeyID: !GetAtt Key.Arn
  ByAlias:
    Type: AWS::S3::Bucket
    DependsOn: Alias
    Properties:
      BucketName: enc-kms-alias
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: aws:kms
              KMSMasterKeyID: !Ref Alias
Outputs:
  KeyArn:
    Value: !GetAtt Key.Arn
`
	if _, err := c.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("enc"), TemplateBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
	outs, err := stackdeploy.Wait(ctx, srv.Config(home), "enc", nil, nil)
	if err != nil {
		t.Fatalf("stack with BucketEncryption: %v", err)
	}
	keyARN := outs.Outputs["KeyArn"]
	sc := s3For(srv.Config(home))
	out, err := sc.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("enc-aes256")})
	if err != nil {
		t.Fatal(err)
	}
	if r := out.ServerSideEncryptionConfiguration.Rules[0]; r.ApplyServerSideEncryptionByDefault.SSEAlgorithm != s3types.ServerSideEncryptionAes256 || !aws.ToBool(r.BucketKeyEnabled) {
		t.Errorf("bucket encryption from the template: %+v", r)
	}
	for _, b := range []string{"enc-kms-id", "enc-kms-arn", "enc-kms-alias"} {
		put := putString(t, sc, b, "k", "v")
		if put.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(put.SSEKMSKeyId) != keyARN {
			t.Errorf("PutObject into %s: SSE %q, key %q; want aws:kms, %s", b, put.ServerSideEncryption, aws.ToString(put.SSEKMSKeyId), keyARN)
		}
	}
}
