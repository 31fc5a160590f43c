package s3copy_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/xacct/xacct/emulatortest"
	"github.com/xacct/xacct/s3copy"
)

// keyPolicy is a key policy delegating to acct's IAM policies plus, when
// actions is not empty, a statement letting the copier role use the key
// through S3 only.
func keyPolicy(acct string, actions ...string) string {
	p := `{"Version":"2012-10-17","Statement":[{"Sid":"root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"kms:*","Resource":"*"}`
	if len(actions) > 0 {
		p += `,{"Sid":"copier","Effect":"Allow","Principal":{"AWS":"` + roleARN + `"},"Action":["` + strings.Join(actions, `","`) + `"],"Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}`
	}
	return p + `]}`
}

// TestCopySSEKMS copies SSE-KMS sources (a customer managed key of the
// home account) into the target with SSE=aws:kms and a key alias of the
// target account, single and multipart: every object arrives encrypted
// with the target key, byte for byte, and a rerun skips them all although
// an SSE-KMS object's ETag is not its MD5. Without kms:Decrypt in the
// target key's policy a multipart copy fails (S3 decrypts the parts to
// complete it: Amazon S3 API Reference, CreateMultipartUpload,
// "Permissions"); without kms:GenerateDataKey every copy does.
func TestCopySSEKMS(t *testing.T) {
	w := newWorld(t, 4, func(i int) int { return []int{12<<20 + 7, 100, 6 << 20, 0}[i] })
	ctx := context.Background()
	srcKey := emulatortest.Must(kms.NewFromConfig(w.srv.Config("111111111111")).CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(keyPolicy("111111111111", "kms:Decrypt"))}))(t)
	tk := kms.NewFromConfig(w.srv.Config("222222222222"))
	dstKey := emulatortest.Must(tk.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(keyPolicy("222222222222", "kms:GenerateDataKey", "kms:Decrypt"))}))(t)
	emulatortest.Must(tk.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/dst"), TargetKeyId: dstKey.KeyMetadata.KeyId}))(t)
	emulatortest.Must(iam.NewFromConfig(w.srv.Config("222222222222")).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("copier"), PolicyName: aws.String("source-key"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"` + *srcKey.KeyMetadata.Arn + `"}]}`)}))(t)
	// The sources, rewritten under the home key.
	for key, b := range w.objects {
		emulatortest.Must(w.home.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("home-src"), Key: aws.String(key), Body: bytes.NewReader(b),
			ServerSideEncryption: types.ServerSideEncryptionAwsKms, SSEKMSKeyId: srcKey.KeyMetadata.Arn}))(t)
	}
	role := s3.NewFromConfig(w.role)
	newCopier := func() *s3copy.Copier {
		return s3copy.New(role, role, func(o *s3copy.Options) {
			o.MultipartThreshold, o.PartSize, o.MaxAttempts = 6<<20, 5<<20, 1
			o.SSE, o.SSEKMSKeyID = types.ServerSideEncryptionAwsKms, "alias/dst"
		})
	}
	job := s3copy.Job{SourceBucket: "home-src", Prefix: "data/", TargetBucket: "target-dst"}

	// Without kms:Decrypt on the target key only the multipart copy fails.
	emulatortest.Must(tk.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: dstKey.KeyMetadata.KeyId, PolicyName: aws.String("default"), Policy: aws.String(keyPolicy("222222222222", "kms:GenerateDataKey"))}))(t)
	sum, err := newCopier().Copy(ctx, job)
	var ae smithy.APIError
	if sum.Copied != 3 || sum.Failed != 1 || !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" || !strings.Contains(err.Error(), "kms:Decrypt") {
		t.Fatalf("target key without kms:Decrypt: got %+v, %v; want the multipart copy (only) refused kms:Decrypt", sum, err)
	}
	emulatortest.Must(tk.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: dstKey.KeyMetadata.KeyId, PolicyName: aws.String("default"), Policy: aws.String(keyPolicy("222222222222", "kms:GenerateDataKey", "kms:Decrypt"))}))(t)

	sum, err = newCopier().Copy(ctx, job)
	if err != nil || sum.Copied+sum.Skipped != 4 {
		t.Fatalf("got %+v, %v", sum, err)
	}
	w.verify(t, "data/")
	tc := s3.NewFromConfig(w.srv.Config("222222222222"))
	for key := range w.objects {
		h := emulatortest.Must(tc.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("target-dst"), Key: aws.String(key)}))(t)
		if h.ServerSideEncryption != types.ServerSideEncryptionAwsKms || aws.ToString(h.SSEKMSKeyId) != *dstKey.KeyMetadata.Arn {
			t.Errorf("%s: encrypted with %s %s, want aws:kms %s", key, h.ServerSideEncryption, aws.ToString(h.SSEKMSKeyId), *dstKey.KeyMetadata.Arn)
		}
	}
	if n := w.srv.Count("s3:UploadPartCopy"); n < 3 {
		t.Errorf("%d UploadPartCopy calls: the 12 MiB object was not copied in parts", n)
	}
	before := w.copyReqs()
	if sum, err := newCopier().Copy(ctx, job); err != nil || sum.Skipped != 4 || w.copyReqs() != before {
		t.Errorf("rerun: got %+v %v and %d new copies, want all skipped", sum, err, w.copyReqs()-before)
	}

	// Without kms:GenerateDataKey nothing is written.
	emulatortest.Must(tk.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: dstKey.KeyMetadata.KeyId, PolicyName: aws.String("default"), Policy: aws.String(keyPolicy("222222222222"))}))(t)
	c := s3copy.New(role, role, func(o *s3copy.Options) { o.SSEKMSKeyID, o.Overwrite, o.MaxAttempts = "alias/dst", true, 1 })
	if _, _, err := c.CopyObject(ctx, s3copy.Source{Bucket: "home-src", Key: "data/sub dir/é-00000.bin", Size: 1}, "target-dst", "again"); err == nil || !strings.Contains(err.Error(), "kms:GenerateDataKey") {
		t.Errorf("copy without kms:GenerateDataKey on the target key: %v", err)
	}
	out, err := tc.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("target-dst"), Key: aws.String("data/00001.bin")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if !bytes.Equal(got, w.objects["data/00001.bin"]) {
		t.Error("data/00001.bin differs")
	}
}
