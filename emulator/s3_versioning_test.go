package emulator_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
	"github.com/xacct/xacct/internal/stackdeploy"
)

// Tests of S3 Versioning (issue 22), each behaviour as the Amazon S3 User
// Guide ("Retaining multiple versions of objects with S3 Versioning",
// "Working with delete markers", "Working with objects in a
// versioning-suspended bucket") and the API Reference (PutBucketVersioning,
// GetObject, DeleteObject, DeleteObjects, CopyObject, ListObjectVersions)
// describe it.

func setVersioning(t *testing.T, c *s3.Client, bucket string, status s3types.BucketVersioningStatus) {
	t.Helper()
	if _, err := c.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: status}}); err != nil {
		t.Fatalf("PutBucketVersioning %s %s: %v", bucket, status, err)
	}
}

func getVersion(t *testing.T, c *s3.Client, bucket, key, id string) (string, error) {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(id)})
	if err != nil {
		return "", err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if aws.ToString(out.VersionId) != id {
		t.Errorf("GetObject %s?versionId=%s: got x-amz-version-id %q", key, id, aws.ToString(out.VersionId))
	}
	return string(b), err
}

// responseHeader is a header of the HTTP response behind an SDK error.
func responseHeader(err error, name string) string {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.Header.Get(name)
	}
	return ""
}

type objVersion struct {
	key, id string
	marker  bool
	latest  bool
	size    int64
}

