package check

import (
	"fmt"
	"strings"

	"github.com/xacct/xacct/policy"
)

// This file checks the cross-account steps against an organization
// (Options.Organization): each request the analysis found allowed — the
// execution role's sts:AssumeRole on the target role, the S3 calls on the
// buckets, the KMS calls on their keys — is decided again with the SCPs of
// the principal's account and the RCPs of the resource's account, and the
// organization condition keys (aws:PrincipalOrgID, aws:ResourceOrgID and
// their paths). AWS Organizations User Guide, "SCP evaluation", "RCP
// evaluation": SCPs restrict principals of member accounts, RCPs resources
// of member accounts for the services that support them; neither affects
// the management account.

// allowedReq is a request the analysis decided as allowed.
type allowedReq struct {
	f    *function
	what string // "step 1 (sts:AssumeRole)", "the copy reads the source objects", ...
	step int
	req  policy.Request
	set  policy.Set
	file string
	res  string
}

// rcpServices are the services whose resources RCPs govern (AWS
// Organizations User Guide, "List of AWS services that support RCPs").
var rcpServices = map[string]bool{"s3": true, "sts": true, "kms": true, "sqs": true, "secretsmanager": true}

// record keeps an allowed request for the organization pass.
func (a *analysis) record(r allowedReq) {
	if a.m.org != nil {
		a.allowed = append(a.allowed, r)
	}
}

// organization decides the recorded requests with the organization's
// policies.
func (a *analysis) organization() {
	o := a.m.org
	if o == nil {
		return
	}
	seen := map[string]bool{}
	for i := range a.allowed {
		r := &a.allowed[i]
		pa := r.req.Principal.Account
		ra := r.req.ResourceAccount
		if ra == "" {
			ra = pa
		}
		// The global keys SCPs and RCPs commonly test (IAM User Guide,
		// "AWS global condition context keys").
		if _, ok := r.req.Context.Get("aws:RequestedRegion"); !ok {
			r.req.Context.Set("aws:RequestedRegion", a.m.region)
		}
		r.req.Context.Set("aws:PrincipalIsAWSService", "false")
		r.req.Context.Set("aws:PrincipalAccount", pa)
		if r.req.Principal.RoleARN != "" {
			r.req.Context.Set("aws:PrincipalArn", r.req.Principal.RoleARN)
		}
		a.orgKeys(&r.req.Context, pa, ra)
		if !policy.Evaluate(&r.req, &r.set).Allowed() {
			continue // refused without the organization's policies: reported already
		}
		set := r.set
		set.SCP = o.levels(pa, typeSCP)
		svc, _, _ := strings.Cut(r.req.Action, ":")
		if rcpServices[strings.ToLower(svc)] {
			set.RCP = o.levels(ra, typeRCP)
		}
		if set.SCP == nil && set.RCP == nil {
			continue
		}
		who := r.req.Principal.RoleARN
		if who == "" {
			who = r.req.Principal.ARN
		}
		d := policy.Evaluate(&r.req, &set)
		if d.Allowed() {
			if seen[r.what+r.req.Action+r.req.Resource+who] {
				continue
			}
			seen[r.what+r.req.Action+r.req.Resource+who] = true
			a.ok("%s: %s: %s may %s on %s under the organization's SCPs and RCPs", r.f.name, r.what, who, r.req.Action, r.req.Resource)
			continue
		}
		why, src := orgWhy(d)
		code, acct := "DeniedBySCP", pa
		if src == policy.SourceRCP {
			code, acct = "DeniedByRCP", ra
		}
		msg := fmt.Sprintf("%s: %s may not %s on %s: %s (account %s: %s)", r.what, who, r.req.Action, r.req.Resource, why, acct, o.Path(acct))
		if seen[msg] {
			continue
		}
		seen[msg] = true
		a.add(Finding{Severity: Error, Code: code, Step: r.step, Function: r.f.name, Role: r.req.Principal.RoleARN, Template: r.file, Resource: r.res,
			Message: msg})
	}
}

// orgKeys sets the organization condition keys of a request by a
// principal of account pa on a resource of account ra (IAM User Guide,
// "AWS global condition context keys": aws:PrincipalOrgID,
// aws:PrincipalOrgPaths, aws:ResourceOrgID, aws:ResourceOrgPaths), when
// the check has an organization: a trust or bucket policy naming the
// organization is then decided as AWS decides it.
func (a *analysis) orgKeys(cx *policy.Context, pa, ra string) {
	o := a.m.org
	if o == nil {
		return
	}
	if o.accounts[pa] != "" {
		cx.Set("aws:PrincipalOrgID", o.ID)
		cx.Set("aws:PrincipalOrgPaths", o.orgPath(pa))
	}
	if o.accounts[ra] != "" {
		cx.Set("aws:ResourceOrgID", o.ID)
		cx.Set("aws:ResourceOrgPaths", o.orgPath(ra))
	}
}

// orgWhy says how the organization's policies refused d, and which type
// did.
func orgWhy(d policy.Decision) (string, policy.Source) {
	abbrev := map[policy.Source]string{policy.SourceSCP: "SCP", policy.SourceRCP: "RCP"}
	if d.Effect == policy.ExplicitDeny {
		for _, m := range d.Matched {
			if ab := abbrev[m.Source]; ab != "" {
				stmt := fmt.Sprintf("statement %d", m.Index)
				if m.Sid != "" {
					stmt = fmt.Sprintf("statement %q", m.Sid)
				}
				return "denied by " + ab + " `" + m.Policy + "` attached to " + m.Target + " (its " + stmt + ")", m.Source
			}
		}
		return d.Explain(), ""
	}
	for _, m := range d.Missing {
		if ab := abbrev[m]; ab != "" {
			var at []string
			for _, g := range d.Gaps {
				if g.Source == m {
					at = append(at, g.Target)
				}
			}
			return "denied by " + ab + "s: no " + ab + " attached to " + strings.Join(at, ", ") + " allows it", m
		}
	}
	return d.Explain(), ""
}
