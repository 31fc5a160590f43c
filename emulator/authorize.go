package emulator

import (
	"context"
	"strconv"
	"time"

	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// Decide implements service.Authorizer: it gathers the caller's current
// identity policies, permissions boundary and session policies, adds the
// global condition keys of the request, and asks the policy engine.
func (e *Emulator) Decide(ctx context.Context, call *service.Call, chk service.Check) policy.Decision {
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
	set := policy.Set{Resource: chk.ResourcePolicy}
	if c != nil {
		switch c.Principal.Type {
		case policy.PrincipalRoot:
			set.Identity = []policy.Named{e.root}
		case policy.PrincipalUser:
			set.Identity, set.Boundary = e.iam.UserPolicies(c.Account(), c.UserName)
		case policy.PrincipalAssumedRole:
			set.Identity, set.Boundary = e.iam.RolePolicies(c.Account(), c.RoleName)
			set.Session = c.SessionPolicies
		}
	}
	d := policy.Evaluate(&req, &set)
	e.Record(call, chk, d, "")
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
