package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/xacct/xacct/emulator/awserr"
)

var (
	t0    = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	creds = aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}
	sess  = aws.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "s2", SessionToken: "tok"}
)

func testVerifier(now time.Time) *Verifier {
	return New(staticKeys{
		"AKIDEXAMPLE": {SecretAccessKey: "secret"},
		"ASIAEXAMPLE": {SecretAccessKey: "s2", SessionToken: "tok", Expires: t0.Add(time.Hour)},
	}, Options{Now: func() time.Time { return now }, Flavor: testFlavor})
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// sign signs r with the SDK's own signer, as clients do.
func sign(t *testing.T, r *http.Request, body []byte, c aws.Credentials, service string, s3 bool, at time.Time) {
	t.Helper()
	hash := sha(body)
	if s3 {
		r.Header.Set("X-Amz-Content-Sha256", hash)
	}
	err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = s3 }).SignHTTP(context.Background(), c, r, hash, service, "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
}

func newReq(method, url string, body []byte) *http.Request {
	r := httptest.NewRequest(method, url, bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return r
}

func TestVerifySignedBySDK(t *testing.T) {
	form := []byte("Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2Fx&RoleSessionName=s&Version=2011-06-15")
	for _, tc := range []struct {
		name    string
		method  string
		url     string
		body    []byte
		service string
		s3      bool
		creds   aws.Credentials
		header  map[string]string
	}{
		{"sts query POST", "POST", "http://127.0.0.1:4566/", form, "sts", false, creds, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
		{"session token", "POST", "http://127.0.0.1:4566/", form, "sts", false, sess, nil},
		{"lambda path with encoded colons", "POST", "http://127.0.0.1:4566/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A111111111111%3Afunction%3Af/invocations", []byte(`{}`), "lambda", false, creds, nil},
		{"logs json", "POST", "http://127.0.0.1:4566/", []byte(`{"logGroupName":"/aws/lambda/f"}`), "logs", false, creds, map[string]string{"X-Amz-Target": "Logs_20140328.CreateLogGroup"}},
		{"s3 key with spaces and unicode", "PUT", "http://127.0.0.1:4566/bucket/dir/a%20b%2Bc%C3%A9%21%28%29.txt", []byte("hello"), "s3", true, creds, map[string]string{"Content-Type": "text/plain"}},
		{"s3 repeated query keys", "GET", "http://127.0.0.1:4566/bucket?list-type=2&prefix=a%2Fb&prefix=c&max-keys=10&delimiter=%2F", nil, "s3", true, creds, nil},
		{"s3 empty query value", "GET", "http://127.0.0.1:4566/bucket?policy", nil, "s3", true, creds, nil},
		{"multi-value header", "GET", "http://127.0.0.1:4566/bucket/k", nil, "s3", true, creds, map[string]string{"X-Amz-Meta-A": "  x   y  "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReq(tc.method, tc.url, tc.body)
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			sign(t, r, tc.body, tc.creds, tc.service, tc.s3, t0)
			res, err := testVerifier(t0.Add(time.Minute)).Verify(context.Background(), r)
			if err != nil {
				t.Fatalf("got %v, want success", err)
			}
			if res.Scope.Service != tc.service || res.SessionToken != tc.creds.SessionToken {
				t.Errorf("got scope %+v token %q", res.Scope, res.SessionToken)
			}
			got, err := io.ReadAll(r.Body)
			if err != nil || !bytes.Equal(got, tc.body) {
				t.Errorf("got body %q, %v; want %q", got, err, tc.body)
			}
		})
	}
}

func TestVerifyRefusals(t *testing.T) {
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	base := func(t *testing.T, c aws.Credentials, at time.Time) *http.Request {
		r := newReq("POST", "http://127.0.0.1:4566/", body)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		sign(t, r, body, c, "sts", false, at)
		return r
	}
	for _, tc := range []struct {
		name   string
		make   func(t *testing.T) *http.Request
		now    time.Time
		code   string
		status int
	}{
		{"wrong secret", func(t *testing.T) *http.Request {
			return base(t, aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "nope"}, t0)
		}, t0, "SignatureDoesNotMatch", 403},
		{"unknown key", func(t *testing.T) *http.Request {
			return base(t, aws.Credentials{AccessKeyID: "AKIDUNKNOWN", SecretAccessKey: "x"}, t0)
		}, t0, "InvalidClientTokenId", 403},
		{"tampered body", func(t *testing.T) *http.Request {
			r := base(t, creds, t0)
			r.Body = io.NopCloser(strings.NewReader("Action=AssumeRole&Version=2011-06-15"))
			return r
		}, t0, "SignatureDoesNotMatch", 403},
		{"tampered header", func(t *testing.T) *http.Request {
			r := base(t, creds, t0)
			r.Header.Set("Content-Type", "text/plain")
			return r
		}, t0, "SignatureDoesNotMatch", 403},
		{"tampered path", func(t *testing.T) *http.Request {
			r := base(t, creds, t0)
			r.URL.Path, r.URL.RawPath = "/x", ""
			return r
		}, t0, "SignatureDoesNotMatch", 403},
		{"tampered method", func(t *testing.T) *http.Request {
			r := base(t, creds, t0)
			r.Method = "PUT"
			return r
		}, t0, "SignatureDoesNotMatch", 403},
		{"clock skew past", func(t *testing.T) *http.Request { return base(t, creds, t0) }, t0.Add(16 * time.Minute), "RequestTimeTooSkewed", 403},
		{"clock skew future", func(t *testing.T) *http.Request { return base(t, creds, t0.Add(16*time.Minute)) }, t0, "RequestTimeTooSkewed", 403},
		{"within skew", func(t *testing.T) *http.Request { return base(t, creds, t0) }, t0.Add(14 * time.Minute), "", 0},
		{"expired session", func(t *testing.T) *http.Request { return base(t, sess, t0.Add(2*time.Hour)) }, t0.Add(2 * time.Hour), "ExpiredToken", 403},
		{"missing session token", func(t *testing.T) *http.Request {
			return base(t, aws.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "s2"}, t0)
		}, t0, "InvalidClientTokenId", 403},
		{"wrong session token", func(t *testing.T) *http.Request {
			return base(t, aws.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "s2", SessionToken: "other"}, t0)
		}, t0, "InvalidClientTokenId", 403},
		{"token on long-term key", func(t *testing.T) *http.Request {
			return base(t, aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret", SessionToken: "tok"}, t0)
		}, t0, "InvalidClientTokenId", 403},
		{"incomplete signature", func(t *testing.T) *http.Request {
			r := base(t, creds, t0)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/us-east-1/sts/aws4_request, SignedHeaders=host")
			return r
		}, t0, "IncompleteSignature", 400},
		{"malformed credential", func(t *testing.T) *http.Request {
			r := base(t, creds, t0)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/sts, SignedHeaders=host, Signature=00")
			return r
		}, t0, "IncompleteSignature", 400},
		{"credential date differs", func(t *testing.T) *http.Request {
			r := base(t, creds, t0)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20261124/", "/20261123/", 1))
			return r
		}, t0, "IncompleteSignature", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := testVerifier(tc.now).Verify(context.Background(), tc.make(t))
			if tc.code == "" {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			e, ok := awserr.As(err)
			if !ok || e.Code != tc.code || e.StatusCode != tc.status {
				t.Fatalf("got %v, want %s (%d)", err, tc.code, tc.status)
			}
		})
	}
}

