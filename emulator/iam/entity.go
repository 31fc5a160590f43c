package iam

import (
	"context"
	"strings"
)

// entity is what roles and users have in common: tags and policies. The
// tag operations and the inline/attached policy operations are written
// once over it.
type entity interface {
	*Role | *User
	tagList() *[]Tag
	policyLists() (inline *[]InlinePolicy, attached *[]string)
}

func (r *Role) tagList() *[]Tag                           { return &r.Tags }
func (r *Role) policyLists() (*[]InlinePolicy, *[]string) { return &r.Inline, &r.Attached }
func (u *User) tagList() *[]Tag                           { return &u.Tags }
func (u *User) policyLists() (*[]InlinePolicy, *[]string) { return &u.Inline, &u.Attached }

// replaceLocked stores a changed copy of old under key in m and saves
// acct; when saving fails, old is put back and nothing has changed.
// Callers hold s.mu for writing.
func replaceLocked[T any](s *Service, acct string, m map[string]*T, key string, old *T, change func(*T) error) (*T, error) {
	v := *old
	if err := change(&v); err != nil {
		return nil, err
	}
	m[key] = &v
	if err := s.save(acct); err != nil {
		m[key] = old
		return nil, err
	}
	return &v, nil
}

// updateRoleLocked applies change to a copy of the named role and stores
// it. Callers hold s.mu for writing.
func (s *Service) updateRoleLocked(ctx context.Context, name string, change func(r *Role) error) (*Role, error) {
	acct := callerAccount(ctx)
	old, err := s.role(acct, name)
	if err != nil {
		return nil, err
	}
	return replaceLocked(s, acct, s.acct[acct].Roles, strings.ToLower(name), old, change)
}

// updateRole is updateRoleLocked taking the lock.
func (s *Service) updateRole(ctx context.Context, name string, change func(r *Role) error) (*Role, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updateRoleLocked(ctx, name, change)
}

// updateUserLocked applies change to a copy of the named user and stores
// it. Callers hold s.mu for writing.
func (s *Service) updateUserLocked(ctx context.Context, name string, change func(u *User) error) (*User, error) {
	acct := callerAccount(ctx)
	old, err := s.user(acct, name)
	if err != nil {
		return nil, err
	}
	return replaceLocked(s, acct, s.acct[acct].Users, strings.ToLower(name), old, change)
}

// updateUser is updateUserLocked taking the lock.
func (s *Service) updateUser(ctx context.Context, name string, change func(u *User) error) (*User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updateUserLocked(ctx, name, change)
}

// updater is updateRole or updateUser.
type updater[T entity] func(ctx context.Context, name string, change func(T) error) (T, error)

// getter is role or user: the named entity of acct, read with s.mu held.
type getter[T entity] func(acct, name string) (T, error)

// tagEntity adds or replaces tags on the named role or user (TagRole,
// TagUser: IAM API Reference; at most 50 tags after the change).
func tagEntity[T entity](ctx context.Context, update updater[T], name string, tags []Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	_, err := update(ctx, name, func(e T) error {
		t := e.tagList()
		*t = mergeTags(*t, tags)
		return checkTags(*t)
	})
	return err
}

// untagEntity removes tags from the named role or user.
func untagEntity[T entity](ctx context.Context, update updater[T], name string, keys []string) error {
	_, err := update(ctx, name, func(e T) error {
		t := e.tagList()
		*t = removeTags(*t, keys)
		return nil
	})
	return err
}

// listEntityTags lists the tags of the named role or user, a page at a time.
func listEntityTags[T entity](ctx context.Context, s *Service, get getter[T], name string, p Page) (*ListTagsOut, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, err := get(callerAccount(ctx), name)
	if err != nil {
		return nil, err
	}
	page, trunc, next, err := paginate(*e.tagList(), p)
	if err != nil {
		return nil, err
	}
	return &ListTagsOut{Tags: page, IsTruncated: trunc, Marker: next}, nil
}

// policyEntity is the principalEntity of the named role or user.
func policyEntity[T entity](ctx context.Context, kind, name string, get getter[T], update updater[T]) principalEntity {
	return principalEntity{kind: kind, name: name,
		get: func() ([]InlinePolicy, []string, error) {
			e, err := get(callerAccount(ctx), name)
			if err != nil {
				return nil, nil, err
			}
			inline, attached := e.policyLists()
			return *inline, *attached, nil
		},
		store: func(inline []InlinePolicy, attached []string) error {
			_, err := update(ctx, name, func(e T) error {
				i, a := e.policyLists()
				*i, *a = inline, attached
				return nil
			})
			return err
		}}
}
