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
	boundary() *string
}

func (r *Role) tagList() *[]Tag                           { return &r.Tags }
func (r *Role) policyLists() (*[]InlinePolicy, *[]string) { return &r.Inline, &r.Attached }
func (u *User) tagList() *[]Tag                           { return &u.Tags }
func (u *User) policyLists() (*[]InlinePolicy, *[]string) { return &u.Inline, &u.Attached }
func (r *Role) boundary() *string                         { return &r.Boundary }
func (u *User) boundary() *string                         { return &u.Boundary }

// updateRole applies change to a copy of the named role of acct and stores
// it.
func (st *state) updateRole(acct, name string, change func(r *Role) error) (*Role, error) {
	old, err := st.role(acct, name)
	if err != nil {
		return nil, err
	}
	return replace(st, acct, st.acct[acct].Roles, strings.ToLower(name), old, change)
}

// updateUser applies change to a copy of the named user of acct and stores
// it.
func (st *state) updateUser(acct, name string, change func(u *User) error) (*User, error) {
	old, err := st.user(acct, name)
	if err != nil {
		return nil, err
	}
	return replace(st, acct, st.acct[acct].Users, strings.ToLower(name), old, change)
}

// deletable refuses the deletion of a role or user that still has inline
// or attached policies (DeleteConflict, as IAM answers).
func deletable[T entity](e T) error {
	inline, attached := e.policyLists()
	if len(*inline) > 0 {
		return deleteConflict("Cannot delete entity, must delete policies first.")
	}
	if len(*attached) > 0 {
		return deleteConflict("Cannot delete entity, must detach all policies first.")
	}
	return nil
}

// getter is state.role or state.user: the named entity of acct.
type getter[T entity] func(st *state, acct, name string) (T, error)

// updater is state.updateRole or state.updateUser.
type updater[T entity] func(st *state, acct, name string, change func(T) error) (T, error)

// roleOps and userOps are the accessors of roles and users that the
// operations written once over entity take.
var (
	roleOps = entityOps[*Role]{kind: "role", get: (*state).role, update: (*state).updateRole}
	userOps = entityOps[*User]{kind: "user", get: (*state).user, update: (*state).updateUser}
)

// entityOps reads and changes roles or users.
type entityOps[T entity] struct {
	kind   string // "role" or "user"
	get    getter[T]
	update updater[T]
}

// change applies change to the named role or user of the caller's account
// under the store's write lock.
func (o entityOps[T]) change(ctx context.Context, s *store, name string, change func(st *state, e T) error) error {
	acct := callerAccount(ctx)
	_, err := update(s, func(st *state) (T, error) {
		return o.update(st, acct, name, func(e T) error { return change(st, e) })
	})
	return err
}

// tag adds or replaces tags on the named role or user (TagRole, TagUser:
// IAM API Reference; at most 50 tags after the change).
func (o entityOps[T]) tag(ctx context.Context, s *store, name string, tags []Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	return o.change(ctx, s, name, func(_ *state, e T) error {
		t := e.tagList()
		*t = mergeTags(*t, tags)
		return checkTags(*t)
	})
}

// untag removes tags from the named role or user.
func (o entityOps[T]) untag(ctx context.Context, s *store, name string, keys []string) error {
	return o.change(ctx, s, name, func(_ *state, e T) error {
		t := e.tagList()
		*t = removeTags(*t, keys)
		return nil
	})
}

// listTags lists the tags of the named role or user, a page at a time.
func (o entityOps[T]) listTags(ctx context.Context, s *store, name string, p Page) (*ListTagsOut, error) {
	acct := callerAccount(ctx)
	return view(s, func(st *state) (*ListTagsOut, error) {
		e, err := o.get(st, acct, name)
		if err != nil {
			return nil, err
		}
		page, trunc, next, err := paginate(*e.tagList(), p)
		if err != nil {
			return nil, err
		}
		return &ListTagsOut{Tags: page, IsTruncated: trunc, Marker: next}, nil
	})
}

// putBoundary sets the permissions boundary of the named role or user to
// arn, a managed policy the account may attach.
func (o entityOps[T]) putBoundary(ctx context.Context, s *store, name, arn string) error {
	acct := callerAccount(ctx)
	_, err := update(s, func(st *state) (T, error) {
		if _, err := st.attachable(acct, arn); err != nil {
			var none T
			return none, err
		}
		return o.update(st, acct, name, func(e T) error {
			*e.boundary() = arn
			return nil
		})
	})
	return err
}

// deleteBoundary removes the permissions boundary of the named role or user.
func (o entityOps[T]) deleteBoundary(ctx context.Context, s *store, name string) error {
	return o.change(ctx, s, name, func(_ *state, e T) error {
		*e.boundary() = ""
		return nil
	})
}

// policies is the principalEntity of the named role or user of acct.
func (o entityOps[T]) policies(st *state, acct, name string) principalEntity {
	return principalEntity{kind: o.kind, name: name,
		get: func() ([]InlinePolicy, []string, error) {
			e, err := o.get(st, acct, name)
			if err != nil {
				return nil, nil, err
			}
			inline, attached := e.policyLists()
			return *inline, *attached, nil
		},
		store: func(inline []InlinePolicy, attached []string) error {
			_, err := o.update(st, acct, name, func(e T) error {
				i, a := e.policyLists()
				*i, *a = inline, attached
				return nil
			})
			return err
		}}
}
