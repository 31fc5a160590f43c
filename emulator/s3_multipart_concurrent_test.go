package emulator_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/xacct/xacct/emulator"
)

// TestS3ConcurrentMultipartSurviveRestart: with a data directory, the parts
// of several uploads, sent all at once (parts of different uploads and of
// one upload no longer wait for each other's fsyncs behind the store's
// lock), and the completes that follow, leave on disk exactly the objects
// that were acknowledged, and no upload. A PutObject of one upload's key
// races its complete; the value read back before the restart (one of the
// two, whole) is the one read after it.
func TestS3ConcurrentMultipartSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	c, stop := startOn(t, dir, emulator.WithS3MinPartSize(1))
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mpc")}); err != nil {
		t.Fatal(err)
	}
	const uploads, parts = 6, 5
	ids := make([]string, uploads)
	var wg sync.WaitGroup
	for u := 0; u < uploads; u++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpc"), Key: aws.String(fmt.Sprintf("obj-%d", u))})
			if err != nil {
				t.Error(err)
				return
			}
			ids[u] = *out.UploadId
		}()
	}
	wg.Wait()
	if t.Failed() {
		stop()
		return
	}
	body := func(u, p int) string { return strings.Repeat(fmt.Sprintf("u%dp%d;", u, p), 100*(p+1)) }
	etags := make([][]string, uploads)
	for u := range etags {
		etags[u] = make([]string, parts)
	}
	for u := 0; u < uploads; u++ {
		for p := 0; p < parts; p++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpc"), Key: aws.String(fmt.Sprintf("obj-%d", u)),
					UploadId: aws.String(ids[u]), PartNumber: aws.Int32(int32(p + 1)), Body: strings.NewReader(body(u, p))})
				if err != nil {
					t.Error(err)
					return
				}
				etags[u][p] = *out.ETag
			}()
		}
	}
	wg.Wait()
	if t.Failed() {
		stop()
		return
	}
	for u := 0; u < uploads; u++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var cp []types.CompletedPart
			for p := 0; p < parts; p++ {
				cp = append(cp, types.CompletedPart{PartNumber: aws.Int32(int32(p + 1)), ETag: aws.String(etags[u][p])})
			}
			_, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpc"), Key: aws.String(fmt.Sprintf("obj-%d", u)),
				UploadId: aws.String(ids[u]), MultipartUpload: &types.CompletedMultipartUpload{Parts: cp}})
			if err != nil {
				t.Error(err)
				return
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("mpc"), Key: aws.String("obj-0"), Body: strings.NewReader("put")}); err != nil {
			t.Error(err)
		}
	}()
	wg.Wait()
	if t.Failed() {
		stop()
		return
	}
	want := func(u int) string {
		var b strings.Builder
		for p := 0; p < parts; p++ {
			b.WriteString(body(u, p))
		}
		return b.String()
	}
	before := getString(t, c, "mpc", "obj-0")
	stop()

	c, stop = startOn(t, dir, emulator.WithS3MinPartSize(1))
	defer stop()
	for u := 1; u < uploads; u++ {
		if got := getString(t, c, "mpc", fmt.Sprintf("obj-%d", u)); got != want(u) {
			t.Errorf("obj-%d after restart: %d bytes, want the %d bytes of its parts", u, len(got), len(want(u)))
		}
	}
	got := getString(t, c, "mpc", "obj-0")
	if got != before || (got != "put" && got != want(0)) {
		t.Errorf("obj-0 after restart: %d bytes, want the %d bytes read before the restart", len(got), len(before))
	}
	lu, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mpc")})
	if err != nil {
		t.Fatal(err)
	}
	if len(lu.Uploads) != 0 {
		t.Errorf("after restart %d uploads remain, want none", len(lu.Uploads))
	}
}

// TestS3AbortRacingUploadPart: AbortMultipartUpload racing UploadPart of
// the same upload leaves nothing of the upload after a restart: no upload
// listed, ListParts answers NoSuchUpload, the bucket deletes (an upload in
// progress would make it BucketNotEmpty), and no part's bytes are left in
// the data directory. A part upload that loses the race is refused with
// NoSuchUpload ("The specified multipart upload does not exist", Amazon S3
// API Reference, UploadPart, Errors).
func TestS3AbortRacingUploadPart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	c, stop := startOn(t, dir)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mpa")}); err != nil {
		t.Fatal(err)
	}
	const rounds, partsPerRound = 4, 6
	var ids []string
	for r := 0; r < rounds; r++ {
		out, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpa"), Key: aws.String("k")})
		if err != nil {
			t.Fatal(err)
		}
		id := *out.UploadId
		ids = append(ids, id)
		var wg sync.WaitGroup
		for p := 0; p < partsPerRound; p++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpa"), Key: aws.String("k"), UploadId: aws.String(id),
					PartNumber: aws.Int32(int32(p%3 + 1)), Body: bytes.NewReader(bytes.Repeat([]byte{byte(p)}, 4096))})
				var ae smithy.APIError
				if err != nil && !(errors.As(err, &ae) && ae.ErrorCode() == "NoSuchUpload") {
					t.Errorf("UploadPart racing abort: %v, want success or NoSuchUpload", err)
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mpa"), Key: aws.String("k"), UploadId: aws.String(id)}); err != nil {
				t.Errorf("AbortMultipartUpload: %v", err)
			}
		}()
		wg.Wait()
	}
	stop()

	c, stop = startOn(t, dir)
	defer stop()
	lu, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mpa")})
	if err != nil {
		t.Fatal(err)
	}
	if len(lu.Uploads) != 0 {
		t.Errorf("after restart %d uploads listed, want none", len(lu.Uploads))
	}
	for _, id := range ids {
		_, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpa"), Key: aws.String("k"), UploadId: aws.String(id)})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchUpload" {
			t.Errorf("ListParts of an aborted upload after restart: %v, want NoSuchUpload", err)
		}
	}
	var left []string
	filepath.WalkDir(filepath.Join(dir, "s3", "blobs"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, path)
		}
		return nil
	})
	if len(left) != 0 {
		t.Errorf("after restart blobs remain with no upload or object: %v", left)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("mpa")}); err != nil {
		t.Errorf("DeleteBucket after restart: %v, want success (no upload left)", err)
	}
}