// allVersions lists every version with pages of max entries, checking the
// markers chain (NextKeyMarker/NextVersionIdMarker) as a client follows it.
func allVersions(t *testing.T, c *s3.Client, in s3.ListObjectVersionsInput, max int32) ([]objVersion, []string) {
	t.Helper()
	var got []objVersion
	var prefixes []string
	in.MaxKeys = aws.Int32(max)
	for page := 0; ; page++ {
		if page > 100 {
			t.Fatal("ListObjectVersions: more than 100 pages")
		}
		out, err := c.ListObjectVersions(context.Background(), &in)
		if err != nil {
			t.Fatalf("ListObjectVersions: %v", err)
		}
		if n := len(out.Versions) + len(out.DeleteMarkers) + len(out.CommonPrefixes); n > int(max) {
			t.Fatalf("page of %d entries for MaxKeys %d", n, max)
		}
		for _, v := range out.Versions {
			got = append(got, objVersion{key: *v.Key, id: *v.VersionId, latest: *v.IsLatest, size: *v.Size})
		}
		for _, m := range out.DeleteMarkers {
			got = append(got, objVersion{key: *m.Key, id: *m.VersionId, latest: *m.IsLatest, marker: true})
		}
		for _, p := range out.CommonPrefixes {
			prefixes = append(prefixes, *p.Prefix)
		}
		if !aws.ToBool(out.IsTruncated) {
			return got, prefixes
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
}

// TestS3VersioningLifecycle walks one key through versioning: a null
// version from before versioning was enabled, new versions, a delete
// marker (404 on GET with x-amz-delete-marker, 405 for the marker's
// version id), removing the marker to restore the object, and deleting a
// version for good.
func TestS3VersioningLifecycle(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config("111111111111"))
	b := aws.String("ver-life")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	gv, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b})
	if err != nil || gv.Status != "" || gv.MFADelete != "" {
		t.Fatalf("GetBucketVersioning of a new bucket: got %v %q %q, want no status", err, gv.Status, gv.MFADelete)
	}
	if out := putString(t, c, "ver-life", "k", "v0"); out.VersionId != nil {
		t.Errorf("PutObject in an unversioned bucket: got version id %q, want none", *out.VersionId)
	}
	setVersioning(t, c, "ver-life", s3types.BucketVersioningStatusEnabled)
	if gv, _ = c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b}); gv.Status != s3types.BucketVersioningStatusEnabled {
		t.Fatalf("GetBucketVersioning: got %q, want Enabled", gv.Status)
	}
	// The object written before versioning is the null version.
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("k")})
	if err != nil || aws.ToString(h.VersionId) != "null" {
		t.Fatalf("HeadObject of an object written before versioning: got %v %q, want version null", err, aws.ToString(h.VersionId))
	}
	v1 := aws.ToString(putString(t, c, "ver-life", "k", "v1").VersionId)
	v2 := aws.ToString(putString(t, c, "ver-life", "k", "v2").VersionId)
	if len(v1) != 32 || len(v2) != 32 || v1 == v2 {
		t.Fatalf("version ids: got %q and %q, want two distinct 32-character ids", v1, v2)
	}
	if got := getString(t, c, "ver-life", "k"); got != "v2" {
		t.Errorf("GetObject: got %q, want the latest v2", got)
	}
	for id, want := range map[string]string{"null": "v0", v1: "v1", v2: "v2"} {
		if got, err := getVersion(t, c, "ver-life", "k", id); err != nil || got != want {
			t.Errorf("GetObject versionId=%s: got %q %v, want %q", id, got, err, want)
		}
	}
	hv, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(v1)})
	if err != nil || aws.ToInt64(hv.ContentLength) != 2 || aws.ToString(hv.VersionId) != v1 {
		t.Errorf("HeadObject versionId=v1: got %v, length %d, version %q", err, aws.ToInt64(hv.ContentLength), aws.ToString(hv.VersionId))
	}
	// A well-formed id that names nothing, and a malformed one.
	if _, err := getVersion(t, c, "ver-life", "k", strings.Repeat("A", 32)); apiCode(err) != "NoSuchVersion" || statusOf(err) != 404 {
		t.Errorf("GetObject of an unknown version: got %v, want 404 NoSuchVersion", err)
	}
	if _, err := getVersion(t, c, "ver-life", "k", "bad"); apiCode(err) != "InvalidArgument" {
		t.Errorf("GetObject of a malformed version id: got %v, want InvalidArgument", err)
	}

	// A simple DELETE adds a delete marker.
	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k")})
	if err != nil || !aws.ToBool(del.DeleteMarker) || len(aws.ToString(del.VersionId)) != 32 {
		t.Fatalf("DeleteObject: got %v, marker %v, version %q; want a delete marker with a version id", err, aws.ToBool(del.DeleteMarker), aws.ToString(del.VersionId))
	}
	marker := *del.VersionId
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k")})
	if apiCode(err) != "NoSuchKey" || responseHeader(err, "x-amz-delete-marker") != "true" || responseHeader(err, "x-amz-version-id") != marker {
		t.Errorf("GetObject of a deleted key: got %v, x-amz-delete-marker %q; want NoSuchKey with the marker's headers", err, responseHeader(err, "x-amz-delete-marker"))
	}
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("k")})
	if statusOf(err) != 404 || responseHeader(err, "x-amz-delete-marker") != "true" {
		t.Errorf("HeadObject of a deleted key: got %v, want 404 with x-amz-delete-marker", err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(marker)})
	if statusOf(err) != 405 || apiCode(err) != "MethodNotAllowed" || responseHeader(err, "x-amz-delete-marker") != "true" || responseHeader(err, "Last-Modified") == "" {
		t.Errorf("GetObject of the marker's version: got %v, want 405 MethodNotAllowed with x-amz-delete-marker and Last-Modified", err)
	}
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(marker)})
	if statusOf(err) != 405 {
		t.Errorf("HeadObject of the marker's version: got %v, want 405", err)
	}
	if l, _ := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b}); len(l.Contents) != 0 {
		t.Errorf("ListObjectsV2 after the delete: got %d keys, want none", len(l.Contents))
	}
	if got, err := getVersion(t, c, "ver-life", "k", v1); err != nil || got != "v1" {
		t.Errorf("GetObject of an older version under a marker: got %q %v", got, err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b}); apiCode(err) != "BucketNotEmpty" {
		t.Errorf("DeleteBucket with only versions and a marker: got %v, want BucketNotEmpty", err)
	}

	// Deleting the marker restores the object.
	dm, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(marker)})
	if err != nil || !aws.ToBool(dm.DeleteMarker) || aws.ToString(dm.VersionId) != marker {
		t.Fatalf("DeleteObject of the marker: got %v, marker %v, version %q", err, aws.ToBool(dm.DeleteMarker), aws.ToString(dm.VersionId))
	}
	if got := getString(t, c, "ver-life", "k"); got != "v2" {
		t.Errorf("GetObject after removing the marker: got %q, want v2", got)
	}
	// Deleting the current version makes the previous one current.
	dv, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(v2)})
	if err != nil || aws.ToBool(dv.DeleteMarker) || aws.ToString(dv.VersionId) != v2 {
		t.Fatalf("DeleteObject of v2: got %v, marker %v, version %q", err, aws.ToBool(dv.DeleteMarker), aws.ToString(dv.VersionId))
	}
	if got := getString(t, c, "ver-life", "k"); got != "v1" {
		t.Errorf("GetObject after deleting v2: got %q, want v1", got)
	}
	if _, err := getVersion(t, c, "ver-life", "k", v2); apiCode(err) != "NoSuchVersion" {
		t.Errorf("GetObject of the deleted v2: got %v, want NoSuchVersion", err)
	}
	// Deleting a version that does not exist is not an error.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(v2)}); err != nil {
		t.Errorf("DeleteObject of a version already gone: got %v, want success", err)
	}
	vs, _ := allVersions(t, c, s3.ListObjectVersionsInput{Bucket: b}, 1000)
	want := []objVersion{{key: "k", id: v1, latest: true, size: 2}, {key: "k", id: "null", size: 2}}
	if len(vs) != len(want) || vs[0] != want[0] || vs[1] != want[1] {
		t.Errorf("ListObjectVersions: got %+v, want %+v", vs, want)
	}
	// Empty it version by version; then the bucket can go.
	for _, v := range vs {
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String(v.key), VersionId: aws.String(v.id)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b}); err != nil {
		t.Errorf("DeleteBucket once every version is gone: %v", err)
	}
}

