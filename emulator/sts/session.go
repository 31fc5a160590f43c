package sts

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/xacct/xacct/emulator/internal/journal"
	"github.com/xacct/xacct/policy"
)

// Session is a set of temporary credentials STS issued for a role.
type Session struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expires         time.Time
	// Account, RoleName, RoleARN and RoleID describe the assumed role.
	Account  string
	RoleName string
	RoleARN  string
	RoleID   string
	// SessionName is the RoleSessionName.
	SessionName string
	// Policy is the inline session policy text, PolicyArns the managed
	// session policies.
	Policy     string
	PolicyArns []string
	// Tags are the session's principal tags (role tags overridden by session
	// tags and transitive tags); TransitiveTagKeys pass on to chained
	// sessions.
	Tags              map[string]string
	TransitiveTagKeys []string
	SourceIdentity    string
	// Chained is true when a role session assumed this role.
	Chained bool
	// Service is set when an AWS service (lambda.amazonaws.com) assumed the
	// role on a function's behalf.
	Service string
	// Issued is when STS issued the session (aws:TokenIssueTime). It is
	// zero for sessions journaled before it was recorded.
	Issued time.Time `json:",omitzero"`
	// UserName, UserARN and UserID describe the IAM user (or, with
	// UserName empty, the root user) whose GetSessionToken issued the
	// session; RoleARN is empty then.
	UserName string `json:",omitempty"`
	UserARN  string `json:",omitempty"`
	UserID   string `json:",omitempty"`

	once   sync.Once
	parsed *policy.Policy
}

// InlinePolicy returns the parsed inline session policy (nil if none). It
// is parsed once per session.
func (s *Session) InlinePolicy() *policy.Policy {
	s.once.Do(func() {
		if s.Policy != "" {
			s.parsed, _ = policy.Parse(s.Policy, policy.KindSession)
		}
	})
	return s.parsed
}

// ARN returns the assumed-role ARN: arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION,
// or, for a GetSessionToken session, the user's own ARN.
func (s *Session) ARN() string {
	if s.UserSession() {
		return s.UserARN
	}
	return "arn:aws:sts::" + s.Account + ":assumed-role/" + s.RoleName + "/" + s.SessionName
}

// UniqueID returns aws:userid for the session: ROLEID:SESSION, or the
// user's unique id for a GetSessionToken session.
func (s *Session) UniqueID() string {
	if s.UserSession() {
		return s.UserID
	}
	return s.RoleID + ":" + s.SessionName
}

// UserSession reports whether GetSessionToken issued the session: it acts
// as the IAM user (or root user) that asked for it, not as a role.
func (s *Session) UserSession() bool { return s.UserARN != "" }

// sessions holds issued sessions by access key id, optionally appended to a
// journal (DataDir/sts/sessions.journal) so they survive a restart.
type sessions struct {
	mu      sync.RWMutex
	byKey   map[string]*Session
	journal *journal.Journal
}

func newSessions(dataDir string, now time.Time, log *slog.Logger) (*sessions, error) {
	ss := &sessions{byKey: make(map[string]*Session)}
	if dataDir == "" {
		return ss, nil
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir := filepath.Join(dataDir, "sts")
	j, err := journal.OpenMigrating(filepath.Join(dir, "sessions.journal"), filepath.Join(dir, "sessions.jsonl"), journal.Options{Log: log},
		func(p []byte) error {
			var s Session
			if err := json.Unmarshal(p, &s); err != nil {
				return err
			}
			if s.AccessKeyID == "" {
				return fmt.Errorf("session without an access key id")
			}
			if s.Expires.After(now) {
				ss.byKey[s.AccessKeyID] = &s
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("sts sessions: %w", err)
	}
	ss.journal = j
	// Rewrite the journal without expired sessions. If that fails (a full
	// disk) the journal is whole as it is.
	keys := make([]string, 0, len(ss.byKey))
	for k := range ss.byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if err := j.Rewrite(func(add func([]byte) error) error {
		for _, k := range keys {
			b, err := journal.Marshal(ss.byKey[k])
			if err != nil {
				return err
			}
			if err := add(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		log.Warn("sts: compacting the session journal failed; keeping it as it is", slog.Any("error", err))
	}
	return ss, nil
}

// add records s; with a data directory it is durable before add returns
// nil, and on error s is neither stored nor usable.
func (ss *sessions) add(s *Session) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.journal != nil {
		if err := ss.journal.AppendJSON(s); err != nil {
			return fmt.Errorf("sts journal: %w", err)
		}
	}
	ss.byKey[s.AccessKeyID] = s
	return nil
}

func (ss *sessions) get(keyID string) (*Session, bool) {
	ss.mu.RLock()
	defer ss.mu.RUnlock()
	s, ok := ss.byKey[keyID]
	return s, ok
}

func (ss *sessions) close() error {
	if ss.journal != nil {
		return ss.journal.Close()
	}
	return nil
}

// newToken returns an opaque session token.
func newToken() string {
	b := make([]byte, 120)
	rand.Read(b)
	return "IQoJb3JpZ2luX2Vj" + base64.StdEncoding.EncodeToString(b)
}

func secondsDuration(n int32) time.Duration { return time.Duration(n) * time.Second }
