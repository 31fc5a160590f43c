package sns

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/xacct/xacct/emulator/internal/snapshot"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/internal/inflight"
	"github.com/xacct/xacct/emulator/protocol/query"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// Namespace is the XML namespace of SNS responses.
const Namespace = "http://sns.amazonaws.com/doc/2010-03-31/"

// SigningName is the SigV4 signing name requests are routed by.
const SigningName = "sns"

// Invoker runs Lambda functions subscribed to topics. The Lambda service
// implements it; SNS invokes asynchronously (InvocationType Event) as the
// service principal sns.amazonaws.com, so the function's resource policy
// must allow that principal for the topic (aws:SourceArn).
type Invoker interface {
	// InvokeFromService invokes inv.FunctionArn with inv.Payload. It returns
	// an error when the invocation was refused (no such function, not
	// allowed); SNS retries and then gives up, as it does in AWS.
	InvokeFromService(ctx context.Context, inv LambdaInvocation) error
}

// LambdaInvocation is one delivery to a Lambda subscriber.
type LambdaInvocation struct {
	FunctionArn string
	// Payload is the SNS event: {"Records":[{"EventSource":"aws:sns",…,"Sns":{…}}]}.
	Payload []byte
	// Service is the calling service principal, "sns.amazonaws.com".
	Service string
	// SourceArn is the topic ARN (aws:SourceArn).
	SourceArn string
	// SourceAccount is the topic owner (aws:SourceAccount).
	SourceAccount string
}

// Options configures the SNS service.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// DataDir, when set, keeps topics and subscriptions in DataDir/sns and
	// writes email to DataDir/sns/outbox. Without it the outbox is a
	// temporary directory (see OutboxDir), removed by Close.
	DataDir string
	// BaseURL returns the emulator's endpoint, e.g. "http://127.0.0.1:4566":
	// the SubscribeURL, UnsubscribeURL and SigningCertURL of messages point
	// there. When nil they point at http://127.0.0.1:4566.
	BaseURL func() string
	// Authorizer decides publishes by AWS service principals
	// (PublishFromService); requests over HTTP carry their own. Without it
	// service publishes are refused.
	Authorizer service.Authorizer
	// Invoker delivers to lambda subscriptions; without it Subscribe
	// refuses the lambda protocol.
	Invoker Invoker
	// AutoConfirmEmail confirms email and email-json subscriptions at once,
	// without a confirmation email (for demos). AWS always asks the
	// recipient to confirm.
	AutoConfirmEmail bool
	// Principals, when set, binds the roles and users a topic policy
	// names to their unique ids: a deleted one reads back, and is
	// evaluated, as its unique id.
	Principals service.PrincipalBinder
	// ParsePolicy parses topic policies; policy.Parse with KindResource
	// when nil.
	ParsePolicy func(doc string) (*policy.Policy, error)
	// HTTPClient delivers to http/https subscribers; a client with a
	// 15-second timeout when nil.
	HTTPClient *http.Client
	// RetryDelay is the pause between delivery attempts to http/https and
	// Lambda subscribers (AWS's default policy retries 3 times, 20 seconds
	// apart; the emulator keeps the count and shortens the pause); one
	// second when zero.
	RetryDelay time.Duration
	// Log receives diagnostics; nil discards them.
	Log *slog.Logger
}

// Service is the emulated SNS. It is safe for concurrent use.
type Service struct {
	opts    Options
	now     func() time.Time
	log     *slog.Logger
	mux     *query.Mux
	outbox  string
	tempDir string // outbox directory created by New, removed by Close
	store   *store // topics and subscriptions (store.go)
	signer  *signer
	client  *http.Client

	outboxSeq atomic.Int64 // orders outbox files written in the same millisecond

	// Shutting down (shutdown.go): gate counts the deliveries in flight,
	// refuses new ones and ends retries once stopped; abortCtx (the
	// parent of every delivery attempt) cancels the attempts in flight.
	gate     *inflight.Gate
	abortCtx context.Context
	abort    context.CancelFunc
}