// TestS3VersioningSuspended: after suspension a PUT writes the null
// version, replacing the null version there was, and a simple DELETE puts
// a null delete marker in its place; versions from while versioning was
// enabled stay. Versioning cannot be turned off, only suspended.
func TestS3VersioningSuspended(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config("111111111111"))
	b := aws.String("ver-susp")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	setVersioning(t, c, "ver-susp", s3types.BucketVersioningStatusEnabled)
	v1 := aws.ToString(putString(t, c, "ver-susp", "k", "v1").VersionId)
	setVersioning(t, c, "ver-susp", s3types.BucketVersioningStatusSuspended)
	if gv, _ := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b}); gv.Status != s3types.BucketVersioningStatusSuspended {
		t.Fatalf("GetBucketVersioning: got %q, want Suspended", gv.Status)
	}
	if out := putString(t, c, "ver-susp", "k", "n1"); aws.ToString(out.VersionId) != "null" {
		t.Errorf("PutObject while suspended: got version %q, want null", aws.ToString(out.VersionId))
	}
	putString(t, c, "ver-susp", "k", "n2")
	vs, _ := allVersions(t, c, s3.ListObjectVersionsInput{Bucket: b}, 1000)
	if len(vs) != 2 || vs[0].id != "null" || !vs[0].latest || vs[0].size != 2 || vs[1].id != v1 {
		t.Errorf("versions after two suspended PUTs: got %+v, want null (latest) then %s", vs, v1)
	}
	if got, _ := getVersion(t, c, "ver-susp", "k", "null"); got != "n2" {
		t.Errorf("the null version: got %q, want the second write n2", got)
	}
	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k")})
	if err != nil || !aws.ToBool(del.DeleteMarker) || aws.ToString(del.VersionId) != "null" {
		t.Fatalf("DeleteObject while suspended: got %v, marker %v, version %q; want a null delete marker", err, aws.ToBool(del.DeleteMarker), aws.ToString(del.VersionId))
	}
	vs, _ = allVersions(t, c, s3.ListObjectVersionsInput{Bucket: b}, 1000)
	// The SDK gives a page's versions and delete markers apart.
	if len(vs) != 2 || vs[0].id != v1 || vs[0].latest || !vs[1].marker || vs[1].id != "null" || !vs[1].latest {
		t.Errorf("versions after a suspended DELETE: got %+v, want a null marker replacing the null version, then %s", vs, v1)
	}
	// Versioning cannot return to "off", and a bad status is refused.
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &s3types.VersioningConfiguration{Status: "Disabled"}})
	if apiCode(err) != "MalformedXML" {
		t.Errorf("PutBucketVersioning Disabled: got %v, want MalformedXML", err)
	}
}

