package iam

import (
	"context"
	"sort"
	"strings"

	"github.com/xacct/xacct/policy"
)

// Trust-policy and session-duration limits (IAM User Guide, "IAM and AWS STS
// quotas"; IAM API Reference, CreateRole).
const (
	defaultMaxSession = 3600
	minMaxSession     = 3600
	maxMaxSession     = 43200
)

// prepareTrust validates a trust policy for account acct and binds each
// role or user it names to that entity's current unique id.
func (st *state) prepareTrust(text string) (Doc, map[string]string, error) {
	doc, err := parseDoc(text, policy.KindTrust)
	if err != nil {
		return Doc{}, nil, err
	}
	refs, err := st.bindPrincipals(text)
	if err != nil {
		return Doc{}, nil, err
	}
	return doc, refs, nil
}

// bindPrincipals checks that every role and user ARN named as an AWS
// principal exists (IAM refuses the document otherwise) and returns their
// unique ids.
func (st *state) bindPrincipals(text string) (map[string]string, error) {
	var refs map[string]string
	for _, p := range awsPrincipals(text) {
		acct, kind, _, ok := entityARN(p)
		if !ok {
			continue
		}
		id := st.entityID(acct, kind, p)
		if id == "" {
			return nil, awserr400Malformed(`Invalid principal in policy: "AWS":"` + p + `"`)
		}
		if refs == nil {
			refs = make(map[string]string)
		}
		refs[p] = id
	}
	return refs, nil
}

// entityID returns the unique id of the role or user with this exact ARN,
// or "".
func (st *state) entityID(acct, kind, arn string) string {
	a := st.acct[acct]
	if a == nil {
		return ""
	}
	name := strings.ToLower(arn[strings.LastIndexByte(arn, '/')+1:])
	switch kind {
	case "role":
		if r := a.Roles[name]; r != nil && r.ARN == arn {
			return r.ID
		}
	case "user":
		if u := a.Users[name]; u != nil && u.ARN == arn {
			return u.ID
		}
	}
	return ""
}

// resolveRefs returns text with each principal ARN of refs whose entity no
// longer has the bound unique id (deleted, or deleted and recreated)
// replaced by that id, and whether anything was replaced.
func (st *state) resolveRefs(text string, refs map[string]string) (string, bool) {
	var stale []string
	for arn, id := range refs {
		acct, kind, _, _ := entityARN(arn)
		if st.entityID(acct, kind, arn) != id {
			stale = append(stale, arn)
		}
	}
	if len(stale) == 0 {
		return text, false
	}
	sort.Strings(stale)
	for _, arn := range stale {
		text = strings.ReplaceAll(text, `"`+arn+`"`, `"`+refs[arn]+`"`)
	}
	return text, true
}

// BindPrincipals returns the unique ids of the existing IAM roles and users
// that a resource policy (bucket, topic or function policy) names as AWS
// principals, by ARN; it is nil when it names none. Store it with the
// policy and pass it to ResolvePrincipals when the policy is read or
// evaluated.
func (s *Service) BindPrincipals(text string) map[string]string {
	var refs map[string]string
	s.store.read(func(st *state) {
		for _, p := range awsPrincipals(text) {
			acct, kind, _, ok := entityARN(p)
			if !ok {
				continue
			}
			if id := st.entityID(acct, kind, p); id != "" {
				if refs == nil {
					refs = make(map[string]string)
				}
				refs[p] = id
			}
		}
	})
	return refs
}

// ResolvePrincipals returns a resource policy as AWS shows and evaluates
// it now: each principal bound by BindPrincipals whose role or user was
// deleted (or deleted and recreated) reads as the unique id it was bound
// to (AROA..., AIDA...), which matches no caller (IAM User Guide, "AWS
// JSON policy elements: Principal"). changed reports whether text was
// rewritten.
func (s *Service) ResolvePrincipals(text string, refs map[string]string) (resolved string, changed bool) {
	if len(refs) == 0 {
		return text, false
	}
	s.store.read(func(st *state) { resolved, changed = st.resolveRefs(text, refs) })
	return resolved, changed
}

