package emulator_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/xacct/xacct/emulatortest"
)

const (
	authUsersURI   = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
	logDeliveryURI = "http://acs.amazonaws.com/groups/s3/LogDelivery"
)

// canonicalIDOf is acct's canonical user id, as ListBuckets shows it to
// the account (it also makes acct an account S3 knows, by owning a
// bucket).
func canonicalIDOf(t *testing.T, c *s3.Client, bucket string) string {
	t.Helper()
	newBucket(t, c, bucket)
	out, err := c.ListBuckets(context.Background(), &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Owner.ID)
}

// aclGrants is an ACL's grants as "grantee=PERMISSION" (grantee: the
// canonical id or the group URI).
func aclGrants(grants []s3types.Grant) map[string]bool {
	out := map[string]bool{}
	for _, g := range grants {
		if g.Grantee == nil {
			continue
		}
		who := aws.ToString(g.Grantee.ID)
		if g.Grantee.URI != nil {
			who = aws.ToString(g.Grantee.URI)
		}
		out[who+"="+string(g.Permission)] = true
	}
	return out
}

// userConfig creates IAM user name in acct's account (as its root user,
// with policy as its inline policy when not "") and returns a
// configuration signed with its new access key.
func userConfig(t *testing.T, srv *emulatortest.Server, acct, name, policy string) aws.Config {
	t.Helper()
	ctx := context.Background()
	c := iam.NewFromConfig(srv.Config(acct))
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if policy != "" {
		if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
			t.Fatal(err)
		}
	}
	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return srv.ConfigWith(aws.Credentials{AccessKeyID: *key.AccessKey.AccessKeyId, SecretAccessKey: *key.AccessKey.SecretAccessKey})
}

