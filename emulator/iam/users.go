package iam

import (
	"context"
	"strings"

	"github.com/xacct/xacct/emulator/service"
)

// user returns the user named name in acct. Callers hold s.mu.
func (s *Service) user(acct, name string) (*User, error) {
	if u := s.peek(acct).Users[strings.ToLower(name)]; u != nil {
		return u, nil
	}
	if err := checkName("userName", name, 64); err != nil {
		return nil, err
	}
	return nil, noSuchEntity("The user with name %s cannot be found.", name)
}

func userOut(u *User) UserOut {
	out := UserOut{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: u.ARN, CreateDate: u.CreateDate, Tags: u.Tags}
	if u.Boundary != "" {
		out.PermissionsBoundary = &BoundaryOut{PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: u.Boundary}
	}
	return out
}

// CreateUser creates an IAM user.
func (s *Service) CreateUser(ctx context.Context, in *CreateUserIn) (*UserResult, error) {
	acct := callerAccount(ctx)
	if err := checkName("userName", in.UserName, 64); err != nil {
		return nil, err
	}
	if err := checkPath("path", in.Path); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(acct)
	if _, ok := a.Users[strings.ToLower(in.UserName)]; ok {
		return nil, alreadyExists("User with name %s already exists.", in.UserName)
	}
	if in.PermissionsBoundary != "" {
		if _, err := s.attachable(acct, in.PermissionsBoundary); err != nil {
			return nil, err
		}
	}
	u := &User{
		Account:    acct,
		Path:       normPath(in.Path),
		Name:       in.UserName,
		ID:         NewUserID(),
		ARN:        userARN(acct, in.Path, in.UserName),
		CreateDate: s.now().UTC(),
		Boundary:   in.PermissionsBoundary,
		Tags:       in.Tags,
	}
	a.Users[strings.ToLower(u.Name)] = u
	if err := s.save(acct); err != nil {
		delete(a.Users, strings.ToLower(u.Name))
		return nil, err
	}
	return &UserResult{User: userOut(u)}, nil
}

