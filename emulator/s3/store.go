package s3

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/xacct/xacct/emulator/internal/fsutil"
	"github.com/xacct/xacct/emulator/internal/journal"
	"github.com/xacct/xacct/policy"
)

// bucketState is a bucket with its object index.
type bucketState struct {
	Bucket
	policy  *policy.Policy
	objects map[string]*Object // current versions that are not delete markers
	keys    []string           // sorted (byte order, as S3 lists UTF-8 keys)
	// versions holds the version stacks of keys with more than one
	// version or a delete marker, newest first; vkeys their sorted names
	// (versions.go).
	versions map[string][]*Object
	vkeys    []string

	// writers is held shared by every object write in flight (across its
	// fsyncs) and exclusively by DeleteBucket, so a bucket is never
	// deleted under a write whose metadata is on its way to disk.
	writers sync.RWMutex
	deleted bool // set under writers held exclusively
}

// store is the metadata of every bucket, object and upload, kept in memory
// and, with a data directory, in a journal of changes (persist.go) whose
// records are durable before the change is applied to the maps.
//
// Locking, outermost first: a bucket's writers lock (held shared by every
// write in it, exclusively by DeleteBucket and changes to all its objects),
// a named lock (an object write holds its key's; a multipart write its
// upload's, shared by part uploads, which also hold their part number's),
// commitMu (held shared from a record's journal append to its update of
// the maps, exclusively by compaction), then mu, which guards the maps and
// is never held across disk I/O by object or multipart writes. Writes of
// one key reach the journal and memory in the same order; writes of
// different keys, and parts of one upload, proceed in parallel and share
// the journal's fsyncs.
type store struct {
	mu      sync.RWMutex
	buckets map[string]*bucketState
	uploads map[string]*Upload
	blobs   blobStore
	disk    *diskBlobs // blobs on disk; nil in memory
	dir     string     // "" for memory only
	dirs    *fsutil.Dirs
	log     *slog.Logger

	j          *journal.Journal // nil in memory
	commitMu   sync.RWMutex
	compactAt  atomic.Int64 // journal size that starts a compaction
	compacting atomic.Bool
	bg         sync.WaitGroup // a compaction under way

	keysMu sync.Mutex
	keys   map[string]*keyLock
}

// keyLock serializes the writes of one bucket/key; refs counts the writers
// holding or waiting for it, so it is dropped when unused.
type keyLock struct {
	mu   sync.RWMutex
	refs int
}

func newStore(dataDir string, log *slog.Logger) (*store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &store{buckets: map[string]*bucketState{}, uploads: map[string]*Upload{}, dirs: &fsutil.Dirs{}, keys: map[string]*keyLock{}, log: log}
	if dataDir == "" {
		s.blobs = newMemBlobs()
		return s, nil
	}
	s.dir = filepath.Join(dataDir, "s3")
	if err := s.open(); err != nil {
		return nil, fmt.Errorf("s3 state: %w", err)
	}
	return s, nil
}

// close waits for a compaction under way and closes the journal.
func (s *store) close() error {
	if s.j == nil {
		return nil
	}
	s.bg.Wait()
	err := s.j.Close()
	s.disk.inline.close()
	return err
}

// lockMeta holds commitMu shared and mu until the returned unlock is
// called, for a bucket change that checks and commits under mu.
func (s *store) lockMeta() func() {
	s.commitMu.RLock()
	s.mu.Lock()
	return func() {
		s.mu.Unlock()
		s.commitMu.RUnlock()
	}
}

// saveBucket commits b's configuration; the caller holds lockMeta.
func (s *store) saveBucket(b *bucketState) error {
	bk := b.Bucket
	_, err := s.appendRecord(&record{Op: opBucket, Bucket: &bk}, nil, false)
	return err
}

// insertKey adds key to the sorted index if it is new.
func (b *bucketState) insertKey(key string) { b.keys = insertSorted(b.keys, key) }

func (b *bucketState) removeKey(key string) { b.keys = removeSorted(b.keys, key) }

// lockKey holds bucket's writers lock shared and key's lock until the
// returned unlock is called.
func (s *store) lockKey(bucket, key string) (*bucketState, func(), error) {
	return s.lockWrites(bucket, keyLockName(bucket, key), false)
}

// keyLockName names the lock of key in bucket (lockKey, and
// CompleteMultipartUpload's commit under its upload lock).
func keyLockName(bucket, key string) string { return bucket + "/" + key }

func uploadLockName(bucket, id string) string { return bucket + "\x00upload\x00" + id }

