package logs

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/xacct/xacct/emulator/internal/fsutil"
	"github.com/xacct/xacct/emulator/internal/journal"
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
	journal       *journal.Journal // opened on the first append
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
// when set: a JSON file per group and a journal (internal/journal) per
// stream, fsynced per acknowledged batch.
//
// The store does its own locking: the operations call its exported-style
// methods (addGroup, deleteGroup, setRetention, addStream, deleteStream,
// view, update, viewGroups), which take mu. The persistence helpers
// (saveGroup, appendEvents, removeStream, removeGroup) and groupLocked are
// called with mu held, by those methods or by the functions view and update
// run.
type store struct {
	mu     sync.RWMutex
	groups map[string]*group // by account/region/name
	dir    string
	log    *slog.Logger
}

func groupKey(acct, region, name string) string { return acct + "/" + region + "/" + name }

func newStore(dataDir string, log *slog.Logger) (*store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &store{groups: map[string]*group{}, log: log}
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
// may contain '/'; the account and region as they are when they are plain
// names, hex-encoded otherwise, so that no value can leave the logs
// directory or reach another account's files.
func (s *store) groupDir(g *group) string {
	return filepath.Join(s.dir, pathSegment(g.Account), pathSegment(g.Region), fmt.Sprintf("%x", g.Name))
}

// pathSegment returns s when it is made of lower-case letters, digits and
// inner hyphens (every account id and region), and otherwise "_" and s in
// hex, which no plain name starts with.
func pathSegment(s string) string {
	plain := s != "" && s[0] != '-'
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-'
	}
	if plain {
		return s
	}
	return fmt.Sprintf("_%x", s)
}

// streamPath is the journal of stream name in g; legacyStreamPath the
// JSON-lines file earlier versions wrote.
func (s *store) streamPath(g *group, name string) string {
	return filepath.Join(s.groupDir(g), "streams", fmt.Sprintf("%x.journal", name))
}

func legacyStreamPath(journalPath string) string {
	return strings.TrimSuffix(journalPath, ".journal") + ".jsonl"
}

func (s *store) saveGroup(g *group) error {
	if s.dir == "" {
		return nil
	}
	data, err := json.Marshal(g)
	if err != nil {
		return err
	}
	if err := fsutil.MkdirAll(s.groupDir(g)); err != nil {
		return err
	}
	return fsutil.WriteFile(filepath.Join(s.groupDir(g), "group.json"), data)
}

// streamRecord is one record of a stream journal: the stream's creation
// (T nil) or one event.
type streamRecord struct {
	Stream  string `json:"stream"`
	Created int64  `json:"created,omitempty"`
	T       *int64 `json:"t,omitempty"`
	M       string `json:"m,omitempty"`
	I       int64  `json:"i,omitempty"`
}

// appendEvents journals events to st (its creation when events is nil).
// It returns nil once they are durable; on error nothing of them is on
// disk.
func (s *store) appendEvents(g *group, st *stream, events []Event) error {
	if s.dir == "" {
		return nil
	}
	created := false
	if st.journal == nil {
		j, err := journal.Open(s.streamPath(g, st.Name), journal.Options{Log: s.log}, func([]byte) error { return nil })
		if err != nil {
			return err
		}
		st.journal = j
		created = events == nil
	}
	var recs []any
	if events == nil {
		recs = append(recs, streamRecord{Stream: st.Name, Created: st.Created})
	}
	for _, e := range events {
		recs = append(recs, streamRecord{Stream: st.Name, T: &e.Timestamp, M: e.Message, I: e.IngestionTime})
	}
	if err := st.journal.AppendJSON(recs...); err != nil {
		if created {
			st.journal.Remove()
			st.journal = nil
		}
		return err
	}
	return nil
}

// removeStream deletes st's journal durably.
func (s *store) removeStream(g *group, st *stream) error {
	if st.journal != nil {
		st.journal.Close()
		st.journal = nil
	}
	if s.dir == "" {
		return nil
	}
	path := s.streamPath(g, st.Name)
	for _, p := range []string{path, legacyStreamPath(path)} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return fsutil.SyncDir(filepath.Dir(path))
}

// removeGroup deletes g's files: the directory is first renamed to a
// hidden name (atomic), then removed; load removes what a crash left.
func (s *store) removeGroup(g *group) error {
	for _, st := range g.streams {
		if st.journal != nil {
			st.journal.Close()
			st.journal = nil
		}
	}
	if s.dir == "" {
		return nil
	}
	dir := s.groupDir(g)
	// A name of its own, so deleting a group again after a failed
	// removal does not collide with what is left of the first.
	gone := filepath.Join(filepath.Dir(dir), ".deleted-"+filepath.Base(dir)+"-"+rand.Text())
	if err := os.Rename(dir, gone); err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	if err := fsutil.SyncDir(filepath.Dir(dir)); err != nil {
		return err
	}
	return os.RemoveAll(gone)
}

