package sns

import (
	"fmt"
	"sort"
)

// state is what DataDir/sns/state.json holds: topics and subscriptions.
type state struct {
	Topics        []*topic
	Subscriptions []*subscription
}

// load reads state.json, if the service has a data directory.
func (s *Service) load() error {
	if s.state == nil {
		return nil
	}
	var st state
	if _, err := s.state.Load(&st); err != nil {
		return err
	}
	s.installLocked(st)
	return nil
}

// saveLocked rewrites state.json atomically, so an acknowledged change
// survives a crash; when that fails, the change is undone (it was never
// acknowledged). s.mu must be held.
func (s *Service) saveLocked() error {
	if s.state == nil {
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
	if err := s.state.Save(&st); err != nil {
		s.installLocked(s.state.Last())
		return fmt.Errorf("sns: saving state: %w", err)
	}
	return nil
}

// installLocked makes st the service's topics and subscriptions: on load,
// and to put back the last state written after a save fails. Objects that
// stay are updated in place, since callers may hold them. s.mu must be
// held (or the service not yet shared).
func (s *Service) installLocked(st state) {
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
