package sns

import (
	"fmt"
	"sort"
	"sync"

	"github.com/xacct/xacct/emulator/internal/snapshot"
)

// state is what DataDir/sns/state.json holds: topics and subscriptions.
type state struct {
	Topics        []*topic
	Subscriptions []*subscription
}

// store holds the topics and subscriptions of every account, persisted
// (with a data directory) as DataDir/sns/state.json, rewritten atomically
// after each change.
//
// The store does its own locking: operations read through view and the
// lookups (topic, subscription, topicPolicy) and change through update,
// which take mu; they never hold it. Topics and subscriptions change in
// place under the lock (a failed save puts the last saved values back into
// the same objects), so outside view and update an operation reads only the
// fields that never change (Arn, Owner, Region, TopicArn, Protocol,
// Endpoint), or a copy (snapshot) taken inside.
type store struct {
	mu   sync.Mutex
	d    data
	file *snapshot.File[state] // nil without a data dir
}

// data is the state behind store.mu; only view and update hand it out.
type data struct {
	topics map[string]*topic
	subs   map[string]*subscription
}

// newStore returns the store, loading file when it is set.
func newStore(file *snapshot.File[state]) (*store, error) {
	s := &store{file: file, d: data{topics: map[string]*topic{}, subs: map[string]*subscription{}}}
	if file == nil {
		return s, nil
	}
	var st state
	if _, err := file.Load(&st); err != nil {
		return nil, err
	}
	s.install(st)
	return s, nil
}

// view runs fn under the lock; fn must not change the data.
func (s *store) view(fn func(d *data)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.d)
}

// update runs fn under the lock; when fn reports a change, the state is
// saved, and a failed save undoes every change (it was never
// acknowledged) and is returned.
func (s *store) update(fn func(d *data) (changed bool, err error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed, err := fn(&s.d)
	if err != nil || !changed {
		return err
	}
	return s.save()
}

// topic returns the topic arn, or nil.
func (s *store) topic(arn string) *topic {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.d.topics[arn]
}

// subscription returns the subscription arn and its topic, or nils when
// either is gone.
func (s *store) subscription(arn string) (*subscription, *topic) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.d.subs[arn]
	if sub == nil || s.d.topics[sub.TopicArn] == nil {
		return nil, nil
	}
	return sub, s.d.topics[sub.TopicArn]
}

// topicPolicy returns t's Policy attribute and the principals it binds.
func (s *store) topicPolicy(t *topic) (doc string, refs map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return t.Attributes["Policy"], t.PolicyRefs
}

// save rewrites state.json; when that fails, the last state written is
// put back. Callers hold mu.
func (s *store) save() error {
	if s.file == nil {
		return nil
	}
	var st state
	for _, t := range s.d.topics {
		st.Topics = append(st.Topics, t)
	}
	for _, sub := range s.d.subs {
		st.Subscriptions = append(st.Subscriptions, sub)
	}
	sort.Slice(st.Topics, func(i, j int) bool { return st.Topics[i].Arn < st.Topics[j].Arn })
	sort.Slice(st.Subscriptions, func(i, j int) bool { return st.Subscriptions[i].Arn < st.Subscriptions[j].Arn })
	if err := s.file.Save(&st); err != nil {
		s.install(s.file.Last())
		return fmt.Errorf("sns: saving state: %w", err)
	}
	return nil
}

// install makes st the topics and subscriptions: on load, and to put back
// the last state written after a save fails. Objects that stay are updated
// in place, since operations may hold them. Callers hold mu (or the store
// is not yet shared).
func (s *store) install(st state) {
	topics := make(map[string]*topic, len(st.Topics))
	for _, t := range st.Topics {
		if t.Attributes == nil {
			t.Attributes = map[string]string{}
		}
		if cur := s.d.topics[t.Arn]; cur != nil {
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
		if cur := s.d.subs[sub.Arn]; cur != nil {
			*cur = *sub
			sub = cur
		}
		subs[sub.Arn] = sub
	}
	s.d.topics, s.d.subs = topics, subs
}