func (s *store) load() error {
	return filepath.WalkDir(s.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".deleted-") {
			if err := os.RemoveAll(path); err != nil {
				return err
			}
			return filepath.SkipDir
		}
		if d.IsDir() || d.Name() != "group.json" {
			return nil
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
		streams := filepath.Join(filepath.Dir(path), "streams")
		files, _ := filepath.Glob(filepath.Join(streams, "*.journal"))
		legacy, _ := filepath.Glob(filepath.Join(streams, "*.jsonl"))
		for _, f := range legacy {
			j := strings.TrimSuffix(f, ".jsonl") + ".journal"
			if !slices.Contains(files, j) {
				files = append(files, j) // OpenMigrating converts it
			}
		}
		for _, f := range files {
			if err := s.loadStream(g, f); err != nil {
				return err
			}
		}
		return nil
	})
}

// loadStream reads one stream journal (converting a legacy file beside
// it) and closes it again: it is reopened on the next append, so a data
// dir with many streams does not hold a file open for each.
func (s *store) loadStream(g *group, path string) error {
	var st *stream
	j, err := journal.OpenMigrating(path, legacyStreamPath(path), journal.Options{Log: s.log}, func(p []byte) error {
		var rec streamRecord
		if err := json.Unmarshal(p, &rec); err != nil {
			return err
		}
		if st == nil {
			st = &stream{Name: rec.Stream, Created: rec.Created}
			g.streams[st.Name] = st
		}
		if rec.T != nil {
			g.seq++
			st.add(Event{Timestamp: *rec.T, Message: rec.M, IngestionTime: rec.I, Seq: g.seq})
		}
		return nil
	})
	if err != nil {
		return err
	}
	j.Close()
	if st != nil && st.Created == 0 && len(st.events) > 0 {
		st.Created = st.events[0].IngestionTime
	}
	return nil
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
			if st.journal != nil {
				st.journal.Close()
				st.journal = nil
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

// groupLocked returns the group acct/region/name or ResourceNotFoundException.
func (s *store) groupLocked(acct, region, name string) (*group, error) {
	g := s.groups[groupKey(acct, region, name)]
	if g == nil {
		return nil, errNotFound("The specified log group does not exist.")
	}
	return g, nil
}

// streamOf returns g's stream name or ResourceNotFoundException. Callers
// hold mu.
func streamOf(g *group, name string) (*stream, error) {
	st := g.streams[name]
	if st == nil {
		return nil, errNotFound("The specified log stream does not exist.")
	}
	return st, nil
}

// view runs fn on the group acct/region/name under the read lock; fn must
// not change it or keep it.
func (s *store) view(acct, region, name string, fn func(g *group) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, err := s.groupLocked(acct, region, name)
	if err != nil {
		return err
	}
	return fn(g)
}

// update runs fn on the group acct/region/name under the write lock; fn
// persists what it changes (saveGroup, appendEvents) and leaves the group
// as it was when that fails.
func (s *store) update(acct, region, name string, fn func(g *group) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.groupLocked(acct, region, name)
	if err != nil {
		return err
	}
	return fn(g)
}

// viewGroups runs fn on the groups of acct/region whose name has prefix,
// sorted by name, under the read lock.
func (s *store) viewGroups(acct, region, prefix string, fn func(gs []*group)) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	fn(s.sortedGroups(acct, region, prefix))
}

// addGroup stores the new group g, or returns ResourceAlreadyExistsException.
func (s *store) addGroup(g *group) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := groupKey(g.Account, g.Region, g.Name)
	if s.groups[k] != nil {
		return errExists("The specified log group already exists")
	}
	if err := s.saveGroup(g); err != nil {
		return err
	}
	s.groups[k] = g
	return nil
}

// deleteGroup removes a group, its streams and their files.
func (s *store) deleteGroup(acct, region, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.groupLocked(acct, region, name)
	if err != nil {
		return err
	}
	if err := s.removeGroup(g); err != nil {
		return err
	}
	delete(s.groups, groupKey(acct, region, name))
	return nil
}

// setRetention sets a group's retention (0: forever), unchanged if saving
// fails.
func (s *store) setRetention(acct, region, name string, days int32) error {
	return s.update(acct, region, name, func(g *group) error {
		old := g.RetentionDays
		g.RetentionDays = days
		if err := s.saveGroup(g); err != nil {
			g.RetentionDays = old
			return err
		}
		return nil
	})
}

// addStream adds the new stream st to a group, or returns
// ResourceAlreadyExistsException.
func (s *store) addStream(acct, region, groupName string, st *stream) error {
	return s.update(acct, region, groupName, func(g *group) error {
		if g.streams[st.Name] != nil {
			return errExists("The specified log stream already exists")
		}
		if err := s.appendEvents(g, st, nil); err != nil {
			return err
		}
		g.streams[st.Name] = st
		return nil
	})
}

// deleteStream removes a stream and its journal.
func (s *store) deleteStream(acct, region, groupName, name string) error {
	return s.update(acct, region, groupName, func(g *group) error {
		st, err := streamOf(g, name)
		if err != nil {
			return err
		}
		if err := s.removeStream(g, st); err != nil {
			return err
		}
		delete(g.streams, name)
		return nil
	})
}