// effectiveTrust returns the trust policy as AWS evaluates and shows it now:
// principals whose role or user was deleted (or deleted and recreated) are
// replaced by the unique id they were bound to, which matches no caller.
func (st *state) effectiveTrust(r *Role) (text string, p *policy.Policy) {
	text, p = r.Trust.Text, r.Trust.parsed
	text, changed := st.resolveRefs(text, r.TrustRefs)
	if !changed {
		return text, p
	}
	np, err := policy.Parse(text, policy.KindTrust)
	if err != nil {
		// The rewritten document names only ids; if the engine will not
		// take it, no principal of the stale entries can match anyway.
		return text, p
	}
	return text, np
}

func (st *state) roleOut(r *Role) RoleOut {
	text, _ := st.effectiveTrust(r)
	out := RoleOut{
		Path:                     r.Path,
		RoleName:                 r.Name,
		RoleId:                   r.ID,
		Arn:                      r.ARN,
		CreateDate:               r.CreateDate,
		AssumeRolePolicyDocument: encodeDoc(text),
		Description:              r.Description,
		MaxSessionDuration:       r.MaxSessionDuration,
		Tags:                     r.Tags,
		RoleLastUsed:             &RoleLastUsedOut{},
	}
	if r.Boundary != "" {
		out.PermissionsBoundary = &BoundaryOut{PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: r.Boundary}
	}
	if !r.LastUsed.IsZero() {
		t := r.LastUsed
		out.RoleLastUsed = &RoleLastUsedOut{LastUsedDate: &t, Region: r.LastUsedRgn}
	}
	return out
}

// CreateRole creates a role with a trust policy.
func (s *Service) CreateRole(ctx context.Context, in *CreateRoleIn) (*RoleResult, error) {
	acct := callerAccount(ctx)
	if err := checkName("roleName", in.RoleName, 64); err != nil {
		return nil, err
	}
	if err := checkPath("path", in.Path); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if len(in.Description) > 1000 {
		return nil, validationError("description", in.Description, "have length less than or equal to 1000")
	}
	maxSession := int32(defaultMaxSession)
	if in.MaxSessionDuration != nil {
		maxSession = *in.MaxSessionDuration
		if maxSession < minMaxSession || maxSession > maxMaxSession {
			return nil, validationError("maxSessionDuration", itoa(int(maxSession)), "have value between 3600 and 43200")
		}
	}
	now := s.now().UTC()
	return update(s.store, func(st *state) (*RoleResult, error) {
		a := st.account(acct)
		if _, ok := a.Roles[strings.ToLower(in.RoleName)]; ok {
			return nil, alreadyExists("Role with name %s already exists.", in.RoleName)
		}
		trust, refs, err := st.prepareTrust(in.AssumeRolePolicyDocument)
		if err != nil {
			return nil, err
		}
		if in.PermissionsBoundary != "" {
			if _, err := st.attachable(acct, in.PermissionsBoundary); err != nil {
				return nil, err
			}
		}
		r := &Role{
			Account:            acct,
			Path:               normPath(in.Path),
			Name:               in.RoleName,
			ID:                 NewRoleID(),
			ARN:                roleARN(acct, in.Path, in.RoleName),
			Description:        in.Description,
			CreateDate:         now,
			MaxSessionDuration: maxSession,
			Trust:              trust,
			TrustRefs:          refs,
			Boundary:           in.PermissionsBoundary,
			Tags:               in.Tags,
		}
		if err := put(st, acct, a.Roles, strings.ToLower(r.Name), r); err != nil {
			return nil, err
		}
		return &RoleResult{Role: st.roleOut(r)}, nil
	})
}

// role returns the role named name in acct.
func (st *state) role(acct, name string) (*Role, error) {
	if r := st.peek(acct).Roles[strings.ToLower(name)]; r != nil {
		return r, nil
	}
	if err := checkName("roleName", name, 64); err != nil {
		return nil, err
	}
	return nil, noSuchEntity("The role with name %s cannot be found.", name)
}

// GetRole returns a role.
func (s *Service) GetRole(ctx context.Context, in *RoleNameIn) (*RoleResult, error) {
	acct := callerAccount(ctx)
	return view(s.store, func(st *state) (*RoleResult, error) {
		r, err := st.role(acct, in.RoleName)
		if err != nil {
			return nil, err
		}
		return &RoleResult{Role: st.roleOut(r)}, nil
	})
}

