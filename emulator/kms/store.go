package kms

import (
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/xacct/xacct/emulator/internal/snapshot"
	"github.com/xacct/xacct/policy"
)

// Key states (AWS KMS API Reference, KeyMetadata.KeyState).
const (
	stateEnabled         = "Enabled"
	stateDisabled        = "Disabled"
	statePendingDeletion = "PendingDeletion"
)

// key is one KMS key with its secret material.
type key struct {
	ID          string
	Account     string
	Region      string
	Description string `json:",omitempty"`
	Created     time.Time
	State       string
	// DeletionDate is when a key pending deletion is deleted.
	DeletionDate time.Time `json:",omitzero"`
	Policy       string
	// Manager is CUSTOMER, or AWS for an AWS managed key (aws/s3).
	Manager string
	// ManagedAlias is the alias of an AWS managed key ("alias/aws/s3").
	ManagedAlias string            `json:",omitempty"`
	Rotation     bool              `json:",omitempty"`
	Tags         map[string]string `json:",omitempty"`
	// Material is the AES-256 key (base64 in the state file).
	Material []byte

	parsed *policy.Policy
}

func keyARN(region, acct, id string) string {
	return "arn:aws:kms:" + region + ":" + acct + ":key/" + id
}

func (k *key) arn() string { return keyARN(k.Region, k.Account, k.ID) }

// alias names a key in one account and region.
type alias struct {
	Name    string // "alias/…"
	Account string
	Region  string
	Target  string // key id
	Created time.Time
	Updated time.Time
}

func aliasARN(region, acct, name string) string {
	return "arn:aws:kms:" + region + ":" + acct + ":" + name
}

func (a *alias) arn() string { return aliasARN(a.Region, a.Account, a.Name) }

func aliasKey(acct, region, name string) string { return acct + "/" + region + "/" + name }

// grant is a KMS grant on a key.
type grant struct {
	ID          string
	KeyID       string
	Name        string `json:",omitempty"`
	Grantee     string
	Retiring    string `json:",omitempty"`
	Operations  []string
	Constraints *GrantConstraints `json:",omitempty"`
	Issuing     string            // issuing account
	Created     time.Time
	Token       string

	parsed *policy.Policy
}

// state is everything the service keeps: one snapshot file.
type state struct {
	Keys    map[string]*key   // by key id
	Aliases map[string]*alias // by account/region/name
	Grants  map[string]*grant // by grant id
	// Tokens maps a grant token to its grant id.
	Tokens map[string]string
}

// store holds the state under one lock, persisted as DataDir/kms/state.json
// (internal/snapshot) after every change, key material included: the
// data directory is the emulator's own secret store, as AWS KMS's HSMs
// are AWS's.
type store struct {
	mu   sync.RWMutex
	st   state
	file *snapshot.File[state] // nil in memory
	log  *slog.Logger
	// next is the earliest deletion date of a key pending deletion (zero:
	// none), so that reads see cheaply whether a sweep is due.
	next time.Time
}

func newStore(dataDir string, log *slog.Logger) (*store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &store{log: log}
	s.st = emptyState()
	if dataDir == "" {
		return s, nil
	}
	dir := filepath.Join(dataDir, "kms")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s.file = snapshot.Open[state](filepath.Join(dir, "state.json"))
	if _, err := s.file.Load(&s.st); err != nil {
		return nil, err
	}
	s.install(&s.st)
	return s, nil
}

func emptyState() state {
	return state{Keys: map[string]*key{}, Aliases: map[string]*alias{}, Grants: map[string]*grant{}, Tokens: map[string]string{}}
}

// install fills what a loaded state does not carry (parsed policies,
// nil maps).
func (s *store) install(st *state) {
	if st.Keys == nil {
		st.Keys = map[string]*key{}
	}
	if st.Aliases == nil {
		st.Aliases = map[string]*alias{}
	}
	if st.Grants == nil {
		st.Grants = map[string]*grant{}
	}
	if st.Tokens == nil {
		st.Tokens = map[string]string{}
	}
	for _, k := range st.Keys {
		k.parsed, _ = policy.Parse(k.Policy, policy.KindKey)
	}
	for _, g := range st.Grants {
		g.parsed = g.policy()
	}
	s.schedule()
}

// save persists the state; on failure it puts back the state last saved,
// so that memory and disk agree. Called with mu held for writing.
func (s *store) save() error {
	if s.file == nil {
		return nil
	}
	if err := s.file.Save(&s.st); err != nil {
		s.st = s.file.Last()
		s.install(&s.st)
		return err
	}
	return nil
}

// sweep deletes the keys whose deletion date has passed, with their
// aliases and grants (AWS KMS Developer Guide, "Deleting AWS KMS keys":
// at the end of the waiting period AWS KMS deletes the key). It reports
// whether it changed anything. Called with mu held for writing.
func (s *store) sweep(now time.Time) bool {
	changed := false
	for id, k := range s.st.Keys {
		if k.State == statePendingDeletion && !now.Before(k.DeletionDate) {
			delete(s.st.Keys, id)
			changed = true
		}
	}
	if !changed {
		return false
	}
	for n, a := range s.st.Aliases {
		if s.st.Keys[a.Target] == nil {
			delete(s.st.Aliases, n)
		}
	}
	for id, g := range s.st.Grants {
		if s.st.Keys[g.KeyID] == nil {
			delete(s.st.Grants, id)
			delete(s.st.Tokens, g.Token)
		}
	}
	return true
}

// due reports whether a key is past its deletion date (it is deleted by
// the next sweep). Called with mu held.
func (s *store) due(now time.Time) bool { return !s.next.IsZero() && !now.Before(s.next) }

// schedule recomputes next. Called with mu held for writing.
func (s *store) schedule() {
	s.next = time.Time{}
	for _, k := range s.st.Keys {
		if k.State == statePendingDeletion && (s.next.IsZero() || k.DeletionDate.Before(s.next)) {
			s.next = k.DeletionDate
		}
	}
}

// read runs fn under the read lock, after deleting the keys whose time
// has come.
func (s *store) read(now time.Time, fn func(st *state) error) error {
	s.mu.RLock()
	if !s.due(now) {
		defer s.mu.RUnlock()
		return fn(&s.st)
	}
	s.mu.RUnlock()
	return s.write(now, func(st *state) error { return fn(st) })
}

// write runs fn under the write lock and saves the state if fn succeeds;
// fn must leave the state unchanged when it fails.
func (s *store) write(now time.Time, fn func(st *state) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.schedule()
	swept := s.sweep(now)
	if err := fn(&s.st); err != nil {
		if swept {
			if serr := s.save(); serr != nil {
				s.log.Warn("kms: saving deleted keys", "err", serr)
			}
		}
		return err
	}
	return s.save()
}

// grantsOf returns the grants of key id, oldest first. Called with mu held.
func (st *state) grantsOf(id string) []*grant {
	var out []*grant
	for _, g := range st.Grants {
		if g.KeyID == id {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// clone returns a copy of k that later changes to k do not reach.
func (k *key) clone() *key {
	c := *k
	c.Tags = maps.Clone(k.Tags)
	return &c
}