// lockUpload holds bucket's writers lock shared and the lock of upload id
// until the returned unlock is called: exclusively to create, complete or
// abort it, shared to add a part. Holding it, a caller may take a key or
// part lock with lockName (upload before key, never the other way round).
func (s *store) lockUpload(bucket, id string, shared bool) (*bucketState, func(), error) {
	return s.lockWrites(bucket, uploadLockName(bucket, id), shared)
}

func (s *store) lockWrites(bucket, name string, shared bool) (*bucketState, func(), error) {
	s.mu.RLock()
	b := s.buckets[bucket]
	s.mu.RUnlock()
	if b == nil {
		return nil, nil, errNoSuchBucket(bucket)
	}
	b.writers.RLock()
	if b.deleted {
		b.writers.RUnlock()
		return nil, nil, errNoSuchBucket(bucket)
	}
	unlock := s.lockName(name, shared)
	return b, func() {
		unlock()
		b.writers.RUnlock()
	}, nil
}

// lockName holds the named lock (shared or exclusively) until the returned
// unlock is called.
func (s *store) lockName(id string, shared bool) func() {
	s.keysMu.Lock()
	l := s.keys[id]
	if l == nil {
		l = &keyLock{}
		s.keys[id] = l
	}
	l.refs++
	s.keysMu.Unlock()
	if shared {
		l.mu.RLock()
	} else {
		l.mu.Lock()
	}
	return func() {
		if shared {
			l.mu.RUnlock()
		} else {
			l.mu.Unlock()
		}
		s.keysMu.Lock()
		if l.refs--; l.refs == 0 {
			delete(s.keys, id)
		}
		s.keysMu.Unlock()
	}
}

// commit appends rec (with body, when it is inline) to the journal and,
// once it is durable, calls apply with mu held and the name of the inline
// blob ("" when body has a blob of its own, and in memory). Nothing is
// applied when the append fails. The caller holds the locks that order
// rec with other writes of what it changes.
func (s *store) commit(rec *record, body staged, apply func(inline string)) error {
	s.commitMu.RLock()
	name, err := s.appendRecord(rec, body.data, body.inline)
	if err == nil {
		s.mu.Lock()
		apply(name)
		s.mu.Unlock()
	}
	s.commitMu.RUnlock()
	if err == nil && s.j != nil && s.j.Size() >= s.compactAt.Load() && s.compacting.CompareAndSwap(false, true) {
		s.bg.Add(1)
		go func() {
			defer s.bg.Done()
			defer s.compacting.Store(false)
			s.compactOnce()
		}()
	}
	return err
}

// putObject commits o with its body and returns the blob it replaced, for
// the caller to remove. It returns once o is durable; concurrent writers
// of other keys share its fsync.
func (s *store) putObject(bucket string, o *Object, body staged) (old string, err error) {
	return s.putObjectIf(bucket, o, body, nil)
}

// putObjectIf is putObject for a conditional write: cond, when set, is
// shown the key's current object (nil for none) under the key's lock, and
// an error from it stops the commit.
func (s *store) putObjectIf(bucket string, o *Object, body staged, cond func(*Object) error) (old string, err error) {
	b, unlock, err := s.lockKey(bucket, o.Key)
	if err != nil {
		return "", err
	}
	defer unlock()
	if cond != nil {
		s.mu.RLock()
		cur := b.objects[o.Key]
		s.mu.RUnlock()
		if err := cond(cur); err != nil {
			return "", err
		}
	}
	return s.commitObject(b, o, body, "")
}

// commitObject is putObject for a caller holding the bucket's writers lock
// shared and o's key lock. A completed multipart upload passes its id:
// the same record forgets the upload. o becomes the key's current version:
// with a new version id when the bucket's versioning is enabled, else as
// the null version (versions.go).
func (s *store) commitObject(b *bucketState, o *Object, body staged, uploadID string) (old string, err error) {
	s.mu.RLock()
	enabled := b.Versioning == VersioningEnabled
	s.mu.RUnlock()
	o.VersionID = ""
	if enabled {
		o.VersionID = newVersionID()
	}
	return s.commitVersion(b, o, body, uploadID, false)
}

// commitVersion commits o (a new current version, or with inPlace a
// metadata change of an existing version) and returns the blob it
// replaced.
func (s *store) commitVersion(b *bucketState, o *Object, body staged, uploadID string, inPlace bool) (old string, err error) {
	o.Blob = body.blob
	err = s.commit(&record{Op: opObject, Name: b.Name, Object: o, UploadID: uploadID, InPlace: inPlace}, body, func(inline string) {
		if body.inline {
			o.Blob = inline
		}
		old = b.putVersion(o, inPlace)
		if uploadID != "" {
			delete(s.uploads, uploadID)
		}
	})
	return old, err
}

