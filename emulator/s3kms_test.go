package emulator_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/xacct/xacct/emulator"
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

// TestS3SSEKMSCrossAccount: a role of another account writes into and
// reads from an SSE-KMS bucket only when the key policy allows its
// account (or it) and its own identity policy allows the KMS actions on
// the key; each missing piece is S3's AccessDenied whose explanation
// names it (AWS Knowledge Center, "Why do cross-account users receive
// Access Denied errors when they try to access my S3 objects that I
// encrypted with an AWS KMS customer managed key?"). The AWS managed key
// aws/s3 serves its own account only: another account's write into a
// bucket whose default is aws/s3 is refused (AWS KMS Developer Guide,
// "AWS managed keys").
func TestS3SSEKMSCrossAccount(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	owner := s3For(srv.Config(home))
	k := kms.NewFromConfig(srv.Config(home))
	const roleARN = "arn:aws:iam::222222222222:role/kms-writer"
	shared := createKey(t, k, `{"Version":"2012-10-17","Statement":[
	 {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"},
	 {"Sid":"Writer","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"*"}]}`)
	sharedARN := keyARNOf(t, k, shared)
	privateARN := keyARNOf(t, k, createKey(t, k, ""))

	tIAM := iam.NewFromConfig(srv.Config(target))
	if _, err := tIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("kms-writer"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"sts:AssumeRole"}}`)}); err != nil {
		t.Fatal(err)
	}
	mustBucket(t, owner, "kms-xa")
	putPolicy(t, owner, "kms-xa", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+roleARN+`"},
	 "Action":["s3:PutObject","s3:GetObject"],"Resource":"arn:aws:s3:::kms-xa/*"}]}`)
	rolePolicy := func(kmsActions string) {
		t.Helper()
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"arn:aws:s3:::kms-xa/*"}`
		if kmsActions != "" {
			doc += `,{"Effect":"Allow","Action":` + kmsActions + `,"Resource":"arn:aws:kms:us-east-1:111111111111:key/*"}`
		}
		if _, err := tIAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("kms-writer"), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc + `]}`)}); err != nil {
			t.Fatal(err)
		}
	}
	rolePolicy(`["kms:GenerateDataKey","kms:Decrypt"]`)
	sess, err := assumeAs(ctx, srv.AdminConfig(t, target), roleARN)
	if err != nil {
		t.Fatal(err)
	}
	writer := s3For(srv.ConfigWith(sess))
	put := func(key string) error {
		_, err := writer.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kms-xa"), Key: aws.String(key), Body: strings.NewReader("cross")})
		return err
	}

	// Everything in place: the bucket default names the shared key by ARN.
	kmsBucketDefault(t, owner, "kms-xa", sharedARN, false)
	if err := put("ok"); err != nil {
		t.Fatalf("PutObject with the key policy and the role's KMS permissions: %v", err)
	}
	if got := getString(t, writer, "kms-xa", "ok"); got != "cross" {
		t.Errorf("GetObject by the writer: %q", got)
	}
	if got := getString(t, owner, "kms-xa", "ok"); got != "cross" {
		t.Errorf("GetObject by the bucket owner: %q", got)
	}
	// The default names the key by key id: it is the bucket owner's key.
	kmsBucketDefault(t, owner, "kms-xa", shared, false)
	if err := put("by-id"); err != nil {
		t.Errorf("PutObject under a default naming the owner's key by id: %v", err)
	}

	for _, tc := range []struct {
		name, key, kmsActions, explain string
	}{
		{"the key policy", privateARN, `["kms:GenerateDataKey","kms:Decrypt"]`, "step 4 (the key policy)"},
		{"the role's KMS permission", sharedARN, `"kms:Decrypt"`, "step 4 (the KMS permission)"},
		{"aws/s3 of the bucket owner", "", `"kms:*"`, "step 4 (the KMS key)"},
	} {
		kmsBucketDefault(t, owner, "kms-xa", tc.key, false)
		rolePolicy(tc.kmsActions)
		err := put("denied")
		if apiCode(err) != "AccessDenied" || httpStatus(err) != 403 || !strings.Contains(apiMessage(err), "kms:GenerateDataKey") {
			t.Errorf("missing %s: got %v, want 403 AccessDenied for kms:GenerateDataKey", tc.name, err)
		}
		if ex := explainOf(err); !strings.HasPrefix(ex, tc.explain) {
			t.Errorf("missing %s: explanation %q, want %q", tc.name, ex, tc.explain)
		}
	}
	// Reading without kms:Decrypt.
	rolePolicy(`"kms:GenerateDataKey"`)
	_, err = writer.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("kms-xa"), Key: aws.String("ok")})
	if apiCode(err) != "AccessDenied" || !strings.HasPrefix(explainOf(err), "step 4 (the KMS permission)") {
		t.Errorf("GetObject without kms:Decrypt: got %v (%s)", err, explainOf(err))
	}
}

