// This file holds the organization itself: its ARNs, CreateOrganization,
// DescribeOrganization, DeleteOrganization, ListRoots and the policy types
// of the root.

package organizations

import (
	"context"
	"slices"
	"strings"
)

// Policy types (AWS Organizations API Reference, "PolicyType"): the two
// authorization policy types the emulator evaluates.
const (
	typeSCP = "SERVICE_CONTROL_POLICY"
	typeRCP = "RESOURCE_CONTROL_POLICY"
)

// ARNs (Service Authorization Reference, "Resource types defined by AWS
// Organizations").
func (o *organization) arn() string {
	return "arn:aws:organizations::" + o.Management + ":organization/" + o.ID
}

func (o *organization) rootARN() string {
	return "arn:aws:organizations::" + o.Management + ":root/" + o.ID + "/" + o.Root.ID
}

func (o *organization) ouARN(id string) string {
	return "arn:aws:organizations::" + o.Management + ":ou/" + o.ID + "/" + id
}

func (o *organization) accountARN(id string) string {
	return "arn:aws:organizations::" + o.Management + ":account/" + o.ID + "/" + id
}

func (o *organization) policyARN(p *orgPolicy) string {
	if p.managed() {
		return "arn:aws:organizations::aws:policy/" + strings.ToLower(p.Type) + "/" + p.ID
	}
	return "arn:aws:organizations::" + o.Management + ":policy/" + o.ID + "/" + strings.ToLower(p.Type) + "/" + p.ID
}

// targetARN returns the ARN of a root, OU or account of o ("" if none).
func (o *organization) targetARN(id string) string {
	switch {
	case id == o.Root.ID:
		return o.rootARN()
	case o.OUs[id] != nil:
		return o.ouARN(id)
	case o.Accounts[id] != nil:
		return o.accountARN(id)
	}
	return ""
}

// isParent reports whether id is o's root or one of its OUs.
func (o *organization) isParent(id string) bool {
	return id == o.Root.ID || o.OUs[id] != nil
}

func (o *organization) enabled(typ string) bool { return slices.Contains(o.Root.Types, typ) }

func (o *organization) out() OrganizationOut {
	types := []PolicyTypeSummary{}
	if o.enabled(typeSCP) {
		// AvailablePolicyTypes is deprecated and lists SCPs only
		// (DescribeOrganization, "Response Elements").
		types = append(types, PolicyTypeSummary{Type: typeSCP, Status: "ENABLED"})
	}
	return OrganizationOut{
		Arn: o.arn(), AvailablePolicyTypes: types, FeatureSet: o.FeatureSet, Id: o.ID,
		MasterAccountArn: o.accountARN(o.Management), MasterAccountEmail: o.ManagementEmail, MasterAccountId: o.Management,
	}
}

func (o *organization) rootOut() RootOut {
	types := []PolicyTypeSummary{}
	for _, t := range o.Root.Types {
		types = append(types, PolicyTypeSummary{Type: t, Status: "ENABLED"})
	}
	return RootOut{Arn: o.rootARN(), Id: o.Root.ID, Name: "Root", PolicyTypes: types}
}

