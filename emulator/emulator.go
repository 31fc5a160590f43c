// Package emulator is xacct's local AWS: one HTTP endpoint serving STS, IAM,
// S3 and the other services for any number of accounts, with every request
// SigV4-verified and authorized by the policy engine as AWS would.
//
//	emu, err := emulator.New(emulator.WithDataDir(dir))
//	if err != nil { … }
//	defer emu.Close()
//	http.ListenAndServe("127.0.0.1:4566", emu)
//
// Root credentials of an account are its 12-digit id as access key id and
// "test" as secret; every other credential is issued by the emulator.
package emulator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xacct/xacct/emulator/auth"
	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/cloudformation"
	"github.com/xacct/xacct/emulator/cloudtrail"
	"github.com/xacct/xacct/emulator/cloudwatch"
	"github.com/xacct/xacct/emulator/console"
	"github.com/xacct/xacct/emulator/expect"
	"github.com/xacct/xacct/emulator/iam"
	"github.com/xacct/xacct/emulator/internal/trail"
	"github.com/xacct/xacct/emulator/kms"
	"github.com/xacct/xacct/emulator/lambda"
	"github.com/xacct/xacct/emulator/logs"
	"github.com/xacct/xacct/emulator/organizations"
	"github.com/xacct/xacct/emulator/s3"
	"github.com/xacct/xacct/emulator/s3control"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulator/sigv4"
	"github.com/xacct/xacct/emulator/sns"
	"github.com/xacct/xacct/emulator/sts"
)

// DefaultAddr is where `xacct serve` listens unless told otherwise.
const DefaultAddr = "127.0.0.1:4566"

// RootSecret is the secret access key of every account's root credentials.
const RootSecret = auth.RootSecret

// Options configures an Emulator.
type Options struct {
	// Now is the clock every service uses; time.Now when nil. Tests inject
	// one to expire sessions without sleeping.
	Now func() time.Time
	// DataDir, when set, keeps state on disk so a restart loses nothing
	// that was acknowledged. Empty keeps everything in memory.
	DataDir string
	// Region is the region reported where a request names none.
	Region string
	// Logger receives one line per request and service diagnostics; nil
	// discards them.
	Logger *slog.Logger
	// LambdaConcurrency is the most execution environments a function may
	// run at once (default 10).
	LambdaConcurrency int
	// LambdaRuntimes maps Python and Node.js runtimes to the interpreters
	// that run them (lambda.Options.Runtimes; `xacct serve --runtime`).
	LambdaRuntimes map[string]string
	// S3MinPartSize overrides S3's 5 MiB minimum multipart part size, so
	// tests can exercise multipart copies with small objects.
	S3MinPartSize int64
	// AutoConfirmEmail confirms email subscriptions without the
	// confirmation message AWS sends (the demo uses it).
	AutoConfirmEmail bool
	// AlarmInterval is how often alarms are evaluated on the emulator's
	// clock (default one minute, as CloudWatch does); tests with an
	// injected clock call CloudWatch().Tick instead.
	AlarmInterval time.Duration
	// OnRequest, when set, is called after each request with what the
	// request log records (tests count operations with it).
	OnRequest func(RequestInfo)
	// BodyReadTimeout is how long a request body may send nothing before
	// the request fails with 400 RequestTimeout, as S3 fails it (default
	// DefaultBodyReadTimeout; negative disables it).
	BodyReadTimeout time.Duration
	// BatchConcurrency bounds the tasks one S3 Batch Operations job runs
	// at once (default 16).
	BatchConcurrency int
	// BatchActiveJobs bounds the S3 Batch Operations jobs running at once,
	// the highest Priority first (default 4).
	BatchActiveJobs int
	// Decisions is how many authorization decisions the decision trail
	// keeps (0: trail.DefaultCapacity; negative: none).
	Decisions int
}