// TestS3SSEKMSMultipartAndCopy: CreateMultipartUpload needs
// kms:GenerateDataKey, every part kms:Decrypt of the upload's data key
// (AWS Knowledge Center, "Why am I getting an Access Denied error when I
// try to upload a large file to my Amazon S3 bucket with my AWS KMS
// key?"); CopyObject and UploadPartCopy read an SSE-KMS source with
// kms:Decrypt and encrypt the target as the request or the target
// bucket's default says (Amazon S3 API Reference, CopyObject).
func TestS3SSEKMSMultipartAndCopy(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t, emulator.WithS3MinPartSize(1))
	ctx := context.Background()
	c := s3For(srv.Config(home))
	k := kms.NewFromConfig(srv.Config(home))
	keyA, keyB := keyARNOf(t, k, createKey(t, k, "")), keyARNOf(t, k, createKey(t, k, ""))
	mustBucket(t, c, "kms-mp")
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("kms-mp"), Key: aws.String("big"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(keyA),
		SSEKMSEncryptionContext: aws.String(base64.StdEncoding.EncodeToString([]byte(`{"project":"x"}`)))})
	if err != nil {
		t.Fatal(err)
	}
	if mp.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(mp.SSEKMSKeyId) != keyA {
		t.Errorf("CreateMultipartUpload: SSE %q key %q", mp.ServerSideEncryption, aws.ToString(mp.SSEKMSKeyId))
	}
	if ec, _ := base64.StdEncoding.DecodeString(aws.ToString(mp.SSEKMSEncryptionContext)); string(ec) != `{"aws:s3:arn":"arn:aws:s3:::kms-mp/big","project":"x"}` {
		t.Errorf("CreateMultipartUpload encryption context: %s", ec)
	}
	// A user allowed GenerateDataKey but not Decrypt starts an upload and
	// cannot add a part to it.
	genOnly := s3For(userWithPolicy(t, srv, home, "genonly", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"arn:aws:s3:::kms-mp/*"},
	 {"Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"*"}]}`))
	up, err := genOnly.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("kms-mp"), Key: aws.String("gen"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(keyA)})
	if err != nil {
		t.Fatalf("CreateMultipartUpload with kms:GenerateDataKey: %v", err)
	}
	_, err = genOnly.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("kms-mp"), Key: aws.String("gen"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("p")})
	if apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "kms:Decrypt") {
		t.Errorf("UploadPart without kms:Decrypt: got %v, want AccessDenied for kms:Decrypt", err)
	}

	var parts []s3types.CompletedPart
	for i, body := range []string{"first-", "second"} {
		p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("kms-mp"), Key: aws.String("big"), UploadId: mp.UploadId, PartNumber: aws.Int32(int32(i + 1)), Body: strings.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		if p.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(p.SSEKMSKeyId) != keyA {
			t.Errorf("UploadPart: SSE %q key %q", p.ServerSideEncryption, aws.ToString(p.SSEKMSKeyId))
		}
		parts = append(parts, s3types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: p.ETag})
	}
	done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("kms-mp"), Key: aws.String("big"), UploadId: mp.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}})
	if err != nil {
		t.Fatal(err)
	}
	if done.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(done.SSEKMSKeyId) != keyA {
		t.Errorf("CompleteMultipartUpload: SSE %q key %q", done.ServerSideEncryption, aws.ToString(done.SSEKMSKeyId))
	}
	if got := getString(t, c, "kms-mp", "big"); got != "first-second" {
		t.Errorf("GetObject of the completed upload: %q", got)
	}
	// Copy: the source is read with kms:Decrypt, the target takes the
	// request's key.
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("kms-mp"), Key: aws.String("copy"), CopySource: aws.String("kms-mp/big"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(keyB)})
	if err != nil {
		t.Fatal(err)
	}
	if cp.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(cp.SSEKMSKeyId) != keyB {
		t.Errorf("CopyObject to key B: SSE %q key %q", cp.ServerSideEncryption, aws.ToString(cp.SSEKMSKeyId))
	}
	if got := getString(t, c, "kms-mp", "copy"); got != "first-second" {
		t.Errorf("GetObject of the copy: %q", got)
	}
	// Without headers a copy takes the target bucket's default (SSE-S3 here).
	plain, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("kms-mp"), Key: aws.String("plain"), CopySource: aws.String("kms-mp/big")})
	if err != nil || plain.ServerSideEncryption != s3types.ServerSideEncryptionAes256 {
		t.Errorf("CopyObject without headers: %v, %+v", err, plain)
	}
	// Re-encrypting in place with another key.
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("kms-mp"), Key: aws.String("copy"), CopySource: aws.String("kms-mp/copy"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(keyA)}); err != nil {
		t.Errorf("CopyObject onto itself with another key: %v", err)
	}
	// A reader without kms:Decrypt cannot copy the source.
	_, err = genOnly.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("kms-mp"), Key: aws.String("stolen"), CopySource: aws.String("kms-mp/big")})
	if apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "kms:Decrypt") {
		t.Errorf("CopyObject of an SSE-KMS source without kms:Decrypt: got %v", err)
	}
	// UploadPartCopy of an SSE-KMS source into an SSE-S3 upload.
	mp2, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("kms-mp"), Key: aws.String("mp2")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := genOnly.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("kms-mp"), Key: aws.String("mp2"), UploadId: mp2.UploadId,
		PartNumber: aws.Int32(1), CopySource: aws.String("kms-mp/big")}); apiCode(err) != "AccessDenied" {
		t.Errorf("UploadPartCopy of an SSE-KMS source without kms:Decrypt: got %v", err)
	}
	upc, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("kms-mp"), Key: aws.String("mp2"), UploadId: mp2.UploadId,
		PartNumber: aws.Int32(1), CopySource: aws.String("kms-mp/big"), CopySourceRange: aws.String("bytes=0-4")})
	if err != nil || upc.ServerSideEncryption != s3types.ServerSideEncryptionAes256 {
		t.Errorf("UploadPartCopy of an SSE-KMS source: %v, %+v", err, upc)
	}
	// DSSE-KMS is stored and reported as such.
	ds, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kms-mp"), Key: aws.String("dsse"), Body: strings.NewReader("d"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKmsDsse, SSEKMSKeyId: aws.String(keyB)})
	if err != nil || ds.ServerSideEncryption != s3types.ServerSideEncryptionAwsKmsDsse || aws.ToString(ds.SSEKMSKeyId) != keyB {
		t.Errorf("PutObject aws:kms:dsse: %v, %+v", err, ds)
	}
}

