package s3

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// dump renders every key's version stack of bucket with each version's
// bytes, so two stores can be compared whole.
func dump(t *testing.T, s *store, bucket string) string {
	t.Helper()
	s.mu.RLock()
	b := s.buckets[bucket]
	var all []string
	all = append(all, b.keys...)
	for _, k := range b.vkeys {
		all = insertSorted(all, k)
	}
	type entry struct {
		key string
		vs  []*Object
	}
	var es []entry
	for _, k := range all {
		es = append(es, entry{k, append([]*Object(nil), b.stack(k)...)})
	}
	status := b.Versioning
	s.mu.RUnlock()
	var sb strings.Builder
	fmt.Fprintf(&sb, "versioning=%q\n", status)
	for _, e := range es {
		for _, v := range e.vs {
			if v.DeleteMarker {
				fmt.Fprintf(&sb, "%s %s marker\n", e.key, wireVersionID(v.VersionID))
				continue
			}
			data, err := s.readBlob(v.Blob)
			if err != nil {
				t.Fatalf("%s %s: %v", e.key, wireVersionID(v.VersionID), err)
			}
			fmt.Fprintf(&sb, "%s %s %d:%.12s\n", e.key, wireVersionID(v.VersionID), len(data), data)
		}
	}
	return sb.String()
}

func setStatus(t *testing.T, s *store, bucket, status string) {
	t.Helper()
	if err := s.updateBucket(bucket, func(b *bucketState) { b.Versioning = status }); err != nil {
		t.Fatal(err)
	}
}

// TestVersionStacksReplayAndCompaction drives version stacks through every
// kind of change (null versions before, during and after versioning,
// markers, removals of current, middle and marker versions, inline and
// blob-file bodies) and checks that the journal replays them, before and
// after a compaction, to the same state.
func TestVersionStacksReplayAndCompaction(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	mkBucket(t, s, "b")
	put(t, s, "b", "a", []byte("a-null"))
	put(t, s, "b", "gone", []byte("gone-null"))
	setStatus(t, s, "b", VersioningEnabled)
	for i := range 4 {
		put(t, s, "b", "a", testBody(i, []int{10, inlineMax + 1}[i%2]))
		put(t, s, "b", "c", testBody(10+i, 5))
	}
	if _, old, err := s.deleteCurrent("b", "a", "111111111111", time.Unix(5, 0), nil); err != nil || old != "" {
		t.Fatalf("marker: %v, old blob %q", err, old)
	}
	if _, _, err := s.deleteCurrent("b", "only-marker", "111111111111", time.Unix(5, 0), nil); err != nil {
		t.Fatal(err)
	}
	s.mu.RLock()
	c := append([]*Object(nil), s.buckets["b"].stack("c")...)
	s.mu.RUnlock()
	// Remove the current version of c, and one from the middle.
	for _, v := range []*Object{c[0], c[2]} {
		out, blob, err := s.deleteVersion("b", "c", v.VersionID, nil)
		if err != nil || out.DeleteMarker || blob != v.Blob {
			t.Fatalf("deleteVersion: %v %+v %q", err, out, blob)
		}
		s.blobs.Remove(blob)
	}
	setStatus(t, s, "b", VersioningSuspended)
	put(t, s, "b", "gone", []byte("suspended-null")) // replaces the null version
	put(t, s, "b", "c", []byte("c-null"))
	if _, old, err := s.deleteCurrent("b", "c", "111111111111", time.Unix(6, 0), nil); err != nil || old == "" {
		t.Fatalf("suspended delete: %v, old blob %q (want the null version's)", err, old)
	} else {
		s.blobs.Remove(old)
	}
	if err := s.updateObject("b", "gone", func(o *Object) { o.OwnerFullControl = true }); err != nil {
		t.Fatal(err)
	}

	want := dump(t, s, "b")
	lines := strings.Split(want, "\n")
	if !strings.HasPrefix(lines[1], "a ") || !strings.HasSuffix(lines[1], " marker") || lines[6] != "a null 6:a-null" ||
		lines[7] != "c null marker" || lines[10] != "gone null 14:suspended-nu" || !strings.HasSuffix(lines[11], " marker") ||
		strings.Count(want, "\nc ") != 3 || strings.Count(want, "\na ") != 6 {
		t.Errorf("unexpected stacks:\n%s", want)
	}
	s.close()
	s = openStore(t, dir)
	if got := dump(t, s, "b"); got != want {
		t.Errorf("after replay:\n%s\nwant:\n%s", got, want)
	}
	if err := s.compact(); err != nil {
		t.Fatal(err)
	}
	if got := dump(t, s, "b"); got != want {
		t.Errorf("after compaction:\n%s\nwant:\n%s", got, want)
	}
	s.close()
	s = openStore(t, dir)
	if got := dump(t, s, "b"); got != want {
		t.Errorf("after compaction and replay:\n%s\nwant:\n%s", got, want)
	}
	if err := s.deleteBucket("b"); !strings.Contains(fmt.Sprint(err), "BucketNotEmpty") {
		t.Errorf("deleteBucket with versions: got %v", err)
	}
	s.close()
}

