package cloudwatch

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// fakeAuthz stands in for the emulator's policy-engine authorizer: it
// allows everything except what deny refuses, and records the checks.
type fakeAuthz struct {
	mu     sync.Mutex
	deny   func(call *service.Call, chk service.Check) bool
	checks []service.Check
}

func (f *fakeAuthz) Decide(_ context.Context, call *service.Call, chk service.Check) policy.Decision {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checks = append(f.checks, chk)
	if f.deny != nil && f.deny(call, chk) {
		return policy.Decision{Effect: policy.ImplicitDeny, Missing: []policy.Source{policy.SourceIdentity}}
	}
	return policy.Decision{Effect: policy.Allow}
}

// clock is an injectable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var credRE = regexp.MustCompile(`Credential=([^/]+)/[0-9]+/([^/]+)/`)

// harness serves a service.Handler the way the emulator does, with the
// caller taken from the (unverified) SigV4 credential scope: the root user
// of the account whose id is the access key.
type harness struct {
	h     service.Handler
	authz service.Authorizer
	now   func() time.Time
	// last records the last request's path and headers.
	mu   sync.Mutex
	last *http.Request
}

func (h *harness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.last = r.Clone(context.Background())
	h.mu.Unlock()
	acct, region := "111111111111", "us-east-1"
	if m := credRE.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		acct, region = m[1], m[2]
	}
	call := &service.Call{
		RequestID: "req-" + acct, Service: SigningName, Region: region, Time: h.now(),
		Caller: &service.Caller{Principal: policy.Principal{Type: policy.PrincipalRoot, Account: acct,
			ARN: "arn:aws:iam::" + acct + ":root", UniqueID: acct}},
		Authz: h.authz,
	}
	h.h.ServeAWS(w, r.WithContext(service.WithCall(r.Context(), call)), call)
}

func (h *harness) lastRequest() *http.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// testServer starts svc behind the harness.
func testServer(t *testing.T, svc service.Handler, authz service.Authorizer, now func() time.Time) (*httptest.Server, *harness) {
	t.Helper()
	h := &harness{h: svc, authz: authz, now: now}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, h
}

func sdkConfig(url, account string) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(account, "test", ""),
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: 1,
	}
}

func cwClient(url, account string) *cw.Client { return cw.NewFromConfig(sdkConfig(url, account)) }

// newService returns a CloudWatch service on an injected clock.
func newService(t *testing.T, now func() time.Time, n Notifier) *Service {
	t.Helper()
	s, err := New(Options{Now: now, Notifier: n})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
