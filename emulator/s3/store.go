package s3

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/xacct/xacct/emulator/internal/fsutil"
	"github.com/xacct/xacct/policy"
)

// bucketState is a bucket with its object index.
type bucketState struct {
	Bucket
	policy  *policy.Policy
	objects map[string]*Object
	keys    []string // sorted (byte order, as S3 lists UTF-8 keys)

	// writers is held shared by every object write in flight (across its
	// fsyncs) and exclusively by DeleteBucket, so a bucket is never
	// deleted under a write whose metadata is on its way to disk.
	writers sync.RWMutex
	deleted bool // set under writers held exclusively
}

// store is the metadata of every bucket, object and upload, kept in memory
// and, with a data directory, as JSON files written atomically after the
// bytes they describe are durable.
//
// Locking: mu guards the maps and is never held across disk I/O by object
// or multipart writes. An object write holds its bucket's writers lock shared and its
// key's lock across writing and fsyncing its metadata and updating the
// maps, so writes of one key reach the disk and memory in the same order
// while writes of different keys proceed in parallel and share directory
// fsyncs (dirs). A multipart write (create, part, complete, abort) holds
// its bucket's writers lock shared and its upload's lock the same way, so
// parts of different uploads are committed in parallel and an upload's
// record is rewritten by one writer at a time.
type store struct {
	mu      sync.RWMutex
	buckets map[string]*bucketState
	uploads map[string]*Upload
	blobs   blobStore
	dir     string // "" for memory only
	dirs    *fsutil.Dirs

	keysMu sync.Mutex
	keys   map[string]*keyLock
}

// keyLock serializes the writes of one bucket/key; refs counts the writers
// holding or waiting for it, so it is dropped when unused.
type keyLock struct {
	mu   sync.Mutex
	refs int
}

func newStore(dataDir string) (*store, error) {
	s := &store{buckets: map[string]*bucketState{}, uploads: map[string]*Upload{}, dirs: &fsutil.Dirs{}, keys: map[string]*keyLock{}}
	if dataDir == "" {
		s.blobs = newMemBlobs()
		return s, nil
	}
	s.dir = filepath.Join(dataDir, "s3")
	db, err := newDiskBlobs(filepath.Join(s.dir, "blobs"), s.dirs)
	if err != nil {
		return nil, err
	}
	s.blobs = db
	if err := s.load(); err != nil {
		return nil, fmt.Errorf("s3 state: %w", err)
	}
	live := map[string]bool{}
	for _, b := range s.buckets {
		for _, o := range b.objects {
			live[o.Blob] = true
		}
	}
	for _, u := range s.uploads {
		for _, p := range u.Parts {
			live[p.Blob] = true
		}
	}
	return s, db.sweep(live)
}

func keyFile(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:]) + ".json"
}

func (s *store) bucketFile(name string) string  { return filepath.Join(s.dir, "buckets", name+".json") }
func (s *store) objectDir(bucket string) string { return filepath.Join(s.dir, "objects", bucket) }
func (s *store) uploadFile(id string) string    { return filepath.Join(s.dir, "uploads", id+".json") }

// writeJSON replaces path with v's JSON durably.
func (s *store) writeJSON(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return fsutil.Replace(s.dirs, path, data)
}

func (s *store) removeDurably(path string) error {
	return fsutil.Remove(s.dirs, path)
}

func (s *store) saveBucket(b *bucketState) error {
	if s.dir == "" {
		return nil
	}
	return s.writeJSON(s.bucketFile(b.Name), b.Bucket)
}

func (s *store) saveObject(bucket string, o *Object) error {
	if s.dir == "" {
		return nil
	}
	return s.writeJSON(filepath.Join(s.objectDir(bucket), keyFile(o.Key)), o)
}

func (s *store) removeObjectMeta(bucket, key string) error {
	if s.dir == "" {
		return nil
	}
	return s.removeDurably(filepath.Join(s.objectDir(bucket), keyFile(key)))
}

func (s *store) saveUpload(u *Upload) error {
	if s.dir == "" {
		return nil
	}
	return s.writeJSON(s.uploadFile(u.ID), u)
}

func (s *store) removeUpload(id string) error {
	if s.dir == "" {
		return nil
	}
	return s.removeDurably(s.uploadFile(id))
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
		if !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		if err := each(data); err != nil {
			return fmt.Errorf("%s: %w", e.Name(), err)
		}
	}
	return nil
}

