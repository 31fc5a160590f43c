package cfntemplate

import "strings"

// subPart is one piece of an Fn::Sub string: literal text or a variable
// reference (${Name} or ${Resource.Attribute}).
type subPart struct {
	Text  string
	IsVar bool
}

// parseSub splits an Fn::Sub template string. ${Var} is a variable,
// ${!Literal} renders as the literal ${Literal}, and a "${" without a
// closing brace is literal text.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-sub.html
func parseSub(s string) []subPart {
	var parts []subPart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, subPart{Text: lit.String()})
			lit.Reset()
		}
	}
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			lit.WriteString(s)
			break
		}
		lit.WriteString(s[:i])
		rest := s[i+2:]
		if strings.HasPrefix(rest, "!") {
			lit.WriteString("${")
			s = rest[1:]
			continue
		}
		j := strings.IndexByte(rest, '}')
		if j <= 0 {
			// "${}" and an unterminated "${" stay literal.
			lit.WriteString("${")
			s = rest
			continue
		}
		flush()
		parts = append(parts, subPart{Text: rest[:j], IsVar: true})
		s = rest[j+1:]
	}
	flush()
	return parts
}

// subVars returns the variable names an Fn::Sub string references, in
// order of first appearance.
func subVars(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range parseSub(s) {
		if p.IsVar && !seen[p.Text] {
			seen[p.Text] = true
			out = append(out, p.Text)
		}
	}
	return out
}
