package cfntemplate

import (
	"crypto/sha1" //nolint:gosec // SAM's logical-ID scheme is SHA-1; not used for security.
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// samLogicalID reproduces SAM's LogicalIdGenerator: prefix followed by the
// first 10 hex digits of the SHA-1 of the data rendered as Python's
// json.dumps(data, separators=(",", ":"), sort_keys=True) (strings are
// hashed as they are). Empty data gives the bare prefix. When sha256 is
// set (AutoPublishCodeSha256), its first 10 characters are used instead.
func samLogicalID(prefix string, data *Node, sha256 string) string {
	if sha256 != "" {
		if len(sha256) > 10 {
			sha256 = sha256[:10]
		}
		return prefix + sha256
	}
	if data == nil || isFalsy(data) {
		return prefix
	}
	var s string
	if data.Kind == KindString {
		s = data.Str
	} else {
		var b strings.Builder
		pyJSON(&b, data)
		s = b.String()
	}
	sum := sha1.Sum([]byte(s)) //nolint:gosec
	return prefix + hex.EncodeToString(sum[:])[:10]
}

// isFalsy reports Python falsiness for a JSON value.
func isFalsy(n *Node) bool {
	switch n.Kind {
	case KindNull:
		return true
	case KindString:
		return n.Str == ""
	case KindBool:
		return !n.Bool
	case KindNumber:
		f, err := strconv.ParseFloat(n.Str, 64)
		return err == nil && f == 0
	case KindMap:
		return len(n.Fields) == 0
	case KindList:
		return len(n.Items) == 0
	}
	return false
}

// pyJSON renders n as Python's json.dumps with sort_keys=True, compact
// separators and ensure_ascii=True.
func pyJSON(b *strings.Builder, n *Node) {
	switch n.Kind {
	case KindNull:
		b.WriteString("null")
	case KindBool:
		if n.Bool {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case KindNumber:
		b.WriteString(pyNumber(n.Str))
	case KindString:
		pyString(b, n.Str)
	case KindList:
		b.WriteByte('[')
		for i, it := range n.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			pyJSON(b, it)
		}
		b.WriteByte(']')
	case KindFunc:
		b.WriteByte('{')
		pyString(b, n.Str)
		b.WriteByte(':')
		pyJSON(b, n.Arg)
		b.WriteByte('}')
	case KindMap:
		keys := n.Keys()
		sort.Strings(keys) // UTF-8 byte order is code point order, as Python sorts.
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			pyString(b, k)
			b.WriteByte(':')
			pyJSON(b, n.Get(k))
		}
		b.WriteByte('}')
	}
}

// pyNumber renders a JSON number as Python does after json.loads: integers
// as written, floats with repr().
func pyNumber(lit string) string {
	if !strings.ContainsAny(lit, ".eE") {
		if i, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return strconv.FormatInt(i, 10)
		}
		return lit
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return lit
	}
	return pyFloatRepr(f)
}

// pyFloatRepr is Python's float.__repr__: the shortest round-tripping
// digits, in fixed notation when the exponent is in [-4, 16), scientific
// otherwise.
func pyFloatRepr(f float64) string {
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	i := strings.IndexByte(e, 'e')
	exp, _ := strconv.Atoi(e[i+1:])
	if exp >= -4 && exp < 16 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	mant := e[:i]
	sign := "+"
	if exp < 0 {
		sign = "-"
		exp = -exp
	}
	return fmt.Sprintf("%se%s%02d", mant, sign, exp)
}

func pyString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20 || (r > 0x7e && r < 0x10000):
				fmt.Fprintf(b, `\u%04x`, r)
			case r >= 0x10000:
				r1, r2 := utf16.EncodeRune(r)
				fmt.Fprintf(b, `\u%04x\u%04x`, r1, r2)
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}
