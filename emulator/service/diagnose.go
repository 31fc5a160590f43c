package service

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/xacct/xacct/policy"
)

// This file turns the policy engine's decision into the diagnosis users
// read (in X-Xacct-Explain, the decision trail, `xacct serve`'s log,
// `xacct invoke` and `xacct why`), in the terms of the three setup steps
// of cross-account access:
//
//  1. the caller's identity-based policy allows sts:AssumeRole on the role;
//  2. the role's trust policy allows the caller (and the call presents what
//     its conditions require: "step 3 (the call)", the project's wording
//     since round one, for a missing or wrong sts:ExternalId);
//  3. the role's permissions and the resource's policy (a bucket policy)
//     allow the action the role session then performs.
//
// Every place that shows a denial reads the text Diagnose returns; none
// builds its own.

// Diagnose says why d refused chk for call, in one line: which setup step
// is missing, or which permissions boundary, session policy, resource
// policy or explicit deny (which statement of which policy) refused it.
// It returns "" for an allowed decision.
func Diagnose(call *Call, chk Check, d policy.Decision) string {
	if d.Allowed() {
		return ""
	}
	if chk.Diagnose != nil {
		if why := chk.Diagnose(d); why != "" {
			return why
		}
	}
	var caller *Caller
	if call != nil {
		caller = call.Caller
	}
	if why := diagnoseOrg(chk, d); why != "" {
		return why
	}
	if isTrust(chk) {
		return diagnoseAssume(caller, chk, d)
	}
	if isKey(chk) {
		return diagnoseKey(caller, chk, d)
	}
	return diagnoseAction(caller, chk, d)
}

// isKey reports whether chk is decided with an AWS KMS key policy.
func isKey(chk Check) bool {
	return chk.ResourcePolicy != nil && chk.ResourcePolicy.Policy != nil && chk.ResourcePolicy.Policy.Kind() == policy.KindKey
}

// AWSManagedKeyPolicy is the prefix of the name a KMS key policy of an AWS
// managed key (aws/s3, ...) is decided under: "key policy of the AWS
// managed key alias/aws/s3 (ARN)". The diagnosis reads it to say that
// such a key cannot be shared across accounts.
const AWSManagedKeyPolicy = "key policy of the AWS managed key "

// diagnoseKey explains a refused KMS request: the fourth step of a
// cross-account copy between encrypted buckets is the key's policy and
// the role's KMS permissions (AWS KMS Developer Guide, "Key policies in
// AWS KMS", "Allowing users in other accounts to use a KMS key").
func diagnoseKey(caller *Caller, chk Check, d policy.Decision) string {
	what := chk.Action + " on " + chk.Resource
	if d.Effect == policy.ExplicitDeny {
		return "explicit deny: " + refs(d.Matched) + " denies " + what
	}
	w := who(caller)
	cross := caller != nil && chk.ResourceAccount != "" && chk.ResourceAccount != caller.Account()
	name := chk.ResourcePolicy.Name
	if managed, ok := strings.CutPrefix(name, AWSManagedKeyPolicy); ok && cross {
		alias, _, _ := strings.Cut(managed, " ")
		return "step 4 (the KMS key): " + chk.Resource + " is the AWS managed key " + alias + " of account " + chk.ResourceAccount +
			"; its key policy allows only principals of that account, and AWS managed keys cannot be shared with another account (" +
			w + " is in account " + caller.Account() + "): encrypt with a customer managed key whose key policy allows the other account (" + d.Explain() + ")"
	}
	var parts []string
	for _, m := range d.Missing {
		switch m {
		case policy.SourceIdentity:
			s := "step 4 (the KMS permission): no identity-based policy of " + w + " allows " + what
			if !cross {
				s += " (the key policy delegates " + chk.Action + " to the account's IAM policies)"
			}
			parts = append(parts, s)
		case policy.SourceBoundary:
			parts = append(parts, "the permissions boundary of "+w+" does not allow "+what)
		case policy.SourceSession:
			parts = append(parts, "the session policy of "+caller.ARN()+" (passed when its session was created) does not allow "+what)
		case policy.SourceResource:
			s := "step 4 (the key policy): the " + name + " does not allow " + w + " " + chk.Action
			if cross {
				s += " (a cross-account request needs the key's account " + chk.ResourceAccount + " to allow it in the key policy, naming the account or the principal)"
			} else {
				s += ", nor delegates it to the account's IAM policies (a statement naming arn:aws:iam::" + chk.ResourceAccount + ":root); without that, identity-based policies do not count"
			}
			parts = append(parts, s)
		}
	}
	for _, n := range d.NearMisses {
		parts = append(parts, n.String())
	}
	if len(parts) == 0 {
		return what + ": " + d.Explain()
	}
	return strings.Join(parts, "; ") + " (" + d.Explain() + ")"
}

