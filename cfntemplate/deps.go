package cfntemplate

import (
	"container/heap"
	"strings"
)

type refKind int

const (
	refName      refKind = iota // Ref X, ${X}
	refAttribute                // Fn::GetAtt [X, ...], ${X.Attr}
	refCondition                // Fn::If [X, ...], {"Condition": X}
)

// reference is one name an expression depends on.
type reference struct {
	kind refKind
	name string
	at   *Node
}

// collectRefs appends the references in n. When choose is non-nil it
// decides Fn::If: only the branch taken is walked (choose returns the
// condition's value and whether it is known).
func collectRefs(n *Node, choose func(cond string) (bool, bool), out *[]reference) {
	if n == nil {
		return
	}
	switch n.Kind {
	case KindMap:
		for _, f := range n.Fields {
			collectRefs(f.Value, choose, out)
		}
	case KindList:
		for _, it := range n.Items {
			collectRefs(it, choose, out)
		}
	case KindFunc:
		switch n.Str {
		case "Ref":
			if n.Arg.IsString() {
				*out = append(*out, reference{refName, n.Arg.Str, n})
				return
			}
		case "Fn::GetAtt":
			if n.Arg.IsList() && len(n.Arg.Items) > 0 && n.Arg.Items[0].IsString() {
				*out = append(*out, reference{refAttribute, n.Arg.Items[0].Str, n})
				for _, it := range n.Arg.Items[1:] {
					collectRefs(it, choose, out)
				}
				return
			}
		case "Fn::Sub":
			var tmpl, vars *Node
			if n.Arg.IsString() {
				tmpl = n.Arg
			} else if n.Arg.IsList() && len(n.Arg.Items) >= 1 && n.Arg.Items[0].IsString() {
				tmpl = n.Arg.Items[0]
				if len(n.Arg.Items) > 1 {
					vars = n.Arg.Items[1]
				}
			}
			if tmpl != nil {
				for _, v := range subVars(tmpl.Str) {
					if vars.IsMap() && vars.Has(v) {
						continue
					}
					if i := strings.IndexByte(v, '.'); i > 0 && i < len(v)-1 {
						*out = append(*out, reference{refAttribute, v[:i], n})
					} else {
						*out = append(*out, reference{refName, v, n})
					}
				}
				collectRefs(vars, choose, out)
				return
			}
		case "Fn::If":
			if n.Arg.IsList() && len(n.Arg.Items) == 3 && n.Arg.Items[0].IsString() {
				cond := n.Arg.Items[0].Str
				*out = append(*out, reference{refCondition, cond, n})
				if choose != nil {
					if v, ok := choose(cond); ok {
						if v {
							collectRefs(n.Arg.Items[1], choose, out)
						} else {
							collectRefs(n.Arg.Items[2], choose, out)
						}
						return
					}
				}
				collectRefs(n.Arg.Items[1], choose, out)
				collectRefs(n.Arg.Items[2], choose, out)
				return
			}
		case "Condition":
			if n.Arg.IsString() {
				*out = append(*out, reference{refCondition, n.Arg.Str, n})
				return
			}
		}
		collectRefs(n.Arg, choose, out)
	}
}

// resourceRefs returns the references of a resource entry: everything
// but Type, Condition and DependsOn.
func resourceRefs(n *Node, choose func(string) (bool, bool)) []reference {
	var out []reference
	for _, f := range n.Fields {
		switch f.Key {
		case "Type", "Condition", "DependsOn":
			continue
		}
		collectRefs(f.Value, choose, &out)
	}
	return out
}

// graph is a dependency graph over resources in template order.
type graph struct {
	order []string
	deps  map[string][]string
}

func (g *graph) add(id string, deps []string) {
	g.order = append(g.order, id)
	seen := map[string]bool{}
	var uniq []string
	for _, d := range deps {
		if !seen[d] && d != id {
			seen[d] = true
			uniq = append(uniq, d)
		}
	}
	if g.deps == nil {
		g.deps = map[string][]string{}
	}
	g.deps[id] = uniq
	for _, d := range deps {
		if d == id {
			// A resource that refers to itself is a cycle of one.
			g.deps[id] = append(g.deps[id], id)
		}
	}
}

