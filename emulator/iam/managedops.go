package iam

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/xacct/xacct/policy"
)

// attachments counts the roles and users of acct that attach arn, and those
// that use it as a permissions boundary.
func (st *state) attachments(acct, arn string) (attached, boundary int32) {
	a := st.peek(acct)
	for _, r := range a.Roles {
		for _, x := range r.Attached {
			if x == arn {
				attached++
			}
		}
		if r.Boundary == arn {
			boundary++
		}
	}
	for _, u := range a.Users {
		for _, x := range u.Attached {
			if x == arn {
				attached++
			}
		}
		if u.Boundary == arn {
			boundary++
		}
	}
	return attached, boundary
}

func (st *state) policyOut(acct string, mp *ManagedPolicy) PolicyOut {
	att, bnd := st.attachments(acct, mp.ARN)
	out := PolicyOut{
		PolicyName:                    mp.Name,
		PolicyId:                      mp.ID,
		Arn:                           mp.ARN,
		Path:                          mp.Path,
		AttachmentCount:               att,
		PermissionsBoundaryUsageCount: bnd,
		IsAttachable:                  true,
		Description:                   mp.Description,
		CreateDate:                    mp.CreateDate,
		UpdateDate:                    mp.UpdateDate,
		Tags:                          mp.Tags,
	}
	if d := mp.Default(); d != nil {
		out.DefaultVersionId = d.ID
	}
	return out
}

// customerPolicy returns acct's customer managed policy arn for writing.
func (st *state) customerPolicy(acct, arn string) (*ManagedPolicy, error) {
	if mp := st.peek(acct).Policies[arn]; mp != nil {
		return mp, nil
	}
	if st.managed[arn] != nil {
		return nil, awserrAccessDeniedAWSPolicy(arn)
	}
	return nil, noSuchEntity("Policy %s does not exist or is not attachable.", arn)
}

func awserrAccessDeniedAWSPolicy(arn string) error {
	return invalidInput("ARN %s is an AWS managed policy and cannot be modified.", arn)
}

// CreatePolicy creates a customer managed policy.
func (s *Service) CreatePolicy(ctx context.Context, in *CreatePolicyIn) (*PolicyResult, error) {
	acct := callerAccount(ctx)
	if err := checkName("policyName", in.PolicyName, 128); err != nil {
		return nil, err
	}
	if err := checkPath("path", in.Path); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	doc, err := parseManagedDoc(in.PolicyDocument)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	return update(s.store, func(st *state) (*PolicyResult, error) {
		a := st.account(acct)
		arn := policyARN(acct, in.Path, in.PolicyName)
		for _, mp := range a.Policies {
			if strings.EqualFold(mp.Name, in.PolicyName) {
				return nil, alreadyExists("A policy called %s already exists. Duplicate names are not allowed.", in.PolicyName)
			}
		}
		mp := &ManagedPolicy{
			Account:     acct,
			Path:        normPath(in.Path),
			Name:        in.PolicyName,
			ID:          NewPolicyID(),
			ARN:         arn,
			Description: in.Description,
			CreateDate:  now,
			UpdateDate:  now,
			Versions:    []PolicyVersion{{ID: "v1", Doc: doc, IsDefault: true, CreateDate: now}},
			NextVersion: 2,
			Tags:        in.Tags,
		}
		if err := put(st, acct, a.Policies, arn, mp); err != nil {
			return nil, err
		}
		return &PolicyResult{Policy: st.policyOut(acct, mp)}, nil
	})
}

// GetPolicy returns a managed policy.
func (s *Service) GetPolicy(ctx context.Context, in *PolicyArnIn) (*PolicyResult, error) {
	acct := callerAccount(ctx)
	return view(s.store, func(st *state) (*PolicyResult, error) {
		mp, err := st.attachable(acct, in.PolicyArn)
		if err != nil {
			return nil, err
		}
		return &PolicyResult{Policy: st.policyOut(acct, mp)}, nil
	})
}

// DeletePolicy deletes an unattached customer managed policy.
func (s *Service) DeletePolicy(ctx context.Context, in *PolicyArnIn) (*Empty, error) {
	acct := callerAccount(ctx)
	return update(s.store, func(st *state) (*Empty, error) {
		mp, err := st.customerPolicy(acct, in.PolicyArn)
		if err != nil {
			return nil, err
		}
		if att, bnd := st.attachments(acct, mp.ARN); att+bnd > 0 {
			return nil, deleteConflict("Cannot delete a policy attached to entities.")
		}
		return nil, put[ManagedPolicy](st, acct, st.acct[acct].Policies, mp.ARN, nil)
	})
}

