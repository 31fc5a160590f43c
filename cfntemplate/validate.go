package cfntemplate

import (
	"strconv"
	"strings"
)

// topLevelSection reports whether name is a section a template may have.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html
func topLevelSection(name string) bool {
	switch name {
	case "AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules",
		"Mappings", "Conditions", "Transform", "Resources", "Outputs", "Hooks":
		return true
	}
	return false
}

// maxResources is CloudFormation's limit on resources per template.
const maxResources = 500

// resourceAttribute reports whether name may appear in a resource entry.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-product-attribute-reference.html
func resourceAttribute(name string) bool {
	switch name {
	case "Type", "Properties", "DependsOn", "Metadata", "Condition", "DeletionPolicy",
		"UpdatePolicy", "UpdateReplacePolicy", "CreationPolicy", "Version":
		return true
	}
	return false
}

// Validate checks a (processed) template as ValidateTemplate does and
// returns the first problem as a ValidationError with CloudFormation's
// message: unknown sections, resources without Type, references to
// undefined resources, parameters or conditions, malformed intrinsic
// function calls, null values, and circular dependencies.
func (t *Template) Validate() error {
	root := t.root
	if !root.IsMap() {
		return formatErrorf(posOf(root), "unsupported structure.")
	}
	var unknown []string
	for _, f := range root.Fields {
		if !topLevelSection(f.Key) {
			unknown = append(unknown, f.Key)
		}
	}
	if len(unknown) > 0 {
		return formatErrorf(root.Pos, "Invalid template property or properties %s", javaList(unknown))
	}
	if err := checkNulls(root, ""); err != nil {
		return err
	}
	if v := root.Get("AWSTemplateFormatVersion"); v != nil {
		if s, _ := v.Scalar(); s != "2010-09-09" {
			return formatErrorf(v.Pos, "Unsupported AWSTemplateFormatVersion %s; the only valid version is 2010-09-09", s)
		}
	}
	if d := root.Get("Description"); d != nil && !d.IsString() {
		return formatErrorf(d.Pos, "Every Description member must be a string.")
	}
	decls, err := t.Parameters()
	if err != nil {
		return err
	}
	params := map[string]bool{}
	for _, d := range decls {
		params[d.Name] = true
	}
	if err := t.validateMappings(); err != nil {
		return err
	}
	res := root.Get("Resources")
	if !res.IsMap() || len(res.Fields) == 0 {
		return formatErrorf(posOf(res), "At least one Resources member must be defined.")
	}
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
	if n := len(res.Fields); n > maxResources {
		return formatErrorf(res.Pos, "Number of resources, %d, is greater than maximum allowed, %d", n, maxResources)
	}
	resources := map[string]bool{}
	for _, f := range res.Fields {
		resources[f.Key] = true
	}
	conds := root.Get("Conditions")
	if conds != nil && !conds.IsMap() {
		return formatErrorf(conds.Pos, "Every Conditions member must be an object")
	}
	v := &validator{params: params, resources: resources, conditions: conds}
	if err := v.conditionsSection(conds); err != nil {
		return err
	}
	var g graph
	for _, f := range res.Fields {
		deps, err := v.resource(f.Key, f.Value)
		if err != nil {
			return err
		}
		g.add(f.Key, deps)
	}
	if err := v.outputs(root.Get("Outputs")); err != nil {
		return err
	}
	_, err = g.sort()
	return err
}