// TestS3VersioningWrites: CopyObject (from a source version, including
// copying an old version onto its own key to restore it) and
// CompleteMultipartUpload return version ids; DeleteObjects takes version
// ids and reports markers.
func TestS3VersioningWrites(t *testing.T) {
	srv := emulatortest.New(t, emulator.WithS3MinPartSize(1))
	ctx := context.Background()
	c := s3For(srv.Config("111111111111"))
	b := aws.String("ver-writes")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	setVersioning(t, c, "ver-writes", s3types.BucketVersioningStatusEnabled)
	v1 := aws.ToString(putString(t, c, "ver-writes", "src", "one").VersionId)
	v2 := aws.ToString(putString(t, c, "ver-writes", "src", "two").VersionId)

	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("dst"), CopySource: aws.String("ver-writes/src?versionId=" + v1)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(cp.CopySourceVersionId) != v1 || len(aws.ToString(cp.VersionId)) != 32 {
		t.Errorf("CopyObject from v1: got source version %q, version %q", aws.ToString(cp.CopySourceVersionId), aws.ToString(cp.VersionId))
	}
	if got := getString(t, c, "ver-writes", "dst"); got != "one" {
		t.Errorf("copy of v1: got %q, want one", got)
	}
	cp, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("dst2"), CopySource: aws.String("ver-writes/src")})
	if err != nil || aws.ToString(cp.CopySourceVersionId) != v2 {
		t.Errorf("CopyObject of the current version: got %v, source version %q, want %s", err, aws.ToString(cp.CopySourceVersionId), v2)
	}
	// Restoring v1 by copying it onto its own key.
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("src"), CopySource: aws.String("ver-writes/src?versionId=" + v1)}); err != nil {
		t.Errorf("CopyObject of v1 onto its own key: %v", err)
	}
	if got := getString(t, c, "ver-writes", "src"); got != "one" {
		t.Errorf("after restoring v1: got %q", got)
	}
	// A delete marker is not a copy source.
	del, _ := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("src")})
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("x"), CopySource: aws.String("ver-writes/src?versionId=" + aws.ToString(del.VersionId))}); apiCode(err) != "InvalidRequest" {
		t.Errorf("CopyObject from a delete marker's version: got %v, want InvalidRequest", err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("x"), CopySource: aws.String("ver-writes/src")}); apiCode(err) != "NoSuchKey" {
		t.Errorf("CopyObject of a deleted key: got %v, want NoSuchKey", err)
	}

	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
	if err != nil {
		t.Fatal(err)
	}
	done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}})
	if err != nil || len(aws.ToString(done.VersionId)) != 32 {
		t.Fatalf("CompleteMultipartUpload: got %v, version %q", err, aws.ToString(done.VersionId))
	}
	if got, err := getVersion(t, c, "ver-writes", "mp", *done.VersionId); err != nil || got != "part" {
		t.Errorf("the completed upload's version: got %q %v", got, err)
	}

	dd, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: b, Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{
		{Key: aws.String("src"), VersionId: del.VersionId}, {Key: aws.String("src"), VersionId: aws.String(v2)}, {Key: aws.String("dst")},
	}}})
	if err != nil || len(dd.Errors) != 0 || len(dd.Deleted) != 3 {
		t.Fatalf("DeleteObjects: got %v, %d deleted, errors %+v", err, len(dd.Deleted), dd.Errors)
	}
	d0, d1, d2 := dd.Deleted[0], dd.Deleted[1], dd.Deleted[2]
	if aws.ToString(d0.VersionId) != *del.VersionId || !aws.ToBool(d0.DeleteMarker) || aws.ToString(d0.DeleteMarkerVersionId) != *del.VersionId {
		t.Errorf("DeleteObjects of the marker: got %+v", d0)
	}
	if aws.ToString(d1.VersionId) != v2 || aws.ToBool(d1.DeleteMarker) {
		t.Errorf("DeleteObjects of v2: got %+v", d1)
	}
	if d2.VersionId != nil || !aws.ToBool(d2.DeleteMarker) || len(aws.ToString(d2.DeleteMarkerVersionId)) != 32 {
		t.Errorf("DeleteObjects of dst without a version: got %+v, want a new delete marker", d2)
	}
	if got := getString(t, c, "ver-writes", "src"); got != "one" {
		t.Errorf("src after removing its marker and v2: got %q, want the restored copy", got)
	}
}

