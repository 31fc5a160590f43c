package cloudformation

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/xacct/xacct/cfntemplate"
	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
)

// changeSet is a proposed stack change.
type changeSet struct {
	ID, Name, Description string
	Type                  string // CREATE or UPDATE
	Status, Reason        string
	ExecutionStatus       string
	Created               time.Time
	Body, Processed       string
	Params                []Parameter
	Resolved              []cfntemplate.ParameterValue
	Capabilities          []string
	Tags                  []Tag
	NotificationARNs      []string
	RoleARN               string
	Changes               []Change
}

var changeSetNameRE = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]*$`)

func findChangeSet(st *stack, ref string) *changeSet {
	for _, c := range st.ChangeSets {
		if c.ID == ref || c.Name == ref {
			return c
		}
	}
	return nil
}

// CreateChangeSet computes the changes a template would make. The set is
// complete when the call returns.
func (s *Service) CreateChangeSet(ctx context.Context, in *CreateChangeSetIn) (*CreateChangeSetOut, error) {
	call := service.FromContext(ctx)
	if err := validateStackName(in.StackName); err != nil {
		return nil, err
	}
	if !changeSetNameRE.MatchString(in.ChangeSetName) || len(in.ChangeSetName) > 128 {
		return nil, awserr.Validation("1 validation error detected: Value '%s' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*", in.ChangeSetName)
	}
	typ := aws.ToString(in.ChangeSetType)
	if typ == "" {
		typ = "UPDATE"
	}
	if typ != "CREATE" && typ != "UPDATE" {
		return nil, awserr.Validation("ChangeSetType %s is not supported by the xacct emulator (CREATE and UPDATE are)", typ)
	}
	// A snapshot of the stack's state, read under the lock.
	var st *stack
	var status, prevBody string
	var prevParams []cfntemplate.ParameterValue
	dup := false
	s.store.view(func(all stacks) {
		if st = all.lookup(call, in.StackName); st != nil {
			status, prevBody, prevParams = st.Status, st.Body, st.Params
			dup = findChangeSet(st, in.ChangeSetName) != nil
		}
	})
	switch {
	case typ == "CREATE" && st != nil && status != "REVIEW_IN_PROGRESS":
		return nil, awserr.New(http.StatusBadRequest, "AlreadyExistsException", "Stack [%s] already exists and cannot be created again with the changeSet [%s].", in.StackName, in.ChangeSetName)
	case typ == "UPDATE" && (st == nil || status == "REVIEW_IN_PROGRESS"):
		return nil, awserr.Validation("Stack [%s] does not exist", in.StackName)
	}
	if st != nil && typ == "UPDATE" {
		if err := updatable(st.ID, status); err != nil {
			return nil, err
		}
	}
	if dup {
		return nil, awserr.New(http.StatusBadRequest, "AlreadyExistsException", "ChangeSet %s already exists", in.ChangeSetName)
	}
	var body []byte
	if aws.ToBool(in.UsePreviousTemplate) {
		if st == nil {
			return nil, awserr.Validation("Stack [%s] does not exist", in.StackName)
		}
		body = []byte(prevBody)
	} else {
		var err error
		if body, err = s.templateBody(ctx, call, in.TemplateBody, in.TemplateURL); err != nil {
			return nil, err
		}
	}
	fresh := st == nil
	if fresh {
		st = s.newStack(call, in.StackName)
		st.Status = "REVIEW_IN_PROGRESS"
	}
	p, err := s.prepare(st, body, in.Parameters, prevParams)
	if err != nil {
		return nil, err
	}
	if err := checkCapabilities(p, in.Capabilities, true); err != nil {
		return nil, err
	}
	cs := &changeSet{
		ID:   fmt.Sprintf("arn:aws:cloudformation:%s:%s:changeSet/%s/%s", call.Region, call.Caller.Account(), in.ChangeSetName, newUUID()),
		Name: in.ChangeSetName, Description: aws.ToString(in.Description), Type: typ, Created: s.now(),
		Body: string(body), Processed: string(p.processed.JSON()), Params: in.Parameters, Resolved: p.params,
		Capabilities: in.Capabilities, Tags: in.Tags, NotificationARNs: in.NotificationARNs, RoleARN: aws.ToString(in.RoleARN),
		Status: "CREATE_COMPLETE", ExecutionStatus: "AVAILABLE",
	}
	cs.Changes = s.changes(context.WithoutCancel(ctx), st, p)
	if len(cs.Changes) == 0 && (fresh || sameParams(p.params, prevParams)) {
		cs.Status, cs.ExecutionStatus = "FAILED", "UNAVAILABLE"
		cs.Reason = "The submitted information didn't contain changes. Submit different information to create a change set."
	}
	if fresh {
		if err := s.store.add(call, st, "REVIEW_IN_PROGRESS"); err != nil {
			return nil, err
		}
	}
	s.store.update(func(stacks) { st.ChangeSets = append(st.ChangeSets, cs) })
	if err := s.store.save(); err != nil {
		// Not acknowledged: the change set (and a stack made for it) goes.
		s.store.update(func(all stacks) {
			if i := slices.Index(st.ChangeSets, cs); i >= 0 {
				st.ChangeSets = slices.Delete(st.ChangeSets, i, i+1)
			}
			if fresh {
				delete(all, st.ID)
			}
		})
		return nil, err
	}
	return &CreateChangeSetOut{Id: cs.ID, StackId: st.ID}, nil
}

// changes lists what deploying p onto st would do.
func (s *Service) changes(ctx context.Context, st *stack, p *prepared) []Change {
	res := resolver{s.store, st}
	var out []Change
	active := p.bound.Resources()
	order, _ := p.bound.Order()
	for _, id := range order {
		def, _ := p.processed.Resource(id)
		var cur *resource
		s.store.view(func(stacks) {
			if prev := st.Resources[id]; prev != nil {
				cur = prev.clone()
			}
		})
		rc := ResourceChange{LogicalResourceId: id, ResourceType: def.Type, Scope: []string{}, Details: []ResourceChangeDetail{}}
		if cur == nil {
			rc.Action = "Add"
			out = append(out, Change{Type: "Resource", ResourceChange: rc})
			continue
		}
		rc.PhysicalResourceId = aws.String(cur.PhysicalID)
		props, err := p.bound.ResolveProperties(ctx, id, res)
		replacement := "False"
		switch {
		case err != nil:
			// Depends on something that changes: decided at execution.
			rc.Action, replacement = "Modify", "Conditional"
		case cur.Type != def.Type:
			rc.Action, replacement = "Modify", "True"
		case !cfntemplate.ValuesEqual(cur.Props, props):
			rc.Action = "Modify"
			if providers[def.Type].update == nil || providers[def.Type].replaces(cur.Props, props) {
				replacement = "True"
			}
			seen := map[string]bool{}
			for _, c := range cfntemplate.DiffProperties(cur.Props, props) {
				name := c.Path[0]
				if seen[name] {
					continue
				}
				seen[name] = true
				rc.Details = append(rc.Details, ResourceChangeDetail{
					Target:     ResourceTargetDefinition{Attribute: "Properties", Name: aws.String(name), RequiresRecreation: aws.String(recreation(def.Type, name))},
					Evaluation: "Static", ChangeSource: "DirectModification",
				})
			}
		default:
			continue
		}
		rc.Replacement = aws.String(replacement)
		rc.Scope = []string{"Properties"}
		out = append(out, Change{Type: "Resource", ResourceChange: rc})
	}
	s.store.view(func(stacks) {
		for _, r := range st.resources() {
			if !slices.Contains(active, r.LogicalID) {
				out = append(out, Change{Type: "Resource", ResourceChange: ResourceChange{Action: "Remove", LogicalResourceId: r.LogicalID,
					PhysicalResourceId: aws.String(r.PhysicalID), ResourceType: r.Type, Scope: []string{}, Details: []ResourceChangeDetail{}}})
			}
		}
	})
	return out
}

func recreation(typ, prop string) string {
	if slices.Contains(providers[typ].replaceOn, prop) {
		return "Always"
	}
	return "Never"
}

// DescribeChangeSet describes a change set and its changes.
func (s *Service) DescribeChangeSet(ctx context.Context, in *ChangeSetRef) (*DescribeChangeSetOut, error) {
	return withChangeSet(s.store, service.FromContext(ctx), *in, describeChangeSet)
}

// describeChangeSet is c of st as DescribeChangeSet shows it. Callers hold
// the store's lock.
func describeChangeSet(st *stack, c *changeSet) (*DescribeChangeSetOut, error) {
	out := &DescribeChangeSetOut{
		ChangeSetName: c.Name, ChangeSetId: c.ID, StackId: st.ID, StackName: st.Name, CreationTime: c.Created,
		ExecutionStatus: c.ExecutionStatus, Status: c.Status, NotificationARNs: c.NotificationARNs, Capabilities: c.Capabilities,
		Tags: c.Tags, Changes: c.Changes,
	}
	if out.Changes == nil {
		out.Changes = []Change{}
	}
	if c.Description != "" {
		out.Description = aws.String(c.Description)
	}
	if c.Reason != "" {
		out.StatusReason = aws.String(c.Reason)
	}
	out.Parameters = maskedParams(c.Resolved)
	return out, nil
}

// ExecuteChangeSet deploys a change set; the stack's other change sets are
// deleted, as in AWS.
func (s *Service) ExecuteChangeSet(ctx context.Context, in *ChangeSetRef) (*Empty, error) {
	call := service.FromContext(ctx)
	var st *stack
	var prev []cfntemplate.ParameterValue
	roleARN := ""
	c, err := withChangeSet(s.store, call, *in, func(cur *stack, c *changeSet) (*changeSet, error) {
		if c.ExecutionStatus != "AVAILABLE" || strings.HasSuffix(cur.Status, "_IN_PROGRESS") && cur.Status != "REVIEW_IN_PROGRESS" {
			return nil, awserr.New(http.StatusBadRequest, "InvalidChangeSetStatus", "ChangeSet [%s] cannot be executed in its current status of [%s]", c.ID, c.Status)
		}
		st, prev, roleARN = cur, cur.Params, c.RoleARN
		if roleARN == "" {
			roleARN = cur.RoleARN
		}
		return c, nil
	})
	if err != nil {
		return nil, err
	}
	p, err := s.prepare(st, []byte(c.Body), c.Params, prev)
	if err != nil {
		return nil, err
	}
	d, err := s.operator(ctx, call, roleARN)
	if err != nil {
		return nil, err
	}
	update := c.Type == "UPDATE"
	s.store.update(func(stacks) {
		c.ExecutionStatus = "EXECUTE_IN_PROGRESS"
		st.ChangeSetID, st.Capabilities, st.RoleARN = c.ID, c.Capabilities, roleARN
		if c.Tags != nil {
			st.Tags = c.Tags
		}
		if c.NotificationARNs != nil {
			st.NotificationARNs = c.NotificationARNs
		}
		st.DisableRollback = aws.ToBool(in.DisableRollback)
		status := "CREATE_IN_PROGRESS"
		if update {
			status = "UPDATE_IN_PROGRESS"
		}
		s.store.event(st, st.Name, "AWS::CloudFormation::Stack", st.ID, status, "User Initiated")
	})
	s.run(func() {
		s.deploy(context.WithoutCancel(ctx), st, d, p, update)
		s.store.update(func(stacks) { st.ChangeSets = nil })
	})
	return &Empty{}, nil
}

// DeleteChangeSet deletes a change set that is not being executed.
func (s *Service) DeleteChangeSet(ctx context.Context, in *ChangeSetRef) (*Empty, error) {
	return withChangeSet(s.store, service.FromContext(ctx), *in, func(st *stack, c *changeSet) (*Empty, error) {
		if c.ExecutionStatus == "EXECUTE_IN_PROGRESS" {
			return nil, awserr.New(http.StatusBadRequest, "InvalidChangeSetStatus", "Cannot delete ChangeSet in status EXECUTE_IN_PROGRESS")
		}
		st.ChangeSets = slices.DeleteFunc(st.ChangeSets, func(x *changeSet) bool { return x == c })
		return &Empty{}, nil
	})
}

// ListChangeSets lists a stack's change sets.
func (s *Service) ListChangeSets(ctx context.Context, in *ListChangeSetsIn) (*ListChangeSetsOut, error) {
	return withStack(s.store, service.FromContext(ctx), in.StackName, listChangeSets)
}

// listChangeSets summarizes st's change sets. Callers hold the store's
// lock.
func listChangeSets(st *stack) (*ListChangeSetsOut, error) {
	out := &ListChangeSetsOut{Summaries: []ChangeSetSummary{}}
	for _, c := range st.ChangeSets {
		sum := ChangeSetSummary{StackId: st.ID, StackName: st.Name, ChangeSetId: c.ID, ChangeSetName: c.Name,
			ExecutionStatus: c.ExecutionStatus, Status: c.Status, CreationTime: c.Created}
		if c.Reason != "" {
			sum.StatusReason = aws.String(c.Reason)
		}
		if c.Description != "" {
			sum.Description = aws.String(c.Description)
		}
		out.Summaries = append(out.Summaries, sum)
	}
	return out, nil
}
