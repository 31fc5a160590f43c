package cfntemplate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Kind is the kind of a template Node.
type Kind uint8

// The kinds of template nodes.
const (
	KindNull Kind = iota
	KindString
	KindNumber
	KindBool
	KindMap
	KindList
	KindFunc
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case KindNull:
		return "null"
	case KindString:
		return "string"
	case KindNumber:
		return "number"
	case KindBool:
		return "bool"
	case KindMap:
		return "map"
	case KindList:
		return "list"
	case KindFunc:
		return "function"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Pos is a position in the template source: 1-based line and column. The
// zero Pos means "generated" (by the SAM transform, for example).
type Pos struct {
	Line, Column int
}

// IsValid reports whether p points into a source text.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String returns "line L, column C".
func (p Pos) String() string {
	return fmt.Sprintf("line %d, column %d", p.Line, p.Column)
}

// Field is one key of a map node, in source order.
type Field struct {
	Key   string
	Value *Node
}

// Node is one value of a template: a scalar, an ordered map, a list, or an
// intrinsic function call that is kept unevaluated until deploy time.
// Short (`!Ref X`) and long (`{"Ref": "X"}`) forms parse to the same Func
// node.
type Node struct {
	Kind Kind
	// Str is a string's text, a number's literal (valid JSON number text),
	// or a function's name: "Ref", "Condition" or "Fn::...".
	Str string
	// Bool is a bool node's value.
	Bool bool
	// Fields are a map's entries in source order; keys are unique.
	Fields []Field
	// Items are a list's elements.
	Items []*Node
	// Arg is a function's argument.
	Arg *Node
	// Pos is where the node starts in the source.
	Pos Pos
}

// NewString returns a string node.
func NewString(s string) *Node { return &Node{Kind: KindString, Str: s} }

// NewNumber returns a number node with the given JSON number text.
func NewNumber(lit string) *Node { return &Node{Kind: KindNumber, Str: lit} }

// NewInt returns a number node holding i.
func NewInt(i int) *Node { return NewNumber(strconv.Itoa(i)) }

// NewBool returns a bool node.
func NewBool(b bool) *Node { return &Node{Kind: KindBool, Bool: b} }

// NewNull returns a null node.
func NewNull() *Node { return &Node{Kind: KindNull} }

// NewList returns a list node.
func NewList(items ...*Node) *Node { return &Node{Kind: KindList, Items: items} }

// NewMap returns an empty map node.
func NewMap() *Node { return &Node{Kind: KindMap} }

// NewFunc returns an intrinsic function node, e.g. NewFunc("Ref", NewString("X")).
func NewFunc(name string, arg *Node) *Node { return &Node{Kind: KindFunc, Str: name, Arg: arg} }

// Ref returns {"Ref": name}.
func Ref(name string) *Node { return NewFunc("Ref", NewString(name)) }

// GetAtt returns {"Fn::GetAtt": [resource, attr]}.
func GetAtt(resource, attr string) *Node {
	return NewFunc("Fn::GetAtt", NewList(NewString(resource), NewString(attr)))
}

// Strings returns a list node of strings.
func Strings(ss ...string) *Node {
	l := NewList()
	for _, s := range ss {
		l.Items = append(l.Items, NewString(s))
	}
	return l
}

// IsFunc reports whether n is a call of the named intrinsic function.
func (n *Node) IsFunc(name string) bool {
	return n != nil && n.Kind == KindFunc && n.Str == name
}

// IsString reports whether n is a string node.
func (n *Node) IsString() bool { return n != nil && n.Kind == KindString }

// IsMap reports whether n is a map node.
func (n *Node) IsMap() bool { return n != nil && n.Kind == KindMap }

// IsList reports whether n is a list node.
func (n *Node) IsList() bool { return n != nil && n.Kind == KindList }

// Get returns the value of key in a map node, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != KindMap {
		return nil
	}
	for _, f := range n.Fields {
		if f.Key == key {
			return f.Value
		}
	}
	return nil
}

// Has reports whether a map node has key.
func (n *Node) Has(key string) bool { return n.Get(key) != nil }

// Set sets key in a map node, replacing its value in place or appending it.
func (n *Node) Set(key string, v *Node) {
	for i := range n.Fields {
		if n.Fields[i].Key == key {
			n.Fields[i].Value = v
			return
		}
	}
	n.Fields = append(n.Fields, Field{key, v})
}

// Delete removes key from a map node.
func (n *Node) Delete(key string) {
	for i := range n.Fields {
		if n.Fields[i].Key == key {
			n.Fields = append(n.Fields[:i:i], n.Fields[i+1:]...)
			return
		}
	}
}

// Keys returns a map node's keys in order.
func (n *Node) Keys() []string {
	if n == nil {
		return nil
	}
	keys := make([]string, len(n.Fields))
	for i, f := range n.Fields {
		keys[i] = f.Key
	}
	return keys
}

