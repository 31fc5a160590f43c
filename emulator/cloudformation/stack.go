package cloudformation

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

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

// event records a stack or resource event and sets the resource's status.
// Callers hold s.mu.
func (s *Service) eventLocked(st *stack, logicalID, typ, phys, status, reason string) {
	// Each event is at least a millisecond after the stack's previous one:
	// clients that follow a deployment (sam deploy) skip events not newer
	// than the last one they saw, and the newest-first order stays exact.
	at := s.now()
	if n := len(st.Events); n > 0 && !at.After(st.Events[n-1].Timestamp) {
		at = st.Events[n-1].Timestamp.Add(time.Millisecond)
	}
	ev := StackEvent{
		StackId: st.ID, StackName: st.Name, EventId: newUUID(), LogicalResourceId: logicalID,
		PhysicalResourceId: phys, ResourceType: typ, Timestamp: at, ResourceStatus: status,
	}
	if reason != "" {
		ev.ResourceStatusReason = aws.String(reason)
	}
	if logicalID == st.Name && typ == "AWS::CloudFormation::Stack" {
		ev.EventId = newUUID()
		ev.PhysicalResourceId = st.ID
		st.Status, st.Reason = status, reason
	} else {
		ev.EventId = logicalID + "-" + status + "-" + ev.Timestamp.Format("2006-01-02T15:04:05.000Z")
	}
	st.Events = append(st.Events, ev)
}

func (s *Service) stackEvent(st *stack, status, reason string) {
	s.mu.Lock()
	s.eventLocked(st, st.Name, "AWS::CloudFormation::Stack", st.ID, status, reason)
	s.mu.Unlock()
}

// templateBody returns the template given inline or by an S3 URL, read as
// the caller.
func (s *Service) templateBody(ctx context.Context, call *service.Call, body, u *string) ([]byte, error) {
	switch {
	case body != nil && u != nil:
		return nil, awserr.Validation("You cannot specify both TemplateURL and TemplateBody")
	case body != nil:
		if len(*body) > 51200 {
			return nil, awserr.Validation("1 validation error detected: Value '%s...' at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to 51200", (*body)[:32])
		}
		return []byte(*body), nil
	case u != nil:
		bucket, key, ok := parseS3URL(*u)
		if !ok {
			return nil, awserr.Validation("TemplateURL must be a supported URL.")
		}
		cfg, err := s.opts.Clients(ctx, call.Caller, call.Region)
		if err != nil {
			return nil, err
		}
		out, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
		if err != nil {
			return nil, awserr.Validation("S3 error: %s", apiMessage(err))
		}
		defer out.Body.Close()
		b, err := io.ReadAll(io.LimitReader(out.Body, 1<<20+1))
		if err != nil {
			return nil, err
		}
		if len(b) > 1<<20 {
			return nil, awserr.Validation("Template may not exceed 1000000 bytes in size.")
		}
		return b, nil
	}
	return nil, awserr.Validation("Either Template URL or Template Body must be specified.")
}

// parseS3URL reads https://s3.amazonaws.com/bucket/key,
// https://bucket.s3.region.amazonaws.com/key or the emulator's own
// path-style URLs.
func parseS3URL(raw string) (bucket, key string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", "", false
	}
	host := u.Hostname()
	path := strings.TrimPrefix(u.Path, "/")
	if i := strings.Index(host, ".s3"); i > 0 && !strings.HasPrefix(host, "s3") {
		return host[:i], path, path != ""
	}
	b, k, found := strings.Cut(path, "/")
	return b, k, found && b != "" && k != ""
}

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
		return nil, err
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
		return nil, awserr.Validation("Template format error: Unrecognized resource types: [%s] (the xacct emulator provisions %s)", strings.Join(unsupported, ", "), supportedTypes())
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
	s.mu.Lock()
	exists := s.lookupLocked(call, in.StackName) != nil
	s.mu.Unlock()
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
	s.mu.Lock()
	if s.lookupLocked(call, in.StackName) != nil {
		s.mu.Unlock()
		return nil, awserr.New(http.StatusBadRequest, "AlreadyExistsException", "Stack [%s] already exists", in.StackName)
	}
	s.stacks[st.ID] = st
	s.eventLocked(st, st.Name, "AWS::CloudFormation::Stack", st.ID, "CREATE_IN_PROGRESS", "User Initiated")
	s.mu.Unlock()
	s.run(func() { s.deploy(context.WithoutCancel(ctx), st, d, p, false) })
	return &CreateStackOut{StackId: st.ID}, nil
}

