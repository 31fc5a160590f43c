package auth

import (
	"context"
	"strconv"
	"time"

	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// Policies is where the authorizer reads a principal's current identity
// policies and permissions boundary. *iam.Service implements it.
type Policies interface {
	// UserPolicies returns the policies of user name in account acct.
	UserPolicies(acct, name string) (identity []policy.Named, boundary *policy.Named)
	// RolePolicies returns the policies of role name in account acct.
	RolePolicies(acct, name string) (identity []policy.Named, boundary *policy.Named)
}

// Authorizer implements service.Authorizer with the caller's current
// policies: it is the authorizer of every request the emulator serves and
// of the services' own checks (SNS publishing for CloudWatch, Lambda
// writing logs for a function). Set the fields before the first Decide;
// they do not change after. It is safe for concurrent use.
type Authorizer struct {
	// Policies reads identity policies and boundaries.
	Policies Policies
	// Recorder, when set, is shown every decision (nil: off): Decide
	// calls its Record once per check, with an empty diagnosis, after the
	// policy engine decided and before the service acts on the decision,
	// from the goroutine serving the request. The emulator's decision
	// trail (Emulator.Record) is the recorder.
	Recorder service.Recorder
}

// rootPolicy is the identity policy of an account's root user: it may do
// anything, unless a resource policy of another account says otherwise.
var rootPolicy = policy.Named{Name: "root user",
	Policy: mustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, policy.KindIdentity)}

// Decide implements service.Authorizer: it gathers the caller's current
// identity policies, permissions boundary and session policies, adds the
// global condition keys of the request, and asks the policy engine.
func (a *Authorizer) Decide(ctx context.Context, call *service.Call, chk service.Check) policy.Decision {
	c := call.Caller
	req := policy.Request{
		Action:          chk.Action,
		Resource:        chk.Resource,
		ResourceAccount: chk.ResourceAccount,
	}
	if c != nil {
		req.Principal = c.Principal
	}
	setGlobalKeys(&req.Context, call)
	for k, v := range chk.Context {
		req.Context.Set(k, v...)
	}
	set := policy.Set{Resource: chk.ResourcePolicy, Grants: chk.Grants}
	if c != nil {
		switch c.Principal.Type {
		case policy.PrincipalRoot:
			set.Identity = []policy.Named{rootPolicy}
		case policy.PrincipalUser:
			set.Identity, set.Boundary = a.Policies.UserPolicies(c.Account(), c.UserName)
		case policy.PrincipalAssumedRole:
			set.Identity, set.Boundary = a.Policies.RolePolicies(c.Account(), c.RoleName)
			set.Session = c.SessionPolicies
		}
	}
	d := policy.Evaluate(&req, &set)
	if a.Recorder != nil {
		a.Recorder.Record(call, chk, d, "")
	}
	return d
}

// setGlobalKeys sets the request's global condition keys (IAM User Guide,
// "AWS global condition context keys") that do not come from the principal.
func setGlobalKeys(cx *policy.Context, call *service.Call) {
	t := call.Time.UTC()
	cx.Set("aws:CurrentTime", t.Format(time.RFC3339))
	cx.Set("aws:EpochTime", strconv.FormatInt(t.Unix(), 10))
	cx.Set("aws:SecureTransport", strconv.FormatBool(call.Secure))
	cx.Set("aws:RequestedRegion", call.Region)
	if call.SourceIP != "" {
		cx.Set("aws:SourceIp", call.SourceIP)
	}
	if call.UserAgent != "" {
		cx.Set("aws:UserAgent", call.UserAgent)
	}
	if c := call.Caller; c != nil {
		if c.SourceIdentity != "" {
			cx.Set("aws:SourceIdentity", c.SourceIdentity)
		}
		if c.Temporary() {
			// Present only for temporary credentials (IAM User Guide, "AWS
			// global condition context keys": aws:TokenIssueTime,
			// aws:MultiFactorAuthPresent).
			cx.Set("aws:MultiFactorAuthPresent", "false")
			if !c.Issued.IsZero() {
				cx.Set("aws:TokenIssueTime", c.Issued.UTC().Format(time.RFC3339))
			}
		}
		cx.Set("aws:PrincipalIsAWSService", strconv.FormatBool(c.Principal.Type == policy.PrincipalService))
	}
}
