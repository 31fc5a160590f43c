package auth

import (
	"context"
	"strconv"
	"strings"
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

// Organizations is where the authorizer reads which organization an account
// belongs to and the SCPs and RCPs that apply to it.
// *organizations.Service implements it. It is safe for concurrent use.
type Organizations interface {
	// OrgAccount returns acct's place in its organization; ok is false
	// when acct belongs to none.
	OrgAccount(acct string) (a OrgAccount, ok bool)
}

// OrgAccount is an account's place in its organization.
type OrgAccount struct {
	// OrgID is the organization's id (aws:PrincipalOrgID,
	// aws:ResourceOrgID).
	OrgID string
	// Management is true for the organization's management account, which
	// no SCP or RCP affects.
	Management bool
	// Path is the account's organization path, "o-…/r-…/ou-…/" down to
	// its parent (aws:PrincipalOrgPaths, aws:ResourceOrgPaths).
	Path string
	// SCP and RCP are the policies of each level from the root to the
	// account while the type is enabled (nil for the management account).
	SCP, RCP []policy.OrgLevel
}

// Authorizer implements service.Authorizer with the caller's current
// policies: it is the authorizer of every request the emulator serves and
// of the services' own checks (SNS publishing for CloudWatch, Lambda
// writing logs for a function). Set the fields before the first Decide;
// they do not change after. It is safe for concurrent use.
type Authorizer struct {
	// Policies reads identity policies and boundaries.
	Policies Policies
	// Orgs, when set, reads the organizations: their SCPs and RCPs join
	// the evaluation and the organization condition keys are set.
	Orgs Organizations
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
	if a.Orgs != nil {
		a.applyOrgs(&req, &set, chk)
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

// rcpServices are the services of the emulator whose resources RCPs
// govern (Organizations User Guide, "Resource control policies (RCPs)",
// "List of AWS services that support RCPs": Amazon S3, AWS STS, AWS KMS,
// Amazon SQS, AWS Secrets Manager, …).
var rcpServices = map[string]bool{"s3": true, "sts": true, "kms": true, "sqs": true, "secretsmanager": true}

// applyOrgs adds the organizations' part of a request: the organization
// condition keys (IAM User Guide, "AWS global condition context keys":
// aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:ResourceOrgID,
// aws:ResourceOrgPaths, aws:SourceOrgID), the SCPs of a principal of a
// member account (not for the management account, service principals or
// service-linked roles; the root user of a member account included), and
// the RCPs of a resource of a member account for the services that support
// them (not for service principals or service-linked roles; AWS
// Organizations User Guide, "Service control policies (SCPs)", "Resource
// control policies (RCPs)": tasks and entities not restricted).
func (a *Authorizer) applyOrgs(req *policy.Request, set *policy.Set, chk service.Check) {
	pr := &req.Principal
	exempt := pr.Type == policy.PrincipalService || serviceLinked(pr)
	if pr.Account != "" && pr.Type != policy.PrincipalService && pr.Type != policy.PrincipalAnonymous {
		if oa, ok := a.Orgs.OrgAccount(pr.Account); ok {
			req.Context.Set("aws:PrincipalOrgID", oa.OrgID)
			req.Context.Set("aws:PrincipalOrgPaths", oa.Path)
			if !oa.Management && !exempt {
				set.SCP = oa.SCP
			}
		}
	}
	resAcct := chk.ResourceAccount
	if resAcct == "" {
		resAcct = pr.Account
	}
	if resAcct != "" {
		if oa, ok := a.Orgs.OrgAccount(resAcct); ok {
			req.Context.Set("aws:ResourceOrgID", oa.OrgID)
			req.Context.Set("aws:ResourceOrgPaths", oa.Path)
			svc, _, _ := strings.Cut(req.Action, ":")
			if !oa.Management && !exempt && rcpServices[strings.ToLower(svc)] {
				set.RCP = oa.RCP
			}
		}
	}
	if v, ok := req.Context.Get("aws:SourceAccount"); ok && len(v) == 1 {
		if oa, ok := a.Orgs.OrgAccount(v[0]); ok {
			req.Context.Set("aws:SourceOrgID", oa.OrgID)
			req.Context.Set("aws:SourceOrgPaths", oa.Path)
		}
	}
}

// serviceLinked reports whether pr is a session of a service-linked role
// (path /aws-service-role/), which SCPs and RCPs do not restrict.
func serviceLinked(pr *policy.Principal) bool {
	return pr.Type == policy.PrincipalAssumedRole && strings.Contains(pr.RoleARN, ":role/aws-service-role/")
}

// SameOrganization implements service.SameOrganization: whether accounts
// a and b belong to one organization (false without Orgs).
func (a *Authorizer) SameOrganization(x, y string) bool {
	if a.Orgs == nil {
		return false
	}
	ox, ok1 := a.Orgs.OrgAccount(x)
	oy, ok2 := a.Orgs.OrgAccount(y)
	return ok1 && ok2 && ox.OrgID == oy.OrgID
}