// restage is an existing blob as a body to commit again with new metadata:
// an inline blob's bytes go into the new record, a blob file is kept.
func (s *store) restage(name string) (staged, error) {
	if !isInline(name) {
		return staged{blob: name}, nil
	}
	data, err := s.readBlob(name)
	return staged{data: data, inline: true, size: int64(len(data))}, err
}

// updateObject replaces the metadata of key's current version by a copy
// that change edited; it returns NoSuchKey if there is none.
func (s *store) updateObject(bucket, key string, change func(*Object)) error {
	return s.updateVersion(bucket, key, versionRef{}, change)
}

// updateVersion is updateObject for the version ref names (the current
// one when ref is not set): NoSuchVersion if there is none, 405 for a
// delete marker.
func (s *store) updateVersion(bucket, key string, ref versionRef, change func(*Object)) error {
	b, unlock, err := s.lockKey(bucket, key)
	if err != nil {
		return err
	}
	defer unlock()
	o, ok := s.lookup(bucket, key, ref)
	switch {
	case !ok && ref.set:
		return errNoSuchVersion(key, wireVersionID(ref.id))
	case !ok:
		return errNoSuchKey(key)
	case o.DeleteMarker:
		return errMarkerVersion(o)
	}
	c := *o
	change(&c)
	body, err := s.restage(o.Blob)
	if err != nil {
		return err
	}
	old, err := s.commitVersion(b, &c, body, "", true)
	if old != "" {
		s.blobs.Remove(old)
	}
	return err
}

// lockBucketWrites waits until no object write is in flight in bucket and
// holds off new ones, commitMu (shared) and mu until unlock is called, for
// a change to many objects at once.
func (s *store) lockBucketWrites(bucket string) (*bucketState, func(), error) {
	s.mu.RLock()
	b := s.buckets[bucket]
	s.mu.RUnlock()
	if b == nil {
		return nil, nil, errNoSuchBucket(bucket)
	}
	b.writers.Lock()
	unlockMeta := s.lockMeta()
	if b.deleted {
		unlockMeta()
		b.writers.Unlock()
		return nil, nil, errNoSuchBucket(bucket)
	}
	return b, func() {
		unlockMeta()
		b.writers.Unlock()
	}, nil
}

// deleteBucket deletes a bucket once no object write is in flight in it,
// if it holds no object version or delete marker (BucketNotEmpty).
// Multipart uploads in progress do not keep a bucket: they go with it,
// and their parts' blobs are removed.
func (s *store) deleteBucket(name string) error {
	b, unlock, err := s.lockBucketWrites(name)
	if err != nil {
		return err
	}
	if b.hasVersions() {
		unlock()
		return errBucketNotEmpty(name)
	}
	if _, err := s.appendRecord(&record{Op: opDeleteBucket, Name: name}, nil, false); err != nil {
		unlock()
		return err
	}
	b.deleted = true
	delete(s.buckets, name)
	gone := s.dropUploads(name)
	unlock()
	for _, u := range gone {
		for _, p := range u.Parts {
			s.blobs.Remove(p.Blob)
		}
	}
	return nil
}

// dropUploads forgets the uploads of a deleted bucket and returns them;
// the caller holds mu.
func (s *store) dropUploads(bucket string) []*Upload {
	var gone []*Upload
	for id, u := range s.uploads {
		if u.Bucket == bucket {
			gone = append(gone, u)
			delete(s.uploads, id)
		}
	}
	return gone
}

// createUpload commits a new upload.
func (s *store) createUpload(u *Upload) error {
	_, unlock, err := s.lockUpload(u.Bucket, u.ID, false)
	if err != nil {
		return err
	}
	defer unlock()
	return s.commit(uploadRecord(u), staged{}, func(string) { s.uploads[u.ID] = u })
}

// savePart commits a part with its body, replacing an earlier upload of
// the same number. Parts of one upload are committed in parallel: each
// holds the upload's lock shared and its part number's exclusively.
func (s *store) savePart(bucket, id string, p Part, body staged) error {
	_, unlock, err := s.lockUpload(bucket, id, true)
	if err != nil {
		return err
	}
	defer unlock()
	unlockPart := s.lockName(uploadLockName(bucket, id)+"\x00"+strconv.Itoa(p.Number), false)
	defer unlockPart()
	s.mu.RLock()
	u := s.uploads[id]
	s.mu.RUnlock()
	// Complete and abort hold the upload's lock exclusively: it cannot go
	// away before this part is committed.
	if u == nil || u.Bucket != bucket {
		return errNoSuchUpload(id)
	}
	p.Blob = body.blob
	var old string
	err = s.commit(&record{Op: opPart, UploadID: id, Part: &p}, body, func(inline string) {
		if body.inline {
			p.Blob = inline
		}
		u := s.uploads[id]
		if prev, ok := u.Parts[p.Number]; ok {
			old = prev.Blob
		}
		u.Parts[p.Number] = p
	})
	if old != "" {
		s.blobs.Remove(old)
	}
	return err
}

