package cfntemplate

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxYAMLNodes bounds alias expansion ("billion laughs"): a template that
// expands to more nodes than this is refused.
const maxYAMLNodes = 1 << 18

// maxDepth bounds nesting in both parsers, so hostile input cannot exhaust
// the stack.
const maxDepth = 512

type yamlConverter struct {
	produced int
}

// shortForms maps YAML short-form tags to function names.
func shortForm(tag string) (string, bool) {
	switch tag {
	case "!Ref":
		return "Ref", true
	case "!Condition":
		return "Condition", true
	case "!Base64", "!Cidr", "!FindInMap", "!GetAtt", "!GetAZs", "!ImportValue",
		"!Join", "!Select", "!Split", "!Sub", "!Transform", "!And", "!Equals",
		"!If", "!Not", "!Or", "!Length", "!ToJsonString":
		return "Fn::" + tag[1:], true
	}
	return "", false
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

func yamlNotWellFormed(body []byte, line int) error {
	col := 1
	if line > 0 {
		lines := strings.Split(string(body), "\n")
		if line <= len(lines) {
			l := lines[line-1]
			col = len(l) - len(strings.TrimLeft(l, " \t")) + 1
		}
	} else {
		line = 1
	}
	return formatErrorf(Pos{line, col}, "YAML not well-formed. (line %d, column %d)", line, col)
}

// yamlParserErrors are the YAML parser's (not scanner's) messages: the
// YAML library reports their line counted from 0.
var yamlParserErrors = []string{"did not find expected <document start>", "did not find expected node content",
	"did not find expected key", "did not find expected '-' indicator", "did not find expected ',' or ']'",
	"did not find expected ',' or '}'"}

// yamlErrorLine returns the 1-based line a YAML library error is at. The
// library counts parser errors' lines from 0 and puts a tab in the
// indentation at the line of the scalar before it; this puts both at
// the line that holds the fault (the unclosed bracket, the tab).
func yamlErrorLine(body []byte, msg string) int {
	m := yamlLineRE.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	line, _ := strconv.Atoi(m[1])
	rest := msg[len(m[0]):]
	for _, p := range yamlParserErrors {
		if strings.HasPrefix(rest, p) {
			return line + 1
		}
	}
	if strings.Contains(rest, "tab character") {
		lines := strings.Split(string(body), "\n")
		for i := max(line-1, 0); i < len(lines); i++ {
			l := lines[i]
			if indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]; strings.Contains(indent, "\t") {
				return i + 1
			}
		}
	}
	return line
}

func parseYAML(body []byte) (*Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return nil, yamlNotWellFormed(body, yamlErrorLine(body, err.Error()))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return &Node{Kind: KindNull, Pos: Pos{1, 1}}, nil
	}
	c := &yamlConverter{}
	return c.convert(body, doc.Content[0], 0)
}

func (c *yamlConverter) convert(body []byte, y *yaml.Node, depth int) (*Node, error) {
	c.produced++
	if c.produced > maxYAMLNodes || depth > maxDepth {
		return nil, formatErrorf(Pos{y.Line, y.Column}, "YAML not well-formed. (line %d, column %d)", y.Line, y.Column)
	}
	pos := Pos{y.Line, y.Column}
	if y.Kind == yaml.AliasNode {
		if y.Alias == nil {
			return nil, yamlNotWellFormed(body, y.Line)
		}
		n, err := c.convert(body, y.Alias, depth+1)
		if err != nil {
			return nil, err
		}
		return n, nil
	}
	if name, ok := shortForm(y.Tag); ok {
		arg, err := c.untagged(body, y, depth)
		if err != nil {
			return nil, err
		}
		if name == "Fn::GetAtt" && arg.Kind == KindString {
			// !GetAtt Resource.Attribute: split at the first dot.
			return normalizeFunc(&Node{Kind: KindFunc, Str: name, Arg: arg, Pos: pos}), nil
		}
		return &Node{Kind: KindFunc, Str: name, Arg: arg, Pos: pos}, nil
	}
	if strings.HasPrefix(y.Tag, "!") && !strings.HasPrefix(y.Tag, "!!") {
		// An unknown local tag such as !Foo.
		return nil, formatErrorf(pos, "YAML not well-formed. (line %d, column %d)", y.Line, y.Column)
	}
	return c.untagged(body, y, depth)
}