func TestS3Flavour(t *testing.T) {
	body := []byte("payload")
	r := newReq("PUT", "http://127.0.0.1:4566/b/k", body)
	sign(t, r, body, aws.Credentials{AccessKeyID: "AKIDNOPE", SecretAccessKey: "x"}, "s3", true, t0)
	_, err := testVerifier(t0).Verify(context.Background(), r)
	if e, ok := awserr.As(err); !ok || e.Code != "InvalidAccessKeyId" {
		t.Errorf("unknown key: got %v, want InvalidAccessKeyId", err)
	}

	r = newReq("PUT", "http://127.0.0.1:4566/b/k", body)
	sign(t, r, body, creds, "s3", true, t0)
	r.Body = io.NopCloser(bytes.NewReader([]byte("PAYLOAD")))
	if _, err := testVerifier(t0).Verify(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(r.Body); !awserr.Is(err, "XAmzContentSHA256Mismatch") {
		t.Errorf("body swapped after signing: got %v, want XAmzContentSHA256Mismatch", err)
	}

	r = newReq("GET", "http://127.0.0.1:4566/b/k", nil)
	sign(t, r, nil, creds, "s3", true, t0)
	_, err = testVerifier(t0.Add(time.Hour)).Verify(context.Background(), r)
	if e, ok := awserr.As(err); !ok || e.Code != "RequestTimeTooSkewed" || e.StatusCode != 403 {
		t.Errorf("skew: got %v, want RequestTimeTooSkewed 403", err)
	}

	r = newReq("GET", "http://127.0.0.1:4566/b/k", nil)
	sign(t, r, nil, creds, "s3", true, t0)
	r.Header.Del("X-Amz-Content-Sha256")
	if _, err := testVerifier(t0).Verify(context.Background(), r); !awserr.Is(err, "InvalidRequest") {
		t.Errorf("missing x-amz-content-sha256: got %v, want InvalidRequest", err)
	}
}

func TestPresigned(t *testing.T) {
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	presign := func(method, url string, c aws.Credentials, expires string) *http.Request {
		r := httptest.NewRequest(method, url+"?X-Amz-Expires="+expires, nil)
		u, _, err := signer.PresignHTTP(context.Background(), c, r, UnsignedPayload, "s3", "us-east-1", t0)
		if err != nil {
			t.Fatal(err)
		}
		return httptest.NewRequest(method, u, nil)
	}
	for _, tc := range []struct {
		name string
		req  *http.Request
		now  time.Time
		code string
	}{
		{"get within expiry", presign("GET", "http://127.0.0.1:4566/b/a%20key", creds, "900"), t0.Add(10 * time.Minute), ""},
		{"put with session token", presign("PUT", "http://127.0.0.1:4566/b/k", sess, "300"), t0.Add(time.Minute), ""},
		{"expired", presign("GET", "http://127.0.0.1:4566/b/k", creds, "60"), t0.Add(2 * time.Minute), "AccessDenied"},
		{"expires too long", presign("GET", "http://127.0.0.1:4566/b/k", creds, "604801"), t0, "AuthorizationQueryParametersError"},
		{"tampered key", func() *http.Request {
			r := presign("GET", "http://127.0.0.1:4566/b/k", creds, "900")
			r.URL.Path, r.URL.RawPath = "/b/other", ""
			return r
		}(), t0, "SignatureDoesNotMatch"},
		{"tampered expiry", func() *http.Request {
			r := presign("GET", "http://127.0.0.1:4566/b/k", creds, "60")
			q := r.URL.Query()
			q.Set("X-Amz-Expires", "600")
			r.URL.RawQuery = q.Encode()
			return r
		}(), t0, "SignatureDoesNotMatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := testVerifier(tc.now).Verify(context.Background(), tc.req)
			if tc.code == "" {
				if err != nil || !res.Presigned {
					t.Fatalf("got %v (presigned=%v), want success", err, res != nil && res.Presigned)
				}
				return
			}
			if !awserr.Is(err, tc.code) {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
		})
	}
}

func TestAnonymous(t *testing.T) {
	res, err := testVerifier(t0).Verify(context.Background(), httptest.NewRequest("GET", "http://127.0.0.1:4566/b/k", nil))
	if err != nil || !res.Anonymous {
		t.Fatalf("got %+v %v, want anonymous", res, err)
	}
}
