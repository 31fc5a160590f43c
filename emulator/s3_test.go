package emulator_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/xacct/xacct/emulatortest"
)

func s3For(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg)
}

func putString(t *testing.T, c *s3.Client, bucket, key, body string) *s3.PutObjectOutput {
	t.Helper()
	out, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)})
	if err != nil {
		t.Fatalf("PutObject %s/%s: %v", bucket, key, err)
	}
	return out
}

func getString(t *testing.T, c *s3.Client, bucket, key string) string {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func md5Hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestS3Buckets covers CreateBucket (names, BucketAlreadyExists vs
// BucketAlreadyOwnedByYou), HeadBucket, ListBuckets, GetBucketLocation and
// DeleteBucket refusing a non-empty bucket (Amazon S3 API Reference).
func TestS3Buckets(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	other := s3For(srv.Config(target))
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("home-bucket")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("Bad_Name")}); apiCode(err) != "InvalidBucketName" {
		t.Errorf("bad name: got %v", err)
	}
	if _, err := other.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("home-bucket")}); apiCode(err) != "BucketAlreadyExists" {
		t.Errorf("other account: got %v, want BucketAlreadyExists", err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("eu-bucket"), CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("eu-bucket"), CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}}); apiCode(err) != "BucketAlreadyOwnedByYou" {
		t.Errorf("own bucket again: got %v, want BucketAlreadyOwnedByYou", err)
	}
	loc, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("eu-bucket")})
	if err != nil || loc.LocationConstraint != "eu-west-1" {
		t.Errorf("GetBucketLocation: %+v %v", loc, err)
	}
	lb, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(lb.Buckets) != 2 || *lb.Buckets[0].Name != "eu-bucket" {
		t.Errorf("ListBuckets: %+v %v", lb, err)
	}
	if lb2, _ := other.ListBuckets(ctx, &s3.ListBucketsInput{}); len(lb2.Buckets) != 0 {
		t.Errorf("other account sees %d buckets, want 0", len(lb2.Buckets))
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("nope-bucket")}); err == nil {
		t.Error("HeadBucket of missing bucket: got nil")
	}
	putString(t, c, "home-bucket", "k", "v")
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("home-bucket")}); apiCode(err) != "BucketNotEmpty" {
		t.Errorf("non-empty delete: got %v", err)
	}
	c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("home-bucket"), Key: aws.String("k")})
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("home-bucket")}); err != nil {
		t.Errorf("empty delete: %v", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("home-bucket"), Key: aws.String("k")}); apiCode(err) != "NoSuchBucket" {
		t.Errorf("deleted bucket: got %v", err)
	}
}

// TestS3Objects covers PutObject/GetObject/HeadObject with metadata,
// content headers, ETag = MD5, ranges, conditional requests, checksums,
// DeleteObject(s).
func TestS3Objects(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")})
	body := "hello, cross-account world"
	out, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("bkt"), Key: aws.String("dir/ключ файл.txt"), Body: strings.NewReader(body),
		ContentType: aws.String("text/plain"), Metadata: map[string]string{"owner": "alice"},
		ChecksumAlgorithm: s3types.ChecksumAlgorithmSha256,
	})
	if err != nil {
		t.Fatal(err)
	}
	if *out.ETag != `"`+md5Hex(body)+`"` {
		t.Errorf("got ETag %s, want MD5 %s", *out.ETag, md5Hex(body))
	}
	if out.ChecksumSHA256 == nil {
		t.Errorf("got no SHA256 checksum in PutObject response")
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/ключ файл.txt"), ChecksumMode: s3types.ChecksumModeEnabled})
	if err != nil {
		t.Fatal(err)
	}
	if *head.ContentLength != int64(len(body)) || *head.ContentType != "text/plain" || head.Metadata["owner"] != "alice" || head.ChecksumSHA256 == nil || *head.ChecksumSHA256 != *out.ChecksumSHA256 {
		t.Errorf("HeadObject: %+v", head)
	}
	if got := getString(t, c, "bkt", "dir/ключ файл.txt"); got != body {
		t.Errorf("got %q, want %q", got, body)
	}
	for _, tc := range []struct{ rng, want, contentRange string }{
		{"bytes=0-4", "hello", "bytes 0-4/26"},
		{"bytes=7-", "cross-account world", "bytes 7-25/26"},
		{"bytes=-5", "world", "bytes 21-25/26"},
		{"bytes=20-1000", "world", "bytes 20-25/26"},
	} {
		g, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/ключ файл.txt"), Range: aws.String(tc.rng)})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(g.Body)
		g.Body.Close()
		if tc.want == "world" && tc.rng == "bytes=20-1000" {
			tc.want = " world"
		}
		if string(b) != tc.want || *g.ContentRange != tc.contentRange {
			t.Errorf("Range %s: got %q %s, want %q %s", tc.rng, b, *g.ContentRange, tc.want, tc.contentRange)
		}
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/ключ файл.txt"), Range: aws.String("bytes=100-")}); apiCode(err) != "InvalidRange" {
		t.Errorf("unsatisfiable range: got %v", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/ключ файл.txt"), IfMatch: aws.String(`"nope"`)}); apiCode(err) != "PreconditionFailed" {
		t.Errorf("If-Match: got %v", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/ключ файл.txt"), IfNoneMatch: out.ETag}); err == nil || !strings.Contains(err.Error(), "304") {
		t.Errorf("If-None-Match: got %v, want 304", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("missing")}); apiCode(err) != "NoSuchKey" {
		t.Errorf("missing key: got %v", err)
	}
	// Conditional write.
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/ключ файл.txt"), Body: strings.NewReader("x"), IfNoneMatch: aws.String("*")}); apiCode(err) != "PreconditionFailed" {
		t.Errorf("If-None-Match * on existing key: got %v", err)
	}
	// A wrong checksum is refused and stores nothing.
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("bad"), Body: strings.NewReader("data"), ChecksumCRC32: aws.String("AAAAAA==")})
	if apiCode(err) != "BadDigest" {
		t.Errorf("wrong CRC32: got %v, want BadDigest", err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("bad")}); err == nil {
		t.Error("object with a bad digest was stored")
	}
	// DeleteObjects.
	for i := 0; i < 5; i++ {
		putString(t, c, "bkt", fmt.Sprintf("del/%d", i), "x")
	}
	var ids []s3types.ObjectIdentifier
	for i := 0; i < 5; i++ {
		ids = append(ids, s3types.ObjectIdentifier{Key: aws.String(fmt.Sprintf("del/%d", i))})
	}
	do, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &s3types.Delete{Objects: ids}})
	if err != nil || len(do.Deleted) != 5 {
		t.Fatalf("DeleteObjects: %+v %v", do, err)
	}
	lo, _ := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), Prefix: aws.String("del/")})
	if *lo.KeyCount != 0 {
		t.Errorf("got %d keys after DeleteObjects, want 0", *lo.KeyCount)
	}
}

