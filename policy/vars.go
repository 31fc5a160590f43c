package policy

import "strings"

// tmpl is a policy string that may contain policy variables (${key},
// ${key, 'default'}, ${*}, ${?}, ${$}); variables are only recognised in
// Version 2012-10-17 documents (IAM User Guide, "IAM policy elements:
// Variables and tags").
type tmpl struct {
	raw   string
	parts []tpart // nil when raw has no variables
}

type tpart struct {
	lit    string
	isVar  bool
	key    string // lower-case
	name   string // the key as written
	def    string
	hasDef bool
}

func newTmpl(s string, vars bool) tmpl {
	t := tmpl{raw: s}
	if !vars || !strings.Contains(s, "${") {
		return t
	}
	rest := s
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			break
		}
		if i > 0 {
			t.parts = append(t.parts, tpart{lit: rest[:i]})
		}
		body := strings.TrimSpace(rest[i+2 : i+j])
		switch body {
		case "*":
			t.parts = append(t.parts, tpart{lit: string(litStar)})
		case "?":
			t.parts = append(t.parts, tpart{lit: string(litQuest)})
		case "$":
			t.parts = append(t.parts, tpart{lit: "$"})
		default:
			p := tpart{isVar: true, key: body}
			if k, d, ok := strings.Cut(body, ","); ok {
				d = strings.TrimSpace(d)
				if len(d) >= 2 && d[0] == '\'' && d[len(d)-1] == '\'' {
					p.key, p.def, p.hasDef = strings.TrimSpace(k), d[1:len(d)-1], true
				}
			}
			p.name, p.key = p.key, strings.ToLower(p.key)
			t.parts = append(t.parts, p)
		}
		rest = rest[i+j+1:]
	}
	if rest != "" {
		t.parts = append(t.parts, tpart{lit: rest})
	}
	return t
}

// expand substitutes the variables from the request. It reports false when
// a variable has no value and no default: the element then does not match.
// Substituted values are literal text (their '*' and '?' are not
// wildcards).
func (t *tmpl) expand(ev *evaluator) (string, bool) {
	if t.parts == nil {
		return t.raw, true
	}
	var b strings.Builder
	for _, p := range t.parts {
		if !p.isVar {
			b.WriteString(p.lit)
			continue
		}
		vals, ok := ev.lookup(p.key)
		var v string
		switch {
		case ok && len(vals) == 1:
			v = vals[0]
		case p.hasDef:
			v = p.def
		default:
			return "", false
		}
		for i := 0; i < len(v); i++ {
			switch v[i] {
			case '*':
				b.WriteByte(litStar)
			case '?':
				b.WriteByte(litQuest)
			default:
				b.WriteByte(v[i])
			}
		}
	}
	return b.String(), true
}

// literal turns a pattern back into plain text (for exact comparisons).
func literal(s string) string {
	if !strings.ContainsAny(s, string([]byte{litStar, litQuest})) {
		return s
	}
	return strings.NewReplacer(string(litStar), "*", string(litQuest), "?").Replace(s)
}
