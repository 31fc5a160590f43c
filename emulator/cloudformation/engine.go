package cloudformation

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/xacct/xacct/cfntemplate"
	"github.com/xacct/xacct/emulator/awserr"
)

// resolver answers Ref, Fn::GetAtt and Fn::ImportValue from a stack's
// current resources and the region's exports.
type resolver struct {
	s  *store
	st *stack
}

func (r resolver) Ref(ctx context.Context, id string) (string, error) {
	res := r.s.resource(r.st, id)
	if res == nil || res.PhysicalID == "" {
		return "", awserr.Validation("Template error: resource %s is not created yet", id)
	}
	return res.PhysicalID, nil
}

func (r resolver) GetAtt(ctx context.Context, id, attr string) (any, error) {
	var v any
	var err error
	r.s.view(func(stacks) {
		res := r.st.Resources[id]
		if res == nil {
			err = awserr.Validation("Template error: instance of Fn::GetAtt references undefined resource %s", id)
			return
		}
		var ok bool
		if v, ok = res.Attrs[attr]; !ok {
			err = awserr.Validation("Template error: resource %s does not support attribute type %s in Fn::GetAtt", id, attr)
		}
	})
	return v, err
}

func (r resolver) ImportValue(ctx context.Context, name string) (string, error) {
	value, found := "", false
	r.s.update(func(all stacks) {
		for _, st := range all {
			if st.Account != r.st.Account || st.Region != r.st.Region || st.Status == "DELETE_COMPLETE" {
				continue
			}
			for _, o := range st.Outputs {
				if o.ExportName == name {
					if !slices.Contains(r.st.Imports, name) {
						r.st.Imports = append(r.st.Imports, name)
					}
					value, found = o.Value, true
					return
				}
			}
		}
	})
	if !found {
		return "", awserr.Validation("No export named %s found", name)
	}
	return value, nil
}

// exportsInUse refuses to change or remove exports another stack imports,
// as CloudFormation does. next is nil when the stack is being deleted.
func (s *Service) exportsInUse(st *stack, next []cfntemplate.Output) error {
	var err error
	s.store.view(func(all stacks) { err = exportsInUse(all, st, next) })
	return err
}

func exportsInUse(all stacks, st *stack, next []cfntemplate.Output) error {
	for _, o := range st.Outputs {
		if o.ExportName == "" {
			continue
		}
		kept := false
		for _, n := range next {
			if n.ExportName == o.ExportName && n.Value == o.Value {
				kept = true
			}
		}
		if kept {
			continue
		}
		if user := all.importer(st, o.ExportName); user != "" {
			if next == nil {
				return awserr.Validation("Export %s cannot be deleted as it is in use by %s", o.ExportName, user)
			}
			return awserr.Validation("Cannot update export %s as it is in use by %s", o.ExportName, user)
		}
	}
	return nil
}

