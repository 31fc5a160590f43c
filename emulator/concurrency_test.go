package emulator_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/xacct/xacct/emulatortest"
)

// TestConcurrentClients runs 32 clients at once through STS, IAM and S3
// (run under -race): each assumes the target role, writes, reads, lists and
// copies its own keys, while others change IAM state. The goroutines return
// their errors (t.Fatal must not be called from them).
func TestConcurrentClients(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	homeS3, _ := copyScenario(t, srv)
	if _, err := homeS3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("home-src"), Policy: aws.String(homeBucketPolicy)}); err != nil {
		t.Fatal(err)
	}
	admin := srv.AdminConfig(t, home)
	const clients = 32
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- func() error {
				key := fmt.Sprintf("c%02d/object", i)
				body := strings.Repeat(key, 100)
				if _, err := homeS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("home-src"), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
					return fmt.Errorf("PutObject %s: %w", key, err)
				}
				creds, err := assumeAs(ctx, admin, copyRoleARN)
				if err != nil {
					return err
				}
				cfg := srv.ConfigWith(creds)
				if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
					return err
				}
				role := s3.NewFromConfig(cfg)
				for j := 0; j < 5; j++ {
					dst := fmt.Sprintf("c%02d/copy-%d", i, j)
					if _, err := role.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("target-dst"), Key: aws.String(dst), CopySource: aws.String("home-src/" + key)}); err != nil {
						return err
					}
					got, err := role.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("target-dst"), Key: aws.String(dst)})
					if err != nil {
						return fmt.Errorf("GetObject %s: %w", dst, err)
					}
					b, err := io.ReadAll(got.Body)
					got.Body.Close()
					if err != nil {
						return fmt.Errorf("GetObject %s: %w", dst, err)
					}
					if string(b) != body {
						return fmt.Errorf("%s: got %d bytes, want the %d copied", dst, len(b), len(body))
					}
				}
				if _, err := role.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("target-dst"), Prefix: aws.String(fmt.Sprintf("c%02d/", i))}); err != nil {
					return err
				}
				// IAM writes interleaved with the reads above.
				_, err = iam.NewFromConfig(srv.Config(home)).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(fmt.Sprintf("r%d", i)), AssumeRolePolicyDocument: aws.String(lambdaTrust)})
				return err
			}()
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	out, err := s3.NewFromConfig(srv.Config(target)).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("target-dst")})
	if err != nil {
		t.Fatalf("ListObjectsV2: %v", err)
	}
	if got := aws.ToInt32(out.KeyCount); got != clients*5 {
		t.Errorf("got %d copies, want %d", got, clients*5)
	}
}