func (s *store) load() error {
	err := readJSONDir(filepath.Join(s.dir, "buckets"), func(data []byte) error {
		var b Bucket
		if err := json.Unmarshal(data, &b); err != nil {
			return err
		}
		bs := &bucketState{Bucket: b, objects: map[string]*Object{}}
		if b.Policy != "" {
			bs.policy, _ = policy.Parse(b.Policy, policy.KindResource)
		}
		s.buckets[b.Name] = bs
		return nil
	})
	if err != nil {
		return err
	}
	for _, b := range s.buckets {
		err := readJSONDir(s.objectDir(b.Name), func(data []byte) error {
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
		s.uploads[u.ID] = u
		return nil
	})
}

// insertKey adds key to the sorted index if it is new.
func (b *bucketState) insertKey(key string) {
	i := sort.SearchStrings(b.keys, key)
	if i < len(b.keys) && b.keys[i] == key {
		return
	}
	b.keys = append(b.keys, "")
	copy(b.keys[i+1:], b.keys[i:])
	b.keys[i] = key
}

func (b *bucketState) removeKey(key string) {
	i := sort.SearchStrings(b.keys, key)
	if i < len(b.keys) && b.keys[i] == key {
		b.keys = append(b.keys[:i], b.keys[i+1:]...)
	}
}

// lockKey holds bucket's writers lock shared and key's lock until the
// returned unlock is called.
func (s *store) lockKey(bucket, key string) (*bucketState, func(), error) {
	return s.lockWrites(bucket, keyLockName(bucket, key))
}

// keyLockName names the lock of key in bucket (lockKey, and
// CompleteMultipartUpload's commit under its upload lock).
func keyLockName(bucket, key string) string { return bucket + "/" + key }

// lockUpload holds bucket's writers lock shared and the lock of upload id
// until the returned unlock is called. Holding it, a caller may take a key
// lock with lockName (upload before key, never the other way round).
func (s *store) lockUpload(bucket, id string) (*bucketState, func(), error) {
	return s.lockWrites(bucket, bucket+"\x00upload\x00"+id)
}

func (s *store) lockWrites(bucket, name string) (*bucketState, func(), error) {
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
	unlock := s.lockName(name)
	return b, func() {
		unlock()
		b.writers.RUnlock()
	}, nil
}

// lockName holds the named lock until the returned unlock is called.
func (s *store) lockName(id string) func() {
	s.keysMu.Lock()
	l := s.keys[id]
	if l == nil {
		l = &keyLock{}
		s.keys[id] = l
	}
	l.refs++
	s.keysMu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		s.keysMu.Lock()
		if l.refs--; l.refs == 0 {
			delete(s.keys, id)
		}
		s.keysMu.Unlock()
	}
}

// putObject commits o (whose blob is already durable) and returns the blob
// it replaced, for the caller to remove. It returns once o's metadata is
// durable; concurrent writers of other keys share its directory fsync.
func (s *store) putObject(bucket string, o *Object) (old string, err error) {
	b, unlock, err := s.lockKey(bucket, o.Key)
	if err != nil {
		return "", err
	}
	defer unlock()
	return s.commitObject(b, o)
}

// commitObject is putObject for a caller holding the bucket's writers lock
// shared and o's key lock.
func (s *store) commitObject(b *bucketState, o *Object) (old string, err error) {
	if err := s.saveObject(b.Name, o); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev := b.objects[o.Key]; prev != nil {
		old = prev.Blob
	}
	b.objects[o.Key] = o
	b.insertKey(o.Key)
	return old, nil
}

// updateObject replaces key's metadata by a copy that change edited; it
// returns NoSuchKey if there is none.
func (s *store) updateObject(bucket, key string, change func(*Object)) error {
	b, unlock, err := s.lockKey(bucket, key)
	if err != nil {
		return err
	}
	defer unlock()
	s.mu.RLock()
	o := b.objects[key]
	s.mu.RUnlock()
	if o == nil {
		return errNoSuchKey(key)
	}
	c := *o
	change(&c)
	if err := s.saveObject(bucket, &c); err != nil {
		return err
	}
	s.mu.Lock()
	b.objects[key] = &c
	s.mu.Unlock()
	return nil
}

// deleteObject removes key's metadata and returns its blob.
func (s *store) deleteObject(bucket, key string) (string, error) {
	b, unlock, err := s.lockKey(bucket, key)
	if err != nil {
		return "", err
	}
	defer unlock()
	s.mu.RLock()
	o := b.objects[key]
	s.mu.RUnlock()
	if o == nil {
		return "", nil
	}
	if err := s.removeObjectMeta(bucket, key); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(b.objects, key)
	b.removeKey(key)
	return o.Blob, nil
}

// lockBucketWrites waits until no object write is in flight in bucket and
// holds off new ones and mu until unlock is called, for a change to many
// objects at once.
func (s *store) lockBucketWrites(bucket string) (*bucketState, func(), error) {
	s.mu.RLock()
	b := s.buckets[bucket]
	s.mu.RUnlock()
	if b == nil {
		return nil, nil, errNoSuchBucket(bucket)
	}
	b.writers.Lock()
	s.mu.Lock()
	if b.deleted {
		s.mu.Unlock()
		b.writers.Unlock()
		return nil, nil, errNoSuchBucket(bucket)
	}
	return b, func() {
		s.mu.Unlock()
		b.writers.Unlock()
	}, nil
}

// deleteBucket deletes a bucket once no object write is in flight in it,
// if check (called with mu held) allows it.
func (s *store) deleteBucket(name string, check func(*bucketState) error) error {
	b, unlock, err := s.lockBucketWrites(name)
	if err != nil {
		return err
	}
	defer unlock()
	if err := check(b); err != nil {
		return err
	}
	if s.dir != "" {
		if err := s.removeDurably(s.bucketFile(name)); err != nil {
			return err
		}
	}
	b.deleted = true
	delete(s.buckets, name)
	return nil
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
