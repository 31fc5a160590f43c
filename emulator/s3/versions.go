package s3

import (
	"crypto/rand"
	"encoding/base64"
	"sort"
	"strings"
	"time"
)

// The version stack of each key (Amazon S3 User Guide, "How S3 Versioning
// works"). A key's versions are kept newest first. A key with one version
// that is not a delete marker lives in bucketState.objects alone, as every
// key of an unversioned bucket does, so unversioned buckets pay nothing
// for versioning; a key with more versions, or whose only version is a
// delete marker, also has its whole stack in bucketState.versions (and its
// name in vkeys). objects always holds the current version of a key when
// it is not a delete marker: listings and reads without a version id use
// it unchanged.
//
// Writes are replayed from the journal without looking at the bucket's
// versioning state: a new version with a version id goes on top of the
// stack, and a new null version (VersionID "") replaces the key's null
// version, wherever it was, and goes on top, which is what a PUT or DELETE
// does in an unversioned bucket (overwrite), a suspended one (the null
// version is replaced) and an enabled one (a new id). Stacks are copied on
// write, so a reader may keep one after releasing mu.

// versionAlphabet is the alphabet of the version ids the emulator makes:
// 32 characters of letters, digits, '.' and '_', like S3's.
const versionAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"

var versionEncoding = base64.NewEncoding(versionAlphabet).WithPadding(base64.NoPadding)

// newVersionID returns a new random version id.
func newVersionID() string {
	var b [24]byte
	rand.Read(b[:])
	return versionEncoding.EncodeToString(b[:])
}

// wellFormedVersionID reports whether v could be a version id: "null" or
// 32 characters of the version alphabet.
func wellFormedVersionID(v string) bool {
	if v == "null" {
		return true
	}
	if len(v) != 32 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !strings.ContainsRune(versionAlphabet, rune(v[i])) {
			return false
		}
	}
	return true
}

// wireVersionID is a stored version id as S3 shows it: "null" for the
// null version.
func wireVersionID(id string) string {
	if id == "" {
		return "null"
	}
	return id
}

// storedVersionID is a version id from a request as the store keeps it.
func storedVersionID(v string) string {
	if v == "null" {
		return ""
	}
	return v
}

// stack returns key's versions, newest first. The caller holds mu and must
// not change the slice.
func (b *bucketState) stack(key string) []*Object {
	if vs, ok := b.versions[key]; ok {
		return vs
	}
	if o := b.objects[key]; o != nil {
		return []*Object{o}
	}
	return nil
}

// setStack installs key's versions (newest first) and keeps objects, keys,
// versions and vkeys in step. The caller holds mu.
func (b *bucketState) setStack(key string, vs []*Object) {
	_, had := b.versions[key]
	switch {
	case len(vs) == 0 || (len(vs) == 1 && !vs[0].DeleteMarker):
		if had {
			delete(b.versions, key)
			b.vkeys = removeSorted(b.vkeys, key)
		}
	default:
		if b.versions == nil {
			b.versions = map[string][]*Object{}
		}
		if !had {
			b.vkeys = insertSorted(b.vkeys, key)
		}
		b.versions[key] = vs
	}
	if len(vs) == 0 || vs[0].DeleteMarker {
		if _, ok := b.objects[key]; ok {
			delete(b.objects, key)
			b.removeKey(key)
		}
		return
	}
	b.objects[key] = vs[0]
	b.insertKey(key)
}

// putVersion applies a committed version of o.Key and returns the blob of
// the version it replaced, if any, for the caller to remove. inPlace
// replaces the version of the same id where it is (a metadata change);
// otherwise o becomes the current version. The caller holds mu.
func (b *bucketState) putVersion(o *Object, inPlace bool) (old string) {
	key := o.Key
	if _, versioned := b.versions[key]; !versioned && !o.DeleteMarker {
		// The common case, and every write of an unversioned bucket: the
		// key has at most one version and o replaces it or is the first.
		prev := b.objects[key]
		if prev == nil || prev.VersionID == o.VersionID {
			if prev != nil && prev.Blob != o.Blob {
				old = prev.Blob
			}
			b.objects[key] = o
			b.insertKey(key)
			return old
		}
	}
	vs := b.stack(key)
	if inPlace {
		for i, v := range vs {
			if v.VersionID == o.VersionID {
				nv := append([]*Object(nil), vs...)
				nv[i] = o
				if v.Blob != o.Blob {
					old = v.Blob
				}
				b.setStack(key, nv)
				return old
			}
		}
		return ""
	}
	nv := make([]*Object, 0, len(vs)+1)
	nv = append(nv, o)
	for _, v := range vs {
		if v.VersionID == o.VersionID {
			if v.Blob != o.Blob {
				old = v.Blob
			}
			continue
		}
		nv = append(nv, v)
	}
	b.setStack(key, nv)
	return old
}

