package emulator_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/xacct/xacct/emulatortest"
)

// Tests of S3 with SSE-KMS (issue 18): S3 calls the emulated KMS on the
// caller's behalf, kms:GenerateDataKey on write and kms:Decrypt on read
// (Amazon S3 User Guide, "Using server-side encryption with AWS KMS keys
// (SSE-KMS)", "Specifying server-side encryption with AWS KMS (SSE-KMS)").

// kmsBucketDefault sets bucket's default encryption to aws:kms with
// keyID ("" for aws/s3) and the bucket key setting.
func kmsBucketDefault(t *testing.T, c *s3.Client, bucket, keyID string, bucketKey bool) {
	t.Helper()
	d := &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms}
	if keyID != "" {
		d.KMSMasterKeyID = aws.String(keyID)
	}
	if _, err := c.PutBucketEncryption(context.Background(), &s3.PutBucketEncryptionInput{Bucket: aws.String(bucket),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{
			{ApplyServerSideEncryptionByDefault: d, BucketKeyEnabled: aws.Bool(bucketKey)}}}}); err != nil {
		t.Fatalf("PutBucketEncryption aws:kms %q: %v", keyID, err)
	}
}

func keyARNOf(t *testing.T, c *kms.Client, ref string) string {
	t.Helper()
	d, err := c.DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: aws.String(ref)})
	if err != nil {
		t.Fatalf("DescribeKey %s: %v", ref, err)
	}
	return *d.KeyMetadata.Arn
}

// TestS3SSEKMSBucketDefault: a bucket whose default is aws:kms with a
// customer managed key (named by alias) encrypts every write with it:
// PutObject, GetObject and HeadObject answer aws:kms and the key's ARN;
// GetBucketEncryption answers the key as it was given (Amazon S3 API
// Reference, PutBucketEncryption: S3 does not validate the key id); a
// header naming another key, or aws:kms alone (the AWS managed key
// aws/s3), overrides the default (Amazon S3 API Reference, PutObject:
// x-amz-server-side-encryption-aws-kms-key-id).
func TestS3SSEKMSBucketDefault(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	k := kms.NewFromConfig(srv.Config(home))
	id := createKey(t, k, "")
	if _, err := k.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/data"), TargetKeyId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	keyARN := keyARNOf(t, k, id)
	mustBucket(t, c, "kms-default")
	kmsBucketDefault(t, c, "kms-default", "alias/data", true)
	enc, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("kms-default")})
	if err != nil {
		t.Fatal(err)
	}
	r := enc.ServerSideEncryptionConfiguration.Rules[0]
	if r.ApplyServerSideEncryptionByDefault.SSEAlgorithm != s3types.ServerSideEncryptionAwsKms || aws.ToString(r.ApplyServerSideEncryptionByDefault.KMSMasterKeyID) != "alias/data" || !aws.ToBool(r.BucketKeyEnabled) {
		t.Errorf("GetBucketEncryption: %+v %+v", r, r.ApplyServerSideEncryptionByDefault)
	}

	put := putString(t, c, "kms-default", "a", "secret bytes")
	if put.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(put.SSEKMSKeyId) != keyARN || !aws.ToBool(put.BucketKeyEnabled) {
		t.Errorf("PutObject under an aws:kms default: SSE %q, key %q, bucket key %v; want aws:kms, %s, true", put.ServerSideEncryption, aws.ToString(put.SSEKMSKeyId), aws.ToBool(put.BucketKeyEnabled), keyARN)
	}
	get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("kms-default"), Key: aws.String("a"), Range: aws.String("bytes=7-")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if string(body) != "bytes" || get.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(get.SSEKMSKeyId) != keyARN {
		t.Errorf("GetObject range: %q, SSE %q, key %q", body, get.ServerSideEncryption, aws.ToString(get.SSEKMSKeyId))
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("kms-default"), Key: aws.String("a")})
	if err != nil {
		t.Fatal(err)
	}
	if head.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(head.SSEKMSKeyId) != keyARN || !aws.ToBool(head.BucketKeyEnabled) {
		t.Errorf("HeadObject: SSE %q, key %q, bucket key %v", head.ServerSideEncryption, aws.ToString(head.SSEKMSKeyId), aws.ToBool(head.BucketKeyEnabled))
	}

	// aws:kms without a key: the AWS managed key aws/s3, created on first use.
	other, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kms-default"), Key: aws.String("managed"), Body: strings.NewReader("m"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, BucketKeyEnabled: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	if managed := keyARNOf(t, k, "alias/aws/s3"); aws.ToString(other.SSEKMSKeyId) != managed || aws.ToBool(other.BucketKeyEnabled) {
		t.Errorf("PutObject aws:kms without a key: key %q, bucket key %v; want aws/s3 %s without", aws.ToString(other.SSEKMSKeyId), aws.ToBool(other.BucketKeyEnabled), managed)
	}
	if got := getString(t, c, "kms-default", "managed"); got != "m" {
		t.Errorf("GetObject of an aws/s3 object: %q", got)
	}
	// An explicit AES256 write is SSE-S3 whatever the default.
	plain, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kms-default"), Key: aws.String("plain"), Body: strings.NewReader("p"),
		ServerSideEncryption: s3types.ServerSideEncryptionAes256})
	if err != nil || plain.ServerSideEncryption != s3types.ServerSideEncryptionAes256 || plain.SSEKMSKeyId != nil {
		t.Errorf("PutObject AES256 into an aws:kms bucket: %v, %+v", err, plain)
	}
	// A key that does not exist: KMS's NotFoundException as S3 reports it.
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kms-default"), Key: aws.String("nokey"), Body: strings.NewReader("x"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String("alias/missing")})
	if apiCode(err) != "KMS.NotFoundException" || httpStatus(err) != 400 {
		t.Errorf("PutObject with a missing key: got %v, want 400 KMS.NotFoundException", err)
	}
}

