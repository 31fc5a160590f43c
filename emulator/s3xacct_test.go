package emulator_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/xacct/xacct/emulatortest"
)

const (
	copyRoleARN = "arn:aws:iam::222222222222:role/s3-PutObject-assumedRole-by-Lambda-in-account111"
	// The Qiita article's (seed 003) permissions of the target role.
	copyRolePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::target-dst/*","arn:aws:s3:::target-dst","arn:aws:s3:::home-src/*","arn:aws:s3:::home-src"]}]}`
	// The home bucket policy of the seed: the target role may read.
	homeBucketPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"AllowCopyObjectFromLambda","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/s3-PutObject-assumedRole-by-Lambda-in-account111"},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::home-src","arn:aws:s3:::home-src/*"]}]}`
)

// copyScenario builds the Qiita article's accounts: the home bucket with
// objects, the target role and bucket; it returns S3 clients for the home
// root and for a session of the target role, assumed by the home account's
// admin user (root may not assume roles).
func copyScenario(t *testing.T, srv *emulatortest.Server) (homeS3, roleS3 *s3.Client) {
	t.Helper()
	ctx := context.Background()
	tIAM := iam.NewFromConfig(srv.Config(target))
	if _, err := tIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("s3-PutObject-assumedRole-by-Lambda-in-account111"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := tIAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("s3-PutObject-assumedRole-by-Lambda-in-account111"), PolicyName: aws.String("copy"), PolicyDocument: aws.String(copyRolePolicy)}); err != nil {
		t.Fatal(err)
	}
	homeS3 = s3.NewFromConfig(srv.Config(home))
	targetS3 := s3.NewFromConfig(srv.Config(target))
	if _, err := homeS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("home-src")}); err != nil {
		t.Fatal(err)
	}
	if _, err := targetS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("target-dst")}); err != nil {
		t.Fatal(err)
	}
	sess, err := assumeAs(ctx, srv.AdminConfig(t, home), copyRoleARN)
	if err != nil {
		t.Fatal(err)
	}
	return homeS3, s3.NewFromConfig(srv.ConfigWith(sess))
}

// TestSeedCrossAccountCopy: without the home bucket's policy the target
// role's GetObject and CopyObject are AccessDenied; with it they succeed
// and the bytes match (Qiita article, seed 003).
func TestSeedCrossAccountCopy(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	homeS3, roleS3 := copyScenario(t, srv)
	putString(t, homeS3, "home-src", "reports/a.csv", "id,value\n1,42\n")

	_, err := roleS3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("home-src"), Key: aws.String("reports/a.csv")})
	if apiCode(err) != "AccessDenied" || apiMessage(err) != "Access Denied" {
		t.Errorf("GetObject without bucket policy: got %v, want AccessDenied", err)
	}
	copyIn := &s3.CopyObjectInput{Bucket: aws.String("target-dst"), Key: aws.String("reports/a.csv"), CopySource: aws.String("home-src/reports/a.csv")}
	if _, err := roleS3.CopyObject(ctx, copyIn); apiCode(err) != "AccessDenied" {
		t.Errorf("CopyObject without bucket policy: got %v, want AccessDenied", err)
	}
	if _, err := roleS3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("home-src")}); apiCode(err) != "AccessDenied" {
		t.Errorf("ListObjectsV2 without bucket policy: got %v, want AccessDenied", err)
	}

	if _, err := homeS3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("home-src"), Policy: aws.String(homeBucketPolicy)}); err != nil {
		t.Fatal(err)
	}
	if got := getString(t, roleS3, "home-src", "reports/a.csv"); got != "id,value\n1,42\n" {
		t.Errorf("GetObject with bucket policy: got %q", got)
	}
	if _, err := roleS3.CopyObject(ctx, copyIn); err != nil {
		t.Fatalf("CopyObject with bucket policy: %v", err)
	}
	if got := getString(t, s3.NewFromConfig(srv.Config(target)), "target-dst", "reports/a.csv"); got != "id,value\n1,42\n" {
		t.Errorf("copied bytes: got %q", got)
	}
	// The role may read the source but not write it.
	if _, err := roleS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("home-src"), Key: aws.String("x"), Body: strings.NewReader("x")}); apiCode(err) != "AccessDenied" {
		t.Errorf("PutObject to the home bucket: got %v", err)
	}
	// The home bucket policy is the home account's business only.
	if _, err := roleS3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("home-src")}); apiCode(err) != "AccessDenied" {
		t.Errorf("GetBucketPolicy cross-account: got %v", err)
	}
	// A policy naming a role that does not exist is refused.
	bad := strings.Replace(homeBucketPolicy, "s3-PutObject-assumedRole-by-Lambda-in-account111", "no-such-role", 1)
	if _, err := homeS3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("home-src"), Policy: aws.String(bad)}); apiCode(err) != "MalformedPolicy" {
		t.Errorf("policy with unknown principal: got %v, want MalformedPolicy", err)
	}
}

// TestObjectOwnership: with BucketOwnerEnforced (the default) ACLs other
// than bucket-owner-full-control are refused; under ObjectWriter, an object
// written cross-account without bucket-owner-full-control is not readable
// by the bucket owner (Amazon S3 User Guide, "Object Ownership").
func TestObjectOwnership(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	homeS3, roleS3 := copyScenario(t, srv)
	targetS3 := s3.NewFromConfig(srv.Config(target))
	homeS3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("home-src"), Policy: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":["s3:PutObject","s3:PutObjectAcl","s3:GetObject"],"Resource":"arn:aws:s3:::home-src/*"}]}`)})
	roleIAM := iam.NewFromConfig(srv.Config(target))
	roleIAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("s3-PutObject-assumedRole-by-Lambda-in-account111"), PolicyName: aws.String("write-home"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:PutObject","s3:PutObjectAcl"],"Resource":"arn:aws:s3:::home-src/*"}}`)})
	_, err := roleS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("home-src"), Key: aws.String("a"), Body: strings.NewReader("a"), ACL: s3types.ObjectCannedACLPublicRead})
	if apiCode(err) != "AccessControlListNotSupported" {
		t.Errorf("public-read on an enforced bucket: got %v", err)
	}
	if _, err := roleS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("home-src"), Key: aws.String("a"), Body: strings.NewReader("a"), ACL: s3types.ObjectCannedACLBucketOwnerFullControl}); err != nil {
		t.Errorf("bucket-owner-full-control on an enforced bucket: %v", err)
	}
	if _, err := homeS3.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String("home-src"), OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipObjectWriter}}}}); err != nil {
		t.Fatal(err)
	}
	putString(t, roleS3, "home-src", "theirs", "x")
	if _, err := homeS3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("home-src"), Key: aws.String("theirs")}); apiCode(err) != "AccessDenied" {
		t.Errorf("bucket owner reading another account's object: got %v, want AccessDenied", err)
	}
	roleS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("home-src"), Key: aws.String("shared"), Body: strings.NewReader("x"), ACL: s3types.ObjectCannedACLBucketOwnerFullControl})
	if got := getString(t, homeS3, "home-src", "shared"); got != "x" {
		t.Errorf("with bucket-owner-full-control: got %q", got)
	}
	_ = targetS3
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// TestMultipartAndTransferManagers uploads and downloads multipart objects
// with both transfer managers, and copies one with UploadPartCopy ranges.
func TestMultipartAndTransferManagers(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3.NewFromConfig(srv.Config(home))
	c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("big")})
	data := randomBytes(17<<20 + 12345)

	up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
	res, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String("big"), Key: aws.String("manager.bin"), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(*res.ETag, `-4"`) {
		t.Errorf("got multipart ETag %s, want …-4", *res.ETag)
	}
	buf := manager.NewWriteAtBuffer(nil)
	if _, err := manager.NewDownloader(c, func(d *manager.Downloader) { d.PartSize = 5 << 20 }).Download(ctx, buf, &s3.GetObjectInput{Bucket: aws.String("big"), Key: aws.String("manager.bin")}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), data) {
		t.Error("feature/s3/manager round trip differs")
	}

	tm := transfermanager.New(c, func(o *transfermanager.Options) { o.PartSizeBytes = 5 << 20 })
	if _, err := tm.UploadObject(ctx, &transfermanager.UploadObjectInput{Bucket: aws.String("big"), Key: aws.String("tm.bin"), Body: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
	var w bytes.Buffer
	dl, err := tm.GetObject(ctx, &transfermanager.GetObjectInput{Bucket: aws.String("big"), Key: aws.String("tm.bin")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(&w, dl.Body); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.Bytes(), data) {
		t.Error("feature/s3/transfermanager round trip differs")
	}

	// UploadPartCopy with source ranges reassembles the object.
	cu, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("big"), Key: aws.String("copied.bin")})
	if err != nil {
		t.Fatal(err)
	}
	var parts []s3types.CompletedPart
	const ps = 6 << 20
	for i, off := 0, 0; off < len(data); i, off = i+1, off+ps {
		end := min(off+ps, len(data)) - 1
		pc, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("big"), Key: aws.String("copied.bin"), UploadId: cu.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), CopySource: aws.String("big/manager.bin"), CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", off, end))})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, s3types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: pc.CopyPartResult.ETag})
	}
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("big"), Key: aws.String("copied.bin"), UploadId: cu.UploadId})
	if err != nil || len(lp.Parts) != len(parts) {
		t.Fatalf("ListParts: %v %v", lp, err)
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("big"), Key: aws.String("copied.bin"), UploadId: cu.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	if got := getString(t, c, "big", "copied.bin"); got != string(data) {
		t.Error("UploadPartCopy reassembly differs")
	}
	// Part-size and part-order rules.
	cu2, _ := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("big"), Key: aws.String("small.bin")})
	var small []s3types.CompletedPart
	for i := 1; i <= 2; i++ {
		p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("big"), Key: aws.String("small.bin"), UploadId: cu2.UploadId, PartNumber: aws.Int32(int32(i)), Body: bytes.NewReader([]byte("tiny"))})
		if err != nil {
			t.Fatal(err)
		}
		small = append(small, s3types.CompletedPart{PartNumber: aws.Int32(int32(i)), ETag: p.ETag})
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("big"), Key: aws.String("small.bin"), UploadId: cu2.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: small}})
	if apiCode(err) != "EntityTooSmall" {
		t.Errorf("small parts: got %v, want EntityTooSmall", err)
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("big"), Key: aws.String("small.bin"), UploadId: cu2.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{small[1], small[0]}}})
	if apiCode(err) != "InvalidPartOrder" {
		t.Errorf("part order: got %v, want InvalidPartOrder", err)
	}
	lu, _ := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("big")})
	if len(lu.Uploads) != 1 {
		t.Errorf("got %d uploads in progress, want 1", len(lu.Uploads))
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("big"), Key: aws.String("small.bin"), UploadId: cu2.UploadId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("big"), Key: aws.String("small.bin"), UploadId: cu2.UploadId, PartNumber: aws.Int32(3), Body: bytes.NewReader([]byte("x"))}); apiCode(err) != "NoSuchUpload" {
		t.Errorf("after abort: got %v, want NoSuchUpload", err)
	}
}
