// Package servicetest has what the tests of a service package share: an
// Authorizer that allows everything except what it is told to refuse and
// records the checks it saw, a settable Clock, and a Harness that serves a
// service.Handler over HTTP the way the emulator does, without verifying
// signatures, so the package can be driven with the AWS SDK.
//
//	clock := servicetest.NewClock(t0)
//	authz := &servicetest.Authorizer{}
//	svc, err := sns.New(sns.Options{Now: clock.Now, Authorizer: authz})
//	srv := httptest.NewServer(&servicetest.Harness{Handler: svc, Service: "sns", Authz: authz, Now: clock.Now})
//	cfg := servicetest.Config(srv.URL, "111111111111")
package servicetest

import (
	"context"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// Authorizer is a service.Authorizer for tests: it allows every check
// except those Deny refuses, and records them all. The zero value allows
// everything. Set Deny before the checks it should see; it is safe for
// concurrent use.
type Authorizer struct {
	// Deny, when set, refuses the checks it returns true for (an implicit
	// deny for want of an identity policy).
	Deny func(call *service.Call, chk service.Check) bool

	mu      sync.Mutex
	checked []Checked
}

// Checked is one check an Authorizer decided.
type Checked struct {
	Call  *service.Call
	Check service.Check
	// Allowed is the decision.
	Allowed bool
}

// Decide implements service.Authorizer.
func (a *Authorizer) Decide(_ context.Context, call *service.Call, chk service.Check) policy.Decision {
	a.mu.Lock()
	defer a.mu.Unlock()
	allowed := a.Deny == nil || !a.Deny(call, chk)
	a.checked = append(a.checked, Checked{Call: call, Check: chk, Allowed: allowed})
	if !allowed {
		return policy.Decision{Effect: policy.ImplicitDeny, Missing: []policy.Source{policy.SourceIdentity}}
	}
	return policy.Decision{Effect: policy.Allow}
}

// Checked returns the checks decided so far, oldest first.
func (a *Authorizer) Checked() []Checked {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Checked(nil), a.checked...)
}

// Checks returns the checks decided so far without their calls.
func (a *Authorizer) Checks() []service.Check {
	var out []service.Check
	for _, c := range a.Checked() {
		out = append(out, c.Check)
	}
	return out
}

// Clock is a settable clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time; pass it as a service's Options.Now.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock on by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// credential reads the access key id and region of a SigV4 Authorization
// header.
var credential = regexp.MustCompile(`Credential=([^/]+)/[0-9]+/([^/]+)/`)

// Harness serves Handler as the emulator does, minus signature
// verification: each request gets a service.Call (in its context too)
// whose caller is the root user of the account named by the access key
// id of its Authorization header (111111111111 when unsigned) in the
// region of its credential scope (us-east-1), decided by Authz. Requests
// a handler's MatchPublic accepts go to its ServePublic, unsigned, as in
// the emulator. Set the fields before serving.
type Harness struct {
	Handler service.Handler
	// Service is the signing name put in the Call.
	Service string
	Authz   service.Authorizer
	// Now is the clock of the Call; time.Now when nil.
	Now func() time.Time

	mu   sync.Mutex
	last *http.Request
}

// public is a service's unsigned endpoints (SNS's).
type public interface {
	MatchPublic(r *http.Request) bool
	ServePublic(w http.ResponseWriter, r *http.Request)
}

// ServeHTTP implements http.Handler.
func (h *Harness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.last = r.Clone(context.Background())
	h.mu.Unlock()
	if p, ok := h.Handler.(public); ok && p.MatchPublic(r) {
		p.ServePublic(w, r)
		return
	}
	acct, region := "111111111111", "us-east-1"
	if m := credential.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		acct, region = m[1], m[2]
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	call := &service.Call{
		RequestID: "req-" + acct, Service: h.Service, Region: region, Time: now(),
		Caller: Root(acct), Authz: h.Authz,
	}
	h.Handler.ServeAWS(w, r.WithContext(service.WithCall(r.Context(), call)), call)
}

// Last returns a copy of the last request served (its headers and URL;
// the body is gone), or nil.
func (h *Harness) Last() *http.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// Root returns the root user of account acct as a caller.
func Root(acct string) *service.Caller {
	return &service.Caller{AccessKeyID: acct, Principal: policy.Principal{Type: policy.PrincipalRoot, Account: acct,
		ARN: "arn:aws:iam::" + acct + ":root", UniqueID: acct}}
}

// Config returns an aws.Config that calls url as account's root user (the
// access key id is the account id), with no retries.
func Config(url, account string) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(account, "test", ""),
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: 1,
	}
}
