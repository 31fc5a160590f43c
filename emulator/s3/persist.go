package s3

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"

	"github.com/xacct/xacct/emulator/internal/fsutil"
	"github.com/xacct/xacct/emulator/internal/journal"
	"github.com/xacct/xacct/policy"
)

// With a data directory, every change to buckets, objects and uploads is
// one record appended to DataDir/s3/s3.journal (emulator/internal/journal:
// framed, checksummed, fsynced before the change is acknowledged, and
// group-committed, so concurrent writers share one fsync). The bytes of a
// body of up to inlineMax bytes travel in the record that commits it and
// are read back from the journal in place; a larger body is a file of
// its own under DataDir/s3/blobs, written and fsynced before the record
// naming it is appended. The state is rebuilt at open by replaying the
// journal; compaction rewrites it with only the live records once it has
// grown to twice its size after the last compaction (and at least
// compactMin). The layout is described in docs/emulator.md, "The data
// directory".

// inlineMax is the largest body kept in the journal rather than in a blob
// file of its own.
const inlineMax = 64 << 10

// compactMin is the journal size below which it is never compacted.
const compactMin = 64 << 20

// Record operations.
const (
	opBucket       = "bucket"        // Bucket created or changed
	opDeleteBucket = "delete-bucket" // Name
	opObject       = "object"        // Name, Object (+ data); UploadID: the upload it completes; InPlace: a metadata change
	opDeleteObject = "delete-object" // Name, Key, VersionID ("": the null version)
	opUpload       = "upload"        // Upload without its parts
	opDeleteUpload = "delete-upload" // UploadID
	opPart         = "part"          // UploadID, Part (+ data)
)

// record is one change in the journal. Its payload is the record's JSON
// length (uint32 LE), the JSON, then the body bytes committed with it, if
// any: an Object or Part whose Blob is "" has its bytes there.
type record struct {
	Op       string
	Name     string  `json:",omitempty"`
	Key      string  `json:",omitempty"`
	UploadID string  `json:",omitempty"`
	Bucket   *Bucket `json:",omitempty"`
	Object   *Object `json:",omitempty"`
	Upload   *Upload `json:",omitempty"`
	Part     *Part   `json:",omitempty"`
	// VersionID names the version an opDeleteObject removes ("" the null
	// version, the only one a journal written before versioning has).
	VersionID string `json:",omitempty"`
	// InPlace marks an opObject that changes an existing version's
	// metadata rather than adding a current version.
	InPlace bool `json:",omitempty"`
}

// encodeRecord returns rec's payload and the offset of data in it.
func encodeRecord(rec *record, data []byte) ([]byte, int64, error) {
	meta, err := journal.Marshal(rec)
	if err != nil {
		return nil, 0, err
	}
	p := make([]byte, 4, 4+len(meta)+len(data))
	binary.LittleEndian.PutUint32(p, uint32(len(meta)))
	p = append(append(p, meta...), data...)
	return p, int64(4 + len(meta)), nil
}

// decodeRecord splits a payload into its record and data.
func decodeRecord(p []byte) (*record, []byte, int64, error) {
	if len(p) < 4 {
		return nil, nil, 0, errors.New("short record")
	}
	n := int64(binary.LittleEndian.Uint32(p))
	if n > int64(len(p))-4 {
		return nil, nil, 0, errors.New("record length past its end")
	}
	rec := new(record)
	if err := json.Unmarshal(p[4:4+n], rec); err != nil {
		return nil, nil, 0, err
	}
	return rec, p[4+n:], 4 + n, nil
}

// uploadRecord is an upload's record: its parts are records of their own.
func uploadRecord(u *Upload) *record {
	c := *u
	c.Parts = nil
	return &record{Op: opUpload, Upload: &c}
}

func (s *store) journalPath() string { return filepath.Join(s.dir, "s3.journal") }

