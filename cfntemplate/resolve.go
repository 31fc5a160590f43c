package cfntemplate

import (
	"context"
	"encoding/json"
	"strings"
)

// ResolveProperties evaluates a resource's Properties for its provisioner:
// parameters, pseudo parameters, conditions and mappings come from the
// binding, physical IDs and attributes of other resources from r. The
// result holds only map[string]any, []any, string, json.Number, bool and
// nil; properties set to {"Ref": "AWS::NoValue"} are removed. A resource
// without Properties yields an empty map.
func (b *Bound) ResolveProperties(ctx context.Context, logicalID string, r Resolver) (map[string]any, error) {
	n, ok := b.resources[logicalID]
	if !ok {
		return nil, validationf(Pos{}, "Resource %s does not exist in the template", logicalID)
	}
	if !b.active[logicalID] {
		return nil, validationf(posOf(n), "Resource %s is not created: its condition is false", logicalID)
	}
	props := n.Get("Properties")
	if props == nil {
		return map[string]any{}, nil
	}
	v, err := b.Resolve(ctx, props, r)
	if err != nil {
		return nil, err
	}
	if v == nil { // Properties: !If [Cond, {...}, !Ref AWS::NoValue]
		return map[string]any{}, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, formatErrorf(props.Pos, "[/Resources/%s/Properties] Properties must be an object", logicalID)
	}
	return m, nil
}

// Resolve evaluates any node of the template (a property, an output
// value, a Metadata entry) in the Resources block's context.
func (b *Bound) Resolve(ctx context.Context, n *Node, r Resolver) (any, error) {
	e := &evaluator{ctx: ctx, b: b, r: r, block: blockResources}
	v, err := e.eval(n)
	if err != nil {
		return nil, err
	}
	if _, removed := v.(noValueT); removed {
		return nil, nil
	}
	return v, nil
}

// Output is a stack output after the stack's resources exist.
type Output struct {
	Key         string
	Value       string
	Description string
	// ExportName is the Export.Name, or "".
	ExportName string
}

func (b *Bound) outputActive(n *Node) bool {
	c := n.Get("Condition")
	if c == nil {
		return true
	}
	return c.IsString() && b.conditions[c.Str]
}

// Outputs evaluates the Outputs section, skipping outputs whose Condition
// is false. List values are joined with commas, as CloudFormation shows
// them.
func (b *Bound) Outputs(ctx context.Context, r Resolver) ([]Output, error) {
	sec := b.t.Section("Outputs")
	if !sec.IsMap() {
		return nil, nil
	}
	e := &evaluator{ctx: ctx, b: b, r: r, block: blockOutputs}
	var out []Output
	for _, f := range sec.Fields {
		if !f.Value.IsMap() || !b.outputActive(f.Value) {
			continue
		}
		o := Output{Key: f.Key}
		v, err := e.eval(f.Value.Get("Value"))
		if err != nil {
			return nil, err
		}
		if o.Value, err = outputString(v); err != nil {
			return nil, err
		}
		if d := f.Value.Get("Description"); d != nil {
			if s, ok := d.Scalar(); ok {
				o.Description = s
			}
		}
		if name := f.Value.Get("Export").Get("Name"); name != nil {
			v, err := e.eval(name)
			if err != nil {
				return nil, err
			}
			if o.ExportName, err = outputString(v); err != nil {
				return nil, err
			}
		}
		out = append(out, o)
	}
	return out, nil
}

func outputString(v any) (string, error) {
	if s, ok := scalarString(v); ok {
		return s, nil
	}
	switch t := v.(type) {
	case nil, noValueT:
		return "", nil
	case []any:
		parts := make([]string, 0, len(t))
		for _, it := range t {
			s, err := outputString(it)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ","), nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(raw), nil
}
