// Package policy is the IAM policy language: it parses and validates
// policy documents as IAM does (identity, resource, trust, session and
// boundary documents each under their own rules), and evaluates requests as
// AWS does — explicit deny first, then the same-account and cross-account
// rules for resource-based policies, permissions boundaries, session
// policies and identity-based policies — explaining every decision.
//
// It is pure: no I/O, no SDK, no storage. See Example for the seeds'
// cross-account AssumeRole.
//
// Condition keys derived from Request.Principal are supplied by the
// evaluator and need not be in Request.Context: aws:PrincipalArn (the role
// ARN for role sessions), aws:PrincipalAccount, aws:PrincipalType,
// aws:userid, aws:username (IAM users only), aws:PrincipalTag/KEY,
// aws:PrincipalServiceName (service principals) and aws:ResourceAccount
// (from Request.ResourceAccount unless the context sets it).
package policy
