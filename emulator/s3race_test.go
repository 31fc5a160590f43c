package emulator_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
)

// TestS3GetRacesOverwriteAndDelete: GETs and copies racing overwrites and
// deletes of the same key answer the old object, the new one, or 404 —
// never 500 (Amazon S3 User Guide, "Amazon S3 data consistency model":
// a read after a write or delete returns the latest data or none, and
// concurrent writers leave one of their objects). Run with the memory
// store and with --data-dir.
func TestS3GetRacesOverwriteAndDelete(t *testing.T) {
	t.Parallel()
	for _, store := range []string{"memory", "data-dir"} {
		t.Run(store, func(t *testing.T) {
			var opts []emulator.Option
			if store == "data-dir" {
				opts = append(opts, emulator.WithDataDir(t.TempDir()))
			}
			srv := emulatortest.New(t, opts...)
			ctx := context.Background()
			c := s3For(srv.Config(home))
			if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("race")}); err != nil {
				t.Fatal(err)
			}
			versions := map[string]bool{}
			for i := 0; i < 4; i++ {
				versions[strings.Repeat(fmt.Sprint(i), 1000+i)] = true
			}
			putString(t, c, "race", "k", strings.Repeat("0", 1000))
			var stop atomic.Bool
			var wrote atomic.Int32 // acknowledged overwrites: without them there is no race
			var wg sync.WaitGroup
			for w := 0; w < 2; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := 0; !stop.Load(); i++ {
						if (i+w)%5 == 4 {
							c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("race"), Key: aws.String("k")})
							continue
						}
						v := i % 4
						if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("race"), Key: aws.String("k"), Body: strings.NewReader(strings.Repeat(fmt.Sprint(v), 1000+v))}); err == nil {
							wrote.Add(1)
						}
					}
				}(w)
			}
			const readers, reads = 4, 300
			var failures atomic.Int32
			var rg sync.WaitGroup
			for r := 0; r < readers; r++ {
				rg.Add(1)
				go func(r int) {
					defer rg.Done()
					for i := 0; i < reads; i++ {
						if err := readOnce(ctx, c, r%2 == 0, versions); err != nil {
							if failures.Add(1) <= 5 {
								t.Errorf("read %d: %v", i, err)
							}
						}
					}
				}(r)
			}
			rg.Wait()
			stop.Store(true)
			wg.Wait()
			if wrote.Load() == 0 {
				t.Error("no overwrite succeeded while the readers ran")
			}
		})
	}
}

// readOnce GETs (or copies) the racing key and checks the answer is one of
// the versions written, or NoSuchKey.
func readOnce(ctx context.Context, c *s3.Client, get bool, versions map[string]bool) error {
	if !get {
		_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("race"), Key: aws.String("copy"), CopySource: aws.String("race/k")})
		if err != nil && apiCode(err) != "NoSuchKey" {
			return err
		}
		return nil
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("race"), Key: aws.String("k")})
	if err != nil {
		if apiCode(err) == "NoSuchKey" {
			return nil
		}
		return err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		return err
	}
	if !versions[string(b)] {
		return errors.New("GetObject returned bytes no writer wrote: " + string(b[:min(len(b), 20)]))
	}
	return nil
}
