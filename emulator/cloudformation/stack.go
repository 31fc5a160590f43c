package cloudformation

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/xacct/xacct/cfntemplate"
	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
)

// stack is one stack's state.
type stack struct {
	ID, Name, Account, Region string
	Description               string
	Status, Reason            string
	Created                   time.Time
	Updated, Deleted          time.Time
	Params                    []cfntemplate.ParameterValue
	Capabilities              []string
	NotificationARNs          []string
	DisableRollback           bool
	TerminationProtection     bool
	RoleARN                   string
	Tags                      []Tag
	Outputs                   []cfntemplate.Output
	Body, Processed           string
	Resources                 map[string]*resource
	// Order is the creation order of Resources; deletion runs in reverse.
	Order       []string
	Events      []StackEvent
	ChangeSets  []*changeSet
	ChangeSetID string
	// Imports are the exports of other stacks this one imports.
	Imports []string
}

// resource is one resource of a stack.
type resource struct {
	LogicalID, Type, PhysicalID string
	Status, Reason              string
	Updated                     time.Time
	Props                       map[string]any
	Attrs                       map[string]any
	DeletionPolicy              string
}

func (r *resource) clone() *resource {
	c := *r
	return &c
}

func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Millisecond) }

// prepare parses, transforms, validates and binds a template for st.
func (s *Service) prepare(st *stack, body []byte, in []Parameter, prev []cfntemplate.ParameterValue) (*prepared, error) {
	t, err := cfntemplate.Parse(body)
	if err != nil {
		return nil, err
	}
	values := map[string]string{}
	for _, p := range in {
		switch {
		case aws.ToBool(p.UsePreviousValue):
			found := false
			for _, pv := range prev {
				if pv.Key == p.ParameterKey {
					values[p.ParameterKey], found = pv.Value, true
				}
			}
			if !found {
				return nil, awserr.Validation("Invalid input for parameter key %s. Cannot specify usePreviousValue as true for a parameter key not in the previous template", p.ParameterKey)
			}
		case p.ParameterValue != nil:
			values[p.ParameterKey] = *p.ParameterValue
		}
	}
	pt, err := t.Transform(cfntemplate.TransformOptions{Region: st.Region, Parameters: values, ManagedPolicyARN: s.opts.ManagedPolicyARN})
	if err != nil {
		return nil, packageFirst(t, err)
	}
	if err := pt.Validate(); err != nil {
		return nil, err
	}
	decls, err := pt.Parameters()
	if err != nil {
		return nil, err
	}
	var unknown []string
	for k := range values {
		if !slices.ContainsFunc(decls, func(d cfntemplate.ParameterDecl) bool { return d.Name == k }) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, awserr.Validation("Parameters: [%s] do not exist in the template", strings.Join(unknown, ", "))
	}
	var unsupported []string
	for _, r := range pt.Resources() {
		if _, ok := providers[r.Type]; !ok && !slices.Contains(unsupported, r.Type) {
			unsupported = append(unsupported, r.Type)
		}
	}
	if len(unsupported) > 0 {
		// AWS's message for a type it does not know, then why: these types
		// exist in AWS but xacct's emulator does not provision them.
		// https://aws.amazon.com/premiumsupport/knowledge-center/cloudformation-template-validation/
		return nil, awserr.Validation("Template format error: Unrecognized resource types: [%s]. These resource types are not supported by xacct's CloudFormation emulator, "+
			"which provisions %s; deploy with --skip-unsupported (xacct deploy, xacct up) to leave them out, with the resources and outputs that reference them",
			strings.Join(unsupported, ", "), supportedTypes())
	}
	b, err := pt.Bind(values, cfntemplate.Pseudo{AccountID: st.Account, Region: st.Region, StackName: st.Name, StackID: st.ID, NotificationARNs: st.NotificationARNs})
	if err != nil {
		return nil, err
	}
	if _, err := b.Order(); err != nil {
		return nil, err
	}
	return &prepared{body: body, processed: pt, bound: b, params: b.Parameters(), input: values}, nil
}

