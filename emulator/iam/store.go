package iam

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

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

// store holds every account's roles, users, customer managed policies and
// access keys, and the AWS managed policies, persisted under DataDir/iam as
// one JSON file per account (rewritten atomically after each change).
//
// The store does its own locking: operations reach the data only through
// view (read lock), update (write lock) and the methods built on them
// (read, write, and entityOps' change, tag, untag, listTags,
// putBoundary and deleteBoundary), which hand a *state to a
// function. The operations never take mu. Stored roles, users, policies and
// keys are never changed in place: a change stores a changed copy
// (replace), so a value read under the lock stays consistent after it.
type store struct {
	mu sync.RWMutex
	st state
}

// state is the data behind store.mu. Only store.view and store.update hand
// it out, with the lock held, so its methods need no locking; a *state
// must not be kept after the function it was given to returns.
type state struct {
	acct    map[string]*account
	managed map[string]*ManagedPolicy // AWS managed policies by ARN; never changed
	dir     string                    // "" keeps nothing on disk
}

// newStore returns the store, loading the accounts under dir when it is set.
func newStore(dir string, managed map[string]*ManagedPolicy) (*store, error) {
	s := &store{st: state{acct: map[string]*account{}, managed: managed, dir: dir}}
	if dir == "" {
		return s, nil
	}
	return s, s.st.load()
}

// view runs fn under the read lock and returns what it returns; fn must
// not change the state.
func view[T any](s *store, fn func(st *state) (T, error)) (T, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return fn(&s.st)
}

// update runs fn under the write lock and returns what it returns; fn
// saves what it changes (state.save, state.replace) and leaves the state
// as it was when saving fails.
func update[T any](s *store, fn func(st *state) (T, error)) (T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fn(&s.st)
}

// read is view for a function that cannot fail.
func (s *store) read(fn func(st *state)) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	fn(&s.st)
}

// write is update for a function that cannot fail and saves nothing.
func (s *store) write(fn func(st *state)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.st)
}

// account returns the state of id, creating it: every 12-digit account
// exists on first use.
func (st *state) account(id string) *account {
	a := st.acct[id]
	if a == nil {
		a = &account{ID: id, Roles: map[string]*Role{}, Users: map[string]*User{}, Policies: map[string]*ManagedPolicy{}, Keys: map[string]*AccessKey{}}
		st.acct[id] = a
	}
	return a
}

// peek returns the state of id without creating it.
func (st *state) peek(id string) *account {
	if a := st.acct[id]; a != nil {
		return a
	}
	return &account{ID: id}
}

// save persists account id.
func (st *state) save(id string) error {
	if st.dir == "" {
		return nil
	}
	data, err := json.Marshal(st.acct[id])
	if err != nil {
		return err
	}
	return fsutil.WriteFile(filepath.Join(st.dir, id+".json"), data)
}

// put stores v under key in m (nil: deletes key) and saves acct; when
// saving fails, what was there before is put back and nothing has changed.
func put[T any](st *state, acct string, m map[string]*T, key string, v *T) error {
	old, had := m[key]
	if v == nil {
		delete(m, key)
	} else {
		m[key] = v
	}
	if err := st.save(acct); err != nil {
		if had {
			m[key] = old
		} else {
			delete(m, key)
		}
		return err
	}
	return nil
}

// replace stores a changed copy of old under key in m and saves acct;
// when change or saving fails, old stays and nothing has changed.
func replace[T any](st *state, acct string, m map[string]*T, key string, old *T, change func(*T) error) (*T, error) {
	v := *old
	if err := change(&v); err != nil {
		return nil, err
	}
	if err := put(st, acct, m, key, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

func (st *state) load() error {
	entries, err := os.ReadDir(st.dir)
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
		data, err := os.ReadFile(filepath.Join(st.dir, e.Name()))
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
		st.acct[a.ID] = a
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