// deploy creates or updates st's resources to match p, in dependency
// order, rolling back on failure as CloudFormation does.
func (s *Service) deploy(ctx context.Context, st *stack, d *deployer, p *prepared, update bool) {
	res := resolver{s.store, st}
	order, _ := p.bound.Order()
	verb := "CREATE"
	if update {
		verb = "UPDATE"
	}
	old := map[string]*resource{}
	var oldOrder []string
	s.store.view(func(stacks) {
		for id, r := range st.Resources {
			old[id] = r.clone()
		}
		oldOrder = slices.Clone(st.Order)
	})

	var created []string               // logical ids new to the stack
	replaced := map[string]*resource{} // old physical resources replaced
	updated := map[string]*resource{}  // previous state of updated ones
	failed := ""
	var failure error
	for _, id := range order {
		def, _ := p.processed.Resource(id)
		prov := providers[def.Type]
		props, err := p.bound.ResolveProperties(ctx, id, res)
		if err != nil {
			failed, failure = id, err
			s.store.resEvent(st, id, def.Type, "", verb+"_FAILED", errText(err))
			break
		}
		prev := s.store.resource(st, id)
		switch {
		case prev == nil:
			s.store.resEvent(st, id, def.Type, "", "CREATE_IN_PROGRESS", "")
			phys, attrs, err := prov.create(ctx, d, st, id, props)
			if err != nil {
				failed, failure = id, err
				s.store.resEvent(st, id, def.Type, "", "CREATE_FAILED", errText(err))
				break
			}
			s.store.update(func(stacks) {
				st.Resources[id] = &resource{LogicalID: id, Type: def.Type, PhysicalID: phys, Props: props, Attrs: attrs, DeletionPolicy: def.DeletionPolicy}
				if !slices.Contains(st.Order, id) {
					st.Order = append(st.Order, id)
				}
			})
			s.store.resEvent(st, id, def.Type, phys, "CREATE_COMPLETE", "")
			created = append(created, id)
		case prev.Type != def.Type || !cfntemplate.ValuesEqual(prev.Props, props):
			if prev.Type != def.Type || prov.update == nil || prov.replaces(prev.Props, props) {
				s.store.resEvent(st, id, def.Type, prev.PhysicalID, "UPDATE_IN_PROGRESS", "Requested update requires the creation of a new physical resource; hence creating one.")
				phys, attrs, err := prov.create(ctx, d, st, id, props)
				if err != nil {
					failed, failure = id, err
					s.store.resEvent(st, id, def.Type, prev.PhysicalID, "UPDATE_FAILED", errText(err))
					break
				}
				s.store.update(func(stacks) { replaced[id] = prev.clone() })
				s.store.putResource(st, &resource{LogicalID: id, Type: def.Type, PhysicalID: phys, Props: props, Attrs: attrs, DeletionPolicy: def.DeletionPolicy})
				s.store.resEvent(st, id, def.Type, phys, "UPDATE_COMPLETE", "")
			} else {
				s.store.resEvent(st, id, def.Type, prev.PhysicalID, "UPDATE_IN_PROGRESS", "")
				attrs, err := prov.update(ctx, d, st, prev, props)
				if err != nil {
					failed, failure = id, err
					s.store.resEvent(st, id, def.Type, prev.PhysicalID, "UPDATE_FAILED", errText(err))
					break
				}
				s.store.update(func(stacks) {
					updated[id] = prev.clone()
					prev.Props, prev.DeletionPolicy = props, def.DeletionPolicy
					for k, v := range attrs {
						prev.Attrs[k] = v
					}
				})
				s.store.resEvent(st, id, def.Type, prev.PhysicalID, "UPDATE_COMPLETE", "")
			}
		}
		if failure != nil {
			break
		}
	}
	var outputs []cfntemplate.Output
	if failure == nil {
		var err error
		if outputs, err = p.bound.Outputs(ctx, res); err != nil {
			failure = err
		} else if update {
			failure = s.exportsInUse(st, outputs)
		}
	}
	if failure != nil {
		s.rollback(ctx, st, d, update, failed, failure, created, replaced, updated, old, oldOrder)
		return
	}

	var removed []*resource
	s.store.update(func(stacks) {
		st.Body, st.Processed, st.Params, st.Outputs = string(p.body), string(p.processed.JSON()), p.params, outputs
		st.Description = p.processed.Description()
		st.Order = order
		for i := len(oldOrder) - 1; i >= 0; i-- {
			id := oldOrder[i]
			if !slices.Contains(order, id) {
				if r := st.Resources[id]; r != nil {
					removed = append(removed, r)
				}
			}
		}
	})
	if !update {
		s.store.stackEvent(st, "CREATE_COMPLETE", "")
		return
	}
	now := s.now()
	s.store.update(func(stacks) { st.Updated = now })
	s.store.stackEvent(st, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "")
	for i := len(oldOrder) - 1; i >= 0; i-- {
		if r := replaced[oldOrder[i]]; r != nil {
			s.deleteResource(ctx, d, st, r, false)
		}
	}
	for _, r := range removed {
		if s.deleteResource(ctx, d, st, r, false) {
			s.store.removeResource(st, r.LogicalID)
		}
	}
	s.store.stackEvent(st, "UPDATE_COMPLETE", "")
}

