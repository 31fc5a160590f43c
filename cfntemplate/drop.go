package cfntemplate

import (
	"fmt"
	"slices"
)

// Dropped is a resource or output DropResources left out.
type Dropped struct {
	// LogicalID is the resource's logical ID or the output's key.
	LogicalID string
	// Type is the resource's type; "" for an output.
	Type string
	// Because is the dropped resource it references, "" for a resource
	// dropped for its own type.
	Because string
	// Reason, when set, says why instead (an event source or Globals
	// section the SAM transform does not translate).
	Reason string
}

// String says what was left out and why, as deploy warnings show it.
func (d Dropped) String() string {
	switch {
	case d.Reason != "":
		return fmt.Sprintf("%s: %s", d.LogicalID, d.Reason)
	case d.Type == "":
		return fmt.Sprintf("output %s (references %s)", d.LogicalID, d.Because)
	case d.Because == "":
		return fmt.Sprintf("%s (%s)", d.LogicalID, d.Type)
	}
	return fmt.Sprintf("%s (%s, references %s)", d.LogicalID, d.Type, d.Because)
}

// DropResources returns a copy of a processed template (no Transform
// left) without the resources whose type is in types and, transitively,
// the resources that reference a dropped one (Ref, Fn::GetAtt, Fn::Sub,
// DependsOn) and the outputs that do. The dropped entries are listed in
// template order, resources first. It is how a deployment leaves out the
// resource types a target cannot provision (xacct's --skip-unsupported).
func (t *Template) DropResources(types []string) (*Template, []Dropped) {
	root := t.root.Clone()
	res := root.Get("Resources")
	if !res.IsMap() {
		return New(root), nil
	}
	reason := map[string]string{} // dropped id -> the dropped id it references
	for _, f := range res.Fields {
		if slices.Contains(types, typeOf(f.Value)) {
			reason[f.Key] = ""
		}
	}
	// Repeat until no resource references a dropped one.
	for changed := true; changed; {
		changed = false
		for _, f := range res.Fields {
			if _, gone := reason[f.Key]; gone {
				continue
			}
			refs := resourceRefs(f.Value, nil)
			names := make([]string, 0, len(refs))
			for _, r := range refs {
				if r.kind != refCondition {
					names = append(names, r.name)
				}
			}
			names = append(names, dependsOn(f.Value.Get("DependsOn"))...)
			for _, n := range names {
				if _, gone := reason[n]; gone {
					reason[f.Key] = n
					changed = true
					break
				}
			}
		}
	}
	var out []Dropped
	for _, f := range res.Fields {
		if by, gone := reason[f.Key]; gone {
			out = append(out, Dropped{LogicalID: f.Key, Type: typeOf(f.Value), Because: by})
		}
	}
	for _, d := range out {
		res.Delete(d.LogicalID)
	}
	if outputs := root.Get("Outputs"); outputs.IsMap() {
		var gone []string
		for _, f := range outputs.Fields {
			var refs []reference
			collectRefs(f.Value, nil, &refs)
			for _, r := range refs {
				if _, dropped := reason[r.name]; dropped && r.kind != refCondition {
					out = append(out, Dropped{LogicalID: f.Key, Because: r.name})
					gone = append(gone, f.Key)
					break
				}
			}
		}
		for _, k := range gone {
			outputs.Delete(k)
		}
		if len(outputs.Fields) == 0 {
			root.Delete("Outputs")
		}
	}
	return New(root), out
}