// New returns the SNS service, loading its state from opts.DataDir.
func New(opts Options) (*Service, error) {
	s := &Service{opts: opts, now: opts.Now, log: opts.Log, client: opts.HTTPClient}
	s.gate = inflight.New()
	s.abortCtx, s.abort = context.WithCancel(context.Background())
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 15 * time.Second}
	}
	if s.opts.RetryDelay == 0 {
		s.opts.RetryDelay = time.Second
	}
	if s.opts.ParsePolicy == nil {
		s.opts.ParsePolicy = func(doc string) (*policy.Policy, error) { return policy.Parse(doc, policy.KindResource) }
	}
	var keyFile string
	var file *snapshot.File[state]
	if opts.DataDir != "" {
		dir := filepath.Join(opts.DataDir, "sns")
		s.outbox = filepath.Join(dir, "outbox")
		file = snapshot.Open[state](filepath.Join(dir, "state.json"))
		keyFile = filepath.Join(dir, "signing-key.pem")
	} else {
		tmp, err := os.MkdirTemp("", "xacct-sns-outbox-")
		if err != nil {
			return nil, fmt.Errorf("sns: outbox: %w", err)
		}
		s.tempDir, s.outbox = tmp, tmp
	}
	if err := os.MkdirAll(s.outbox, 0o755); err != nil {
		return nil, fmt.Errorf("sns: outbox: %w", err)
	}
	if entries, err := os.ReadDir(s.outbox); err == nil {
		s.outboxSeq.Store(int64(len(entries)))
	}
	sg, err := newSigner(keyFile, s.now())
	if err != nil {
		return nil, fmt.Errorf("sns: signing key: %w", err)
	}
	s.signer = sg
	if s.store, err = newStore(file); err != nil {
		return nil, fmt.Errorf("sns: %w", err)
	}
	s.mux = s.table()
	return s, nil
}

// Close stops the service, waits for the delivery attempts in flight (no
// retries) and removes a temporary outbox.
func (s *Service) Close() error {
	return s.Shutdown(context.Background())
}

// Drain waits until every delivery started so far (http/https posts,
// Lambda invocations, confirmation requests) has finished or given up.
func (s *Service) Drain() { s.gate.Wait() }

// OutboxDir returns the directory email is written to.
func (s *Service) OutboxDir() string { return s.outbox }

func (s *Service) baseURL() string {
	if s.opts.BaseURL != nil {
		if u := s.opts.BaseURL(); u != "" {
			return u
		}
	}
	return "http://127.0.0.1:4566"
}

// table is SNS's operation table. Operations authorize in Run: SNS refuses
// with AuthorizationError, and topic operations consult the topic policy.
func (s *Service) table() *query.Mux {
	m := query.NewMux(Namespace)
	query.Register(m, service.Op[CreateTopicIn, CreateTopicOut]{Name: "CreateTopic", Run: s.CreateTopic})
	query.Register(m, service.Op[TopicArnIn, struct{}]{Name: "DeleteTopic", Run: s.DeleteTopic})
	query.Register(m, service.Op[ListTopicsIn, ListTopicsOut]{Name: "ListTopics", Run: s.ListTopics})
	query.Register(m, service.Op[TopicArnIn, GetTopicAttributesOut]{Name: "GetTopicAttributes", Run: s.GetTopicAttributes})
	query.Register(m, service.Op[SetTopicAttributesIn, struct{}]{Name: "SetTopicAttributes", Run: s.SetTopicAttributes})
	query.Register(m, service.Op[SubscribeIn, SubscribeOut]{Name: "Subscribe", Run: s.Subscribe})
	query.Register(m, service.Op[ConfirmSubscriptionIn, ConfirmSubscriptionOut]{Name: "ConfirmSubscription", Run: s.ConfirmSubscription})
	query.Register(m, service.Op[SubscriptionArnIn, struct{}]{Name: "Unsubscribe", Run: s.Unsubscribe})
	query.Register(m, service.Op[ListSubscriptionsIn, ListSubscriptionsOut]{Name: "ListSubscriptions", Run: s.ListSubscriptions})
	query.Register(m, service.Op[ListSubscriptionsByTopicIn, ListSubscriptionsOut]{Name: "ListSubscriptionsByTopic", Run: s.ListSubscriptionsByTopic})
	query.Register(m, service.Op[SubscriptionArnIn, GetSubscriptionAttributesOut]{Name: "GetSubscriptionAttributes", Run: s.GetSubscriptionAttributes})
	query.Register(m, service.Op[SetSubscriptionAttributesIn, struct{}]{Name: "SetSubscriptionAttributes", Run: s.SetSubscriptionAttributes})
	query.Register(m, service.Op[PublishIn, PublishOut]{Name: "Publish", Run: s.Publish})
	return m
}

// ServeAWS serves an authenticated SNS query request.
func (s *Service) ServeAWS(w http.ResponseWriter, r *http.Request, call *service.Call) {
	s.mux.ServeAWS(w, r, call)
}

// WriteError renders err as a query-protocol error.
func (s *Service) WriteError(w http.ResponseWriter, r *http.Request, call *service.Call, err *awserr.Error) {
	s.mux.WriteError(w, r, call, err)
}
