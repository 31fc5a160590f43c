package s3control

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/xacct/xacct/emulator/internal/journal"
	"github.com/xacct/xacct/emulator/internal/snapshot"
)

// TestStoreMovesLegacyResults opens a data directory as earlier versions
// left it, every job's results in one results.journal: the unfinished
// job's records move to its own journal and it resumes with only its
// pending task; the finished job gets its counts in jobs.json and loses
// its files; results.journal is gone. A second open finds the same.
func TestStoreMovesLegacyResults(t *testing.T) {
	dir := t.TempDir()
	sc := filepath.Join(dir, "s3control")
	if err := os.MkdirAll(filepath.Join(sc, "tasks"), 0o755); err != nil {
		t.Fatal(err)
	}
	active := &Job{ID: "active", Account: "111111111111", Status: StatusActive, Total: 3}
	done := &Job{ID: "done", Account: "111111111111", Status: StatusComplete, Total: 2}
	if err := snapshot.Open[jobsFile](filepath.Join(sc, "jobs.json")).Save(&jobsFile{Jobs: []*Job{active, done}}); err != nil {
		t.Fatal(err)
	}
	for id, n := range map[string]int{"active": 3, "done": 2} {
		b, _ := json.Marshal(make([]Task, n))
		if err := os.WriteFile(filepath.Join(sc, "tasks", id+".json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := journal.WriteFile(filepath.Join(sc, legacyResults), func(add func([]byte) error) error {
		for _, r := range []result{{Job: "active", Index: 0, Succeeded: true}, {Job: "done", Index: 0, Succeeded: true},
			{Job: "active", Index: 1, ErrorCode: "PermanentFailure"}, {Job: "done", Index: 1, Succeeded: true}, {Job: "active", Index: 0, Succeeded: true}} {
			b, _ := json.Marshal(r)
			if err := add(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	for open := 1; open <= 2; open++ {
		s, err := New(Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		var a, d Job
		s.store.view(func(st *state) error {
			a, d = *st.jobs["active"], *st.jobs["done"]
			return nil
		})
		_, pending, err := s.store.pending(&a)
		if err != nil {
			t.Fatal(err)
		}
		if a.Succeeded != 1 || a.Failed != 1 || !slices.Equal(pending, []int{2}) {
			t.Errorf("open %d: active job %d succeeded, %d failed, pending %v; want 1, 1, [2]", open, a.Succeeded, a.Failed, pending)
		}
		if d.Succeeded != 2 || d.Failed != 0 {
			t.Errorf("open %d: finished job %d succeeded, %d failed; want 2, 0", open, d.Succeeded, d.Failed)
		}
		for _, p := range []string{legacyResults, "tasks/done.json", "results/done.journal"} {
			if _, err := os.Stat(filepath.Join(sc, p)); !os.IsNotExist(err) {
				t.Errorf("open %d: %s is still there (%v)", open, p, err)
			}
		}
		for _, p := range []string{"tasks/active.json", "results/active.journal"} {
			if _, err := os.Stat(filepath.Join(sc, p)); err != nil {
				t.Errorf("open %d: %v", open, err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
