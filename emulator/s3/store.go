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
}

// store is the metadata of every bucket, object and upload, kept in memory
// and, with a data directory, as JSON files written atomically after the
// bytes they describe are durable.
type store struct {
	mu      sync.RWMutex
	buckets map[string]*bucketState
	uploads map[string]*Upload
	blobs   blobStore
	dir     string // "" for memory only
}

func newStore(dataDir string) (*store, error) {
	s := &store{buckets: map[string]*bucketState{}, uploads: map[string]*Upload{}}
	if dataDir == "" {
		s.blobs = newMemBlobs()
		return s, nil
	}
	s.dir = filepath.Join(dataDir, "s3")
	db, err := newDiskBlobs(filepath.Join(s.dir, "blobs"))
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

func writeJSON(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return fsutil.WriteFile(path, data)
}

func removeDurably(path string) error {
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	return fsutil.SyncDir(filepath.Dir(path))
}

func (s *store) saveBucket(b *bucketState) error {
	if s.dir == "" {
		return nil
	}
	return writeJSON(s.bucketFile(b.Name), b.Bucket)
}

func (s *store) saveObject(bucket string, o *Object) error {
	if s.dir == "" {
		return nil
	}
	return writeJSON(filepath.Join(s.objectDir(bucket), keyFile(o.Key)), o)
}

func (s *store) removeObjectMeta(bucket, key string) error {
	if s.dir == "" {
		return nil
	}
	return removeDurably(filepath.Join(s.objectDir(bucket), keyFile(key)))
}

func (s *store) saveUpload(u *Upload) error {
	if s.dir == "" {
		return nil
	}
	return writeJSON(s.uploadFile(u.ID), u)
}

func (s *store) removeUpload(id string) error {
	if s.dir == "" {
		return nil
	}
	return removeDurably(s.uploadFile(id))
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

// putObject commits o (whose blob is already durable) and returns the blob
// it replaced, for the caller to remove.
func (s *store) putObject(bucket string, o *Object) (old string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[bucket]
	if b == nil {
		return "", errNoSuchBucket(bucket)
	}
	if err := s.saveObject(bucket, o); err != nil {
		return "", err
	}
	if prev := b.objects[o.Key]; prev != nil {
		old = prev.Blob
	}
	b.objects[o.Key] = o
	b.insertKey(o.Key)
	return old, nil
}

// deleteObject removes key's metadata and returns its blob.
func (s *store) deleteObject(bucket, key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[bucket]
	if b == nil {
		return "", errNoSuchBucket(bucket)
	}
	o := b.objects[key]
	if o == nil {
		return "", nil
	}
	if err := s.removeObjectMeta(bucket, key); err != nil {
		return "", err
	}
	delete(b.objects, key)
	b.removeKey(key)
	return o.Blob, nil
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
