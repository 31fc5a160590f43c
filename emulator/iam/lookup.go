package iam

import (
	"strings"
	"time"

	"github.com/xacct/xacct/policy"
)

// This file holds what other parts of the emulator ask of IAM: roles for
// STS, policies for the authorizer, access keys for signature checks.

// Role returns the role named name in acct.
func (s *Service) Role(acct, name string) (*Role, bool) {
	var r *Role
	s.store.read(func(st *state) { r = st.peek(acct).Roles[strings.ToLower(name)] })
	return r, r != nil
}

// RoleNames returns the names of acct's roles (for diagnosing a role name
// that does not exist).
func (s *Service) RoleNames(acct string) []string {
	var names []string
	s.store.read(func(st *state) {
		roles := st.peek(acct).Roles
		names = make([]string, 0, len(roles))
		for _, r := range roles {
			names = append(names, r.Name)
		}
	})
	return names
}

// RoleByARN returns the role whose ARN is arn (path included).
func (s *Service) RoleByARN(arn string) (*Role, bool) {
	acct, kind, name, ok := entityARN(arn)
	if !ok || kind != "role" {
		return nil, false
	}
	r, ok := s.Role(acct, name)
	if !ok || r.ARN != arn {
		return nil, false
	}
	return r, true
}

// TrustPolicy returns the role's trust policy as AWS evaluates it now.
func (s *Service) TrustPolicy(r *Role) *policy.Policy {
	var p *policy.Policy
	s.store.read(func(st *state) { _, p = st.effectiveTrust(r) })
	return p
}

// RolePolicies returns the identity-based policies and permissions boundary
// of role name in acct, as they are now (a role session is evaluated
// against its role's current policies).
func (s *Service) RolePolicies(acct, name string) (identity []policy.Named, boundary *policy.Named) {
	s.store.read(func(st *state) {
		if r := st.peek(acct).Roles[strings.ToLower(name)]; r != nil {
			identity, boundary = st.policiesOf(acct, r.Inline, r.Attached, r.Boundary)
		}
	})
	return identity, boundary
}

// UserPolicies returns the identity-based policies and permissions boundary
// of user name in acct.
func (s *Service) UserPolicies(acct, name string) (identity []policy.Named, boundary *policy.Named) {
	s.store.read(func(st *state) {
		if u := st.peek(acct).Users[strings.ToLower(name)]; u != nil {
			identity, boundary = st.policiesOf(acct, u.Inline, u.Attached, u.Boundary)
		}
	})
	return identity, boundary
}

func (st *state) policiesOf(acct string, inline []InlinePolicy, attached []string, bnd string) ([]policy.Named, *policy.Named) {
	out := make([]policy.Named, 0, len(inline)+len(attached))
	for _, p := range inline {
		out = append(out, policy.Named{Name: p.Name, Policy: p.Doc.parsed})
	}
	for _, arn := range attached {
		if mp, err := st.attachable(acct, arn); err == nil {
			if d := mp.Default(); d != nil {
				out = append(out, policy.Named{Name: arn, Policy: d.Doc.parsed})
			}
		}
	}
	var boundary *policy.Named
	if bnd != "" {
		if mp, err := st.attachable(acct, bnd); err == nil {
			if d := mp.Default(); d != nil {
				boundary = &policy.Named{Name: bnd, Policy: d.Doc.parsed}
			}
		}
	}
	return out, boundary
}

// ManagedPolicy returns the default version of a managed policy that acct
// may use (STS session PolicyArns, permission boundaries).
func (s *Service) ManagedPolicy(acct, arn string) (policy.Named, error) {
	return view(s.store, func(st *state) (policy.Named, error) {
		mp, err := st.attachable(acct, arn)
		if err != nil {
			return policy.Named{}, err
		}
		return policy.Named{Name: arn, Policy: mp.Default().Doc.parsed}, nil
	})
}

// AccessKeyOwner is what a long-term access key identifies.
type AccessKeyOwner struct {
	Key  AccessKey
	User User
}

// LookupAccessKey returns the active key with this id and its user.
func (s *Service) LookupAccessKey(id string) (AccessKeyOwner, bool) {
	var o AccessKeyOwner
	var ok bool
	s.store.read(func(st *state) {
		for _, a := range st.acct {
			k := a.Keys[id]
			if k == nil {
				continue
			}
			if u := a.Users[strings.ToLower(k.UserName)]; u != nil && k.Status == "Active" {
				o, ok = AccessKeyOwner{Key: *k, User: *u}, true
			}
			return
		}
	})
	return o, ok
}

// NoteRoleUsed records that a role was assumed (RoleLastUsed). It is kept
// in memory only, like a change that is not saved: the next saved change
// of the account writes it.
func (s *Service) NoteRoleUsed(r *Role, region string, at time.Time) {
	s.store.write(func(st *state) {
		a := st.peek(r.Account)
		cur := a.Roles[strings.ToLower(r.Name)]
		if cur == nil || cur.ID != r.ID {
			return
		}
		c := *cur
		c.LastUsed, c.LastUsedRgn = at.UTC(), region
		a.Roles[strings.ToLower(r.Name)] = &c
	})
}

// Tags returns the tags as a map, for aws:PrincipalTag.
func Tags(tags []Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// PrincipalExists reports whether arn names an existing IAM role or user
// (with its path). Services that validate resource policies use it.
func (s *Service) PrincipalExists(arn string) bool {
	acct, kind, _, ok := entityARN(arn)
	if !ok {
		return false
	}
	exists := false
	s.store.read(func(st *state) { exists = st.entityID(acct, kind, arn) != "" })
	return exists
}
