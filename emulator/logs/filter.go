package logs

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/xacct/xacct/policy"
)

// Filter is a compiled filter pattern (Amazon CloudWatch Logs User Guide,
// "Filter pattern syntax for metric filters, subscription filters, filter
// log events, and Live Tail"): terms, "quoted phrases", -exclusions and
// ?alternatives for unstructured events, and { $.selector op value }
// expressions joined with && and || for JSON events.
type Filter struct {
	all      bool
	required []string
	optional []string
	excluded []string
	json     jsonExpr
}

// Match reports whether a log event's message matches.
func (f *Filter) Match(msg string) bool {
	if f.all {
		return true
	}
	if f.json != nil {
		var v any
		if json.Unmarshal([]byte(msg), &v) != nil {
			return false
		}
		return f.json.eval(v)
	}
	for _, t := range f.required {
		if !strings.Contains(msg, t) {
			return false
		}
	}
	for _, t := range f.excluded {
		if strings.Contains(msg, t) {
			return false
		}
	}
	if len(f.optional) == 0 {
		return true
	}
	for _, t := range f.optional {
		if strings.Contains(msg, t) {
			return true
		}
	}
	return false
}

// errFilter is CloudWatch Logs' refusal of a pattern.
var errFilter = errors.New("Invalid filter pattern")

// ParseFilter compiles a filter pattern.
func ParseFilter(p string) (*Filter, error) {
	p = strings.TrimSpace(p)
	if p == "" || p == `""` {
		return &Filter{all: true}, nil
	}
	if strings.HasPrefix(p, "{") {
		if !strings.HasSuffix(p, "}") {
			return nil, errFilter
		}
		lx := &lexer{s: p[1 : len(p)-1]}
		e, err := lx.parseOr()
		if err != nil {
			return nil, err
		}
		lx.skipSpace()
		if lx.pos != len(lx.s) {
			return nil, fmt.Errorf("%w: unexpected %q", errFilter, lx.s[lx.pos:])
		}
		return &Filter{json: e}, nil
	}
	if strings.HasPrefix(p, "[") {
		return nil, fmt.Errorf("%w: space-delimited patterns are not supported by the emulator", errFilter)
	}
	f := &Filter{}
	for len(p) > 0 {
		p = strings.TrimLeftFunc(p, unicode.IsSpace)
		if p == "" {
			break
		}
		kind := byte(0)
		if p[0] == '-' || p[0] == '?' {
			kind, p = p[0], p[1:]
		}
		var term string
		if strings.HasPrefix(p, `"`) {
			end := strings.IndexByte(p[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("%w: unterminated quote", errFilter)
			}
			term, p = p[1:1+end], p[2+end:]
		} else {
			end := strings.IndexFunc(p, unicode.IsSpace)
			if end < 0 {
				end = len(p)
			}
			term, p = p[:end], p[end:]
		}
		if term == "" {
			continue
		}
		switch kind {
		case '-':
			f.excluded = append(f.excluded, term)
		case '?':
			f.optional = append(f.optional, term)
		default:
			f.required = append(f.required, term)
		}
	}
	return f, nil
}

// jsonExpr is a JSON filter expression.
type jsonExpr interface{ eval(v any) bool }

type andExpr struct{ l, r jsonExpr }
type orExpr struct{ l, r jsonExpr }

func (e andExpr) eval(v any) bool { return e.l.eval(v) && e.r.eval(v) }
func (e orExpr) eval(v any) bool  { return e.l.eval(v) || e.r.eval(v) }

// cmpExpr is $.selector OP value.
type cmpExpr struct {
	path []any // string keys and int indexes
	op   string
	str  *string
	num  *float64
	kind string // "", "null", "notexists", "true", "false"
}

func (e cmpExpr) eval(root any) bool {
	v, ok := lookup(root, e.path)
	switch e.kind {
	case "notexists":
		return !ok
	case "null":
		return ok && v == nil
	case "true", "false":
		b, isBool := v.(bool)
		return ok && isBool && b == (e.kind == "true")
	}
	if !ok {
		return e.op == "!="
	}
	if e.num != nil {
		x, isNum := v.(float64)
		if !isNum {
			return e.op == "!="
		}
		switch e.op {
		case "=":
			return x == *e.num
		case "!=":
			return x != *e.num
		case "<":
			return x < *e.num
		case "<=":
			return x <= *e.num
		case ">":
			return x > *e.num
		case ">=":
			return x >= *e.num
		}
		return false
	}
	s, isStr := v.(string)
	if !isStr {
		if b, ok := v.(bool); ok {
			s, isStr = strconv.FormatBool(b), true
		} else if x, ok := v.(float64); ok {
			s, isStr = strconv.FormatFloat(x, 'f', -1, 64), true
		}
	}
	if !isStr {
		return e.op == "!="
	}
	m := policy.Glob(*e.str, s, false)
	if e.op == "!=" {
		return !m
	}
	return m
}

func lookup(v any, path []any) (any, bool) {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[k]; !ok {
				return nil, false
			}
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil, false
			}
			v = a[k]
		}
	}
	return v, true
}