// ListPolicies lists AWS and customer managed policies.
func (s *Service) ListPolicies(ctx context.Context, in *ListPoliciesIn) (*ListPoliciesOut, error) {
	acct := callerAccount(ctx)
	scope := in.Scope
	if scope == "" {
		scope = "All"
	}
	if scope != "All" && scope != "AWS" && scope != "Local" {
		return nil, validationError("scope", scope, "satisfy enum value set: [All, AWS, Local]")
	}
	out := []PolicyOut{}
	s.store.read(func(st *state) {
		var list []*ManagedPolicy
		if scope != "Local" {
			for _, mp := range st.managed {
				list = append(list, mp)
			}
		}
		if scope != "AWS" {
			for _, mp := range st.peek(acct).Policies {
				list = append(list, mp)
			}
		}
		sort.Slice(list, func(i, j int) bool { return list[i].ARN < list[j].ARN })
		for _, mp := range list {
			if !strings.HasPrefix(mp.Path, normPath(in.PathPrefix)) {
				continue
			}
			po := st.policyOut(acct, mp)
			if in.OnlyAttached && po.AttachmentCount == 0 {
				continue
			}
			out = append(out, po)
		}
	})
	page, trunc, next, err := paginate(out, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListPoliciesOut{Policies: page, IsTruncated: trunc, Marker: next}, nil
}

func versionOut(v *PolicyVersion, withDoc bool) PolicyVersionOut {
	out := PolicyVersionOut{VersionId: v.ID, IsDefaultVersion: v.IsDefault, CreateDate: v.CreateDate}
	if withDoc {
		out.Document = encodeDoc(v.Doc.Text)
	}
	return out
}

// changePolicy stores a changed copy of acct's customer managed policy
// arn (with its own copy of Versions), or returns change's error and
// changes nothing.
func (s *Service) changePolicy(ctx context.Context, arn string, change func(mp *ManagedPolicy) error) error {
	acct := callerAccount(ctx)
	_, err := update(s.store, func(st *state) (*ManagedPolicy, error) {
		old, err := st.customerPolicy(acct, arn)
		if err != nil {
			return nil, err
		}
		return replace(st, acct, st.acct[acct].Policies, arn, old, func(mp *ManagedPolicy) error {
			mp.Versions = slices.Clone(old.Versions)
			return change(mp)
		})
	})
	return err
}

// CreatePolicyVersion adds a version to a customer managed policy.
func (s *Service) CreatePolicyVersion(ctx context.Context, in *CreatePolicyVersionIn) (*PolicyVersionResult, error) {
	doc, err := parseManagedDoc(in.PolicyDocument)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var v PolicyVersion
	err = s.changePolicy(ctx, in.PolicyArn, func(mp *ManagedPolicy) error {
		if len(mp.Versions) >= maxVersions {
			return limitExceeded("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxVersions)
		}
		v = PolicyVersion{ID: "v" + itoa(mp.NextVersion), Doc: doc, IsDefault: in.SetAsDefault, CreateDate: now}
		mp.NextVersion++
		if in.SetAsDefault {
			for i := range mp.Versions {
				mp.Versions[i].IsDefault = false
			}
			mp.UpdateDate = now
		}
		mp.Versions = append(mp.Versions, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PolicyVersionResult{PolicyVersion: versionOut(&v, false)}, nil
}

func findVersion(mp *ManagedPolicy, id string) (int, error) {
	for i := range mp.Versions {
		if mp.Versions[i].ID == id {
			return i, nil
		}
	}
	return -1, noSuchEntity("Policy %s version %s does not exist or is not attachable.", mp.ARN, id)
}

// versions returns the versions of a managed policy the caller may attach.
func (s *Service) versions(ctx context.Context, arn string) (*ManagedPolicy, error) {
	acct := callerAccount(ctx)
	return view(s.store, func(st *state) (*ManagedPolicy, error) { return st.attachable(acct, arn) })
}

// GetPolicyVersion returns one version of a managed policy with its document.
func (s *Service) GetPolicyVersion(ctx context.Context, in *PolicyVersionIn) (*PolicyVersionResult, error) {
	mp, err := s.versions(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	i, err := findVersion(mp, in.VersionId)
	if err != nil {
		return nil, err
	}
	return &PolicyVersionResult{PolicyVersion: versionOut(&mp.Versions[i], true)}, nil
}

// ListPolicyVersions lists a managed policy's versions, newest first.
func (s *Service) ListPolicyVersions(ctx context.Context, in *ListPolicyVersionsIn) (*ListPolicyVersionsOut, error) {
	mp, err := s.versions(ctx, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	out := make([]PolicyVersionOut, 0, len(mp.Versions))
	for i := len(mp.Versions) - 1; i >= 0; i-- {
		out = append(out, versionOut(&mp.Versions[i], false))
	}
	page, trunc, next, err := paginate(out, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListPolicyVersionsOut{Versions: page, IsTruncated: trunc, Marker: next}, nil
}

// DeletePolicyVersion deletes a non-default version.
func (s *Service) DeletePolicyVersion(ctx context.Context, in *PolicyVersionIn) (*Empty, error) {
	return nil, s.changePolicy(ctx, in.PolicyArn, func(mp *ManagedPolicy) error {
		i, err := findVersion(mp, in.VersionId)
		if err != nil {
			return err
		}
		if mp.Versions[i].IsDefault {
			return deleteConflict("Cannot delete the default version of a policy.")
		}
		mp.Versions = slices.Delete(mp.Versions, i, i+1)
		return nil
	})
}

// SetDefaultPolicyVersion makes a version the one that is evaluated.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, in *PolicyVersionIn) (*Empty, error) {
	now := s.now().UTC()
	return nil, s.changePolicy(ctx, in.PolicyArn, func(mp *ManagedPolicy) error {
		i, err := findVersion(mp, in.VersionId)
		if err != nil {
			return err
		}
		for j := range mp.Versions {
			mp.Versions[j].IsDefault = j == i
		}
		mp.UpdateDate = now
		return nil
	})
}

// parseManagedDoc parses a managed policy document and enforces IAM's
// quota on its size: 6,144 characters, white space not counted (IAM User
// Guide, "IAM and AWS STS quotas": managed policy size).
func parseManagedDoc(text string) (Doc, error) {
	doc, err := parseDoc(text, policy.KindIdentity)
	if err != nil {
		return Doc{}, err
	}
	if policy.PackedLen(text) > policy.MaxManagedSize {
		return Doc{}, limitExceeded("Cannot exceed quota for PolicySize: %d", policy.MaxManagedSize)
	}
	return doc, nil
}
