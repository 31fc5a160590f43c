package iam

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/xacct/xacct/emulator/internal/fsutil"
	"github.com/xacct/xacct/policy"
)

type account struct {
	ID       string
	Roles    map[string]*Role          // by lower-case name
	Users    map[string]*User          // by lower-case name
	Policies map[string]*ManagedPolicy // by ARN
	Keys     map[string]*AccessKey     // by key id
}

// account returns the state of id, creating it: every 12-digit account
// exists on first use. Callers hold s.mu for writing.
func (s *Service) account(id string) *account {
	a := s.acct[id]
	if a == nil {
		a = &account{ID: id, Roles: map[string]*Role{}, Users: map[string]*User{}, Policies: map[string]*ManagedPolicy{}, Keys: map[string]*AccessKey{}}
		s.acct[id] = a
	}
	return a
}

// peek returns the state of id without creating it. Callers hold s.mu.
func (s *Service) peek(id string) *account {
	if a := s.acct[id]; a != nil {
		return a
	}
	return &account{ID: id}
}

// save persists account id. Callers hold s.mu for writing.
func (s *Service) save(id string) error {
	if s.dir == "" {
		return nil
	}
	data, err := json.Marshal(s.acct[id])
	if err != nil {
		return err
	}
	return fsutil.WriteFile(filepath.Join(s.dir, id+".json"), data)
}

func (s *Service) load() error {
	entries, err := os.ReadDir(s.dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(s.dir, e.Name()))
		if err != nil {
			return err
		}
		a := new(account)
		if err := json.Unmarshal(data, a); err != nil {
			return fmt.Errorf("iam state %s: %w", e.Name(), err)
		}
		if err := a.reparse(); err != nil {
			return fmt.Errorf("iam state %s: %w", e.Name(), err)
		}
		s.acct[a.ID] = a
	}
	return nil
}

// reparse restores the parsed form of every stored document after a load.
func (a *account) reparse() error {
	var err error
	p := func(d *Doc, k policy.Kind) {
		if err == nil {
			d.parsed, err = policy.Parse(d.Text, k)
		}
	}
	for _, r := range a.Roles {
		p(&r.Trust, policy.KindTrust)
		for i := range r.Inline {
			p(&r.Inline[i].Doc, policy.KindIdentity)
		}
	}
	for _, u := range a.Users {
		for i := range u.Inline {
			p(&u.Inline[i].Doc, policy.KindIdentity)
		}
	}
	for _, mp := range a.Policies {
		for i := range mp.Versions {
			p(&mp.Versions[i].Doc, policy.KindIdentity)
		}
	}
	return err
}

func sortedRoles(m map[string]*Role) []*Role {
	out := make([]*Role, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func sortedUsers(m map[string]*User) []*User {
	out := make([]*User, 0, len(m))
	for _, u := range m {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
