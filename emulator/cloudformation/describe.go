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

// describe is st as DescribeStacks shows it. Callers hold the store's
// lock.
func describe(st *stack) Stack {
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
	if name := aws.ToString(in.StackName); name != "" {
		return withStack(s.store, call, name, func(st *stack) (*DescribeStacksOut, error) {
			return &DescribeStacksOut{Stacks: []Stack{describe(st)}}, nil
		})
	}
	out := &DescribeStacksOut{Stacks: []Stack{}}
	s.store.viewOwn(call, func(own []*stack) {
		for _, st := range own {
			if st.Status != "DELETE_COMPLETE" {
				out.Stacks = append(out.Stacks, describe(st))
			}
		}
	})
	return out, nil
}

// DescribeStackEvents lists a stack's events, newest first.
func (s *Service) DescribeStackEvents(ctx context.Context, in *DescribeStackEventsIn) (*DescribeStackEventsOut, error) {
	return withStack(s.store, service.FromContext(ctx), in.StackName, func(st *stack) (*DescribeStackEventsOut, error) {
		out := &DescribeStackEventsOut{StackEvents: make([]StackEvent, 0, len(st.Events))}
		for i := len(st.Events) - 1; i >= 0; i-- {
			out.StackEvents = append(out.StackEvents, st.Events[i])
		}
		return out, nil
	})
}

// resources returns st's resources in creation order. Callers hold the
// store's lock.
func (st *stack) resources() []*resource {
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
	name := aws.ToString(in.StackName)
	if name == "" {
		phys := aws.ToString(in.PhysicalResourceId)
		if phys == "" {
			return nil, awserr.Validation("Either StackName or PhysicalResourceId must be specified.")
		}
		s.store.viewOwn(call, func(own []*stack) {
			for _, c := range own {
				for _, r := range c.Resources {
					if r.PhysicalID == phys && c.Status != "DELETE_COMPLETE" {
						name = c.ID
					}
				}
			}
		})
		if name == "" {
			return nil, awserr.Validation("Stack for %s does not exist", phys)
		}
	}
	return withStack(s.store, call, name, func(st *stack) (*DescribeStackResourcesOut, error) {
		return stackResources(st, aws.ToString(in.LogicalResourceId)), nil
	})
}

// stackResources describes st's resources, or only logicalID when set.
// Callers hold the store's lock.
func stackResources(st *stack, logicalID string) *DescribeStackResourcesOut {
	out := &DescribeStackResourcesOut{StackResources: []StackResource{}}
	for _, r := range st.resources() {
		if logicalID != "" && logicalID != r.LogicalID {
			continue
		}
		sr := StackResource{StackName: st.Name, StackId: st.ID, LogicalResourceId: r.LogicalID, PhysicalResourceId: r.PhysicalID,
			ResourceType: r.Type, Timestamp: r.Updated, ResourceStatus: r.Status, DriftInformation: StackDriftInformation{StackDriftStatus: "NOT_CHECKED"}}
		if r.Reason != "" {
			sr.ResourceStatusReason = aws.String(r.Reason)
		}
		out.StackResources = append(out.StackResources, sr)
	}
	return out
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
	out := &ListStacksOut{StackSummaries: []StackSummary{}}
	s.store.viewOwn(service.FromContext(ctx), func(own []*stack) {
		for _, st := range own {
			if len(in.StackStatusFilter) > 0 && !slices.Contains(in.StackStatusFilter, st.Status) {
				continue
			}
			d := describe(st)
			out.StackSummaries = append(out.StackSummaries, StackSummary{StackId: d.StackId, StackName: d.StackName, TemplateDescription: d.Description,
				CreationTime: d.CreationTime, LastUpdatedTime: d.LastUpdatedTime, DeletionTime: d.DeletionTime, StackStatus: d.StackStatus,
				StackStatusReason: d.StackStatusReason, DriftInformation: d.DriftInformation})
		}
	})
	return out, nil
}

// ListExports lists the exports of the caller's stacks in the region.
func (s *Service) ListExports(ctx context.Context, in *ListExportsIn) (*ListExportsOut, error) {
	out := &ListExportsOut{Exports: []Export{}}
	s.store.viewOwn(service.FromContext(ctx), func(own []*stack) {
		for _, st := range own {
			if st.Status == "DELETE_COMPLETE" {
				continue
			}
			for _, o := range st.Outputs {
				if o.ExportName != "" {
					out.Exports = append(out.Exports, Export{ExportingStackId: st.ID, Name: o.ExportName, Value: o.Value})
				}
			}
		}
	})
	sort.Slice(out.Exports, func(i, j int) bool { return out.Exports[i].Name < out.Exports[j].Name })
	return out, nil
}
