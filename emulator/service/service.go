// Package service holds what every emulated AWS service shares: the
// authenticated caller, the per-request Call (request id, clock, source
// address) and the authorization step that asks the policy engine whether
// AWS would allow an action.
package service

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/xacct/xacct/policy"
)

// Caller is the authenticated identity behind a request.
type Caller struct {
	// Principal is what the policy engine evaluates: ARN, account, type,
	// unique id, tags.
	Principal policy.Principal
	// AccessKeyID is the key the request was signed with.
	AccessKeyID string
	// UserName is the IAM user's name for PrincipalUser.
	UserName string
	// RoleName and SessionName describe a role session (PrincipalAssumedRole).
	RoleName    string
	SessionName string
	// SessionPolicies are the session's inline and managed session policies.
	SessionPolicies []policy.Named
	// SourceIdentity is the session's source identity, if set.
	SourceIdentity string
	// TransitiveTagKeys are the session tags that pass on to chained sessions.
	TransitiveTagKeys []string
	// Chained is true for a role session created by another role session.
	Chained bool
	// Expires is the session's expiry (zero for long-term credentials).
	Expires time.Time
	// Issued is when STS issued the session (aws:TokenIssueTime); zero for
	// long-term credentials.
	Issued time.Time
	// UserSession is true for credentials from GetSessionToken: the caller
	// is the IAM user (or root user) itself, with temporary credentials.
	UserSession bool
}

// Temporary reports whether the caller signs with STS-issued temporary
// credentials (a role session or a GetSessionToken session).
func (c *Caller) Temporary() bool { return c != nil && !c.Expires.IsZero() }

// Anonymous reports whether the request was not signed.
func (c *Caller) Anonymous() bool {
	return c == nil || c.Principal.Type == policy.PrincipalAnonymous
}

// Account returns the caller's account id.
func (c *Caller) Account() string {
	if c == nil {
		return ""
	}
	return c.Principal.Account
}

// ARN returns the caller's ARN ("anonymous" for unsigned requests).
func (c *Caller) ARN() string {
	if c.Anonymous() {
		return "anonymous"
	}
	return c.Principal.ARN
}

// Check is one authorization question a service asks.
type Check struct {
	// Action is "service:Operation".
	Action string
	// Resource is the resource ARN, or "*".
	Resource string
	// ResourceAccount owns the resource; empty means the caller's account.
	ResourceAccount string
	// ResourcePolicy is the resource's policy (bucket policy, trust policy,
	// topic policy), if it has one.
	ResourcePolicy *policy.Named
	// Grants are the KMS grants of the key the request uses (policy.Set's
	// Grants), if any.
	Grants []policy.Named
	// Context adds request-specific condition keys (s3:prefix,
	// sts:ExternalId, ...) to the global ones the authorizer sets.
	Context map[string][]string
	// Diagnose, when set, explains a refusal of this check in the
	// service's own terms (S3: an object another account owns); Diagnose
	// uses its text instead of the generic diagnosis unless it is "".
	Diagnose func(d policy.Decision) string
}

// Authorizer decides Checks for a Call. The emulator implements it with the
// caller's current identity policies, boundary and session policies.
type Authorizer interface {
	// Decide evaluates chk and returns the policy engine's decision.
	Decide(ctx context.Context, call *Call, chk Check) policy.Decision
}

// Call describes one request as it passes through a service.
type Call struct {
	RequestID string
	// Service is the signing name of the service ("sts", "s3", ...).
	Service string
	// Operation is the API operation, set once the protocol has decoded it.
	Operation string
	// Region is the credential scope's region.
	Region string
	// Time is when the request arrived, from the emulator's clock.
	Time time.Time
	// Caller is the authenticated principal.
	Caller *Caller
	// SourceIP is the client's address (aws:SourceIp).
	SourceIP string
	// Secure is true for requests over TLS (aws:SecureTransport).
	Secure bool
	// UserAgent is the request's User-Agent header (aws:UserAgent).
	UserAgent string
	// Authz decides authorization checks.
	Authz Authorizer
	// Trail, when set, keeps the decision trail; services report refusals
	// of missing targets to it with RecordMissing.
	Trail Recorder
	// Audit, when set, collects what the request's CloudTrail event
	// records beyond the request itself.
	Audit *Audit
	// Log receives service log lines.
	Log *slog.Logger
	// Trailer, when the request body was sent with aws-chunked encoding and
	// trailing headers (x-amz-checksum-crc32, ...), returns them once the
	// body has been read to EOF; nil otherwise.
	Trailer func() http.Header
}

type callKey struct{}

// WithCall returns ctx carrying call.
func WithCall(ctx context.Context, call *Call) context.Context {
	return context.WithValue(ctx, callKey{}, call)
}

// FromContext returns the Call carried by ctx, or nil.
func FromContext(ctx context.Context) *Call {
	c, _ := ctx.Value(callKey{}).(*Call)
	return c
}

// Op is one operation in a service's declarative table, shared by every
// protocol's dispatcher.
type Op[I, O any] struct {
	// Name is the API operation name.
	Name string
	// Check, if set, derives the authorization check (IAM action, resource
	// ARN, condition keys) from the input; the request is refused with
	// AccessDenied before Run when the policy engine does not allow it.
	// Operations whose authorization depends on stored state (STS
	// AssumeRole's trust policy) leave it nil and authorize in Run.
	Check func(call *Call, in *I) Check
	// Run executes the operation.
	Run func(ctx context.Context, in *I) (*O, error)
}

// Invoke authorizes in (when op has a Check) and runs op.
func (op Op[I, O]) Invoke(ctx context.Context, in *I) (*O, error) {
	if op.Check != nil {
		if err := Authorize(ctx, op.Check(FromContext(ctx), in)); err != nil {
			return nil, err
		}
	}
	return op.Run(ctx, in)
}

// PrincipalBinder binds the IAM roles and users a resource policy names to
// their unique ids, so that a policy naming a deleted (or deleted and
// recreated) role or user reads back, and is evaluated, with the unique id
// in its place, as AWS does. The emulated IAM implements it; S3, SNS and
// Lambda use it for bucket, topic and function policies. Implementations
// are safe for concurrent use.
type PrincipalBinder interface {
	// BindPrincipals returns the unique ids of the existing roles and
	// users the policy names as AWS principals, by ARN (nil for none).
	BindPrincipals(text string) map[string]string
	// ResolvePrincipals returns text with each bound principal whose
	// entity no longer has its bound id replaced by that id, and whether
	// anything was replaced.
	ResolvePrincipals(text string, refs map[string]string) (string, bool)
}
