// Package journal is the append-only record file every emulated service
// that appends (CloudWatch metric data, STS sessions, CloudWatch Logs
// streams) keeps under the data directory.
//
// A journal file starts with an 8-byte header and holds framed records:
//
//	header  "XJRNL1\n\x00"
//	record  length uint32 LE | CRC-32C of payload uint32 LE | payload
//
// so a torn or partial record is detected whatever the payload holds (no
// line-length limit, no escaping). Append writes its records, fsyncs, and
// only then returns nil; when the write or the fsync fails the file is cut
// back to the last good record before the error is returned, so a write
// that was not acknowledged leaves nothing behind. Appends are
// group-committed: the records of callers that arrive while a write and
// fsync are under way are written together by the next one, so concurrent
// writers share one fsync (and, if it fails, all of them get the error).
// Open replays every good record and truncates a torn tail (a crash or a
// full disk during an append that was never acknowledged), reporting what
// it dropped.
//
// A store that keeps bytes in the journal and reads them back in place
// (S3's small objects) uses the offset-aware forms: OpenOffsets,
// AppendOffsets and RewriteOffsets give each payload's position in the
// file.
//
// Usage:
//
//	j, err := journal.Open(path, journal.Options{Log: log}, func(rec []byte) error {
//		return apply(rec)
//	})
//	...
//	err = j.AppendJSON(v) // durable when it returns nil
package journal

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/xacct/xacct/emulator/internal/fsutil"
)

// Header is the first bytes of every journal file.
const Header = "XJRNL1\n\x00"

// frameSize is the length and checksum before each payload.
const frameSize = 8

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrNotJournal is returned by Open and Read for a file whose header is
// complete but is not a journal's.
var ErrNotJournal = errors.New("not a journal file")

// Options configures Open.
type Options struct {
	// Log receives a warning when Open drops a torn tail; nil discards.
	Log *slog.Logger
}

// Journal is an open journal file. Its methods are safe for concurrent use.
type Journal struct {
	mu   sync.Mutex
	cond *sync.Cond // signalled when a batch is done
	path string
	f    *os.File
	size int64 // length of the file up to the last good record
	// dirty is set when a failed append could not be cut back; the next
	// append retries the truncation before writing.
	dirty bool
	log   *slog.Logger
	// pending collects the records of appends waiting for the next write;
	// flushing is set while one caller writes and fsyncs a batch outside
	// mu (it alone touches the file then).
	pending  *batch
	flushing bool
}

// batch is the records of the appends that share one write and fsync.
type batch struct {
	buf  bytes.Buffer
	done bool
	base int64 // file offset of buf once written
	err  error
}

// Dropped describes what Read or Open found after the last good record.
type Dropped struct {
	// Offset is where the bad bytes start, Bytes how many there are.
	Offset, Bytes int64
	// Reason says why the tail is not a record.
	Reason string
}

// Read calls fn with the payload of every good record in r, in order, and
// returns the offset just past the last good one and, when bytes follow
// it, what was dropped. A short header counts as an empty journal. fn's
// payload is only valid during the call. An error from fn stops the read
// and is returned.
func Read(r io.Reader, fn func(payload []byte) error) (good int64, dropped *Dropped, err error) {
	return ReadOffsets(r, func(_ int64, p []byte) error { return fn(p) })
}

// ReadOffsets is Read whose fn also gets the offset of the payload in r.
func ReadOffsets(r io.Reader, fn func(off int64, payload []byte) error) (good int64, dropped *Dropped, err error) {
	br := &countReader{r: r}
	hdr := make([]byte, len(Header))
	n, err := io.ReadFull(br, hdr)
	switch {
	case errors.Is(err, io.EOF):
		return 0, nil, nil
	case errors.Is(err, io.ErrUnexpectedEOF):
		if string(hdr[:n]) != Header[:n] {
			return 0, nil, ErrNotJournal
		}
		return 0, &Dropped{Offset: 0, Bytes: int64(n), Reason: "torn header"}, nil
	case err != nil:
		return 0, nil, err
	}
	if string(hdr) != Header {
		return 0, nil, ErrNotJournal
	}
	good = int64(len(Header))
	var frame [frameSize]byte
	var buf bytes.Buffer
	for {
		_, err := io.ReadFull(br, frame[:])
		if errors.Is(err, io.EOF) {
			return good, nil, nil
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return good, drop(br, good, "torn record header"), nil
		}
		if err != nil {
			return good, nil, err
		}
		length := int64(binary.LittleEndian.Uint32(frame[0:4]))
		sum := binary.LittleEndian.Uint32(frame[4:8])
		buf.Reset()
		// CopyN grows the buffer as bytes arrive, so a garbage length
		// does not allocate more than the file holds.
		m, err := io.CopyN(&buf, br, length)
		if err != nil && !errors.Is(err, io.EOF) {
			return good, nil, err
		}
		if m < length {
			return good, drop(br, good, fmt.Sprintf("torn record: %d of %d bytes", m, length)), nil
		}
		if crc32.Checksum(buf.Bytes(), castagnoli) != sum {
			return good, drop(br, good, "record checksum mismatch"), nil
		}
		if err := fn(good+frameSize, buf.Bytes()); err != nil {
			return good, nil, err
		}
		good += frameSize + length
	}
}

