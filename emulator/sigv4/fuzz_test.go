package sigv4

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

func FuzzParseHeader(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc")
	f.Add("AWS4-HMAC-SHA256 Credential=/////,SignedHeaders=,Signature=")
	f.Add("AWS4-HMAC-SHA256")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := parseHeader(h)
		if err == nil && a.scope.String() == "" {
			t.Fatal("empty scope")
		}
		r := httptest.NewRequest("GET", "http://localhost/", nil)
		r.Header.Set("Authorization", h)
		r.Header.Set("X-Amz-Date", "20260101T000000Z")
		testVerifier(t0).Verify(context.Background(), r)
	})
}

func FuzzPresigned(f *testing.F) {
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261124%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261124T120000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=00")
	f.Add("X-Amz-Expires=-1&X-Amz-Algorithm=AWS4-HMAC-SHA256")
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := url.ParseQuery(q); err != nil {
			return
		}
		r := httptest.NewRequest("GET", "http://localhost/b/k", nil)
		r.URL.RawQuery = q
		testVerifier(t0).Verify(context.Background(), r)
		canonicalQuery(q, true)
	})
}

// FuzzChunked feeds arbitrary bodies to the aws-chunked decoder in the
// signed (S3 documentation example key) and unsigned-trailer modes.
func FuzzChunked(f *testing.F) {
	f.Add([]byte(chunkedDocBody(docSig1, docSig2, docSig3)[:200]), "66560", true)
	f.Add([]byte("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n"), "5", false)
	f.Add([]byte("ffffffffffffffff\r\n"), "1", false)
	f.Add([]byte("0;chunk-signature=\r\n\r\n"), "0", true)
	f.Fuzz(func(t *testing.T, body []byte, decoded string, signed bool) {
		r := httptest.NewRequest("PUT", "http://localhost/b/k", bytes.NewReader(body))
		r.Header.Set("X-Amz-Decoded-Content-Length", decoded)
		mode := StreamingUnsignedTrailer
		if signed {
			mode = StreamingPayload
		}
		cr, err := newChunkedReader(r, chunkSigner{key: SigningKey(docSecret, Scope{Date: "20130524", Region: "us-east-1", Service: "s3"}), date: "20130524T000000Z", scope: "20130524/us-east-1/s3/aws4_request", prev: "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"}, mode)
		if err != nil {
			return
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			io.Copy(io.Discard, cr)
			cr.trailers()
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("decoder hung")
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	r0 := newReq("POST", "http://127.0.0.1:4566/", body)
	r0.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sign(&testing.T{}, r0, body, creds, "sts", false, t0)
	v := testVerifier(t0)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r := r0.Clone(context.Background())
		r.Body = io.NopCloser(bytes.NewReader(body))
		if _, err := v.Verify(context.Background(), r); err != nil {
			b.Fatal(err)
		}
	}
}