// CreateOrganization makes the caller's account the management account of
// a new organization. With FeatureSet ALL (the default) SCPs are enabled
// in the root and FullAWSAccess is attached to it (AWS Organizations API
// Reference, "CreateOrganization"). The management account's email is not
// known to the emulator: it is ACCOUNT@example.com.
func (s *Service) CreateOrganization(ctx context.Context, in *CreateOrganizationIn) (*OrganizationResult, error) {
	acct := caller(ctx)
	fs := in.FeatureSet
	switch fs {
	case "":
		fs = "ALL"
	case "ALL", "CONSOLIDATED_BILLING":
	default:
		return nil, errInvalid("INVALID_ENUM", "You specified an invalid value for FeatureSet.")
	}
	var out OrganizationOut
	err := s.store.change(func(st *state) error {
		if s.store.member[acct] != "" {
			return errAlreadyInOrg()
		}
		now := s.now().UTC()
		o := &organization{
			ID: "o-" + randString(10, lowerDigits), Management: acct, ManagementEmail: acct + "@example.com",
			FeatureSet: fs, Created: now, Root: rootNode{ID: "r-" + randString(4, lowerDigits)},
			OUs: map[string]*ouNode{}, Accounts: map[string]*accountNode{}, Policies: map[string]*orgPolicy{},
			Attached: map[string][]string{}, Requests: map[string]*createRequest{},
		}
		o.Accounts[acct] = &accountNode{ID: acct, Name: acct, Email: o.ManagementEmail, Parent: o.Root.ID,
			Status: "ACTIVE", JoinedMethod: "INVITED", Joined: now}
		if fs == "ALL" {
			o.enableType(typeSCP)
		}
		st.Orgs[o.ID] = o
		out = o.out()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &OrganizationResult{Organization: out}, nil
}

// DescribeOrganization describes the caller's organization; any account of
// it may call it.
func (s *Service) DescribeOrganization(ctx context.Context, _ *struct{}) (*OrganizationResult, error) {
	var out OrganizationOut
	err := s.store.read(caller(ctx), func(o *organization) error {
		out = o.out()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &OrganizationResult{Organization: out}, nil
}

// DeleteOrganization deletes the caller's organization, which must have no
// member account left.
func (s *Service) DeleteOrganization(ctx context.Context, _ *struct{}) (*struct{}, error) {
	return nil, s.store.changeOrg(caller(ctx), func(o *organization) error {
		if len(o.Accounts) > 1 {
			return errNotEmpty()
		}
		delete(s.store.st.Orgs, o.ID)
		return nil
	})
}

// ListRoots lists the organization's root (there is one).
func (s *Service) ListRoots(ctx context.Context, in *PageIn) (*ListRootsOut, error) {
	var out ListRootsOut
	err := s.store.manage(caller(ctx), func(o *organization) error {
		out.Roots = []RootOut{o.rootOut()}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// enableType enables typ in the root and attaches its AWS managed
// full-access policy to the root and to every OU and account, as AWS does
// when a policy type is enabled (Organizations User Guide, "SCP
// evaluation", "RCP evaluation").
func (o *organization) enableType(typ string) {
	o.Root.Types = append(o.Root.Types, typ)
	full := managedFor(typ).ID
	o.Attached[o.Root.ID] = append(o.Attached[o.Root.ID], full)
	for _, id := range sortedKeys(o.OUs) {
		o.Attached[id] = append(o.Attached[id], full)
	}
	for _, id := range sortedKeys(o.Accounts) {
		o.Attached[id] = append(o.Attached[id], full)
	}
}

// attachDefaults attaches, to a new OU or account, the full-access policy
// of each enabled type.
func (o *organization) attachDefaults(id string) {
	for _, t := range o.Root.Types {
		o.Attached[id] = append(o.Attached[id], managedFor(t).ID)
	}
}

// checkType validates a policy type parameter.
func checkType(typ string) error {
	switch typ {
	case typeSCP, typeRCP:
		return nil
	case "TAG_POLICY", "BACKUP_POLICY", "AISERVICES_OPT_OUT_POLICY", "CHATBOT_POLICY", "DECLARATIVE_POLICY_EC2":
		return errInvalid("INVALID_INPUT", "The emulator serves SERVICE_CONTROL_POLICY and RESOURCE_CONTROL_POLICY only; "+typ+" is not supported.")
	}
	return errInvalid("INVALID_ENUM", "You specified an invalid value for PolicyType.")
}

// EnablePolicyType enables a policy type in the root.
func (s *Service) EnablePolicyType(ctx context.Context, in *PolicyTypeIn) (*RootResult, error) {
	if err := checkType(in.PolicyType); err != nil {
		return nil, err
	}
	var out RootOut
	err := s.store.changeOrg(caller(ctx), func(o *organization) error {
		if in.RootId != o.Root.ID {
			return errRootNotFound()
		}
		if o.FeatureSet != "ALL" {
			return orgErr("PolicyTypeNotAvailableForOrganizationException", "You can't use the specified policy type with the feature set currently enabled for this organization.")
		}
		if o.enabled(in.PolicyType) {
			return errTypeAlreadyEnabled()
		}
		o.enableType(in.PolicyType)
		out = o.rootOut()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &RootResult{Root: out}, nil
}

// DisablePolicyType disables a policy type in the root and detaches every
// policy of that type.
func (s *Service) DisablePolicyType(ctx context.Context, in *PolicyTypeIn) (*RootResult, error) {
	if err := checkType(in.PolicyType); err != nil {
		return nil, err
	}
	var out RootOut
	err := s.store.changeOrg(caller(ctx), func(o *organization) error {
		if in.RootId != o.Root.ID {
			return errRootNotFound()
		}
		if !o.enabled(in.PolicyType) {
			return errTypeNotEnabled()
		}
		o.Root.Types = slices.DeleteFunc(o.Root.Types, func(t string) bool { return t == in.PolicyType })
		for id, ps := range o.Attached {
			o.Attached[id] = slices.DeleteFunc(ps, func(p string) bool {
				pol := o.policy(p)
				return pol != nil && pol.Type == in.PolicyType
			})
		}
		out = o.rootOut()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &RootResult{Root: out}, nil
}
