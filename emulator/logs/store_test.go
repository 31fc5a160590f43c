package logs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStorePathsStayInside: whatever account and region a caller names,
// a group's files stay under DATA/logs in a directory of their own. The
// front door refuses a credential scope whose region is not a region; this
// holds without it. Before, the region was a raw path element, so
// "../222222222222/us-east-1" wrote account 111111111111's group over
// account 222222222222's.
func TestStorePathsStayInside(t *testing.T) {
	dir := t.TempDir()
	s, err := New(Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateGroup("222222222222", "us-east-1", "g", 7, nil); err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{"../222222222222/us-east-1", "..", "../../escape", "a/b", "", "-x", "US-EAST-1"} {
		if err := s.CreateGroup("111111111111", region, "g", 14, nil); err != nil {
			t.Fatalf("region %q: %v", region, err)
		}
	}
	s.Close()
	filepath.WalkDir(filepath.Dir(dir), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(p, filepath.Join(dir, "logs")+string(filepath.Separator)) {
			t.Errorf("file outside the logs directory: %s", p)
		}
		return nil
	})

	s, err = New(Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g, err := s.store.groupLocked("222222222222", "us-east-1", "g")
	if err != nil || g.Account != "222222222222" || g.RetentionDays != 7 {
		t.Errorf("account 222222222222's group after restart: %+v %v", g, err)
	}
	if n := len(s.store.groups); n != 8 {
		t.Errorf("groups after restart: got %d, want 8", n)
	}
}

func TestPathSegment(t *testing.T) {
	for in, want := range map[string]string{
		"us-east-1": "us-east-1", "111111111111": "111111111111",
		"..": "_2e2e", "": "_", "a/b": "_612f62", "-x": "_2d78", "US": "_5553",
	} {
		if got := pathSegment(in); got != want {
			t.Errorf("pathSegment(%q) = %q, want %q", in, got, want)
		}
	}
}