// TestOpensDataDirBeforeVersioning opens a data directory written by the
// emulator before versioning (testdata/before-versioning: objects small,
// large, over (written twice) and gone (deleted), made by commit f00bec6):
// its objects are null versions, and versioning can then be enabled.
func TestOpensDataDirBeforeVersioning(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, filepath.Join("testdata", "before-versioning"), dir)
	s := openStore(t, dir)
	got := dump(t, s, "old-bucket")
	want := "versioning=\"\"\nlarge null 70000:LLLLLLLLLLLL\nover null 6:second\nsmall null 10:small body\n"
	if got != want {
		t.Fatalf("old data dir:\n%s\nwant:\n%s", got, want)
	}
	setStatus(t, s, "old-bucket", VersioningEnabled)
	put(t, s, "old-bucket", "over", []byte("third"))
	s.close()
	s = openStore(t, dir)
	defer s.close()
	got = dump(t, s, "old-bucket")
	if !strings.Contains(got, "over null 6:second") || !strings.Contains(got, ":third\nover null") {
		t.Errorf("after a versioned write over an old object:\n%s", got)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestListVersionsXML: versions and delete markers are interleaved in
// listing order in one ListVersionsResult, as S3 writes them.
func TestListVersionsXML(t *testing.T) {
	res := listVersionsResult{Xmlns: xmlns, Name: "b", Entries: []any{
		versionXML{Key: "a", VersionID: "1", IsLatest: true},
		deleteMarkerXML{Key: "b", VersionID: "2", IsLatest: true},
		versionXML{Key: "b", VersionID: "3"},
	}}
	var buf bytes.Buffer
	if err := xml.NewEncoder(&buf).Encode(res); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	i, j, k := strings.Index(got, "<Version><Key>a"), strings.Index(got, "<DeleteMarker><Key>b"), strings.Index(got, "<Version><Key>b")
	if i < 0 || j < i || k < j || strings.Contains(got, "Entries") {
		t.Errorf("ListVersionsResult:\n%s", got)
	}
}

func TestWellFormedVersionID(t *testing.T) {
	for i := 0; i < 100; i++ {
		if id := newVersionID(); !wellFormedVersionID(id) {
			t.Fatalf("newVersionID %q is not well formed", id)
		}
	}
	for v, want := range map[string]bool{"null": true, "": false, "Null": false, strings.Repeat("a", 31): false, strings.Repeat("a", 32): true, strings.Repeat("-", 32): false} {
		if got := wellFormedVersionID(v); got != want {
			t.Errorf("wellFormedVersionID(%q): got %v, want %v", v, got, want)
		}
	}
}
