package cfntemplate

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
)

// Blocks of a template, as CloudFormation names them in messages.
const (
	blockResources  = "Resources"
	blockOutputs    = "Outputs"
	blockConditions = "Conditions"
)

// noValueT marks a value removed by {"Ref": "AWS::NoValue"}.
type noValueT struct{}

// evaluator evaluates nodes to plain Go values: map[string]any, []any,
// string, json.Number, bool and nil.
type evaluator struct {
	ctx   context.Context
	b     *Bound
	r     Resolver
	block string
	// condFn returns a named condition's value while the Conditions
	// section is being evaluated; nil means the bound conditions.
	condFn func(name string, at *Node) (bool, error)
}

func (e *evaluator) eval(n *Node) (any, error) {
	switch n.Kind {
	case KindNull:
		return nil, nil
	case KindString:
		return n.Str, nil
	case KindNumber:
		return json.Number(n.Str), nil
	case KindBool:
		return n.Bool, nil
	case KindList:
		out := make([]any, 0, len(n.Items))
		for _, it := range n.Items {
			v, err := e.eval(it)
			if err != nil {
				return nil, err
			}
			if _, removed := v.(noValueT); removed {
				continue
			}
			out = append(out, v)
		}
		return out, nil
	case KindMap:
		out := make(map[string]any, len(n.Fields))
		for _, f := range n.Fields {
			v, err := e.eval(f.Value)
			if err != nil {
				return nil, err
			}
			if _, removed := v.(noValueT); removed {
				continue
			}
			out[f.Key] = v
		}
		return out, nil
	case KindFunc:
		return e.call(n)
	}
	return nil, templateErrorf(n.Pos, "unsupported value")
}

