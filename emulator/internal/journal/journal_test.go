package journal

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readAll(t *testing.T, path string) []string {
	t.Helper()
	var got []string
	j, err := Open(path, Options{}, func(p []byte) error { got = append(got, string(p)); return nil })
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	return got
}

func TestAppendReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, err := Open(path, Options{}, func([]byte) error { t.Fatal("record in a new journal"); return nil })
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("<", 1_000_000) // no line cap, no escaping
	want := []string{"a", "", "line\nbreak", big}
	for _, s := range want {
		if err := j.Append([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.AppendJSON(map[string]string{"m": "<&>"}); err != nil {
		t.Fatal(err)
	}
	want = append(want, `{"m":"<&>"}`)
	j.Close()
	if diff := cmp.Diff(want, readAll(t, path)); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

// TestTornTail cuts a journal at every byte and reopens it: the records
// wholly before the cut are read, the rest is truncated away, and an
// append after it is read back after them.
func TestTornTail(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "full")
	recs := []string{"first", "second record", "third"}
	j, err := Open(full, Options{}, func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	var ends []int
	for _, r := range recs {
		if err := j.Append([]byte(r)); err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(full)
		ends = append(ends, int(fi.Size()))
	}
	j.Close()
	data, _ := os.ReadFile(full)
	for cut := 0; cut <= len(data); cut++ {
		path := filepath.Join(dir, fmt.Sprint("cut", cut))
		os.WriteFile(path, data[:cut], 0o644)
		var want []string
		for i, e := range ends {
			if e <= cut {
				want = append(want, recs[i])
			}
		}
		j, err := Open(path, Options{}, func([]byte) error { return nil })
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if err := j.Append([]byte("after")); err != nil {
			t.Fatal(err)
		}
		j.Close()
		if diff := cmp.Diff(append(want, "after"), readAll(t, path)); diff != "" {
			t.Errorf("cut at %d (-want +got):\n%s", cut, diff)
		}
	}
}

func TestCorruptRecordDropsTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, _ := Open(path, Options{}, func([]byte) error { return nil })
	j.Append([]byte("one"))
	j.Append([]byte("two"))
	j.Close()
	data, _ := os.ReadFile(path)
	data[len(data)-1] ^= 1 // flip a bit of the last payload
	os.WriteFile(path, data, 0o644)
	if diff := cmp.Diff([]string{"one"}, readAll(t, path)); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

func TestNotAJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	os.WriteFile(path, []byte(`{"a":1}`+"\n"), 0o644)
	if _, err := Open(path, Options{}, func([]byte) error { return nil }); err == nil {
		t.Fatal("opened a JSON-lines file as a journal")
	}
}

func TestRewrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, _ := Open(path, Options{}, func([]byte) error { return nil })
	j.Append([]byte("old"))
	if err := j.Rewrite(func(add func([]byte) error) error { return add([]byte("new")) }); err != nil {
		t.Fatal(err)
	}
	j.Append([]byte("appended"))
	j.Close()
	if diff := cmp.Diff([]string{"new", "appended"}, readAll(t, path)); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

func TestOpenMigrating(t *testing.T) {
	dir := t.TempDir()
	legacy := filepath.Join(dir, "x.jsonl")
	path := filepath.Join(dir, "x.journal")
	// The second line is a torn write with the next acknowledged record
	// appended onto it, as earlier versions left it after ENOSPC; the
	// last line is torn and was never acknowledged.
	os.WriteFile(legacy, []byte(`{"n":1}`+"\n"+`{"n":2,"m":"ab`+`{"n":3}`+"\n"+`{"n":4`), 0o644)
	var got []string
	valid := func(p []byte) error {
		if !bytes.HasSuffix(p, []byte("}")) || bytes.Count(p, []byte("{")) != 1 {
			return fmt.Errorf("bad")
		}
		got = append(got, string(p))
		return nil
	}
	j, err := OpenMigrating(path, legacy, Options{}, valid)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	want := []string{`{"n":1}`, `{"n":3}`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("migrated (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(legacy); !os.IsNotExist(err) {
		t.Errorf("legacy file still there: %v", err)
	}
	if diff := cmp.Diff(want, readAll(t, path)); diff != "" {
		t.Errorf("reopened (-want +got):\n%s", diff)
	}
}

// FuzzRead checks that Read never panics on any bytes and that what it
// calls good is exactly the header and the records it returned.
func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	b.WriteString(Header)
	Frame(&b, []byte("hello"))
	Frame(&b, []byte(""))
	f.Add(b.Bytes())
	f.Add([]byte(Header[:3]))
	f.Add([]byte(Header + "\xff\xff\xff\xff\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var again bytes.Buffer
		good, dropped, err := Read(bytes.NewReader(data), func(p []byte) error {
			if again.Len() == 0 {
				again.WriteString(Header)
			}
			Frame(&again, p)
			return nil
		})
		if err != nil {
			return
		}
		if good > int64(len(data)) {
			t.Fatalf("good %d beyond %d bytes", good, len(data))
		}
		if good > 0 && again.Len() == 0 {
			again.WriteString(Header)
		}
		if !bytes.Equal(again.Bytes(), data[:good]) {
			t.Fatalf("records re-framed differ from the good prefix")
		}
		rest := int64(len(data)) - good
		switch {
		case dropped == nil && rest != 0:
			t.Fatalf("%d bytes after good, none reported dropped", rest)
		case dropped != nil && (dropped.Offset != good || dropped.Bytes != rest):
			t.Fatalf("dropped %+v, want offset %d bytes %d", dropped, good, rest)
		}
	})
}

func TestOpenCreatesDirectories(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "j")
	j, err := Open(path, Options{}, func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Append([]byte("x")); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if diff := cmp.Diff([]string{"x"}, readAll(t, path)); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

// TestConcurrentAppends appends from many goroutines: every acknowledged
// record is read back once, whole.
func TestConcurrentAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, err := Open(path, Options{}, func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				if err := j.Append([]byte(fmt.Sprintf("%d-%d-%s", g, i, strings.Repeat("x", i*37)))); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	j.Close()
	seen := map[string]bool{}
	for _, r := range readAll(t, path) {
		if seen[r] {
			t.Fatalf("record %.20q read twice", r)
		}
		seen[r] = true
	}
	if len(seen) != 400 {
		t.Errorf("read %d records, want 400", len(seen))
	}
}

// TestConcurrentAppendOffsets appends from many goroutines at once (the
// appends are group-committed): every record is read back once, and the
// offset AppendOffsets returned is where its payload is in the file, also
// after a RewriteOffsets that moves it.
func TestConcurrentAppendOffsets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, err := Open(path, Options{}, func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 16, 50
	var mu sync.Mutex
	at := map[string]int64{}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				a, b := fmt.Sprintf("w%d-%d-a", w, i), fmt.Sprintf("w%d-%d-bb", w, i)
				offs, err := j.AppendOffsets([]byte(a), []byte(b))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				at[a], at[b] = offs[0], offs[1]
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for p, off := range at {
		if got := string(data[off : off+int64(len(p))]); got != p {
			t.Fatalf("payload %q at offset %d reads %q", p, off, got)
		}
	}
	seen := map[string]int64{}
	j.Close()
	if _, err := OpenOffsets(path, Options{}, func(off int64, p []byte) error { seen[string(p)] = off; return nil }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(at, seen); diff != "" {
		t.Errorf("offsets replayed (-appended +read):\n%s", diff)
	}

	// Rewrite keeps one record in three; the offsets it reports are right.
	j, err = Open(path, Options{}, func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	moved := map[string]int64{}
	err = j.RewriteOffsets(func(add func([]byte) (int64, error)) error {
		i := 0
		for p := range at {
			if i++; i%3 != 0 {
				continue
			}
			off, err := add([]byte(p))
			if err != nil {
				return err
			}
			moved[p] = off
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	offs, err := j.AppendOffsets([]byte("after"))
	if err != nil {
		t.Fatal(err)
	}
	moved["after"] = offs[0]
	if j.Size() != fileSize(t, path) {
		t.Errorf("Size %d, file %d bytes", j.Size(), fileSize(t, path))
	}
	data, _ = os.ReadFile(path)
	for p, off := range moved {
		if got := string(data[off : off+int64(len(p))]); got != p {
			t.Fatalf("after rewrite, payload %q at offset %d reads %q", p, off, got)
		}
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestCloseFlushesWaiting closes the journal while appends are queued:
// each either is durable and read back, or failed.
func TestCloseFlushesWaiting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, err := Open(path, Options{}, func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := map[string]bool{}
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := fmt.Sprint("rec", i)
			if j.Append([]byte(p)) == nil {
				mu.Lock()
				ok[p] = true
				mu.Unlock()
			}
		}()
	}
	j.Close()
	wg.Wait()
	for _, p := range readAll(t, path) {
		if !ok[p] {
			t.Errorf("record %q in the file was not acknowledged", p)
		}
		delete(ok, p)
	}
	if len(ok) > 0 {
		t.Errorf("acknowledged records missing: %v", ok)
	}
}
