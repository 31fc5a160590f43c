package organizations

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xacct/xacct/emulator/auth"
	"github.com/xacct/xacct/emulator/internal/snapshot"
	"github.com/xacct/xacct/policy"
)

// state is every organization, as saved in DataDir/organizations/state.json.
type state struct {
	Orgs map[string]*organization // by id
}

// organization is one organization and everything in it.
type organization struct {
	ID              string
	Management      string // the management account's id
	ManagementEmail string
	FeatureSet      string
	Created         time.Time
	Root            rootNode
	OUs             map[string]*ouNode        // by id
	Accounts        map[string]*accountNode   // by id, the management account included
	Policies        map[string]*orgPolicy     // customer managed policies by id
	Attached        map[string][]string       // target id → policy ids, in attachment order
	Requests        map[string]*createRequest // CreateAccount requests by id
}

type rootNode struct {
	ID    string
	Types []string // enabled policy types
}

type ouNode struct {
	ID     string
	Name   string
	Parent string
	Tags   []Tag `json:",omitempty"`
}

type accountNode struct {
	ID           string
	Name         string
	Email        string
	Parent       string
	Status       string
	JoinedMethod string
	Joined       time.Time
	Tags         []Tag `json:",omitempty"`
}

type orgPolicy struct {
	ID          string
	Name        string
	Description string
	Type        string
	Content     string
	Tags        []Tag          `json:",omitempty"`
	parsed      *policy.Policy // set by parse
}

type createRequest struct {
	ID            string
	AccountName   string
	AccountID     string `json:",omitempty"`
	State         string
	FailureReason string `json:",omitempty"`
	Requested     time.Time
	Completed     time.Time
}

// store holds the state under mu and keeps, for the authorizer, a view of
// each account's organization rebuilt after every change (read without
// locking). Persistence is a snapshot (internal/snapshot) rewritten after
// each change; a change whose save fails is undone by reloading the last
// saved state.
type store struct {
	mu     sync.RWMutex
	st     state
	member map[string]string // account id → organization id
	file   *snapshot.File[state]
	view   atomic.Pointer[map[string]auth.OrgAccount]
	log    *slog.Logger
}

func newStore(dataDir string, log *slog.Logger) (*store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &store{st: state{Orgs: map[string]*organization{}}, log: log}
	if dataDir != "" {
		dir := filepath.Join(dataDir, "organizations")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		s.file = snapshot.Open[state](filepath.Join(dir, "state.json"))
		if _, err := s.file.Load(&s.st); err != nil {
			return nil, err
		}
		if s.st.Orgs == nil {
			s.st.Orgs = map[string]*organization{}
		}
	}
	s.reindex()
	return s, nil
}

// reindex rebuilds what is derived from st: parsed policies, the member
// index and the authorizer's view. Called with mu held (or before the
// store is shared).
func (s *store) reindex() {
	s.member = map[string]string{}
	for _, o := range s.st.Orgs {
		for id := range o.Accounts {
			s.member[id] = o.ID
		}
		for _, p := range o.Policies {
			if p.parsed == nil {
				pp, err := parseContent(p.Type, p.Content)
				if err != nil {
					s.log.Warn("organizations: a stored policy no longer parses; it allows and denies nothing", "policy", p.ID, "err", err)
				}
				p.parsed = pp
			}
		}
	}
	v := buildView(&s.st)
	s.view.Store(&v)
}

// read runs fn on the caller's organization under the read lock; it
// returns AWSOrganizationsNotInUseException when acct is in none.
func (s *store) read(acct string, fn func(o *organization) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.st.Orgs[s.member[acct]]
	if o == nil {
		return errNotInUse()
	}
	return fn(o)
}

// manage is read for operations only the management account may call.
func (s *store) manage(acct string, fn func(o *organization) error) error {
	return s.read(acct, func(o *organization) error {
		if o.Management != acct {
			return errNotManagement()
		}
		return fn(o)
	})
}

// change runs fn under the write lock, then saves. fn validates before it
// changes anything: when it returns an error, nothing changed. When the
// save fails, the last saved state is reinstalled.
func (s *store) change(fn func(st *state) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := fn(&s.st); err != nil {
		return err
	}
	if s.file != nil {
		if err := s.file.Save(&s.st); err != nil {
			s.st = s.file.Last()
			if s.st.Orgs == nil {
				s.st.Orgs = map[string]*organization{}
			}
			s.reindex()
			return fmt.Errorf("organizations: save state: %w", err)
		}
	}
	s.reindex()
	return nil
}

// changeOrg is change on the caller's organization, for the management
// account only.
func (s *store) changeOrg(acct string, fn func(o *organization) error) error {
	return s.change(func(st *state) error {
		o := st.Orgs[s.member[acct]]
		if o == nil {
			return errNotInUse()
		}
		if o.Management != acct {
			return errNotManagement()
		}
		return fn(o)
	})
}

const (
	lowerDigits = "abcdefghijklmnopqrstuvwxyz0123456789"
	digits      = "0123456789"
)

// randString returns n characters drawn from alphabet.
func randString(n int, alphabet string) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// newAccountID returns a 12-digit account id not in use by any
// organization (and not starting with 0, as none of AWS's do).
func (s *store) newAccountID() string {
	for {
		id := randString(1, "123456789") + randString(11, digits)
		if _, ok := s.member[id]; !ok {
			return id
		}
	}
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