// TestS3SSEKMSContextAndConditions: the encryption context S3 sends to
// KMS is the object's ARN, or the bucket's with an S3 Bucket Key, plus
// the writer's pairs, so a key policy can pin kms:EncryptionContext:*
// (Amazon S3 User Guide, "Using server-side encryption with AWS KMS keys
// (SSE-KMS)": "Encryption context"; "Reducing the cost of SSE-KMS with
// Amazon S3 Bucket Keys"); a bucket policy requiring aws:kms and a
// particular key with s3:x-amz-server-side-encryption and
// s3:x-amz-server-side-encryption-aws-kms-key-id refuses other writes
// (Amazon S3 User Guide, "Bucket policy examples using condition keys").
func TestS3SSEKMSContextAndConditions(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	k := kms.NewFromConfig(srv.Config(home))
	// The key serves only objects under kms-ctx/reports/ and the bucket
	// kms-bk (bucket key).
	keyID := createKey(t, k, `{"Version":"2012-10-17","Statement":[
	 {"Sid":"Admin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":["kms:Describe*","kms:Put*","kms:Get*","kms:List*","kms:Disable*","kms:Enable*"],"Resource":"*"},
	 {"Sid":"Use","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":["kms:GenerateDataKey","kms:Decrypt"],"Resource":"*",
	  "Condition":{"StringLike":{"kms:EncryptionContext:aws:s3:arn":["arn:aws:s3:::kms-ctx/reports/*","arn:aws:s3:::kms-bk"]}}}]}`)
	keyARN := keyARNOf(t, k, keyID)
	mustBucket(t, c, "kms-ctx")
	mustBucket(t, c, "kms-bk")
	putKMS := func(bucket, key string, bucketKey bool) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("x"),
			ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(keyARN), BucketKeyEnabled: aws.Bool(bucketKey)})
		return err
	}
	if err := putKMS("kms-ctx", "reports/q1", false); err != nil {
		t.Errorf("PutObject under the context the key policy allows: %v", err)
	}
	if err := putKMS("kms-ctx", "other/q1", false); apiCode(err) != "AccessDenied" {
		t.Errorf("PutObject under another context: got %v, want AccessDenied", err)
	}
	if err := putKMS("kms-bk", "any/key", true); err != nil {
		t.Errorf("PutObject with a bucket key (context: the bucket's ARN): %v", err)
	}
	if err := putKMS("kms-bk", "any/key2", false); apiCode(err) != "AccessDenied" {
		t.Errorf("PutObject without a bucket key (context: the object's ARN): got %v, want AccessDenied", err)
	}
	if got := getString(t, c, "kms-bk", "any/key"); got != "x" {
		t.Errorf("GetObject of a bucket-key object: %q", got)
	}

	// "Deny unencrypted uploads": the bucket policy requires aws:kms with
	// this key.
	putPolicy(t, c, "kms-ctx", `{"Version":"2012-10-17","Statement":[
	 {"Sid":"DenyNotKMS","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::kms-ctx/*","Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}}},
	 {"Sid":"DenyOtherKey","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::kms-ctx/*","Condition":{"StringNotEqualsIfExists":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"`+keyARN+`"}}}]}`)
	if err := putKMS("kms-ctx", "reports/q2", false); err != nil {
		t.Errorf("PutObject with aws:kms and the required key: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kms-ctx"), Key: aws.String("reports/plain"), Body: strings.NewReader("x")}); apiCode(err) != "AccessDenied" {
		t.Errorf("PutObject without encryption headers: got %v, want AccessDenied", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kms-ctx"), Key: aws.String("reports/other"), Body: strings.NewReader("x"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(keyID)}); apiCode(err) != "AccessDenied" {
		t.Errorf("PutObject naming the key by id where the policy requires its ARN: got %v, want AccessDenied", err)
	}
}

