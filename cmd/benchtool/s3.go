package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func s3Client(endpoint string, clients int) *s3.Client {
	cfg := cfgFor(endpoint, aws.Credentials{AccessKeyID: "111111111111", SecretAccessKey: "test"})
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: max(4, clients)}}
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

// s3Throughput measures one S3 operation: PutObject (1 KiB), GetObject,
// CopyObject, or ListObjectsV2 (a full listing of 10,000 keys).
func s3Throughput(endpoint, op string, n, clients int) error {
	ctx := context.Background()
	c := s3Client(endpoint, clients)
	bucket := "bench-" + strings.ToLower(op)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil && !strings.Contains(err.Error(), "BucketAlready") {
		return err
	}
	body := bytes.Repeat([]byte("x"), 1024)
	put := func(key string) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
		return err
	}
	var call func(i int) error
	switch op {
	case "PutObject":
		call = func(i int) error { return put("k" + strconv.Itoa(i)) }
	case "GetObject":
		if err := put("src"); err != nil {
			return err
		}
		call = func(int) error {
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("src")})
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, out.Body)
			out.Body.Close()
			return err
		}
	case "CopyObject":
		if err := put("src"); err != nil {
			return err
		}
		call = func(i int) error {
			_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("dst" + strconv.Itoa(i)), CopySource: aws.String(bucket + "/src")})
			return err
		}
	case "ListObjectsV2":
		for i := 0; i < 10000; i++ {
			if err := put(fmt.Sprintf("list/%05d", i)); err != nil {
				return err
			}
		}
		call = func(int) error {
			p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("list/")})
			count := 0
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					return err
				}
				count += len(page.Contents)
			}
			if count != 10000 {
				return fmt.Errorf("listed %d keys, want 10000", count)
			}
			return nil
		}
	default:
		return fmt.Errorf("unknown op %s", op)
	}
	return measure(fmt.Sprintf("%s %s", endpoint, op), n, clients, call)
}

// genReader is a seekable stream of deterministic bytes that is never
// held in memory.
type genReader struct {
	size, off int64
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.off >= g.size {
		return 0, io.EOF
	}
	if int64(len(p)) > g.size-g.off {
		p = p[:g.size-g.off]
	}
	for i := range p {
		x := uint64(g.off + int64(i))
		p[i] = byte(x*2654435761>>13) ^ byte(x)
	}
	g.off += int64(len(p))
	return len(p), nil
}

func (g *genReader) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		g.off = off
	case io.SeekCurrent:
		g.off += off
	case io.SeekEnd:
		g.off = g.size + off
	}
	if g.off < 0 {
		return 0, errors.New("negative offset")
	}
	return g.off, nil
}

// s3Stream puts and gets one object of size bytes and prints the server
// process's peak resident memory (VmHWM) read from /proc.
func s3Stream(endpoint string, size int64, pid int) error {
	ctx := context.Background()
	c := s3Client(endpoint, 1)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bench-stream")}); err != nil && !strings.Contains(err.Error(), "BucketAlready") {
		return err
	}
	want := sha256.New()
	io.Copy(want, &genReader{size: size})
	start := time.Now()
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bench-stream"), Key: aws.String("huge"), Body: &genReader{size: size}, ContentLength: aws.Int64(size)})
	if err != nil {
		return err
	}
	putDur := time.Since(start)
	start = time.Now()
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bench-stream"), Key: aws.String("huge")})
	if err != nil {
		return err
	}
	got := sha256.New()
	n, err := io.Copy(got, out.Body)
	out.Body.Close()
	if err != nil {
		return err
	}
	getDur := time.Since(start)
	if n != size || hex.EncodeToString(got.Sum(nil)) != hex.EncodeToString(want.Sum(nil)) {
		return fmt.Errorf("round trip differs: %d bytes", n)
	}
	hwm, rss := procMem(pid)
	fmt.Printf("stream %d MiB: put %s (%.0f MiB/s) get %s (%.0f MiB/s), server peak RSS (VmHWM) %s, RSS now %s\n",
		size>>20, putDur.Round(time.Millisecond), float64(size>>20)/putDur.Seconds(), getDur.Round(time.Millisecond), float64(size>>20)/getDur.Seconds(), hwm, rss)
	return nil
}

func procMem(pid int) (hwm, rss string) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?", "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			hwm = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			rss = strings.TrimSpace(v)
		}
	}
	return hwm, rss
}
