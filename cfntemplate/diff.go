package cfntemplate

import (
	"encoding/json"
	"sort"
	"strings"
)

// PropertyChange is one difference between the resolved properties of a
// resource before and after an update.
type PropertyChange struct {
	// Path is the property's path: top-level name, then nested map keys.
	// Lists are compared as a whole.
	Path []string
	// Old and New are the values; nil when the property is absent.
	Old, New any
}

// DiffProperties compares two results of ResolveProperties and returns
// the changed properties, sorted by path. Maps are compared key by key,
// lists as a whole, numbers by value. The stack engine uses it to decide
// whether an update changes a resource and which properties it touches.
func DiffProperties(old, new map[string]any) []PropertyChange {
	var out []PropertyChange
	diffMaps(nil, old, new, &out)
	sort.Slice(out, func(i, j int) bool {
		return strings.Join(out[i].Path, "\x00") < strings.Join(out[j].Path, "\x00")
	})
	return out
}

func diffMaps(path []string, old, new map[string]any, out *[]PropertyChange) {
	keys := map[string]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range new {
		keys[k] = true
	}
	for k := range keys {
		p := append(append([]string(nil), path...), k)
		o, ook := old[k]
		n, nok := new[k]
		om, omap := o.(map[string]any)
		nm, nmap := n.(map[string]any)
		switch {
		case ook && nok && omap && nmap:
			diffMaps(p, om, nm, out)
		case !ook || !nok || !ValuesEqual(o, n):
			*out = append(*out, PropertyChange{Path: p, Old: o, New: n})
		}
	}
}

// ValuesEqual reports whether two resolved values are equal; numbers
// compare by value (1 and 1.0 are equal).
func ValuesEqual(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		return ok && numbersEqual(string(x), string(y))
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !ValuesEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !ValuesEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case string, bool, nil:
		return a == b
	}
	return false
}
