// Package logs is the emulated Amazon CloudWatch Logs (JSON 1.1): log
// groups and streams, PutLogEvents, GetLogEvents, FilterLogEvents with
// filter patterns, retention; and the sink the emulated Lambda writes
// function output to.
package logs

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/xacct/xacct/emulator/internal/fsutil"
)

// Event is one log event.
type Event struct {
	Timestamp     int64 // milliseconds since the epoch
	Message       string
	IngestionTime int64
	Seq           int64 // order of ingestion within the group
}

// stream is a log stream and its events, kept sorted by timestamp.
type stream struct {
	Name          string
	Created       int64
	FirstEvent    int64
	LastEvent     int64
	LastIngestion int64
	StoredBytes   int64
	events        []Event
	file          *os.File
}

// group is a log group.
type group struct {
	Account       string
	Region        string
	Name          string
	Created       int64
	RetentionDays int32 `json:",omitempty"`
	Class         string
	Tags          map[string]string `json:",omitempty"`
	streams       map[string]*stream
	seq           int64
}

func (g *group) arn() string {
	return "arn:aws:logs:" + g.Region + ":" + g.Account + ":log-group:" + g.Name
}

// store holds every account's log groups, persisted under DataDir/logs
// when set: a JSON file per group and an append-only JSON-lines file per
// stream, fsynced per acknowledged batch.
type store struct {
	mu     sync.RWMutex
	groups map[string]*group // by account/region/name
	dir    string
}

func groupKey(acct, region, name string) string { return acct + "/" + region + "/" + name }

func newStore(dataDir string) (*store, error) {
	s := &store{groups: map[string]*group{}}
	if dataDir == "" {
		return s, nil
	}
	s.dir = filepath.Join(dataDir, "logs")
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return nil, err
	}
	return s, s.load()
}

// groupDir is where a group's files live: a hex name, since group names
// may contain '/'.
func (s *store) groupDir(g *group) string {
	return filepath.Join(s.dir, g.Account, g.Region, fmt.Sprintf("%x", g.Name))
}

func (s *store) saveGroup(g *group) error {
	if s.dir == "" {
		return nil
	}
	data, err := json.Marshal(g)
	if err != nil {
		return err
	}
	return fsutil.WriteFile(filepath.Join(s.groupDir(g), "group.json"), data)
}

func (s *store) appendEvents(g *group, st *stream, events []Event) error {
	if s.dir == "" {
		return nil
	}
	if st.file == nil {
		dir := filepath.Join(s.groupDir(g), "streams")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("%x.jsonl", st.Name)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		st.file = f
		fsutil.SyncDir(dir)
	}
	w := bufio.NewWriter(st.file)
	if len(events) == 0 {
		// An empty stream is recorded by a header line.
		json.NewEncoder(w).Encode(map[string]any{"stream": st.Name, "created": st.Created})
	}
	enc := json.NewEncoder(w)
	for _, e := range events {
		if err := enc.Encode(map[string]any{"stream": st.Name, "t": e.Timestamp, "m": e.Message, "i": e.IngestionTime}); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return st.file.Sync()
}

func (s *store) load() error {
	return filepath.WalkDir(s.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "group.json" {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		g := &group{streams: map[string]*stream{}}
		if err := json.Unmarshal(data, g); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		s.groups[groupKey(g.Account, g.Region, g.Name)] = g
		files, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "streams", "*.jsonl"))
		for _, f := range files {
			if err := s.loadStream(g, f); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *store) loadStream(g *group, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 2<<20)
	var st *stream
	for sc.Scan() {
		var rec struct {
			Stream  string
			Created int64
			T       *int64
			M       string
			I       int64
		}
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			continue // a torn last line was never acknowledged
		}
		if st == nil {
			st = &stream{Name: rec.Stream, Created: rec.Created}
			g.streams[st.Name] = st
		}
		if rec.T != nil {
			g.seq++
			st.add(Event{Timestamp: *rec.T, Message: rec.M, IngestionTime: rec.I, Seq: g.seq})
		}
	}
	if st != nil && st.Created == 0 && len(st.events) > 0 {
		st.Created = st.events[0].IngestionTime
	}
	return sc.Err()
}

// add inserts e keeping events sorted by timestamp, then ingestion order.
func (st *stream) add(e Event) {
	i := sort.Search(len(st.events), func(i int) bool { return st.events[i].Timestamp > e.Timestamp })
	st.events = append(st.events, Event{})
	copy(st.events[i+1:], st.events[i:])
	st.events[i] = e
	if st.FirstEvent == 0 || e.Timestamp < st.FirstEvent {
		st.FirstEvent = e.Timestamp
	}
	if e.Timestamp > st.LastEvent {
		st.LastEvent = e.Timestamp
	}
	st.LastIngestion = e.IngestionTime
	st.StoredBytes += int64(len(e.Message)) + 26
}

func (s *store) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.groups {
		for _, st := range g.streams {
			if st.file != nil {
				st.file.Close()
				st.file = nil
			}
		}
	}
}

// sortedGroups returns the groups of acct/region whose name has prefix.
func (s *store) sortedGroups(acct, region, prefix string) []*group {
	var out []*group
	for _, g := range s.groups {
		if g.Account == acct && g.Region == region && strings.HasPrefix(g.Name, prefix) {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func nowMillis(t time.Time) int64 { return t.UnixMilli() }

func removeAll(dir string) error { return os.RemoveAll(dir) }

func removeFile(path string) { os.Remove(path) }
