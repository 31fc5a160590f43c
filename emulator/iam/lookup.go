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
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.peek(acct).Roles[strings.ToLower(name)]
	return r, r != nil
}

// RoleNames returns the names of acct's roles (for diagnosing a role name
// that does not exist).
func (s *Service) RoleNames(acct string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	roles := s.peek(acct).Roles
	names := make([]string, 0, len(roles))
	for _, r := range roles {
		names = append(names, r.Name)
	}
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
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, p := s.effectiveTrust(r)
	return p
}

// RolePolicies returns the identity-based policies and permissions boundary
// of role name in acct, as they are now (a role session is evaluated
// against its role's current policies).
func (s *Service) RolePolicies(acct, name string) (identity []policy.Named, boundary *policy.Named) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.peek(acct).Roles[strings.ToLower(name)]
	if r == nil {
		return nil, nil
	}
	return s.policiesOf(acct, r.Inline, r.Attached, r.Boundary)
}

// UserPolicies returns the identity-based policies and permissions boundary
// of user name in acct.
func (s *Service) UserPolicies(acct, name string) (identity []policy.Named, boundary *policy.Named) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.peek(acct).Users[strings.ToLower(name)]
	if u == nil {
		return nil, nil
	}
	return s.policiesOf(acct, u.Inline, u.Attached, u.Boundary)
}

func (s *Service) policiesOf(acct string, inline []InlinePolicy, attached []string, bnd string) ([]policy.Named, *policy.Named) {
	out := make([]policy.Named, 0, len(inline)+len(attached))
	for _, p := range inline {
		out = append(out, policy.Named{Name: p.Name, Policy: p.Doc.parsed})
	}
	for _, arn := range attached {
		if mp, err := s.attachable(acct, arn); err == nil {
			if d := mp.Default(); d != nil {
				out = append(out, policy.Named{Name: arn, Policy: d.Doc.parsed})
			}
		}
	}
	var boundary *policy.Named
	if bnd != "" {
		if mp, err := s.attachable(acct, bnd); err == nil {
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
	s.mu.RLock()
	defer s.mu.RUnlock()
	mp, err := s.attachable(acct, arn)
	if err != nil {
		return policy.Named{}, err
	}
	return policy.Named{Name: arn, Policy: mp.Default().Doc.parsed}, nil
}

// AccessKeyOwner is what a long-term access key identifies.
type AccessKeyOwner struct {
	Key  AccessKey
	User User
}

// LookupAccessKey returns the active key with this id and its user.
func (s *Service) LookupAccessKey(id string) (AccessKeyOwner, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, a := range s.acct {
		k := a.Keys[id]
		if k == nil {
			continue
		}
		u := a.Users[strings.ToLower(k.UserName)]
		if u == nil || k.Status != "Active" {
			return AccessKeyOwner{}, false
		}
		return AccessKeyOwner{Key: *k, User: *u}, true
	}
	return AccessKeyOwner{}, false
}

// NoteRoleUsed records that a role was assumed (RoleLastUsed).
func (s *Service) NoteRoleUsed(r *Role, region string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.peek(r.Account).Roles[strings.ToLower(r.Name)]
	if cur == nil || cur.ID != r.ID {
		return
	}
	c := *cur
	c.LastUsed, c.LastUsedRgn = at.UTC(), region
	s.acct[r.Account].Roles[strings.ToLower(r.Name)] = &c
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
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.entityID(acct, kind, arn) != ""
}
