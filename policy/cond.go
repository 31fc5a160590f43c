package policy

import (
	"bytes"
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"
)

// values is a condition key's values without allocating for the common
// single-valued case.
type values struct {
	one    string
	many   []string
	single bool
}

func (v values) n() int {
	if v.single {
		return 1
	}
	return len(v.many)
}

func (v values) at(i int) string {
	if v.single {
		return v.one
	}
	return v.many[i]
}

func one(s string) (values, bool) { return values{one: s, single: true}, true }

// Keys the evaluator derives from Request.Principal (IAM User Guide, "AWS
// global condition context keys"). For a role session aws:PrincipalArn is
// the role's ARN, not the session's.
func (ev *evaluator) derived(key string) (values, bool, bool) {
	pr := &ev.req.Principal
	if ev.req.ContextOnly && key != "aws:resourceaccount" {
		return values{}, false, false
	}
	switch key {
	case "aws:principalarn":
		switch pr.Type {
		case PrincipalAssumedRole:
			v, ok := one(pr.RoleARN)
			return v, ok && pr.RoleARN != "", true
		case PrincipalService, PrincipalAnonymous:
			return values{}, false, true
		}
		v, ok := one(pr.ARN)
		return v, ok && pr.ARN != "", true
	case "aws:principalaccount":
		v, ok := one(pr.Account)
		return v, ok && pr.Account != "", true
	case "aws:principaltype":
		t := ""
		switch pr.Type {
		case PrincipalRoot:
			t = "Account"
		case PrincipalUser:
			t = "User"
		case PrincipalAssumedRole:
			t = "AssumedRole"
		case PrincipalFederatedUser:
			t = "FederatedUser"
		case PrincipalAnonymous:
			t = "Anonymous"
		}
		v, ok := one(t)
		return v, ok && t != "", true
	case "aws:userid":
		id := pr.UniqueID
		if pr.Type == PrincipalAnonymous {
			id = "anonymous"
		}
		v, ok := one(id)
		return v, ok && id != "", true
	case "aws:username":
		if pr.Type != PrincipalUser {
			return values{}, false, true
		}
		name := pr.ARN[strings.LastIndexByte(pr.ARN, '/')+1:]
		v, ok := one(name)
		return v, ok, true
	case "aws:principalservicename":
		if pr.Type != PrincipalService {
			return values{}, false, true
		}
		v, ok := one(pr.Service)
		return v, ok, true
	case "aws:resourceaccount":
		if _, ok := ev.req.Context.keys[key]; ok {
			return values{}, false, false
		}
		a := ev.req.ResourceAccount
		if a == "" {
			a = pr.Account
		}
		v, ok := one(a)
		return v, ok && a != "", true
	}
	if tag, ok := strings.CutPrefix(key, "aws:principaltag/"); ok {
		for k, val := range pr.Tags {
			if equalFold(k, tag) {
				v, _ := one(val)
				return v, true, true
			}
		}
		return values{}, false, true
	}
	return values{}, false, false
}

// lookup returns a condition key's values (key in lower case).
func (ev *evaluator) lookupValues(key string) (values, bool) {
	if v, ok, handled := ev.derived(key); handled {
		return v, ok
	}
	vs, ok := ev.req.Context.keys[key]
	if !ok {
		return values{}, false
	}
	return values{many: vs}, true
}

// lookup returns a key's values as a slice, for policy variables.
func (ev *evaluator) lookup(key string) ([]string, bool) {
	v, ok := ev.lookupValues(key)
	if !ok {
		return nil, false
	}
	if v.single {
		ev.scratch[0] = v.one
		return ev.scratch[:], true
	}
	return v.many, true
}

// condition evaluates one key test (IAM User Guide, "Condition operators"
// and "Single-valued vs. multivalued context keys").
func (ev *evaluator) condition(c *cond) bool {
	vals, ok := ev.lookupValues(c.key)
	present := ok && vals.n() > 0
	if c.op == opNull {
		for _, t := range c.values {
			want := strings.EqualFold(t.raw, "true")
			if want != present {
				return true
			}
		}
		return false
	}
	switch c.set {
	case setAny:
		if !present {
			return c.ifExists
		}
		for i := 0; i < vals.n(); i++ {
			if ev.matchAny(c, vals.at(i)) != c.neg {
				return true
			}
		}
		return false
	case setAll:
		if !present {
			return true
		}
		for i := 0; i < vals.n(); i++ {
			if ev.matchAny(c, vals.at(i)) == c.neg {
				return false
			}
		}
		return true
	}
	if !present {
		// A missing key fails a positive test and passes a negated one;
		// …IfExists passes either way.
		return c.ifExists || c.neg
	}
	hit := false
	for i := 0; i < vals.n() && !hit; i++ {
		hit = ev.matchAny(c, vals.at(i))
	}
	return hit != c.neg
}

// matchAny reports whether the context value v satisfies the positive form
// of c's operator for at least one policy value.
func (ev *evaluator) matchAny(c *cond, v string) bool {
	switch c.op {
	case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false
		}
		for i, p := range c.nums {
			if c.valid[i] && cmpOrdered(c.op-opNumericEquals, x, p) {
				return true
			}
		}
		return false
	case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
		t, ok := parseDate(v)
		if !ok {
			return false
		}
		for i, p := range c.dates {
			if c.valid[i] && cmpOrdered(c.op-opDateEquals, t.UnixNano(), p.UnixNano()) {
				return true
			}
		}
		return false
	case opIPAddress:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for i, n := range c.nets {
			if c.valid[i] && n.Contains(a) {
				return true
			}
		}
		return false
	case opBinaryEquals:
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			b = []byte(v)
		}
		for i, p := range c.bins {
			if c.valid[i] && bytes.Equal(b, []byte(p)) {
				return true
			}
		}
		return false
	case opBool:
		for _, t := range c.values {
			if strings.EqualFold(t.raw, v) {
				return true
			}
		}
		return false
	}
	for i := range c.values {
		pat, ok := c.values[i].expand(ev)
		if !ok {
			continue
		}
		switch c.op {
		case opStringEquals:
			if literal(pat) == v {
				return true
			}
		case opStringEqualsIgnoreCase:
			if strings.EqualFold(literal(pat), v) {
				return true
			}
		case opStringLike:
			if Glob(pat, v, false) {
				return true
			}
		case opArnLike:
			if ArnMatch(pat, v) {
				return true
			}
		}
	}
	return false
}

// cmpOrdered applies the comparison at offset k in the
// Equals, LessThan, LessThanEquals, GreaterThan, GreaterThanEquals order:
// context value x against policy value p.
func cmpOrdered[T int64 | float64](k opKind, x, p T) bool {
	switch k {
	case 0:
		return x == p
	case 1:
		return x < p
	case 2:
		return x <= p
	case 3:
		return x > p
	case 4:
		return x >= p
	}
	return false
}