// removeVersion forgets one version of key and returns it (nil if there is
// none). The caller holds mu.
func (b *bucketState) removeVersion(key, id string) *Object {
	vs := b.stack(key)
	for i, v := range vs {
		if v.VersionID == id {
			nv := make([]*Object, 0, len(vs)-1)
			nv = append(append(nv, vs[:i]...), vs[i+1:]...)
			b.setStack(key, nv)
			return v
		}
	}
	return nil
}

// hasVersions reports whether the bucket holds any version of any key.
func (b *bucketState) hasVersions() bool { return len(b.objects) > 0 || len(b.versions) > 0 }

func insertSorted(ss []string, s string) []string {
	i := sort.SearchStrings(ss, s)
	if i < len(ss) && ss[i] == s {
		return ss
	}
	ss = append(ss, "")
	copy(ss[i+1:], ss[i:])
	ss[i] = s
	return ss
}

func removeSorted(ss []string, s string) []string {
	i := sort.SearchStrings(ss, s)
	if i < len(ss) && ss[i] == s {
		return append(ss[:i], ss[i+1:]...)
	}
	return ss
}

// version returns one version of key: id "" is the null version.
func (s *store) version(bucket, key, id string) (*Object, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := s.buckets[bucket]
	if b == nil {
		return nil, false
	}
	for _, v := range b.stack(key) {
		if v.VersionID == id {
			return v, true
		}
	}
	return nil, false
}

// currentMarker returns key's current version when it is a delete marker.
func (s *store) currentMarker(bucket, key string) *Object {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := s.buckets[bucket]
	if b == nil {
		return nil
	}
	if vs := b.versions[key]; len(vs) > 0 && vs[0].DeleteMarker {
		return vs[0]
	}
	return nil
}

// deleteOutcome is what a delete did: the version it created or removed,
// and whether that version is a delete marker.
type deleteOutcome struct {
	VersionID    string // stored form: "" is the null version
	DeleteMarker bool
	Versioned    bool // the bucket's versioning was ever set
}

// deleteCurrent is DeleteObject without a version id: in an unversioned
// bucket the key's null version is removed; with versioning enabled a
// delete marker with a new version id becomes current; with versioning
// suspended a null delete marker replaces the null version (Amazon S3 User
// Guide, "Deleting object versions from a versioning-enabled bucket" and
// "Working with objects in a versioning-suspended bucket"). owner is the
// requester's account, the marker's owner. cond, when set, is shown the
// key's current object (nil for none or a delete marker) under the key's
// lock, and an error from it stops the delete (a conditional delete). It
// returns the blob to remove.
func (s *store) deleteCurrent(bucket, key, owner string, now time.Time, cond func(*Object) error) (deleteOutcome, string, error) {
	b, unlock, err := s.lockKey(bucket, key)
	if err != nil {
		return deleteOutcome{}, "", err
	}
	defer unlock()
	if cond != nil {
		s.mu.RLock()
		cur := b.objects[key]
		s.mu.RUnlock()
		if err := cond(cur); err != nil {
			return deleteOutcome{}, "", err
		}
	}
	return s.deleteCurrentLocked(b, key, owner, now)
}

// deleteCurrentLocked is deleteCurrent for a caller holding key's lock
// (lifecycle expiration too).
func (s *store) deleteCurrentLocked(b *bucketState, key, owner string, now time.Time) (deleteOutcome, string, error) {
	s.mu.RLock()
	status := b.Versioning
	s.mu.RUnlock()
	if status == "" {
		blob, err := s.removeVersion(b, key, "")
		return deleteOutcome{}, blob, err
	}
	m := &Object{Key: key, DeleteMarker: true, Owner: owner, LastModified: now}
	if status == VersioningEnabled {
		m.VersionID = newVersionID()
	}
	var old string
	err := s.commit(&record{Op: opObject, Name: b.Name, Object: m}, staged{}, func(string) {
		old = b.putVersion(m, false)
	})
	return deleteOutcome{VersionID: m.VersionID, DeleteMarker: true, Versioned: true}, old, err
}

