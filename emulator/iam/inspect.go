package iam

import (
	"sort"

	"github.com/xacct/xacct/policy"
)

// This file holds read-only views of IAM's state for the web console
// (emulator/console): accounts, roles and users as they are now.

// Accounts returns the ids of the accounts IAM holds state for, sorted.
func (s *Service) Accounts() []string {
	var out []string
	s.store.read(func(st *state) {
		out = make([]string, 0, len(st.acct))
		for id := range st.acct {
			out = append(out, id)
		}
	})
	sort.Strings(out)
	return out
}

// RoleView is a role with its trust policy as AWS evaluates it now.
type RoleView struct {
	Role
	// TrustText and TrustPolicy are the trust policy as evaluated now (a
	// deleted principal it named appears as its unique id).
	TrustText   string
	TrustPolicy *policy.Policy
}

// Roles returns acct's roles, sorted by name. Stored roles are never
// changed in place, so the values stay consistent.
func (s *Service) Roles(acct string) []RoleView {
	var out []RoleView
	s.store.read(func(st *state) {
		roles := st.peek(acct).Roles
		out = make([]RoleView, 0, len(roles))
		for _, r := range roles {
			text, p := st.effectiveTrust(r)
			out = append(out, RoleView{Role: *r, TrustText: text, TrustPolicy: p})
		}
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Users returns acct's users, sorted by name.
func (s *Service) Users(acct string) []User {
	var out []User
	s.store.read(func(st *state) {
		users := st.peek(acct).Users
		out = make([]User, 0, len(users))
		for _, u := range users {
			out = append(out, *u)
		}
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