// TestS3ACLOnCreateAndUpload: with ACLs enabled, the ACL given to
// CreateBucket, CreateMultipartUpload (for the completed object) and
// CopyObject is kept, shown and enforced; canned ACLs expand as the
// canned ACL table says (log-delivery-write on a bucket, the
// bucket-owner-* ones ignored there); a public ACL on a new bucket is
// refused because Block Public Access is on; a copy does not take its
// source's ACL; re-creating the bucket in us-east-1 resets its ACL
// (Amazon S3 User Guide, "Access control list (ACL) overview", "Canned
// ACL"; Amazon S3 API Reference, CreateBucket, CreateMultipartUpload,
// CopyObject, BucketAlreadyOwnedByYou).
func TestS3ACLOnCreateAndUpload(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	owner := s3For(srv.Config(home))
	other := s3For(srv.Config(target))
	otherID := canonicalIDOf(t, other, "other-home")
	grantOther := aws.String(`id="` + otherID + `"`)
	if _, err := owner.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acl-create"), ObjectOwnership: s3types.ObjectOwnershipObjectWriter, GrantRead: grantOther}); err != nil {
		t.Fatal(err)
	}
	acl, err := owner.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("acl-create")})
	if err != nil {
		t.Fatal(err)
	}
	if g := aclGrants(acl.Grants); !g[otherID+"=READ"] || len(g) != 2 {
		t.Errorf("GetBucketAcl after CreateBucket --grant-read: %v, want the owner's FULL_CONTROL and the READ grant", g)
	}
	if _, err := other.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("acl-create")}); err != nil {
		t.Errorf("list with the READ grant given on CreateBucket: %v", err)
	}

	for _, tc := range []struct {
		acl  s3types.BucketCannedACL
		want []string
	}{
		{"log-delivery-write", []string{logDeliveryURI + "=WRITE", logDeliveryURI + "=READ_ACP"}},
		{s3types.BucketCannedACLAuthenticatedRead, nil},
		{s3types.BucketCannedACLPrivate, nil},
		{"bucket-owner-full-control", nil},
	} {
		name := "acl-canned-" + strings.ReplaceAll(string(tc.acl), "_", "-")
		_, err := owner.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name), ObjectOwnership: s3types.ObjectOwnershipObjectWriter, ACL: tc.acl})
		if tc.acl == s3types.BucketCannedACLAuthenticatedRead {
			if apiCode(err) != "InvalidBucketAclWithBlockPublicAccessError" {
				t.Errorf("CreateBucket --acl %s: got %v, want InvalidBucketAclWithBlockPublicAccessError", tc.acl, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("CreateBucket --acl %s: %v", tc.acl, err)
		}
		acl, err := owner.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		g := aclGrants(acl.Grants)
		for _, w := range tc.want {
			if !g[w] {
				t.Errorf("CreateBucket --acl %s: grants %v, want %s", tc.acl, g, w)
			}
		}
		if len(g) != 1+len(tc.want) {
			t.Errorf("CreateBucket --acl %s: grants %v, want the owner's and %v", tc.acl, g, tc.want)
		}
	}
	if _, err := owner.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acl-public"), ObjectOwnership: s3types.ObjectOwnershipObjectWriter, ACL: s3types.BucketCannedACLPublicRead}); apiCode(err) != "InvalidBucketAclWithBlockPublicAccessError" {
		t.Errorf("CreateBucket --acl public-read: got %v, want InvalidBucketAclWithBlockPublicAccessError", err)
	}

	// CreateMultipartUpload's grants are the completed object's.
	up, err := owner.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("acl-create"), Key: aws.String("mp"), GrantRead: grantOther})
	if err != nil {
		t.Fatal(err)
	}
	part, err := owner.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("acl-create"), Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("multi")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("acl-create"), Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}}); err != nil {
		t.Fatal(err)
	}
	oacl, err := owner.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("acl-create"), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	if g := aclGrants(oacl.Grants); !g[otherID+"=READ"] {
		t.Errorf("GetObjectAcl of a multipart object created with --grant-read: %v", g)
	}
	if got := getString(t, other, "acl-create", "mp"); got != "multi" {
		t.Errorf("read with the multipart upload's READ grant: got %q", got)
	}

	// CopyObject keeps the ACL it is given, not its source's.
	if _, err := owner.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("acl-create"), Key: aws.String("copied"), CopySource: aws.String("acl-create/mp"), GrantRead: grantOther}); err != nil {
		t.Fatal(err)
	}
	if got := getString(t, other, "acl-create", "copied"); got != "multi" {
		t.Errorf("read with the copy's READ grant: got %q", got)
	}
	if _, err := owner.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("acl-create"), Key: aws.String("plain"), CopySource: aws.String("acl-create/mp")}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("acl-create"), Key: aws.String("plain")}); apiCode(err) != "AccessDenied" {
		t.Errorf("read of a copy made without an ACL: got %v, want AccessDenied (the source's ACL is not copied)", err)
	}

	// Re-creating an owned bucket in us-east-1 answers 200 and resets its
	// ACL to the request's.
	if _, err := owner.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acl-create")}); err != nil {
		t.Fatalf("re-create in us-east-1: %v", err)
	}
	if acl, err := owner.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("acl-create")}); err != nil || len(acl.Grants) != 1 {
		t.Errorf("ACL after re-creating the bucket: %v, %v; want the owner's grant only", acl, err)
	}
}

