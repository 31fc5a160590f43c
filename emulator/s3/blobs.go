package s3

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/xacct/xacct/emulator/internal/fsutil"
)

// blob is stored object or part bytes opened for reading.
type blob interface {
	io.ReaderAt
	io.Closer
	Size() int64
}

// blobStore holds the bytes of objects and parts. Blobs are immutable:
// an overwrite writes a new blob and removes the old one after the
// metadata pointing at the new one is durable.
type blobStore interface {
	// Write stores r's bytes as a new blob and returns its name. When r
	// fails, nothing is kept.
	Write(r io.Reader) (name string, size int64, err error)
	// Open opens a blob for reading; it stays readable after Remove.
	Open(name string) (blob, error)
	// Remove deletes a blob; removing a missing blob is not an error.
	Remove(name string) error
}

func newBlobName() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// memBlobs keeps blobs in memory.
type memBlobs struct {
	mu sync.RWMutex
	m  map[string][]byte
}

func newMemBlobs() *memBlobs { return &memBlobs{m: map[string][]byte{}} }

type memBlob struct{ *bytes.Reader }

func (memBlob) Close() error { return nil }

func (s *memBlobs) Write(r io.Reader) (string, int64, error) {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return "", 0, err
	}
	name := newBlobName()
	s.mu.Lock()
	s.m[name] = buf.Bytes()
	s.mu.Unlock()
	return name, int64(buf.Len()), nil
}

func (s *memBlobs) Open(name string) (blob, error) {
	s.mu.RLock()
	b, ok := s.m[name]
	s.mu.RUnlock()
	if !ok {
		return nil, os.ErrNotExist
	}
	return memBlob{bytes.NewReader(b)}, nil
}

func (s *memBlobs) Remove(name string) error {
	s.mu.Lock()
	delete(s.m, name)
	s.mu.Unlock()
	return nil
}

// diskBlobs keeps large blobs as files: written to a temporary file,
// fsynced, and renamed into place, so a blob that exists is complete.
// Concurrent writers share the directory fsync that makes their renames
// durable. Small blobs are inline: their bytes are in the store's journal,
// in the record that committed them, named "@N" (see inlineBlobs).
type diskBlobs struct {
	dir    string
	dirs   *fsutil.Dirs
	inline *inlineBlobs
}

func newDiskBlobs(dir string, dirs *fsutil.Dirs) (*diskBlobs, error) {
	if err := fsutil.MkdirAll(dir); err != nil {
		return nil, err
	}
	return &diskBlobs{dir: dir, dirs: dirs, inline: &inlineBlobs{spans: map[string]span{}}}, nil
}

type fileBlob struct {
	*os.File
	size int64
}

func (f fileBlob) Size() int64 { return f.size }

func (s *diskBlobs) path(name string) string { return filepath.Join(s.dir, name+".blob") }

func (s *diskBlobs) Write(r io.Reader) (string, int64, error) {
	name := newBlobName()
	var n int64
	err := fsutil.ReplaceFrom(s.dirs, s.path(name), func(w io.Writer) error {
		var err error
		n, err = copyBody(w, r, -1)
		return err
	})
	if err != nil {
		return "", 0, err
	}
	return name, n, nil
}

func (s *diskBlobs) Open(name string) (blob, error) {
	if isInline(name) {
		return s.inline.open(name)
	}
	f, err := os.Open(s.path(name))
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return fileBlob{File: f, size: st.Size()}, nil
}

func (s *diskBlobs) Remove(name string) error {
	if isInline(name) {
		s.inline.remove(name)
		return nil
	}
	err := os.Remove(s.path(name))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// sweep removes blobs no metadata refers to (and temporary files left by a
// crash): they were never acknowledged.
func (s *diskBlobs) sweep(live map[string]bool) error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, ".tmp-") || (strings.HasSuffix(n, ".blob") && !live[strings.TrimSuffix(n, ".blob")]) {
			os.Remove(filepath.Join(s.dir, n))
		}
	}
	return nil
}