// TestS3ListObjectVersionsPaging pages through versions and delete markers
// of many keys with every page size, with a prefix and a delimiter, and
// checks the markers' rules.
func TestS3ListObjectVersionsPaging(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config("111111111111"))
	b := aws.String("ver-pages")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	putString(t, c, "ver-pages", "a", "null-a") // before versioning: null
	setVersioning(t, c, "ver-pages", s3types.BucketVersioningStatusEnabled)
	var want []objVersion
	ids := map[string][]string{}
	for _, k := range []string{"a", "b", "d/1", "d/2", "e"} {
		for i := 0; i < 3; i++ {
			ids[k] = append(ids[k], aws.ToString(putString(t, c, "ver-pages", k, "x").VersionId))
		}
	}
	delB, _ := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("b")})
	for _, k := range []string{"a", "b", "d/1", "d/2", "e"} {
		if k == "b" {
			want = append(want, objVersion{key: k, id: *delB.VersionId, marker: true, latest: true})
		}
		for i := 2; i >= 0; i-- {
			want = append(want, objVersion{key: k, id: ids[k][i], latest: i == 2 && k != "b", size: 1})
		}
		if k == "a" {
			want = append(want, objVersion{key: k, id: "null", size: 6})
		}
	}
	// The SDK's shapes split versions and markers; compare per key in order.
	norm := func(vs []objVersion) string {
		var sb strings.Builder
		for _, v := range vs {
			sb.WriteString(v.key + "/" + v.id)
			if v.marker {
				sb.WriteString("(marker)")
			}
			if v.latest {
				sb.WriteString("(latest)")
			}
			sb.WriteString(" ")
		}
		return sb.String()
	}
	for max := int32(1); max <= 18; max++ {
		got, _ := allVersions(t, c, s3.ListObjectVersionsInput{Bucket: b}, max)
		if len(got) != len(want) {
			t.Fatalf("MaxKeys %d: got %d entries, want %d", max, len(got), len(want))
		}
		// Within a page versions come before markers in the SDK's
		// output, so compare as sets of (key, id) with order by key.
		if gs, ws := norm(sortByKeyStable(got, want)), norm(want); gs != ws {
			t.Errorf("MaxKeys %d:\n got %s\nwant %s", max, gs, ws)
		}
	}
	got, prefixes := allVersions(t, c, s3.ListObjectVersionsInput{Bucket: b, Delimiter: aws.String("/")}, 2)
	if len(prefixes) != 1 || prefixes[0] != "d/" || len(got) != len(want)-6 {
		t.Errorf("with a delimiter: got prefixes %v and %d versions, want [d/] and %d", prefixes, len(got), len(want)-6)
	}
	got, _ = allVersions(t, c, s3.ListObjectVersionsInput{Bucket: b, Prefix: aws.String("d/")}, 4)
	if len(got) != 6 || got[0].key != "d/1" || got[5].key != "d/2" {
		t.Errorf("with prefix d/: got %+v", got)
	}
	// A key marker alone starts after every version of that key.
	out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b, KeyMarker: aws.String("d/2")})
	if err != nil || len(out.Versions) != 3 || *out.Versions[0].Key != "e" {
		t.Errorf("key-marker d/2: got %v %d versions", err, len(out.Versions))
	}
	out, err = c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b, KeyMarker: aws.String("e"), VersionIdMarker: aws.String(ids["e"][2])})
	if err != nil || len(out.Versions) != 2 || *out.Versions[0].VersionId != ids["e"][1] || aws.ToBool(out.IsTruncated) {
		t.Errorf("key-marker e, version-id-marker of its latest: got %v %+v", err, out)
	}
	_, err = c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b, VersionIdMarker: aws.String(ids["e"][2])})
	if apiCode(err) != "InvalidArgument" || !strings.Contains(apiMessage(err), "key marker") {
		t.Errorf("version-id-marker without key-marker: got %v, want InvalidArgument", err)
	}
	out, err = c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b, MaxKeys: aws.Int32(0)})
	if err != nil || aws.ToBool(out.IsTruncated) || len(out.Versions) != 0 {
		t.Errorf("MaxKeys 0: got %v, truncated %v", err, aws.ToBool(out.IsTruncated))
	}
}

// sortByKeyStable orders got as want orders its keys, keeping each key's
// versions in got's order but with entries placed by their position in
// want (the SDK returns a page's Versions and DeleteMarkers apart).
func sortByKeyStable(got, want []objVersion) []objVersion {
	pos := map[string]int{}
	for i, w := range want {
		pos[w.key+"/"+w.id] = i
	}
	out := make([]objVersion, len(want))
	for _, g := range got {
		if i, ok := pos[g.key+"/"+g.id]; ok {
			out[i] = g
		}
	}
	return out
}

// versionedUser creates an IAM user in acct with an inline policy and
// returns an S3 client signed with its key.
func versionedUser(t *testing.T, srv *emulatortest.Server, acct, name, doc string) *s3.Client {
	t.Helper()
	ctx := context.Background()
	ic := iam.NewFromConfig(srv.Config(acct))
	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	k, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return s3For(srv.ConfigWith(aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}))
}

