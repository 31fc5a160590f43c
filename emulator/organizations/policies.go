// This file holds the policies and their attachments: CreatePolicy,
// UpdatePolicy, DescribePolicy, DeletePolicy, ListPolicies, AttachPolicy,
// DetachPolicy, ListPoliciesForTarget, ListTargetsForPolicy; the AWS
// managed FullAWSAccess and RCPFullAWSAccess; and the content rules of each
// policy type.

package organizations

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/xacct/xacct/emulator/internal/paging"
	"github.com/xacct/xacct/policy"
)

// The AWS managed policies attached to every root, OU and account while
// their type is enabled (Organizations User Guide, "SCP evaluation" and
// "RCP evaluation"; "RCP syntax": the effect Allow is only supported for
// RCPFullAWSAccess).
var (
	fullSCP = mustManaged("p-FullAWSAccess", "FullAWSAccess", "Allows access to every operation", typeSCP,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	fullRCP = mustManaged("p-RCPFullAWSAccess", "RCPFullAWSAccess", "Allows access to every operation", typeRCP,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`)
)

func mustManaged(id, name, desc, typ, content string) *orgPolicy {
	kind := policy.KindIdentity
	if typ == typeRCP {
		kind = policy.KindResource
	}
	p, err := policy.Parse(content, kind)
	if err != nil {
		panic(err)
	}
	return &orgPolicy{ID: id, Name: name, Description: desc, Type: typ, Content: content, parsed: p}
}

func managedFor(typ string) *orgPolicy {
	if typ == typeRCP {
		return fullRCP
	}
	return fullSCP
}

func (p *orgPolicy) managed() bool { return p == fullSCP || p == fullRCP }

// policy returns the policy id of o or an AWS managed one (nil if none).
func (o *organization) policy(id string) *orgPolicy {
	switch id {
	case fullSCP.ID:
		return fullSCP
	case fullRCP.ID:
		return fullRCP
	}
	return o.Policies[id]
}

// maxContent is the largest SCP or RCP document (Organizations User Guide,
// "Quotas and service limits": maximum size 5,120 characters).
const maxContent = 5120

// parseContent validates a policy document as its type requires: an SCP
// under IAM's rules for identity-based policies (no Principal); an RCP
// under those for resource-based policies, with Principal "*" only and
// Deny statements only (Organizations User Guide, "SCP syntax", "RCP
// syntax").
func parseContent(typ, content string) (*policy.Policy, error) {
	if len(content) > maxContent {
		return nil, errConstraint("POLICY_CONTENT_LIMIT_EXCEEDED", "You attempted to create a policy larger than the maximum size.")
	}
	kind := policy.KindIdentity
	if typ == typeRCP {
		kind = policy.KindResource
	}
	p, err := policy.Parse(content, kind)
	if err != nil {
		return nil, errMalformed(err.Error())
	}
	if typ == typeRCP {
		for _, st := range p.Statements() {
			if st.Effect != "Deny" {
				return nil, errMalformed("The effect Allow is only supported for the RCPFullAWSAccess policy.")
			}
			if st.NotPrincipal != nil {
				return nil, errMalformed("NotPrincipal is not supported in resource control policies.")
			}
			if !starPrincipal(st.Principal) {
				return nil, errMalformed("The Principal element of a resource control policy must be \"*\".")
			}
		}
	}
	return p, nil
}

// starPrincipal reports whether ps is "*" or {"AWS": "*"}.
func starPrincipal(ps policy.Principals) bool {
	if len(ps) != 1 {
		return false
	}
	for k, vs := range ps {
		if (k != "*" && k != "AWS") || len(vs) != 1 || vs[0] != "*" {
			return false
		}
	}
	return true
}

var policyNamePattern = regexp.MustCompile(`^[\s\S]{1,128}$`)

func (o *organization) policyOut(p *orgPolicy) PolicyOut {
	return PolicyOut{Content: p.Content, PolicySummary: o.summary(p)}
}

func (o *organization) summary(p *orgPolicy) PolicySummaryOut {
	return PolicySummaryOut{Arn: o.policyARN(p), AwsManaged: p.managed(), Description: p.Description, Id: p.ID, Name: p.Name, Type: p.Type}
}

// CreatePolicy creates a customer managed SCP or RCP.
func (s *Service) CreatePolicy(ctx context.Context, in *CreatePolicyIn) (*PolicyResult, error) {
	if err := checkType(in.Type); err != nil {
		return nil, err
	}
	if !policyNamePattern.MatchString(in.Name) {
		return nil, errInvalid("INVALID_INPUT", "The policy name must be between 1 and 128 characters long.")
	}
	if len(in.Description) > 512 {
		return nil, errInvalid("INVALID_INPUT", "The policy description must be at most 512 characters long.")
	}
	parsed, err := parseContent(in.Type, in.Content)
	if err != nil {
		return nil, err
	}
	var out PolicyOut
	err = s.store.changeOrg(caller(ctx), func(o *organization) error {
		if o.FeatureSet != "ALL" {
			return orgErr("PolicyTypeNotAvailableForOrganizationException", "You can't use the specified policy type with the feature set currently enabled for this organization.")
		}
		for _, p := range o.Policies {
			if p.Type == in.Type && p.Name == in.Name {
				return errDuplicatePolicy()
			}
		}
		p := &orgPolicy{ID: "p-" + randString(8, lowerDigits), Name: in.Name, Description: in.Description, Type: in.Type,
			Content: in.Content, Tags: in.Tags, parsed: parsed}
		o.Policies[p.ID] = p
		out = o.policyOut(p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PolicyResult{Policy: out}, nil
}

// UpdatePolicy changes a customer managed policy's name, description or
// content. AWS managed policies cannot be changed: the emulator refuses
// with AccessDeniedException.
func (s *Service) UpdatePolicy(ctx context.Context, in *UpdatePolicyIn) (*PolicyResult, error) {
	var out PolicyOut
	err := s.store.changeOrg(caller(ctx), func(o *organization) error {
		p := o.policy(in.PolicyId)
		if p == nil {
			return errPolicyNotFound()
		}
		if p.managed() {
			return orgErr("AccessDeniedException", "You can't modify an AWS managed policy.")
		}
		name, desc, content, parsed := p.Name, p.Description, p.Content, p.parsed
		if in.Name != nil {
			if !policyNamePattern.MatchString(*in.Name) {
				return errInvalid("INVALID_INPUT", "The policy name must be between 1 and 128 characters long.")
			}
			for _, q := range o.Policies {
				if q != p && q.Type == p.Type && q.Name == *in.Name {
					return errDuplicatePolicy()
				}
			}
			name = *in.Name
		}
		if in.Description != nil {
			desc = *in.Description
		}
		if in.Content != nil {
			pp, err := parseContent(p.Type, *in.Content)
			if err != nil {
				return err
			}
			content, parsed = *in.Content, pp
		}
		p.Name, p.Description, p.Content, p.parsed = name, desc, content, parsed
		out = o.policyOut(p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PolicyResult{Policy: out}, nil
}

// DescribePolicy returns a policy and its content.
func (s *Service) DescribePolicy(ctx context.Context, in *PolicyIdIn) (*PolicyResult, error) {
	var out PolicyOut
	err := s.store.manage(caller(ctx), func(o *organization) error {
		p := o.policy(in.PolicyId)
		if p == nil {
			return errPolicyNotFound()
		}
		out = o.policyOut(p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PolicyResult{Policy: out}, nil
}

// DeletePolicy deletes a customer managed policy attached to nothing.
func (s *Service) DeletePolicy(ctx context.Context, in *PolicyIdIn) (*struct{}, error) {
	return nil, s.store.changeOrg(caller(ctx), func(o *organization) error {
		p := o.policy(in.PolicyId)
		if p == nil {
			return errPolicyNotFound()
		}
		if p.managed() {
			return orgErr("AccessDeniedException", "You can't delete an AWS managed policy.")
		}
		for _, ps := range o.Attached {
			if slices.Contains(ps, p.ID) {
				return errPolicyInUse()
			}
		}
		delete(o.Policies, p.ID)
		return nil
	})
}

// ListPolicies lists the policies of one type, AWS managed first.
func (s *Service) ListPolicies(ctx context.Context, in *ListPoliciesIn) (*ListPoliciesOut, error) {
	if err := checkType(in.Filter); err != nil {
		return nil, err
	}
	start, size, err := pageOf(in.PageIn)
	if err != nil {
		return nil, err
	}
	out := &ListPoliciesOut{Policies: []PolicySummaryOut{}}
	err = s.store.manage(caller(ctx), func(o *organization) error {
		all := []*orgPolicy{managedFor(in.Filter)}
		for _, id := range sortedKeys(o.Policies) {
			if p := o.Policies[id]; p.Type == in.Filter {
				all = append(all, p)
			}
		}
		page, next := paging.Page(all, start, size)
		for _, p := range page {
			out.Policies = append(out.Policies, o.summary(p))
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// maxAttached is the most policies of one type a root, OU or account may
// have attached (Organizations User Guide, "Quotas": 5 SCPs, 5 RCPs).
const maxAttached = 5

// AttachPolicy attaches a policy to a root, OU or account; its type must
// be enabled in the root.
func (s *Service) AttachPolicy(ctx context.Context, in *AttachIn) (*struct{}, error) {
	return nil, s.store.changeOrg(caller(ctx), func(o *organization) error {
		p := o.policy(in.PolicyId)
		if p == nil {
			return errPolicyNotFound()
		}
		if o.targetARN(in.TargetId) == "" {
			return errTargetNotFound()
		}
		if !o.enabled(p.Type) {
			return errTypeNotEnabled()
		}
		if slices.Contains(o.Attached[in.TargetId], p.ID) {
			return errDuplicateAttachment()
		}
		if o.countType(in.TargetId, p.Type) >= maxAttached {
			return errConstraint("POLICY_NUMBER_LIMIT_EXCEEDED", "You attempted to exceed the number of policies of a certain type that can be attached to an entity at one time.")
		}
		o.Attached[in.TargetId] = append(o.Attached[in.TargetId], p.ID)
		return nil
	})
}

func (o *organization) countType(target, typ string) int {
	n := 0
	for _, id := range o.Attached[target] {
		if p := o.policy(id); p != nil && p.Type == typ {
			n++
		}
	}
	return n
}

// DetachPolicy detaches a policy. An entity keeps at least one SCP, and
// RCPFullAWSAccess cannot be detached: both refusals are
// ConstraintViolationException MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED.
func (s *Service) DetachPolicy(ctx context.Context, in *AttachIn) (*struct{}, error) {
	return nil, s.store.changeOrg(caller(ctx), func(o *organization) error {
		p := o.policy(in.PolicyId)
		if p == nil {
			return errPolicyNotFound()
		}
		if o.targetARN(in.TargetId) == "" {
			return errTargetNotFound()
		}
		if !slices.Contains(o.Attached[in.TargetId], p.ID) {
			return errNotAttached()
		}
		if p == fullRCP || (p.Type == typeSCP && o.countType(in.TargetId, typeSCP) == 1) {
			return errConstraint("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED", "You attempted to detach a policy from an entity that would cause the entity to have fewer than the minimum number of policies of a certain type required.")
		}
		o.Attached[in.TargetId] = slices.DeleteFunc(slices.Clone(o.Attached[in.TargetId]), func(id string) bool { return id == p.ID })
		return nil
	})
}

// ListPoliciesForTarget lists the policies of one type attached directly
// to a root, OU or account.
func (s *Service) ListPoliciesForTarget(ctx context.Context, in *ListPoliciesForTargetIn) (*ListPoliciesOut, error) {
	if err := checkType(in.Filter); err != nil {
		return nil, err
	}
	start, size, err := pageOf(in.PageIn)
	if err != nil {
		return nil, err
	}
	out := &ListPoliciesOut{Policies: []PolicySummaryOut{}}
	err = s.store.manage(caller(ctx), func(o *organization) error {
		if o.targetARN(in.TargetId) == "" {
			return errTargetNotFound()
		}
		var list []*orgPolicy
		for _, id := range o.Attached[in.TargetId] {
			if p := o.policy(id); p != nil && p.Type == in.Filter {
				list = append(list, p)
			}
		}
		page, next := paging.Page(list, start, size)
		for _, p := range page {
			out.Policies = append(out.Policies, o.summary(p))
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListTargetsForPolicy lists the roots, OUs and accounts a policy is
// attached to.
func (s *Service) ListTargetsForPolicy(ctx context.Context, in *ListTargetsIn) (*ListTargetsOut, error) {
	start, size, err := pageOf(in.PageIn)
	if err != nil {
		return nil, err
	}
	out := &ListTargetsOut{Targets: []PolicyTargetOut{}}
	err = s.store.manage(caller(ctx), func(o *organization) error {
		if o.policy(in.PolicyId) == nil {
			return errPolicyNotFound()
		}
		var list []PolicyTargetOut
		for _, id := range sortedKeys(o.Attached) {
			if slices.Contains(o.Attached[id], in.PolicyId) {
				list = append(list, PolicyTargetOut{Arn: o.targetARN(id), Name: o.nodeName(id), TargetId: id, Type: o.nodeType(id)})
			}
		}
		page, next := paging.Page(list, start, size)
		out.Targets = append(out.Targets, page...)
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// nodeName is the name of a root ("Root"), OU or account.
func (o *organization) nodeName(id string) string {
	switch {
	case id == o.Root.ID:
		return "Root"
	case o.OUs[id] != nil:
		return o.OUs[id].Name
	case o.Accounts[id] != nil:
		return o.Accounts[id].Name
	}
	return strings.TrimSpace(id)
}
