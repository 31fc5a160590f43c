package emulator_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
)

// Tests of issue 12's S3 bullets: where the emulator said yes and AWS says
// no, and the reverse.

const copySessionARN = "arn:aws:sts::222222222222:assumed-role/s3-PutObject-assumedRole-by-Lambda-in-account111/S3CrossAccountRole"

func putPolicy(t *testing.T, c *s3.Client, bucket, doc string) {
	t.Helper()
	if _, err := c.PutBucketPolicy(context.Background(), &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(doc)}); err != nil {
		t.Fatalf("PutBucketPolicy %s: %v", bucket, err)
	}
}

// TestS3CannedACLNeedsOnlyPutObject: a write carrying x-amz-acl:
// bucket-owner-full-control needs only s3:PutObject, which a bucket policy
// can tie to the ACL with the s3:x-amz-acl condition key (Amazon S3 User
// Guide, "Policy examples for ACLs": "Granting s3:PutObject permission
// with a condition requiring the bucket owner to get full control";
// CloudTrail's bucket policy in the AWS CloudTrail User Guide, "Amazon S3
// bucket policy for CloudTrail", grants nothing else).
func TestS3CannedACLNeedsOnlyPutObject(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	homeS3, roleS3 := copyScenario(t, srv)
	putPolicy(t, homeS3, "home-src", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::home-src/*","Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}}]}`)
	in := func(key string, acl s3types.ObjectCannedACL) *s3.PutObjectInput {
		return &s3.PutObjectInput{Bucket: aws.String("home-src"), Key: aws.String(key), Body: strings.NewReader("x"), ACL: acl}
	}
	if _, err := roleS3.PutObject(ctx, in("with-acl", s3types.ObjectCannedACLBucketOwnerFullControl)); err != nil {
		t.Errorf("PutObject with bucket-owner-full-control and only s3:PutObject: got %v, want success", err)
	}
	if _, err := roleS3.PutObject(ctx, in("without-acl", "")); apiCode(err) != "AccessDenied" {
		t.Errorf("PutObject without the ACL the condition requires: got %v, want AccessDenied", err)
	}
	// The multipart path takes the same permission.
	if _, err := roleS3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("home-src"), Key: aws.String("mp"), ACL: s3types.ObjectCannedACLBucketOwnerFullControl}); err != nil {
		t.Errorf("CreateMultipartUpload with bucket-owner-full-control: got %v, want success", err)
	}
	if got := getString(t, homeS3, "home-src", "with-acl"); got != "x" {
		t.Errorf("bucket owner reads the object: got %q", got)
	}
}

// TestS3EnforcedOwnershipTakesExistingObjects: applying
// BucketOwnerEnforced makes the bucket owner the owner of every object
// already in the bucket, including objects other accounts wrote under
// ObjectWriter (Amazon S3 User Guide, "Controlling ownership of objects
// and disabling ACLs for your bucket").
func TestS3EnforcedOwnershipTakesExistingObjects(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	homeS3, roleS3 := copyScenario(t, srv)
	if _, err := homeS3.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String("home-src"),
		OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipObjectWriter}}}}); err != nil {
		t.Fatal(err)
	}
	putPolicy(t, homeS3, "home-src", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::home-src/*"}]}`)
	putString(t, roleS3, "home-src", "theirs", "payload")
	if _, err := homeS3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("home-src"), Key: aws.String("theirs")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("bucket owner reading another account's object under ObjectWriter: got %v, want AccessDenied", err)
	}
	if _, err := homeS3.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String("home-src"),
		OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}}}}); err != nil {
		t.Fatal(err)
	}
	if got := getString(t, homeS3, "home-src", "theirs"); got != "payload" {
		t.Errorf("after BucketOwnerEnforced: got %q, want the object", got)
	}
	acl, err := homeS3.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("home-src"), Key: aws.String("theirs")})
	if err != nil {
		t.Fatal(err)
	}
	listed, err := homeS3.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(acl.Owner.ID), aws.ToString(listed.Owner.ID); got != want {
		t.Errorf("object owner after BucketOwnerEnforced: got %s, want the bucket owner %s", got, want)
	}
	// Enabling ACLs again does not hand the object back.
	if _, err := homeS3.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String("home-src"),
		OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipObjectWriter}}}}); err != nil {
		t.Fatal(err)
	}
	if got := getString(t, homeS3, "home-src", "theirs"); got != "payload" {
		t.Errorf("after ObjectWriter again: got %q, want the object", got)
	}
}

// TestS3NotPrincipalMatchesSessions: a Deny with NotPrincipal naming a
// role and its account still denies the role's sessions; naming the
// session ARN too exempts the session (IAM User Guide, "AWS JSON policy
// elements: NotPrincipal", the example for an IAM role in the same or a
// different account).
func TestS3NotPrincipalMatchesSessions(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	homeS3, roleS3 := copyScenario(t, srv)
	putString(t, homeS3, "home-src", "a", "a")
	policyNaming := func(except ...string) string {
		return `{"Version":"2012-10-17","Statement":[` +
			`{"Effect":"Allow","Principal":{"AWS":"` + copyRoleARN + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::home-src/*"},` +
			`{"Effect":"Deny","NotPrincipal":{"AWS":["` + strings.Join(except, `","`) + `"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::home-src/*"}]}`
	}
	get := func() error {
		_, err := roleS3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("home-src"), Key: aws.String("a")})
		return err
	}
	putPolicy(t, homeS3, "home-src", policyNaming(copyRoleARN, "arn:aws:iam::222222222222:root", "arn:aws:iam::111111111111:root"))
	if err := get(); apiCode(err) != "AccessDenied" {
		t.Errorf("NotPrincipal naming the role and account, session reads: got %v, want AccessDenied", err)
	}
	putPolicy(t, homeS3, "home-src", policyNaming(copySessionARN, copyRoleARN, "arn:aws:iam::222222222222:root", "arn:aws:iam::111111111111:root"))
	if err := get(); err != nil {
		t.Errorf("NotPrincipal naming the session too: got %v, want success", err)
	}
	// The bucket owner's root is named, so it is not locked out.
	if got := getString(t, homeS3, "home-src", "a"); got != "a" {
		t.Errorf("bucket owner: got %q", got)
	}
}

// TestS3BlockPublicAccess: a new bucket has all four Block Public Access
// settings on (Amazon S3 User Guide, "Blocking public access to your
// Amazon S3 storage", the default since April 2023); BlockPublicPolicy
// refuses a policy that is public as "The meaning of 'public'" defines it
// and accepts one narrowed by a fixed condition value; RestrictPublicBuckets
// keeps anonymous and cross-account callers out of a bucket whose policy
// is public (Amazon S3 API Reference, PublicAccessBlockConfiguration).
func TestS3BlockPublicAccess(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	other := s3For(srv.Config(target))
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("pub")}); err != nil {
		t.Fatal(err)
	}
	putString(t, c, "pub", "k", "v")
	got, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("pub")})
	if err != nil {
		t.Fatalf("GetPublicAccessBlock on a new bucket: %v", err)
	}
	if p := got.PublicAccessBlockConfiguration; !aws.ToBool(p.BlockPublicAcls) || !aws.ToBool(p.IgnorePublicAcls) || !aws.ToBool(p.BlockPublicPolicy) || !aws.ToBool(p.RestrictPublicBuckets) {
		t.Errorf("new bucket's settings: got %+v, want all true", *p)
	}
	stmt := func(cond string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pub/*"` + cond + `}]}`
	}
	for _, tc := range []struct {
		name, doc string
		public    bool
	}{
		{"everyone", stmt(""), true},
		{"AWS star", strings.Replace(stmt(""), `"*"`, `{"AWS":"*"}`, 1), true},
		{"wildcard VPC", stmt(`,"Condition":{"StringLike":{"aws:SourceVpc":"vpc-*"}}`), true},
		{"negated condition", stmt(`,"Condition":{"StringNotEquals":{"aws:SourceAccount":"111111111111"}}`), true},
		{"all addresses", stmt(`,"Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`), true},
		{"fixed VPC", stmt(`,"Condition":{"StringEquals":{"aws:SourceVpc":"vpc-91237329"}}`), false},
		{"fixed account", stmt(`,"Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"}}`), false},
		{"CIDR", stmt(`,"Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`), false},
		{"fixed principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::pub/*"}]}`, false},
	} {
		_, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("pub"), Policy: aws.String(tc.doc)})
		if tc.public && (apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "BlockPublicPolicy")) {
			t.Errorf("%s: got %v, want AccessDenied naming BlockPublicPolicy", tc.name, err)
		}
		if !tc.public && err != nil {
			t.Errorf("%s: got %v, want the non-public policy accepted", tc.name, err)
		}
	}
	// With the policy naming account 222222222222 in place, the default
	// RestrictPublicBuckets does not matter: the policy is not public.
	if got := getString(t, other, "pub", "k"); got != "v" {
		t.Errorf("cross-account read through a non-public policy: got %q", got)
	}

	// Allow public policies, keep RestrictPublicBuckets.
	if _, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("pub"), PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
		BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(false), RestrictPublicBuckets: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	putPolicy(t, c, "pub", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pub/*"},{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::pub/*"}]}`)
	anon := func() int {
		resp, err := http.Get(srv.URL + "/pub/k")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := anon(); code != http.StatusForbidden {
		t.Errorf("anonymous GET with RestrictPublicBuckets: got %d, want 403", code)
	}
	if _, err := other.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("pub"), Key: aws.String("k")}); apiCode(err) != "AccessDenied" {
		t.Errorf("cross-account GET named in a public policy, RestrictPublicBuckets: got %v, want AccessDenied", err)
	}
	if got := getString(t, c, "pub", "k"); got != "v" {
		t.Errorf("bucket owner with RestrictPublicBuckets: got %q", got)
	}
	if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("pub")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("pub")}); apiCode(err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Errorf("GetPublicAccessBlock after delete: got %v", err)
	}
	if code := anon(); code != http.StatusOK {
		t.Errorf("anonymous GET of a public object without Block Public Access: got %d, want 200", code)
	}
}

// TestS3AuthorizationBeforeExistence: a caller without permission gets
// 403 whether or not the key exists, on every object operation; HeadObject
// and GetObject answer 404 only to callers also allowed s3:ListBucket
// (Amazon S3 API Reference, GetObject, HeadObject and GetObjectAcl:
// "Permissions").
func TestS3AuthorizationBeforeExistence(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	owner := s3For(srv.Config(home))
	other := s3For(srv.Config(target))
	if _, err := owner.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("private-b")}); err != nil {
		t.Fatal(err)
	}
	putString(t, owner, "private-b", "exists", "x")
	if _, err := other.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("other-dst")}); err != nil {
		t.Fatal(err)
	}
	b := aws.String("private-b")
	ops := map[string]func(key string) error{
		"GetObject": func(k string) error {
			_, err := other.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: &k})
			return err
		},
		"HeadObject": func(k string) error {
			_, err := other.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: &k})
			return err
		},
		"GetObjectAcl": func(k string) error {
			_, err := other.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: b, Key: &k})
			return err
		},
		"PutObjectAcl": func(k string) error {
			_, err := other.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: b, Key: &k, ACL: s3types.ObjectCannedACLBucketOwnerFullControl})
			return err
		},
		"CopyObject": func(k string) error {
			_, err := other.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("other-dst"), Key: aws.String("dst"), CopySource: aws.String("private-b/" + k)})
			return err
		},
	}
	status := func(err error) int {
		var re interface{ HTTPStatusCode() int }
		if errors.As(err, &re) {
			return re.HTTPStatusCode()
		}
		return 0
	}
	for name, op := range ops {
		for _, key := range []string{"exists", "missing"} {
			if err := op(key); status(err) != http.StatusForbidden {
				t.Errorf("%s on %s key without permission: got %v, want 403", name, key, err)
			}
		}
	}
	// s3:ListBucket alone does not reveal a missing key to a caller that
	// may not read it.
	putPolicy(t, owner, "private-b", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::private-b"}]}`)
	for _, name := range []string{"GetObject", "HeadObject", "GetObjectAcl"} {
		if err := ops[name]("missing"); status(err) != http.StatusForbidden {
			t.Errorf("%s on a missing key, caller allowed only s3:ListBucket: got %v, want 403", name, err)
		}
	}
	// s3:GetObject without s3:ListBucket: 403 for a missing key.
	putPolicy(t, owner, "private-b", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":["s3:GetObject","s3:GetObjectAcl"],"Resource":"arn:aws:s3:::private-b/*"}]}`)
	for _, name := range []string{"GetObject", "HeadObject"} {
		if err := ops[name]("missing"); status(err) != http.StatusForbidden {
			t.Errorf("%s on a missing key without s3:ListBucket: got %v, want 403", name, err)
		}
	}
	if err := ops["GetObjectAcl"]("missing"); apiCode(err) != "NoSuchKey" {
		t.Errorf("GetObjectAcl on a missing key, caller allowed it: got %v, want NoSuchKey", err)
	}
	// Both: 404.
	putPolicy(t, owner, "private-b", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::private-b/*"},{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::private-b"}]}`)
	if err := ops["GetObject"]("missing"); apiCode(err) != "NoSuchKey" {
		t.Errorf("GetObject on a missing key with s3:ListBucket: got %v, want NoSuchKey", err)
	}
	if err := ops["HeadObject"]("missing"); status(err) != http.StatusNotFound {
		t.Errorf("HeadObject on a missing key with s3:ListBucket: got %v, want 404", err)
	}
}

// TestS3BadInput: malformed or oversized input gets S3's error code, never
// a 200 or a 500 (Amazon S3 API Reference, "Error responses": "List of
// error codes"; limits from the Amazon S3 User Guide, "Naming Amazon S3
// objects" (1,024-byte keys) and "Working with object metadata" (2 KB of
// user-defined metadata, 8 KB of request headers)).
func TestS3BadInput(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bad-input")}); err != nil {
		t.Fatal(err)
	}
	putString(t, c, "bad-input", "src", "x")
	b := aws.String("bad-input")
	meta := func(n int) map[string]string { return map[string]string{"m": strings.Repeat("v", n-1)} }
	cases := []struct {
		name string
		call func() error
		code string // "" for success
	}{
		{"unknown location constraint", func() error {
			_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("lc-bad"), CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "xx-nowhere-1"}})
			return err
		}, "InvalidLocationConstraint"},
		{"us-east-1 named as a location constraint", func() error {
			_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("lc-east"), CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "us-east-1"}})
			return err
		}, "InvalidLocationConstraint"},
		{"known location constraint", func() error {
			_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("lc-ok"), CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}})
			return err
		}, ""},
		{"version id in the copy source", func() error {
			_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("dst"), CopySource: aws.String("bad-input/src?versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")})
			return err
		}, "InvalidArgument"},
		{"null version id in the copy source", func() error {
			_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("dst"), CopySource: aws.String("bad-input/src?versionId=null")})
			return err
		}, ""},
		{"version id on GetObject", func() error {
			_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("src"), VersionId: aws.String("3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")})
			return err
		}, "InvalidArgument"},
		{"metadata over 2 KB", func() error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("m"), Body: strings.NewReader("x"), Metadata: meta(2049)})
			return err
		}, "MetadataTooLarge"},
		{"metadata of 2 KB", func() error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("m"), Body: strings.NewReader("x"), Metadata: meta(2048)})
			return err
		}, ""},
		{"metadata over 2 KB on CreateMultipartUpload", func() error {
			_, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("m"), Metadata: meta(2049)})
			return err
		}, "MetadataTooLarge"},
		{"metadata over 2 KB replacing on copy", func() error {
			_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("dst"), CopySource: aws.String("bad-input/src"), MetadataDirective: s3types.MetadataDirectiveReplace, Metadata: meta(2049)})
			return err
		}, "MetadataTooLarge"},
		{"key of 1,025 bytes", func() error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String(strings.Repeat("k", 1025)), Body: strings.NewReader("x")})
			return err
		}, "KeyTooLongError"},
		{"key of 1,024 bytes", func() error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String(strings.Repeat("k", 1024)), Body: strings.NewReader("x")})
			return err
		}, ""},
		{"key of 1,025 bytes as copy destination", func() error {
			_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String(strings.Repeat("k", 1025)), CopySource: aws.String("bad-input/src")})
			return err
		}, "KeyTooLongError"},
		{"unknown storage class", func() error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("sc"), Body: strings.NewReader("x"), StorageClass: "FROZEN"})
			return err
		}, "InvalidStorageClass"},
		{"directory bucket storage class", func() error {
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("sc"), Body: strings.NewReader("x"), StorageClass: s3types.StorageClassExpressOnezone})
			return err
		}, "InvalidStorageClass"},
		{"unknown storage class on copy", func() error {
			_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("dst"), CopySource: aws.String("bad-input/src"), StorageClass: "FROZEN"})
			return err
		}, "InvalidStorageClass"},
	}
	for _, tc := range cases {
		err := tc.call()
		if tc.code == "" && err != nil {
			t.Errorf("%s: got %v, want success", tc.name, err)
		}
		if tc.code != "" && apiCode(err) != tc.code {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.code)
		}
	}
}

// rawSigned returns the bytes of a signed request's head (request line and
// headers), for requests SDKs refuse to send: a body shorter than its
// Content-Length, one declared larger than S3 takes, an invalid ACL body.
func rawSigned(t *testing.T, srv *emulatortest.Server, method, path string, contentLength int64, hdr map[string]string) []byte {
	t.Helper()
	r, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.ContentLength = contentLength
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	signPayload(t, r, "UNSIGNED-PAYLOAD", "s3", "us-east-1")
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", method, r.URL.RequestURI(), r.URL.Host, contentLength)
	for k, vs := range r.Header {
		for _, v := range vs {
			fmt.Fprintf(&sb, "%s: %s\r\n", k, v)
		}
	}
	sb.WriteString("\r\n")
	return []byte(sb.String())
}

// exchange sends head and body on a new connection, half-closes it, and
// reads the response; it fails if the emulator takes longer than limit.
func exchange(t *testing.T, srv *emulatortest.Server, head, body []byte, closeWrite bool, limit time.Duration) (*http.Response, string) {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(limit))
	if _, err := conn.Write(append(head, body...)); err != nil {
		t.Fatal(err)
	}
	if closeWrite {
		conn.(*net.TCPConn).CloseWrite()
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no response within %v: %v", limit, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// TestS3BadInputRaw: bad requests an SDK will not send, over raw signed
// HTTP (Amazon S3 API Reference, "Error responses": IncompleteBody,
// EntityTooLarge, MalformedACLError, RequestHeaderSectionTooLarge).
func TestS3BadInputRaw(t *testing.T) {
	t.Run("memory", func(t *testing.T) { badInputRaw(t, emulatortest.New(t)) })
	t.Run("data-dir", func(t *testing.T) { badInputRaw(t, emulatortest.New(t, emulator.WithDataDir(t.TempDir()))) })
}

func badInputRaw(t *testing.T, srv *emulatortest.Server) {
	ctx := context.Background()
	c := s3For(srv.Config(home))
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("raw"), ObjectOwnership: s3types.ObjectOwnershipObjectWriter}); err != nil {
		t.Fatal(err)
	}
	putString(t, c, "raw", "k", "v")
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("raw"), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	want := func(name string, resp *http.Response, body string, status int, code string) {
		t.Helper()
		if resp.StatusCode != status || !strings.Contains(body, "<Code>"+code+"</Code>") {
			t.Errorf("%s: got %d %s, want %d %s", name, resp.StatusCode, body, status, code)
		}
	}

	// A body shorter than its Content-Length: the client stops sending.
	resp, body := exchange(t, srv, rawSigned(t, srv, "PUT", "/raw/short", 100, nil), []byte("only ten b"), true, 10*time.Second)
	want("PutObject with a short body", resp, body, http.StatusBadRequest, "IncompleteBody")
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("raw"), Key: aws.String("short")}); apiCode(err) != "NotFound" {
		t.Errorf("object after an incomplete body: got %v, want none", err)
	}
	// The same for the XML bodies of bucket and ACL operations.
	for _, path := range []string{"/raw?policy", "/raw?ownershipControls", "/raw?publicAccessBlock", "/raw/k?acl", "/raw?delete"} {
		method := "PUT"
		if path == "/raw?delete" {
			method = "POST"
		}
		resp, body := exchange(t, srv, rawSigned(t, srv, method, path, 100, nil), []byte("<only ten>"), true, 10*time.Second)
		want(method+" "+path+" with a short body", resp, body, http.StatusBadRequest, "IncompleteBody")
	}
	partPath := "/raw/mp?partNumber=1&uploadId=" + url.QueryEscape(aws.ToString(up.UploadId))
	resp, body = exchange(t, srv, rawSigned(t, srv, "PUT", partPath, 100, nil), []byte("only ten b"), true, 10*time.Second)
	want("UploadPart with a short body", resp, body, http.StatusBadRequest, "IncompleteBody")

	// Declared over 5 GiB: refused at once, before any body is sent.
	resp, body = exchange(t, srv, rawSigned(t, srv, "PUT", "/raw/huge", 5<<30+1, nil), nil, false, 5*time.Second)
	want("PutObject declaring 5 GiB + 1", resp, body, http.StatusBadRequest, "EntityTooLarge")
	resp, body = exchange(t, srv, rawSigned(t, srv, "PUT", partPath, 5<<30+1, nil), nil, false, 5*time.Second)
	want("UploadPart declaring 5 GiB + 1", resp, body, http.StatusBadRequest, "EntityTooLarge")

	// ACL bodies that are not an AccessControlPolicy S3 accepts.
	for name, acl := range map[string]string{
		"not XML":            `<AccessControlPolicy><Owner>`,
		"no owner":           `<AccessControlPolicy><AccessControlList></AccessControlList></AccessControlPolicy>`,
		"unknown grantee":    `<AccessControlPolicy><Owner><ID>x</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Nobody"><ID>x</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`,
		"unknown permission": `<AccessControlPolicy><Owner><ID>x</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>x</ID></Grantee><Permission>EVERYTHING</Permission></Grant></AccessControlList></AccessControlPolicy>`,
	} {
		for _, path := range []string{"/raw/k?acl", "/raw?acl"} {
			resp, body := exchange(t, srv, rawSigned(t, srv, "PUT", path, int64(len(acl)), nil), []byte(acl), false, 10*time.Second)
			want("PutObjectAcl/PutBucketAcl "+path+" "+name, resp, body, http.StatusBadRequest, "MalformedACLError")
		}
	}

	// A header section over 8 KB.
	resp, body = exchange(t, srv, rawSigned(t, srv, "GET", "/raw/k", 0, map[string]string{"X-Padding": strings.Repeat("p", 9000)}), nil, false, 10*time.Second)
	want("GetObject with 9 KB of headers", resp, body, http.StatusBadRequest, "RequestHeaderSectionTooLarge")
	resp, _ = exchange(t, srv, rawSigned(t, srv, "GET", "/raw/k", 0, map[string]string{"X-Padding": strings.Repeat("p", 4000)}), nil, false, 10*time.Second)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GetObject with 4 KB of headers: got %d, want 200", resp.StatusCode)
	}
}