type lexer struct {
	s   string
	pos int
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.s) && unicode.IsSpace(rune(l.s[l.pos])) {
		l.pos++
	}
}

func (l *lexer) accept(tok string) bool {
	l.skipSpace()
	if strings.HasPrefix(l.s[l.pos:], tok) {
		l.pos += len(tok)
		return true
	}
	return false
}

func (l *lexer) parseOr() (jsonExpr, error) {
	e, err := l.parseAnd()
	if err != nil {
		return nil, err
	}
	for l.accept("||") {
		r, err := l.parseAnd()
		if err != nil {
			return nil, err
		}
		e = orExpr{e, r}
	}
	return e, nil
}

func (l *lexer) parseAnd() (jsonExpr, error) {
	e, err := l.parseTerm()
	if err != nil {
		return nil, err
	}
	for l.accept("&&") {
		r, err := l.parseTerm()
		if err != nil {
			return nil, err
		}
		e = andExpr{e, r}
	}
	return e, nil
}

func (l *lexer) parseTerm() (jsonExpr, error) {
	if l.accept("(") {
		e, err := l.parseOr()
		if err != nil {
			return nil, err
		}
		if !l.accept(")") {
			return nil, fmt.Errorf("%w: missing )", errFilter)
		}
		return e, nil
	}
	if !l.accept("$") {
		return nil, fmt.Errorf("%w: a JSON term starts with $", errFilter)
	}
	var e cmpExpr
	for l.pos < len(l.s) {
		switch l.s[l.pos] {
		case '.':
			l.pos++
			start := l.pos
			for l.pos < len(l.s) && (isIdent(l.s[l.pos])) {
				l.pos++
			}
			if start == l.pos {
				return nil, fmt.Errorf("%w: empty selector", errFilter)
			}
			e.path = append(e.path, l.s[start:l.pos])
			continue
		case '[':
			end := strings.IndexByte(l.s[l.pos:], ']')
			if end < 0 {
				return nil, fmt.Errorf("%w: missing ]", errFilter)
			}
			n, err := strconv.Atoi(l.s[l.pos+1 : l.pos+end])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%w: bad index", errFilter)
			}
			e.path = append(e.path, n)
			l.pos += end + 1
			continue
		}
		break
	}
	l.skipSpace()
	for _, kw := range []struct{ text, kind string }{{"IS NULL", "null"}, {"NOT EXISTS", "notexists"}, {"IS TRUE", "true"}, {"IS FALSE", "false"}} {
		if l.accept(kw.text) {
			e.kind = kw.text
			e.kind = kw.kind
			return e, nil
		}
	}
	for _, op := range []string{"!=", "<=", ">=", "=", "<", ">"} {
		if l.accept(op) {
			e.op = op
			break
		}
	}
	if e.op == "" {
		return nil, fmt.Errorf("%w: missing operator", errFilter)
	}
	l.skipSpace()
	if l.pos < len(l.s) && l.s[l.pos] == '"' {
		end := strings.IndexByte(l.s[l.pos+1:], '"')
		if end < 0 {
			return nil, fmt.Errorf("%w: unterminated quote", errFilter)
		}
		if e.op != "=" && e.op != "!=" {
			return nil, fmt.Errorf("%w: %s needs a number", errFilter, e.op)
		}
		v := l.s[l.pos+1 : l.pos+1+end]
		e.str = &v
		l.pos += end + 2
		return e, nil
	}
	start := l.pos
	for l.pos < len(l.s) && !unicode.IsSpace(rune(l.s[l.pos])) && l.s[l.pos] != ')' && l.s[l.pos] != '&' && l.s[l.pos] != '|' {
		l.pos++
	}
	lit := l.s[start:l.pos]
	if lit == "" {
		return nil, fmt.Errorf("%w: missing value", errFilter)
	}
	if f, err := strconv.ParseFloat(lit, 64); err == nil {
		e.num = &f
		return e, nil
	}
	if e.op != "=" && e.op != "!=" {
		return nil, fmt.Errorf("%w: %s needs a number", errFilter, e.op)
	}
	e.str = &lit
	return e, nil
}

func isIdent(c byte) bool {
	return c == '_' || c == '-' || c == '$' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
