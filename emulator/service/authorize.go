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
// a resource-based policy"). AWS gives the reason only for same-account
// requests (Amazon S3 User Guide, "Troubleshoot access denied (403
// Forbidden) errors"; IAM User Guide, "Troubleshoot access denied error
// messages").
func DenyMessage(call *Call, chk Check, d policy.Decision) string {
	msg := "User: " + call.Caller.ARN() + " is not authorized to perform: " + chk.Action + " on resource: " + chk.Resource
	if chk.ResourceAccount != "" && chk.ResourceAccount != call.Caller.Account() {
		return msg
	}
	return msg + DenyReason(chk.Action, d)
}

// DenyReason is the " because …"/" with an explicit deny …" suffix for d.
func DenyReason(action string, d policy.Decision) string {
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
