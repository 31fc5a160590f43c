package policy

import (
	"encoding/base64"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
)

// compiled is a statement prepared for evaluation.
type compiled struct {
	index       int
	deny        bool
	notAction   bool
	actions     []actionPat
	hasResource bool
	notResource bool
	resources   []tmpl
	hasPrinc    bool
	notPrinc    bool
	principals  []principalPat
	conds       []cond
}

// actionPat is a lower-case action pattern with its literal prefix, so most
// non-matching actions are rejected without running the glob.
type actionPat struct {
	pat    string
	prefix string // up to the first wildcard
	exact  bool   // no wildcards at all
}

func newActionPat(a string) actionPat {
	l := strings.ToLower(a)
	i := strings.IndexAny(l, "*?")
	if i < 0 {
		return actionPat{pat: l, prefix: l, exact: true}
	}
	return actionPat{pat: l, prefix: l[:i]}
}

// principal kinds in policies.
type pKind int

const (
	pInvalid   pKind = iota
	pStar            // "*"
	pAccount         // 123456789012 or arn:aws:iam::123456789012:root
	pRole            // arn:aws:iam::123456789012:role/path/name
	pUser            // arn:aws:iam::123456789012:user/path/name
	pSession         // arn:aws:sts::123456789012:assumed-role/name/session
	pFederated       // arn:aws:sts::123456789012:federated-user/name
	pUniqueID        // AROA…, AIDA…
	pService         // lambda.amazonaws.com
	pOther           // Federated and CanonicalUser principals
)

