package sts

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/xacct/xacct/emulator/internal/fsutil"
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

// ARN returns the assumed-role ARN: arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION.
func (s *Session) ARN() string {
	return "arn:aws:sts::" + s.Account + ":assumed-role/" + s.RoleName + "/" + s.SessionName
}

// UniqueID returns aws:userid for the session: ROLEID:SESSION.
func (s *Session) UniqueID() string { return s.RoleID + ":" + s.SessionName }

// sessions holds issued sessions by access key id, optionally appended to a
// journal so they survive a restart.
type sessions struct {
	mu      sync.RWMutex
	byKey   map[string]*Session
	journal string
	f       *os.File
}

func newSessions(dataDir string, now time.Time) (*sessions, error) {
	ss := &sessions{byKey: make(map[string]*Session)}
	if dataDir == "" {
		return ss, nil
	}
	dir := filepath.Join(dataDir, "sts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ss.journal = filepath.Join(dir, "sessions.jsonl")
	if err := ss.load(now); err != nil {
		return nil, err
	}
	// Rewrite the journal without expired sessions, then append to it.
	var live []byte
	for _, s := range ss.byKey {
		b, _ := json.Marshal(s)
		live = append(append(live, b...), '\n')
	}
	if err := fsutil.WriteFile(ss.journal, live); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(ss.journal, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	ss.f = f
	return ss, nil
}

func (ss *sessions) load(now time.Time) error {
	f, err := os.Open(ss.journal)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		var s Session
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			// A torn last line from a crash mid-append was never
			// acknowledged; skip it.
			continue
		}
		if s.Expires.After(now) {
			ss.byKey[s.AccessKeyID] = &s
		}
	}
	return sc.Err()
}

func (ss *sessions) add(s *Session) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.f != nil {
		b, err := json.Marshal(s)
		if err != nil {
			return err
		}
		if _, err := ss.f.Write(append(b, '\n')); err != nil {
			return fmt.Errorf("sts journal: %w", err)
		}
		if err := ss.f.Sync(); err != nil {
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
	if ss.f != nil {
		return ss.f.Close()
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