// TestS3ACLGroupGrantees: a grant to AuthenticatedUsers lets every signed
// request read (another account's root; not its IAM users without their
// own permission; not anonymous callers), one to AllUsers everyone, one to
// LogDelivery is kept and shown and grants nothing; IgnorePublicAcls
// turns off both public groups (Amazon S3 User Guide, "Access control
// list (ACL) overview": "Amazon S3 predefined groups"; "Blocking public
// access to your Amazon S3 storage").
func TestS3ACLGroupGrantees(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	owner := s3For(srv.Config(home))
	other := s3For(srv.Config(target))
	if _, err := owner.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("groups"), ObjectOwnership: s3types.ObjectOwnershipObjectWriter}); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("groups")}); err != nil {
		t.Fatal(err)
	}
	for key, acl := range map[string]s3types.ObjectCannedACL{"auth": s3types.ObjectCannedACLAuthenticatedRead, "pub": s3types.ObjectCannedACLPublicRead, "private": ""} {
		if _, err := owner.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("groups"), Key: aws.String(key), Body: strings.NewReader(key), ACL: acl}); err != nil {
			t.Fatal(err)
		}
	}
	anon := func(method, key string) int {
		req, err := http.NewRequest(method, srv.URL+"/groups/"+key, strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := getString(t, other, "groups", "auth"); got != "auth" {
		t.Errorf("another account's root reading an authenticated-read object: got %q", got)
	}
	if code := anon("GET", "auth"); code != http.StatusForbidden {
		t.Errorf("anonymous GET of an authenticated-read object: %d, want 403", code)
	}
	if code := anon("GET", "pub"); code != http.StatusOK {
		t.Errorf("anonymous GET of a public-read object: %d, want 200", code)
	}
	if _, err := other.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("groups"), Key: aws.String("private")}); apiCode(err) != "AccessDenied" {
		t.Errorf("another account reading a private object: got %v, want AccessDenied", err)
	}
	// An IAM user of another account needs its own account's permission.
	bare := s3For(userConfig(t, srv, target, "bare", ""))
	if _, err := bare.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("groups"), Key: aws.String("auth")}); apiCode(err) != "AccessDenied" {
		t.Errorf("IAM user without permissions, authenticated-read: got %v, want AccessDenied", err)
	}
	reader := s3For(userConfig(t, srv, target, "reader", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`))
	if got := getString(t, reader, "groups", "auth"); got != "auth" {
		t.Errorf("IAM user allowed s3:GetObject, authenticated-read: got %q", got)
	}
	oacl, err := owner.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("groups"), Key: aws.String("auth")})
	if err != nil {
		t.Fatal(err)
	}
	if g := aclGrants(oacl.Grants); !g[authUsersURI+"=READ"] {
		t.Errorf("GetObjectAcl of an authenticated-read object: %v", g)
	}

	// LogDelivery: kept, shown, grants nothing.
	if _, err := owner.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("groups"), ACL: "log-delivery-write"}); err != nil {
		t.Fatal(err)
	}
	acl, err := owner.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("groups")})
	if err != nil {
		t.Fatal(err)
	}
	if g := aclGrants(acl.Grants); !g[logDeliveryURI+"=WRITE"] || !g[logDeliveryURI+"=READ_ACP"] {
		t.Errorf("GetBucketAcl after log-delivery-write: %v", g)
	}
	if code := anon("PUT", "logged"); code != http.StatusForbidden {
		t.Errorf("anonymous PUT into a log-delivery-write bucket: %d, want 403", code)
	}
	if _, err := other.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("groups"), Key: aws.String("logged"), Body: strings.NewReader("x")}); apiCode(err) != "AccessDenied" {
		t.Errorf("another account writing into a log-delivery-write bucket: got %v, want AccessDenied", err)
	}
	// A bucket grant to AuthenticatedUsers lets another account list.
	if _, err := owner.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("groups"), ACL: s3types.BucketCannedACLAuthenticatedRead}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("groups")}); err != nil {
		t.Errorf("another account listing an authenticated-read bucket: %v", err)
	}

	// IgnorePublicAcls: AllUsers and AuthenticatedUsers grant nothing.
	if _, err := owner.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("groups"), PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{IgnorePublicAcls: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("groups"), Key: aws.String("auth")}); apiCode(err) != "AccessDenied" {
		t.Errorf("authenticated-read with IgnorePublicAcls: got %v, want AccessDenied", err)
	}
	if code := anon("GET", "pub"); code != http.StatusForbidden {
		t.Errorf("public-read with IgnorePublicAcls: %d, want 403", code)
	}
}

// TestS3ObjectOwnerContext is the cross-account upload pitfall: under
// ObjectWriter, an object another account writes is that account's; the
// bucket owner's principals (root included) cannot read it, whatever the
// bucket policy allows, unless its ACL grants their account
// (bucket-owner-read, bucket-owner-full-control), and the refusal says
// so; the bucket owner's Deny statements still apply to it; its owner
// reads it with its own permissions; with BucketOwnerPreferred,
// bucket-owner-full-control makes the bucket owner the owner (Amazon S3
// User Guide, "How Amazon S3 authorizes a request for an object
// operation", "Bucket policies for Amazon S3", "Controlling ownership of
// objects and disabling ACLs for your bucket").
func TestS3ObjectOwnerContext(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	owner := s3For(srv.Config(home))
	writer := s3For(srv.Config(target))
	newBucket(t, writer, "writer-home")
	if _, err := owner.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("xa-dst"), ObjectOwnership: s3types.ObjectOwnershipObjectWriter}); err != nil {
		t.Fatal(err)
	}
	reader := s3For(userConfig(t, srv, home, "reader", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:GetObject","s3:GetObjectAcl"],"Resource":"arn:aws:s3:::xa-dst/*"}}`))
	putPolicy(t, owner, "xa-dst", `{"Version":"2012-10-17","Statement":[
		{"Sid":"WriterPuts","Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":["s3:PutObject","s3:PutObjectAcl"],"Resource":"arn:aws:s3:::xa-dst/*"},
		{"Sid":"ReaderGets","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/reader"},"Action":["s3:GetObject","s3:GetObjectAcl"],"Resource":"arn:aws:s3:::xa-dst/*"},
		{"Sid":"NoSecrets","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::xa-dst/secret/*"}]}`)
	put := func(key string, acl s3types.ObjectCannedACL) {
		t.Helper()
		if _, err := writer.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("xa-dst"), Key: aws.String(key), Body: strings.NewReader(key), ACL: acl}); err != nil {
			t.Fatalf("PutObject %s: %v", key, err)
		}
	}
	put("plain", "")
	put("bofc", s3types.ObjectCannedACLBucketOwnerFullControl)
	put("bor", s3types.ObjectCannedACLBucketOwnerRead)
	put("secret/k", "")

	_, err := reader.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("xa-dst"), Key: aws.String("plain")})
	why := explainOf(err)
	if apiCode(err) != "AccessDenied" || !strings.Contains(why, "owned by account 222222222222") || !strings.Contains(why, "bucket-owner-full-control") {
		t.Errorf("bucket owner's reader, object written without an ACL: %v, X-Xacct-Explain %q; want AccessDenied naming the object's owner and bucket-owner-full-control", err, why)
	}
	if _, err := owner.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("xa-dst"), Key: aws.String("plain")}); apiCode(err) != "AccessDenied" {
		t.Errorf("bucket owner's root, object written without an ACL: got %v, want AccessDenied", err)
	}
	recs, _, _ := decisions(t, srv.URL, url.Values{"decision": {"denied"}})
	found := false
	for _, r := range recs {
		if r.Resource == "arn:aws:s3:::xa-dst/plain" && strings.Contains(r.Diagnosis, "object ownership") {
			found = true
		}
	}
	if !found {
		t.Errorf("the decision trail has no object ownership diagnosis for xa-dst/plain: %+v", recs)
	}
	if got := getString(t, reader, "xa-dst", "bofc"); got != "bofc" {
		t.Errorf("bucket-owner-full-control: got %q", got)
	}
	if got := getString(t, reader, "xa-dst", "bor"); got != "bor" {
		t.Errorf("bucket-owner-read: got %q", got)
	}
	if _, err := reader.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("xa-dst"), Key: aws.String("bor")}); apiCode(err) != "AccessDenied" {
		t.Errorf("GetObjectAcl with bucket-owner-read (READ only): got %v, want AccessDenied", err)
	}
	if _, err := reader.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("xa-dst"), Key: aws.String("bofc")}); err != nil {
		t.Errorf("GetObjectAcl with bucket-owner-full-control: %v", err)
	}
	// The object's owner reads it with its own permissions; the bucket
	// owner's explicit Deny applies to it all the same.
	if got := getString(t, writer, "xa-dst", "plain"); got != "plain" {
		t.Errorf("the object's owner reading it: got %q", got)
	}
	_, err = writer.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("xa-dst"), Key: aws.String("secret/k")})
	if apiCode(err) != "AccessDenied" || !strings.Contains(explainOf(err), "explicit deny") {
		t.Errorf("the object's owner under the bucket owner's Deny: %v, X-Xacct-Explain %q; want AccessDenied, explicit deny", err, explainOf(err))
	}
	// The object owner may grant the bucket owner afterwards.
	if _, err := writer.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("xa-dst"), Key: aws.String("plain"), ACL: s3types.ObjectCannedACLBucketOwnerFullControl}); err != nil {
		t.Fatal(err)
	}
	if got := getString(t, reader, "xa-dst", "plain"); got != "plain" {
		t.Errorf("after PutObjectAcl bucket-owner-full-control: got %q", got)
	}

	// BucketOwnerPreferred: bucket-owner-full-control gives the bucket
	// owner the object.
	if _, err := owner.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String("xa-dst"), OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerPreferred}}}}); err != nil {
		t.Fatal(err)
	}
	put("pref", s3types.ObjectCannedACLBucketOwnerFullControl)
	put("pref-plain", "")
	ownerID := ""
	if out, err := owner.ListBuckets(ctx, &s3.ListBucketsInput{}); err == nil {
		ownerID = aws.ToString(out.Owner.ID)
	}
	for key, want := range map[string]bool{"pref": true, "pref-plain": false} {
		acl, err := owner.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("xa-dst"), Key: aws.String(key)})
		if !want {
			if apiCode(err) != "AccessDenied" || !strings.Contains(explainOf(err), "BucketOwnerPreferred") {
				t.Errorf("GetObjectAcl of %s (BucketOwnerPreferred, no ACL): %v, X-Xacct-Explain %q", key, err, explainOf(err))
			}
			continue
		}
		if err != nil || aws.ToString(acl.Owner.ID) != ownerID {
			t.Errorf("owner of %s under BucketOwnerPreferred: %v, %v; want the bucket owner %s", key, acl, err, ownerID)
		}
	}
}

