package iam

import (
	"context"
	"strings"

	"github.com/xacct/xacct/emulator/service"
)

// user returns the user named name in acct.
func (st *state) user(acct, name string) (*User, error) {
	if u := st.peek(acct).Users[strings.ToLower(name)]; u != nil {
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
	now := s.now().UTC()
	return update(s.store, func(st *state) (*UserResult, error) {
		a := st.account(acct)
		if _, ok := a.Users[strings.ToLower(in.UserName)]; ok {
			return nil, alreadyExists("User with name %s already exists.", in.UserName)
		}
		if in.PermissionsBoundary != "" {
			if _, err := st.attachable(acct, in.PermissionsBoundary); err != nil {
				return nil, err
			}
		}
		u := &User{
			Account:    acct,
			Path:       normPath(in.Path),
			Name:       in.UserName,
			ID:         NewUserID(),
			ARN:        userARN(acct, in.Path, in.UserName),
			CreateDate: now,
			Boundary:   in.PermissionsBoundary,
			Tags:       in.Tags,
		}
		if err := put(st, acct, a.Users, strings.ToLower(u.Name), u); err != nil {
			return nil, err
		}
		return &UserResult{User: userOut(u)}, nil
	})
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
	acct := callerAccount(ctx)
	return view(s.store, func(st *state) (*UserResult, error) {
		u, err := st.user(acct, name)
		if err != nil {
			return nil, err
		}
		return &UserResult{User: userOut(u)}, nil
	})
}

// DeleteUser deletes a user without policies or access keys.
func (s *Service) DeleteUser(ctx context.Context, in *UserNameIn) (*Empty, error) {
	acct := callerAccount(ctx)
	return update(s.store, func(st *state) (*Empty, error) {
		u, err := st.user(acct, in.UserName)
		if err != nil {
			return nil, err
		}
		if err := deletable(u); err != nil {
			return nil, err
		}
		if len(st.keysOf(acct, u.Name)) > 0 {
			return nil, deleteConflict("Cannot delete entity, must delete access keys first.")
		}
		return nil, put[User](st, acct, st.acct[acct].Users, strings.ToLower(u.Name), nil)
	})
}

// ListUsers lists users by path prefix.
func (s *Service) ListUsers(ctx context.Context, in *ListUsersIn) (*ListUsersOut, error) {
	acct := callerAccount(ctx)
	var all []UserOut
	s.store.read(func(st *state) {
		for _, u := range sortedUsers(st.peek(acct).Users) {
			if strings.HasPrefix(u.Path, normPath(in.PathPrefix)) {
				all = append(all, userOut(u))
			}
		}
	})
	page, trunc, next, err := paginate(all, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListUsersOut{Users: page, IsTruncated: trunc, Marker: next}, nil
}

// TagUser adds or replaces tags on a user.
func (s *Service) TagUser(ctx context.Context, in *TagUserIn) (*Empty, error) {
	return nil, userOps.tag(ctx, s.store, in.UserName, in.Tags)
}

// UntagUser removes tags from a user.
func (s *Service) UntagUser(ctx context.Context, in *UntagUserIn) (*Empty, error) {
	return nil, userOps.untag(ctx, s.store, in.UserName, in.TagKeys)
}

// ListUserTags lists a user's tags.
func (s *Service) ListUserTags(ctx context.Context, in *ListTagsIn) (*ListTagsOut, error) {
	return userOps.listTags(ctx, s.store, in.UserName, in.Page)
}

// PutUserPermissionsBoundary sets a user's permissions boundary.
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, in *BoundaryIn) (*Empty, error) {
	return nil, userOps.putBoundary(ctx, s.store, in.UserName, in.PermissionsBoundary)
}

// DeleteUserPermissionsBoundary removes a user's permissions boundary.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, in *UserNameIn) (*Empty, error) {
	return nil, userOps.deleteBoundary(ctx, s.store, in.UserName)
}