// WithoutUntranslated returns a copy of a SAM template without what
// xacct's SAM transform refuses but a deployment or a check can do
// without: event sources it does not translate (another type, a feature
// such as an Api event's Auth or RestApiId), the Globals sections of the
// APIs it does not build, and SAM resources of types it does not
// translate (AWS::Serverless::Api, ...) with, transitively, what
// references them. Everything else it refuses (a malformed property) is
// left for Transform to report. A template without the SAM transform is
// returned as is.
func (t *Template) WithoutUntranslated() (*Template, []Dropped) {
	if len(t.Transforms()) == 0 {
		return t, nil
	}
	root := t.root.Clone()
	var out []Dropped
	if g := root.Get("Globals"); g.IsMap() {
		for _, sec := range []string{"Api", "HttpApi", "WebSocketApi", "StateMachine", "SimpleTable", "CapacityProvider"} {
			if g.Has(sec) {
				g.Delete(sec)
				out = append(out, Dropped{LogicalID: "Globals." + sec, Reason: "not supported by xacct's SAM transform"})
			}
		}
		if fn := g.Get("Function"); fn.IsMap() {
			for _, p := range untranslatedFunctionProps {
				if fn.Has(p) {
					fn.Delete(p)
					out = append(out, Dropped{LogicalID: "Globals.Function." + p, Reason: "not supported by xacct's SAM transform"})
				}
			}
		}
	}
	res := root.Get("Resources")
	if !res.IsMap() {
		return New(root), out
	}
	var samTypes []string
	for _, f := range res.Fields {
		typ := typeOf(f.Value)
		if samTypeKnown(typ) && !slices.Contains(samTypes, typ) {
			samTypes = append(samTypes, typ)
		}
		if typ != "AWS::Serverless::Function" {
			continue
		}
		if props := f.Value.Get("Properties"); props.IsMap() {
			for _, p := range untranslatedFunctionProps {
				if props.Has(p) {
					props.Delete(p)
					out = append(out, Dropped{LogicalID: fmt.Sprintf("property %s of %s", p, f.Key), Reason: "not supported by xacct's SAM transform"})
				}
			}
		}
		events := f.Value.Get("Properties").Get("Events")
		if !events.IsMap() {
			continue
		}
		var gone []string
		for _, ev := range events.Fields {
			if why := untranslatedEvent(f.Value, ev.Value); why != "" {
				typ, _ := ev.Value.Get("Type").Scalar()
				gone = append(gone, ev.Key)
				out = append(out, Dropped{LogicalID: fmt.Sprintf("event %s of %s (%s)", ev.Key, f.Key, typ), Reason: why})
			}
		}
		for _, k := range gone {
			events.Delete(k)
		}
	}
	pruned, dropped := New(root).DropResources(samTypes)
	return pruned, append(out, dropped...)
}

// untranslatedFunctionProps are the AWS::Serverless::Function properties
// xacct's transform refuses; each makes resources of services the
// emulator does not have (CodeDeploy, function URLs, ...).
var untranslatedFunctionProps = []string{"DeploymentPreference", "EventInvokeConfig", "FunctionUrlConfig", "CapacityProviderConfig", "FunctionScalingConfig"}

// untranslatedEvent says why the SAM transform would refuse an event for
// what it is rather than how it is written, or "".
func untranslatedEvent(fn, ev *Node) string {
	typ := ev.Get("Type")
	if !typ.IsString() {
		return ""
	}
	if _, ok := eventSpecs(typ.Str); !ok {
		if knownEventType(typ.Str) {
			return fmt.Sprintf("event source type %s is not supported by xacct's SAM transform", typ.Str)
		}
		return ""
	}
	props := ev.Get("Properties")
	if !props.IsMap() {
		return ""
	}
	if props.Has("DeadLetterConfig") {
		return fmt.Sprintf("DeadLetterConfig on %s events is not supported by xacct's SAM transform", typ.Str)
	}
	if name := unsupportedEventProp(typ.Str, props); name != "" {
		return fmt.Sprintf("property %s on %s events is not supported by xacct's SAM transform", name, typ.Str)
	}
	if (typ.Str == "Api" || typ.Str == "HttpApi") && fn.Get("Condition") != nil {
		return fmt.Sprintf("%s events on a function with a Condition are not supported by xacct's SAM transform", typ.Str)
	}
	return ""
}
