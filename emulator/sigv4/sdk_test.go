package sigv4

import (
	"bytes"
	"context"
	"encoding/base64"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestSDKPutObjectStreaming drives the verifier with aws-sdk-go-v2's S3
// client, which sends PutObject bodies aws-chunked with a trailing
// checksum: the handler must get the exact bytes and the trailer.
func TestSDKPutObjectStreaming(t *testing.T) {
	v := New(staticKeys{"AKIDEXAMPLE": {SecretAccessKey: "secret"}}, Options{Flavor: testFlavor})
	var mu sync.Mutex
	var gotBody []byte
	var gotMode string
	var gotTrailer http.Header
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := v.Verify(r.Context(), r)
		if err != nil {
			w.WriteHeader(403)
			io.WriteString(w, err.Error())
			return
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(400)
			io.WriteString(w, err.Error())
			return
		}
		mu.Lock()
		gotBody, gotMode = b, res.PayloadHash
		if res.Trailer != nil {
			gotTrailer = res.Trailer()
		}
		mu.Unlock()
		w.Header().Set("ETag", `"x"`)
	})
	plain := httptest.NewServer(handler)
	defer plain.Close()
	tls := httptest.NewTLSServer(handler)
	defer tls.Close()
	clientFor := func(srv *httptest.Server) *s3.Client {
		return s3.NewFromConfig(aws.Config{
			Region:      "us-east-1",
			Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
			HTTPClient:  srv.Client(),
		}, func(o *s3.Options) {
			o.BaseEndpoint = aws.String(srv.URL)
			o.UsePathStyle = true
		})
	}
	body := bytes.Repeat([]byte("xacct "), 5000)
	for _, tc := range []struct {
		name   string
		client *s3.Client
		body   io.Reader
	}{
		// Over plain HTTP the SDK signs the payload's SHA-256.
		{"http seekable", clientFor(plain), bytes.NewReader(body)},
		// Over TLS it sends UNSIGNED-PAYLOAD (or aws-chunked with a
		// trailing checksum, depending on the SDK version).
		{"https seekable", clientFor(tls), bytes.NewReader(body)},
		{"https unseekable", clientFor(tls), io.MultiReader(bytes.NewReader(body))},
	} {
		client := tc.client
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			in := &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("dir/a key.txt"), Body: tc.body}
			if strings.HasSuffix(tc.name, "unseekable") {
				in.ContentLength = aws.Int64(int64(len(body)))
			}
			if _, err := client.PutObject(ctx, in); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if !bytes.Equal(gotBody, body) {
				t.Fatalf("got %d bytes, want %d", len(gotBody), len(body))
			}
			t.Logf("payload mode %s, trailer %v", gotMode, gotTrailer)
			if strings.HasPrefix(gotMode, "STREAMING") && strings.HasSuffix(gotMode, "TRAILER") {
				sum := crc32.ChecksumIEEE(body)
				want := base64.StdEncoding.EncodeToString([]byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
				if got := gotTrailer.Get("x-amz-checksum-crc32"); got != want {
					t.Errorf("got trailer checksum %q, want %q", got, want)
				}
			}
		})
	}
}