// TestS3ACLUnknownGrantee: a grant to a canonical user no account has is
// InvalidArgument, one to an e-mail address UnresolvableGrantByEmailAddress,
// on every request that takes grants (Amazon S3 API Reference, "Error
// responses": UnresolvableGrantByEmailAddress).
func TestS3ACLUnknownGrantee(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	owner := s3For(srv.Config(home))
	if _, err := owner.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("grantees"), ObjectOwnership: s3types.ObjectOwnershipObjectWriter}); err != nil {
		t.Fatal(err)
	}
	unknown := aws.String(`id="` + strings.Repeat("ab", 32) + `"`)
	email := aws.String(`emailAddress="someone@example.com"`)
	for _, tc := range []struct {
		name string
		call func(g *string) error
	}{
		{"CreateBucket", func(g *string) error {
			_, err := owner.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("grantees-new"), ObjectOwnership: s3types.ObjectOwnershipObjectWriter, GrantRead: g})
			return err
		}},
		{"PutObject", func(g *string) error {
			_, err := owner.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("grantees"), Key: aws.String("k"), Body: strings.NewReader("x"), GrantRead: g})
			return err
		}},
		{"CreateMultipartUpload", func(g *string) error {
			_, err := owner.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("grantees"), Key: aws.String("k"), GrantRead: g})
			return err
		}},
		{"PutBucketAcl", func(g *string) error {
			_, err := owner.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("grantees"), GrantRead: g})
			return err
		}},
	} {
		if err := tc.call(unknown); apiCode(err) != "InvalidArgument" {
			t.Errorf("%s with an unknown canonical id: got %v, want InvalidArgument", tc.name, err)
		}
		if err := tc.call(email); apiCode(err) != "UnresolvableGrantByEmailAddress" {
			t.Errorf("%s with an e-mail grantee: got %v, want UnresolvableGrantByEmailAddress", tc.name, err)
		}
	}
	if _, err := owner.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("grantees-new")}); err == nil {
		t.Error("a CreateBucket refused for its grant created the bucket")
	}
}