// keysOf returns the access keys of user name in acct.
func (st *state) keysOf(acct, name string) []*AccessKey {
	var out []*AccessKey
	for _, k := range st.peek(acct).Keys {
		if k.UserName == name {
			out = append(out, k)
		}
	}
	return out
}

// keyUser is the user an access key operation names: UserName, else the
// caller.
func keyUser(ctx context.Context, name string) string {
	if name == "" {
		return service.FromContext(ctx).Caller.UserName
	}
	return name
}

// CreateAccessKey issues a long-term access key for a user (the caller when
// no user is named).
func (s *Service) CreateAccessKey(ctx context.Context, in *UserNameIn) (*AccessKeyResult, error) {
	acct, name, now := callerAccount(ctx), keyUser(ctx, in.UserName), s.now().UTC()
	return update(s.store, func(st *state) (*AccessKeyResult, error) {
		u, err := st.user(acct, name)
		if err != nil {
			return nil, err
		}
		if len(st.keysOf(acct, u.Name)) >= 2 {
			return nil, limitExceeded("Cannot exceed quota for AccessKeysPerUser: 2")
		}
		k := &AccessKey{ID: NewAccessKeyID(), Secret: NewSecret(), Account: acct, UserName: u.Name, Status: "Active", CreateDate: now}
		if err := put(st, acct, st.acct[acct].Keys, k.ID, k); err != nil {
			return nil, err
		}
		return &AccessKeyResult{AccessKey: AccessKeyOut{UserName: k.UserName, AccessKeyId: k.ID, Status: k.Status, SecretAccessKey: k.Secret, CreateDate: k.CreateDate}}, nil
	})
}

// changeKey stores what change makes of the access key in names (nil:
// deletes it), or returns NoSuchEntity when the user it names has no such
// key.
func (s *Service) changeKey(ctx context.Context, in *AccessKeyIn, change func(k AccessKey) *AccessKey) error {
	acct, name := callerAccount(ctx), keyUser(ctx, in.UserName)
	_, err := update(s.store, func(st *state) (*Empty, error) {
		k := st.peek(acct).Keys[in.AccessKeyId]
		if k == nil || !strings.EqualFold(k.UserName, name) {
			return nil, noSuchEntity("The Access Key with id %s cannot be found.", in.AccessKeyId)
		}
		return nil, put(st, acct, st.acct[acct].Keys, k.ID, change(*k))
	})
	return err
}

// DeleteAccessKey deletes a user's access key.
func (s *Service) DeleteAccessKey(ctx context.Context, in *AccessKeyIn) (*Empty, error) {
	return nil, s.changeKey(ctx, in, func(AccessKey) *AccessKey { return nil })
}

// UpdateAccessKey activates or deactivates a user's access key.
func (s *Service) UpdateAccessKey(ctx context.Context, in *AccessKeyIn) (*Empty, error) {
	if in.Status != "Active" && in.Status != "Inactive" {
		return nil, validationError("status", in.Status, "satisfy enum value set: [Active, Inactive]")
	}
	return nil, s.changeKey(ctx, in, func(k AccessKey) *AccessKey {
		k.Status = in.Status
		return &k
	})
}

// ListAccessKeys lists a user's access keys.
func (s *Service) ListAccessKeys(ctx context.Context, in *ListAccessKeysIn) (*ListAccessKeysOut, error) {
	acct, name := callerAccount(ctx), keyUser(ctx, in.UserName)
	out, err := view(s.store, func(st *state) ([]AccessKeyMetadataOut, error) {
		u, err := st.user(acct, name)
		if err != nil {
			return nil, err
		}
		out := []AccessKeyMetadataOut{}
		for _, k := range st.keysOf(acct, u.Name) {
			out = append(out, AccessKeyMetadataOut{UserName: k.UserName, AccessKeyId: k.ID, Status: k.Status, CreateDate: k.CreateDate})
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	page, trunc, next, err := paginate(out, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListAccessKeysOut{AccessKeyMetadata: page, IsTruncated: trunc, Marker: next}, nil
}