type principalPat struct {
	kind  pKind
	value string // normalised: account id for pAccount
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// kindOfAWSPrincipal classifies a value of Principal.AWS.
func kindOfAWSPrincipal(v string) pKind {
	if v == "*" {
		return pStar
	}
	if len(v) == 12 && isDigits(v) {
		return pAccount
	}
	if len(v) == 21 && (strings.HasPrefix(v, "AROA") || strings.HasPrefix(v, "AIDA")) && isUpperAlnum(v) {
		return pUniqueID
	}
	parts := strings.SplitN(v, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[3] != "" || len(parts[4]) != 12 || !isDigits(parts[4]) {
		return pInvalid
	}
	if strings.ContainsAny(v, "*?") {
		return pInvalid
	}
	res := parts[5]
	switch parts[2] {
	case "iam":
		switch {
		case res == "root":
			return pAccount
		case strings.HasPrefix(res, "role/") && len(res) > 5:
			return pRole
		case strings.HasPrefix(res, "user/") && len(res) > 5:
			return pUser
		}
	case "sts":
		switch {
		case strings.HasPrefix(res, "assumed-role/") && strings.Count(res, "/") >= 2:
			return pSession
		case strings.HasPrefix(res, "federated-user/"):
			return pFederated
		}
	}
	return pInvalid
}

func isUpperAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func compilePrincipals(p Principals) []principalPat {
	var out []principalPat
	types := make([]string, 0, len(p))
	for t := range p {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		for _, v := range p[t] {
			switch {
			case v == "*":
				out = append(out, principalPat{kind: pStar})
			case t == "AWS":
				k := kindOfAWSPrincipal(v)
				val := v
				if k == pAccount && len(v) != 12 {
					val = strings.SplitN(v, ":", 6)[4]
				}
				out = append(out, principalPat{kind: k, value: val})
			case t == "Service":
				out = append(out, principalPat{kind: pService, value: strings.ToLower(v)})
			default:
				out = append(out, principalPat{kind: pOther, value: v})
			}
		}
	}
	return out
}

func compile(st *Statement, index int, vars bool) (compiled, error) {
	c := compiled{index: index, deny: st.Effect == "Deny"}
	acts := st.Action
	if len(st.NotAction) > 0 {
		acts, c.notAction = st.NotAction, true
	}
	for _, a := range acts {
		c.actions = append(c.actions, newActionPat(a))
	}
	res := st.Resource
	if len(st.NotResource) > 0 {
		res, c.notResource = st.NotResource, true
	}
	c.hasResource = len(res) > 0
	for _, r := range res {
		c.resources = append(c.resources, newTmpl(r, vars))
	}
	pr := st.Principal
	if st.NotPrincipal != nil {
		pr, c.notPrinc = st.NotPrincipal, true
	}
	c.hasPrinc = pr != nil
	c.principals = compilePrincipals(pr)
	for _, cd := range st.Conditions {
		cc, err := compileCond(cd, vars)
		if err != nil {
			return c, err
		}
		c.conds = append(c.conds, cc)
	}
	return c, nil
}

// Condition operators.
type opKind int

const (
	opStringEquals opKind = iota
	opStringEqualsIgnoreCase
	opStringLike
	opNumericEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opDateEquals
	opDateLessThan
	opDateLessThanEquals
	opDateGreaterThan
	opDateGreaterThanEquals
	opBool
	opBinaryEquals
	opIPAddress
	opArnLike
	opNull
)

type setKind int

const (
	setNone setKind = iota
	setAny
	setAll
)

// operators maps each operator name (without IfExists and set prefixes) to
// its positive form and whether it is negated (IAM User Guide, "IAM JSON
// policy elements: Condition operators").
var operators = map[string]struct {
	op  opKind
	neg bool
}{
	"StringEquals":              {opStringEquals, false},
	"StringNotEquals":           {opStringEquals, true},
	"StringEqualsIgnoreCase":    {opStringEqualsIgnoreCase, false},
	"StringNotEqualsIgnoreCase": {opStringEqualsIgnoreCase, true},
	"StringLike":                {opStringLike, false},
	"StringNotLike":             {opStringLike, true},
	"NumericEquals":             {opNumericEquals, false},
	"NumericNotEquals":          {opNumericEquals, true},
	"NumericLessThan":           {opNumericLessThan, false},
	"NumericLessThanEquals":     {opNumericLessThanEquals, false},
	"NumericGreaterThan":        {opNumericGreaterThan, false},
	"NumericGreaterThanEquals":  {opNumericGreaterThanEquals, false},
	"DateEquals":                {opDateEquals, false},
	"DateNotEquals":             {opDateEquals, true},
	"DateLessThan":              {opDateLessThan, false},
	"DateLessThanEquals":        {opDateLessThanEquals, false},
	"DateGreaterThan":           {opDateGreaterThan, false},
	"DateGreaterThanEquals":     {opDateGreaterThanEquals, false},
	"Bool":                      {opBool, false},
	"BinaryEquals":              {opBinaryEquals, false},
	"IpAddress":                 {opIPAddress, false},
	"NotIpAddress":              {opIPAddress, true},
	"ArnEquals":                 {opArnLike, false},
	"ArnLike":                   {opArnLike, false},
	"ArnNotEquals":              {opArnLike, true},
	"ArnNotLike":                {opArnLike, true},
	"Null":                      {opNull, false},
}

// cond is one compiled key test.
type cond struct {
	op       opKind
	neg      bool
	ifExists bool
	set      setKind
	key      string // lower-case
	values   []tmpl
	nums     []float64
	dates    []time.Time
	nets     []netip.Prefix
	bins     []string
	valid    []bool // per value: parsed for its type
}

func parseConditions(n *node) ([]Condition, error) {
	if n.kind != kObject {
		return nil, malformed(msgSyntax)
	}
	var out []Condition
	for i, opName := range n.keys {
		block := n.vals[i]
		if block.kind != kObject {
			return nil, malformed(msgSyntax)
		}
		if _, _, _, _, ok := splitOperator(opName); !ok {
			return nil, malformed("Invalid Condition type : " + opName)
		}
		for j, key := range block.keys {
			v := block.vals[j]
			var vals []string
			switch v.kind {
			case kString:
				vals = []string{v.str}
			case kNumber:
				vals = []string{v.num.String()}
			case kBool:
				vals = []string{strconv.FormatBool(v.b)}
			case kArray:
				for _, e := range v.arr {
					switch e.kind {
					case kString:
						vals = append(vals, e.str)
					case kNumber:
						vals = append(vals, e.num.String())
					case kBool:
						vals = append(vals, strconv.FormatBool(e.b))
					default:
						return nil, malformed(msgSyntax)
					}
				}
			default:
				return nil, malformed(msgSyntax)
			}
			out = append(out, Condition{Operator: opName, Key: key, Values: vals})
		}
	}
	return out, nil
}

// splitOperator parses [ForAnyValue:|ForAllValues:]Name[IfExists].
func splitOperator(s string) (op opKind, neg, ifExists bool, set setKind, ok bool) {
	switch {
	case strings.HasPrefix(s, "ForAnyValue:"):
		set, s = setAny, s[len("ForAnyValue:"):]
	case strings.HasPrefix(s, "ForAllValues:"):
		set, s = setAll, s[len("ForAllValues:"):]
	}
	if base, found := strings.CutSuffix(s, "IfExists"); found && base != "Null" {
		s, ifExists = base, true
	}
	o, found := operators[s]
	if !found {
		return 0, false, false, 0, false
	}
	return o.op, o.neg, ifExists, set, true
}

func compileCond(c Condition, vars bool) (cond, error) {
	op, neg, ifExists, set, ok := splitOperator(c.Operator)
	if !ok {
		return cond{}, malformed("Invalid Condition type : " + c.Operator)
	}
	cc := cond{op: op, neg: neg, ifExists: ifExists, set: set, key: strings.ToLower(c.Key)}
	// Variables are substituted in string and ARN comparisons only.
	useVars := vars && (op == opStringEquals || op == opStringEqualsIgnoreCase || op == opStringLike || op == opArnLike)
	for _, v := range c.Values {
		cc.values = append(cc.values, newTmpl(v, useVars))
		switch op {
		case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
			f, err := strconv.ParseFloat(v, 64)
			cc.nums = append(cc.nums, f)
			cc.valid = append(cc.valid, err == nil)
		case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
			t, ok := parseDate(v)
			cc.dates = append(cc.dates, t)
			cc.valid = append(cc.valid, ok)
		case opIPAddress:
			p, ok := parseCIDR(v)
			cc.nets = append(cc.nets, p)
			cc.valid = append(cc.valid, ok)
		case opBinaryEquals:
			b, err := base64.StdEncoding.DecodeString(v)
			cc.bins = append(cc.bins, string(b))
			cc.valid = append(cc.valid, err == nil)
		default:
			cc.valid = append(cc.valid, true)
		}
	}
	return cc, nil
}

// parseDate accepts the ISO 8601 forms and epoch seconds IAM accepts
// (IAM User Guide, "Date condition operators").
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00", "2006-01-02T15:04Z", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if isDigits(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			return time.Unix(n, 0).UTC(), true
		}
	}
	return time.Time{}, false
}

// parseCIDR accepts a CIDR block or a bare address (a /32 or /128).
func parseCIDR(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}
