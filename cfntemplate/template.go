package cfntemplate

import (
	"bytes"
	"unicode/utf8"
)

// Format is the syntax a template was written in.
type Format string

// Template formats.
const (
	FormatJSON Format = "JSON"
	FormatYAML Format = "YAML"
)

// Template is a parsed CloudFormation template. Intrinsic functions are
// kept as Func nodes; nothing is evaluated until Bind and Resolve.
type Template struct {
	body   []byte
	format Format
	root   *Node
}

// Parse parses a template body. A body whose first non-blank character is
// '{' is JSON (as CloudFormation decides), anything else YAML, with the
// short-form tags (!Ref, !Sub, !GetAtt, ...). Syntax errors are
// ValidationErrors "Template format error: JSON not well-formed. (line L,
// column C)" or the YAML equivalent.
func Parse(body []byte) (*Template, error) {
	if !utf8.Valid(body) {
		return nil, formatErrorf(Pos{1, 1}, "YAML not well-formed. (line 1, column 1)")
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), " \t\r\n")
	var (
		root   *Node
		err    error
		format Format
	)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		format = FormatJSON
		root, err = parseJSON(body[len(body)-len(trimmed):])
		if err != nil {
			return nil, err
		}
		// Positions are relative to the trimmed body; shift by the lines
		// skipped.
		if skipped := bytes.Count(body[:len(body)-len(trimmed)], []byte("\n")); skipped > 0 {
			shiftLines(root, skipped)
		}
	} else {
		format = FormatYAML
		root, err = parseYAML(body)
		if err != nil {
			return nil, err
		}
	}
	return &Template{body: append([]byte(nil), body...), format: format, root: root}, nil
}

func shiftLines(n *Node, by int) {
	if n == nil {
		return
	}
	if n.Pos.IsValid() {
		n.Pos.Line += by
	}
	for _, f := range n.Fields {
		shiftLines(f.Value, by)
	}
	for _, it := range n.Items {
		shiftLines(it, by)
	}
	shiftLines(n.Arg, by)
}

// New returns a template for an already built root node, rendered as JSON
// for Body.
func New(root *Node) *Template {
	return &Template{body: root.JSON(), format: FormatJSON, root: root}
}

// Body returns the template text as it was given (for GetTemplate's
// Original stage), or the JSON rendering for templates built by New or
// Transform.
func (t *Template) Body() []byte { return t.body }

// Format returns the syntax of Body.
func (t *Template) Format() Format { return t.format }

// Root returns the template's root node. Callers must not modify it.
func (t *Template) Root() *Node { return t.root }

// JSON renders the template as indented JSON.
func (t *Template) JSON() []byte { return t.root.JSON() }

// Section returns a top-level section (Resources, Parameters, ...) or nil.
func (t *Template) Section(name string) *Node { return t.root.Get(name) }

// Description returns the template's Description, if it is a string.
func (t *Template) Description() string {
	if d := t.Section("Description"); d.IsString() {
		return d.Str
	}
	return ""
}

// Transforms returns the names in the Transform section (a string or a
// list of strings).
func (t *Template) Transforms() []string {
	tr := t.Section("Transform")
	if tr == nil {
		return nil
	}
	if tr.IsString() {
		return []string{tr.Str}
	}
	var names []string
	if tr.IsList() {
		for _, it := range tr.Items {
			if it.IsString() {
				names = append(names, it.Str)
			}
		}
	}
	return names
}

// Resource is one entry of the Resources section.
type Resource struct {
	LogicalID string
	Type      string
	// Properties is the Properties map, or nil.
	Properties *Node
	// Condition names the condition the resource depends on, if any.
	Condition string
	// DependsOn lists explicit dependencies.
	DependsOn []string
	// DeletionPolicy and UpdateReplacePolicy are "Delete", "Retain" or
	// "Snapshot" (empty when not given).
	DeletionPolicy, UpdateReplacePolicy string
	// Metadata is the Metadata attribute, or nil.
	Metadata *Node
	// Node is the whole resource entry.
	Node *Node
}

// Resources returns the template's resources in template order. Entries
// that are not maps are skipped (Validate reports them).
func (t *Template) Resources() []Resource {
	res := t.Section("Resources")
	if !res.IsMap() {
		return nil
	}
	out := make([]Resource, 0, len(res.Fields))
	for _, f := range res.Fields {
		if !f.Value.IsMap() {
			continue
		}
		out = append(out, resourceOf(f.Key, f.Value))
	}
	return out
}

// Resource returns the resource with the given logical ID.
func (t *Template) Resource(logicalID string) (Resource, bool) {
	n := t.Section("Resources").Get(logicalID)
	if !n.IsMap() {
		return Resource{}, false
	}
	return resourceOf(logicalID, n), true
}

func resourceOf(id string, n *Node) Resource {
	r := Resource{LogicalID: id, Node: n, Metadata: n.Get("Metadata")}
	if v := n.Get("Type"); v.IsString() {
		r.Type = v.Str
	}
	if v := n.Get("Properties"); v.IsMap() {
		r.Properties = v
	}
	if v := n.Get("Condition"); v.IsString() {
		r.Condition = v.Str
	}
	if v := n.Get("DeletionPolicy"); v.IsString() {
		r.DeletionPolicy = v.Str
	}
	if v := n.Get("UpdateReplacePolicy"); v.IsString() {
		r.UpdateReplacePolicy = v.Str
	}
	r.DependsOn = dependsOn(n.Get("DependsOn"))
	return r
}

func dependsOn(n *Node) []string {
	switch {
	case n.IsString():
		return []string{n.Str}
	case n.IsList():
		var out []string
		for _, it := range n.Items {
			if it.IsString() {
				out = append(out, it.Str)
			}
		}
		return out
	}
	return nil
}

// Capabilities returns the capabilities CreateStack requires for this
// (processed) template and CloudFormation's reason text: CAPABILITY_IAM for
// IAM resources, CAPABILITY_NAMED_IAM when one of them has a custom name.
func (t *Template) Capabilities() ([]string, string) {
	nameProp := map[string]string{
		"AWS::IAM::Role":                "RoleName",
		"AWS::IAM::User":                "UserName",
		"AWS::IAM::Group":               "GroupName",
		"AWS::IAM::ManagedPolicy":       "ManagedPolicyName",
		"AWS::IAM::InstanceProfile":     "InstanceProfileName",
		"AWS::IAM::Policy":              "",
		"AWS::IAM::AccessKey":           "",
		"AWS::IAM::UserToGroupAddition": "",
	}
	var types []string
	seen := map[string]bool{}
	named := false
	for _, r := range t.Resources() {
		prop, iam := nameProp[r.Type]
		if !iam {
			continue
		}
		if !seen[r.Type] {
			seen[r.Type] = true
			types = append(types, r.Type)
		}
		if prop != "" && r.Properties.Has(prop) {
			named = true
		}
	}
	if len(types) == 0 {
		return nil, ""
	}
	capability := "CAPABILITY_IAM"
	if named {
		capability = "CAPABILITY_NAMED_IAM"
	}
	return []string{capability}, "The following resource(s) require capabilities: " + javaList(types)
}
