package policy

import (
	"strings"
	"unicode/utf8"
)

// Markers for a literal '*' or '?' produced by the ${*} and ${?} policy
// variables (and by substituted values), which must not act as wildcards.
const (
	litStar  = '\x01'
	litQuest = '\x02'
)

func foldByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func eqByte(a, b byte, fold bool) bool {
	if a == litStar {
		a = '*'
	} else if a == litQuest {
		a = '?'
	}
	if fold {
		return foldByte(a) == foldByte(b)
	}
	return a == b
}

// Glob reports whether s matches pattern, where '*' matches any run of
// characters (including none) and '?' exactly one. Matching is
// case-sensitive unless fold is set (ASCII case folding, as IAM compares
// actions and condition keys). It is hand-written, not a regexp: no other
// character is special.
func Glob(pattern, s string, fold bool) bool {
	p, i := 0, 0
	starP, starI := -1, 0
	for i < len(s) {
		if p < len(pattern) {
			switch pattern[p] {
			case '*':
				starP, starI = p, i
				p++
				continue
			case '?':
				_, size := utf8.DecodeRuneInString(s[i:])
				p++
				i += size
				continue
			default:
				if eqByte(pattern[p], s[i], fold) {
					p++
					i++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starI++
		p, i = starP+1, starI
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// cutSegment returns the text before the next ':' and the rest after it.
func cutSegment(s string) (string, string, bool) {
	i := strings.IndexByte(s, ':')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// ArnMatch reports whether arn matches pattern component by component: the
// partition, service, region, account and resource are each matched with
// Glob (case-sensitive), so a wildcard never spans the first five colons;
// the resource component (everything after the fifth colon) may contain
// colons. A pattern of "*" matches everything. (IAM User Guide, "Amazon
// Resource Name (ARN) condition operators" and "IAM JSON policy elements:
// Resource".)
func ArnMatch(pattern, arn string) bool {
	if pattern == "*" {
		return true
	}
	if strings.Count(pattern, ":") < 5 {
		return Glob(pattern, arn, false)
	}
	p, a := pattern, arn
	for i := 0; i < 5; i++ {
		var ps, as string
		var ok bool
		ps, p, _ = cutSegment(p)
		as, a, ok = cutSegment(a)
		if !ok || !Glob(ps, as, false) {
			return false
		}
	}
	return Glob(p, a, false)
}

// matchAction reports whether action matches a compiled action pattern
// (case-insensitively).
func matchAction(p *actionPat, action string) bool {
	if p.exact {
		return equalFold(p.pat, action)
	}
	if len(action) < len(p.prefix) || !equalFold(p.prefix, action[:len(p.prefix)]) {
		return false
	}
	return Glob(p.pat[len(p.prefix):], action[len(p.prefix):], true)
}