// isTrust reports whether chk is decided with a role's trust policy
// (AssumeRole and the actions it checks beside it).
func isTrust(chk Check) bool {
	return chk.ResourcePolicy != nil && chk.ResourcePolicy.Policy != nil && chk.ResourcePolicy.Policy.Kind() == policy.KindTrust
}

// who is the principal a diagnosis names: the role behind a role session
// (policies attach to the role), otherwise the caller itself.
func who(c *Caller) string {
	if c == nil || c.Anonymous() {
		return "an anonymous caller"
	}
	if c.Principal.RoleARN != "" {
		return c.Principal.RoleARN
	}
	return c.ARN()
}

func diagnoseAssume(caller *Caller, chk Check, d policy.Decision) string {
	action, roleARN, w := chk.Action, chk.Resource, who(caller)
	if d.Effect == policy.ExplicitDeny {
		return "explicit deny: " + refs(d.Matched) + " denies " + action + " on " + roleARN
	}
	var parts []string
	for _, m := range d.Missing {
		switch m {
		case policy.SourceIdentity:
			parts = append(parts, "step 1 (identity permission): no identity-based policy of "+w+" allows "+action+" on "+roleARN)
		case policy.SourceBoundary:
			parts = append(parts, "the permissions boundary of "+w+" does not allow "+action+" on "+roleARN)
		case policy.SourceSession:
			parts = append(parts, "the session policy of "+caller.ARN()+" (passed when its session was created) does not allow "+action+" on "+roleARN)
		case policy.SourceResource:
			step := "step 2 (trust policy): the trust policy of " + roleARN + " does not allow " + action + " for " + w
			for _, n := range d.NearMisses {
				if n.Source != policy.SourceResource {
					continue
				}
				if principalKey(n.Key) {
					// The statement names the account but narrows it to
					// other principals: still the trust policy's fault.
					step += " (its statement for account " + caller.Account() + " requires " + n.Operator + " " + n.Key + ", which " + w + " does not satisfy)"
				} else {
					step = "step 3 (the call): the trust policy of " + roleARN + " allows " + w + " only when " + n.Operator + " " + n.Key + " holds"
					if !n.Present {
						step += ", and the request has no " + n.Key
					}
				}
				break
			}
			parts = append(parts, step)
		}
	}
	if len(parts) == 0 {
		return d.Explain()
	}
	return strings.Join(parts, "; ")
}

func diagnoseAction(caller *Caller, chk Check, d policy.Decision) string {
	what := chk.Action + " on " + chk.Resource
	if d.Effect == policy.ExplicitDeny {
		return "explicit deny: " + refs(d.Matched) + " denies " + what
	}
	w := who(caller)
	role := caller != nil && caller.Principal.Type == policy.PrincipalAssumedRole
	cross := caller != nil && chk.ResourceAccount != "" && chk.ResourceAccount != caller.Account()
	resName := "the resource-based policy"
	if chk.ResourcePolicy != nil {
		resName = "the " + chk.ResourcePolicy.Name
	}
	var parts []string
	for _, m := range d.Missing {
		switch m {
		case policy.SourceIdentity:
			if role {
				parts = append(parts, "step 3 (the role's permissions): no identity-based policy of "+w+" allows "+what)
			} else {
				parts = append(parts, "no identity-based policy of "+w+" allows "+what)
			}
		case policy.SourceBoundary:
			parts = append(parts, "the permissions boundary of "+w+" does not allow "+what)
		case policy.SourceSession:
			parts = append(parts, "the session policy of "+caller.ARN()+" (passed when its session was created) does not allow "+what)
		case policy.SourceResource:
			var s string
			switch {
			case chk.ResourcePolicy == nil || chk.ResourcePolicy.Policy == nil:
				s = "the resource has no resource-based policy"
				if strings.HasPrefix(chk.Action, "s3:") {
					s = "the bucket has no bucket policy"
				}
				if cross {
					s += ", and a caller from account " + caller.Account() + " needs one that allows " + w + " " + what + " (the resource is in account " + chk.ResourceAccount + ")"
				} else {
					s += " allowing " + w + " " + what
				}
			default:
				s = resName + " does not allow " + w + " " + what
				if cross {
					s += " (a cross-account request needs the resource's account " + chk.ResourceAccount + " to allow it)"
				}
			}
			if role && cross {
				if strings.HasPrefix(chk.Action, "s3:") {
					s = "step 3 (the bucket policy): " + s
				} else {
					s = "step 3 (the resource-based policy): " + s
				}
			}
			parts = append(parts, s)
		}
	}
	for _, n := range d.NearMisses {
		parts = append(parts, n.String())
	}
	if len(parts) == 0 {
		return what + ": " + d.Explain()
	}
	// The policy engine's own words follow, for who reads statements.
	return strings.Join(parts, "; ") + " (" + d.Explain() + ")"
}