// Clone returns a deep copy of n.
func (n *Node) Clone() *Node {
	if n == nil {
		return nil
	}
	c := *n
	if n.Fields != nil {
		c.Fields = make([]Field, len(n.Fields))
		for i, f := range n.Fields {
			c.Fields[i] = Field{f.Key, f.Value.Clone()}
		}
	}
	if n.Items != nil {
		c.Items = make([]*Node, len(n.Items))
		for i, it := range n.Items {
			c.Items[i] = it.Clone()
		}
	}
	c.Arg = n.Arg.Clone()
	return &c
}

// Equal reports whether a and b hold the same value; positions are ignored
// and so is map key order. Numbers compare by numeric value.
func Equal(a, b *Node) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case KindNull:
		return true
	case KindString:
		return a.Str == b.Str
	case KindNumber:
		return numbersEqual(a.Str, b.Str)
	case KindBool:
		return a.Bool == b.Bool
	case KindFunc:
		return a.Str == b.Str && Equal(a.Arg, b.Arg)
	case KindList:
		if len(a.Items) != len(b.Items) {
			return false
		}
		for i := range a.Items {
			if !Equal(a.Items[i], b.Items[i]) {
				return false
			}
		}
		return true
	case KindMap:
		if len(a.Fields) != len(b.Fields) {
			return false
		}
		for _, f := range a.Fields {
			if !Equal(f.Value, b.Get(f.Key)) {
				return false
			}
		}
		return true
	}
	return false
}

func numbersEqual(a, b string) bool {
	if a == b {
		return true
	}
	fa, err1 := strconv.ParseFloat(a, 64)
	fb, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && fa == fb
}

// Scalar returns the text of a string, number or bool node, and whether n
// is one of those.
func (n *Node) Scalar() (string, bool) {
	if n == nil {
		return "", false
	}
	switch n.Kind {
	case KindString, KindNumber:
		return n.Str, true
	case KindBool:
		return strconv.FormatBool(n.Bool), true
	}
	return "", false
}

// MarshalJSON renders n as JSON, keeping map key order and writing
// functions in their long form ({"Fn::Sub": ...}).
func (n *Node) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	writeJSON(&buf, n)
	return buf.Bytes(), nil
}

// JSON renders n as indented JSON (two spaces), the form GetTemplate
// returns for processed templates.
func (n *Node) JSON() []byte {
	raw, _ := n.MarshalJSON()
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return raw
	}
	return out.Bytes()
}

func writeJSON(buf *bytes.Buffer, n *Node) {
	if n == nil {
		buf.WriteString("null")
		return
	}
	switch n.Kind {
	case KindNull:
		buf.WriteString("null")
	case KindString:
		writeJSONString(buf, n.Str)
	case KindNumber:
		buf.WriteString(n.Str)
	case KindBool:
		buf.WriteString(strconv.FormatBool(n.Bool))
	case KindList:
		buf.WriteByte('[')
		for i, it := range n.Items {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSON(buf, it)
		}
		buf.WriteByte(']')
	case KindMap:
		buf.WriteByte('{')
		for i, f := range n.Fields {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, f.Key)
			buf.WriteByte(':')
			writeJSON(buf, f.Value)
		}
		buf.WriteByte('}')
	case KindFunc:
		buf.WriteByte('{')
		writeJSONString(buf, n.Str)
		buf.WriteByte(':')
		writeJSON(buf, n.Arg)
		buf.WriteByte('}')
	}
}

func writeJSONString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // strings always encode
	buf.Truncate(buf.Len() - 1)
}

// String renders n as compact JSON, for messages and debugging.
func (n *Node) String() string {
	b, _ := n.MarshalJSON()
	return string(b)
}

// isIntrinsicKey reports whether a one-key map with this key is an
// intrinsic function call. Any "Fn::" key counts, so that evaluation can
// report an unsupported function instead of passing it through.
func isIntrinsicKey(k string) bool {
	return k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::")
}

// normalizeFunc brings equivalent spellings of a function call to one
// form: "Fn::GetAtt": "A.B" becomes ["A", "B"] (the short form !GetAtt A.B
// is parsed the same way).
func normalizeFunc(n *Node) *Node {
	if n.Str == "Fn::GetAtt" && n.Arg != nil && n.Arg.Kind == KindString {
		if i := strings.IndexByte(n.Arg.Str, '.'); i > 0 && i < len(n.Arg.Str)-1 {
			p := n.Arg.Pos
			res := &Node{Kind: KindString, Str: n.Arg.Str[:i], Pos: p}
			attr := &Node{Kind: KindString, Str: n.Arg.Str[i+1:], Pos: p}
			n.Arg = &Node{Kind: KindList, Items: []*Node{res, attr}, Pos: p}
		}
	}
	return n
}
