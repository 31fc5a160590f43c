// Package crossaccount assumes IAM roles in other accounts, done properly:
// validated account ids and role ARNs, every AssumeRole parameter, one
// cached and refreshed set of credentials per role shared by all
// goroutines and by every warm invocation of a Lambda function, an
// aws.Config per target account, and AccessDenied explained in terms of
// the three setup steps.
//
// Create one Assumer outside the Lambda handler, so warm invocations reuse
// its credentials:
//
//	var assumer = crossaccount.New(baseCfg, func(o *crossaccount.Options) {
//		o.SessionName = "switch-account"
//	})
//
//	func handle(ctx context.Context, ev Event) error {
//		cfg, err := assumer.ConfigForAccount(ctx, ev.AccountID, "external-role")
//		if err != nil {
//			log.Print(crossaccount.Explain(err))
//			return err
//		}
//		_, err = s3.NewFromConfig(cfg).ListBuckets(ctx, &s3.ListBucketsInput{})
//		return err
//	}
package crossaccount

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// AssumeRoleAPI is the one STS method the Assumer needs.
type AssumeRoleAPI interface {
	AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error)
}

// Options are the AssumeRole parameters and caching rules. Defaults apply
// to zero values.
type Options struct {
	// SessionName is the RoleSessionName (default "xacct").
	SessionName string
	// Duration is the session length (default one hour; 15 minutes to the
	// role's maximum, one hour when chaining roles).
	Duration time.Duration
	// ExternalID is sent as sts:ExternalId when set.
	ExternalID string
	// Tags are session tags; TransitiveTagKeys pass on to chained roles.
	Tags              map[string]string
	TransitiveTagKeys []string
	// SourceIdentity is set on the session when not empty.
	SourceIdentity string
	// Policy is an inline session policy; PolicyARNs are managed session
	// policies. Both can only narrow the role's permissions.
	Policy     string
	PolicyARNs []string
	// ExpiryWindow is how long before expiry credentials are refreshed
	// (default 5 minutes).
	ExpiryWindow time.Duration
	// Partition is used by ConfigForAccount to build role ARNs (default
	// "aws").
	Partition string
	// Now is the clock (default time.Now); tests inject one.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.SessionName == "" {
		o.SessionName = "xacct"
	}
	if o.Duration == 0 {
		o.Duration = time.Hour
	}
	if o.ExpiryWindow == 0 {
		o.ExpiryWindow = 5 * time.Minute
	}
	if o.Partition == "" {
		o.Partition = "aws"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// key identifies a set of cached credentials: anything that changes what
// the session may do gets its own entry.
func (o Options) key(roleARN string) string {
	var b strings.Builder
	for _, s := range []string{roleARN, o.SessionName, o.ExternalID, o.SourceIdentity, o.Policy, strconv.FormatInt(int64(o.Duration), 10)} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	arns := append([]string(nil), o.PolicyARNs...)
	sort.Strings(arns)
	b.WriteString(strings.Join(arns, ","))
	b.WriteByte(0)
	keys := make([]string, 0, len(o.Tags))
	for k := range o.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(k + "=" + o.Tags[k] + ";")
	}
	b.WriteByte(0)
	b.WriteString(strings.Join(o.TransitiveTagKeys, ","))
	return b.String()
}

// Assumer assumes roles and caches their credentials. It is safe for
// concurrent use; create one per process (outside a Lambda handler).
type Assumer struct {
	client AssumeRoleAPI
	base   aws.Config
	opts   Options
	mu     sync.Mutex
	cache  map[string]*provider
}

// New returns an Assumer that calls STS with base's credentials (the
// function's own, in Lambda).
func New(base aws.Config, optFns ...func(*Options)) *Assumer {
	return NewWithClient(sts.NewFromConfig(base), base, optFns...)
}

// NewWithClient is New with an explicit STS client (tests pass a fake).
func NewWithClient(client AssumeRoleAPI, base aws.Config, optFns ...func(*Options)) *Assumer {
	var o Options
	for _, f := range optFns {
		f(&o)
	}
	return &Assumer{client: client, base: base, opts: o.withDefaults(), cache: map[string]*provider{}}
}

// Provider returns the cached credentials provider for roleARN; optFns
// override the Assumer's options for this role. Providers for the same
// role and options are shared.
func (a *Assumer) Provider(roleARN string, optFns ...func(*Options)) (aws.CredentialsProvider, error) {
	if _, err := ParseRoleARN(roleARN); err != nil {
		return nil, err
	}
	o := a.opts
	for _, f := range optFns {
		f(&o)
	}
	o = o.withDefaults()
	if o.Duration < 15*time.Minute || o.Duration > 12*time.Hour {
		return nil, &Error{Kind: KindInvalidInput, RoleARN: roleARN, Err: errors.New("session duration must be between 15 minutes and 12 hours")}
	}
	if n := len(o.SessionName); n < 2 || n > 64 {
		return nil, &Error{Kind: KindInvalidInput, RoleARN: roleARN, Err: errors.New("session name must have 2 to 64 characters of [\\w+=,.@-]")}
	}
	k := o.key(roleARN)
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.cache[k]
	if p == nil {
		p = &provider{a: a, roleARN: roleARN, opts: o}
		a.cache[k] = p
	}
	return p, nil
}