// orgAbbrev is how diagnoses name the organization policy types.
var orgAbbrev = map[policy.Source]string{policy.SourceSCP: "SCP", policy.SourceRCP: "RCP"}

// diagnoseOrg says how an SCP or RCP refused chk: the policy and where it
// is attached ("denied by SCP `DenyS3Outside` attached to OU `Workloads`"),
// or the level of the organization where none allows it. It returns ""
// when d was not decided by an organization policy.
func diagnoseOrg(chk Check, d policy.Decision) string {
	what := chk.Action + " on " + chk.Resource
	if d.Effect == policy.ExplicitDeny && len(d.Matched) > 0 {
		r := d.Matched[0]
		if ab := orgAbbrev[r.Source]; ab != "" {
			stmt := fmt.Sprintf("statement %d", r.Index)
			if r.Sid != "" {
				stmt = fmt.Sprintf("statement %q", r.Sid)
			}
			return "denied by " + ab + " `" + r.Policy + "` attached to " + r.Target + ": its " + stmt + " denies " + what +
				", whatever the IAM policies allow"
		}
		return ""
	}
	if d.Effect != policy.ImplicitDeny {
		return ""
	}
	for _, m := range d.Missing {
		ab := orgAbbrev[m]
		if ab == "" {
			continue
		}
		var at []string
		for _, g := range d.Gaps {
			if g.Source == m {
				at = append(at, g.Target)
			}
		}
		return "denied by " + ab + "s: no " + ab + " attached to " + strings.Join(at, ", ") + " allows " + what +
			" (every level from the root to the account needs an " + ab + " that allows it)"
	}
	return ""
}

// refs names the statements of an explicit deny: which statement, in which
// policy.
func refs(rs []policy.StatementRef) string {
	if len(rs) == 0 {
		return "a Deny statement"
	}
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(r.String())
	}
	return b.String()
}

// principalKey reports whether a condition key describes who the caller is
// (the trust policy's business) rather than what the call presents.
func principalKey(k string) bool {
	k = strings.ToLower(k)
	switch k {
	case "aws:principalarn", "aws:principalaccount", "aws:userid", "aws:username", "aws:principalorgid", "aws:principalorgpaths", "aws:principaltype":
		return true
	}
	return strings.HasPrefix(k, "aws:principaltag/")
}

// Recorder keeps the decision trail. The authorizer reports every decision
// it makes; services report, through RecordMissing, the refusals no
// decision saw because the target does not exist. Implementations must
// not block.
type Recorder interface {
	Record(call *Call, chk Check, d policy.Decision, diagnosis string)
}

// RecordMissing reports to the call's trail (if any) that chk could not be
// decided because its target does not exist, with why in users' terms. It
// returns why, for the X-Xacct-Explain header.
func RecordMissing(ctx context.Context, chk Check, why string) string {
	if call := FromContext(ctx); call != nil && call.Trail != nil {
		call.Trail.Record(call, chk, policy.Decision{Effect: policy.ImplicitDeny}, why)
	}
	return why
}

// Nearest returns up to n of candidates closest to name by edit distance
// (case-insensitive), nearest first, ties in name order; candidates more
// than half of name's length away are left out.
func Nearest(name string, candidates []string, n int) []string {
	type scored struct {
		s string
		d int
	}
	max := len(name)/2 + 1
	var out []scored
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(name), strings.ToLower(c)); d <= max {
			out = append(out, scored{c, d})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].d != out[j].d {
			return out[i].d < out[j].d
		}
		return out[i].s < out[j].s
	})
	var names []string
	for i := 0; i < len(out) && i < n; i++ {
		names = append(names, out[i].s)
	}
	return names
}

// editDistance is the Levenshtein distance between a and b in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Listing says which names exist, for a "no such target" diagnosis:
// "LABEL: a, b, c (nearest: x)", "LABEL: none" when there are none. At
// most ten names are listed.
func Listing(label string, name string, names []string) string {
	sort.Strings(names)
	if len(names) == 0 {
		return label + ": none"
	}
	var b strings.Builder
	b.WriteString(label + ": ")
	shown := names
	if len(shown) > 10 {
		shown = shown[:10]
	}
	b.WriteString(strings.Join(shown, ", "))
	if len(names) > len(shown) {
		b.WriteString(", ...")
	}
	if near := Nearest(name, names, 3); len(near) > 0 {
		b.WriteString(" (nearest: " + strings.Join(near, ", ") + ")")
	}
	return b.String()
}
