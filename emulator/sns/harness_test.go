package sns

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
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// policies stands in for the policy engine: ParsePolicy keeps each
// document so that fakeAuthz can decide on its text. It refuses documents
// containing "INVALID".
type policies struct {
	mu   sync.Mutex
	docs map[*policy.Policy]string
}

func (p *policies) parse(doc string) (*policy.Policy, error) {
	if strings.Contains(doc, "INVALID") {
		return nil, &policy.Error{Code: "MalformedPolicyDocument", Message: "Statement is invalid"}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.docs == nil {
		p.docs = map[*policy.Policy]string{}
	}
	pp := &policy.Policy{}
	p.docs[pp] = doc
	return pp, nil
}

func (p *policies) text(n *policy.Named) string {
	if n == nil {
		return ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.docs[n.Policy]
}

// fakeAuthz allows everything except what deny refuses and records the
// checks it saw with the policy text they carried.
type fakeAuthz struct {
	mu     sync.Mutex
	pols   *policies
	deny   func(call *service.Call, chk service.Check, policyText string) bool
	checks []checked
}

type checked struct {
	Caller string
	Check  service.Check
	Policy string
}

func (f *fakeAuthz) Decide(_ context.Context, call *service.Call, chk service.Check) policy.Decision {
	text := ""
	if f.pols != nil {
		text = f.pols.text(chk.ResourcePolicy)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checks = append(f.checks, checked{Caller: call.Caller.ARN(), Check: chk, Policy: text})
	if f.deny != nil && f.deny(call, chk, text) {
		return policy.Decision{Effect: policy.ImplicitDeny, Missing: []policy.Source{policy.SourceIdentity}}
	}
	return policy.Decision{Effect: policy.Allow}
}

func (f *fakeAuthz) seen() []checked {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]checked(nil), f.checks...)
}

var credRE = regexp.MustCompile(`Credential=([^/]+)/[0-9]+/([^/]+)/`)

// harness serves SNS as the emulator does: signed requests with the caller
// from the credential scope (the root user of the account in the access key
// id; signatures are not verified), unsigned ones through MatchPublic.
type harness struct {
	svc   *Service
	authz service.Authorizer
	now   func() time.Time
}

func (h *harness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.svc.MatchPublic(r) {
		h.svc.ServePublic(w, r)
		return
	}
	acct, region := "111111111111", "us-east-1"
	if m := credRE.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		acct, region = m[1], m[2]
	}
	call := &service.Call{RequestID: "req", Service: "sns", Region: region, Time: h.now(),
		Caller: &service.Caller{Principal: policy.Principal{Type: policy.PrincipalRoot, Account: acct, ARN: "arn:aws:iam::" + acct + ":root"}},
		Authz:  h.authz}
	h.svc.ServeAWS(w, r.WithContext(service.WithCall(r.Context(), call)), call)
}

// env is a running SNS behind the harness.
type env struct {
	svc   *Service
	srv   *httptest.Server
	authz *fakeAuthz
	pols  *policies
	clock *clock
	inv   *fakeInvoker
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

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

// fakeInvoker records Lambda invocations; fail makes them fail.
type fakeInvoker struct {
	mu    sync.Mutex
	calls []LambdaInvocation
	fail  error
}

func (f *fakeInvoker) InvokeFromService(_ context.Context, inv LambdaInvocation) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, inv)
	return f.fail
}

func (f *fakeInvoker) invocations() []LambdaInvocation {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]LambdaInvocation(nil), f.calls...)
}

var t0 = time.Date(2024, 11, 26, 10, 0, 0, 0, time.UTC)

func newEnv(t testing.TB, mutate func(*Options)) *env {
	t.Helper()
	e := &env{pols: &policies{}, clock: &clock{t: t0}, inv: &fakeInvoker{}}
	e.authz = &fakeAuthz{pols: e.pols}
	var base string
	opts := Options{Now: e.clock.Now, BaseURL: func() string { return base }, Authorizer: e.authz, Invoker: e.inv,
		ParsePolicy: e.pols.parse, RetryDelay: time.Millisecond}
	if mutate != nil {
		mutate(&opts)
	}
	svc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	e.srv = httptest.NewServer(&harness{svc: svc, authz: e.authz, now: e.clock.Now})
	base = e.srv.URL
	t.Cleanup(func() {
		e.srv.Close()
		svc.Close()
	})
	return e
}

func (e *env) client(account string) *awssns.Client {
	return awssns.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(account, "test", "")})
}