// TestS3VersioningPermissions: reading or deleting a given version needs
// s3:GetObjectVersion or s3:DeleteObjectVersion, listing versions
// s3:ListBucketVersions, and the bucket's versioning state
// s3:PutBucketVersioning and s3:GetBucketVersioning (Amazon S3 User Guide,
// "Policy actions for Amazon S3": object and bucket operations). MFA
// delete needs the root user with an MFA code.
func TestS3VersioningPermissions(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config("111111111111"))
	b := aws.String("ver-perms")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	setVersioning(t, c, "ver-perms", s3types.BucketVersioningStatusEnabled)
	v1 := aws.ToString(putString(t, c, "ver-perms", "k", "v1").VersionId)
	putString(t, c, "ver-perms", "k", "v2")

	plain := versionedUser(t, srv, "111111111111", "plain", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["s3:GetObject","s3:DeleteObject","s3:ListBucket","s3:PutObject"],"Resource":["arn:aws:s3:::ver-perms","arn:aws:s3:::ver-perms/*"]}]}`)
	versioned := versionedUser(t, srv, "111111111111", "versioned", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["s3:GetObjectVersion","s3:DeleteObjectVersion","s3:ListBucketVersions","s3:PutBucketVersioning","s3:GetBucketVersioning"],"Resource":["arn:aws:s3:::ver-perms","arn:aws:s3:::ver-perms/*"]}]}`)

	if got := getString(t, plain, "ver-perms", "k"); got != "v2" {
		t.Errorf("GetObject with s3:GetObject: got %q", got)
	}
	if _, err := getVersion(t, plain, "ver-perms", "k", v1); apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "s3:GetObjectVersion") {
		t.Errorf("GetObject versionId without s3:GetObjectVersion: got %v, want AccessDenied naming it", err)
	}
	if _, err := plain.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(v1)}); apiCode(err) != "AccessDenied" {
		t.Errorf("DeleteObject versionId without s3:DeleteObjectVersion: got %v, want AccessDenied", err)
	}
	dd, err := plain.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: b, Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{{Key: aws.String("k"), VersionId: aws.String(v1)}}}})
	if err != nil || len(dd.Errors) != 1 || aws.ToString(dd.Errors[0].Code) != "AccessDenied" || aws.ToString(dd.Errors[0].VersionId) != v1 {
		t.Errorf("DeleteObjects with a version id without s3:DeleteObjectVersion: got %v %+v", err, dd)
	}
	if _, err := plain.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b}); apiCode(err) != "AccessDenied" {
		t.Errorf("ListObjectVersions with only s3:ListBucket: got %v, want AccessDenied", err)
	}
	if _, err := plain.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b}); apiCode(err) != "AccessDenied" {
		t.Errorf("GetBucketVersioning without its permission: got %v", err)
	}
	if _, err := plain.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}}); apiCode(err) != "AccessDenied" {
		t.Errorf("PutBucketVersioning without its permission: got %v", err)
	}

	if got, err := getVersion(t, versioned, "ver-perms", "k", v1); err != nil || got != "v1" {
		t.Errorf("GetObject versionId with s3:GetObjectVersion: got %q %v", got, err)
	}
	if _, err := versioned.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k")}); apiCode(err) != "AccessDenied" {
		t.Errorf("GetObject without a version and without s3:GetObject: got %v, want AccessDenied", err)
	}
	if _, err := versioned.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b}); err != nil {
		t.Errorf("ListObjectVersions with s3:ListBucketVersions: %v", err)
	}
	if _, err := versioned.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(v1)}); err != nil {
		t.Errorf("DeleteObject versionId with s3:DeleteObjectVersion: %v", err)
	}
	if _, err := versioned.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k")}); apiCode(err) != "AccessDenied" {
		t.Errorf("DeleteObject without a version and without s3:DeleteObject: got %v", err)
	}

	// MFA delete: enabling it needs the root user and x-amz-mfa.
	_, err = versioned.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, MFA: aws.String("arn:aws:iam::111111111111:mfa/root 123456"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled, MFADelete: s3types.MFADeleteEnabled}})
	if apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "Mfa") {
		t.Errorf("MFA delete by an IAM user: got %v, want AccessDenied (Mfa Authentication)", err)
	}
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b,
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled, MFADelete: s3types.MFADeleteEnabled}})
	if apiCode(err) != "AccessDenied" {
		t.Errorf("MFA delete without x-amz-mfa: got %v, want AccessDenied", err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b,
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled, MFADelete: s3types.MFADeleteDisabled}}); err != nil {
		t.Errorf("MfaDelete Disabled, as it already is: %v", err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, MFA: aws.String("arn:aws:iam::111111111111:mfa/root 123456"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled, MFADelete: s3types.MFADeleteEnabled}}); err != nil {
		t.Fatalf("MFA delete by the root user with x-amz-mfa: %v", err)
	}
	if gv, _ := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b}); gv.MFADelete != s3types.MFADeleteStatusEnabled {
		t.Errorf("GetBucketVersioning MfaDelete: got %q, want Enabled", gv.MFADelete)
	}
	vs, _ := allVersions(t, c, s3.ListObjectVersionsInput{Bucket: b}, 100)
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(vs[0].id)}); apiCode(err) != "AccessDenied" {
		t.Errorf("deleting a version under MFA delete without x-amz-mfa: got %v, want AccessDenied", err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(vs[0].id), MFA: aws.String("arn:aws:iam::111111111111:mfa/root 123456")}); err != nil {
		t.Errorf("deleting a version under MFA delete with x-amz-mfa: %v", err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b,
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}}); apiCode(err) != "AccessDenied" {
		t.Errorf("suspending under MFA delete without x-amz-mfa: got %v, want AccessDenied", err)
	}
}