// TestS3SSEKMSDataDir: an SSE-KMS object keeps its key and data key
// across a restart on the same data directory, and still decrypts.
func TestS3SSEKMSDataDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := emulatortest.New(t, emulator.WithDataDir(dir))
	c := s3For(srv.Config(home))
	k := kms.NewFromConfig(srv.Config(home))
	keyARN := keyARNOf(t, k, createKey(t, k, ""))
	mustBucket(t, c, "kms-dd")
	kmsBucketDefault(t, c, "kms-dd", keyARN, true)
	putString(t, c, "kms-dd", "kept", "durable")
	srv.Close()

	srv = emulatortest.New(t, emulator.WithDataDir(dir))
	c = s3For(srv.Config(home))
	head, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("kms-dd"), Key: aws.String("kept")})
	if err != nil || aws.ToString(head.SSEKMSKeyId) != keyARN || !aws.ToBool(head.BucketKeyEnabled) {
		t.Fatalf("HeadObject after a restart: %v, %+v", err, head)
	}
	if got := getString(t, c, "kms-dd", "kept"); got != "durable" {
		t.Errorf("GetObject after a restart: %q", got)
	}
	enc, err := c.GetBucketEncryption(context.Background(), &s3.GetBucketEncryptionInput{Bucket: aws.String("kms-dd")})
	if err != nil || aws.ToString(enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.KMSMasterKeyID) != keyARN {
		t.Errorf("GetBucketEncryption after a restart: %v", err)
	}
}

// TestS3SSEKMSLambdaCode: Lambda reading a function's code from an
// SSE-KMS object reads it as its caller, so the caller needs kms:Decrypt
// on the object's key as for any GetObject.
func TestS3SSEKMSLambdaCode(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	k := kms.NewFromConfig(srv.Config(home))
	keyARN := keyARNOf(t, k, createKey(t, k, ""))
	mustBucket(t, c, "kms-code")
	kmsBucketDefault(t, c, "kms-code", keyARN, false)
	code := zipFiles(t, map[string]string{"app.py": "def handler(event, context):\n    return event\n"})
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kms-code"), Key: aws.String("app.zip"), Body: bytes.NewReader(code)}); err != nil {
		t.Fatal(err)
	}
	role := execRole(t, iam.NewFromConfig(srv.Config(home)), "kms-code-role", lambdaTrust)
	create := func(lc *lambda.Client, name string) error {
		_, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Runtime: lambdatypes.RuntimePython312,
			Role: aws.String(role), Handler: aws.String("app.handler"),
			Code: &lambdatypes.FunctionCode{S3Bucket: aws.String("kms-code"), S3Key: aws.String("app.zip")}})
		return err
	}
	noKMS := userWithPolicy(t, srv, home, "deployer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:CreateFunction","iam:PassRole","s3:GetObject"],"Resource":"*"}]}`)
	if err := create(lambda.NewFromConfig(noKMS), "denied"); apiCode(err) != "AccessDeniedException" || !strings.Contains(apiMessage(err), "kms:Decrypt") {
		t.Errorf("CreateFunction from an SSE-KMS object without kms:Decrypt: got %v, want AccessDeniedException for kms:Decrypt", err)
	}
	if err := create(lambda.NewFromConfig(srv.Config(home)), "allowed"); err != nil {
		t.Errorf("CreateFunction from an SSE-KMS object: %v", err)
	}
}
