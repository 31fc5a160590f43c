package policy

import (
	"strings"
	"unicode"
)

// Position is a 1-based line and column in a policy document.
type Position struct {
	Line   int
	Column int
}

// Principals maps a principal type ("AWS", "Service", "Federated",
// "CanonicalUser") to its values; a bare "*" principal is {"*": ["*"]}.
type Principals map[string][]string

// Condition is one key test of a statement's Condition block.
type Condition struct {
	// Operator is as written, e.g. "ForAnyValue:StringLikeIfExists".
	Operator string
	// Key is the condition key as written.
	Key string
	// Values are the policy values, numbers and booleans in their JSON text.
	Values []string
}

// Statement is a read-only view of one parsed statement.
type Statement struct {
	Sid          string
	Effect       string // "Allow" or "Deny"
	Principal    Principals
	NotPrincipal Principals
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	Conditions   []Condition
	// Start and End delimit the statement's object in the document text.
	Start Position
	End   Position

	c compiled
}

// Policy is a parsed, validated policy document. It is immutable and safe
// for concurrent use.
type Policy struct {
	text    string
	kind    Kind
	version string
	id      string
	stmts   []Statement
}

// Text returns the document as given to Parse.
func (p *Policy) Text() string { return p.text }

// Kind returns the rules the document was validated under.
func (p *Policy) Kind() Kind { return p.kind }

// Version returns the Version element ("" when absent).
func (p *Policy) Version() string { return p.version }

// ID returns the Id element.
func (p *Policy) ID() string { return p.id }

// Statements returns the statements in document order. The slice must not
// be modified.
func (p *Policy) Statements() []Statement { return p.stmts }

// Size limits IAM and S3 enforce (IAM User Guide, "IAM and AWS STS quotas";
// Amazon S3 User Guide, "Bucket policies": 20 KB).
const (
	maxTrustSize    = 2048
	maxResourceSize = 20 * 1024
	maxKeySize      = 32 * 1024 // AWS KMS Developer Guide, "Quotas": key policy document size
	// MaxManagedSize is the quota for a managed policy, in characters
	// without white space.
	MaxManagedSize = 6144
)