// drop reads the rest of r and describes the bytes from good on.
func drop(br *countReader, good int64, reason string) *Dropped {
	io.Copy(io.Discard, br)
	return &Dropped{Offset: good, Bytes: br.n - good, Reason: reason}
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Open opens or creates the journal at path, calls fn with every good
// record, truncates a torn tail (logging what it dropped: bytes of an
// append that was never acknowledged) and returns the journal ready for
// appends. The directory is created if needed.
func Open(path string, opts Options, fn func(payload []byte) error) (*Journal, error) {
	return OpenOffsets(path, opts, func(_ int64, p []byte) error { return fn(p) })
}

// OpenOffsets is Open whose fn also gets the file offset of each payload.
func OpenOffsets(path string, opts Options, fn func(off int64, payload []byte) error) (*Journal, error) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir := filepath.Dir(path)
	if err := fsutil.MkdirAll(dir); err != nil {
		return nil, err
	}
	_, statErr := os.Stat(path)
	created := errors.Is(statErr, fs.ErrNotExist)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	j := &Journal{path: path, f: f, log: log}
	j.cond = sync.NewCond(&j.mu)
	good, dropped, err := ReadOffsets(f, fn)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	if dropped != nil {
		log.Warn("journal: dropped the torn tail of an append that was never acknowledged",
			slog.String("file", path), slog.Int64("offset", dropped.Offset),
			slog.Int64("bytes", dropped.Bytes), slog.String("reason", dropped.Reason))
	}
	if good == 0 {
		// New, empty or torn header: write a fresh header.
		if err := f.Truncate(0); err != nil {
			f.Close()
			return nil, err
		}
		if _, err := f.WriteAt([]byte(Header), 0); err != nil {
			f.Truncate(0)
			f.Close()
			return nil, fmt.Errorf("journal %s: %w", path, err)
		}
		good = int64(len(Header))
	} else if dropped != nil {
		if err := f.Truncate(good); err != nil {
			f.Close()
			return nil, fmt.Errorf("journal %s: truncate torn tail: %w", path, err)
		}
	}
	j.size = good
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	if created {
		if err := fsutil.SyncDir(dir); err != nil {
			f.Close()
			return nil, err
		}
	}
	return j, nil
}

// Path returns the journal's file name.
func (j *Journal) Path() string { return j.path }

// Append writes payloads as records and fsyncs them. It returns nil only
// once they are durable; on error none of them is in the file (it is cut
// back to the last good record) and the caller must not acknowledge them.
// Concurrent appends share a write and an fsync (group commit).
func (j *Journal) Append(payloads ...[]byte) error {
	_, err := j.AppendOffsets(payloads...)
	return err
}

// AppendOffsets is Append returning the file offset of each payload.
func (j *Journal) AppendOffsets(payloads ...[]byte) ([]int64, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil, fmt.Errorf("journal %s: closed", j.path)
	}
	b := j.pending
	if b == nil {
		b = &batch{}
		j.pending = b
	}
	offs := make([]int64, len(payloads))
	for i, p := range payloads {
		offs[i] = int64(b.buf.Len()) + frameSize
		Frame(&b.buf, p)
	}
	for !b.done {
		if j.flushing {
			j.cond.Wait()
			continue
		}
		j.flush()
	}
	if b.err != nil {
		return nil, b.err
	}
	for i := range offs {
		offs[i] += b.base
	}
	return offs, nil
}

