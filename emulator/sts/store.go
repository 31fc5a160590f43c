// This file holds the session store: sessions by access key id, kept in
// DataDir/sts as a journal; it does its own locking.

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
)

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