// deleteVersion removes one version of key for good (id "" is the null
// version) and reports what it was; a version that does not exist is not
// an error (S3 answers 204). cond, when set, is shown that version (nil
// for none or a delete marker) as deleteCurrent shows the current one. It
// returns the blob to remove.
func (s *store) deleteVersion(bucket, key, id string, cond func(*Object) error) (deleteOutcome, string, error) {
	b, unlock, err := s.lockKey(bucket, key)
	if err != nil {
		return deleteOutcome{}, "", err
	}
	defer unlock()
	s.mu.RLock()
	out := deleteOutcome{VersionID: id, Versioned: b.Versioning != ""}
	var cur *Object
	for _, v := range b.stack(key) {
		if v.VersionID == id {
			out.DeleteMarker = v.DeleteMarker
			if !v.DeleteMarker {
				cur = v
			}
		}
	}
	s.mu.RUnlock()
	if cond != nil {
		if err := cond(cur); err != nil {
			return deleteOutcome{}, "", err
		}
	}
	blob, err := s.removeVersion(b, key, id)
	return out, blob, err
}

// removeVersion commits the removal of version id of key, if it exists,
// and returns its blob; the caller holds key's lock.
func (s *store) removeVersion(b *bucketState, key, id string) (string, error) {
	s.mu.RLock()
	found := false
	for _, v := range b.stack(key) {
		found = found || v.VersionID == id
	}
	s.mu.RUnlock()
	if !found {
		return "", nil
	}
	var blob string
	err := s.commit(&record{Op: opDeleteObject, Name: b.Name, Key: key, VersionID: id}, staged{}, func(string) {
		if v := b.removeVersion(key, id); v != nil {
			blob = v.Blob
		}
	})
	if err != nil {
		return "", err
	}
	return blob, nil
}

// versionEntry is one row of a version listing.
type versionEntry struct {
	Object
	IsLatest bool
}

// versionListing is one page of ListObjectVersions.
type versionListing struct {
	versions  []versionEntry
	prefixes  []string
	truncated bool
	nextKey   string
	nextID    string // stored form, with hasNextID
	hasNextID bool
}

// listVersions returns a page of every version of the keys under prefix,
// keys in UTF-8 binary order and each key's versions newest first,
// starting after keyMarker (and, with idMarker set, after that version of
// keyMarker); a common prefix counts as one entry (Amazon S3 API
// Reference, ListObjectVersions).
func (s *store) listVersions(bucket, prefix, delimiter, keyMarker, idMarker string, hasIDMarker bool, maxKeys int) (versionListing, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := s.buckets[bucket]
	if b == nil {
		return versionListing{}, errNoSuchBucket(bucket)
	}
	var l versionListing
	if maxKeys == 0 {
		return l, nil
	}
	start := prefix
	if keyMarker > start {
		start = keyMarker
	}
	i, j := sort.SearchStrings(b.keys, start), sort.SearchStrings(b.vkeys, start)
	skip := ""
	if delimiter != "" && keyMarker != "" && strings.HasSuffix(keyMarker, delimiter) && strings.HasPrefix(keyMarker, prefix) {
		skip = keyMarker
	}
	n := 0
	full := func() bool {
		if n >= maxKeys {
			l.truncated = true
			return true
		}
		return false
	}
	for i < len(b.keys) || j < len(b.vkeys) {
		// The next key of the union of keys and vkeys.
		var k string
		switch {
		case j >= len(b.vkeys) || (i < len(b.keys) && b.keys[i] < b.vkeys[j]):
			k = b.keys[i]
			i++
		case i >= len(b.keys) || b.vkeys[j] < b.keys[i]:
			k = b.vkeys[j]
			j++
		default:
			k = b.keys[i]
			i++
			j++
		}
		if !strings.HasPrefix(k, prefix) {
			if k > prefix {
				break
			}
			continue
		}
		if k < keyMarker || (k == keyMarker && !hasIDMarker) || (skip != "" && strings.HasPrefix(k, skip)) {
			continue
		}
		if delimiter != "" {
			if d := strings.Index(k[len(prefix):], delimiter); d >= 0 {
				p := k[:len(prefix)+d+len(delimiter)]
				if full() {
					break
				}
				l.prefixes = append(l.prefixes, p)
				l.nextKey, l.hasNextID = p, false
				n++
				skip = p
				continue
			}
		}
		vs := b.stack(k)
		from := 0
		if k == keyMarker {
			from = len(vs)
			for x, v := range vs {
				if v.VersionID == idMarker {
					from = x + 1
				}
			}
		}
		stop := false
		for x := from; x < len(vs); x++ {
			if full() {
				stop = true
				break
			}
			l.versions = append(l.versions, versionEntry{Object: *vs[x], IsLatest: x == 0})
			l.nextKey, l.nextID, l.hasNextID = k, vs[x].VersionID, true
			n++
		}
		if stop {
			break
		}
	}
	return l, nil
}
