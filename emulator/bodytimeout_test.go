package emulator_test

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
)

// slowBody sends its parts with gap between them, then blocks until done
// is closed when stall is set.
type slowBody struct {
	parts []string
	gap   time.Duration
	stall bool
	done  chan struct{}
}

func (b *slowBody) Read(p []byte) (int, error) {
	if len(b.parts) == 0 {
		if b.stall {
			<-b.done
			return 0, io.ErrUnexpectedEOF
		}
		return 0, io.EOF
	}
	n := copy(p, b.parts[0])
	b.parts[0] = b.parts[0][n:]
	if b.parts[0] == "" {
		b.parts = b.parts[1:]
		if len(b.parts) > 0 || b.stall {
			time.Sleep(b.gap)
		}
	}
	return n, nil
}

// putSlow sends a signed PutObject whose body is body (raw signed HTTP:
// the SDKs send a body as fast as it comes and have no way to stall one).
func putSlow(t *testing.T, srv *emulatortest.Server, key string, length int64, hdr map[string]string, body io.Reader) (int, string, time.Duration) {
	t.Helper()
	req, err := http.NewRequest("PUT", srv.URL+"/slow/"+key, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = length
	payload := "UNSIGNED-PAYLOAD"
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if v := hdr["X-Amz-Content-Sha256"]; v != "" {
		payload = v
	}
	signPayload(t, req, payload, "s3", "us-east-1")
	start := time.Now()
	// The client gives up long after the server should have: before the
	// timeout existed a stalled body held the request forever.
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct{ Code, Message string }
	b, _ := io.ReadAll(resp.Body)
	xml.Unmarshal(b, &e)
	return resp.StatusCode, e.Code + ": " + e.Message, time.Since(start)
}

// TestStalledBodyTimesOut: a PutObject whose body stops sending fails with
// S3's 400 RequestTimeout once no data has come for the timeout (Amazon S3
// API Reference, "Error responses", RequestTimeout: "Your socket connection
// to the server was not read from or written to within the timeout period.
// Idle connections will be closed."), plain and aws-chunked; a body that
// keeps sending, however slowly overall, is not cut short.
func TestStalledBodyTimesOut(t *testing.T) {
	const timeout = 300 * time.Millisecond
	srv := emulatortest.New(t, emulator.WithBodyReadTimeout(timeout))
	c := s3For(srv.Config(home))
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("slow")}); err != nil {
		t.Fatal(err)
	}
	const want = "RequestTimeout: Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed."

	t.Run("stalled", func(t *testing.T) {
		done := make(chan struct{})
		defer close(done)
		status, got, took := putSlow(t, srv, "stalled", 100, nil, &slowBody{parts: []string{"0123456789"}, stall: true, done: done})
		if status != http.StatusBadRequest || got != want {
			t.Errorf("got %d %q, want 400 %q", status, got, want)
		}
		if took > 10*timeout {
			t.Errorf("answered after %v, want about %v", took, timeout)
		}
	})
	t.Run("stalled aws-chunked", func(t *testing.T) {
		done := make(chan struct{})
		defer close(done)
		hdr := map[string]string{
			"Content-Encoding":             "aws-chunked",
			"X-Amz-Content-Sha256":         "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
			"X-Amz-Decoded-Content-Length": "20",
		}
		status, got, _ := putSlow(t, srv, "chunked", 100, hdr, &slowBody{parts: []string{"a\r\n0123456789\r\n"}, stall: true, done: done})
		if status != http.StatusBadRequest || got != want {
			t.Errorf("got %d %q, want 400 %q", status, got, want)
		}
	})
	t.Run("trickling but never idle for the timeout", func(t *testing.T) {
		parts := strings.Split("abcdefghij", "")
		status, got, took := putSlow(t, srv, "trickle", 10, nil, &slowBody{parts: parts, gap: timeout / 3})
		if status != http.StatusOK {
			t.Fatalf("got %d %q, want 200", status, got)
		}
		if took < 2*timeout {
			t.Fatalf("the body took %v, want longer than the timeout for the test to mean anything", took)
		}
		if got := getString(t, c, "slow", "trickle"); got != "abcdefghij" {
			t.Errorf("stored %q, want %q", got, "abcdefghij")
		}
	})
}
