// Package iam is the emulated AWS Identity and Access Management (query
// protocol): roles with trust policies, users and their access keys,
// inline and managed policies (customer and AWS managed), permissions
// boundaries, tags, and the policy simulator; and the queries the rest of
// the emulator makes of it (LookupAccessKey, UserPolicies, RolePolicies).
//
// service.go holds Options, New and the operation table; shapes.go the wire
// shapes; roles.go, users.go, policies.go (inline and attached),
// managedops.go (managed policies), lookup.go (the emulator's queries) and
// simulate.go the operations; entity.go what roles and users share (tags,
// policies, boundaries, the copy-on-write update); store.go the accounts,
// their files and the store's lock (operations read and change state only
// through view and update, never locking themselves); errors.go the error
// codes.
package iam