// checkNulls reports the first null value with its JSON pointer.
func checkNulls(n *Node, path string) error {
	switch n.Kind {
	case KindNull:
		return validationf(n.Pos, "[%s] 'null' values are not allowed in templates", path)
	case KindMap:
		for _, f := range n.Fields {
			if err := checkNulls(f.Value, path+"/"+f.Key); err != nil {
				return err
			}
		}
	case KindList:
		for i, it := range n.Items {
			if err := checkNulls(it, path+"/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
	case KindFunc:
		return checkNulls(n.Arg, path+"/"+n.Str)
	}
	return nil
}

func (t *Template) validateMappings() error {
	m := t.Section("Mappings")
	if m == nil {
		return nil
	}
	if !m.IsMap() {
		return formatErrorf(m.Pos, "Every Mappings member must be a map")
	}
	for _, top := range m.Fields {
		if !top.Value.IsMap() {
			return formatErrorf(top.Value.Pos, "Every Mappings member %s must be a map", top.Key)
		}
		for _, second := range top.Value.Fields {
			if !second.Value.IsMap() {
				return formatErrorf(second.Value.Pos, "Every Mappings member %s must be a map", second.Key)
			}
			for _, attr := range second.Value.Fields {
				switch attr.Value.Kind {
				case KindString, KindNumber, KindBool, KindList:
				default:
					return formatErrorf(attr.Value.Pos, "Every Mappings attribute must be a String or a List.")
				}
			}
		}
	}
	return nil
}

type validator struct {
	params     map[string]bool
	resources  map[string]bool
	conditions *Node
}

func (v *validator) conditionDefined(name string) bool {
	return v.conditions.Has(name)
}

func (v *validator) conditionsSection(conds *Node) error {
	if conds == nil {
		return nil
	}
	for _, f := range conds.Fields {
		if f.Value.Kind != KindFunc {
			return formatErrorf(f.Value.Pos, "Conditions can only be boolean operations on parameters and other conditions")
		}
		if err := checkFuncs(f.Value); err != nil {
			return err
		}
		var refs []reference
		collectRefs(f.Value, nil, &refs)
		for _, r := range refs {
			switch r.kind {
			case refCondition:
				if !v.conditionDefined(r.name) {
					return formatErrorf(posOf(r.at), "Condition %s is not defined.", r.name)
				}
			default:
				if r.kind == refName && (v.params[r.name] || isPseudo(r.name)) {
					continue
				}
				return formatErrorf(posOf(r.at), "Unresolved dependencies [%s]. Cannot reference resources in the Conditions block of the template", r.name)
			}
		}
	}
	return nil
}

// resource validates one resource entry and returns its dependencies.
func (v *validator) resource(id string, n *Node) ([]string, error) {
	if !n.IsMap() {
		return nil, formatErrorf(n.Pos, "Any Resources member must be an object.")
	}
	if !alnumRE.MatchString(id) {
		return nil, formatErrorf(n.Pos, "Resource name %s is non alphanumeric.", id)
	}
	typ := n.Get("Type")
	if typ == nil {
		return nil, formatErrorf(n.Pos, "[/Resources/%s] Every Resources object must contain a Type member.", id)
	}
	if !typ.IsString() {
		return nil, formatErrorf(typ.Pos, "[/Resources/%s/Type] Every Type member must be a string.", id)
	}
	for _, f := range n.Fields {
		if !resourceAttribute(f.Key) {
			return nil, validationf(f.Value.Pos, "Invalid template resource property '%s'", f.Key)
		}
	}
	if p := n.Get("Properties"); p != nil && !p.IsMap() && p.Kind != KindFunc {
		return nil, formatErrorf(p.Pos, "[/Resources/%s/Properties] Every Properties member must be an object.", id)
	}
	if c := n.Get("Condition"); c != nil {
		if !c.IsString() {
			return nil, formatErrorf(c.Pos, "Every Condition member must be a string.")
		}
		if !v.conditionDefined(c.Str) {
			return nil, formatErrorf(c.Pos, "Condition %s is not defined.", c.Str)
		}
	}
	var deps []string
	if d := n.Get("DependsOn"); d != nil {
		if !d.IsString() && !(d.IsList() && allStrings(d.Items)) {
			return nil, formatErrorf(d.Pos, "[/Resources/%s/DependsOn] DependsOn must be a string or a list of strings.", id)
		}
		var missing []string
		for _, name := range dependsOn(d) {
			if !v.resources[name] {
				missing = append(missing, name)
			}
			deps = append(deps, name)
		}
		if len(missing) > 0 {
			return nil, formatErrorf(d.Pos, "Unresolved resource dependencies %s in the Resources block of the template", javaList(missing))
		}
	}
	for _, f := range n.Fields {
		switch f.Key {
		case "Type", "Condition", "DependsOn":
			continue
		}
		if err := checkFuncs(f.Value); err != nil {
			return nil, err
		}
	}
	refDeps, err := v.references(resourceRefs(n, nil), blockResources)
	if err != nil {
		return nil, err
	}
	return append(deps, refDeps...), nil
}

// references checks that every reference names something defined and
// returns the resources among them.
func (v *validator) references(refs []reference, block string) ([]string, error) {
	var deps, unresolved []string
	var first *Node
	seen := map[string]bool{}
	for _, r := range refs {
		switch r.kind {
		case refCondition:
			if !v.conditionDefined(r.name) {
				if r.at.IsFunc("Fn::If") {
					return nil, templateErrorf(posOf(r.at), "unresolved condition dependency %s in Fn::If", r.name)
				}
				return nil, formatErrorf(posOf(r.at), "Condition %s is not defined.", r.name)
			}
		case refAttribute:
			if !v.resources[r.name] {
				if r.at.IsFunc("Fn::GetAtt") {
					return nil, templateErrorf(posOf(r.at), "instance of Fn::GetAtt references undefined resource %s", r.name)
				}
				if !seen[r.name] {
					seen[r.name] = true
					unresolved = append(unresolved, r.name)
					if first == nil {
						first = r.at
					}
				}
				continue
			}
			deps = append(deps, r.name)
		case refName:
			switch {
			case v.resources[r.name]:
				deps = append(deps, r.name)
			case v.params[r.name], isPseudo(r.name):
			default:
				if !seen[r.name] {
					seen[r.name] = true
					unresolved = append(unresolved, r.name)
					if first == nil {
						first = r.at
					}
				}
			}
		}
	}
	if len(unresolved) > 0 {
		return nil, formatErrorf(posOf(first), "Unresolved resource dependencies %s in the %s block of the template", javaList(unresolved), block)
	}
	return deps, nil
}

func (v *validator) outputs(outs *Node) error {
	if outs == nil {
		return nil
	}
	if !outs.IsMap() {
		return formatErrorf(outs.Pos, "Every Outputs member must contain a Value object")
	}
	for _, f := range outs.Fields {
		if !f.Value.IsMap() || f.Value.Get("Value") == nil {
			return formatErrorf(f.Value.Pos, "Every Outputs member must contain a Value object")
		}
		if c := f.Value.Get("Condition"); c != nil {
			if !c.IsString() || !v.conditionDefined(c.Str) {
				s, _ := c.Scalar()
				return formatErrorf(c.Pos, "Condition %s is not defined.", s)
			}
		}
		if e := f.Value.Get("Export"); e != nil && (!e.IsMap() || e.Get("Name") == nil) {
			return formatErrorf(e.Pos, "Every Export member must contain a Name object")
		}
		var refs []reference
		for _, k := range []string{"Value", "Export"} {
			if err := checkFuncs(f.Value.Get(k)); err != nil {
				return err
			}
			collectRefs(f.Value.Get(k), nil, &refs)
		}
		if _, err := v.references(refs, blockOutputs); err != nil {
			return err
		}
	}
	return nil
}

func allStrings(items []*Node) bool {
	for _, it := range items {
		if !it.IsString() {
			return false
		}
	}
	return true
}

// checkFuncs checks the shape of every function call under n, without
// evaluating anything, with the messages evaluation would give.
func checkFuncs(n *Node) error {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case KindMap:
		for _, f := range n.Fields {
			if err := checkFuncs(f.Value); err != nil {
				return err
			}
		}
		return nil
	case KindList:
		for _, it := range n.Items {
			if err := checkFuncs(it); err != nil {
				return err
			}
		}
		return nil
	case KindFunc:
	default:
		return nil
	}
	a := n.Arg
	listOf := func(k int) bool { return a.IsList() && len(a.Items) == k }
	switch n.Str {
	case "Ref":
		if !a.IsString() {
			return templateErrorf(n.Pos, "every Ref object requires a single string parameter.")
		}
	case "Fn::GetAtt":
		if !listOf(2) || !a.Items[0].IsString() || a.Items[0].Str == "" ||
			!(a.Items[1].IsString() && a.Items[1].Str != "" || a.Items[1].IsFunc("Ref")) {
			return templateErrorf(n.Pos, "every Fn::GetAtt object requires two non-empty parameters, the resource name and the resource attribute")
		}
	case "Fn::Join":
		if !listOf(2) || !a.Items[0].IsString() || (a.Items[1].Kind != KindList && a.Items[1].Kind != KindFunc) {
			return templateErrorf(n.Pos, "every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.")
		}
	case "Fn::Select":
		if !listOf(2) || (a.Items[1].Kind != KindList && a.Items[1].Kind != KindFunc) {
			return templateErrorf(n.Pos, "Fn::Select requires a list argument with two elements: an integer index and a list")
		}
		if idx, ok := a.Items[0].Scalar(); ok && a.Items[1].IsList() {
			i, err := strconv.Atoi(strings.TrimSpace(idx))
			if err != nil {
				return templateErrorf(n.Pos, "Fn::Select requires a list argument with two elements: an integer index and a list")
			}
			if i < 0 || i >= len(a.Items[1].Items) {
				return templateErrorf(n.Pos, "Fn::Select cannot select nonexistent value at index %d", i)
			}
		}
	case "Fn::Split":
		if !listOf(2) || !a.Items[0].IsString() || a.Items[0].Str == "" || a.Items[1].Kind == KindList || a.Items[1].Kind == KindMap {
			return templateErrorf(n.Pos, "every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.")
		}
	case "Fn::If":
		if !listOf(3) || !a.Items[0].IsString() {
			return templateErrorf(n.Pos, "every Fn::If object requires three parameters, the condition, the value if true and the value if false.")
		}
	case "Fn::Equals":
		if !listOf(2) {
			return templateErrorf(n.Pos, "every Fn::Equals object requires a list of 2 string parameters.")
		}
	case "Fn::FindInMap":
		if !listOf(3) {
			return templateErrorf(n.Pos, "every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value")
		}
	case "Fn::Sub":
		ok := a.IsString() || (listOf(2) && a.Items[0].IsString() && a.Items[1].IsMap())
		if !ok {
			return templateErrorf(n.Pos, "One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string")
		}
	case "Fn::Cidr":
		if !listOf(3) {
			return templateErrorf(n.Pos, "every Fn::Cidr object requires three parameters, (1) an IP address block, (2) the count of subnets and (3) the number of subnet bits")
		}
	case "Fn::Not":
		if !listOf(1) {
			return templateErrorf(n.Pos, "every Fn::Not object requires a list of 1 condition.")
		}
	case "Fn::And", "Fn::Or":
		if !a.IsList() || len(a.Items) < 2 || len(a.Items) > 10 {
			return templateErrorf(n.Pos, "every %s object requires a list of at least 2 and at most 10 conditions.", n.Str)
		}
	case "Fn::Base64", "Fn::GetAZs", "Fn::ImportValue", "Condition":
	default:
		return unsupportedFunction(n)
	}
	return checkFuncs(a)
}