// rollback undoes a failed create or update.
func (s *Service) rollback(ctx context.Context, st *stack, d *deployer, update bool, failed string, failure error,
	created []string, replaced, updated, old map[string]*resource, oldOrder []string) {
	if !update {
		reason := fmt.Sprintf("The following resource(s) failed to create: [%s]. ", failed)
		if failed == "" {
			reason = errText(failure)
		}
		if st.DisableRollback {
			s.store.stackEvent(st, "CREATE_FAILED", reason)
			return
		}
		s.store.stackEvent(st, "ROLLBACK_IN_PROGRESS", reason+"Rollback requested by user.")
		ok := true
		for i := len(created) - 1; i >= 0; i-- {
			if r := s.store.resource(st, created[i]); r != nil && !s.deleteResource(ctx, d, st, r, false) {
				ok = false
			}
		}
		if ok {
			s.store.stackEvent(st, "ROLLBACK_COMPLETE", "")
		} else {
			s.store.stackEvent(st, "ROLLBACK_FAILED", "The following resource(s) failed to delete during rollback.")
		}
		return
	}
	reason := fmt.Sprintf("The following resource(s) failed to update: [%s]. ", failed)
	if failed == "" {
		reason = errText(failure)
	}
	s.store.stackEvent(st, "UPDATE_ROLLBACK_IN_PROGRESS", reason)
	// Restore updated resources to their previous properties.
	for id, prev := range updated {
		cur := s.store.resource(st, id)
		s.store.resEvent(st, id, prev.Type, prev.PhysicalID, "UPDATE_IN_PROGRESS", "")
		if _, err := providers[prev.Type].update(ctx, d, st, cur, prev.Props); err != nil {
			s.store.resEvent(st, id, prev.Type, prev.PhysicalID, "UPDATE_FAILED", errText(err))
			continue
		}
		s.store.putResource(st, prev)
		s.store.resEvent(st, id, prev.Type, prev.PhysicalID, "UPDATE_COMPLETE", "")
	}
	s.store.stackEvent(st, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "")
	// New physical resources go; the replaced ones come back.
	for id, prev := range replaced {
		cur := s.store.resource(st, id)
		s.store.putResource(st, prev)
		s.deleteResource(ctx, d, st, cur, false)
	}
	for i := len(created) - 1; i >= 0; i-- {
		if r := s.store.resource(st, created[i]); r != nil && s.deleteResource(ctx, d, st, r, false) {
			s.store.removeResource(st, r.LogicalID)
		}
	}
	s.store.update(func(stacks) { st.Order = oldOrder })
	s.store.stackEvent(st, "UPDATE_ROLLBACK_COMPLETE", "")
}

// deleteResource deletes r (or skips it when retained) and reports
// whether it is gone.
func (s *Service) deleteResource(ctx context.Context, d *deployer, st *stack, r *resource, retain bool) bool {
	if retain || r.DeletionPolicy == "Retain" || r.DeletionPolicy == "RetainExceptOnCreate" && st.Status != "ROLLBACK_IN_PROGRESS" {
		s.store.resEvent(st, r.LogicalID, r.Type, r.PhysicalID, "DELETE_SKIPPED", "")
		return true
	}
	s.store.resEvent(st, r.LogicalID, r.Type, r.PhysicalID, "DELETE_IN_PROGRESS", "")
	if err := providers[r.Type].delete(ctx, d, st, r); err != nil {
		s.store.resEvent(st, r.LogicalID, r.Type, r.PhysicalID, "DELETE_FAILED", errText(err))
		return false
	}
	s.store.resEvent(st, r.LogicalID, r.Type, r.PhysicalID, "DELETE_COMPLETE", "")
	return true
}

// deleteStack deletes st's resources in reverse creation order.
func (s *Service) deleteStack(ctx context.Context, st *stack, d *deployer, retain []string) {
	if err := s.exportsInUse(st, nil); err != nil {
		s.store.stackEvent(st, "DELETE_FAILED", errText(err))
		return
	}
	var order []string
	s.store.view(func(stacks) { order = slices.Clone(st.Order) })
	var failed []string
	for i := len(order) - 1; i >= 0; i-- {
		r := s.store.resource(st, order[i])
		if r == nil {
			continue
		}
		if !s.deleteResource(ctx, d, st, r, slices.Contains(retain, r.LogicalID)) {
			failed = append(failed, r.LogicalID)
			continue
		}
		s.store.removeResource(st, r.LogicalID)
	}
	if len(failed) > 0 {
		s.store.stackEvent(st, "DELETE_FAILED", fmt.Sprintf("The following resource(s) failed to delete: [%s]. ", strings.Join(failed, ", ")))
		return
	}
	now := s.now()
	s.store.update(func(stacks) {
		st.Deleted = now
		st.ChangeSets = nil
	})
	s.store.stackEvent(st, "DELETE_COMPLETE", "")
}

// errText is the reason CloudFormation shows for a failed resource: the
// service's error as "message (Service: X, Status Code: N, Error Code: C)".
func errText(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Message
	}
	msg := err.Error()
	if i := strings.Index(msg, "api error "); i >= 0 {
		code, text, _ := strings.Cut(msg[i+len("api error "):], ": ")
		svc := ""
		if j := strings.Index(msg, "operation error "); j >= 0 {
			svc, _, _ = strings.Cut(msg[j+len("operation error "):], ":")
		}
		return fmt.Sprintf("%s (Service: %s, Error Code: %s)", text, svc, code)
	}
	return msg
}