// GetUser returns a user; without a name, the calling user.
func (s *Service) GetUser(ctx context.Context, in *UserNameIn) (*UserResult, error) {
	name := in.UserName
	if name == "" {
		c := service.FromContext(ctx).Caller
		if c.UserName == "" {
			return nil, validationError("userName", "", "be specified when calling with non-User credentials")
		}
		name = c.UserName
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, err := s.user(callerAccount(ctx), name)
	if err != nil {
		return nil, err
	}
	return &UserResult{User: userOut(u)}, nil
}

// DeleteUser deletes a user without policies or access keys.
func (s *Service) DeleteUser(ctx context.Context, in *UserNameIn) (*Empty, error) {
	acct := callerAccount(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(acct, in.UserName)
	if err != nil {
		return nil, err
	}
	if len(u.Inline) > 0 {
		return nil, deleteConflict("Cannot delete entity, must delete policies first.")
	}
	if len(u.Attached) > 0 {
		return nil, deleteConflict("Cannot delete entity, must detach all policies first.")
	}
	for _, k := range s.acct[acct].Keys {
		if k.UserName == u.Name {
			return nil, deleteConflict("Cannot delete entity, must delete access keys first.")
		}
	}
	delete(s.acct[acct].Users, strings.ToLower(u.Name))
	if err := s.save(acct); err != nil {
		s.acct[acct].Users[strings.ToLower(u.Name)] = u
		return nil, err
	}
	return nil, nil
}

// ListUsers lists users by path prefix.
func (s *Service) ListUsers(ctx context.Context, in *ListUsersIn) (*ListUsersOut, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var all []UserOut
	for _, u := range sortedUsers(s.peek(callerAccount(ctx)).Users) {
		if strings.HasPrefix(u.Path, normPath(in.PathPrefix)) {
			all = append(all, userOut(u))
		}
	}
	page, trunc, next, err := paginate(all, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListUsersOut{Users: page, IsTruncated: trunc, Marker: next}, nil
}

// TagUser adds or replaces tags on a user.
func (s *Service) TagUser(ctx context.Context, in *TagUserIn) (*Empty, error) {
	return nil, tagEntity(ctx, s.updateUser, in.UserName, in.Tags)
}

// UntagUser removes tags from a user.
func (s *Service) UntagUser(ctx context.Context, in *UntagUserIn) (*Empty, error) {
	return nil, untagEntity(ctx, s.updateUser, in.UserName, in.TagKeys)
}

// ListUserTags lists a user's tags.
func (s *Service) ListUserTags(ctx context.Context, in *ListTagsIn) (*ListTagsOut, error) {
	return listEntityTags(ctx, s, s.user, in.UserName, in.Page)
}

// PutUserPermissionsBoundary sets a user's permissions boundary.
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, in *BoundaryIn) (*Empty, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.attachable(callerAccount(ctx), in.PermissionsBoundary); err != nil {
		return nil, err
	}
	_, err := s.updateUserLocked(ctx, in.UserName, func(u *User) error {
		u.Boundary = in.PermissionsBoundary
		return nil
	})
	return nil, err
}

// DeleteUserPermissionsBoundary removes a user's permissions boundary.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, in *UserNameIn) (*Empty, error) {
	_, err := s.updateUser(ctx, in.UserName, func(u *User) error {
		u.Boundary = ""
		return nil
	})
	return nil, err
}

// CreateAccessKey issues a long-term access key for a user (the caller when
// no user is named).
func (s *Service) CreateAccessKey(ctx context.Context, in *UserNameIn) (*AccessKeyResult, error) {
	acct := callerAccount(ctx)
	name := in.UserName
	if name == "" {
		name = service.FromContext(ctx).Caller.UserName
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(acct, name)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, k := range s.acct[acct].Keys {
		if k.UserName == u.Name {
			n++
		}
	}
	if n >= 2 {
		return nil, limitExceeded("Cannot exceed quota for AccessKeysPerUser: 2")
	}
	k := &AccessKey{ID: NewAccessKeyID(), Secret: NewSecret(), Account: acct, UserName: u.Name, Status: "Active", CreateDate: s.now().UTC()}
	s.acct[acct].Keys[k.ID] = k
	if err := s.save(acct); err != nil {
		delete(s.acct[acct].Keys, k.ID)
		return nil, err
	}
	return &AccessKeyResult{AccessKey: AccessKeyOut{UserName: k.UserName, AccessKeyId: k.ID, Status: k.Status, SecretAccessKey: k.Secret, CreateDate: k.CreateDate}}, nil
}

func (s *Service) userKey(ctx context.Context, in *AccessKeyIn) (*AccessKey, error) {
	acct := callerAccount(ctx)
	name := in.UserName
	if name == "" {
		name = service.FromContext(ctx).Caller.UserName
	}
	k := s.peek(acct).Keys[in.AccessKeyId]
	if k == nil || !strings.EqualFold(k.UserName, name) {
		return nil, noSuchEntity("The Access Key with id %s cannot be found.", in.AccessKeyId)
	}
	return k, nil
}

// DeleteAccessKey deletes a user's access key.
func (s *Service) DeleteAccessKey(ctx context.Context, in *AccessKeyIn) (*Empty, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.userKey(ctx, in)
	if err != nil {
		return nil, err
	}
	delete(s.acct[k.Account].Keys, k.ID)
	if err := s.save(k.Account); err != nil {
		s.acct[k.Account].Keys[k.ID] = k
		return nil, err
	}
	return nil, nil
}

// UpdateAccessKey activates or deactivates a user's access key.
func (s *Service) UpdateAccessKey(ctx context.Context, in *AccessKeyIn) (*Empty, error) {
	if in.Status != "Active" && in.Status != "Inactive" {
		return nil, validationError("status", in.Status, "satisfy enum value set: [Active, Inactive]")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.userKey(ctx, in)
	if err != nil {
		return nil, err
	}
	nk := *k
	nk.Status = in.Status
	s.acct[k.Account].Keys[k.ID] = &nk
	if err := s.save(k.Account); err != nil {
		s.acct[k.Account].Keys[k.ID] = k
		return nil, err
	}
	return nil, nil
}

// ListAccessKeys lists a user's access keys.
func (s *Service) ListAccessKeys(ctx context.Context, in *ListAccessKeysIn) (*ListAccessKeysOut, error) {
	acct := callerAccount(ctx)
	name := in.UserName
	if name == "" {
		name = service.FromContext(ctx).Caller.UserName
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, err := s.user(acct, name)
	if err != nil {
		return nil, err
	}
	out := []AccessKeyMetadataOut{}
	for _, k := range s.acct[acct].Keys {
		if k.UserName == u.Name {
			out = append(out, AccessKeyMetadataOut{UserName: k.UserName, AccessKeyId: k.ID, Status: k.Status, CreateDate: k.CreateDate})
		}
	}
	page, trunc, next, err := paginate(out, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListAccessKeysOut{AccessKeyMetadata: page, IsTruncated: trunc, Marker: next}, nil
}
