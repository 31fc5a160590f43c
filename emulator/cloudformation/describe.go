// This file holds the read-only stack operations: DescribeStacks,
// DescribeStackEvents, DescribeStackResources, ListStackResources,
// ListStacks and ListExports.

package cloudformation

import (
	"context"
	"slices"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/xacct/xacct/cfntemplate"
	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
)

func (s *Service) describe(st *stack) Stack {
	out := Stack{
		StackId: st.ID, StackName: st.Name, CreationTime: st.Created, StackStatus: st.Status,
		DisableRollback: st.DisableRollback, NotificationARNs: st.NotificationARNs, Capabilities: st.Capabilities,
		Tags: st.Tags, DriftInformation: StackDriftInformation{StackDriftStatus: "NOT_CHECKED"},
	}
	out.EnableTerminationProtection = st.TerminationProtection
	if st.Description != "" {
		out.Description = aws.String(st.Description)
	}
	if st.Reason != "" {
		out.StackStatusReason = aws.String(st.Reason)
	}
	if !st.Updated.IsZero() {
		out.LastUpdatedTime = aws.Time(st.Updated)
	}
	if !st.Deleted.IsZero() {
		out.DeletionTime = aws.Time(st.Deleted)
	}
	if st.RoleARN != "" {
		out.RoleARN = aws.String(st.RoleARN)
	}
	if st.ChangeSetID != "" {
		out.ChangeSetId = aws.String(st.ChangeSetID)
	}
	out.Parameters = maskedParams(st.Params)
	for _, o := range st.Outputs {
		oo := Output{OutputKey: o.Key, OutputValue: o.Value}
		if o.Description != "" {
			oo.Description = aws.String(o.Description)
		}
		if o.ExportName != "" {
			oo.ExportName = aws.String(o.ExportName)
		}
		out.Outputs = append(out.Outputs, oo)
	}
	return out
}

// maskedParams renders parameter values as DescribeStacks shows them:
// NoEcho ones as "****".
func maskedParams(ps []cfntemplate.ParameterValue) []Parameter {
	var out []Parameter
	for _, p := range ps {
		v := p.Value
		if p.NoEcho {
			v = "****"
		}
		out = append(out, Parameter{ParameterKey: p.Key, ParameterValue: aws.String(v)})
	}
	return out
}