// TestS3VersioningPersists: versions, delete markers, null versions and
// the bucket's state survive a restart on the same data directory.
func TestS3VersioningPersists(t *testing.T) {
	dir := t.TempDir()
	srv := emulatortest.New(t, emulator.WithDataDir(dir))
	ctx := context.Background()
	c := s3For(srv.Config("111111111111"))
	b := aws.String("ver-disk")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	putString(t, c, "ver-disk", "k", "null-version")
	setVersioning(t, c, "ver-disk", s3types.BucketVersioningStatusEnabled)
	big := strings.Repeat("B", 100<<10) // a blob file, not inline
	out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("k"), Body: strings.NewReader(big)})
	if err != nil {
		t.Fatal(err)
	}
	vBig := *out.VersionId
	vSmall := *putString(t, c, "ver-disk", "k", "small").VersionId
	del, _ := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k")})
	putString(t, c, "ver-disk", "gone", "x")
	c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("gone")})
	before, _ := allVersions(t, c, s3.ListObjectVersionsInput{Bucket: b}, 1000)
	srv.Close()

	srv = emulatortest.New(t, emulator.WithDataDir(dir))
	c = s3For(srv.Config("111111111111"))
	after, _ := allVersions(t, c, s3.ListObjectVersionsInput{Bucket: b}, 1000)
	if len(after) != len(before) || len(after) != 6 {
		t.Fatalf("versions after a restart: got %+v, want %+v", after, before)
	}
	for i := range before {
		if before[i] != after[i] {
			t.Errorf("version %d: got %+v, want %+v", i, after[i], before[i])
		}
	}
	if gv, _ := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b}); gv.Status != s3types.BucketVersioningStatusEnabled {
		t.Errorf("versioning after a restart: got %q", gv.Status)
	}
	for id, want := range map[string]string{"null": "null-version", vBig: big, vSmall: "small"} {
		if got, err := getVersion(t, c, "ver-disk", "k", id); err != nil || got != want {
			t.Errorf("version %s after a restart: got %d bytes, %v", id, len(got), err)
		}
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k")}); responseHeader(err, "x-amz-version-id") != *del.VersionId {
		t.Errorf("the delete marker after a restart: got %v", err)
	}
}