// flush writes and fsyncs the pending batch for every caller in it. It is
// called with mu held and no flush under way, and releases mu while the
// file is written, so that later appends gather into the next batch.
func (j *Journal) flush() {
	b := j.pending
	j.pending = nil
	defer func() {
		b.done = true
		j.cond.Broadcast()
	}()
	if j.f == nil {
		b.err = fmt.Errorf("journal %s: closed", j.path)
		return
	}
	if j.dirty {
		if err := j.rollback(); err != nil {
			b.err = err
			return
		}
	}
	j.flushing = true
	f, base := j.f, j.size
	j.mu.Unlock()
	_, err := f.WriteAt(b.buf.Bytes(), base)
	if err == nil {
		err = f.Sync()
	}
	j.mu.Lock()
	j.flushing = false
	if err != nil {
		j.rollback()
		b.err = fmt.Errorf("journal %s: %w", j.path, err)
		return
	}
	b.base = base
	j.size += int64(b.buf.Len())
}

// idle waits, with mu held, until no batch is being written.
func (j *Journal) idle() {
	for j.flushing {
		j.cond.Wait()
	}
}

// Size returns the length of the file up to the last good record.
func (j *Journal) Size() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.size
}

// rollback cuts the file back to the last good record. Callers hold j.mu.
func (j *Journal) rollback() error {
	j.dirty = true
	if err := j.f.Truncate(j.size); err != nil {
		return fmt.Errorf("journal %s: cut back a failed append: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("journal %s: cut back a failed append: %w", j.path, err)
	}
	j.dirty = false
	return nil
}

// AppendJSON appends v encoded as JSON without HTML escaping.
func (j *Journal) AppendJSON(vs ...any) error {
	payloads := make([][]byte, len(vs))
	for i, v := range vs {
		b, err := Marshal(v)
		if err != nil {
			return err
		}
		payloads[i] = b
	}
	return j.Append(payloads...)
}

// Rewrite replaces the journal's contents atomically with the records
// write adds (a compaction): a new file is written, fsynced and renamed
// over the old one. On error the journal is unchanged. Appends waiting
// while it runs go into the new file after it.
func (j *Journal) Rewrite(write func(add func(payload []byte) error) error) error {
	return j.RewriteOffsets(func(add func(payload []byte) (int64, error)) error {
		return write(func(p []byte) error { _, err := add(p); return err })
	})
}

// RewriteOffsets is Rewrite whose add returns the offset of the payload
// in the new file.
func (j *Journal) RewriteOffsets(write func(add func(payload []byte) (int64, error)) error) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.idle()
	if j.f == nil {
		return fmt.Errorf("journal %s: closed", j.path)
	}
	size, err := writeFile(j.path, write)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(j.path, os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	j.f.Close()
	j.f, j.size, j.dirty = f, size, false
	return nil
}

// WriteFile atomically replaces path with a journal holding the records
// write adds, and returns its size. On error path is left as it was.
func WriteFile(path string, write func(add func(payload []byte) error) error) (int64, error) {
	return writeFile(path, func(add func(payload []byte) (int64, error)) error {
		return write(func(p []byte) error { _, err := add(p); return err })
	})
}

func writeFile(path string, write func(add func(payload []byte) (int64, error)) error) (int64, error) {
	var size int64
	err := fsutil.WriteFrom(path, func(w io.Writer) error {
		cw := &countWriter{w: w}
		if _, err := io.WriteString(cw, Header); err != nil {
			return err
		}
		var b bytes.Buffer
		err := write(func(p []byte) (int64, error) {
			b.Reset()
			Frame(&b, p)
			off := cw.n + frameSize
			_, err := cw.Write(b.Bytes())
			return off, err
		})
		size = cw.n
		return err
	})
	return size, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Frame appends payload to b as one record.
func Frame(b *bytes.Buffer, payload []byte) {
	var frame [frameSize]byte
	binary.LittleEndian.PutUint32(frame[0:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(frame[4:8], crc32.Checksum(payload, castagnoli))
	b.Write(frame[:])
	b.Write(payload)
}

// Marshal encodes v as JSON without HTML escaping (a message of '<'
// stays one byte per character) and without a trailing newline.
func Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Close writes the appends already waiting and closes the file. Appends
// after Close fail.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.flushing || j.pending != nil {
		if j.flushing {
			j.cond.Wait()
			continue
		}
		j.flush()
	}
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// Remove closes the journal and deletes its file durably.
func (j *Journal) Remove() error {
	j.Close()
	return removeDurably(j.path)
}