// RequestInfo describes one handled request.
type RequestInfo struct {
	Method    string
	Service   string
	Operation string
	Principal string
	Status    int
	Duration  time.Duration
	RequestID string
}

// WithRequestHook calls f after every request.
func WithRequestHook(f func(RequestInfo)) Option { return func(o *Options) { o.OnRequest = f } }

// Option changes Options.
type Option func(*Options)

// WithClock sets the clock.
func WithClock(now func() time.Time) Option { return func(o *Options) { o.Now = now } }

// WithDataDir keeps state under dir.
func WithDataDir(dir string) Option { return func(o *Options) { o.DataDir = dir } }

// WithLogger sets the request logger.
func WithLogger(l *slog.Logger) Option { return func(o *Options) { o.Logger = l } }

// WithS3MinPartSize lowers S3's minimum part size (tests only; AWS's is
// 5 MiB).
func WithS3MinPartSize(n int64) Option { return func(o *Options) { o.S3MinPartSize = n } }

// WithLambdaConcurrency sets how many execution environments a function
// may run at once.
func WithLambdaConcurrency(n int) Option { return func(o *Options) { o.LambdaConcurrency = n } }

// WithLambdaRuntimes sets the interpreters of Python and Node.js runtimes
// ("python3.12" → "/usr/bin/python3.12"), over what the XACCT_RUNTIMES
// environment variable says.
func WithLambdaRuntimes(m map[string]string) Option {
	return func(o *Options) { o.LambdaRuntimes = m }
}

// WithAutoConfirmEmail confirms email subscriptions at once.
func WithAutoConfirmEmail() Option { return func(o *Options) { o.AutoConfirmEmail = true } }

// WithAlarmInterval sets how often alarms are evaluated.
func WithAlarmInterval(d time.Duration) Option { return func(o *Options) { o.AlarmInterval = d } }

// WithBodyReadTimeout sets how long a request body may stall before the
// request fails with RequestTimeout (tests shorten it).
func WithBodyReadTimeout(d time.Duration) Option { return func(o *Options) { o.BodyReadTimeout = d } }

// WithRegion sets the default region.
func WithRegion(region string) Option { return func(o *Options) { o.Region = region } }

// Emulator is the local AWS endpoint. It is an http.Handler, safe for
// concurrent use.
type Emulator struct {
	opts       Options
	log        *slog.Logger
	iam        *iam.Service
	sts        *sts.Service
	kms        *kms.Service
	s3         *s3.Service
	logs       *logs.Service
	lambda     *lambda.Service
	cw         *cloudwatch.Service
	sns        *sns.Service
	cfn        *cloudformation.Service
	orgs       *organizations.Service
	stop       context.CancelFunc // ends the services' background work
	background sync.WaitGroup     // the background work under way
	stopOnce   sync.Once
	shutOnce   sync.Once
	shutErr    error
	endpoint   atomic.Value // string
	routes     map[string]route
	anonymous  string              // the service unsigned requests go to
	public     []publicRoute       // unsigned endpoints, matched before routing
	running    []running           // in services' order
	keys       *auth.Keys          // access key ids → credentials and callers
	authn      *auth.Authenticator // verifies signatures against keys
	authz      *auth.Authorizer    // decides every service.Check
	trail      *trail.Trail        // the decision trail (trail.go)
	cloudtrail *cloudtrail.Service
	s3control  *s3control.Service
	claims     []claim  // services that claim requests signed for another's name
	refusals   refusals // by invocation, for the function's log (trail.go)
	console    *console.Console
}

// route is how requests signed for one service are served.
type route struct {
	handler service.Handler
	flavor  sigv4.Flavor
}

// publicRoute is one service's unsigned endpoints.
type publicRoute struct {
	name   string
	routes publicRoutes
}