// Credentials assumes roleARN (or returns cached credentials still valid
// beyond the expiry window).
func (a *Assumer) Credentials(ctx context.Context, roleARN string, optFns ...func(*Options)) (aws.Credentials, error) {
	p, err := a.Provider(roleARN, optFns...)
	if err != nil {
		return aws.Credentials{}, err
	}
	return p.Retrieve(ctx)
}

// ConfigForRole returns a copy of the base config whose credentials are
// the cached session of roleARN. The role is assumed now, so a setup error
// surfaces here rather than on the first API call.
func (a *Assumer) ConfigForRole(ctx context.Context, roleARN string, optFns ...func(*Options)) (aws.Config, error) {
	p, err := a.Provider(roleARN, optFns...)
	if err != nil {
		return aws.Config{}, err
	}
	if _, err := p.Retrieve(ctx); err != nil {
		return aws.Config{}, err
	}
	cfg := a.base.Copy()
	cfg.Credentials = p
	return cfg, nil
}

// ConfigForAccount is ConfigForRole for role roleName (optionally with a
// path) in account, in the Assumer's partition.
func (a *Assumer) ConfigForAccount(ctx context.Context, account, roleName string, optFns ...func(*Options)) (aws.Config, error) {
	arn, err := BuildRoleARN(account, roleName, a.opts.Partition)
	if err != nil {
		return aws.Config{}, err
	}
	return a.ConfigForRole(ctx, arn, optFns...)
}

// assumeTimeout bounds a shared AssumeRole call, which no single caller's
// context may cancel.
const assumeTimeout = time.Minute

// provider holds one role's credentials and refreshes them; concurrent
// callers share one AssumeRole call.
type provider struct {
	a       *Assumer
	roleARN string
	opts    Options

	mu       sync.Mutex
	creds    aws.Credentials
	inflight chan struct{}
	err      error
}

// Retrieve implements aws.CredentialsProvider. Concurrent callers share
// one AssumeRole call, which runs detached from every caller's
// cancellation (keeping the first caller's values) as aws.CredentialsCache
// runs its retrieval: a caller whose ctx ends stops waiting and returns
// ctx's error at once, and the others still get the credentials.
func (p *provider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	for {
		p.mu.Lock()
		if p.creds.HasKeys() && p.opts.Now().Before(p.creds.Expires.Add(-p.opts.ExpiryWindow)) {
			c := p.creds
			p.mu.Unlock()
			return c, nil
		}
		ch := p.inflight
		if ch == nil {
			ch = make(chan struct{})
			p.inflight = ch
			go p.refresh(context.WithoutCancel(ctx), ch)
		}
		p.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return aws.Credentials{}, ctx.Err()
		}
		p.mu.Lock()
		err, c := p.err, p.creds
		p.mu.Unlock()
		if err != nil {
			return aws.Credentials{}, err
		}
		if c.HasKeys() {
			return c, nil
		}
	}
}

// refresh makes the shared AssumeRole call and closes done when its result
// is stored.
func (p *provider) refresh(ctx context.Context, done chan struct{}) {
	ctx, cancel := context.WithTimeout(ctx, assumeTimeout)
	defer cancel()
	c, err := p.assume(ctx)
	p.mu.Lock()
	p.inflight, p.err = nil, err
	if err == nil {
		p.creds = c
	}
	p.mu.Unlock()
	close(done)
}

func (p *provider) assume(ctx context.Context) (aws.Credentials, error) {
	o := p.opts
	in := &sts.AssumeRoleInput{
		RoleArn:         aws.String(p.roleARN),
		RoleSessionName: aws.String(o.SessionName),
		DurationSeconds: aws.Int32(int32(o.Duration / time.Second)),
	}
	if o.ExternalID != "" {
		in.ExternalId = aws.String(o.ExternalID)
	}
	if o.SourceIdentity != "" {
		in.SourceIdentity = aws.String(o.SourceIdentity)
	}
	if o.Policy != "" {
		in.Policy = aws.String(o.Policy)
	}
	for _, arn := range o.PolicyARNs {
		in.PolicyArns = append(in.PolicyArns, ststypes.PolicyDescriptorType{Arn: aws.String(arn)})
	}
	keys := make([]string, 0, len(o.Tags))
	for k := range o.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		in.Tags = append(in.Tags, ststypes.Tag{Key: aws.String(k), Value: aws.String(o.Tags[k])})
	}
	in.TransitiveTagKeys = o.TransitiveTagKeys
	out, err := p.a.client.AssumeRole(ctx, in)
	if err != nil {
		return aws.Credentials{}, classify(err, p.roleARN, o.ExternalID, len(o.Tags) > 0)
	}
	c := out.Credentials
	if c == nil || c.AccessKeyId == nil || c.SecretAccessKey == nil || c.SessionToken == nil {
		return aws.Credentials{}, &Error{RoleARN: p.roleARN, Err: errors.New("STS returned no credentials")}
	}
	cr := aws.Credentials{
		AccessKeyID:     *c.AccessKeyId,
		SecretAccessKey: *c.SecretAccessKey,
		SessionToken:    *c.SessionToken,
		Source:          "crossaccount",
		CanExpire:       true,
	}
	if c.Expiration != nil {
		cr.Expires = *c.Expiration
	}
	if out.AssumedRoleUser != nil && out.AssumedRoleUser.Arn != nil {
		if parts := strings.SplitN(*out.AssumedRoleUser.Arn, ":", 6); len(parts) == 6 {
			cr.AccountID = parts[4]
		}
	}
	return cr, nil
}
