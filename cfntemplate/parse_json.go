package cfntemplate

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"unicode/utf8"
)

// jsonParser builds Nodes from encoding/json's token stream, recording
// where each value starts.
type jsonParser struct {
	body       []byte
	dec        *json.Decoder
	lineStarts []int
}

func parseJSON(body []byte) (*Node, error) {
	p := &jsonParser{body: body, dec: json.NewDecoder(bytes.NewReader(body))}
	p.dec.UseNumber()
	p.lineStarts = []int{0}
	for i, b := range body {
		if b == '\n' {
			p.lineStarts = append(p.lineStarts, i+1)
		}
	}
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	// Nothing but whitespace may follow the template.
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, p.notWellFormed(p.dec.InputOffset())
	}
	return n, nil
}

func (p *jsonParser) pos(off int) Pos {
	line := sort.Search(len(p.lineStarts), func(i int) bool { return p.lineStarts[i] > off }) - 1
	if line < 0 {
		line = 0
	}
	start := p.lineStarts[line]
	if off > len(p.body) {
		off = len(p.body)
	}
	return Pos{Line: line + 1, Column: utf8.RuneCount(p.body[start:off]) + 1}
}

func (p *jsonParser) notWellFormed(off int64) error {
	pos := p.pos(int(off))
	return formatErrorf(pos, "JSON not well-formed. (line %d, column %d)", pos.Line, pos.Column)
}

// tokenStart returns the offset where the next token begins: the decoder
// reports the end of the previous one, before separators.
func (p *jsonParser) tokenStart() int {
	off := int(p.dec.InputOffset())
	for off < len(p.body) {
		switch p.body[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (p *jsonParser) token() (json.Token, Pos, error) {
	start := p.tokenStart()
	tok, err := p.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, Pos{}, p.notWellFormed(se.Offset)
		}
		return nil, Pos{}, p.notWellFormed(p.dec.InputOffset())
	}
	return tok, p.pos(start), nil
}

func (p *jsonParser) value(depth int) (*Node, error) {
	tok, pos, err := p.token()
	if err != nil {
		return nil, err
	}
	return p.fromToken(tok, pos, depth)
}

func (p *jsonParser) fromToken(tok json.Token, pos Pos, depth int) (*Node, error) {
	if depth > maxDepth {
		return nil, formatErrorf(pos, "JSON not well-formed. (line %d, column %d)", pos.Line, pos.Column)
	}
	switch t := tok.(type) {
	case nil:
		return &Node{Kind: KindNull, Pos: pos}, nil
	case bool:
		return &Node{Kind: KindBool, Bool: t, Pos: pos}, nil
	case json.Number:
		return &Node{Kind: KindNumber, Str: string(t), Pos: pos}, nil
	case string:
		return &Node{Kind: KindString, Str: t, Pos: pos}, nil
	case json.Delim:
		switch t {
		case '[':
			n := &Node{Kind: KindList, Items: []*Node{}, Pos: pos}
			for p.dec.More() {
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.Items = append(n.Items, v)
			}
			if _, _, err := p.token(); err != nil { // ']'
				return nil, err
			}
			return n, nil
		case '{':
			n := &Node{Kind: KindMap, Fields: []Field{}, Pos: pos}
			seen := map[string]bool{}
			for p.dec.More() {
				kt, kpos, err := p.token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok || seen[key] {
					return nil, formatErrorf(kpos, "JSON not well-formed. (line %d, column %d)", kpos.Line, kpos.Column)
				}
				seen[key] = true
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.Fields = append(n.Fields, Field{key, v})
			}
			if _, _, err := p.token(); err != nil { // '}'
				return nil, err
			}
			return foldFunc(n), nil
		}
	}
	return nil, formatErrorf(pos, "JSON not well-formed. (line %d, column %d)", pos.Line, pos.Column)
}
