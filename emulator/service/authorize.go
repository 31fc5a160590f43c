package service

import (
	"context"
	"net/http"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/policy"
)

// Authorize decides chk for the call in ctx and returns nil when AWS would
// allow it, or AccessDenied with IAM's message otherwise.
func Authorize(ctx context.Context, chk Check) error {
	call := FromContext(ctx)
	if call == nil || call.Authz == nil {
		return awserr.New(500, "InternalError", "no authorizer for request")
	}
	d := call.Authz.Decide(ctx, call, chk)
	if d.Allowed() {
		return nil
	}
	return Explained(awserr.AccessDenied("%s", DenyMessage(call, chk, d)), Diagnose(call, chk, d))
}

// ExplainHeader is the response header in which the emulator says why it
// refused a request. AWS sends no such header; the emulator adds it so a
// developer (and crossaccount.Explain) can see which policy was missing.
const ExplainHeader = "X-Xacct-Explain"

// Explained returns e with the emulator's explanation attached as
// ExplainHeader.
func Explained(e *awserr.Error, why string) *awserr.Error {
	c := *e
	c.Header = e.Header.Clone()
	if c.Header == nil {
		c.Header = http.Header{}
	}
	c.Header.Set(ExplainHeader, strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return ' '
		}
		return r
	}, why))
	return &c
}

// DenyMessage is the text AWS puts in an AccessDenied for a refused check:
//
//	User: ARN is not authorized to perform: ACTION on resource: RESOURCE
//
// followed, for requests inside one account, by the reason ("because no
// identity-based policy allows the ACTION action", "with an explicit deny in
// a resource-based policy"); a request across accounts of one organization
// refused by an SCP or RCP carries that reason too. AWS gives the reason
// only for same-account and same-organization requests (Amazon S3 User
// Guide, "Troubleshoot access denied (403 Forbidden) errors"; IAM User
// Guide, "Troubleshoot access denied error messages").
func DenyMessage(call *Call, chk Check, d policy.Decision) string {
	msg := "User: " + call.Caller.ARN() + " is not authorized to perform: " + chk.Action + " on resource: " + chk.Resource
	return msg + Reason(call, chk, d)
}

// Reason is DenyMessage's reason for d, "" where AWS gives none: the
// whole DenyReason for a request inside one account, the organization
// part (OrgDenyReason) for one across accounts of an organization.
func Reason(call *Call, chk Check, d policy.Decision) string {
	if chk.ResourceAccount == "" || call.Caller == nil || chk.ResourceAccount == call.Caller.Account() {
		return DenyReason(chk.Action, d)
	}
	return OrgDenyReason(call, chk, d)
}

// OrgDenyReason is, for a decision an SCP or RCP made, the reason AWS
// gives when the caller and the resource are in one account or one
// organization: " with an explicit deny in a service control policy" (or
// "resource control policy") followed by ": " and the denying policy's ARN
// when one statement denied. AWS words an SCP's or RCP's implicit deny as
// an explicit one (IAM User Guide, "Troubleshoot access denied error
// messages": "When an SCP denies access, the error message always includes
// the phrase ... explicit deny in a Service Control Policy, even if the
// denial is implicit"; the policy ARN: AWS Security Blog, "Enhanced access
// denied error messages with policy ARNs", same account and same
// organization only). It returns "" for other decisions and callers.
func OrgDenyReason(call *Call, chk Check, d policy.Decision) string {
	src, arn := orgCause(d)
	if src == "" || call == nil || call.Caller == nil {
		return ""
	}
	if acct := call.Caller.Account(); chk.ResourceAccount != "" && acct != chk.ResourceAccount {
		orgs, ok := call.Authz.(SameOrganization)
		if !ok || !orgs.SameOrganization(acct, chk.ResourceAccount) {
			return ""
		}
	}
	return orgReason(src, arn)
}

// SameOrganization is implemented by authorizers that know the
// organizations (*auth.Authorizer): it reports whether two accounts belong
// to one organization.
type SameOrganization interface {
	SameOrganization(a, b string) bool
}

// orgCause returns the organization policy type that decided d (SCP or
// RCP, "" for another) and, for an explicit deny, the denying policy's ARN.
func orgCause(d policy.Decision) (policy.Source, string) {
	switch d.Effect {
	case policy.ExplicitDeny:
		if len(d.Matched) > 0 && orgAbbrev[d.Matched[0].Source] != "" {
			return d.Matched[0].Source, d.Matched[0].PolicyARN
		}
	case policy.ImplicitDeny:
		if len(d.Missing) > 0 && orgAbbrev[d.Missing[0]] != "" {
			return d.Missing[0], ""
		}
	}
	return "", ""
}

func orgReason(src policy.Source, arn string) string {
	r := " with an explicit deny in a " + string(src)
	if arn != "" {
		r += ": " + arn
	}
	return r
}

// DenyReason is the " because …"/" with an explicit deny …" suffix for d.
func DenyReason(action string, d policy.Decision) string {
	if src, arn := orgCause(d); src != "" {
		return orgReason(src, arn)
	}
	switch d.Effect {
	case policy.ExplicitDeny:
		src := policy.SourceIdentity
		if len(d.Matched) > 0 {
			src = d.Matched[0].Source
		}
		return " with an explicit deny in " + article(src) + string(src)
	case policy.ImplicitDeny:
		src := policy.SourceIdentity
		if len(d.Missing) > 0 {
			src = d.Missing[0]
		}
		return " because no " + string(src) + " allows the " + action + " action"
	}
	return ""
}

func article(s policy.Source) string {
	switch s {
	case policy.SourceIdentity:
		return "an "
	}
	return "a "
}
