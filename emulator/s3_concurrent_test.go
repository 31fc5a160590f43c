package emulator_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
)

// startOn runs an emulator keeping its state in dir and returns a
// path-style S3 client of account home's root user; stop closes it.
func startOn(t *testing.T, dir string, opts ...emulator.Option) (c *s3.Client, stop func()) {
	t.Helper()
	srv := emulatortest.New(t, append([]emulator.Option{emulator.WithDataDir(dir)}, opts...)...)
	return s3.NewFromConfig(srv.Config(home), func(o *s3.Options) { o.UsePathStyle = true }), srv.Close
}

// TestS3ConcurrentWritesSurviveRestart: with a data directory, concurrent
// PutObject, DeleteObject and PutObjectAcl calls on shared and distinct
// keys (writes of different keys no longer wait for each other's fsyncs)
// leave on disk exactly what they acknowledged, in the order they were
// acknowledged for each key.
func TestS3ConcurrentWritesSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	c, stop := startOn(t, dir)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("conc")}); err != nil {
		t.Fatal(err)
	}
	const writers, rounds = 16, 8
	// Each writer owns key own-W and also writes the shared key; the last
	// acknowledged value of the shared key must be the one read back.
	var (
		wg         sync.WaitGroup
		mu         sync.Mutex
		sharedLast = map[string]bool{} // values of "shared" acknowledged last by some writer
	)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := fmt.Sprintf("own-%02d", w)
			for r := 0; r < rounds; r++ {
				v := fmt.Sprintf("w%d-r%d", w, r)
				if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("conc"), Key: aws.String(own), Body: strings.NewReader(v)}); err != nil {
					t.Error(err)
					return
				}
				if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("conc"), Key: aws.String("shared"), Body: strings.NewReader(v)}); err != nil {
					t.Error(err)
					return
				}
				if r == rounds-1 {
					mu.Lock()
					sharedLast[v] = true
					mu.Unlock()
				}
				tmp := fmt.Sprintf("tmp-%02d-%d", w, r)
				if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("conc"), Key: aws.String(tmp), Body: strings.NewReader(v)}); err != nil {
					t.Error(err)
					return
				}
				if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("conc"), Key: aws.String(tmp)}); err != nil {
					t.Error(err)
					return
				}
			}
			if _, err := c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("conc"), Key: aws.String(own), ACL: "bucket-owner-full-control"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		stop()
		return
	}
	before := getString(t, c, "conc", "shared")
	stop()

	c, stop = startOn(t, dir)
	defer stop()
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("conc")})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, *o.Key)
	}
	if len(keys) != writers+1 {
		t.Errorf("after restart got keys %v, want %d own-NN keys and shared", keys, writers)
	}
	for w := 0; w < writers; w++ {
		own := fmt.Sprintf("own-%02d", w)
		if got, want := getString(t, c, "conc", own), fmt.Sprintf("w%d-r%d", w, rounds-1); got != want {
			t.Errorf("%s after restart = %q, want %q", own, got, want)
		}
	}
	if got := getString(t, c, "conc", "shared"); got != before || !sharedLast[got] {
		t.Errorf("shared after restart = %q, want %q (the last acknowledged write)", got, before)
	}
}

// TestS3DeleteBucketDuringWrites: DeleteBucket racing PutObject either
// refuses (BucketNotEmpty) or wins, and then no object write that was
// refused with NoSuchBucket comes back in a bucket of the same name
// created after a restart.
func TestS3DeleteBucketDuringWrites(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	c, stop := startOn(t, dir)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("race")}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < 20; r++ {
				key := fmt.Sprintf("k-%d-%d", w, r)
				_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("race"), Key: aws.String(key), Body: strings.NewReader("x")})
				var ae smithy.APIError
				if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchBucket" {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("race"), Key: aws.String(key)}); err != nil {
					if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchBucket" {
						return
					}
					t.Error(err)
					return
				}
			}
		}()
	}
	deleted := false
	for !deleted {
		_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("race")})
		var ae smithy.APIError
		switch {
		case err == nil:
			deleted = true
		case errors.As(err, &ae) && ae.ErrorCode() == "BucketNotEmpty":
		default:
			t.Fatal(err)
		}
	}
	wg.Wait()
	stop()

	c, stop = startOn(t, dir)
	defer stop()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("race")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("race")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Contents) != 0 {
		t.Errorf("a recreated bucket holds %d objects of the deleted one, want none", len(out.Contents))
	}
}
