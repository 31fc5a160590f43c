package policy

// This file holds the package's public contract: the types the emulator, the
// Simulate APIs and `xacct check` build on. Implementations live beside it.

// Kind says which of IAM's rule sets a document is validated under. IAM
// accepts or refuses the same JSON differently depending on where it is
// attached, so the kind is always explicit.
type Kind int

const (
	// KindIdentity is an identity-based policy (inline or managed) attached to
	// a user, group or role: no Principal/NotPrincipal allowed.
	KindIdentity Kind = iota + 1
	// KindResource is a resource-based policy (bucket policy, topic policy,
	// Lambda function policy): Principal or NotPrincipal required.
	KindResource
	// KindTrust is a role trust policy (AssumeRolePolicyDocument): Principal
	// required, no Resource/NotResource.
	KindTrust
	// KindSession is an inline session policy passed to AssumeRole: the
	// identity rules apply.
	KindSession
	// KindBoundary is a permissions boundary: the identity rules apply.
	KindBoundary
	// KindKey is an AWS KMS key policy: validated as a resource-based
	// policy (Principal required), and evaluated as KMS does, as the
	// primary authority over its key. In the key's own account an
	// identity-based policy counts only where the key policy delegates to
	// the account (a statement naming the account, usually as
	// arn:aws:iam::ACCOUNT:root); a key policy naming the caller itself
	// allows on its own (AWS KMS Developer Guide, "Key policies in AWS
	// KMS" and "Default key policy"). Across accounts, as for any
	// resource, both the key policy and the caller's identity-based
	// policies must allow (AWS KMS Developer Guide, "Allowing users in
	// other accounts to use a KMS key").
	KindKey
)

// String returns the kind's name as used in messages.
func (k Kind) String() string {
	switch k {
	case KindIdentity:
		return "identity"
	case KindResource:
		return "resource"
	case KindTrust:
		return "trust"
	case KindSession:
		return "session"
	case KindBoundary:
		return "boundary"
	case KindKey:
		return "key"
	}
	return "unknown"
}

// Effect is the outcome of an evaluation.
type Effect int

const (
	// ImplicitDeny means no statement allowed the request.
	ImplicitDeny Effect = iota
	// Allow means the request is allowed.
	Allow
	// ExplicitDeny means a Deny statement matched the request.
	ExplicitDeny
)

// String returns the effect in the spelling IAM's simulator uses:
// "allowed", "explicitDeny" or "implicitDeny".
func (e Effect) String() string {
	switch e {
	case Allow:
		return "allowed"
	case ExplicitDeny:
		return "explicitDeny"
	}
	return "implicitDeny"
}

// PrincipalType classifies who makes a request.
type PrincipalType int

const (
	// PrincipalAnonymous is an unsigned request.
	PrincipalAnonymous PrincipalType = iota
	// PrincipalRoot is an account's root user.
	PrincipalRoot
	// PrincipalUser is an IAM user.
	PrincipalUser
	// PrincipalAssumedRole is a role session issued by STS.
	PrincipalAssumedRole
	// PrincipalService is an AWS service principal such as lambda.amazonaws.com.
	PrincipalService
	// PrincipalFederatedUser is a session from GetFederationToken.
	PrincipalFederatedUser
)

// Principal is the identity a request is evaluated for.
type Principal struct {
	Type PrincipalType
	// ARN is the caller's ARN: arn:aws:iam::111111111111:root,
	// arn:aws:iam::111111111111:user/alice,
	// arn:aws:sts::111111111111:assumed-role/NAME/SESSION.
	ARN string
	// Account is the caller's 12-digit account id (empty for services and
	// anonymous callers).
	Account string
	// RoleARN is, for role sessions, the ARN of the role that was assumed
	// (arn:aws:iam::111111111111:role/path/NAME). Resource policies that name
	// the role ARN match its sessions.
	RoleARN string
	// UniqueID is aws:userid: AIDA… for users, AROA…:SESSION for role
	// sessions, the account id for root.
	UniqueID string
	// Service is the service principal name for PrincipalService.
	Service string
	// Tags are the principal's tags (user or role tags, overridden by session
	// tags), exposed as aws:PrincipalTag/KEY.
	Tags map[string]string
}

// Request is one authorization question: may Principal perform Action on
// Resource, given the condition keys in Context?
type Request struct {
	Principal Principal
	// Action is "service:Operation", e.g. "s3:GetObject"; matched
	// case-insensitively.
	Action string
	// Resource is the resource ARN, or "*" for actions without one.
	Resource string
	// ResourceAccount is the account that owns the resource. When it differs
	// from Principal.Account the request is cross-account and needs an allow
	// from both sides. Empty means the principal's own account.
	ResourceAccount string
	// Context holds the request's condition keys (aws:SourceIp,
	// aws:CurrentTime, s3:prefix, sts:ExternalId, ...). Keys derived from the
	// principal (aws:PrincipalArn, aws:PrincipalAccount, aws:userid,
	// aws:username, aws:PrincipalType, aws:PrincipalTag/*) are supplied by the
	// evaluator from Principal and need not be set.
	Context Context
	// ContextOnly makes the evaluator take every condition key and policy
	// variable from Context, deriving none from Principal: the IAM policy
	// simulator's rule, where ContextEntries supply every key the policies
	// use. Principal still decides Principal elements and the cross-account
	// rule.
	ContextOnly bool
}

