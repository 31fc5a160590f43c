package cloudformation

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// props reads resolved resource properties, converting the string forms
// CloudFormation accepts for numbers and booleans.
type props map[string]any

func (p props) has(k string) bool { _, ok := p[k]; return ok }

func (p props) str(k string) string {
	switch v := p[k].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

func (p props) strp(k string) *string {
	if !p.has(k) {
		return nil
	}
	return aws.String(p.str(k))
}

func (p props) i32p(k string) (*int32, error) {
	if !p.has(k) {
		return nil, nil
	}
	n, err := strconv.ParseInt(p.str(k), 10, 32)
	if err != nil {
		return nil, fmt.Errorf("Value of property %s must be of type Integer", k)
	}
	v := int32(n)
	return &v, nil
}

func (p props) f64p(k string) (*float64, error) {
	if !p.has(k) {
		return nil, nil
	}
	f, err := strconv.ParseFloat(p.str(k), 64)
	if err != nil {
		return nil, fmt.Errorf("Value of property %s must be of type Number", k)
	}
	return &f, nil
}

func (p props) boolp(k string) (*bool, error) {
	if !p.has(k) {
		return nil, nil
	}
	b, err := strconv.ParseBool(p.str(k))
	if err != nil {
		return nil, fmt.Errorf("Value of property %s must be of type Boolean", k)
	}
	return &b, nil
}

func (p props) obj(k string) props {
	m, _ := p[k].(map[string]any)
	return m
}

func (p props) list(k string) []any {
	l, _ := p[k].([]any)
	return l
}

func (p props) strs(k string) []string {
	var out []string
	for _, v := range p.list(k) {
		out = append(out, props{"v": v}.str("v"))
	}
	return out
}

func (p props) objs(k string) []props {
	var out []props
	for _, v := range p.list(k) {
		if m, ok := v.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// doc renders a policy document property: JSON objects are serialized,
// strings passed as they are.
func (p props) doc(k string) string {
	switch v := p[k].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// check refuses properties the provider does not know, as CloudFormation
// refuses unknown ones.
func (p props) check(typ string, known []string, required ...string) error {
	var unknown []string
	for k := range p {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("Encountered unsupported property %s (the xacct emulator's %s supports %s)", strings.Join(unknown, ", "), typ, strings.Join(known, ", "))
	}
	var missing []string
	for _, k := range required {
		if !p.has(k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("Property validation failure: [The property {/%s} is required]", strings.Join(missing, "}, {/"))
	}
	return nil
}

// changed reports whether any of keys differs between two property sets.
func changed(old, new map[string]any, keys ...string) bool {
	for _, k := range keys {
		a, _ := json.Marshal(old[k])
		b, _ := json.Marshal(new[k])
		if string(a) != string(b) {
			return true
		}
	}
	return false
}

// genName is CloudFormation's generated physical name:
// {stack}-{logicalId}-{RANDOM}, shortened to fit max.
func genName(st *stack, id string, max int, lower bool) string {
	suffix := randomSuffix(12)
	budget := max - len(suffix) - 2
	a, b := st.Name, id
	for len(a)+len(b) > budget {
		if len(a) >= len(b) {
			a = a[:len(a)-1]
		} else {
			b = b[:len(b)-1]
		}
	}
	n := a + "-" + b + "-" + suffix
	if lower {
		n = strings.ToLower(n)
	}
	return n
}