// checkCapabilities returns InsufficientCapabilitiesException when the
// template needs a capability the caller did not acknowledge.
func checkCapabilities(p *prepared, given []string, changeSet bool) error {
	need, _ := p.processed.Capabilities()
	var missing []string
	for _, c := range need {
		ok := slices.Contains(given, c) || (c == "CAPABILITY_IAM" && slices.Contains(given, "CAPABILITY_NAMED_IAM"))
		if !ok {
			missing = append(missing, c)
		}
	}
	t, _ := cfntemplate.Parse(p.body)
	if !changeSet && t != nil && len(t.Transforms()) > 0 && !slices.Contains(given, "CAPABILITY_AUTO_EXPAND") {
		missing = append(missing, "CAPABILITY_AUTO_EXPAND")
	}
	if len(missing) > 0 {
		return awserr.New(http.StatusBadRequest, "InsufficientCapabilitiesException", "Requires capabilities : [%s]", strings.Join(missing, ", "))
	}
	return nil
}

func (s *Service) newStack(call *service.Call, name string) *stack {
	return &stack{
		ID:      fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", call.Region, call.Caller.Account(), name, newUUID()),
		Name:    name,
		Account: call.Caller.Account(), Region: call.Region,
		Created:   s.now(),
		Resources: map[string]*resource{},
	}
}

// operator returns who the stack engine acts as: the caller, or a session
// of the stack's service role.
func (s *Service) operator(ctx context.Context, call *service.Call, roleARN string) (*deployer, error) {
	caller := call.Caller
	if roleARN != "" {
		if s.opts.ServiceRole == nil {
			return nil, awserr.Validation("Role %s is invalid or cannot be assumed", roleARN)
		}
		c, err := s.opts.ServiceRole(ctx, roleARN)
		if err != nil {
			return nil, awserr.Validation("Role %s is invalid or cannot be assumed", roleARN)
		}
		caller = c
	}
	cfg, err := s.opts.Clients(ctx, caller, call.Region)
	if err != nil {
		return nil, err
	}
	return newDeployer(cfg, call.Caller.Account(), call.Region), nil
}

// CreateStack creates a stack and deploys its template.
func (s *Service) CreateStack(ctx context.Context, in *CreateStackIn) (*CreateStackOut, error) {
	call := service.FromContext(ctx)
	if err := validateStackName(in.StackName); err != nil {
		return nil, err
	}
	exists := false
	s.store.view(func(all stacks) { exists = all.lookup(call, in.StackName) != nil })
	if exists {
		return nil, awserr.New(http.StatusBadRequest, "AlreadyExistsException", "Stack [%s] already exists", in.StackName)
	}
	body, err := s.templateBody(ctx, call, in.TemplateBody, in.TemplateURL)
	if err != nil {
		return nil, err
	}
	st := s.newStack(call, in.StackName)
	st.NotificationARNs, st.Tags, st.RoleARN = in.NotificationARNs, in.Tags, aws.ToString(in.RoleARN)
	st.DisableRollback = aws.ToBool(in.DisableRollback) || aws.ToString(in.OnFailure) == "DO_NOTHING"
	st.TerminationProtection = aws.ToBool(in.EnableTerminationProtection)
	p, err := s.prepare(st, body, in.Parameters, nil)
	if err != nil {
		return nil, err
	}
	if err := checkCapabilities(p, in.Capabilities, false); err != nil {
		return nil, err
	}
	d, err := s.operator(ctx, call, st.RoleARN)
	if err != nil {
		return nil, err
	}
	st.Capabilities = in.Capabilities
	if err := s.store.add(call, st, "CREATE_IN_PROGRESS"); err != nil {
		return nil, err
	}
	s.run(func() { s.deploy(context.WithoutCancel(ctx), st, d, p, false) })
	return &CreateStackOut{StackId: st.ID}, nil
}