// copyBufs recycles the buffers bodies are streamed through: a GetObject
// of 1 KiB must not allocate 256 KiB.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// copyBody copies r to w through a pooled buffer, sized down for small
// bodies.
func copyBody(w io.Writer, r io.Reader, size int64) (int64, error) {
	if size >= 0 && size < 32<<10 {
		return io.CopyBuffer(w, r, make([]byte, max(size, 512)))
	}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	return io.CopyBuffer(w, r, *bp)
}

// isInline reports whether a blob name is an inline blob's.
func isInline(name string) bool { return strings.HasPrefix(name, "@") }

// span is where an inline blob's bytes are in the journal file.
type span struct{ off, n int64 }

// inlineBlobs reads inline blobs from the journal file in place. Names
// are stable ("@1", "@2", ...) while compaction moves the bytes: it swaps
// in the new spans and a reader of the new file, and the old file stays
// open until the last blob opened on it is closed.
type inlineBlobs struct {
	mu    sync.Mutex
	spans map[string]span
	next  uint64
	file  *journalFile
}

// journalFile is a read-only handle on one version of the journal file.
type journalFile struct {
	f       *os.File
	refs    int  // blobs open on it, guarded by inlineBlobs.mu
	retired bool // replaced by a compaction
}

// add names the bytes at sp.
func (s *inlineBlobs) add(off, n int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	name := "@" + strconv.FormatUint(s.next, 10)
	s.spans[name] = span{off, n}
	return name
}

func (s *inlineBlobs) remove(name string) {
	s.mu.Lock()
	delete(s.spans, name)
	s.mu.Unlock()
}

// keep forgets every inline blob not in live (bytes of overwritten or
// deleted objects, found when the journal is replayed).
func (s *inlineBlobs) keep(live map[string]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for n := range s.spans {
		if !live[n] {
			delete(s.spans, n)
		}
	}
}

// reopen opens the journal at path for reading, the file later opens
// read from.
func (s *inlineBlobs) reopen(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retire()
	s.file = &journalFile{f: f}
	return nil
}

// replace switches to the compacted journal at path, where the blobs of
// moved are now.
// The new file and the new spans take effect together, under one hold of
// mu: an open between the two would read the new file at an old offset.
func (s *inlineBlobs) replace(path string, moved map[string]span) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retire()
	s.file = &journalFile{f: f}
	for n := range s.spans {
		if sp, ok := moved[n]; ok {
			s.spans[n] = sp
		} else {
			delete(s.spans, n)
		}
	}
	return nil
}

// retire marks the current file replaced, closing it if no blob is open
// on it. Callers hold mu.
func (s *inlineBlobs) retire() {
	if s.file == nil {
		return
	}
	s.file.retired = true
	if s.file.refs == 0 {
		s.file.f.Close()
	}
	s.file = nil
}

// close closes the journal file once no blob is open on it.
func (s *inlineBlobs) close() {
	s.mu.Lock()
	s.retire()
	s.mu.Unlock()
}

type inlineBlob struct {
	*io.SectionReader
	s    *inlineBlobs
	file *journalFile
	once sync.Once
}

func (b *inlineBlob) Close() error {
	b.once.Do(func() {
		b.s.mu.Lock()
		defer b.s.mu.Unlock()
		if b.file.refs--; b.file.refs == 0 && b.file.retired {
			b.file.f.Close()
		}
	})
	return nil
}

func (s *inlineBlobs) open(name string) (blob, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, ok := s.spans[name]
	if !ok || s.file == nil {
		return nil, os.ErrNotExist
	}
	s.file.refs++
	return &inlineBlob{SectionReader: io.NewSectionReader(s.file.f, sp.off, sp.n), s: s, file: s.file}, nil
}

// read returns an inline blob's bytes.
func (s *inlineBlobs) read(name string) ([]byte, error) {
	bl, err := s.open(name)
	if err != nil {
		return nil, err
	}
	defer bl.Close()
	buf := make([]byte, bl.Size())
	_, err = bl.ReadAt(buf, 0)
	if errors.Is(err, io.EOF) && len(buf) == 0 {
		err = nil
	}
	return buf, err
}