// sort returns a creation order: each resource after its dependencies,
// ties broken by template order (Kahn's algorithm taking the earliest
// ready resource). A cycle is reported with every resource that could not
// be ordered, as CloudFormation does.
func (g *graph) sort() ([]string, error) {
	index := make(map[string]int, len(g.order))
	for i, id := range g.order {
		index[id] = i
	}
	waiting := make([]int, len(g.order))      // unmet dependencies
	dependents := make([][]int, len(g.order)) // who waits for whom
	for i, id := range g.order {
		for _, d := range g.deps[id] {
			if j, ok := index[d]; ok {
				waiting[i]++
				dependents[j] = append(dependents[j], i)
			}
		}
	}
	ready := &intHeap{}
	for i := range g.order {
		if waiting[i] == 0 {
			heap.Push(ready, i)
		}
	}
	out := make([]string, 0, len(g.order))
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		out = append(out, g.order[i])
		for _, j := range dependents[i] {
			waiting[j]--
			if waiting[j] == 0 {
				heap.Push(ready, j)
			}
		}
	}
	if len(out) < len(g.order) {
		var stuck []string
		for i, id := range g.order {
			if waiting[i] > 0 {
				stuck = append(stuck, id)
			}
		}
		return nil, validationf(Pos{}, "Circular dependency between resources: %s", javaList(stuck))
	}
	return out, nil
}

// intHeap is a min-heap of template indexes.
type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (b *Bound) choose(cond string) (bool, bool) {
	v, ok := b.conditions[cond]
	return v, ok
}

// Dependencies returns the resources an active resource depends on (its
// Ref, Fn::GetAtt and Fn::Sub references in the branches its conditions
// select, and DependsOn), in order of appearance.
func (b *Bound) Dependencies(logicalID string) []string {
	n := b.resources[logicalID]
	if n == nil {
		return nil
	}
	var deps []string
	for _, r := range resourceRefs(n, b.choose) {
		if r.kind == refCondition {
			continue
		}
		if _, ok := b.resources[r.name]; ok {
			deps = append(deps, r.name)
		}
	}
	deps = append(deps, dependsOn(n.Get("DependsOn"))...)
	return uniqueStrings(deps)
}

// Order returns the active resources in creation order: every resource
// after the resources it depends on, ties broken by template order, so the
// order is deterministic.
func (b *Bound) Order() ([]string, error) {
	var g graph
	for _, id := range b.Resources() {
		var deps []string
		for _, d := range b.Dependencies(id) {
			if b.active[d] {
				deps = append(deps, d)
			}
		}
		g.add(id, deps)
	}
	return g.sort()
}

// DeletionOrder returns the active resources in deletion order: the
// reverse of Order.
func (b *Bound) DeletionOrder() ([]string, error) {
	order, err := b.Order()
	if err != nil {
		return nil, err
	}
	for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
		order[i], order[j] = order[j], order[i]
	}
	return order, nil
}

// checkActiveReferences reports references from active resources and
// outputs to resources whose condition is false, as CloudFormation does
// before creating anything.
func (b *Bound) checkActiveReferences() error {
	check := func(refs []reference, block string) error {
		var bad []string
		seen := map[string]bool{}
		var at *Node
		for _, r := range refs {
			if r.kind == refCondition {
				continue
			}
			if _, isRes := b.resources[r.name]; isRes && !b.active[r.name] && !seen[r.name] {
				seen[r.name] = true
				bad = append(bad, r.name)
				if at == nil {
					at = r.at
				}
			}
		}
		if len(bad) > 0 {
			return formatErrorf(posOf(at), "Unresolved resource dependencies %s in the %s block of the template", javaList(bad), block)
		}
		return nil
	}
	var refs []reference
	for _, id := range b.Resources() {
		n := b.resources[id]
		refs = append(refs, resourceRefs(n, b.choose)...)
		for _, d := range dependsOn(n.Get("DependsOn")) {
			refs = append(refs, reference{refName, d, n.Get("DependsOn")})
		}
	}
	if err := check(refs, blockResources); err != nil {
		return err
	}
	refs = refs[:0]
	if outs := b.t.Section("Outputs"); outs.IsMap() {
		for _, f := range outs.Fields {
			if !b.outputActive(f.Value) {
				continue
			}
			for _, k := range []string{"Value", "Export"} {
				collectRefs(f.Value.Get(k), b.choose, &refs)
			}
		}
	}
	return check(refs, blockOutputs)
}

func uniqueStrings(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
