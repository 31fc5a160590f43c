package policy

import (
	"fmt"
	"strings"
)

// Explain says in plain words why the decision was made: the statements
// that allowed or denied the request, or for an implicit deny which of the
// needed allows was missing.
func (d Decision) Explain() string {
	var b strings.Builder
	switch d.Effect {
	case Allow:
		b.WriteString("allowed by ")
		writeRefs(&b, d.Matched)
	case ExplicitDeny:
		b.WriteString("explicitly denied by ")
		writeRefs(&b, d.Matched)
	default:
		b.WriteString("implicitly denied: ")
		if len(d.Missing) == 0 {
			b.WriteString("no policy allows the request")
		}
		for i, m := range d.Missing {
			if i > 0 {
				b.WriteString("; ")
			}
			switch m {
			case SourceResource:
				b.WriteString("no statement of the resource-based policy allows this principal")
			case SourceSCP, SourceRCP:
				b.WriteString("no " + string(m) + " attached to ")
				n := 0
				for _, g := range d.Gaps {
					if g.Source == m {
						if n > 0 {
							b.WriteString(", ")
						}
						b.WriteString(g.Target)
						n++
					}
				}
				b.WriteString(" allows the action")
			default:
				b.WriteString("no " + string(m) + " allows the action")
			}
		}
		for _, n := range d.NearMisses {
			b.WriteString("; " + n.String())
		}
	}
	return b.String()
}

// String says which condition defeated the statement.
func (n NearMiss) String() string {
	missing := ""
	if !n.Present {
		missing = " (the request has no " + n.Key + ")"
	}
	return fmt.Sprintf("%s would allow it but its condition %s on %s is not met%s", n.StatementRef, n.Operator, n.Key, missing)
}

func writeRefs(b *strings.Builder, refs []StatementRef) {
	if len(refs) == 0 {
		b.WriteString("(no statement)")
		return
	}
	for i, r := range refs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(r.String())
	}
}

// String names the statement: its Sid or index, its policy and its source.
func (r StatementRef) String() string {
	stmt := fmt.Sprintf("statement %d", r.Index)
	if r.Sid != "" {
		stmt = fmt.Sprintf("statement %q", r.Sid)
	}
	if r.Target != "" {
		return fmt.Sprintf("%s of %s %q attached to %s", stmt, r.Source, r.Policy, r.Target)
	}
	return fmt.Sprintf("%s of %s %q", stmt, r.Source, r.Policy)
}
