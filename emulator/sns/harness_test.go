package sns

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	awssns "github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/xacct/xacct/emulator/internal/servicetest"
	"github.com/xacct/xacct/policy"
)

// policies stands in for the policy engine: ParsePolicy keeps each
// document so that a test's Authorizer.Deny can decide on its text. It
// refuses documents containing "INVALID".
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

// env is a running SNS behind the harness.
type env struct {
	svc   *Service
	srv   *httptest.Server
	authz *servicetest.Authorizer
	pols  *policies
	clock *servicetest.Clock
	inv   *fakeInvoker
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
	e := &env{pols: &policies{}, clock: servicetest.NewClock(t0), inv: &fakeInvoker{}, authz: &servicetest.Authorizer{}}
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
	e.srv = httptest.NewServer(&servicetest.Harness{Handler: svc, Service: SigningName, Authz: e.authz, Now: e.clock.Now})
	base = e.srv.URL
	t.Cleanup(func() {
		e.srv.Close()
		svc.Close()
	})
	return e
}

func (e *env) client(account string) *awssns.Client {
	return awssns.NewFromConfig(servicetest.Config(e.srv.URL, account))
}
