package copyfunc_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/xacct/xacct/emulatortest"
	"github.com/xacct/xacct/functions/copyfunc"
)

// TestVersionedCopy: from a versioned, tagged source into a versioned
// target in another account, a prefix copy takes each key's current
// version (a key whose current version is a delete marker is not copied)
// with its tags; {"key", "version_id"} and a Batch Operations task with
// s3VersionId copy an older version, which becomes a new version in the
// target.
func TestVersionedCopy(t *testing.T) {
	srv, h, _ := setup(t, false)
	ctx := context.Background()
	home := s3.NewFromConfig(srv.Config("111111111111"))
	tgt := s3.NewFromConfig(srv.Config("222222222222"))
	// The role reads versions and tags of the source and writes tags in
	// the target; the source bucket's policy lets it.
	emulatortest.Must(iam.NewFromConfig(srv.Config("222222222222")).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("s3-PutObject-assumedRole-by-Lambda-in-account111"), PolicyName: aws.String("copy"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion","s3:GetObjectTagging","s3:GetObjectVersionTagging","s3:ListBucket"],"Resource":["arn:aws:s3:::xacct-demo-source","arn:aws:s3:::xacct-demo-source/*"]},
		{"Effect":"Allow","Action":["s3:PutObject","s3:PutObjectAcl","s3:PutObjectTagging","s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::xacct-demo-target","arn:aws:s3:::xacct-demo-target/*"]}]}`)}))(t)
	emulatortest.Must(home.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("xacct-demo-source"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + roleARN + `"},
		"Action":["s3:GetObject","s3:GetObjectVersion","s3:GetObjectTagging","s3:GetObjectVersionTagging","s3:ListBucket"],"Resource":["arn:aws:s3:::xacct-demo-source","arn:aws:s3:::xacct-demo-source/*"]}]}`)}))(t)
	for _, c := range []*s3.Client{home, tgt} {
		b := "xacct-demo-source"
		if c == tgt {
			b = "xacct-demo-target"
		}
		emulatortest.Must(c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(b), VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}))(t)
	}
	put := func(key, body, tags string) string {
		t.Helper()
		out, err := home.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("xacct-demo-source"), Key: aws.String(key), Body: strings.NewReader(body), Tagging: aws.String(tags)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.VersionId)
	}
	v1 := put("reports/a.csv", "a version 1", "gen=1")
	put("reports/a.csv", "a version 2", "gen=2&team=data")
	emulatortest.Must(home.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("xacct-demo-source"), Key: aws.String("reports/b.csv")}))(t)

	tags := func(key string) string {
		t.Helper()
		out, err := tgt.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("xacct-demo-target"), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("GetObjectTagging %s: %v", key, err)
		}
		var kv []string
		for _, tg := range out.TagSet {
			kv = append(kv, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
		}
		return strings.Join(kv, "&")
	}
	out, err := h.Handle(ctx, json.RawMessage(`{}`))
	if err != nil {
		t.Fatalf("prefix copy: %v", err)
	}
	if sum := out.(copyfunc.Result); sum.Copied != 2 || sum.Failed != 0 {
		t.Errorf("prefix copy: got %+v, want the two keys with a current version", sum)
	}
	if got := target(t, srv, "reports/a.csv"); got != "a version 2" {
		t.Errorf("target a.csv: got %q, want the current version", got)
	}
	if got := tags("reports/a.csv"); got != "gen=2&team=data" {
		t.Errorf("target a.csv tags: got %q, want the source's", got)
	}
	if _, err := tgt.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("xacct-demo-target"), Key: aws.String("reports/b.csv")}); err == nil {
		t.Error("a key whose current version is a delete marker was copied")
	}

	out, err = h.Handle(ctx, json.RawMessage(`{"key":"reports/a.csv","version_id":"`+v1+`"}`))
	if err != nil {
		t.Fatalf("version copy: %v", err)
	}
	if sum := out.(copyfunc.Result); sum.Copied != 1 {
		t.Errorf("version copy: got %+v", sum)
	}
	if got := target(t, srv, "reports/a.csv"); got != "a version 1" {
		t.Errorf("target a.csv after copying v1: got %q", got)
	}
	if got := tags("reports/a.csv"); got != "gen=1" {
		t.Errorf("target a.csv tags after copying v1: got %q, want v1's", got)
	}
	vs, err := tgt.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("xacct-demo-target"), Prefix: aws.String("reports/a.csv")})
	if err != nil || len(vs.Versions) != 2 {
		t.Errorf("target versions of a.csv: got %v %d, want 2", err, len(vs.Versions))
	}
	if _, err := h.Handle(ctx, json.RawMessage(`{"key":"reports/a.csv","version_id":"`+strings.Repeat("A", 32)+`"}`)); err == nil || !strings.Contains(err.Error(), "HeadObject") {
		t.Errorf("copy of a version that does not exist: got %v, want the HeadObject failure", err)
	}

	ev := `{"invocationSchemaVersion":"1.0","invocationId":"i","job":{"id":"j"},"tasks":[{"taskId":"t1","s3Key":"reports/a.csv","s3VersionId":"` + v1 + `","s3BucketArn":"arn:aws:s3:::xacct-demo-source"}]}`
	out, err = h.Handle(ctx, json.RawMessage(ev))
	if err != nil {
		t.Fatal(err)
	}
	if r := out.(copyfunc.BatchResponse).Results; len(r) != 1 || r[0].ResultCode != "Succeeded" || !strings.Contains(r[0].ResultString, "already present") {
		t.Errorf("batch task of v1 (already the target's current content): got %+v", r)
	}
}