// PackedLen is a document's length in characters without white space, as
// IAM counts it against its quotas.
func PackedLen(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// Parse parses doc and validates it under kind's rules, returning IAM's
// refusal (*Error) for a document IAM would refuse.
func Parse(doc string, kind Kind) (*Policy, error) {
	switch kind {
	case KindTrust:
		if PackedLen(doc) > maxTrustSize {
			return nil, &Error{Code: "LimitExceeded", Message: "Cannot exceed quota for ACLSizePerRole: 2048"}
		}
	case KindResource:
		if len(doc) > maxResourceSize {
			return nil, malformed("Policies must be less than 20 KB")
		}
	case KindKey:
		if len(doc) > maxKeySize {
			return nil, malformed("Policies must be less than 32 KB")
		}
	case KindIdentity, KindSession, KindBoundary:
	default:
		return nil, malformed("unknown policy kind")
	}
	root, err := parseTree([]byte(doc))
	if err != nil || root.kind != kObject {
		return nil, malformed(msgSyntax)
	}
	p := &Policy{text: doc, kind: kind}
	var stmtNode *node
	for i, k := range root.keys {
		v := root.vals[i]
		switch k {
		case "Version":
			if v.kind != kString || (v.str != "2012-10-17" && v.str != "2008-10-17") {
				return nil, malformed(msgSyntax)
			}
			p.version = v.str
		case "Id":
			if v.kind != kString {
				return nil, malformed(msgSyntax)
			}
			p.id = v.str
		case "Statement":
			stmtNode = v
		default:
			return nil, malformed(msgSyntax)
		}
	}
	if stmtNode == nil {
		return nil, malformed(msgSyntax)
	}
	var list []*node
	switch stmtNode.kind {
	case kObject:
		list = []*node{stmtNode}
	case kArray:
		list = stmtNode.arr
	default:
		return nil, malformed(msgSyntax)
	}
	if len(list) == 0 {
		return nil, malformed(msgEmptyStatements)
	}
	sids := map[string]bool{}
	for i, n := range list {
		st, err := p.statement(n, i)
		if err != nil {
			return nil, err
		}
		if st.Sid != "" {
			if sids[st.Sid] {
				return nil, malformed(msgSidUnique)
			}
			sids[st.Sid] = true
		}
		p.stmts = append(p.stmts, st)
	}
	return p, nil
}

// iamKind reports whether IAM itself stores the document (its stricter Sid
// rule applies), rather than a service's resource policy.
func (k Kind) iamKind() bool { return k != KindResource && k != KindKey }

func (p *Policy) statement(n *node, index int) (Statement, error) {
	if n.kind != kObject {
		return Statement{}, malformed(msgSyntax)
	}
	st := Statement{Start: position(p.text, n.start), End: position(p.text, n.end)}
	var err error
	var haveEffect bool
	for i, k := range n.keys {
		v := n.vals[i]
		switch k {
		case "Sid":
			if v.kind != kString {
				return st, malformed(msgSyntax)
			}
			st.Sid = v.str
			if p.kind.iamKind() && !isAlnum(v.str) {
				return st, malformed(msgSidAlnum)
			}
		case "Effect":
			if v.kind != kString {
				return st, malformed(msgSyntax)
			}
			if v.str != "Allow" && v.str != "Deny" {
				return st, malformed("Invalid effect: " + v.str)
			}
			st.Effect, haveEffect = v.str, true
		case "Principal":
			if st.Principal, err = parsePrincipals(v); err != nil {
				return st, err
			}
		case "NotPrincipal":
			if st.NotPrincipal, err = parsePrincipals(v); err != nil {
				return st, err
			}
		case "Action":
			if st.Action, err = stringList(v); err != nil {
				return st, err
			}
		case "NotAction":
			if st.NotAction, err = stringList(v); err != nil {
				return st, err
			}
		case "Resource":
			if st.Resource, err = stringList(v); err != nil {
				return st, err
			}
		case "NotResource":
			if st.NotResource, err = stringList(v); err != nil {
				return st, err
			}
		case "Condition":
			if st.Conditions, err = parseConditions(v); err != nil {
				return st, err
			}
		default:
			return st, malformed(msgSyntax)
		}
	}
	if !haveEffect {
		return st, malformed(msgMissingEffect)
	}
	if err := p.checkStatement(&st, n); err != nil {
		return st, err
	}
	st.c, err = compile(&st, index, p.version == "2012-10-17")
	return st, err
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// checkStatement applies the rules that depend on the document's kind.
func (p *Policy) checkStatement(st *Statement, n *node) error {
	_, hasP := n.get("Principal")
	_, hasNP := n.get("NotPrincipal")
	_, hasA := n.get("Action")
	_, hasNA := n.get("NotAction")
	_, hasR := n.get("Resource")
	_, hasNR := n.get("NotResource")
	if (hasP && hasNP) || (hasA && hasNA) || (hasR && hasNR) {
		return malformed(msgSyntax)
	}
	switch p.kind {
	case KindIdentity, KindSession, KindBoundary:
		if hasP || hasNP {
			return malformed(msgNoPrincipal)
		}
	case KindResource, KindTrust, KindKey:
		if !hasP && !hasNP {
			return malformed(msgMissingPrinc)
		}
	}
	if (!hasA && !hasNA) || len(st.Action)+len(st.NotAction) == 0 {
		return malformed(msgNeedActions)
	}
	for _, a := range append(append([]string(nil), st.Action...), st.NotAction...) {
		if err := checkAction(a); err != nil {
			return err
		}
	}
	if p.kind == KindTrust {
		if hasR || hasNR {
			return malformed(msgProhibitedRes)
		}
		for _, a := range st.Action {
			if !trustAction(a) {
				return malformed(msgTrustActions)
			}
		}
	} else {
		if (!hasR && !hasNR) || len(st.Resource)+len(st.NotResource) == 0 {
			return malformed(msgNeedResources)
		}
		for _, r := range append(append([]string(nil), st.Resource...), st.NotResource...) {
			if err := checkResource(r); err != nil {
				return err
			}
		}
	}
	for _, pr := range []Principals{st.Principal, st.NotPrincipal} {
		if err := checkPrincipals(pr); err != nil {
			return err
		}
	}
	for _, c := range st.Conditions {
		if !strings.Contains(c.Key, ":") {
			return malformed(msgVendor)
		}
	}
	return nil
}

// checkAction accepts "*" and "vendor:pattern".
func checkAction(a string) error {
	if a == "*" {
		return nil
	}
	vendor, rest, ok := strings.Cut(a, ":")
	if !ok || vendor == "" || rest == "" {
		return malformed(msgVendor)
	}
	for i := 0; i < len(vendor); i++ {
		c := vendor[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '*' || c == '?') {
			return malformed(msgVendor)
		}
	}
	return nil
}

// trustAction reports whether a is an action a trust policy may name
// (IAM User Guide, "Role trust policies": sts:AssumeRole*, sts:TagSession,
// sts:SetSourceIdentity, sts:SetContext).
func trustAction(a string) bool {
	l := strings.ToLower(a)
	if l == "*" || l == "sts:*" {
		return true
	}
	if !strings.HasPrefix(l, "sts:") {
		return false
	}
	l = l[4:]
	return strings.HasPrefix(l, "assumerole") || l == "tagsession" || l == "setsourceidentity" || l == "setcontext" ||
		strings.ContainsAny(l, "*?")
}

// checkResource accepts "*" and ARNs ("arn:partition:service:region:account:resource").
func checkResource(r string) error {
	if r == "*" {
		return nil
	}
	if !strings.HasPrefix(r, "arn:") || strings.Count(r, ":") < 5 {
		return malformed("Resource " + r + " must be in ARN format or \"*\".")
	}
	return nil
}

func stringList(n *node) ([]string, error) {
	switch n.kind {
	case kString:
		return []string{n.str}, nil
	case kArray:
		out := make([]string, 0, len(n.arr))
		for _, e := range n.arr {
			if e.kind != kString {
				return nil, malformed(msgSyntax)
			}
			out = append(out, e.str)
		}
		return out, nil
	}
	return nil, malformed(msgSyntax)
}

func parsePrincipals(n *node) (Principals, error) {
	if n.kind == kString {
		if n.str != "*" {
			return nil, malformed(msgSyntax)
		}
		return Principals{"*": {"*"}}, nil
	}
	if n.kind != kObject || len(n.keys) == 0 {
		return nil, malformed(msgSyntax)
	}
	out := Principals{}
	for i, k := range n.keys {
		switch k {
		case "AWS", "Service", "Federated", "CanonicalUser":
		default:
			return nil, malformed(msgSyntax)
		}
		vals, err := stringList(n.vals[i])
		if err != nil {
			return nil, err
		}
		out[k] = vals
	}
	return out, nil
}

func invalidPrincipal(typ, v string) error {
	return malformed(`Invalid principal in policy: "` + strings.ToUpper(typ) + `":"` + v + `"`)
}

// checkPrincipals validates principal values: "*" is the only wildcard;
// AWS principals are account ids, IAM/STS ARNs or unique ids (IAM User
// Guide, "AWS JSON policy elements: Principal").
func checkPrincipals(p Principals) error {
	for typ, vals := range p {
		for _, v := range vals {
			if v == "*" {
				continue
			}
			switch typ {
			case "AWS":
				if kindOfAWSPrincipal(v) == pInvalid {
					return invalidPrincipal(typ, v)
				}
			case "Service":
				if v == "" || strings.ContainsAny(v, "*? ") || !strings.Contains(v, ".") {
					return invalidPrincipal(typ, v)
				}
			case "Federated", "CanonicalUser":
				if v == "" || strings.ContainsAny(v, "*?") {
					return invalidPrincipal(typ, v)
				}
			case "*":
				return malformed(msgSyntax)
			}
		}
	}
	return nil
}

// ContextKeys returns the condition keys the statement tests and the
// policy variables its Resource, NotResource and condition values use, as
// written, each once (compared case-insensitively), in order of
// appearance. The IAM policy simulator lists those it was not given as
// MissingContextValues.
func (s *Statement) ContextKeys() []string {
	var keys []string
	seen := map[string]bool{}
	add := func(k string) {
		if l := strings.ToLower(k); !seen[l] {
			seen[l] = true
			keys = append(keys, k)
		}
	}
	vars := func(ts []tmpl) {
		for _, t := range ts {
			for _, p := range t.parts {
				if p.isVar {
					add(p.name)
				}
			}
		}
	}
	vars(s.c.resources)
	for i, c := range s.Conditions {
		add(c.Key)
		if i < len(s.c.conds) {
			vars(s.c.conds[i].values)
		}
	}
	return keys
}

// MatchesAction reports whether the statement's Action (or NotAction)
// element covers action ("service:Operation", matched case-insensitively).
func (s *Statement) MatchesAction(action string) bool {
	hit := false
	for i := range s.c.actions {
		if matchAction(&s.c.actions[i], action) {
			hit = true
			break
		}
	}
	return hit != s.c.notAction
}
