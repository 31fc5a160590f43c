package emulator_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/xacct/xacct/emulatortest"
)

// TestS3PresignedPut: a presigned PUT stores the body a plain HTTP client
// sends (Amazon S3 User Guide, "Uploading objects with presigned URLs").
// The URL's X-Amz-* parameters authenticate it; they are not
// subresources. Signed as aws-sdk-go-v2's PresignClient does (with its
// x-id parameter) and as botocore's generate_presigned_url does (without):
// before, the second was answered 501 NotImplemented.
func TestS3PresignedPut(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	ps := s3.NewPresignClient(c, func(o *s3.PresignOptions) { o.Expires = 5 * time.Minute })

	presign := func(u string) string {
		r, _ := http.NewRequest("PUT", u, nil)
		signed, _, err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).
			PresignHTTP(ctx, rootCreds, r, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}

	// A presigned CreateBucket, then PUTs into the bucket.
	if status, b := sendPresigned(t, "PUT", presign(srv.URL+"/pre-bucket"), ""); status != 200 {
		t.Fatalf("presigned CreateBucket: %d %s", status, b)
	}
	sdkPut, err := ps.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("pre-bucket"), Key: aws.String("sdk.txt")})
	if err != nil {
		t.Fatal(err)
	}
	plainURL := presign(srv.URL + "/pre-bucket/plain.txt")
	if strings.Contains(plainURL, "x-id=") {
		t.Fatalf("the plain presigned URL should have no x-id: %s", plainURL)
	}
	for key, u := range map[string]string{"sdk.txt": sdkPut.URL, "plain.txt": plainURL} {
		if status, b := sendPresigned(t, "PUT", u, "body of "+key); status != 200 {
			t.Errorf("presigned PUT %s: %d %s", key, status, b)
			continue
		}
		if got := getString(t, c, "pre-bucket", key); got != "body of "+key {
			t.Errorf("GET %s: got %q", key, got)
		}
	}
}

func sendPresigned(t *testing.T, method, u, body string) (int, string) {
	t.Helper()
	r, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	status, b := do(t, r)
	return status, string(b)
}

// localhostClient is an HTTP client that reaches addr for every host name,
// so BUCKET.s3.localhost:PORT resolves without DNS.
func localhostClient(addr string) *http.Client {
	d := &net.Dialer{}
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}}
}

// TestS3VirtualHostLocalhost: an SDK pointed at http://s3.localhost:PORT
// addresses buckets virtual-host style, BUCKET.s3.localhost:PORT (Amazon
// S3 User Guide, "Virtual hosting of buckets"); path style against the
// same endpoint names the bucket in the path. Before, BUCKET.s3.localhost
// named the bucket "BUCKET.s3" and s3.localhost a bucket "s3".
func TestS3VirtualHostLocalhost(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	u, _ := url.Parse(srv.URL)
	cfg := srv.Config(home)
	cfg.BaseEndpoint = aws.String("http://s3.localhost:" + u.Port())
	cfg.HTTPClient = localhostClient(u.Host)
	var hosts []string
	record := func(o *s3.Options) {
		o.HTTPClient = hostRecorder{cfg.HTTPClient.(*http.Client), &hosts}
	}
	vhost := s3.NewFromConfig(cfg, record)
	path := s3.NewFromConfig(cfg, record, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := vhost.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vhost-bucket")}); err != nil {
		t.Fatal(err)
	}
	putString(t, vhost, "vhost-bucket", "dir/k.txt", "virtual")
	if got := getString(t, path, "vhost-bucket", "dir/k.txt"); got != "virtual" {
		t.Errorf("path-style GET: got %q", got)
	}
	putString(t, path, "vhost-bucket", "p.txt", "path")
	if got := getString(t, vhost, "vhost-bucket", "p.txt"); got != "path" {
		t.Errorf("virtual-host GET: got %q", got)
	}
	// The root client sees the same bucket through the loopback address.
	if got := getString(t, s3For(srv.Config(home)), "vhost-bucket", "dir/k.txt"); got != "virtual" {
		t.Errorf("GET via %s: got %q", srv.URL, got)
	}
	out, err := path.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(out.Buckets) != 1 || aws.ToString(out.Buckets[0].Name) != "vhost-bucket" {
		t.Errorf("ListBuckets on s3.localhost: %+v %v", out, err)
	}
	want := map[string]bool{"vhost-bucket.s3.localhost:" + u.Port(): false, "s3.localhost:" + u.Port(): false}
	for _, h := range hosts {
		if _, ok := want[h]; ok {
			want[h] = true
		}
	}
	for h, seen := range want {
		if !seen {
			t.Errorf("no request went to Host %s (hosts: %v)", h, hosts)
		}
	}
}

// hostRecorder records the Host of each request it sends.
type hostRecorder struct {
	c     *http.Client
	hosts *[]string
}

func (h hostRecorder) Do(r *http.Request) (*http.Response, error) {
	*h.hosts = append(*h.hosts, r.URL.Host)
	return h.c.Do(r)
}
