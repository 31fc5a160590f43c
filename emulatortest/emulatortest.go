// Package emulatortest runs xacct's emulator on a loopback port for tests,
// like net/http/httptest, and hands out aws.Configs that reach it.
//
//	func TestX(t *testing.T) {
//		srv := emulatortest.New(t)
//		cfg := srv.Config("111111111111") // root credentials of the account
//		client := sts.NewFromConfig(cfg)
//		…
//	}
//
// Root credentials may do everything in their account except what AWS
// refuses to the root user: STS AssumeRole answers AccessDenied ("Roles may
// not be assumed by root accounts."), as in AWS. To assume roles, call as an
// IAM user: AdminConfig creates (once per account) the IAM user "admin" with
// the AWS managed policy AdministratorAccess and returns an aws.Config
// signed with its access key.
//
//	admin := srv.AdminConfig(t, "111111111111")
//	out, err := sts.NewFromConfig(admin).AssumeRole(ctx, &sts.AssumeRoleInput{…})
//
// A test that restarts the emulator closes one Server and starts another on
// the same data directory; the emulator's warnings are in Server.Logs.
//
//	srv := emulatortest.New(t, emulator.WithDataDir(dir))
//	…
//	srv.Close()
//	srv = emulatortest.New(t, emulator.WithDataDir(dir))
package emulatortest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulator/expect"
	"github.com/xacct/xacct/emulator/s3control"
)

// Server is a running emulator.
type Server struct {
	// URL is the endpoint, e.g. http://127.0.0.1:41234.
	URL string
	// Emulator is the emulator behind URL, for in-process setup.
	Emulator *emulator.Emulator
	// Logs holds the emulator's warnings and errors (unless an
	// emulator.WithLogger option sends its log elsewhere), for tests that
	// check what it reported, such as recovery from a damaged data dir.
	Logs      *Logs
	t         testing.TB
	closeOnce sync.Once
	srv       *httptest.Server
	mu        sync.Mutex
	counts    map[string]int
	// adminMu guards admins; it is held across the IAM calls that create
	// an admin user, so it must not be mu (the request hook takes mu).
	adminMu sync.Mutex
	admins  map[string]aws.Credentials
}

// New starts an emulator with opts on a loopback port; it is closed when the
// test ends, or earlier by Close. A test restarts the emulator on the same
// data directory by closing one Server and starting another with
// emulator.WithDataDir(dir).
func New(t testing.TB, opts ...emulator.Option) *Server {
	t.Helper()
	s := &Server{t: t, counts: map[string]int{}, admins: map[string]aws.Credentials{}, Logs: &Logs{}}
	hook := emulator.WithRequestHook(func(ri emulator.RequestInfo) {
		s.mu.Lock()
		s.counts[ri.Service+":"+ri.Operation]++
		s.mu.Unlock()
	})
	base := []emulator.Option{hook, emulator.WithLogger(s.Logs.Logger(slog.LevelWarn))}
	emu, err := emulator.New(append(base, opts...)...)
	if err != nil {
		t.Fatalf("emulator.New: %v", err)
	}
	// The connections answer an unknown Expect value as S3 does
	// (expect.Listener), as `xacct serve` does.
	srv := httptest.NewUnstartedServer(emu)
	srv.Listener = expect.Listener(srv.Listener)
	srv.Start()
	emu.SetEndpoint(srv.URL)
	s.URL, s.Emulator, s.srv = srv.URL, emu, srv
	t.Cleanup(s.Close)
	return s
}

// Close stops serving, waiting for the requests in progress, and closes
// the emulator (function invocations in flight are killed, data files
// closed), so another Server may start on the same data directory. A
// failure to close fails the test. Later calls do nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.srv.Close()
		if err := s.Emulator.Close(); err != nil {
			s.t.Errorf("emulatortest: close the emulator: %v", err)
		}
	})
}

// Logs is a log destination a test reads back. It is safe for concurrent
// use.
type Logs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Logger returns a logger writing records of level and above to l as
// text.
func (l *Logs) Logger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: level}))
}

// Count returns how many requests for service:operation (e.g.
// "sts:AssumeRole") the emulator has handled, whatever their outcome.
func (s *Server) Count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[op]
}