// TestS3VersioningFromTemplate: a user's template with a versioned bucket
// deploys; changing VersioningConfiguration to Suspended updates the
// bucket, and removing it leaves the bucket suspended (versioning cannot
// be turned off).
func TestS3VersioningFromTemplate(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	cf := cloudformation.NewFromConfig(srv.Config("111111111111"))
	c := s3For(srv.Config("111111111111"))
	tmpl := func(versioning string) string {
		return "Resources:\n  Data:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: cfn-versioned\n" + versioning
	}
	deploy := func(body string, create bool) {
		t.Helper()
		var err error
		if create {
			_, err = cf.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("ver"), TemplateBody: aws.String(body)})
		} else {
			_, err = cf.UpdateStack(ctx, &cloudformation.UpdateStackInput{StackName: aws.String("ver"), TemplateBody: aws.String(body)})
		}
		if err != nil {
			t.Fatal(err)
		}
		if r, err := stackdeploy.Wait(ctx, srv.Config("111111111111"), "ver", nil, nil); err != nil {
			t.Fatalf("stack: %v %+v", err, r)
		}
	}
	status := func() s3types.BucketVersioningStatus {
		gv, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("cfn-versioned")})
		if err != nil {
			t.Fatal(err)
		}
		return gv.Status
	}
	deploy(tmpl("      VersioningConfiguration:\n        Status: Enabled\n"), true)
	if got := status(); got != s3types.BucketVersioningStatusEnabled {
		t.Errorf("after create: got %q, want Enabled", got)
	}
	if out := putString(t, c, "cfn-versioned", "k", "x"); len(aws.ToString(out.VersionId)) != 32 {
		t.Errorf("PutObject into the template's bucket: version %q", aws.ToString(out.VersionId))
	}
	deploy(tmpl("      VersioningConfiguration:\n        Status: Suspended\n"), false)
	if got := status(); got != s3types.BucketVersioningStatusSuspended {
		t.Errorf("after the update to Suspended: got %q", got)
	}
	deploy(tmpl("      VersioningConfiguration:\n        Status: Enabled\n"), false)
	deploy(tmpl(""), false)
	if got := status(); got != s3types.BucketVersioningStatusSuspended {
		t.Errorf("after removing VersioningConfiguration: got %q, want Suspended", got)
	}
}

// TestS3VersioningTagsAndExpiry: tags belong to a version
// (Put/GetObjectTagging with versionId, s3:GetObjectVersionTagging), and a
// lifecycle expiry in a versioned bucket adds a delete marker instead of
// removing data (Amazon S3 User Guide, "Expiring objects").
func TestS3VersioningTagsAndExpiry(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config("111111111111"))
	b := aws.String("ver-tags")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	setVersioning(t, c, "ver-tags", s3types.BucketVersioningStatusEnabled)
	out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("k"), Body: strings.NewReader("one"), Tagging: aws.String("gen=1")})
	if err != nil {
		t.Fatal(err)
	}
	v1 := aws.ToString(out.VersionId)
	putString(t, c, "ver-tags", "k", "two")
	if _, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(v1),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("gen"), Value: aws.String("old")}}}}); err != nil {
		t.Fatalf("PutObjectTagging of v1: %v", err)
	}
	tv, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(v1)})
	if err != nil || len(tv.TagSet) != 1 || aws.ToString(tv.TagSet[0].Value) != "old" || aws.ToString(tv.VersionId) != v1 {
		t.Errorf("GetObjectTagging of v1: got %v %+v", err, tv)
	}
	if cur, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: b, Key: aws.String("k")}); err != nil || len(cur.TagSet) != 0 {
		t.Errorf("the current version's tags: got %v %+v, want none", err, cur)
	}
	reader := versionedUser(t, srv, "111111111111", "tagreader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["s3:GetObjectTagging"],"Resource":"arn:aws:s3:::ver-tags/*"}]}`)
	if _, err := reader.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(v1)}); apiCode(err) != "AccessDenied" || !strings.Contains(apiMessage(err), "s3:GetObjectVersionTagging") {
		t.Errorf("GetObjectTagging of a version with only s3:GetObjectTagging: got %v", err)
	}

	if _, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b, LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{
		Rules: []s3types.LifecycleRule{{ID: aws.String("all"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}}}}}); err != nil {
		t.Fatal(err)
	}
	if n, _ := srv.Emulator.S3().Tick(ctx, time.Now().Add(72*time.Hour)); n != 1 {
		t.Fatalf("Tick: %d expired, want 1", n)
	}
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("k")})
	if statusOf(err) != 404 || responseHeader(err, "x-amz-delete-marker") != "true" {
		t.Errorf("HeadObject after the expiry: got %v, want 404 with a delete marker", err)
	}
	vs, _ := allVersions(t, c, s3.ListObjectVersionsInput{Bucket: b}, 100)
	if len(vs) != 3 || !vs[2].marker || !vs[2].latest {
		t.Errorf("versions after the expiry: got %+v, want both versions and a current delete marker", vs)
	}
	if got, err := getVersion(t, c, "ver-tags", "k", v1); err != nil || got != "one" {
		t.Errorf("v1 after the expiry: got %q %v", got, err)
	}
}