// Named is a parsed policy with the name it is reported under in decisions:
// a managed policy ARN, "ROLE/INLINE-NAME" for inline policies, "trust
// policy", "bucket policy", and so on.
type Named struct {
	Name   string
	Policy *Policy
	// ARN is the policy's ARN where AWS names it in an AccessDenied (an
	// SCP's or RCP's arn:aws:organizations::…:policy/…); empty otherwise.
	ARN string
}

// Set is every policy that applies to one request.
type Set struct {
	// Identity holds the principal's identity-based policies (inline and
	// attached managed policies, group policies for users).
	Identity []Named
	// Boundary is the principal's permissions boundary, if any.
	Boundary *Named
	// Session holds session policies (AssumeRole's Policy and PolicyArns), if
	// the principal is a session created with any.
	Session []Named
	// Resource is the resource-based policy of the resource (bucket policy,
	// role trust policy, topic policy, key policy), if any.
	Resource *Named
	// Grants are the AWS KMS grants of the key a request uses, each as a
	// policy (KindKey) whose one Allow statement names the grantee
	// principal, the grant's operations and its constraints as
	// conditions. A grant allows its grantee on its own, as a key policy
	// naming the grantee does, even across accounts; an explicit deny in
	// any other policy still wins (AWS KMS Developer Guide, "Grants in
	// AWS KMS").
	Grants []Named
	// SCP holds, when the principal belongs to a member account of an
	// organization, the service control policies of each level of its
	// account's path: the root, each OU, the account. Every level must
	// allow (AWS Organizations User Guide, "SCP evaluation"). Nil: no SCPs
	// apply (no organization, the management account, a service principal
	// or a service-linked role).
	SCP []OrgLevel
	// RCP holds, when the resource belongs to a member account and its
	// service supports RCPs, the resource control policies of each level
	// of the resource account's path, each of which must allow (AWS
	// Organizations User Guide, "RCP evaluation"). RCPs are evaluated like
	// resource-based policies: their Principal element is matched.
	RCP []OrgLevel
}

// OrgLevel is the organization policies of one type attached to one node
// of an account's path in its organization.
type OrgLevel struct {
	// Target names the node as explanations show it: "root `Root`",
	// "OU `Workloads`", "account `222222222222`".
	Target string
	// Policies are the policies attached to the node, by name.
	Policies []Named
}

// OrgGap is a level of an organization path whose policies of one type
// allow nothing for the request.
type OrgGap struct {
	Source Source // SourceSCP or SourceRCP
	Target string // the OrgLevel's Target
}

// Source names a part of a Set, used when explaining decisions.
type Source string

// Sources of policies in a Set.
const (
	SourceIdentity Source = "identity-based policy"
	SourceBoundary Source = "permissions boundary"
	SourceSession  Source = "session policy"
	SourceResource Source = "resource-based policy"
	SourceGrant    Source = "grant"
	SourceSCP      Source = "service control policy"
	SourceRCP      Source = "resource control policy"
)

// StatementRef identifies one statement that took part in a decision.
type StatementRef struct {
	Source Source
	// Policy is the Named.Name of the policy holding the statement.
	Policy string
	// Sid is the statement's Sid, if it has one.
	Sid string
	// Index is the statement's zero-based position in the policy.
	Index int
	// Effect is the statement's effect (Allow or ExplicitDeny).
	Effect Effect
	// Target is, for an SCP or RCP, where the policy is attached (an
	// OrgLevel's Target); empty otherwise.
	Target string
	// PolicyARN is the Named.ARN of the policy holding the statement.
	PolicyARN string
}

// Decision is the evaluator's answer with its reasons.
type Decision struct {
	Effect Effect
	// Matched lists the statements that decided the outcome: the denying
	// statements for ExplicitDeny, the allowing ones for Allow.
	Matched []StatementRef
	// Missing lists, for ImplicitDeny, the sources whose allow was needed and
	// absent (e.g. SourceResource for a cross-account request whose resource
	// policy does not allow it).
	Missing []Source
	// NearMisses lists, for ImplicitDeny, Allow statements that matched the
	// principal, action and resource but not a condition: the usual cause
	// of a denial that "should" have been allowed (a missing sts:ExternalId,
	// an aws:PrincipalArn naming another role).
	NearMisses []NearMiss
	// Gaps lists, for an ImplicitDeny by SCPs or RCPs (Missing holds
	// SourceSCP or SourceRCP), the levels of the organization path where no
	// policy of that type allows the request.
	Gaps []OrgGap
}

// NearMiss is an Allow statement defeated by one of its conditions.
type NearMiss struct {
	StatementRef
	// Operator and Key name the first condition that failed.
	Operator string
	Key      string
	// Present reports whether the request had the key at all.
	Present bool
}

// Allowed reports whether the decision is Allow.
func (d Decision) Allowed() bool { return d.Effect == Allow }

// Context holds a request's condition keys. Keys are case-insensitive; each
// key has one or more values (multivalued keys such as aws:TagKeys have
// several). The zero value is an empty context ready to use.
type Context struct {
	keys map[string][]string
}

// Set stores values under key, replacing what was there.
func (c *Context) Set(key string, values ...string) {
	if c.keys == nil {
		c.keys = make(map[string][]string)
	}
	c.keys[lowerASCII(key)] = values
}

// Get returns the values of key and whether it is present.
func (c *Context) Get(key string) ([]string, bool) {
	v, ok := c.keys[lowerASCII(key)]
	return v, ok
}

// Len returns the number of keys set.
func (c *Context) Len() int { return len(c.keys) }

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