// TestS3SSEKMSDenied: reading an SSE-KMS object needs kms:Decrypt on its
// key besides s3:GetObject, writing one kms:GenerateDataKey; a refusal is
// S3's 403 AccessDenied with KMS's message, and the explanation names the
// missing KMS permission as step 4 (Amazon S3 User Guide, "Troubleshoot
// access denied (403 Forbidden) errors in Amazon S3": "AWS KMS
// encryption"). HEAD reads metadata only and needs no KMS permission.
func TestS3SSEKMSDenied(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	k := kms.NewFromConfig(srv.Config(home))
	id := createKey(t, k, "")
	keyARN := keyARNOf(t, k, id)
	mustBucket(t, c, "kms-denied")
	kmsBucketDefault(t, c, "kms-denied", keyARN, false)
	putString(t, c, "kms-denied", "doc", "classified")

	s3Only := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:ListBucket"],"Resource":["arn:aws:s3:::kms-denied","arn:aws:s3:::kms-denied/*"]}]}`
	reader := s3For(userWithPolicy(t, srv, home, "s3only", s3Only))
	if _, err := reader.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("kms-denied"), Key: aws.String("doc")}); err != nil {
		t.Errorf("HeadObject without kms:Decrypt: %v", err)
	}
	_, err := reader.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("kms-denied"), Key: aws.String("doc")})
	want := "User: arn:aws:iam::111111111111:user/s3only is not authorized to perform: kms:Decrypt on resource: " + keyARN
	if apiCode(err) != "AccessDenied" || httpStatus(err) != 403 || !strings.Contains(apiMessage(err), want) {
		t.Errorf("GetObject without kms:Decrypt: got %v, want 403 AccessDenied %q", err, want)
	}
	if ex := explainOf(err); !strings.HasPrefix(ex, "step 4 (the KMS permission)") {
		t.Errorf("GetObject without kms:Decrypt: explanation %q, want step 4 (the KMS permission)", ex)
	}
	_, err = reader.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kms-denied"), Key: aws.String("new"), Body: strings.NewReader("x")})
	if apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "kms:GenerateDataKey") {
		t.Errorf("PutObject without kms:GenerateDataKey: got %v, want AccessDenied naming kms:GenerateDataKey", err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("kms-denied"), Key: aws.String("new")}); apiCode(err) != "NotFound" {
		t.Errorf("a write KMS refused stored the object: HeadObject got %v", err)
	}

	withKMS := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::kms-denied/*"},
	 {"Effect":"Allow","Action":["kms:Decrypt","kms:GenerateDataKey"],"Resource":"` + keyARN + `"}]}`
	full := s3For(userWithPolicy(t, srv, home, "withkms", withKMS))
	putString(t, full, "kms-denied", "new", "fresh")
	if got := getString(t, full, "kms-denied", "doc"); got != "classified" {
		t.Errorf("GetObject with kms:Decrypt: %q", got)
	}

	// A disabled key refuses, and so does a key pending deletion, with
	// KMS's exceptions as S3 reports them.
	if _, err := k.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("kms-denied"), Key: aws.String("doc")}); apiCode(err) != "KMS.DisabledException" {
		t.Errorf("GetObject under a disabled key: got %v, want KMS.DisabledException", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kms-denied"), Key: aws.String("x"), Body: strings.NewReader("x")}); apiCode(err) != "KMS.DisabledException" {
		t.Errorf("PutObject under a disabled key: got %v, want KMS.DisabledException", err)
	}
	if _, err := k.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("kms-denied"), Key: aws.String("doc")}); apiCode(err) != "KMS.KMSInvalidStateException" {
		t.Errorf("GetObject under a key pending deletion: got %v, want KMS.KMSInvalidStateException", err)
	}
}
