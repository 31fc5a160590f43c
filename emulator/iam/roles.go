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
// role or user it names to that entity's current unique id. Callers hold
// s.mu.
func (s *Service) prepareTrust(text string) (Doc, map[string]string, error) {
	doc, err := parseDoc(text, policy.KindTrust)
	if err != nil {
		return Doc{}, nil, err
	}
	refs, err := s.bindPrincipals(text)
	if err != nil {
		return Doc{}, nil, err
	}
	return doc, refs, nil
}

// bindPrincipals checks that every role and user ARN named as an AWS
// principal exists (IAM refuses the document otherwise) and returns their
// unique ids. Callers hold s.mu.
func (s *Service) bindPrincipals(text string) (map[string]string, error) {
	var refs map[string]string
	for _, p := range awsPrincipals(text) {
		acct, kind, _, ok := entityARN(p)
		if !ok {
			continue
		}
		id := s.entityID(acct, kind, p)
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
// or "". Callers hold s.mu.
func (s *Service) entityID(acct, kind, arn string) string {
	a := s.acct[acct]
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
// replaced by that id, and whether anything was replaced. Callers hold
// s.mu (read).
func (s *Service) resolveRefs(text string, refs map[string]string) (string, bool) {
	var stale []string
	for arn, id := range refs {
		acct, kind, _, _ := entityARN(arn)
		if s.entityID(acct, kind, arn) != id {
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
	s.mu.RLock()
	defer s.mu.RUnlock()
	var refs map[string]string
	for _, p := range awsPrincipals(text) {
		acct, kind, _, ok := entityARN(p)
		if !ok {
			continue
		}
		if id := s.entityID(acct, kind, p); id != "" {
			if refs == nil {
				refs = make(map[string]string)
			}
			refs[p] = id
		}
	}
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
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.resolveRefs(text, refs)
}

// effectiveTrust returns the trust policy as AWS evaluates and shows it now:
// principals whose role or user was deleted (or deleted and recreated) are
// replaced by the unique id they were bound to, which matches no caller.
// Callers hold s.mu.
func (s *Service) effectiveTrust(r *Role) (text string, p *policy.Policy) {
	text, p = r.Trust.Text, r.Trust.parsed
	text, changed := s.resolveRefs(text, r.TrustRefs)
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

func (s *Service) roleOut(r *Role) RoleOut {
	text, _ := s.effectiveTrust(r)
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
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(acct)
	if _, ok := a.Roles[strings.ToLower(in.RoleName)]; ok {
		return nil, alreadyExists("Role with name %s already exists.", in.RoleName)
	}
	trust, refs, err := s.prepareTrust(in.AssumeRolePolicyDocument)
	if err != nil {
		return nil, err
	}
	if in.PermissionsBoundary != "" {
		if _, err := s.attachable(acct, in.PermissionsBoundary); err != nil {
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
		CreateDate:         s.now().UTC(),
		MaxSessionDuration: maxSession,
		Trust:              trust,
		TrustRefs:          refs,
		Boundary:           in.PermissionsBoundary,
		Tags:               in.Tags,
	}
	a.Roles[strings.ToLower(r.Name)] = r
	if err := s.save(acct); err != nil {
		delete(a.Roles, strings.ToLower(r.Name))
		return nil, err
	}
	return &RoleResult{Role: s.roleOut(r)}, nil
}

// role returns the role named name in acct. Callers hold s.mu.
func (s *Service) role(acct, name string) (*Role, error) {
	if r := s.peek(acct).Roles[strings.ToLower(name)]; r != nil {
		return r, nil
	}
	if err := checkName("roleName", name, 64); err != nil {
		return nil, err
	}
	return nil, noSuchEntity("The role with name %s cannot be found.", name)
}

// GetRole returns a role.
func (s *Service) GetRole(ctx context.Context, in *RoleNameIn) (*RoleResult, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, err := s.role(callerAccount(ctx), in.RoleName)
	if err != nil {
		return nil, err
	}
	return &RoleResult{Role: s.roleOut(r)}, nil
}

// DeleteRole deletes a role that has no policies left.
func (s *Service) DeleteRole(ctx context.Context, in *RoleNameIn) (*Empty, error) {
	acct := callerAccount(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.role(acct, in.RoleName)
	if err != nil {
		return nil, err
	}
	if len(r.Inline) > 0 {
		return nil, deleteConflict("Cannot delete entity, must delete policies first.")
	}
	if len(r.Attached) > 0 {
		return nil, deleteConflict("Cannot delete entity, must detach all policies first.")
	}
	delete(s.acct[acct].Roles, strings.ToLower(in.RoleName))
	if err := s.save(acct); err != nil {
		s.acct[acct].Roles[strings.ToLower(in.RoleName)] = r
		return nil, err
	}
	return nil, nil
}

// ListRoles lists roles by path prefix.
func (s *Service) ListRoles(ctx context.Context, in *ListRolesIn) (*ListRolesOut, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var all []RoleOut
	for _, r := range sortedRoles(s.peek(callerAccount(ctx)).Roles) {
		if strings.HasPrefix(r.Path, normPath(in.PathPrefix)) {
			all = append(all, s.roleOut(r))
		}
	}
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
	_, err := s.updateRole(ctx, in.RoleName, func(r *Role) error {
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
	r, err := s.updateRole(ctx, in.RoleName, func(r *Role) error {
		r.Description = in.Description
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return &RoleResult{Role: s.roleOut(r)}, nil
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, in *UpdateAssumeRolePolicyIn) (*Empty, error) {
	_, err := s.updateRole(ctx, in.RoleName, func(r *Role) error {
		trust, refs, err := s.prepareTrust(in.PolicyDocument)
		if err != nil {
			return err
		}
		r.Trust, r.TrustRefs = trust, refs
		return nil
	})
	return nil, err
}

// TagRole adds or replaces tags on a role.
func (s *Service) TagRole(ctx context.Context, in *TagRoleIn) (*Empty, error) {
	return nil, tagEntity(ctx, s.updateRole, in.RoleName, in.Tags)
}

// UntagRole removes tags from a role.
func (s *Service) UntagRole(ctx context.Context, in *UntagRoleIn) (*Empty, error) {
	return nil, untagEntity(ctx, s.updateRole, in.RoleName, in.TagKeys)
}

// ListRoleTags lists a role's tags.
func (s *Service) ListRoleTags(ctx context.Context, in *ListTagsIn) (*ListTagsOut, error) {
	return listEntityTags(ctx, s, s.role, in.RoleName, in.Page)
}

// PutRolePermissionsBoundary sets a role's permissions boundary.
func (s *Service) PutRolePermissionsBoundary(ctx context.Context, in *BoundaryIn) (*Empty, error) {
	acct := callerAccount(ctx)
	s.mu.RLock()
	_, err := s.attachable(acct, in.PermissionsBoundary)
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	_, err = s.updateRole(ctx, in.RoleName, func(r *Role) error {
		r.Boundary = in.PermissionsBoundary
		return nil
	})
	return nil, err
}

// DeleteRolePermissionsBoundary removes a role's permissions boundary.
func (s *Service) DeleteRolePermissionsBoundary(ctx context.Context, in *RoleNameIn) (*Empty, error) {
	_, err := s.updateRole(ctx, in.RoleName, func(r *Role) error {
		r.Boundary = ""
		return nil
	})
	return nil, err
}
