package snapshot

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

type state struct{ Names []string }

func TestSaveLoadLast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	f := Open[state](path)
	var st state
	if ok, err := f.Load(&st); ok || err != nil {
		t.Fatalf("Load of a missing file: got %v %v, want false nil", ok, err)
	}
	if got := f.Last(); got.Names != nil {
		t.Errorf("Last before any save: got %v, want the zero state", got)
	}
	if err := f.Save(&state{Names: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	// A save that fails leaves the file and Last as they were.
	if err := os.Chmod(filepath.Dir(path), 0o500); err != nil {
		t.Fatal(err)
	}
	err := f.Save(&state{Names: []string{"a", "b"}})
	os.Chmod(filepath.Dir(path), 0o700)
	if err == nil && os.Geteuid() != 0 {
		t.Fatal("Save into a read-only directory succeeded")
	}
	if err != nil {
		if got := f.Last(); !slices.Equal(got.Names, []string{"a"}) {
			t.Errorf("Last after a failed save: got %v, want [a]", got.Names)
		}
	}
	g := Open[state](path)
	if ok, err := g.Load(&st); !ok || err != nil || !slices.Equal(st.Names, f.Last().Names) {
		t.Errorf("reloaded: got %v %v %v, want %v", st.Names, ok, err, f.Last().Names)
	}
}

func TestLoadRefusesGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	os.WriteFile(path, []byte("{"), 0o600)
	var st state
	if _, err := Open[state](path).Load(&st); err == nil {
		t.Error("Load of a truncated file: no error")
	}
}
