package cfntemplate

import (
	"context"
	"sort"
	"strings"
)

// Pseudo holds the values of CloudFormation's pseudo parameters for one
// stack.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/pseudo-parameter-reference.html
type Pseudo struct {
	AccountID string
	Region    string
	StackName string
	StackID   string
	// Partition and URLSuffix are derived from Region when empty.
	Partition string
	URLSuffix string
	// NotificationARNs is the stack's notification topics.
	NotificationARNs []string
	// AvailabilityZones returns Fn::GetAZs for a region; nil means the
	// region's a, b and c zones.
	AvailabilityZones func(region string) []string
}

// PartitionOf returns the partition a region belongs to ("aws",
// "aws-cn", "aws-us-gov", ...).
func PartitionOf(region string) string {
	r := strings.ToLower(region)
	for _, p := range []struct{ prefix, partition string }{
		{"cn-", "aws-cn"},
		{"us-gov", "aws-us-gov"},
		{"us-isob", "aws-iso-b"},
		{"us-isof", "aws-iso-f"},
		{"us-iso-", "aws-iso"},
		{"eu-isoe", "aws-iso-e"},
		{"eusc-", "aws-eusc"},
	} {
		if strings.HasPrefix(r, p.prefix) {
			return p.partition
		}
	}
	return "aws"
}

func urlSuffixOf(partition string) string {
	switch partition {
	case "aws-cn":
		return "amazonaws.com.cn"
	case "aws-iso":
		return "c2s.ic.gov"
	case "aws-iso-b":
		return "sc2s.sgov.gov"
	}
	return "amazonaws.com"
}

func (p Pseudo) withDefaults() Pseudo {
	if p.Partition == "" {
		p.Partition = PartitionOf(p.Region)
	}
	if p.URLSuffix == "" {
		p.URLSuffix = urlSuffixOf(p.Partition)
	}
	return p
}

func (p Pseudo) azs(region string) []string {
	if region == "" {
		region = p.Region
	}
	if p.AvailabilityZones != nil {
		return p.AvailabilityZones(region)
	}
	return []string{region + "a", region + "b", region + "c"}
}

func isPseudo(name string) bool {
	switch name {
	case "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition",
		"AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix":
		return true
	}
	return false
}

// Resolver gives the engine's view of resources that already exist: the
// stack engine implements it. Implementations must be safe for concurrent
// use if the engine resolves several resources at once.
type Resolver interface {
	// Ref returns a created resource's physical ID (what Ref returns).
	Ref(ctx context.Context, logicalID string) (string, error)
	// GetAtt returns an attribute of a created resource: a string, or a
	// []any of strings for list attributes. An unknown attribute should be
	// reported as CloudFormation does: "Template error: resource X does not
	// support attribute type Y in Fn::GetAtt".
	GetAtt(ctx context.Context, logicalID, attribute string) (any, error)
	// ImportValue returns the value of another stack's export. A missing
	// export should be reported as "No export named X".
	ImportValue(ctx context.Context, exportName string) (string, error)
}

// Bound is a template bound to parameter values and pseudo parameters,
// with its conditions evaluated: what a stack operation works on.
type Bound struct {
	t          *Template
	pseudo     Pseudo
	params     map[string]any
	paramList  []ParameterValue
	conditions map[string]bool
	mappings   *Node
	resources  map[string]*Node
	active     map[string]bool
}

// Bind checks parameter values against the template's declarations,
// evaluates the Conditions section and returns the bound template. The
// template should have been transformed and validated first.
func (t *Template) Bind(params map[string]string, pseudo Pseudo) (*Bound, error) {
	decls, err := t.Parameters()
	if err != nil {
		return nil, err
	}
	values, list, err := bindParameters(decls, params)
	if err != nil {
		return nil, err
	}
	b := &Bound{
		t:          t,
		pseudo:     pseudo.withDefaults(),
		params:     values,
		paramList:  list,
		conditions: map[string]bool{},
		mappings:   t.Section("Mappings"),
		resources:  map[string]*Node{},
		active:     map[string]bool{},
	}
	if res := t.Section("Resources"); res.IsMap() {
		for _, f := range res.Fields {
			b.resources[f.Key] = f.Value
		}
	}
	if err := b.evalConditions(); err != nil {
		return nil, err
	}
	for id, n := range b.resources {
		c := n.Get("Condition")
		if c == nil {
			b.active[id] = true
			continue
		}
		v, ok := b.conditions[c.Str]
		if !c.IsString() || !ok {
			s, _ := c.Scalar()
			return nil, formatErrorf(c.Pos, "Condition %s is not defined.", s)
		}
		b.active[id] = v
	}
	if err := b.checkActiveReferences(); err != nil {
		return nil, err
	}
	return b, nil
}

// Template returns the bound template.
func (b *Bound) Template() *Template { return b.t }

// Pseudo returns the pseudo parameters, with Partition and URLSuffix
// filled in.
func (b *Bound) Pseudo() Pseudo { return b.pseudo }

// Parameters returns the parameter values in declaration order.
func (b *Bound) Parameters() []ParameterValue { return b.paramList }

// Condition returns a condition's value and whether it is declared.
func (b *Bound) Condition(name string) (value, ok bool) {
	value, ok = b.conditions[name]
	return value, ok
}

// Active reports whether a resource is created: it exists and has no
// Condition or a true one.
func (b *Bound) Active(logicalID string) bool { return b.active[logicalID] }

// Resources returns the logical IDs of the active resources in template
// order.
func (b *Bound) Resources() []string {
	var out []string
	for _, r := range b.t.Resources() {
		if b.active[r.LogicalID] {
			out = append(out, r.LogicalID)
		}
	}
	return out
}

func (b *Bound) evalConditions() error {
	sec := b.t.Section("Conditions")
	if sec == nil {
		return nil
	}
	if !sec.IsMap() {
		return formatErrorf(sec.Pos, "Every Conditions member must be an object")
	}
	state := map[string]int{} // 1 visiting, 2 done
	var stack []string
	var visit func(name string, at *Node) (bool, error)
	visit = func(name string, at *Node) (bool, error) {
		switch state[name] {
		case 2:
			return b.conditions[name], nil
		case 1:
			i := len(stack) - 1
			for i > 0 && stack[i] != name {
				i--
			}
			cycle := append([]string(nil), stack[i:]...)
			return false, formatErrorf(posOf(at), "Circular dependency between conditions: %s", javaList(cycle))
		}
		def := sec.Get(name)
		if def == nil {
			return false, formatErrorf(posOf(at), "Condition %s is not defined.", name)
		}
		state[name] = 1
		stack = append(stack, name)
		e := &evaluator{ctx: context.Background(), b: b, block: blockConditions, condFn: visit}
		v, err := e.condition(def)
		stack = stack[:len(stack)-1]
		if err != nil {
			return false, err
		}
		state[name] = 2
		b.conditions[name] = v
		return v, nil
	}
	for _, f := range sec.Fields {
		if _, err := visit(f.Key, f.Value); err != nil {
			return err
		}
	}
	return nil
}

func sortStrings(s []string) { sort.Strings(s) }