// DescribeStacks describes one stack (by name or id) or all live ones.
func (s *Service) DescribeStacks(ctx context.Context, in *DescribeStacksIn) (*DescribeStacksOut, error) {
	call := service.FromContext(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &DescribeStacksOut{Stacks: []Stack{}}
	if name := aws.ToString(in.StackName); name != "" {
		st, err := s.stackLocked(call, name)
		if err != nil {
			return nil, err
		}
		out.Stacks = append(out.Stacks, s.describe(st))
		return out, nil
	}
	for _, st := range s.sortedLocked(call) {
		if st.Status != "DELETE_COMPLETE" {
			out.Stacks = append(out.Stacks, s.describe(st))
		}
	}
	return out, nil
}

// sortedLocked returns the caller's stacks in the region, newest first.
func (s *Service) sortedLocked(call *service.Call) []*stack {
	var out []*stack
	for _, st := range s.stacks {
		if st.Account == call.Caller.Account() && st.Region == call.Region {
			out = append(out, st)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out
}

// DescribeStackEvents lists a stack's events, newest first.
func (s *Service) DescribeStackEvents(ctx context.Context, in *DescribeStackEventsIn) (*DescribeStackEventsOut, error) {
	call := service.FromContext(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.stackLocked(call, in.StackName)
	if err != nil {
		return nil, err
	}
	out := &DescribeStackEventsOut{StackEvents: make([]StackEvent, 0, len(st.Events))}
	for i := len(st.Events) - 1; i >= 0; i-- {
		out.StackEvents = append(out.StackEvents, st.Events[i])
	}
	return out, nil
}

func (s *Service) resourcesLocked(st *stack) []*resource {
	var out []*resource
	for _, id := range st.Order {
		if r := st.Resources[id]; r != nil {
			out = append(out, r)
		}
	}
	return out
}

// DescribeStackResources lists a stack's resources.
func (s *Service) DescribeStackResources(ctx context.Context, in *DescribeStackResourcesIn) (*DescribeStackResourcesOut, error) {
	call := service.FromContext(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	var st *stack
	if name := aws.ToString(in.StackName); name != "" {
		var err error
		st, err = s.stackLocked(call, name)
		if err != nil {
			return nil, err
		}
	} else if phys := aws.ToString(in.PhysicalResourceId); phys != "" {
		for _, c := range s.sortedLocked(call) {
			for _, r := range c.Resources {
				if r.PhysicalID == phys && c.Status != "DELETE_COMPLETE" {
					st = c
				}
			}
		}
		if st == nil {
			return nil, awserr.Validation("Stack for %s does not exist", phys)
		}
	} else {
		return nil, awserr.Validation("Either StackName or PhysicalResourceId must be specified.")
	}
	out := &DescribeStackResourcesOut{StackResources: []StackResource{}}
	for _, r := range s.resourcesLocked(st) {
		if id := aws.ToString(in.LogicalResourceId); id != "" && id != r.LogicalID {
			continue
		}
		sr := StackResource{StackName: st.Name, StackId: st.ID, LogicalResourceId: r.LogicalID, PhysicalResourceId: r.PhysicalID,
			ResourceType: r.Type, Timestamp: r.Updated, ResourceStatus: r.Status, DriftInformation: StackDriftInformation{StackDriftStatus: "NOT_CHECKED"}}
		if r.Reason != "" {
			sr.ResourceStatusReason = aws.String(r.Reason)
		}
		out.StackResources = append(out.StackResources, sr)
	}
	return out, nil
}

// ListStackResources summarizes a stack's resources.
func (s *Service) ListStackResources(ctx context.Context, in *ListStackResourcesIn) (*ListStackResourcesOut, error) {
	d, err := s.DescribeStackResources(ctx, &DescribeStackResourcesIn{StackName: &in.StackName})
	if err != nil {
		return nil, err
	}
	out := &ListStackResourcesOut{StackResourceSummaries: []StackResourceSummary{}}
	for _, r := range d.StackResources {
		out.StackResourceSummaries = append(out.StackResourceSummaries, StackResourceSummary{
			LogicalResourceId: r.LogicalResourceId, PhysicalResourceId: r.PhysicalResourceId, ResourceType: r.ResourceType,
			LastUpdatedTimestamp: r.Timestamp, ResourceStatus: r.ResourceStatus, ResourceStatusReason: r.ResourceStatusReason,
			DriftInformation: r.DriftInformation,
		})
	}
	return out, nil
}

// ListStacks lists the caller's stacks, deleted ones included.
func (s *Service) ListStacks(ctx context.Context, in *ListStacksIn) (*ListStacksOut, error) {
	call := service.FromContext(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &ListStacksOut{StackSummaries: []StackSummary{}}
	for _, st := range s.sortedLocked(call) {
		if len(in.StackStatusFilter) > 0 && !slices.Contains(in.StackStatusFilter, st.Status) {
			continue
		}
		d := s.describe(st)
		out.StackSummaries = append(out.StackSummaries, StackSummary{StackId: d.StackId, StackName: d.StackName, TemplateDescription: d.Description,
			CreationTime: d.CreationTime, LastUpdatedTime: d.LastUpdatedTime, DeletionTime: d.DeletionTime, StackStatus: d.StackStatus,
			StackStatusReason: d.StackStatusReason, DriftInformation: d.DriftInformation})
	}
	return out, nil
}

// ListExports lists the exports of the caller's stacks in the region.
func (s *Service) ListExports(ctx context.Context, in *ListExportsIn) (*ListExportsOut, error) {
	call := service.FromContext(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &ListExportsOut{Exports: []Export{}}
	for _, st := range s.sortedLocked(call) {
		if st.Status == "DELETE_COMPLETE" {
			continue
		}
		for _, o := range st.Outputs {
			if o.ExportName != "" {
				out.Exports = append(out.Exports, Export{ExportingStackId: st.ID, Name: o.ExportName, Value: o.Value})
			}
		}
	}
	sort.Slice(out.Exports, func(i, j int) bool { return out.Exports[i].Name < out.Exports[j].Name })
	return out, nil
}
