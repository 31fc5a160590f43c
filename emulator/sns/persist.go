package sns

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"

	"github.com/xacct/xacct/emulator/internal/fsutil"
)

// state is what DataDir/sns/state.json holds: topics and subscriptions.
type state struct {
	Topics        []*topic
	Subscriptions []*subscription
}

// load reads state.json, if the service has a data directory.
func (s *Service) load() error {
	if s.stateFile == "" {
		return nil
	}
	b, err := os.ReadFile(s.stateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("%s: %w", s.stateFile, err)
	}
	s.saved = b
	for _, t := range st.Topics {
		if t.Attributes == nil {
			t.Attributes = map[string]string{}
		}
		s.topics[t.Arn] = t
	}
	for _, sub := range st.Subscriptions {
		if sub.Attributes == nil {
			sub.Attributes = map[string]string{}
		}
		s.subs[sub.Arn] = sub
	}
	return nil
}

// saveLocked rewrites state.json atomically, so an acknowledged change
// survives a crash. s.mu must be held.
func (s *Service) saveLocked() error {
	if s.stateFile == "" {
		return nil
	}
	var st state
	for _, t := range s.topics {
		st.Topics = append(st.Topics, t)
	}
	for _, sub := range s.subs {
		st.Subscriptions = append(st.Subscriptions, sub)
	}
	sort.Slice(st.Topics, func(i, j int) bool { return st.Topics[i].Arn < st.Topics[j].Arn })
	sort.Slice(st.Subscriptions, func(i, j int) bool { return st.Subscriptions[i].Arn < st.Subscriptions[j].Arn })
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := fsutil.WriteFile(s.stateFile, b); err != nil {
		s.restoreLocked()
		return fmt.Errorf("sns: saving state: %w", err)
	}
	s.saved = b
	return nil
}

// restoreLocked puts topics and subscriptions back as the last state
// written (the change that failed to save was never acknowledged). Objects
// that stay are restored in place, since callers may hold them. s.mu must
// be held.
func (s *Service) restoreLocked() {
	var st state
	if len(s.saved) > 0 {
		if err := json.Unmarshal(s.saved, &st); err != nil {
			return // cannot happen: s.saved was marshalled by saveLocked
		}
	}
	topics := make(map[string]*topic, len(st.Topics))
	for _, t := range st.Topics {
		if t.Attributes == nil {
			t.Attributes = map[string]string{}
		}
		if cur := s.topics[t.Arn]; cur != nil {
			*cur = *t
			t = cur
		}
		topics[t.Arn] = t
	}
	subs := make(map[string]*subscription, len(st.Subscriptions))
	for _, sub := range st.Subscriptions {
		if sub.Attributes == nil {
			sub.Attributes = map[string]string{}
		}
		if cur := s.subs[sub.Arn]; cur != nil {
			*cur = *sub
			sub = cur
		}
		subs[sub.Arn] = sub
	}
	s.topics, s.subs = topics, subs
}