// New returns an Emulator.
func New(opts ...Option) (*Emulator, error) {
	o := Options{Region: "us-east-1"}
	for _, f := range opts {
		f(&o)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.BodyReadTimeout == 0 {
		o.BodyReadTimeout = DefaultBodyReadTimeout
	}
	e := &Emulator{opts: o, log: o.Logger}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if err := e.openTrail(); err != nil {
		return nil, fmt.Errorf("decision trail: %w", err)
	}
	// IAM's and STS's entries fill in the rest as they start. Every
	// decision goes to the trail (Emulator.Record).
	e.keys, e.authz = &auth.Keys{}, &auth.Authorizer{Recorder: e}
	e.routes = make(map[string]route, len(services))
	for _, s := range services {
		run, err := s.start(e)
		if err != nil {
			// What was built before holds files and goroutines.
			e.closeRunning(context.Background())
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		e.routes[s.name] = route{handler: run.handler, flavor: s.flavor}
		if s.claims != nil {
			e.claims = append(e.claims, claim{name: s.name, signedAs: s.signedAs, match: s.claims})
		}
		if s.anonymous {
			e.anonymous = s.name
		}
		if run.public != nil {
			e.public = append(e.public, publicRoute{name: s.name, routes: run.public})
		}
		e.running = append(e.running, run)
	}
	e.openConsole()
	e.authn = auth.NewAuthenticator(e.keys, auth.AuthenticatorOptions{
		Now: o.Now, Region: o.Region, Flavor: e.flavor,
		Anonymous: func(name string) bool { return name == e.anonymous },
	})
	ctx, cancel := context.WithCancel(context.Background())
	e.stop = cancel
	for _, run := range e.running {
		if run.background != nil {
			e.background.Add(1)
			go func() {
				defer e.background.Done()
				run.background(ctx)
			}()
		}
	}
	return e, nil
}

// Shutdown shuts the emulator down in two phases. First nothing new
// starts: alarm evaluation stops, SNS makes no further delivery or retry,
// Lambda refuses new invocations and makes no further async retry. Then
// each service drains and closes: CloudFormation's stack operations
// finish, Lambda invocations and SNS delivery attempts in flight may
// finish until ctx is done, after which they are cut off (every function
// process is killed), and files held for the data directory are closed.
// When Shutdown returns no function process is alive. It returns ctx's
// error if work in flight had to be cut off. Requests still being served
// should be drained first (http.Server.Shutdown). Later calls return the
// first call's result.
func (e *Emulator) Shutdown(ctx context.Context) error {
	e.shutOnce.Do(func() { e.shutErr = e.shutdown(ctx) })
	return e.shutErr
}

// Stop is Shutdown's first phase alone: alarm evaluation ends (Stop
// waits for an evaluation under way), SNS starts no delivery or retry, and
// Lambda refuses new invocations (ServiceException) and makes no further
// async retry; work in flight goes on. `xacct serve` calls it before
// draining its HTTP requests. It is idempotent.
func (e *Emulator) Stop() {
	e.stopOnce.Do(func() {
		e.console.Close()
		e.stop()
		e.background.Wait()
		for _, run := range e.running {
			if run.stop != nil {
				run.stop()
			}
		}
	})
}

func (e *Emulator) shutdown(ctx context.Context) error {
	e.Stop()
	return e.closeRunning(ctx)
}

// closeRunning closes the services built so far in reverse order and
// returns the first error.
func (e *Emulator) closeRunning(ctx context.Context) error {
	var first error
	for i := len(e.running) - 1; i >= 0; i-- {
		if c := e.running[i].close; c != nil {
			if err := c(ctx); err != nil && first == nil {
				first = err
			}
		}
	}
	// The trail last: the services' last decisions are in it.
	if err := e.trail.Close(); err != nil && first == nil {
		first = err
	}
	return first
}

// Close shuts the emulator down at once: Shutdown without a grace period,
// so function invocations in flight are killed (their callers get
// Runtime.ExitError) and SNS delivery attempts cancelled.
func (e *Emulator) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// IAM returns the IAM service, for in-process setup and inspection.
func (e *Emulator) IAM() *iam.Service { return e.iam }

// Organizations returns the AWS Organizations service.
func (e *Emulator) Organizations() *organizations.Service { return e.orgs }

// S3 returns the S3 service.
func (e *Emulator) S3() *s3.Service { return e.s3 }

// Lambda returns the Lambda service.
func (e *Emulator) Lambda() *lambda.Service { return e.lambda }

// Authorizer returns the authorizer every request is decided by, for
// in-process calls of a service's methods.
func (e *Emulator) Authorizer() service.Authorizer { return e.authz }

// SetEndpoint records the URL the emulator is reachable at; functions get
// it as AWS_ENDPOINT_URL. `xacct serve` and emulatortest set it once they
// listen.
func (e *Emulator) SetEndpoint(url string) { e.endpoint.Store(url) }

// Endpoint returns the URL set by SetEndpoint.
func (e *Emulator) Endpoint() string {
	s, _ := e.endpoint.Load().(string)
	return s
}

// CloudWatch returns the CloudWatch metrics and alarms service.
func (e *Emulator) CloudWatch() *cloudwatch.Service { return e.cw }

// CloudFormation returns the CloudFormation service.
func (e *Emulator) CloudFormation() *cloudformation.Service { return e.cfn }

// SNS returns the SNS service (its outbox holds delivered email).
func (e *Emulator) SNS() *sns.Service { return e.sns }

// KMS returns the AWS KMS service.
func (e *Emulator) KMS() *kms.Service { return e.kms }

// Logs returns the CloudWatch Logs service.
func (e *Emulator) Logs() *logs.Service { return e.logs }

// S3Control returns the S3 Control (Batch Operations) service.
func (e *Emulator) S3Control() *s3control.Service { return e.s3control }

// WithBatchConcurrency bounds the tasks one S3 Batch Operations job runs
// at once.
func WithBatchConcurrency(n int) Option { return func(o *Options) { o.BatchConcurrency = n } }

// WithBatchActiveJobs bounds the S3 Batch Operations jobs running at once
// (default 4); the highest Priority starts first.
func WithBatchActiveJobs(n int) Option { return func(o *Options) { o.BatchActiveJobs = n } }

// STS returns the STS service.
func (e *Emulator) STS() *sts.Service { return e.sts }

// statusWriter records the status code for the request log.
type statusWriter struct {
	http.ResponseWriter
	status  int
	errBody []byte // the start of an error response, for CloudTrail
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.status >= 400 && len(w.errBody) < maxErrorBody {
		w.errBody = append(w.errBody, b[:min(len(b), maxErrorBody-len(w.errBody))]...)
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets streaming responses through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ServeHTTP authenticates the request, routes it by the service in its
// credential scope and logs one line for it.
// continueEmptyBody answers "Expect: 100-continue" on a request without a
// body with 100 Continue at once, as S3 does for an empty upload. net/http
// sends it only when a handler reads a body, so such a request got its
// final answer without one; botocore, which waits for the interim answer,
// then keeps the connection in a state in which its next request on it is
// never sent (an empty PutObject from a file stalled the call after it).
func continueEmptyBody(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength != 0 || !r.ProtoAtLeast(1, 1) {
		return
	}
	for _, v := range strings.Split(r.Header.Get("Expect"), ",") {
		if strings.EqualFold(strings.TrimSpace(v), "100-continue") {
			w.WriteHeader(http.StatusContinue)
			return
		}
	}
}

func (e *Emulator) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	expect.Restore(r) // an Expect header expect.Listener renamed
	r, disarm := wrapBody(rw, r, e.opts.BodyReadTimeout)
	defer disarm()
	continueEmptyBody(rw, r)
	w := &statusWriter{ResponseWriter: rw}
	call := &service.Call{
		RequestID: newRequestID(),
		Region:    e.opts.Region,
		Time:      e.opts.Now(),
		SourceIP:  sourceIP(r),
		Secure:    r.TLS != nil,
		UserAgent: r.UserAgent(),
		Authz:     e.authz,
		Trail:     e,
		Audit:     &service.Audit{},
		Log:       e.log,
	}
	if e.serveReserved(w, r) {
		return
	}
	for _, p := range e.public {
		if p.routes.MatchPublic(r) {
			// Links and files AWS serves without a signature.
			p.routes.ServePublic(w, r)
			e.logRequest(r, call, p.name, w, start)
			return
		}
	}
	name, h := e.route(r)
	call.Service = name
	defer e.recoverPanic(w, r, call, h, start)
	caller, region, err := e.authn.Authenticate(r, call)
	if region != "" {
		call.Region = region
	}
	call.Caller = caller
	switch {
	case h == nil:
		e.unknownService(w, call, name)
	case err != nil:
		h.WriteError(w, r, call, awserr.From(err))
	default:
		h.ServeAWS(w, r.WithContext(service.WithCall(r.Context(), call)), call)
	}
	e.logRequest(r, call, name, w, start)
}

// recoverPanic turns a panic in a service into AWS's 500 InternalError
// (when nothing was written yet) and an error log line with the stack, so
// one bad request neither kills the connection without an answer nor goes
// unnoticed. http.ErrAbortHandler keeps its meaning.
func (e *Emulator) recoverPanic(w *statusWriter, r *http.Request, call *service.Call, h service.Handler, start time.Time) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	e.log.Error("panic serving request", slog.String("service", call.Service), slog.String("operation", call.Operation),
		slog.String("request_id", call.RequestID), slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
	if w.status == 0 {
		ie := awserr.From(fmt.Errorf("panic: %v", v))
		if h != nil {
			h.WriteError(w, r, call, ie)
		} else {
			w.WriteHeader(ie.StatusCode)
		}
	}
	e.logRequest(r, call, call.Service, w, start)
}

func (e *Emulator) logRequest(r *http.Request, call *service.Call, name string, w *statusWriter, start time.Time) {
	info := RequestInfo{Method: r.Method, Service: name, Operation: call.Operation, Principal: call.Caller.ARN(),
		Status: w.status, Duration: time.Since(start), RequestID: call.RequestID}
	if e.log.Enabled(context.Background(), slog.LevelInfo) {
		e.logLine(info, w)
	}
	e.recordEvent(call, name, w)
	if e.opts.OnRequest != nil {
		e.opts.OnRequest(info)
	}
}

// logLine writes the request's log line (built only when the logger
// takes Info lines: `xacct serve --quiet` and tests do not).
func (e *Emulator) logLine(info RequestInfo, w *statusWriter) {
	attrs := []slog.Attr{
		slog.String("method", info.Method),
		slog.String("service", info.Service),
		slog.String("operation", info.Operation),
		slog.String("principal", info.Principal),
		slog.Int("status", info.Status),
		slog.Duration("duration", info.Duration),
		slog.String("request_id", info.RequestID),
	}
	if info.Status >= 400 {
		// The refusal's diagnosis, as the trail recorded it, on the same
		// line (the header holds what Diagnose said, one line).
		if why := w.Header().Get(service.ExplainHeader); why != "" {
			attrs = append(attrs, slog.String("why", why))
		}
	}
	e.log.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
}

func (e *Emulator) unknownService(w http.ResponseWriter, call *service.Call, name string) {
	if name == "" {
		name = "(none)"
	}
	// The name comes from the request: escaped, like every value in an
	// error body.
	var msg strings.Builder
	xml.EscapeText(&msg, []byte(fmt.Sprintf("The xacct emulator does not serve the service %q named in the request's credential scope.", name)))
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Type>Sender</Type><Code>UnknownService</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`, msg.String(), call.RequestID)
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// newRequestID returns a request id in the UUID form AWS services use.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