// untagged converts y ignoring a short-form tag: scalars under a
// short-form tag are plain strings.
func (c *yamlConverter) untagged(body []byte, y *yaml.Node, depth int) (*Node, error) {
	pos := Pos{y.Line, y.Column}
	switch y.Kind {
	case yaml.ScalarNode:
		if _, short := shortForm(y.Tag); short {
			return &Node{Kind: KindString, Str: y.Value, Pos: pos}, nil
		}
		return yamlScalar(y, pos), nil
	case yaml.SequenceNode:
		n := &Node{Kind: KindList, Items: make([]*Node, 0, len(y.Content)), Pos: pos}
		for _, it := range y.Content {
			v, err := c.convert(body, it, depth+1)
			if err != nil {
				return nil, err
			}
			n.Items = append(n.Items, v)
		}
		return n, nil
	case yaml.MappingNode:
		n := &Node{Kind: KindMap, Fields: make([]Field, 0, len(y.Content)/2), Pos: pos}
		seen := make(map[string]bool, len(y.Content)/2)
		for i := 0; i+1 < len(y.Content); i += 2 {
			k := y.Content[i]
			for k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode {
				return nil, formatErrorf(Pos{k.Line, k.Column}, "YAML not well-formed. (line %d, column %d)", k.Line, k.Column)
			}
			if seen[k.Value] {
				return nil, formatErrorf(Pos{k.Line, k.Column}, "YAML not well-formed. (line %d, column %d)", k.Line, k.Column)
			}
			seen[k.Value] = true
			v, err := c.convert(body, y.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			n.Fields = append(n.Fields, Field{k.Value, v})
		}
		return foldFunc(n), nil
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return &Node{Kind: KindNull, Pos: pos}, nil
		}
		return c.convert(body, y.Content[0], depth+1)
	}
	return nil, yamlNotWellFormed(body, y.Line)
}

// foldFunc turns a one-key map whose key is an intrinsic function name
// into a function node (the long form).
func foldFunc(n *Node) *Node {
	if len(n.Fields) == 1 && isIntrinsicKey(n.Fields[0].Key) {
		return normalizeFunc(&Node{Kind: KindFunc, Str: n.Fields[0].Key, Arg: n.Fields[0].Value, Pos: n.Pos})
	}
	return n
}

func yamlScalar(y *yaml.Node, pos Pos) *Node {
	switch y.ShortTag() {
	case "!!null":
		return &Node{Kind: KindNull, Pos: pos}
	case "!!bool":
		var b bool
		if err := y.Decode(&b); err == nil {
			return &Node{Kind: KindBool, Bool: b, Pos: pos}
		}
	case "!!int":
		if lit, ok := yamlIntLiteral(y.Value); ok {
			return &Node{Kind: KindNumber, Str: lit, Pos: pos}
		}
	case "!!float":
		if lit, ok := yamlFloatLiteral(y.Value); ok {
			return &Node{Kind: KindNumber, Str: lit, Pos: pos}
		}
	}
	// !!str, !!timestamp (CloudFormation keeps 2010-09-09 as text),
	// !!binary, and numbers JSON cannot represent.
	return &Node{Kind: KindString, Str: y.Value, Pos: pos}
}

// yamlIntLiteral returns the JSON text of a YAML integer (which may be
// written 0x1F, 0o17, 1_000, +5).
func yamlIntLiteral(v string) (string, bool) {
	if isJSONNumber(v) {
		return v, true
	}
	s := strings.ReplaceAll(v, "_", "")
	s = strings.TrimPrefix(s, "+")
	if i, err := strconv.ParseInt(s, 0, 64); err == nil {
		return strconv.FormatInt(i, 10), true
	}
	if u, err := strconv.ParseUint(s, 0, 64); err == nil {
		return strconv.FormatUint(u, 10), true
	}
	return "", false
}

func yamlFloatLiteral(v string) (string, bool) {
	if isJSONNumber(v) {
		return v, true
	}
	f, err := strconv.ParseFloat(strings.TrimPrefix(strings.ReplaceAll(v, "_", ""), "+"), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	return strconv.FormatFloat(f, 'g', -1, 64), true
}

var jsonNumberRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

func isJSONNumber(s string) bool { return jsonNumberRE.MatchString(s) }