// open loads the data directory: it converts an earlier version's layout
// (one JSON file per bucket, object and upload) into the journal, replays
// the journal, and removes blob files nothing refers to.
func (s *store) open() error {
	db, err := newDiskBlobs(filepath.Join(s.dir, "blobs"), s.dirs)
	if err != nil {
		return err
	}
	s.blobs, s.disk = db, db
	if err := s.migrate(); err != nil {
		return err
	}
	var bad int
	j, err := journal.OpenOffsets(s.journalPath(), journal.Options{Log: s.log}, func(off int64, p []byte) error {
		rec, data, dataOff, err := decodeRecord(p)
		if err != nil {
			bad++
			return nil
		}
		name := ""
		if (rec.Object != nil && rec.Object.Blob == "" && !rec.Object.DeleteMarker) || (rec.Part != nil && rec.Part.Blob == "") {
			name = db.inline.add(off+dataOff, int64(len(data)))
		}
		if !s.apply(rec, name) {
			bad++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if bad > 0 {
		// Records are checksummed, so this is a record this version does
		// not understand; the data dir still opens.
		s.log.Warn("s3: skipped journal records that do not apply", slog.Int("records", bad))
	}
	s.j = j
	if err := db.inline.reopen(s.journalPath()); err != nil {
		j.Close()
		return err
	}
	live := map[string]bool{}
	for _, b := range s.buckets {
		for _, o := range b.objects {
			live[o.Blob] = true
		}
		for _, vs := range b.versions {
			for _, o := range vs {
				if !o.DeleteMarker {
					live[o.Blob] = true
				}
			}
		}
	}
	for _, u := range s.uploads {
		for _, p := range u.Parts {
			live[p.Blob] = true
		}
	}
	db.inline.keep(live)
	s.compactAt.Store(max(compactMin, 2*j.Size()))
	return db.sweep(live)
}

// apply replays one record onto the maps. It reports false for a record
// that does not fit the state (which a journal this version wrote never
// holds).
func (s *store) apply(rec *record, inline string) bool {
	switch rec.Op {
	case opBucket:
		if rec.Bucket == nil {
			return false
		}
		b := s.buckets[rec.Bucket.Name]
		if b == nil {
			b = &bucketState{objects: map[string]*Object{}}
			s.buckets[rec.Bucket.Name] = b
		}
		b.Bucket, b.policy = *rec.Bucket, nil
		if b.Policy != "" {
			b.policy, _ = policy.Parse(b.Policy, policy.KindResource)
		}
	case opDeleteBucket:
		delete(s.buckets, rec.Name)
		s.dropUploads(rec.Name)
	case opObject:
		b := s.buckets[rec.Name]
		if b == nil || rec.Object == nil {
			return false
		}
		o := rec.Object
		if o.Blob == "" && !o.DeleteMarker {
			o.Blob = inline
		}
		b.putVersion(o, rec.InPlace)
		if rec.UploadID != "" {
			delete(s.uploads, rec.UploadID)
		}
	case opDeleteObject:
		b := s.buckets[rec.Name]
		if b == nil {
			return false
		}
		b.removeVersion(rec.Key, rec.VersionID)
	case opUpload:
		if rec.Upload == nil {
			return false
		}
		u := rec.Upload
		u.Parts = map[int]Part{}
		if prev := s.uploads[u.ID]; prev != nil {
			u.Parts = prev.Parts
		}
		s.uploads[u.ID] = u
	case opDeleteUpload:
		delete(s.uploads, rec.UploadID)
	case opPart:
		u := s.uploads[rec.UploadID]
		if u == nil || rec.Part == nil {
			return false
		}
		p := *rec.Part
		if p.Blob == "" {
			p.Blob = inline
		}
		u.Parts[p.Number] = p
	default:
		return false
	}
	return true
}

// appendRecord appends rec with data to the journal and returns the name
// of the inline blob holding data when inline is set ("" otherwise, and
// in memory). The
// caller holds commitMu shared. It returns nil only once the record is
// durable; on error nothing of it is in the journal.
func (s *store) appendRecord(rec *record, data []byte, inline bool) (string, error) {
	if s.j == nil {
		return "", nil
	}
	p, dataOff, err := encodeRecord(rec, data)
	if err != nil {
		return "", err
	}
	offs, err := s.j.AppendOffsets(p)
	if err != nil {
		return "", err
	}
	if !inline {
		return "", nil
	}
	return s.disk.inline.add(offs[0]+dataOff, int64(len(data))), nil
}

// compactOnce runs a compaction that a commit found due (in the
// background). A failed compaction (a full disk) leaves the journal as it
// was and is tried again once the journal has grown as much again.
func (s *store) compactOnce() {
	if err := s.compact(); err != nil {
		s.log.Warn("s3: journal compaction failed; the journal is unchanged", slog.Any("error", err))
		s.compactAt.Store(max(compactMin, 2*s.j.Size()))
	}
}

// compact rewrites the journal with one record per live bucket, object,
// upload and part. It holds commitMu exclusively, so no write is between
// its journal append and its update of the maps; reads go on.
func (s *store) compact() error {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	s.mu.RLock()
	defer s.mu.RUnlock()
	moved := map[string]span{}
	err := s.j.RewriteOffsets(func(add func([]byte) (int64, error)) error {
		return s.writeState(func(rec *record, blob string) error {
			var data []byte
			if isInline(blob) {
				var err error
				if data, err = s.disk.inline.read(blob); err != nil {
					return err
				}
			}
			p, dataOff, err := encodeRecord(rec, data)
			if err != nil {
				return err
			}
			off, err := add(p)
			if err == nil && isInline(blob) {
				moved[blob] = span{off + dataOff, int64(len(data))}
			}
			return err
		})
	})
	if err != nil {
		return err
	}
	s.compactAt.Store(max(compactMin, 2*s.j.Size()))
	return s.disk.inline.replace(s.journalPath(), moved)
}

// writeState calls add with a record for every bucket, object, upload and
// part, in an order that replays to the same state; blob is the object's
// or part's blob, whose bytes go into the record when it is inline.
// Callers hold mu.
func (s *store) writeState(add func(rec *record, blob string) error) error {
	names := make([]string, 0, len(s.buckets))
	for n := range s.buckets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b := s.buckets[n]
		bk := b.Bucket
		if err := add(&record{Op: opBucket, Bucket: &bk}, ""); err != nil {
			return err
		}
		addObject := func(o Object) error {
			blob := o.Blob
			if isInline(blob) {
				o.Blob = ""
			}
			return add(&record{Op: opObject, Name: n, Object: &o}, blob)
		}
		for _, k := range b.keys {
			if _, ok := b.versions[k]; ok {
				continue
			}
			if err := addObject(*b.objects[k]); err != nil {
				return err
			}
		}
		// A stack replays oldest first: each version goes on top.
		for _, k := range b.vkeys {
			vs := b.versions[k]
			for i := len(vs) - 1; i >= 0; i-- {
				if err := addObject(*vs[i]); err != nil {
					return err
				}
			}
		}
	}
	for _, u := range s.uploads {
		if err := add(uploadRecord(u), ""); err != nil {
			return err
		}
		for _, p := range u.Parts {
			blob := p.Blob
			if isInline(blob) {
				p.Blob = ""
			}
			if err := add(&record{Op: opPart, UploadID: u.ID, Part: &p}, blob); err != nil {
				return err
			}
		}
	}
	return nil
}

// Legacy layout (before the journal): one JSON file per bucket, object and
// upload, every blob a file.
var legacyDirs = []string{"buckets", "objects", "uploads"}

// migrate converts the legacy layout into a journal: the state is read,
// written as a new journal (atomically), and only then are the old files
// removed. A crash in between leaves the journal, and the next open
// removes the old files.
func (s *store) migrate() error {
	present := false
	for _, d := range legacyDirs {
		if _, err := os.Stat(filepath.Join(s.dir, d)); err == nil {
			present = true
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if !present {
		return nil
	}
	if _, err := os.Stat(s.journalPath()); errors.Is(err, fs.ErrNotExist) {
		if err := s.loadLegacy(); err != nil {
			return fmt.Errorf("s3 state of an earlier version: %w", err)
		}
		_, err := journal.WriteFile(s.journalPath(), func(add func([]byte) error) error {
			return s.writeState(func(rec *record, _ string) error {
				p, _, err := encodeRecord(rec, nil)
				if err != nil {
					return err
				}
				return add(p)
			})
		})
		if err != nil {
			return err
		}
		s.log.Info("s3: converted the data of an earlier version into the journal",
			slog.String("journal", s.journalPath()), slog.Int("buckets", len(s.buckets)))
		s.buckets, s.uploads = map[string]*bucketState{}, map[string]*Upload{}
	} else if err != nil {
		return err
	}
	for _, d := range legacyDirs {
		if err := os.RemoveAll(filepath.Join(s.dir, d)); err != nil {
			return err
		}
	}
	return fsutil.SyncDir(s.dir)
}

func readJSONDir(dir string, each func(data []byte) error) error {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		n := e.Name()
		if filepath.Ext(n) != ".json" || n[0] == '.' {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return err
		}
		if err := each(data); err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
	}
	return nil
}

// loadLegacy reads the legacy layout into the maps.
func (s *store) loadLegacy() error {
	err := readJSONDir(filepath.Join(s.dir, "buckets"), func(data []byte) error {
		var b Bucket
		if err := json.Unmarshal(data, &b); err != nil {
			return err
		}
		s.apply(&record{Op: opBucket, Bucket: &b}, "")
		return nil
	})
	if err != nil {
		return err
	}
	for _, b := range s.buckets {
		err := readJSONDir(filepath.Join(s.dir, "objects", b.Name), func(data []byte) error {
			o := new(Object)
			if err := json.Unmarshal(data, o); err != nil {
				return err
			}
			b.objects[o.Key] = o
			b.keys = append(b.keys, o.Key)
			return nil
		})
		if err != nil {
			return err
		}
		sort.Strings(b.keys)
	}
	return readJSONDir(filepath.Join(s.dir, "uploads"), func(data []byte) error {
		u := new(Upload)
		if err := json.Unmarshal(data, u); err != nil {
			return err
		}
		if u.Parts == nil {
			u.Parts = map[int]Part{}
		}
		s.uploads[u.ID] = u
		return nil
	})
}

// readBlob reads a whole blob (to carry an inline blob's bytes into a
// new record).
func (s *store) readBlob(name string) ([]byte, error) {
	bl, err := s.blobs.Open(name)
	if err != nil {
		return nil, err
	}
	defer bl.Close()
	buf := make([]byte, bl.Size())
	_, err = io.ReadFull(io.NewSectionReader(bl, 0, bl.Size()), buf)
	return buf, err
}