// UpdateStack deploys a new template or new parameters to a stack.
func (s *Service) UpdateStack(ctx context.Context, in *UpdateStackIn) (*UpdateStackOut, error) {
	call := service.FromContext(ctx)
	s.mu.Lock()
	st := s.lookupLocked(call, in.StackName)
	var body, processed, status, stackRole string
	var prev []cfntemplate.ParameterValue
	if st != nil {
		body, processed, prev, status, stackRole = st.Body, st.Processed, st.Params, st.Status, st.RoleARN
	}
	s.mu.Unlock()
	if st == nil {
		return nil, errNoStack(in.StackName)
	}
	if err := updatable(st.ID, status); err != nil {
		return nil, err
	}
	var b []byte
	if aws.ToBool(in.UsePreviousTemplate) {
		b = []byte(body)
	} else {
		var err error
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
	s.mu.Lock()
	if err := updatable(st.ID, st.Status); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	st.Capabilities = in.Capabilities
	if in.Tags != nil {
		st.Tags = in.Tags
	}
	s.eventLocked(st, st.Name, "AWS::CloudFormation::Stack", st.ID, "UPDATE_IN_PROGRESS", "User Initiated")
	s.mu.Unlock()
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
	s.mu.Lock()
	st := s.lookupLocked(call, in.StackName)
	if st == nil || st.Status == "DELETE_COMPLETE" || st.Status == "DELETE_IN_PROGRESS" {
		s.mu.Unlock()
		return &Empty{}, nil
	}
	if st.TerminationProtection {
		s.mu.Unlock()
		return nil, awserr.Validation("Stack [%s] cannot be deleted while TerminationProtection is enabled", in.StackName)
	}
	if strings.HasSuffix(st.Status, "_IN_PROGRESS") && st.Status != "REVIEW_IN_PROGRESS" {
		s.mu.Unlock()
		return nil, awserr.Validation("Stack [%s] cannot be deleted while in status %s", st.Name, st.Status)
	}
	roleARN := aws.ToString(in.RoleARN)
	if roleARN == "" {
		roleARN = st.RoleARN
	}
	s.mu.Unlock()
	d, err := s.operator(ctx, call, roleARN)
	if err != nil {
		return nil, err
	}
	s.stackEvent(st, "DELETE_IN_PROGRESS", "User Initiated")
	s.run(func() { s.deleteStack(context.WithoutCancel(ctx), st, d, in.RetainResources) })
	return &Empty{}, nil
}

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
		st := s.lookupLocked(call, name)
		if st == nil {
			return nil, errNoStack(name)
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
	st := s.lookupLocked(call, in.StackName)
	if st == nil {
		return nil, errNoStack(in.StackName)
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
		st = s.lookupLocked(call, name)
		if st == nil {
			return nil, errNoStack(name)
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

// GetTemplate returns a stack's (or change set's) template as given
// (Original) or after transforms (Processed).
func (s *Service) GetTemplate(ctx context.Context, in *GetTemplateIn) (*GetTemplateOut, error) {
	call := service.FromContext(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	name := aws.ToString(in.StackName)
	st := s.lookupLocked(call, name)
	if st == nil {
		return nil, errNoStack(name)
	}
	body, processed := st.Body, st.Processed
	if cs := aws.ToString(in.ChangeSetName); cs != "" {
		c := findChangeSet(st, cs)
		if c == nil {
			return nil, errNoChangeSet(cs)
		}
		body, processed = c.Body, c.Processed
	}
	out := &GetTemplateOut{TemplateBody: body, StagesAvailable: []string{"Original", "Processed"}}
	switch aws.ToString(in.TemplateStage) {
	case "", "Original":
	case "Processed":
		out.TemplateBody = processed
	default:
		return nil, awserr.Validation("1 validation error detected: Value '%s' at 'templateStage' failed to satisfy constraint: Member must satisfy enum value set: [Original, Processed]", aws.ToString(in.TemplateStage))
	}
	return out, nil
}

// ValidateTemplate checks a template and describes its parameters.
func (s *Service) ValidateTemplate(ctx context.Context, in *ValidateTemplateIn) (*ValidateTemplateOut, error) {
	call := service.FromContext(ctx)
	body, err := s.templateBody(ctx, call, in.TemplateBody, in.TemplateURL)
	if err != nil {
		return nil, err
	}
	t, err := cfntemplate.Parse(body)
	if err != nil {
		return nil, err
	}
	pt, err := t.Transform(cfntemplate.TransformOptions{Region: call.Region, ManagedPolicyARN: s.opts.ManagedPolicyARN})
	if err != nil {
		return nil, err
	}
	if err := pt.Validate(); err != nil {
		return nil, err
	}
	decls, err := t.Parameters()
	if err != nil {
		return nil, err
	}
	out := &ValidateTemplateOut{Parameters: []TemplateParameter{}, DeclaredTransforms: t.Transforms()}
	for _, d := range decls {
		tp := TemplateParameter{ParameterKey: d.Name, NoEcho: d.NoEcho}
		if d.HasDefault {
			tp.DefaultValue = aws.String(d.Default)
		}
		if d.Description != "" {
			tp.Description = aws.String(d.Description)
		}
		out.Parameters = append(out.Parameters, tp)
	}
	if desc := t.Description(); desc != "" {
		out.Description = aws.String(desc)
	}
	if caps, reason := pt.Capabilities(); len(caps) > 0 {
		out.Capabilities, out.CapabilitiesReason = caps, aws.String(reason)
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

// apiMessage returns the message of an SDK error without the operation
// prefix.
func apiMessage(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "api error "); i >= 0 {
		return msg[i+len("api error "):]
	}
	return msg
}

// GetTemplateSummary describes a template, given or a stack's.
func (s *Service) GetTemplateSummary(ctx context.Context, in *GetTemplateSummaryIn) (*GetTemplateSummaryOut, error) {
	call := service.FromContext(ctx)
	var body []byte
	if name := aws.ToString(in.StackName); name != "" {
		s.mu.Lock()
		st := s.lookupLocked(call, name)
		if st != nil {
			body = []byte(st.Body)
		}
		s.mu.Unlock()
		if st == nil {
			return nil, errNoStack(name)
		}
	} else {
		var err error
		if body, err = s.templateBody(ctx, call, in.TemplateBody, in.TemplateURL); err != nil {
			return nil, err
		}
	}
	t, err := cfntemplate.Parse(body)
	if err != nil {
		return nil, err
	}
	pt, err := t.Transform(cfntemplate.TransformOptions{Region: call.Region, ManagedPolicyARN: s.opts.ManagedPolicyARN})
	if err != nil {
		return nil, err
	}
	decls, err := t.Parameters()
	if err != nil {
		return nil, err
	}
	out := &GetTemplateSummaryOut{Parameters: []ParameterDeclaration{}, ResourceTypes: []string{}, DeclaredTransforms: t.Transforms()}
	for _, d := range decls {
		pd := ParameterDeclaration{ParameterKey: d.Name, ParameterType: d.Type, NoEcho: d.NoEcho, ParameterConstraints: ParameterConstraints{AllowedValues: d.AllowedValues}}
		if d.HasDefault {
			pd.DefaultValue = aws.String(d.Default)
		}
		if d.Description != "" {
			pd.Description = aws.String(d.Description)
		}
		out.Parameters = append(out.Parameters, pd)
	}
	for _, r := range t.Resources() {
		if !slices.Contains(out.ResourceTypes, r.Type) {
			out.ResourceTypes = append(out.ResourceTypes, r.Type)
		}
	}
	if desc := t.Description(); desc != "" {
		out.Description = aws.String(desc)
	}
	if v := t.Section("AWSTemplateFormatVersion"); v.IsString() {
		out.Version = aws.String(v.Str)
	}
	if caps, reason := pt.Capabilities(); len(caps) > 0 {
		out.Capabilities, out.CapabilitiesReason = caps, aws.String(reason)
	}
	return out, nil
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
	call := service.FromContext(ctx)
	s.mu.Lock()
	st := s.lookupLocked(call, in.StackName)
	if st == nil || st.Status == "DELETE_COMPLETE" {
		s.mu.Unlock()
		return nil, errNoStack(in.StackName)
	}
	prev := st.TerminationProtection
	st.TerminationProtection = *in.EnableTerminationProtection
	id := st.ID
	s.mu.Unlock()
	if err := s.saveErr(); err != nil {
		s.mu.Lock()
		st.TerminationProtection = prev // not acknowledged: nothing changes
		s.mu.Unlock()
		return nil, err
	}
	return &UpdateTerminationProtectionOut{StackId: id}, nil
}
