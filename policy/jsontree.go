package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// node is a JSON value with its byte span in the source, so statements can
// report their line and column as IAM's simulator does.
type node struct {
	kind  nodeKind
	str   string
	num   json.Number
	b     bool
	arr   []*node
	keys  []string
	vals  []*node
	start int
	end   int
}

type nodeKind int

const (
	kNull nodeKind = iota
	kString
	kNumber
	kBool
	kArray
	kObject
)

func (n *node) get(key string) (*node, bool) {
	for i, k := range n.keys {
		if k == key {
			return n.vals[i], true
		}
	}
	return nil, false
}

var errSyntax = errors.New("syntax")

// maxDepth bounds nesting so hostile documents cannot exhaust the stack.
const maxDepth = 32

// parseTree parses text into a node tree, rejecting trailing data and
// duplicate object keys.
func parseTree(text []byte) (*node, error) {
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	p := &treeParser{d: d, src: text}
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errSyntax
	}
	return n, nil
}

type treeParser struct {
	d   *json.Decoder
	src []byte
}

// tokenStart returns the offset where the next token begins.
func (p *treeParser) tokenStart() int {
	off := int(p.d.InputOffset())
	for off < len(p.src) {
		switch p.src[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (p *treeParser) value(depth int) (*node, error) {
	if depth > maxDepth {
		return nil, errSyntax
	}
	start := p.tokenStart()
	tok, err := p.d.Token()
	if err != nil {
		return nil, errSyntax
	}
	n := &node{start: start}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n.kind = kObject
			for p.d.More() {
				kt, err := p.d.Token()
				if err != nil {
					return nil, errSyntax
				}
				k, ok := kt.(string)
				if !ok {
					return nil, errSyntax
				}
				for _, seen := range n.keys {
					if seen == k {
						return nil, errSyntax
					}
				}
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k)
				n.vals = append(n.vals, v)
			}
			if _, err := p.d.Token(); err != nil {
				return nil, errSyntax
			}
		case '[':
			n.kind = kArray
			for p.d.More() {
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.arr = append(n.arr, v)
			}
			if _, err := p.d.Token(); err != nil {
				return nil, errSyntax
			}
		default:
			return nil, errSyntax
		}
	case string:
		n.kind, n.str = kString, t
	case json.Number:
		n.kind, n.num = kNumber, t
	case bool:
		n.kind, n.b = kBool, t
	case nil:
		n.kind = kNull
	}
	n.end = int(p.d.InputOffset())
	return n, nil
}

// position converts a byte offset into a 1-based line and column.
func position(src string, off int) Position {
	if off > len(src) {
		off = len(src)
	}
	line, col := 1, 1
	for i := 0; i < off; i++ {
		if src[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return Position{Line: line, Column: col}
}