// DeleteRole deletes a role that has no policies left.
func (s *Service) DeleteRole(ctx context.Context, in *RoleNameIn) (*Empty, error) {
	acct := callerAccount(ctx)
	return update(s.store, func(st *state) (*Empty, error) {
		r, err := st.role(acct, in.RoleName)
		if err != nil {
			return nil, err
		}
		if err := deletable(r); err != nil {
			return nil, err
		}
		return nil, put[Role](st, acct, st.acct[acct].Roles, strings.ToLower(in.RoleName), nil)
	})
}

// ListRoles lists roles by path prefix.
func (s *Service) ListRoles(ctx context.Context, in *ListRolesIn) (*ListRolesOut, error) {
	acct := callerAccount(ctx)
	var all []RoleOut
	s.store.read(func(st *state) {
		for _, r := range sortedRoles(st.peek(acct).Roles) {
			if strings.HasPrefix(r.Path, normPath(in.PathPrefix)) {
				all = append(all, st.roleOut(r))
			}
		}
	})
	page, trunc, next, err := paginate(all, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListRolesOut{Roles: page, IsTruncated: trunc, Marker: next}, nil
}

// UpdateRole changes a role's description or maximum session duration.
func (s *Service) UpdateRole(ctx context.Context, in *UpdateRoleIn) (*Empty, error) {
	if in.MaxSessionDuration != nil && (*in.MaxSessionDuration < minMaxSession || *in.MaxSessionDuration > maxMaxSession) {
		return nil, validationError("maxSessionDuration", itoa(int(*in.MaxSessionDuration)), "have value between 3600 and 43200")
	}
	err := roleOps.change(ctx, s.store, in.RoleName, func(_ *state, r *Role) error {
		if in.Description != nil {
			r.Description = *in.Description
		}
		if in.MaxSessionDuration != nil {
			r.MaxSessionDuration = *in.MaxSessionDuration
		}
		return nil
	})
	return &Empty{}, err
}

// UpdateRoleDescription changes a role's description.
func (s *Service) UpdateRoleDescription(ctx context.Context, in *UpdateRoleDescriptionIn) (*RoleResult, error) {
	acct := callerAccount(ctx)
	return update(s.store, func(st *state) (*RoleResult, error) {
		r, err := st.updateRole(acct, in.RoleName, func(r *Role) error {
			r.Description = in.Description
			return nil
		})
		if err != nil {
			return nil, err
		}
		return &RoleResult{Role: st.roleOut(r)}, nil
	})
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, in *UpdateAssumeRolePolicyIn) (*Empty, error) {
	return nil, roleOps.change(ctx, s.store, in.RoleName, func(st *state, r *Role) error {
		trust, refs, err := st.prepareTrust(in.PolicyDocument)
		if err != nil {
			return err
		}
		r.Trust, r.TrustRefs = trust, refs
		return nil
	})
}

// TagRole adds or replaces tags on a role.
func (s *Service) TagRole(ctx context.Context, in *TagRoleIn) (*Empty, error) {
	return nil, roleOps.tag(ctx, s.store, in.RoleName, in.Tags)
}

// UntagRole removes tags from a role.
func (s *Service) UntagRole(ctx context.Context, in *UntagRoleIn) (*Empty, error) {
	return nil, roleOps.untag(ctx, s.store, in.RoleName, in.TagKeys)
}

// ListRoleTags lists a role's tags.
func (s *Service) ListRoleTags(ctx context.Context, in *ListTagsIn) (*ListTagsOut, error) {
	return roleOps.listTags(ctx, s.store, in.RoleName, in.Page)
}

// PutRolePermissionsBoundary sets a role's permissions boundary.
func (s *Service) PutRolePermissionsBoundary(ctx context.Context, in *BoundaryIn) (*Empty, error) {
	return nil, roleOps.putBoundary(ctx, s.store, in.RoleName, in.PermissionsBoundary)
}

// DeleteRolePermissionsBoundary removes a role's permissions boundary.
func (s *Service) DeleteRolePermissionsBoundary(ctx context.Context, in *RoleNameIn) (*Empty, error) {
	return nil, roleOps.deleteBoundary(ctx, s.store, in.RoleName)
}
