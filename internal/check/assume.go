package check

import "github.com/xacct/xacct/policy"

// The two sides of sts:AssumeRole, decided with the policy engine: the
// analysis of templates below and the web console's trust graph on the
// emulator's live state (emulator/console) ask the same two questions.

// IdentityStep decides step 1: may principal p, with its identity policies
// ids and permissions boundary (nil for none), call sts:AssumeRole on
// roleARN? Only p's own side is asked (the trust policy is TrustStep's).
func IdentityStep(p policy.Principal, ids []policy.Named, boundary *policy.Named, roleARN string) policy.Decision {
	req := &policy.Request{Principal: p, Action: "sts:AssumeRole", Resource: roleARN, ResourceAccount: p.Account}
	return policy.Evaluate(req, &policy.Set{Identity: ids, Boundary: boundary})
}

// TrustStep decides step 2: does trust, the trust policy of roleARN in
// roleAccount, let principal p call sts:AssumeRole with the condition keys
// in cx (sts:ExternalId, ...)? p's own permissions are IdentityStep's.
func TrustStep(p policy.Principal, roleARN, roleAccount string, trust *policy.Named, cx policy.Context) policy.Decision {
	req := &policy.Request{Principal: p, Action: "sts:AssumeRole", Resource: roleARN, ResourceAccount: roleAccount, Context: cx}
	return policy.Evaluate(req, &policy.Set{Identity: []policy.Named{allowAll}, Resource: trust})
}

// Assume decides sts:AssumeRole as AWS does, both sides in one evaluation
// (the emulator's STS decides the same way): p's identity policies and
// boundary with the role's trust policy as the resource-based policy, in
// the role's account.
func Assume(p policy.Principal, ids []policy.Named, boundary *policy.Named, roleARN, roleAccount string, trust *policy.Named, cx policy.Context) policy.Decision {
	req := &policy.Request{Principal: p, Action: "sts:AssumeRole", Resource: roleARN, ResourceAccount: roleAccount, Context: cx}
	return policy.Evaluate(req, &policy.Set{Identity: ids, Boundary: boundary, Resource: trust})
}
