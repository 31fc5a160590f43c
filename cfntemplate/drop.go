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
}

func (d Dropped) String() string {
	switch {
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
