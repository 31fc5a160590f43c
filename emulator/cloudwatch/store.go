package cloudwatch

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/xacct/xacct/emulator/internal/journal"
	"github.com/xacct/xacct/emulator/internal/snapshot"
)

// store keeps the service's state under DataDir/cloudwatch:
//
//   - metrics.journal: one record per acknowledged PutMetricData (see
//     internal/journal), appended and fsynced before the call returns;
//     compacted to the retained points when the service starts. A
//     metrics.jsonl of an earlier version is converted once;
//   - alarms.json: alarms and alarm history, rewritten atomically after
//     every change.
type store struct {
	dir     string
	journal *journal.Journal
	alarms  *snapshot.File[alarmState]
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

func openStore(dataDir string, s *Service) (*store, error) {
	st := &store{dir: filepath.Join(dataDir, "cloudwatch")}
	st.alarms = snapshot.Open[alarmState](st.alarmsPath())
	if err := os.MkdirAll(st.dir, 0o755); err != nil {
		return nil, err
	}
	if err := st.loadAlarms(s); err != nil {
		return nil, err
	}
	j, err := journal.OpenMigrating(st.journalPath(), filepath.Join(st.dir, "metrics.jsonl"), journal.Options{Log: s.log},
		func(p []byte) error {
			var rec journalRecord
			if err := json.Unmarshal(p, &rec); err != nil {
				return err
			}
			s.storeLocked(&metricBatch{Account: rec.Account, Region: rec.Region, Namespace: rec.Namespace, Data: rec.Data}, rec.Put)
			return nil
		})
	if err != nil {
		return nil, err
	}
	st.journal = j
	if err := st.compact(s); err != nil {
		// The journal is whole as it is; compaction waits for the next
		// start (a full disk must not keep the server from starting).
		s.log.Warn("cloudwatch: compacting the metric journal failed; keeping it as it is", slog.Any("error", err))
	}
	return st, nil
}

func (st *store) journalPath() string { return filepath.Join(st.dir, "metrics.journal") }
func (st *store) alarmsPath() string  { return filepath.Join(st.dir, "alarms.json") }

func (st *store) loadAlarms(s *Service) error {
	var snap alarmState
	if _, err := st.alarms.Load(&snap); err != nil {
		return err
	}
	s.installAlarmsLocked(snap)
	return nil
}

// compact rewrites the journal with the points still retained.
func (st *store) compact(s *Service) error {
	cutoff := s.now().Add(-retention)
	return st.journal.Rewrite(func(add func([]byte) error) error {
		for _, sc := range s.scopesLocked() {
			r := s.regions[sc]
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

// appendBatch journals b and fsyncs it; on error nothing of it is on disk.
func (st *store) appendBatch(b *metricBatch, now time.Time) error {
	if err := st.journal.AppendJSON(journalRecord{Account: b.Account, Region: b.Region, Namespace: b.Namespace, Put: now, Data: b.Data}); err != nil {
		return fmt.Errorf("cloudwatch: journal metric data: %w", err)
	}
	return nil
}

func (st *store) close() error {
	if st.journal == nil {
		return nil
	}
	err := st.journal.Close()
	st.journal = nil
	return err
}

// saveLocked writes alarms and history, if the service has a data
// directory. s.mu must be held.
func (s *Service) saveLocked() error {
	if s.store == nil {
		return nil
	}
	var snap alarmState
	for _, sc := range s.scopesLocked() {
		r := s.regions[sc]
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
	if err := s.store.alarms.Save(&snap); err != nil {
		s.installAlarmsLocked(s.store.alarms.Last())
		return fmt.Errorf("cloudwatch: saving alarms: %w", err)
	}
	return nil
}

// installAlarmsLocked makes snap the alarms and history of every region:
// on load, and to put back the last state written after a save fails (the
// change was never acknowledged). Alarms that stay are updated in place,
// since callers may hold them. s.mu must be held (or the service not yet
// shared).
func (s *Service) installAlarmsLocked(snap alarmState) {
	for _, r := range s.regions {
		r.history = nil
	}
	kept := map[scope]map[string]*alarm{}
	for _, rs := range snap.Regions {
		r := s.regionLocked(rs.Scope)
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
	for sc, r := range s.regions {
		if m := kept[sc]; m != nil {
			r.alarms = m
		} else {
			r.alarms = map[string]*alarm{}
		}
	}
}
