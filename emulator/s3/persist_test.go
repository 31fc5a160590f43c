package s3

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/xacct/xacct/emulator/internal/journal"
)

func openStore(t *testing.T, dir string) *store {
	t.Helper()
	s, err := newStore(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mkBucket(t *testing.T, s *store, name string) {
	t.Helper()
	defer s.lockMeta()()
	b := &bucketState{Bucket: Bucket{Name: name, Owner: "111111111111", Created: time.Unix(1, 0).UTC()}, objects: map[string]*Object{}}
	if err := s.saveBucket(b); err != nil {
		t.Fatal(err)
	}
	s.buckets[name] = b
}

func put(t *testing.T, s *store, bucket, key string, data []byte) {
	t.Helper()
	st, err := s.stage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	old, err := s.putObject(bucket, &Object{Key: key, Size: st.size}, st)
	if err != nil {
		t.Fatal(err)
	}
	if old != "" {
		s.blobs.Remove(old)
	}
}

func del(t *testing.T, s *store, bucket, key string) {
	t.Helper()
	_, old, err := s.deleteCurrent(bucket, key, "", time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.blobs.Remove(old)
}

func contents(t *testing.T, s *store, bucket string) map[string]string {
	t.Helper()
	s.mu.RLock()
	b := s.buckets[bucket]
	objs := map[string]*Object{}
	for k, o := range b.objects {
		objs[k] = o
	}
	s.mu.RUnlock()
	got := map[string]string{}
	for k, o := range objs {
		data, err := s.readBlob(o.Blob)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if int64(len(data)) != o.Size {
			t.Fatalf("%s: %d bytes, metadata says %d", k, len(data), o.Size)
		}
		got[k] = string(data)
	}
	return got
}

func blobFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "s3", "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func journalRecords(t *testing.T, dir string) int {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "s3", "s3.journal"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	if _, _, err := journal.Read(f, func([]byte) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// body returns n bytes that differ with seed.
func testBody(seed, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(seed*31 + i)
	}
	return b
}

// TestJournalReplayAndCompaction writes small (inline), empty and large
// (blob file) objects and parts, overwrites and deletes some, compacts
// while a blob is open, and reopens: the state read back is the state
// written, the journal then holds one record per live item, and only live
// blob files remain.
func TestJournalReplayAndCompaction(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	mkBucket(t, s, "b")
	want := map[string]string{}
	for i := range 20 {
		n := []int{1024, 0, inlineMax, inlineMax + 1, 200 << 10}[i%5]
		k := fmt.Sprint("k", i)
		put(t, s, "b", k, testBody(i, n))
		want[k] = string(testBody(i, n))
	}
	for i := range 10 {
		k := fmt.Sprint("k", i)
		n := []int{3000, 100 << 10}[i%2] // small over large and back
		put(t, s, "b", k, testBody(100+i, n))
		want[k] = string(testBody(100+i, n))
	}
	for i := 10; i < 15; i++ {
		del(t, s, "b", fmt.Sprint("k", i))
		delete(want, fmt.Sprint("k", i))
	}
	u := &Upload{ID: "up", Bucket: "b", Key: "m", Parts: map[int]Part{}}
	if err := s.createUpload(u); err != nil {
		t.Fatal(err)
	}
	for n, size := range []int{10, 100 << 10, 0} {
		st, _ := s.stage(bytes.NewReader(testBody(n, size)))
		if err := s.savePart("b", "up", Part{Number: n + 1, Size: st.size}, st); err != nil {
			t.Fatal(err)
		}
	}

	// A reader holds an inline object across the compaction.
	held, err := s.blobs.Open(s.buckets["b"].objects["k15"].Blob)
	if err != nil {
		t.Fatal(err)
	}
	before := s.j.Size()
	if err := s.compact(); err != nil {
		t.Fatal(err)
	}
	if after := s.j.Size(); after >= before {
		t.Errorf("compaction grew the journal: %d -> %d bytes", before, after)
	}
	buf := make([]byte, held.Size())
	if _, err := held.ReadAt(buf, 0); err != nil || string(buf) != want["k15"] {
		t.Errorf("blob opened before the compaction reads %d bytes (%v), want k15's", len(buf), err)
	}
	held.Close()
	check := func(s *store, when string) {
		t.Helper()
		if got := contents(t, s, "b"); !mapsEqual(got, want) {
			t.Errorf("%s: objects differ: got keys %v, want %v", when, keys(got), keys(want))
		}
		s.mu.RLock()
		parts := s.uploads["up"].Parts
		s.mu.RUnlock()
		for n, size := range []int{10, 100 << 10, 0} {
			data, err := s.readBlob(parts[n+1].Blob)
			if err != nil || !bytes.Equal(data, testBody(n, size)) {
				t.Errorf("%s: part %d: %d bytes (%v)", when, n+1, len(data), err)
			}
		}
	}
	check(s, "after compaction")
	put(t, s, "b", "late", []byte("after the compaction"))
	want["late"] = "after the compaction"
	check(s, "after a write that follows the compaction")
	if err := s.close(); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, dir)
	check(s, "after reopening")
	// 1 bucket, its objects, 1 upload and its 3 parts, plus "late".
	if got, wantN := journalRecords(t, dir), 1+len(want)-1+1+3+1; got != wantN {
		t.Errorf("journal holds %d records, want %d", got, wantN)
	}
	// The blob files are the large live objects and the large part.
	large := 0
	for _, v := range want {
		if len(v) > inlineMax {
			large++
		}
	}
	if got := len(blobFiles(t, dir)); got != large+1 {
		t.Errorf("%d blob files, want %d (large live objects and part)", got, large+1)
	}

	// A commit past the threshold compacts in the background.
	s.compactAt.Store(1)
	del(t, s, "b", "late")
	delete(want, "late")
	s.bg.Wait()
	if got, wantN := journalRecords(t, dir), 1+len(want)+1+3; got != wantN {
		t.Errorf("after the automatic compaction the journal holds %d records, want %d", got, wantN)
	}
	check(s, "after the automatic compaction")
	s.close()
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// TestLegacyLayoutMigrates opens a data dir of the layout before the
// journal (one JSON file per bucket, object and upload): its state is
// converted, the old files are gone, and an orphan blob is swept. Old
// files found beside a journal (a crash after the conversion) are
// removed without being read again.
func TestLegacyLayoutMigrates(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "s3")
	write := func(rel string, v any) {
		t.Helper()
		data, ok := v.([]byte)
		if !ok {
			var err error
			if data, err = json.Marshal(v); err != nil {
				t.Fatal(err)
			}
		}
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("buckets/old.json", Bucket{Name: "old", Owner: "111111111111", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::old/*"}]}`})
	write("objects/old/aa.json", Object{Key: "a/b", Size: 5, ETag: `"e"`, Blob: "0123"})
	write("blobs/0123.blob", []byte("hello"))
	write("uploads/u1.json", Upload{ID: "u1", Bucket: "old", Key: "m", Parts: map[int]Part{2: {Number: 2, Size: 3, Blob: "4567"}}})
	write("blobs/4567.blob", []byte("abc"))
	write("blobs/dead.blob", []byte("orphan"))

	s := openStore(t, dir)
	if got := contents(t, s, "old"); !mapsEqual(got, map[string]string{"a/b": "hello"}) {
		t.Errorf("objects after conversion: %v", got)
	}
	if b, pol, ok := s.bucket("old"); !ok || b.Policy == "" || pol == nil {
		t.Errorf("bucket after conversion: %+v, policy parsed %v", b, pol != nil)
	}
	if data, err := s.readBlob(s.uploads["u1"].Parts[2].Blob); err != nil || string(data) != "abc" {
		t.Errorf("part after conversion: %q, %v", data, err)
	}
	for _, d := range legacyDirs {
		if _, err := os.Stat(filepath.Join(root, d)); !os.IsNotExist(err) {
			t.Errorf("%s left after conversion (%v)", d, err)
		}
	}
	if got := blobFiles(t, dir); !slices.Equal(got, []string{"0123.blob", "4567.blob"}) {
		t.Errorf("blob files %v, want the object's and the part's", got)
	}
	put(t, s, "old", "new", []byte("x"))
	s.close()

	write("buckets/stale.json", Bucket{Name: "stale"})
	s = openStore(t, dir)
	defer s.close()
	if _, _, ok := s.bucket("stale"); ok {
		t.Error("an old file beside the journal was read")
	}
	if _, err := os.Stat(filepath.Join(root, "buckets")); !os.IsNotExist(err) {
		t.Errorf("old files beside the journal not removed (%v)", err)
	}
	if got := contents(t, s, "old"); !mapsEqual(got, map[string]string{"a/b": "hello", "new": "x"}) {
		t.Errorf("objects after reopening: %v", got)
	}
}

// TestPartsOfOneUploadInParallel commits parts of one upload from many
// goroutines at once (they share the upload's lock): every part is kept,
// also after reopening.
func TestPartsOfOneUploadInParallel(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	mkBucket(t, s, "b")
	if err := s.createUpload(&Upload{ID: "up", Bucket: "b", Key: "k", Parts: map[int]Part{}}); err != nil {
		t.Fatal(err)
	}
	const parts = 32
	var wg sync.WaitGroup
	for n := 1; n <= parts; n++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 2 { // the second replaces the first
				st, _ := s.stage(bytes.NewReader(testBody(n*10+round, 100*n)))
				if err := s.savePart("b", "up", Part{Number: n, Size: st.size}, st); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	s.close()
	s = openStore(t, dir)
	defer s.close()
	u := s.uploads["up"]
	if len(u.Parts) != parts {
		t.Fatalf("%d parts after reopening, want %d", len(u.Parts), parts)
	}
	for n := 1; n <= parts; n++ {
		data, err := s.readBlob(u.Parts[n].Blob)
		if err != nil || !bytes.Equal(data, testBody(n*10+1, 100*n)) {
			t.Errorf("part %d: %d bytes (%v), want the second upload's", n, len(data), err)
		}
	}
}

// FuzzReplay feeds arbitrary payloads to the journal replay: a record
// that does not decode or does not fit the state is skipped, never a
// panic (the data dir always opens).
func FuzzReplay(f *testing.F) {
	for _, rec := range []*record{
		{Op: opBucket, Bucket: &Bucket{Name: "b"}},
		{Op: opObject, Name: "b", Object: &Object{Key: "k"}},
		{Op: opUpload, Upload: &Upload{ID: "u", Bucket: "b"}},
		{Op: opPart, UploadID: "u", Part: &Part{Number: 1}},
		{Op: opDeleteObject, Name: "b", Key: "k"},
		{Op: opDeleteUpload, UploadID: "u"},
		{Op: opDeleteBucket, Name: "b"},
		{Op: opPart, UploadID: "missing"},
		{Op: opObject, Name: "b", Object: &Object{Key: "k", VersionID: "v1"}},
		{Op: opObject, Name: "b", Object: &Object{Key: "k", VersionID: "v2", DeleteMarker: true}},
		{Op: opObject, Name: "b", Object: &Object{Key: "k", VersionID: "v1", Size: 3}, InPlace: true},
		{Op: opDeleteObject, Name: "b", Key: "k", VersionID: "v2"},
	} {
		p, _, _ := encodeRecord(rec, []byte("data"))
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		s := &store{buckets: map[string]*bucketState{}, uploads: map[string]*Upload{}}
		s.apply(&record{Op: opBucket, Bucket: &Bucket{Name: "b"}}, "")
		s.apply(&record{Op: opUpload, Upload: &Upload{ID: "u", Bucket: "b"}}, "")
		for range 2 { // twice: a record applied onto its own result
			rec, _, _, err := decodeRecord(p)
			if err != nil {
				return
			}
			s.apply(rec, "@1")
		}
	})
}

// TestCompactionUnderLoad compacts over and over while writers overwrite
// and delete keys and readers read them: every read sees whole bytes of
// some write of the key, and after reopening each key holds its last
// acknowledged write.
func TestCompactionUnderLoad(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	mkBucket(t, s, "b")
	const writers, rounds = 4, 60
	var mu sync.Mutex
	last := map[string][]byte{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				k := fmt.Sprint("w", w, "-", i%5)
				if i%7 == 6 {
					_, old, err := s.deleteCurrent("b", k, "", time.Time{}, nil)
					if err != nil {
						t.Error(err)
						return
					}
					s.blobs.Remove(old)
					mu.Lock()
					delete(last, k)
					mu.Unlock()
					continue
				}
				data := testBody(w*1000+i, []int{10, 5000, inlineMax + 10}[i%3])
				st, err := s.stage(bytes.NewReader(data))
				if err != nil {
					t.Error(err)
					return
				}
				old, err := s.putObject("b", &Object{Key: k, Size: st.size}, st)
				if err != nil {
					t.Error(err)
					return
				}
				s.blobs.Remove(old)
				mu.Lock()
				last[k] = data
				mu.Unlock()
			}
		}()
	}
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			for w := range writers {
				o, ok := s.object("b", fmt.Sprint("w", w, "-0"))
				if !ok {
					continue
				}
				bl, err := s.blobs.Open(o.Blob)
				if err != nil {
					continue // overwritten under the read: openReadable retries
				}
				buf := make([]byte, bl.Size())
				if _, err := bl.ReadAt(buf, 0); err != nil && len(buf) > 0 {
					t.Errorf("read: %v", err)
				}
				bl.Close()
				if int64(len(buf)) != o.Size {
					t.Errorf("read %d bytes, object has %d", len(buf), o.Size)
				}
			}
		}
	}()
	readers.Add(1)
	go func() {
		defer readers.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := s.compact(); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	close(stop)
	readers.Wait()
	s.close()
	s = openStore(t, dir)
	defer s.close()
	got := contents(t, s, "b")
	if len(got) != len(last) {
		t.Errorf("%d keys after reopening, want %d", len(got), len(last))
	}
	for k, v := range last {
		if got[k] != string(v) {
			t.Errorf("%s: %d bytes after reopening, want its last write's %d", k, len(got[k]), len(v))
		}
	}
}
