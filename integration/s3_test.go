package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func s3Client(url, acct string) *s3.Client {
	return s3.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(acct, "test", ""),
		BaseEndpoint: aws.String(url),
	})
}

// TestS3CLIRecursiveAndSync copies a directory tree up with `aws s3 cp
// --recursive`, back down with `aws s3 sync`, and checks every byte; a
// second sync copies nothing.
func TestS3CLIRecursiveAndSync(t *testing.T) {
	needTool(t, "aws")
	s := serve(t)
	env := s.rootEnv("111111111111")
	src := t.TempDir()
	files := map[string][]byte{}
	for i := 0; i < 30; i++ {
		name := fmt.Sprintf("dir%d/file %d.txt", i%3, i)
		b := make([]byte, 100+i*333)
		rand.Read(b)
		files[name] = b
	}
	files["big/large.bin"] = make([]byte, 9<<20) // multipart (CLI threshold 8 MiB)
	rand.Read(files["big/large.bin"])
	files["unicode/データ.csv"] = []byte("a,b\n")
	// S3 lists LastModified to the second and `aws s3 sync` uploads a
	// local file whose mtime is newer: files written in the second of their
	// upload would look newer than their objects (as on AWS), so they are
	// dated a minute back.
	past := time.Now().Add(-time.Minute)
	for name, b := range files {
		p := filepath.Join(src, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, b, 0o644)
		os.Chtimes(p, past, past)
	}
	must(t, env, "aws", "s3", "mb", "s3://cli-bucket")
	must(t, env, "aws", "s3", "cp", "--recursive", src, "s3://cli-bucket/tree/")
	ls := must(t, env, "aws", "s3", "ls", "--recursive", "s3://cli-bucket/tree/")
	if got := strings.Count(strings.TrimSpace(ls), "\n") + 1; got != len(files) {
		t.Errorf("aws s3 ls lists %d objects, want %d:\n%s", got, len(files), ls)
	}
	dst := t.TempDir()
	must(t, env, "aws", "s3", "sync", "s3://cli-bucket/tree/", dst)
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dst, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: got %d bytes (%v), want %d", name, len(got), err, len(want))
		}
	}
	if out := must(t, env, "aws", "s3", "sync", src, "s3://cli-bucket/tree/"); strings.TrimSpace(out) != "" {
		t.Errorf("second sync uploaded again:\n%s", out)
	}
	// A changed file is uploaded by sync.
	os.WriteFile(filepath.Join(src, "dir0/file 0.txt"), []byte("changed"), 0o644)
	if out := must(t, env, "aws", "s3", "sync", src, "s3://cli-bucket/tree/"); !strings.Contains(out, "file 0.txt") {
		t.Errorf("sync after a change: %q", out)
	}
	must(t, env, "aws", "s3", "rm", "--recursive", "s3://cli-bucket/tree/")
	must(t, env, "aws", "s3", "rb", "s3://cli-bucket")
}

// TestS3Boto3 drives the API with boto3: put/get, head with checksums,
// paginated listing, copy, multipart via upload_file, presigned URL.
func TestS3Boto3(t *testing.T) {
	needTool(t, "python3")
	s := serve(t)
	out := must(t, s.rootEnv("111111111111"), "python3", "testdata/s3_boto3.py")
	if strings.TrimSpace(out) != "ok" {
		t.Errorf("boto3 script: %s", out)
	}
}

// TestS3KillRestart writes objects to `xacct serve --data-dir`, kills the
// process without warning, restarts it on the same directory, and finds
// every acknowledged object intact.
func TestS3KillRestart(t *testing.T) {
	dir := t.TempDir()
	s := serve(t, "--data-dir", dir)
	ctx := context.Background()
	c := s3Client(s.URL, "111111111111")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("durable")}); err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				key := fmt.Sprintf("w%d/obj-%03d", w, i)
				b := make([]byte, 1000+i*97)
				rand.Read(b)
				if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("durable"), Key: aws.String(key), Body: bytes.NewReader(b)}); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				want[key] = b // acknowledged
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	s.kill()

	s2 := serve(t, "--data-dir", dir)
	c2 := s3Client(s2.URL, "111111111111")
	for key, b := range want {
		out, err := c2.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("durable"), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("after restart, %s: %v", key, err)
		}
		got, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if !bytes.Equal(got, b) {
			t.Fatalf("after restart, %s differs", key)
		}
	}
	list, err := c2.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("durable")})
	if err != nil || int(*list.KeyCount) != len(want) {
		t.Errorf("after restart: %d keys listed, want %d (%v)", *list.KeyCount, len(want), err)
	}
}
