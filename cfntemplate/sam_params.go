package cfntemplate

import (
	"regexp"
	"strings"
)

// samSubRefRE is the SAM translator's pattern for ${...} references it
// may substitute in Fn::Sub strings.
var samSubRefRE = regexp.MustCompile(`\$\{([A-Za-z0-9.]+|AWS::[A-Z][A-Za-z]*)\}`)

// resolveParams returns a copy of n with Refs to known parameters (and
// AWS::Region, AWS::Partition) replaced by their values and ${Param}
// substituted in Fn::Sub strings, as the SAM translator's
// resolve_parameter_refs does. Everything else is kept.
func (s *sam) resolveParams(n *Node) (*Node, *samError) {
	if n == nil {
		return nil, nil
	}
	n = n.Clone()
	return s.resolveParamsInPlace(n)
}

func (s *sam) resolveParamsInPlace(n *Node) (*Node, *samError) {
	switch n.Kind {
	case KindFunc:
		switch n.Str {
		case "Ref":
			if n.Arg.IsString() {
				if v, ok := s.params[n.Arg.Str]; ok {
					return v.Clone(), nil
				}
			}
		case "Fn::Sub":
			tmpl := n.Arg
			if n.Arg.IsList() && len(n.Arg.Items) > 0 {
				tmpl = n.Arg.Items[0]
			}
			if tmpl.IsString() {
				out := tmpl.Str
				for _, m := range samSubRefRE.FindAllStringSubmatch(tmpl.Str, -1) {
					v, ok := s.params[m[1]]
					if !ok {
						continue
					}
					if !v.IsString() {
						text, _ := v.Scalar()
						return nil, invalidTemplate("Invalid Fn::Sub variable value %s. Fn::Sub expects all variables to be strings.", text)
					}
					out = strings.Replace(out, m[0], v.Str, 1)
				}
				tmpl.Str = out
			}
		}
		arg, err := s.resolveParamsInPlace(n.Arg)
		if err != nil {
			return nil, err
		}
		n.Arg = arg
	case KindMap:
		for i := range n.Fields {
			v, err := s.resolveParamsInPlace(n.Fields[i].Value)
			if err != nil {
				return nil, err
			}
			n.Fields[i].Value = v
		}
	case KindList:
		for i := range n.Items {
			v, err := s.resolveParamsInPlace(n.Items[i])
			if err != nil {
				return nil, err
			}
			n.Items[i] = v
		}
	}
	return n, nil
}
