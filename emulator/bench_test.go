package emulator_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/xacct/xacct/emulator"
)

// BenchmarkServeGetCallerIdentity measures the emulator's own cost for one
// signed STS request (no client, no network): verify, resolve the caller,
// decode, run, encode.
func BenchmarkServeGetCallerIdentity(b *testing.B) {
	emu, err := emulator.New()
	if err != nil {
		b.Fatal(err)
	}
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	r0 := httptest.NewRequest("POST", "http://127.0.0.1:4566/", bytes.NewReader(body))
	r0.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	signer := v4.NewSigner()
	if err := signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "111111111111", SecretAccessKey: "test"}, r0,
		sha256Hex(body), "sts", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r := r0.Clone(context.Background())
		r.Body = io.NopCloser(bytes.NewReader(body))
		w := httptest.NewRecorder()
		emu.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("got %d %s", w.Code, w.Body)
		}
	}
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// BenchmarkServeGetObject measures the emulator's own cost for a signed
// 1 KiB GetObject (no client, no network).
func BenchmarkServeGetObject(b *testing.B) {
	emu, err := emulator.New()
	if err != nil {
		b.Fatal(err)
	}
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: "111111111111", SecretAccessKey: "test"}
	do := func(method, path string, body []byte) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "http://127.0.0.1:4566"+path, bytes.NewReader(body))
		r.Header.Set("X-Amz-Content-Sha256", sha256Hex(body))
		if err := signer.SignHTTP(context.Background(), creds, r, sha256Hex(body), "s3", "us-east-1", time.Now()); err != nil {
			b.Fatal(err)
		}
		w := httptest.NewRecorder()
		emu.ServeHTTP(w, r)
		return w
	}
	do("PUT", "/bench", nil)
	if w := do("PUT", "/bench/src", bytes.Repeat([]byte("x"), 1024)); w.Code != 200 {
		b.Fatalf("put: %d %s", w.Code, w.Body)
	}
	r0 := httptest.NewRequest("GET", "http://127.0.0.1:4566/bench/src", nil)
	r0.Header.Set("X-Amz-Content-Sha256", sha256Hex(nil))
	if err := signer.SignHTTP(context.Background(), creds, r0, sha256Hex(nil), "s3", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		emu.ServeHTTP(w, r0.Clone(context.Background()))
		if w.Code != http.StatusOK || w.Body.Len() != 1024 {
			b.Fatalf("got %d %d", w.Code, w.Body.Len())
		}
	}
}