// Config returns an aws.Config for the root user of account acct (access
// key id = the account id, secret "test").
func (s *Server) Config(acct string) aws.Config {
	return s.ConfigWith(aws.Credentials{AccessKeyID: acct, SecretAccessKey: emulator.RootSecret, Source: "emulatortest"})
}

// ConfigWith returns an aws.Config using creds (an IAM user's key or an STS
// session).
func (s *Server) ConfigWith(creds aws.Credentials) aws.Config {
	return s.ConfigFrom(credentials.StaticCredentialsProvider{Value: creds})
}

// ConfigFrom returns an aws.Config using a credentials provider (for example
// stscreds.AssumeRoleProvider wrapped in aws.CredentialsCache).
func (s *Server) ConfigFrom(p aws.CredentialsProvider) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      p,
		BaseEndpoint:     aws.String(s.URL),
		HTTPClient:       &http.Client{Transport: DetachRequestBodies(s.transport())},
		RetryMaxAttempts: 1,
	}
}

// transport is the test server's client transport, with S3 Control's
// host prefix (ACCOUNT.127.0.0.1:PORT) dialled to the server.
func (s *Server) transport() http.RoundTripper {
	if t, ok := s.srv.Client().Transport.(*http.Transport); ok {
		return s3control.Transport(t)
	}
	return s.srv.Client().Transport
}

// SessionCredentials converts STS credentials into aws.Credentials.
func SessionCredentials(id, secret, token string, expires time.Time) aws.Credentials {
	return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token, CanExpire: true, Expires: expires, Source: "emulatortest"}
}

// AdminUser is the name of the IAM user AdminConfig creates.
const AdminUser = "admin"

// AdminConfig returns an aws.Config signed with an access key of the IAM
// user "admin" in account acct, which has the AWS managed policy
// AdministratorAccess attached. The user and its key are created through
// the IAM API (as the account's root user) the first time an account is
// asked for, and reused afterwards. The test fails if they cannot be
// created.
func (s *Server) AdminConfig(t testing.TB, acct string) aws.Config {
	t.Helper()
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	if c, ok := s.admins[acct]; ok {
		return s.ConfigWith(c)
	}
	ctx := context.Background()
	c := iam.NewFromConfig(s.Config(acct))
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(AdminUser)}); err != nil {
		t.Fatalf("emulatortest: create user %s in %s: %v", AdminUser, acct, err)
	}
	if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{
		UserName:  aws.String(AdminUser),
		PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess"),
	}); err != nil {
		t.Fatalf("emulatortest: attach AdministratorAccess to %s in %s: %v", AdminUser, acct, err)
	}
	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(AdminUser)})
	if err != nil {
		t.Fatalf("emulatortest: access key for %s in %s: %v", AdminUser, acct, err)
	}
	creds := aws.Credentials{AccessKeyID: *key.AccessKey.AccessKeyId, SecretAccessKey: *key.AccessKey.SecretAccessKey, Source: "emulatortest"}
	s.admins[acct] = creds
	return s.ConfigWith(creds)
}

// maxDetached is the largest request body DetachRequestBodies buffers.
const maxDetached = 1 << 20

// DetachRequestBodies returns a RoundTripper that hands rt a private copy of
// every request body of up to 1 MiB. aws-sdk-go-v2's HTTP handler (smithy-go
// v1.28) closes the request body as soon as the response headers arrive;
// when net/http's write loop has not yet read the body's EOF by then, the
// read fails, the transport closes the connection and the response body
// being decoded fails with "use of closed network connection". About one
// call in thirty with a response of tens of KB fails that way over
// loopback, against any server. Configs from Server use it, so tests with
// RetryMaxAttempts 1 do not flake; larger bodies stream as they are (the
// server reads them before it answers, so the race does not arise).
func DetachRequestBodies(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return detached{rt}
}

type detached struct{ rt http.RoundTripper }

func (d detached) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength < 0 || r.ContentLength > maxDetached {
		return d.rt.RoundTrip(r)
	}
	data, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	c := r.Clone(r.Context())
	c.Body = io.NopCloser(bytes.NewReader(data))
	c.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return d.rt.RoundTrip(c)
}