// TestS3ListObjectsV2 pages 2,500 keys with continuation tokens and checks
// order, delimiters, start-after and UTF-8 keys.
func TestS3ListObjectsV2(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")})
	var keys []string
	for i := 0; i < 2500; i++ {
		keys = append(keys, fmt.Sprintf("data/%04d.csv", i))
	}
	keys = append(keys, "data/sub/a", "data/sub/b", "data/z/é", "top", "données/x", "a b/c")
	for _, k := range keys {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(k), Body: bytes.NewReader(nil)}); err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(keys)
	var got []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("bkt")})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range page.Contents {
			got = append(got, *o.Key)
		}
	}
	if strings.Join(got, "|") != strings.Join(keys, "|") || pages != 3 {
		t.Errorf("got %d keys in %d pages, want %d in 3, in byte order", len(got), pages, len(keys))
	}
	d, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), Prefix: aws.String("data/"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(5), StartAfter: aws.String("data/2497.csv")})
	if err != nil {
		t.Fatal(err)
	}
	var items []string
	for _, o := range d.Contents {
		items = append(items, *o.Key)
	}
	for _, cp := range d.CommonPrefixes {
		items = append(items, *cp.Prefix)
	}
	if strings.Join(items, ",") != "data/2498.csv,data/2499.csv,data/sub/,data/z/" || *d.IsTruncated {
		t.Errorf("delimiter listing: got %v truncated=%v", items, *d.IsTruncated)
	}
	// Paging through common prefixes with a delimiter.
	var cps []string
	p = s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, cp := range page.CommonPrefixes {
			cps = append(cps, *cp.Prefix)
		}
		for _, o := range page.Contents {
			cps = append(cps, *o.Key)
		}
	}
	if strings.Join(cps, ",") != "a b/,data/,données/,top" {
		t.Errorf("prefix paging: got %v", cps)
	}
}

func TestS3PresignedURLs(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")})
	ps := s3.NewPresignClient(c, func(o *s3.PresignOptions) { o.Expires = 5 * time.Minute })
	put, err := ps.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("up/file.txt")})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := httpNewRequest("PUT", put.URL, strings.NewReader("presigned body"))
	for k, v := range put.SignedHeader {
		req.Header[k] = v
	}
	resp, err := srvClient(srv).Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("presigned PUT: %v %v", resp, err)
	}
	resp.Body.Close()
	get, _ := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("up/file.txt")})
	resp, err = srvClient(srv).Get(get.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "presigned body" {
		t.Errorf("presigned GET: %d %q", resp.StatusCode, b)
	}
	// Tampering with the URL breaks the signature.
	resp, _ = srvClient(srv).Get(strings.Replace(get.URL, "file.txt", "other.txt", 1))
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(b), "<Code>SignatureDoesNotMatch</Code>") {
		t.Errorf("tampered presigned GET: %d %s", resp.StatusCode, b)
	}
}