// deleteUpload forgets an upload; the caller holds its lock exclusively
// and removes its parts' blobs.
func (s *store) deleteUpload(id string) error {
	return s.commit(&record{Op: opDeleteUpload, UploadID: id}, staged{}, func(string) { delete(s.uploads, id) })
}

// bucket returns a copy of a bucket's configuration and parsed policy.
func (s *store) bucket(name string) (Bucket, *policy.Policy, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := s.buckets[name]
	if b == nil {
		return Bucket{}, nil, false
	}
	return b.Bucket, b.policy, true
}

// object returns a key's metadata.
func (s *store) object(bucket, key string) (*Object, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := s.buckets[bucket]
	if b == nil {
		return nil, false
	}
	o := b.objects[key]
	return o, o != nil
}

// allBuckets returns a copy of every bucket's configuration.
func (s *store) allBuckets() []Bucket {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Bucket, 0, len(s.buckets))
	for _, b := range s.buckets {
		out = append(out, b.Bucket)
	}
	return out
}

// addBucket commits a new bucket, unless one of that name exists: then it
// returns the existing one's configuration and commits nothing.
func (s *store) addBucket(b *bucketState) (existing *Bucket, err error) {
	defer s.lockMeta()()
	if prev := s.buckets[b.Name]; prev != nil {
		c := prev.Bucket
		return &c, nil
	}
	if err := s.saveBucket(b); err != nil {
		return nil, err
	}
	s.buckets[b.Name] = b
	return nil, nil
}

// updateBucket commits the change change makes to a bucket's
// configuration; when the commit fails the bucket is as it was.
func (s *store) updateBucket(name string, change func(*bucketState)) error {
	defer s.lockMeta()()
	bs := s.buckets[name]
	if bs == nil {
		return errNoSuchBucket(name)
	}
	oldBucket, oldPolicy := bs.Bucket, bs.policy
	change(bs)
	if err := s.saveBucket(bs); err != nil {
		bs.Bucket, bs.policy = oldBucket, oldPolicy
		return err
	}
	return nil
}

// upload returns an upload of bucket by id (nil if there is none). Its
// Parts are read through parts and pickParts.
func (s *store) upload(bucket, id string) *Upload {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.uploads[id]
	if u == nil || u.Bucket != bucket {
		return nil
	}
	return u
}

// parts returns a copy of an upload's parts, by part number.
func (s *store) parts(id string) []Part {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.uploads[id]
	if u == nil {
		return nil
	}
	out := make([]Part, 0, len(u.Parts))
	for _, p := range u.Parts {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// uploadsIn returns the uploads of bucket.
func (s *store) uploadsIn(bucket string) []*Upload {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var us []*Upload
	for _, u := range s.uploads {
		if u.Bucket == bucket {
			us = append(us, u)
		}
	}
	return us
}

// takeOwnership makes the bucket owner the owner of every object version
// and upload in bucket, once no write is in flight in it. An inline
// object's bytes are committed again with its new record.
func (s *store) takeOwnership(bucket string) error {
	bs, unlock, err := s.lockBucketWrites(bucket)
	if err != nil {
		return err
	}
	var replaced []string
	defer func() {
		unlock()
		for _, n := range replaced {
			s.blobs.Remove(n)
		}
	}()
	var all []*Object
	for k, o := range bs.objects {
		if _, ok := bs.versions[k]; !ok {
			all = append(all, o)
		}
	}
	for _, vs := range bs.versions {
		all = append(all, vs...)
	}
	for _, o := range all {
		if o.Owner == bs.Owner {
			continue
		}
		c := *o
		c.Owner, c.OwnerFullControl = bs.Owner, false
		body := staged{}
		if !o.DeleteMarker {
			if body, err = s.restage(o.Blob); err != nil {
				return err
			}
		}
		c.Blob = body.blob
		name, err := s.appendRecord(&record{Op: opObject, Name: bucket, Object: &c, InPlace: true}, body.data, body.inline)
		if err != nil {
			return err
		}
		if body.inline {
			c.Blob = name
			replaced = append(replaced, o.Blob)
		}
		bs.putVersion(&c, true)
	}
	for _, u := range s.uploads {
		if u.Bucket == bucket && u.Owner != bs.Owner {
			c := *u
			c.Owner = bs.Owner
			if _, err := s.appendRecord(uploadRecord(&c), nil, false); err != nil {
				return err
			}
			s.uploads[u.ID] = &c
		}
	}
	return nil
}
