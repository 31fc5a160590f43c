//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/xacct/xacct/emulatortest"
)

// TestBinaryCopyInterrupt sends Ctrl-C (SIGINT) to a running `xacct copy`:
// it stops, exits 1, and prints the --start-after that resumes it; the
// resumed run finishes the prefix.
func TestBinaryCopyInterrupt(t *testing.T) {
	bin := buildXacct(t)
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3.NewFromConfig(srv.Config("111111111111"))
	for _, b := range []string{"int-src", "int-dst"} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	const n = 1500
	var wg sync.WaitGroup
	keys := make(chan string)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range keys {
				c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("int-src"), Key: aws.String(k), Body: strings.NewReader("x")})
			}
		}()
	}
	for i := 0; i < n; i++ {
		keys <- fmt.Sprintf("d/%05d", i)
	}
	close(keys)
	wg.Wait()
	count := func() int {
		p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("int-dst")})
		total := 0
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			total += len(page.Contents)
		}
		return total
	}

	env := append(cleanEnv(t), "AWS_ENDPOINT_URL="+srv.URL, "AWS_ACCESS_KEY_ID=111111111111", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1")
	cmd := exec.Command(bin, "copy", "s3://int-src/d/", "s3://int-dst", "--concurrency", "1", "--acl", "")
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for count() < 20 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("xacct copy did not stop within 30 s of SIGINT")
	}
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("exit %d after SIGINT, want 1\n%s%s", code, out.String(), errb.String())
	}
	m := regexp.MustCompile(`xacct: copy interrupted after \d+ copied, \d+ skipped: run the same command with --start-after "(d/\d{5})" to resume`).FindStringSubmatch(errb.String())
	if m == nil {
		t.Fatalf("stderr does not say how to resume:\n%s", errb.String())
	}
	if got := count(); got == n {
		t.Fatalf("the copy finished all %d objects before the interrupt; the test needs more objects", n)
	}

	cmd = exec.Command(bin, "copy", "s3://int-src/d/", "s3://int-dst", "--acl", "", "--start-after", m[1])
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	if got := count(); got != n {
		t.Errorf("after resuming, the target holds %d objects, want %d", got, n)
	}
}
