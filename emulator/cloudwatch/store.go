package cloudwatch

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/xacct/xacct/emulator/internal/journal"
	"github.com/xacct/xacct/emulator/internal/snapshot"
)

// store holds every scope's metrics, alarms and alarm history, and with a
// data directory keeps them under DataDir/cloudwatch:
//
//   - metrics.journal: one record per acknowledged PutMetricData (see
//     internal/journal), appended and fsynced before the call returns;
//     compacted to the retained points when the service starts. A
//     metrics.jsonl of an earlier version is converted once;
//   - alarms.json: alarms and alarm history, rewritten atomically after
//     every change.
//
// The store does its own locking: operations reach the data only through
// view and update, which hand a *state to a function with mu held, and
// never lock themselves. Alarms change in place under the lock; what
// leaves it is a copy (describe, actionTask).
type store struct {
	mu sync.Mutex
	st state
}

// state is the data behind store.mu. Only store.view and store.update hand
// it out, so its methods need no locking.
type state struct {
	regions map[scope]*region
	log     *slog.Logger
	dir     string                     // "" without a data directory
	journal *journal.Journal           // nil without a data directory
	alarms  *snapshot.File[alarmState] // nil without a data directory
}

// view runs fn with the lock held; fn only reads.
func (s *store) view(fn func(st *state)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.st)
}

// update runs fn with the lock held and returns its error; fn saves what
// it changes (state.save, state.appendBatch).
func (s *store) update(fn func(st *state) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fn(&s.st)
}

// close releases the metric journal.
func (s *store) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.journal == nil {
		return nil
	}
	err := s.st.journal.Close()
	s.st.journal = nil
	return err
}

// region returns the state of sc, creating it (an empty region, which
// saving skips, so a read may create one).
func (st *state) region(sc scope) *region {
	r := st.regions[sc]
	if r == nil {
		r = &region{metrics: map[string]*series{}, alarms: map[string]*alarm{}}
		st.regions[sc] = r
	}
	return r
}

// scopes returns the known scopes in a stable order.
func (st *state) scopes() []scope {
	out := make([]scope, 0, len(st.regions))
	for sc := range st.regions {
		out = append(out, sc)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Account != out[j].Account {
			return out[i].Account < out[j].Account
		}
		return out[i].Region < out[j].Region
	})
	return out
}

// journalRecord is one PutMetricData in metrics.journal.
type journalRecord struct {
	Account   string `json:"a"`
	Region    string `json:"r"`
	Namespace string `json:"ns"`
	Put       time.Time
	Data      []storedDatum `json:"d"`
}

// alarmState is what alarms.json holds.
type alarmState struct {
	Regions []regionSnapshot
}

type regionSnapshot struct {
	Scope   scope
	Alarms  []*alarm
	History []historyItem
}

// newStore returns the store, loading and compacting what dataDir/cloudwatch
// holds when dataDir is set (now is the time compaction keeps data from).
func newStore(dataDir string, now time.Time, log *slog.Logger) (*store, error) {
	s := &store{st: state{regions: map[scope]*region{}, log: log}}
	if dataDir == "" {
		return s, nil
	}
	st := &s.st
	st.dir = filepath.Join(dataDir, "cloudwatch")
	st.alarms = snapshot.Open[alarmState](st.alarmsPath())
	if err := os.MkdirAll(st.dir, 0o755); err != nil {
		return nil, err
	}
	var snap alarmState
	if _, err := st.alarms.Load(&snap); err != nil {
		return nil, err
	}
	st.installAlarms(snap)
	j, err := journal.OpenMigrating(st.journalPath(), filepath.Join(st.dir, "metrics.jsonl"), journal.Options{Log: log},
		func(p []byte) error {
			var rec journalRecord
			if err := json.Unmarshal(p, &rec); err != nil {
				return err
			}
			st.add(&metricBatch{Account: rec.Account, Region: rec.Region, Namespace: rec.Namespace, Data: rec.Data}, rec.Put)
			return nil
		})
	if err != nil {
		return nil, err
	}
	st.journal = j
	if err := st.compact(now); err != nil {
		// The journal is whole as it is; compaction waits for the next
		// start (a full disk must not keep the server from starting).
		log.Warn("cloudwatch: compacting the metric journal failed; keeping it as it is", slog.Any("error", err))
	}
	return s, nil
}

func (st *state) journalPath() string { return filepath.Join(st.dir, "metrics.journal") }
func (st *state) alarmsPath() string  { return filepath.Join(st.dir, "alarms.json") }

// compact rewrites the journal with the points still retained at now.
func (st *state) compact(now time.Time) error {
	cutoff := now.Add(-retention)
	return st.journal.Rewrite(func(add func([]byte) error) error {
		for _, sc := range st.scopes() {
			r := st.regions[sc]
			keys := make([]string, 0, len(r.metrics))
			for k := range r.metrics {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				m := r.metrics[k]
				m.prune(cutoff)
				if len(m.Points) == 0 {
					delete(r.metrics, k)
					continue
				}
				rec := journalRecord{Account: sc.Account, Region: sc.Region, Namespace: m.Namespace, Put: m.LastPut}
				for _, p := range m.Points {
					rec.Data = append(rec.Data, storedDatum{Name: m.Name, Dims: m.Dims, Point: p})
				}
				b, err := journal.Marshal(rec)
				if err != nil {
					return err
				}
				if err := add(b); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// appendBatch journals b and fsyncs it (nothing without a data directory);
// on error nothing of it is on disk.
func (st *state) appendBatch(b *metricBatch, now time.Time) error {
	if st.journal == nil {
		return nil
	}
	if err := st.journal.AppendJSON(journalRecord{Account: b.Account, Region: b.Region, Namespace: b.Namespace, Put: now, Data: b.Data}); err != nil {
		return fmt.Errorf("cloudwatch: journal metric data: %w", err)
	}
	return nil
}

// save writes alarms and history, if the service has a data directory;
// when that fails, the last state written is put back.
func (st *state) save() error {
	if st.alarms == nil {
		return nil
	}
	var snap alarmState
	for _, sc := range st.scopes() {
		r := st.regions[sc]
		if len(r.alarms) == 0 && len(r.history) == 0 {
			continue
		}
		rs := regionSnapshot{Scope: sc, History: r.history}
		for _, a := range r.alarms {
			rs.Alarms = append(rs.Alarms, a)
		}
		sort.Slice(rs.Alarms, func(i, j int) bool { return rs.Alarms[i].Name < rs.Alarms[j].Name })
		snap.Regions = append(snap.Regions, rs)
	}
	if err := st.alarms.Save(&snap); err != nil {
		st.installAlarms(st.alarms.Last())
		return fmt.Errorf("cloudwatch: saving alarms: %w", err)
	}
	return nil
}

// installAlarms makes snap the alarms and history of every region: on
// load, and to put back the last state written after a save fails (the
// change was never acknowledged). Alarms that stay are updated in place,
// since callers may hold them.
func (st *state) installAlarms(snap alarmState) {
	for _, r := range st.regions {
		r.history = nil
	}
	kept := map[scope]map[string]*alarm{}
	for _, rs := range snap.Regions {
		r := st.region(rs.Scope)
		r.history = rs.History
		m := map[string]*alarm{}
		for _, a := range rs.Alarms {
			if cur := r.alarms[a.Name]; cur != nil {
				*cur = *a
				a = cur
			}
			m[a.Name] = a
		}
		kept[rs.Scope] = m
	}
	for sc, r := range st.regions {
		if m := kept[sc]; m != nil {
			r.alarms = m
		} else {
			r.alarms = map[string]*alarm{}
		}
	}
}