func (e *evaluator) call(n *Node) (any, error) {
	switch n.Str {
	case "Ref":
		if !n.Arg.IsString() {
			return nil, templateErrorf(n.Pos, "every Ref object requires a single string parameter.")
		}
		return e.ref(n.Arg.Str, n)
	case "Fn::GetAtt":
		return e.getAtt(n)
	case "Fn::Sub":
		return e.sub(n)
	case "Fn::Join":
		return e.join(n)
	case "Fn::Select":
		return e.selectFn(n)
	case "Fn::Split":
		return e.split(n)
	case "Fn::If":
		return e.ifFn(n)
	case "Fn::FindInMap":
		return e.findInMap(n)
	case "Fn::Base64":
		v, err := e.eval(n.Arg)
		if err != nil {
			return nil, err
		}
		s, ok := scalarString(v)
		if !ok {
			return nil, templateErrorf(n.Pos, "every Fn::Base64 object requires a string parameter.")
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::GetAZs":
		v, err := e.eval(n.Arg)
		if err != nil {
			return nil, err
		}
		region, ok := scalarString(v)
		if !ok {
			return nil, templateErrorf(n.Pos, "every Fn::GetAZs object requires a string parameter.")
		}
		return stringsToAny(e.b.pseudo.azs(region)), nil
	case "Fn::ImportValue":
		v, err := e.eval(n.Arg)
		if err != nil {
			return nil, err
		}
		name, ok := scalarString(v)
		if !ok {
			return nil, templateErrorf(n.Pos, "every Fn::ImportValue object requires a string parameter.")
		}
		if e.r == nil {
			return nil, templateErrorf(n.Pos, "Fn::ImportValue cannot be evaluated here")
		}
		return e.r.ImportValue(e.ctx, name)
	case "Fn::Cidr":
		return e.cidr(n)
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		return e.condition(n)
	case "Condition":
		// Outside condition functions, {"Condition": X} is an ordinary
		// one-key object (an IAM statement's Condition, for instance).
		v, err := e.eval(n.Arg)
		if err != nil {
			return nil, err
		}
		return map[string]any{"Condition": v}, nil
	}
	return nil, unsupportedFunction(n)
}

// supportedFunctions is CloudFormation's list in its "Encountered
// unsupported function" message.
const supportedFunctions = "[Fn::Base64, Fn::GetAtt, Fn::GetAZs, Fn::ImportValue, Fn::Join, Fn::Split, Fn::FindInMap, Fn::Select, Ref, Fn::Equals, Fn::If, Fn::Not, Condition, Fn::And, Fn::Or, Fn::Contains, Fn::EachMemberEquals, Fn::EachMemberIn, Fn::ValueOf, Fn::ValueOfAll, Fn::RefAll, Fn::Sub, Fn::Cidr]"

func unsupportedFunction(n *Node) error {
	return formatErrorf(n.Pos, "Encountered unsupported function: %s Supported functions are: %s", n.Str, supportedFunctions)
}

func (e *evaluator) unresolved(name string, at *Node) error {
	if e.block == blockConditions {
		return formatErrorf(posOf(at), "Unresolved dependencies [%s]. Cannot reference resources in the Conditions block of the template", name)
	}
	return formatErrorf(posOf(at), "Unresolved resource dependencies [%s] in the %s block of the template", name, e.block)
}

func (e *evaluator) ref(name string, at *Node) (any, error) {
	p := e.b.pseudo
	switch name {
	case "AWS::AccountId":
		return p.AccountID, nil
	case "AWS::Region":
		return p.Region, nil
	case "AWS::StackName":
		return p.StackName, nil
	case "AWS::StackId":
		return p.StackID, nil
	case "AWS::Partition":
		return p.Partition, nil
	case "AWS::URLSuffix":
		return p.URLSuffix, nil
	case "AWS::NoValue":
		return noValueT{}, nil
	case "AWS::NotificationARNs":
		return stringsToAny(p.NotificationARNs), nil
	}
	if v, ok := e.b.params[name]; ok {
		if list, isList := v.([]string); isList {
			return stringsToAny(list), nil
		}
		return v, nil
	}
	if _, ok := e.b.resources[name]; ok && e.block != blockConditions && e.b.active[name] {
		if e.r == nil {
			return nil, templateErrorf(posOf(at), "Ref to resource %s cannot be evaluated here", name)
		}
		return e.r.Ref(e.ctx, name)
	}
	return nil, e.unresolved(name, at)
}

func (e *evaluator) getAtt(n *Node) (any, error) {
	bad := templateErrorf(n.Pos, "every Fn::GetAtt object requires two non-empty parameters, the resource name and the resource attribute")
	if !n.Arg.IsList() || len(n.Arg.Items) != 2 || !n.Arg.Items[0].IsString() || n.Arg.Items[0].Str == "" {
		return nil, bad
	}
	res := n.Arg.Items[0].Str
	av, err := e.eval(n.Arg.Items[1])
	if err != nil {
		return nil, err
	}
	attr, ok := scalarString(av)
	if !ok || attr == "" {
		return nil, bad
	}
	return e.attribute(res, attr, n)
}

func (e *evaluator) attribute(res, attr string, at *Node) (any, error) {
	if _, ok := e.b.resources[res]; !ok {
		return nil, templateErrorf(posOf(at), "instance of Fn::GetAtt references undefined resource %s", res)
	}
	if e.block == blockConditions || !e.b.active[res] {
		return nil, e.unresolved(res, at)
	}
	if e.r == nil {
		return nil, templateErrorf(posOf(at), "Fn::GetAtt of %s cannot be evaluated here", res)
	}
	return e.r.GetAtt(e.ctx, res, attr)
}

func (e *evaluator) sub(n *Node) (any, error) {
	var (
		tmpl *Node
		vars *Node
	)
	switch {
	case n.Arg.IsString():
		tmpl = n.Arg
	case n.Arg.IsList() && len(n.Arg.Items) == 2 && n.Arg.Items[0].IsString() && n.Arg.Items[1].IsMap():
		tmpl, vars = n.Arg.Items[0], n.Arg.Items[1]
	default:
		return nil, templateErrorf(n.Pos, "One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string")
	}
	var out strings.Builder
	for _, p := range parseSub(tmpl.Str) {
		if !p.IsVar {
			out.WriteString(p.Text)
			continue
		}
		var (
			v   any
			err error
		)
		if vn := vars.Get(p.Text); vn != nil {
			v, err = e.eval(vn)
		} else if i := strings.IndexByte(p.Text, '.'); i > 0 && i < len(p.Text)-1 {
			v, err = e.attribute(p.Text[:i], p.Text[i+1:], n)
		} else {
			v, err = e.ref(p.Text, n)
		}
		if err != nil {
			return nil, err
		}
		s, ok := scalarString(v)
		if !ok {
			return nil, templateErrorf(n.Pos, "variable %s in Fn::Sub expression does not resolve to a string", p.Text)
		}
		out.WriteString(s)
	}
	return out.String(), nil
}

func (e *evaluator) join(n *Node) (any, error) {
	bad := templateErrorf(n.Pos, "every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.")
	if !n.Arg.IsList() || len(n.Arg.Items) != 2 || !n.Arg.Items[0].IsString() {
		return nil, bad
	}
	if k := n.Arg.Items[1].Kind; k != KindList && k != KindFunc {
		return nil, bad
	}
	lv, err := e.eval(n.Arg.Items[1])
	if err != nil {
		return nil, err
	}
	list, ok := lv.([]any)
	if !ok {
		return nil, bad
	}
	parts := make([]string, 0, len(list))
	for _, v := range list {
		s, ok := scalarString(v)
		if !ok {
			return nil, bad
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, n.Arg.Items[0].Str), nil
}

func (e *evaluator) selectFn(n *Node) (any, error) {
	bad := templateErrorf(n.Pos, "Fn::Select requires a list argument with two elements: an integer index and a list")
	if !n.Arg.IsList() || len(n.Arg.Items) != 2 {
		return nil, bad
	}
	iv, err := e.eval(n.Arg.Items[0])
	if err != nil {
		return nil, err
	}
	is, ok := scalarString(iv)
	if !ok {
		return nil, bad
	}
	idx, perr := strconv.Atoi(strings.TrimSpace(is))
	if perr != nil {
		return nil, bad
	}
	lv, err := e.eval(n.Arg.Items[1])
	if err != nil {
		return nil, err
	}
	list, ok := lv.([]any)
	if !ok {
		return nil, bad
	}
	if idx < 0 || idx >= len(list) {
		return nil, templateErrorf(n.Pos, "Fn::Select cannot select nonexistent value at index %d", idx)
	}
	return list[idx], nil
}

func (e *evaluator) split(n *Node) (any, error) {
	bad := templateErrorf(n.Pos, "every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.")
	if !n.Arg.IsList() || len(n.Arg.Items) != 2 || !n.Arg.Items[0].IsString() || n.Arg.Items[0].Str == "" {
		return nil, bad
	}
	sv, err := e.eval(n.Arg.Items[1])
	if err != nil {
		return nil, err
	}
	s, ok := scalarString(sv)
	if !ok {
		return nil, bad
	}
	return stringsToAny(strings.Split(s, n.Arg.Items[0].Str)), nil
}

func (e *evaluator) ifFn(n *Node) (any, error) {
	if !n.Arg.IsList() || len(n.Arg.Items) != 3 || !n.Arg.Items[0].IsString() {
		return nil, templateErrorf(n.Pos, "every Fn::If object requires three parameters, the condition, the value if true and the value if false.")
	}
	name := n.Arg.Items[0].Str
	var (
		v   bool
		err error
	)
	if e.condFn != nil {
		v, err = e.condFn(name, n)
	} else if c, ok := e.b.conditions[name]; ok {
		v = c
	} else {
		err = templateErrorf(n.Pos, "unresolved condition dependency %s in Fn::If", name)
	}
	if err != nil {
		return nil, err
	}
	if v {
		return e.eval(n.Arg.Items[1])
	}
	return e.eval(n.Arg.Items[2])
}

func (e *evaluator) findInMap(n *Node) (any, error) {
	if !n.Arg.IsList() || len(n.Arg.Items) != 3 {
		return nil, templateErrorf(n.Pos, "every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value")
	}
	keys := make([]string, 3)
	for i, it := range n.Arg.Items {
		v, err := e.eval(it)
		if err != nil {
			return nil, err
		}
		s, ok := scalarString(v)
		if !ok {
			return nil, templateErrorf(n.Pos, "every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value")
		}
		keys[i] = s
	}
	v := e.b.mappings.Get(keys[0]).Get(keys[1]).Get(keys[2])
	if v == nil {
		return nil, templateErrorf(n.Pos, "Unable to get mapping for %s::%s::%s", keys[0], keys[1], keys[2])
	}
	return e.eval(v)
}

func (e *evaluator) cidr(n *Node) (any, error) {
	bad := templateErrorf(n.Pos, "every Fn::Cidr object requires three parameters, (1) an IP address block, (2) the count of subnets and (3) the number of subnet bits")
	if !n.Arg.IsList() || len(n.Arg.Items) != 3 {
		return nil, bad
	}
	var args [3]string
	for i, it := range n.Arg.Items {
		v, err := e.eval(it)
		if err != nil {
			return nil, err
		}
		s, ok := scalarString(v)
		if !ok {
			return nil, bad
		}
		args[i] = strings.TrimSpace(s)
	}
	count, err1 := strconv.Atoi(args[1])
	bits, err2 := strconv.Atoi(args[2])
	if err1 != nil || err2 != nil {
		return nil, bad
	}
	subnets, err := cidrSubnets(args[0], count, bits)
	if err != nil {
		return nil, templateErrorf(n.Pos, "Fn::Cidr: %v", err)
	}
	return stringsToAny(subnets), nil
}

// condition evaluates a condition function (Fn::Equals, Fn::And, Fn::Or,
// Fn::Not, Condition).
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-conditions.html
func (e *evaluator) condition(n *Node) (bool, error) {
	if n.Kind != KindFunc {
		return false, formatErrorf(n.Pos, "Conditions can only be boolean operations on parameters and other conditions")
	}
	switch n.Str {
	case "Condition":
		if !n.Arg.IsString() {
			return false, formatErrorf(n.Pos, "Condition must be a string naming a condition")
		}
		return e.lookupNamedCondition(n.Arg.Str, n)
	case "Fn::Equals":
		if !n.Arg.IsList() || len(n.Arg.Items) != 2 {
			return false, templateErrorf(n.Pos, "every Fn::Equals object requires a list of 2 string parameters.")
		}
		a, err := e.eval(n.Arg.Items[0])
		if err != nil {
			return false, err
		}
		b, err := e.eval(n.Arg.Items[1])
		if err != nil {
			return false, err
		}
		return valuesEqual(a, b), nil
	case "Fn::Not":
		if !n.Arg.IsList() || len(n.Arg.Items) != 1 {
			return false, templateErrorf(n.Pos, "every Fn::Not object requires a list of 1 condition.")
		}
		v, err := e.condition(n.Arg.Items[0])
		return !v, err
	case "Fn::And", "Fn::Or":
		if !n.Arg.IsList() || len(n.Arg.Items) < 2 || len(n.Arg.Items) > 10 {
			return false, templateErrorf(n.Pos, "every %s object requires a list of at least 2 and at most 10 conditions.", n.Str)
		}
		and := n.Str == "Fn::And"
		result := and
		for _, it := range n.Arg.Items {
			v, err := e.condition(it)
			if err != nil {
				return false, err
			}
			if and {
				result = result && v
			} else {
				result = result || v
			}
		}
		return result, nil
	case "Fn::If":
		v, err := e.ifFn(n)
		if err != nil {
			return false, err
		}
		s, _ := scalarString(v)
		return s == "true", nil
	}
	if isConditionValueFunc(n.Str) {
		v, err := e.eval(n)
		if err != nil {
			return false, err
		}
		s, _ := scalarString(v)
		return strings.EqualFold(s, "true"), nil
	}
	return false, unsupportedFunction(n)
}

func isConditionValueFunc(name string) bool {
	return name == "Ref" || name == "Fn::FindInMap"
}

func (e *evaluator) lookupNamedCondition(name string, at *Node) (bool, error) {
	if e.condFn != nil {
		return e.condFn(name, at)
	}
	v, ok := e.b.conditions[name]
	if !ok {
		return false, formatErrorf(posOf(at), "Condition %s is not defined.", name)
	}
	return v, nil
}

// valuesEqual compares two evaluated values as Fn::Equals does: scalars by
// their text, lists element by element.
func valuesEqual(a, b any) bool {
	as, aok := scalarString(a)
	bs, bok := scalarString(b)
	if aok && bok {
		return as == bs
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && len(al) == len(bl) {
		for i := range al {
			if !valuesEqual(al[i], bl[i]) {
				return false
			}
		}
		return true
	}
	return false
}

// scalarString returns the text of a string, number or bool value.
func scalarString(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return string(t), true
	case bool:
		return strconv.FormatBool(t), true
	}
	return "", false
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
