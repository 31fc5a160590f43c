package s3

import (
	"net/netip"
	"strings"

	"github.com/xacct/xacct/policy"
)

// This file decides what S3 calls public (Amazon S3 User Guide, "Blocking
// public access to your Amazon S3 storage": "The meaning of 'public'").

// narrowingKeys are the condition keys that, compared with fixed values,
// make a statement granting to everyone non-public. The comparison is on
// lower-case names.
var narrowingKeys = map[string]bool{
	"aws:sourceip":              true,
	"aws:sourcearn":             true,
	"aws:sourcevpc":             true,
	"aws:sourcevpce":            true,
	"aws:sourceowner":           true,
	"aws:sourceaccount":         true,
	"aws:userid":                true,
	"aws:principalaccount":      true,
	"aws:principalarn":          true,
	"aws:principalorgid":        true,
	"s3:dataaccesspointarn":     true,
	"s3:dataaccesspointaccount": true,
	"s3:x-amz-server-side-encryption-aws-kms-key-id": true,
}

// narrowingOperators compare a key with the policy's values positively;
// negated operators ("StringNotEquals") and Null narrow nothing.
var narrowingOperators = map[string]bool{
	"stringequals": true, "stringequalsignorecase": true, "stringlike": true,
	"arnequals": true, "arnlike": true, "ipaddress": true,
}

// isPublic reports whether a bucket policy is public: S3 starts from
// public and calls a policy non-public only when every Allow statement
// grants to fixed principals, or narrows "*" with a condition on a fixed
// value of a key that pins the caller or its network (a principal,
// account, organization, source ARN, VPC, endpoint, IP range, user id
// outside "AROLEID:*").
func isPublic(p *policy.Policy) bool {
	if p == nil {
		return false
	}
	for _, st := range p.Statements() {
		if st.Effect != "Allow" {
			continue
		}
		if grantsEveryone(st) && !narrowed(st.Conditions) {
			return true
		}
	}
	return false
}

// grantsEveryone reports whether a statement's principal is "*" (or an
// Allow with NotPrincipal, which grants to everyone else).
func grantsEveryone(st policy.Statement) bool {
	if st.NotPrincipal != nil {
		return true
	}
	for _, vs := range st.Principal {
		for _, v := range vs {
			if v == "*" {
				return true
			}
		}
	}
	return false
}

func narrowed(conds []policy.Condition) bool {
	for _, c := range conds {
		op := strings.ToLower(c.Operator)
		op = strings.TrimPrefix(strings.TrimPrefix(op, "foranyvalue:"), "forallvalues:")
		op = strings.TrimSuffix(op, "ifexists")
		key := strings.ToLower(c.Key)
		if !narrowingOperators[op] || !narrowingKeys[key] || len(c.Values) == 0 {
			continue
		}
		fixed := true
		for _, v := range c.Values {
			if !fixedValue(key, v) {
				fixed = false
			}
		}
		if fixed {
			return true
		}
	}
	return false
}

// fixedValue reports whether a condition value names something specific:
// no wildcard, no policy variable, no IP range covering every address,
// and for aws:userid not the "AROLEID:*" pattern of a whole role.
func fixedValue(key, v string) bool {
	if strings.ContainsAny(v, "*?") || strings.Contains(v, "${") || v == "" {
		return false
	}
	if key == "aws:sourceip" {
		pfx, err := netip.ParsePrefix(v)
		if err != nil {
			a, err := netip.ParseAddr(v)
			return err == nil && a.IsValid()
		}
		return pfx.Bits() > 0
	}
	return true
}

// publicCannedACLs grant to the AllUsers or AuthenticatedUsers groups,
// which S3 calls public.
var publicCannedACLs = map[string]bool{"public-read": true, "public-read-write": true, "authenticated-read": true}

// publicGrantee reports whether an ACL grant header or grantee names the
// AllUsers or AuthenticatedUsers group.
func publicGrantee(v string) bool {
	return strings.Contains(v, "acs.amazonaws.com/groups/global/AllUsers") ||
		strings.Contains(v, "acs.amazonaws.com/groups/global/AuthenticatedUsers")
}
