package emulator_test

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/xacct/xacct/emulator"
)

// BenchmarkTrailPutObject measures a signed 1 KiB PutObject through
// ServeHTTP with the decision trail on (its default 10,000 records, full
// after the first 10,000 iterations) and off (WithDecisions(0)): the
// trail's cost per request, CPU and garbage collection included.
func BenchmarkTrailPutObject(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts []emulator.Option
	}{{"on", nil}, {"off", []emulator.Option{emulator.WithDecisions(0)}}} {
		b.Run(bc.name, func(b *testing.B) {
			emu, err := emulator.New(bc.opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer emu.Close()
			signer := v4.NewSigner()
			creds := aws.Credentials{AccessKeyID: "111111111111", SecretAccessKey: "test"}
			sign := func(method, path string, body []byte) *httptest.ResponseRecorder {
				r := httptest.NewRequest(method, "http://127.0.0.1:4566"+path, bytes.NewReader(body))
				r.Header.Set("X-Amz-Content-Sha256", sha256Hex(body))
				if err := signer.SignHTTP(context.Background(), creds, r, sha256Hex(body), "s3", "us-east-1", time.Now()); err != nil {
					b.Fatal(err)
				}
				w := httptest.NewRecorder()
				emu.ServeHTTP(w, r)
				return w
			}
			sign("PUT", "/bench", nil)
			body := bytes.Repeat([]byte("x"), 1024)
			r0 := httptest.NewRequest("PUT", "http://127.0.0.1:4566/bench/k", nil)
			r0.Header.Set("X-Amz-Content-Sha256", sha256Hex(body))
			if err := signer.SignHTTP(context.Background(), creds, r0, sha256Hex(body), "s3", "us-east-1", time.Now()); err != nil {
				b.Fatal(err)
			}
			// Fill the trail first, so the ring is at its steady size.
			for i := 0; i < 10000; i++ {
				r := r0.Clone(context.Background())
				r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
				emu.ServeHTTP(httptest.NewRecorder(), r)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r := r0.Clone(context.Background())
				r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
				w := httptest.NewRecorder()
				emu.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("got %d %s", w.Code, w.Body)
				}
			}
		})
	}
}