// UpdateStack deploys a new template or new parameters to a stack.
func (s *Service) UpdateStack(ctx context.Context, in *UpdateStackIn) (*UpdateStackOut, error) {
	call := service.FromContext(ctx)
	var body, processed, status, stackRole string
	var prev []cfntemplate.ParameterValue
	st, err := withStack(s.store, call, in.StackName, func(st *stack) (*stack, error) {
		body, processed, prev, status, stackRole = st.Body, st.Processed, st.Params, st.Status, st.RoleARN
		return st, nil
	})
	if err != nil {
		return nil, err
	}
	if err := updatable(st.ID, status); err != nil {
		return nil, err
	}
	var b []byte
	if aws.ToBool(in.UsePreviousTemplate) {
		b = []byte(body)
	} else {
		if b, err = s.templateBody(ctx, call, in.TemplateBody, in.TemplateURL); err != nil {
			return nil, err
		}
	}
	p, err := s.prepare(st, b, in.Parameters, prev)
	if err != nil {
		return nil, err
	}
	if err := checkCapabilities(p, in.Capabilities, false); err != nil {
		return nil, err
	}
	if string(p.processed.JSON()) == processed && sameParams(p.params, prev) {
		return nil, awserr.Validation("No updates are to be performed.")
	}
	roleARN := aws.ToString(in.RoleARN)
	if roleARN == "" {
		roleARN = stackRole
	}
	d, err := s.operator(ctx, call, roleARN)
	if err != nil {
		return nil, err
	}
	s.store.update(func(stacks) {
		if err = updatable(st.ID, st.Status); err != nil {
			return
		}
		st.Capabilities = in.Capabilities
		if in.Tags != nil {
			st.Tags = in.Tags
		}
		s.store.event(st, st.Name, "AWS::CloudFormation::Stack", st.ID, "UPDATE_IN_PROGRESS", "User Initiated")
	})
	if err != nil {
		return nil, err
	}
	s.run(func() { s.deploy(context.WithoutCancel(ctx), st, d, p, true) })
	return &UpdateStackOut{StackId: st.ID}, nil
}

func updatable(id, status string) error {
	switch {
	case strings.HasSuffix(status, "_IN_PROGRESS") || status == "ROLLBACK_COMPLETE" || status == "ROLLBACK_FAILED" ||
		status == "CREATE_FAILED" || status == "DELETE_FAILED" || status == "UPDATE_ROLLBACK_FAILED":
		return awserr.Validation("Stack:%s is in %s state and can not be updated.", id, status)
	}
	return nil
}

func sameParams(a, b []cfntemplate.ParameterValue) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]string{}
	for _, p := range a {
		m[p.Key] = p.Value
	}
	for _, p := range b {
		if v, ok := m[p.Key]; !ok || v != p.Value {
			return false
		}
	}
	return true
}

// DeleteStack deletes a stack's resources and then the stack. Deleting a
// stack that does not exist succeeds, as in AWS.
func (s *Service) DeleteStack(ctx context.Context, in *DeleteStackIn) (*Empty, error) {
	call := service.FromContext(ctx)
	var st *stack
	var err error
	roleARN := aws.ToString(in.RoleARN)
	s.store.view(func(all stacks) {
		st = all.lookup(call, in.StackName)
		switch {
		case st == nil || st.Status == "DELETE_COMPLETE" || st.Status == "DELETE_IN_PROGRESS":
			st = nil
		case st.TerminationProtection:
			err = awserr.Validation("Stack [%s] cannot be deleted while TerminationProtection is enabled", in.StackName)
		case strings.HasSuffix(st.Status, "_IN_PROGRESS") && st.Status != "REVIEW_IN_PROGRESS":
			err = awserr.Validation("Stack [%s] cannot be deleted while in status %s", st.Name, st.Status)
		case roleARN == "":
			roleARN = st.RoleARN
		}
	})
	if err != nil {
		return nil, err
	}
	if st == nil {
		return &Empty{}, nil
	}
	d, err := s.operator(ctx, call, roleARN)
	if err != nil {
		return nil, err
	}
	s.store.stackEvent(st, "DELETE_IN_PROGRESS", "User Initiated")
	s.run(func() { s.deleteStack(context.WithoutCancel(ctx), st, d, in.RetainResources) })
	return &Empty{}, nil
}

// UpdateTerminationProtection turns a stack's termination protection on or
// off; DeleteStack refuses a protected stack.
func (s *Service) UpdateTerminationProtection(ctx context.Context, in *UpdateTerminationProtectionIn) (*UpdateTerminationProtectionOut, error) {
	if in.StackName == "" {
		return nil, awserr.Validation("1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null")
	}
	if in.EnableTerminationProtection == nil {
		return nil, awserr.Validation("1 validation error detected: Value null at 'enableTerminationProtection' failed to satisfy constraint: Member must not be null")
	}
	var prev bool
	st, err := withStack(s.store, service.FromContext(ctx), in.StackName, func(st *stack) (*stack, error) {
		if st.Status == "DELETE_COMPLETE" {
			return nil, errNoStack(in.StackName)
		}
		prev = st.TerminationProtection
		st.TerminationProtection = *in.EnableTerminationProtection
		return st, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.store.save(); err != nil {
		s.store.update(func(stacks) { st.TerminationProtection = prev }) // not acknowledged: nothing changes
		return nil, err
	}
	return &UpdateTerminationProtectionOut{StackId: st.ID}, nil
}
