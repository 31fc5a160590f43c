package s3

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
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

// diskBlobs keeps blobs as files: written to a temporary file, fsynced, and
// renamed into place, so a blob that exists is complete.
// Concurrent writers share the directory fsync that makes their renames
// durable.
type diskBlobs struct {
	dir  string
	dirs *fsutil.Dirs
}

func newDiskBlobs(dir string, dirs *fsutil.Dirs) (*diskBlobs, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &diskBlobs{dir: dir, dirs: dirs}, nil
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
