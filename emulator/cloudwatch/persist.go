package cloudwatch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/xacct/xacct/emulator/internal/fsutil"
)

// store keeps the service's state under DataDir/cloudwatch:
//
//   - metrics.jsonl: one line per acknowledged PutMetricData, appended and
//     fsynced before the call returns; compacted to the retained points
//     when the service starts;
//   - alarms.json: alarms and alarm history, rewritten atomically after
//     every change.
type store struct {
	dir     string
	journal *os.File
}

// journalRecord is one PutMetricData in metrics.jsonl.
type journalRecord struct {
	Account   string `json:"a"`
	Region    string `json:"r"`
	Namespace string `json:"ns"`
	Put       time.Time
	Data      []storedDatum `json:"d"`
}

type snapshot struct {
	Regions []regionSnapshot
}

type regionSnapshot struct {
	Scope   scope
	Alarms  []*alarm
	History []historyItem
}

func openStore(dataDir string, s *Service) (*store, error) {
	st := &store{dir: filepath.Join(dataDir, "cloudwatch")}
	if err := os.MkdirAll(st.dir, 0o755); err != nil {
		return nil, err
	}
	if err := st.loadAlarms(s); err != nil {
		return nil, err
	}
	if err := st.replay(s); err != nil {
		return nil, err
	}
	if err := st.compact(s); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(st.journalPath(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	st.journal = f
	return st, nil
}

func (st *store) journalPath() string { return filepath.Join(st.dir, "metrics.jsonl") }
func (st *store) alarmsPath() string  { return filepath.Join(st.dir, "alarms.json") }

func (st *store) loadAlarms(s *Service) error {
	b, err := os.ReadFile(st.alarmsPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var snap snapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		return fmt.Errorf("%s: %w", st.alarmsPath(), err)
	}
	for _, rs := range snap.Regions {
		r := s.regionLocked(rs.Scope)
		for _, a := range rs.Alarms {
			r.alarms[a.Name] = a
		}
		r.history = rs.History
	}
	return nil
}

// replay loads metrics.jsonl. A torn last line (a crash during an append
// that was never acknowledged) is dropped.
func (st *store) replay(s *Service) error {
	f, err := os.Open(st.journalPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return nil // an unterminated last line was never acknowledged
		}
		if err != nil {
			return err
		}
		var rec journalRecord
		if err := json.Unmarshal(bytes.TrimSpace(line), &rec); err != nil {
			return fmt.Errorf("%s: corrupt record: %w", st.journalPath(), err)
		}
		s.storeLocked(&metricBatch{Account: rec.Account, Region: rec.Region, Namespace: rec.Namespace, Data: rec.Data}, rec.Put)
	}
}

// compact rewrites the journal with the points still retained.
func (st *store) compact(s *Service) error {
	cutoff := s.now().Add(-retention)
	return fsutil.WriteFrom(st.journalPath(), func(w io.Writer) error {
		enc := json.NewEncoder(w)
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
				if err := enc.Encode(rec); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// appendBatch journals b and fsyncs it.
func (st *store) appendBatch(b *metricBatch, now time.Time) error {
	line, err := json.Marshal(journalRecord{Account: b.Account, Region: b.Region, Namespace: b.Namespace, Put: now, Data: b.Data})
	if err != nil {
		return err
	}
	if _, err := st.journal.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("cloudwatch: journal metric data: %w", err)
	}
	return st.journal.Sync()
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
	var snap snapshot
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
	b, err := json.Marshal(snap)
	if err != nil {
		return err
	}
	if err := fsutil.WriteFile(s.store.alarmsPath(), b); err != nil {
		return fmt.Errorf("cloudwatch: saving alarms: %w", err)
	}
	return nil
}
