package s3

// Lifecycle configuration (Amazon S3 User Guide, "Managing the lifecycle
// of objects", "Lifecycle configuration elements" and "Setting lifecycle
// configuration on a bucket"; Amazon S3 API Reference,
// PutBucketLifecycleConfiguration, GetBucketLifecycleConfiguration,
// DeleteBucketLifecycle). The configuration is stored and validated as S3
// validates it; Tick applies its Expiration (current objects) and
// AbortIncompleteMultipartUpload actions on the emulator's clock.
// Transitions are stored and echoed but change nothing: every storage
// class reads the same in the emulator.

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/xml"
	"net/http"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
)

// MaxLifecycleRules is the most rules a lifecycle configuration holds.
const MaxLifecycleRules = 1000

// LifecycleRule is one stored rule of a bucket's lifecycle configuration.
type LifecycleRule struct {
	ID     string
	Status string // Enabled or Disabled
	// Filter selects the objects; LegacyPrefix is set when the rule named
	// them with the deprecated rule-level Prefix instead.
	Filter       *LifecycleFilter     `json:",omitempty"`
	LegacyPrefix *string              `json:",omitempty"`
	Expiration   *LifecycleExpiration `json:",omitempty"`
	// AbortDays is AbortIncompleteMultipartUpload's DaysAfterInitiation (0: none).
	AbortDays int `json:",omitempty"`
	// NoncurrentDays and NewerNoncurrent are NoncurrentVersionExpiration's.
	NoncurrentDays  int                   `json:",omitempty"`
	NewerNoncurrent int                   `json:",omitempty"`
	Transitions     []LifecycleTransition `json:",omitempty"`
	// NoncurrentTransitions are NoncurrentVersionTransition actions.
	NoncurrentTransitions []LifecycleTransition `json:",omitempty"`
}

// LifecycleFilter is a rule's Filter: one predicate, or And of several.
type LifecycleFilter struct {
	Prefix      *string `json:",omitempty"`
	Tag         *Tag    `json:",omitempty"`
	SizeGreater *int64  `json:",omitempty"`
	SizeLess    *int64  `json:",omitempty"`
	// And holds the predicates of an And element (its Prefix, Tags and
	// sizes); the fields above are then unset.
	And *LifecycleAnd `json:",omitempty"`
}

// LifecycleAnd is the And operator of a filter.
type LifecycleAnd struct {
	Prefix      *string `json:",omitempty"`
	Tags        []Tag   `json:",omitempty"`
	SizeGreater *int64  `json:",omitempty"`
	SizeLess    *int64  `json:",omitempty"`
}

// LifecycleExpiration is a rule's Expiration action.
type LifecycleExpiration struct {
	Days                      int        `json:",omitempty"`
	Date                      *time.Time `json:",omitempty"`
	ExpiredObjectDeleteMarker *bool      `json:",omitempty"`
}

// LifecycleTransition is a Transition or NoncurrentVersionTransition.
type LifecycleTransition struct {
	Days            *int       `json:",omitempty"`
	Date            *time.Time `json:",omitempty"`
	StorageClass    string
	NewerNoncurrent *int `json:",omitempty"`
}

// Wire shapes.

type lifecycleTagXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type lifecycleAndXML struct {
	Prefix      *string           `xml:"Prefix"`
	Tags        []lifecycleTagXML `xml:"Tag"`
	SizeGreater *int64            `xml:"ObjectSizeGreaterThan"`
	SizeLess    *int64            `xml:"ObjectSizeLessThan"`
}

type lifecycleFilterXML struct {
	Prefix      *string          `xml:"Prefix"`
	Tag         *lifecycleTagXML `xml:"Tag"`
	SizeGreater *int64           `xml:"ObjectSizeGreaterThan"`
	SizeLess    *int64           `xml:"ObjectSizeLessThan"`
	And         *lifecycleAndXML `xml:"And"`
}

type lifecycleExpirationXML struct {
	Date                      string `xml:"Date,omitempty"`
	Days                      *int   `xml:"Days"`
	ExpiredObjectDeleteMarker *bool  `xml:"ExpiredObjectDeleteMarker"`
}

type lifecycleTransitionXML struct {
	Date                    string `xml:"Date,omitempty"`
	Days                    *int   `xml:"Days"`
	NoncurrentDays          *int   `xml:"NoncurrentDays"`
	NewerNoncurrentVersions *int   `xml:"NewerNoncurrentVersions"`
	StorageClass            string `xml:"StorageClass"`
}

type lifecycleRuleXML struct {
	Expiration                  *lifecycleExpirationXML  `xml:"Expiration"`
	ID                          string                   `xml:"ID,omitempty"`
	Prefix                      *string                  `xml:"Prefix"`
	Filter                      *lifecycleFilterXML      `xml:"Filter"`
	Status                      string                   `xml:"Status"`
	Transitions                 []lifecycleTransitionXML `xml:"Transition"`
	NoncurrentVersionTransition []lifecycleTransitionXML `xml:"NoncurrentVersionTransition"`
	NoncurrentVersionExpiration *struct {
		NoncurrentDays          *int `xml:"NoncurrentDays"`
		NewerNoncurrentVersions *int `xml:"NewerNoncurrentVersions,omitempty"`
	} `xml:"NoncurrentVersionExpiration"`
	AbortIncompleteMultipartUpload *struct {
		DaysAfterInitiation *int `xml:"DaysAfterInitiation"`
	} `xml:"AbortIncompleteMultipartUpload"`
}

type lifecycleConfigurationXML struct {
	XMLName xml.Name           `xml:"LifecycleConfiguration"`
	Xmlns   string             `xml:"xmlns,attr,omitempty"`
	Rules   []lifecycleRuleXML `xml:"Rule"`
}

// transitionClasses are the storage classes a Transition may name.
var transitionClasses = map[string]bool{
	"GLACIER": true, "STANDARD_IA": true, "ONEZONE_IA": true, "INTELLIGENT_TIERING": true, "DEEP_ARCHIVE": true, "GLACIER_IR": true,
}

func errLifecycleArg(msg string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidArgument", "%s", msg)
}

// lifecycleDate parses a Date, which S3 accepts only at midnight UTC
// (ISO 8601, "2025-01-01T00:00:00Z" or "2025-01-01T00:00:00.000Z").
func lifecycleDate(s string) (*time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return nil, errMalformedXML()
	}
	t = t.UTC()
	if !t.Equal(t.Truncate(24 * time.Hour)) {
		return nil, errLifecycleArg("'Date' must be at midnight GMT")
	}
	return &t, nil
}

func newRuleID() string {
	b := make([]byte, 30)
	rand.Read(b)
	return strings.TrimRight(base32.StdEncoding.EncodeToString(b), "=")
}

// parseLifecycle validates a LifecycleConfiguration as S3 does.
func parseLifecycle(x lifecycleConfigurationXML) ([]LifecycleRule, error) {
	if len(x.Rules) == 0 || len(x.Rules) > MaxLifecycleRules {
		return nil, errMalformedXML()
	}
	ids := map[string]bool{}
	rules := make([]LifecycleRule, 0, len(x.Rules))
	for _, rx := range x.Rules {
		r, err := parseLifecycleRule(rx)
		if err != nil {
			return nil, err
		}
		if ids[r.ID] {
			return nil, errLifecycleArg("Rule ID must be unique. Found same ID for more than one rule")
		}
		ids[r.ID] = true
		rules = append(rules, r)
	}
	return rules, nil
}

func parseLifecycleRule(rx lifecycleRuleXML) (LifecycleRule, error) {
	r := LifecycleRule{ID: rx.ID, Status: rx.Status}
	if len(r.ID) > 255 {
		return r, errLifecycleArg("ID length should not exceed allowed limit of 255")
	}
	if r.ID == "" {
		r.ID = newRuleID()
	}
	if r.Status != "Enabled" && r.Status != "Disabled" {
		return r, errMalformedXML()
	}
	if rx.Filter != nil && rx.Prefix != nil {
		return r, errMalformedXML()
	}
	r.LegacyPrefix = rx.Prefix
	hasTags := false
	if f := rx.Filter; f != nil {
		n := 0
		for _, set := range []bool{f.Prefix != nil, f.Tag != nil, f.SizeGreater != nil, f.SizeLess != nil, f.And != nil} {
			if set {
				n++
			}
		}
		if n > 1 {
			return r, errMalformedXML()
		}
		lf := &LifecycleFilter{Prefix: f.Prefix, SizeGreater: f.SizeGreater, SizeLess: f.SizeLess}
		if f.Tag != nil {
			lf.Tag = &Tag{Key: f.Tag.Key, Value: f.Tag.Value}
			if err := checkTags([]Tag{*lf.Tag}, false); err != nil {
				return r, err
			}
			hasTags = true
		}
		if a := f.And; a != nil {
			la := &LifecycleAnd{Prefix: a.Prefix, SizeGreater: a.SizeGreater, SizeLess: a.SizeLess}
			for _, t := range a.Tags {
				la.Tags = append(la.Tags, Tag{Key: t.Key, Value: t.Value})
			}
			if err := checkTags(la.Tags, false); err != nil && !awserr.Is(err, "BadRequest") {
				return r, err
			}
			hasTags = len(la.Tags) > 0
			lf.And = la
			lf.SizeGreater, lf.SizeLess = nil, nil
		}
		for _, v := range []*int64{f.SizeGreater, f.SizeLess} {
			if v != nil && *v < 0 {
				return r, errLifecycleArg("'ObjectSizeGreaterThan'/'ObjectSizeLessThan' must be non-negative")
			}
		}
		gt, lt := lf.sizes()
		if gt != nil && lt != nil && *lt <= *gt {
			return r, errLifecycleArg("ObjectSizeLessThan must be greater than ObjectSizeGreaterThan")
		}
		r.Filter = lf
	}
	actions := 0
	if e := rx.Expiration; e != nil {
		actions++
		le := &LifecycleExpiration{ExpiredObjectDeleteMarker: e.ExpiredObjectDeleteMarker}
		n := 0
		if e.Days != nil {
			n++
			if *e.Days <= 0 {
				return r, errLifecycleArg("'Days' for Expiration action must be a positive integer")
			}
			le.Days = *e.Days
		}
		if e.Date != "" {
			n++
			d, err := lifecycleDate(e.Date)
			if err != nil {
				return r, err
			}
			le.Date = d
		}
		if e.ExpiredObjectDeleteMarker != nil {
			n++
			if hasTags {
				return r, errInvalidRequest("ExpiredObjectDeleteMarker cannot be specified with tags.")
			}
		}
		if n != 1 {
			return r, errMalformedXML()
		}
		r.Expiration = le
	}
	if a := rx.AbortIncompleteMultipartUpload; a != nil {
		actions++
		if a.DaysAfterInitiation == nil {
			return r, errMalformedXML()
		}
		if *a.DaysAfterInitiation <= 0 {
			return r, errLifecycleArg("'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer")
		}
		if hasTags {
			return r, errInvalidRequest("AbortIncompleteMultipartUpload cannot be specified with Tags.")
		}
		r.AbortDays = *a.DaysAfterInitiation
	}
	if nv := rx.NoncurrentVersionExpiration; nv != nil {
		actions++
		if nv.NoncurrentDays == nil || *nv.NoncurrentDays <= 0 {
			return r, errLifecycleArg("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer")
		}
		r.NoncurrentDays = *nv.NoncurrentDays
		if nv.NewerNoncurrentVersions != nil {
			if *nv.NewerNoncurrentVersions <= 0 || *nv.NewerNoncurrentVersions > 100 {
				return r, errLifecycleArg("'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer up to 100")
			}
			r.NewerNoncurrent = *nv.NewerNoncurrentVersions
		}
	}
	for _, t := range rx.Transitions {
		actions++
		lt, err := parseTransition(t, false)
		if err != nil {
			return r, err
		}
		r.Transitions = append(r.Transitions, lt)
	}
	for _, t := range rx.NoncurrentVersionTransition {
		actions++
		lt, err := parseTransition(t, true)
		if err != nil {
			return r, err
		}
		r.NoncurrentTransitions = append(r.NoncurrentTransitions, lt)
	}
	if actions == 0 {
		return r, errInvalidRequest("At least one action needs to be specified in a rule")
	}
	return r, nil
}

func parseTransition(t lifecycleTransitionXML, noncurrent bool) (LifecycleTransition, error) {
	lt := LifecycleTransition{StorageClass: t.StorageClass, NewerNoncurrent: t.NewerNoncurrentVersions}
	if !transitionClasses[t.StorageClass] {
		return lt, errMalformedXML()
	}
	days := t.Days
	if noncurrent {
		days = t.NoncurrentDays
		if days == nil || t.Days != nil || t.Date != "" {
			return lt, errMalformedXML()
		}
	} else if (days == nil) == (t.Date == "") {
		return lt, errMalformedXML()
	}
	if days != nil {
		if *days < 0 {
			return lt, errLifecycleArg("'Days' in Transition action must be nonnegative")
		}
		if (t.StorageClass == "STANDARD_IA" || t.StorageClass == "ONEZONE_IA") && *days < 30 {
			return lt, errLifecycleArg("'Days' in Transition action for StorageClass '" + t.StorageClass + "' must be 30 or greater")
		}
		lt.Days = days
	}
	if t.Date != "" {
		d, err := lifecycleDate(t.Date)
		if err != nil {
			return lt, err
		}
		lt.Date = d
	}
	return lt, nil
}

func (f *LifecycleFilter) sizes() (gt, lt *int64) {
	if f.And != nil {
		return f.And.SizeGreater, f.And.SizeLess
	}
	return f.SizeGreater, f.SizeLess
}

// prefix is the key prefix a rule selects ("" for every key).
func (r *LifecycleRule) prefix() string {
	switch {
	case r.LegacyPrefix != nil:
		return *r.LegacyPrefix
	case r.Filter == nil:
		return ""
	case r.Filter.And != nil && r.Filter.And.Prefix != nil:
		return *r.Filter.And.Prefix
	case r.Filter.Prefix != nil:
		return *r.Filter.Prefix
	}
	return ""
}

// matches reports whether the rule's filter selects an object.
func (r *LifecycleRule) matches(o *Object) bool {
	if !strings.HasPrefix(o.Key, r.prefix()) {
		return false
	}
	f := r.Filter
	if f == nil {
		return true
	}
	want := []Tag{}
	if f.Tag != nil {
		want = append(want, *f.Tag)
	}
	if f.And != nil {
		want = append(want, f.And.Tags...)
	}
	for _, w := range want {
		found := false
		for _, t := range o.Tags {
			if t == w {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	gt, lt := f.sizes()
	return (gt == nil || o.Size > *gt) && (lt == nil || o.Size < *lt)
}

// expiry is when the rule's Expiration removes an object written at
// created: Days after it, rounded up to the next midnight UTC, or the
// rule's Date (Amazon S3 User Guide, "Lifecycle configuration elements":
// "Amazon S3 calculates the time by adding the number of days specified
// in the rule to the object creation time and rounding the resulting time
// to the next day's midnight UTC").
func (r *LifecycleRule) expiry(created time.Time) (time.Time, bool) {
	e := r.Expiration
	if r.Status != "Enabled" || e == nil {
		return time.Time{}, false
	}
	if e.Date != nil {
		return *e.Date, true
	}
	if e.Days > 0 {
		return afterDays(created, e.Days), true
	}
	return time.Time{}, false
}

func afterDays(t time.Time, days int) time.Time {
	t = t.UTC().Add(time.Duration(days) * 24 * time.Hour)
	m := t.Truncate(24 * time.Hour)
	if m.Before(t) {
		m = m.Add(24 * time.Hour)
	}
	return m
}

// objectExpiry returns the earliest expiry the bucket's rules give an
// object and the rule that gives it.
func objectExpiry(b *Bucket, o *Object) (time.Time, string, bool) {
	var at time.Time
	id, found := "", false
	for i := range b.Lifecycle {
		r := &b.Lifecycle[i]
		if !r.matches(o) {
			continue
		}
		if t, ok := r.expiry(o.LastModified); ok && (!found || t.Before(at)) {
			at, id, found = t, r.ID, true
		}
	}
	return at, id, found
}

// setExpirationHeader sets x-amz-expiration on a write or read of an
// object a rule expires (Amazon S3 API Reference, PutObject and GetObject:
// "x-amz-expiration").
func setExpirationHeader(h http.Header, b *Bucket, o *Object) {
	if at, id, ok := objectExpiry(b, o); ok {
		h.Set("x-amz-expiration", `expiry-date="`+at.Format(http.TimeFormat)+`", rule-id="`+id+`"`)
	}
}

func (s *Service) putBucketLifecycle(q *request) error {
	if _, err := s.bucketConfig(q, "s3:PutLifecycleConfiguration"); err != nil {
		return err
	}
	var x lifecycleConfigurationXML
	if err := decodeXMLBody(q, &x); err != nil {
		return err
	}
	rules, err := parseLifecycle(x)
	if err != nil {
		return err
	}
	q.w.Header().Set("x-amz-transition-default-minimum-object-size", "all_storage_classes_128K")
	return s.updateBucket(q, func(bs *bucketState) { bs.Lifecycle = rules }, http.StatusOK)
}

func (s *Service) getBucketLifecycle(q *request) error {
	b, err := s.bucketConfig(q, "s3:GetLifecycleConfiguration")
	if err != nil {
		return err
	}
	if len(b.Lifecycle) == 0 {
		return awserr.New(http.StatusNotFound, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist").With("BucketName", b.Name)
	}
	x := lifecycleConfigurationXML{Xmlns: xmlns}
	for _, r := range b.Lifecycle {
		x.Rules = append(x.Rules, lifecycleRuleToXML(r))
	}
	q.w.Header().Set("x-amz-transition-default-minimum-object-size", "all_storage_classes_128K")
	return q.writeXML(http.StatusOK, x)
}

func (s *Service) deleteBucketLifecycle(q *request) error {
	// DeleteBucketLifecycle is authorized as s3:PutLifecycleConfiguration
	// (Amazon S3 API Reference, DeleteBucketLifecycle: "Permissions").
	if _, err := s.bucketConfig(q, "s3:PutLifecycleConfiguration"); err != nil {
		return err
	}
	return s.updateBucket(q, func(bs *bucketState) { bs.Lifecycle = nil }, http.StatusNoContent)
}

func isoDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(isoMillis)
}

func lifecycleRuleToXML(r LifecycleRule) lifecycleRuleXML {
	x := lifecycleRuleXML{ID: r.ID, Status: r.Status, Prefix: r.LegacyPrefix}
	if f := r.Filter; f != nil {
		fx := &lifecycleFilterXML{Prefix: f.Prefix, SizeGreater: f.SizeGreater, SizeLess: f.SizeLess}
		if f.Tag != nil {
			fx.Tag = &lifecycleTagXML{Key: f.Tag.Key, Value: f.Tag.Value}
		}
		if a := f.And; a != nil {
			ax := &lifecycleAndXML{Prefix: a.Prefix, SizeGreater: a.SizeGreater, SizeLess: a.SizeLess}
			for _, t := range a.Tags {
				ax.Tags = append(ax.Tags, lifecycleTagXML{Key: t.Key, Value: t.Value})
			}
			fx.And = ax
		}
		x.Filter = fx
	} else if r.LegacyPrefix == nil {
		x.Filter = &lifecycleFilterXML{}
	}
	if e := r.Expiration; e != nil {
		ex := &lifecycleExpirationXML{Date: isoDate(e.Date), ExpiredObjectDeleteMarker: e.ExpiredObjectDeleteMarker}
		if e.Days > 0 {
			d := e.Days
			ex.Days = &d
		}
		x.Expiration = ex
	}
	if r.AbortDays > 0 {
		d := r.AbortDays
		x.AbortIncompleteMultipartUpload = &struct {
			DaysAfterInitiation *int `xml:"DaysAfterInitiation"`
		}{&d}
	}
	if r.NoncurrentDays > 0 {
		d := r.NoncurrentDays
		nv := &struct {
			NoncurrentDays          *int `xml:"NoncurrentDays"`
			NewerNoncurrentVersions *int `xml:"NewerNoncurrentVersions,omitempty"`
		}{NoncurrentDays: &d}
		if r.NewerNoncurrent > 0 {
			n := r.NewerNoncurrent
			nv.NewerNoncurrentVersions = &n
		}
		x.NoncurrentVersionExpiration = nv
	}
	for _, t := range r.Transitions {
		x.Transitions = append(x.Transitions, lifecycleTransitionXML{Date: isoDate(t.Date), Days: t.Days, StorageClass: t.StorageClass})
	}
	for _, t := range r.NoncurrentTransitions {
		x.NoncurrentVersionTransition = append(x.NoncurrentVersionTransition, lifecycleTransitionXML{NoncurrentDays: t.Days,
			NewerNoncurrentVersions: t.NewerNoncurrent, StorageClass: t.StorageClass})
	}
	return x
}

// Tick applies every bucket's lifecycle rules at now: current objects
// whose expiry has come are deleted (a delete marker takes their place in
// a versioned bucket), noncurrent versions NoncurrentDays after they
// became noncurrent (beyond the NewerNoncurrentVersions newest) and
// delete markers left with no other version (ExpiredObjectDeleteMarker)
// are removed, and multipart uploads initiated more than
// DaysAfterInitiation days ago are aborted; days count to the next
// midnight UTC. The emulator calls it as its clock advances (Run); tests
// call it with an injected time. It returns the number of objects and
// versions expired and of uploads aborted.
func (s *Service) Tick(ctx context.Context, now time.Time) (expired, aborted int) {
	type victim struct {
		bucket, key, etag string
		modified          time.Time
	}
	var objs []victim
	var old []versionVictim
	var ups []*Upload
	s.store.mu.RLock()
	for _, b := range s.store.buckets {
		if len(b.Lifecycle) == 0 {
			continue
		}
		for _, k := range b.keys {
			o := b.objects[k]
			if at, _, ok := objectExpiry(&b.Bucket, o); ok && !now.Before(at) {
				objs = append(objs, victim{b.Name, k, o.ETag, o.LastModified})
			}
		}
		for _, k := range b.vkeys {
			old = append(old, expiredVersions(b, k, now)...)
		}
	}
	for _, u := range s.store.uploads {
		b := s.store.buckets[u.Bucket]
		if b == nil {
			continue
		}
		for _, r := range b.Lifecycle {
			if r.Status == "Enabled" && r.AbortDays > 0 && strings.HasPrefix(u.Key, r.prefix()) && !now.Before(afterDays(u.Initiated, r.AbortDays)) {
				ups = append(ups, u)
				break
			}
		}
	}
	s.store.mu.RUnlock()
	for _, v := range objs {
		if ctx.Err() != nil {
			return
		}
		blob, ok, err := s.store.expireObject(v.bucket, v.key, v.etag, v.modified, now.UTC().Truncate(time.Second))
		expired += s.lifecycleRemoved(blob, ok, err, "expiring an object failed", v.bucket, v.key)
	}
	for _, v := range old {
		if ctx.Err() != nil {
			return
		}
		blob, ok, err := s.store.expireVersion(v)
		expired += s.lifecycleRemoved(blob, ok, err, "removing a version failed", v.bucket, v.key)
	}
	for _, u := range ups {
		if ctx.Err() != nil {
			return
		}
		if s.abortExpiredUpload(u.Bucket, u.ID) {
			aborted++
		}
	}
	return expired, aborted
}

// lifecycleRemoved finishes one lifecycle removal: it logs a failure,
// frees the removed object's blob, and counts 1 when something was removed.
func (s *Service) lifecycleRemoved(blob string, removed bool, err error, what, bucket, key string) int {
	if err != nil {
		s.opts.Log.Warn("s3 lifecycle: "+what, "bucket", bucket, "key", key, "error", err)
		return 0
	}
	if !removed {
		return 0
	}
	if blob != "" {
		s.store.blobs.Remove(blob)
	}
	return 1
}

// abortExpiredUpload aborts an upload as AbortMultipartUpload does.
func (s *Service) abortExpiredUpload(bucket, id string) bool {
	_, unlock, err := s.store.lockUpload(bucket, id, false)
	if err != nil {
		return false
	}
	defer unlock()
	u := s.store.upload(bucket, id)
	if u == nil {
		return false
	}
	if err := s.store.deleteUpload(id); err != nil {
		s.opts.Log.Warn("s3 lifecycle: aborting an upload failed", "bucket", bucket, "upload", id, "error", err)
		return false
	}
	s.removeParts(u)
	return true
}

// expireObject deletes key if it is still the object written with etag at
// modified (not overwritten since the rule chose it) and returns its
// blob; deleted is false when it was not.
func (st *store) expireObject(bucket, key, etag string, modified, now time.Time) (blob string, deleted bool, err error) {
	b, unlock, err := st.lockKey(bucket, key)
	if err != nil {
		return "", false, nil
	}
	defer unlock()
	st.mu.RLock()
	o := b.objects[key]
	st.mu.RUnlock()
	if o == nil || o.ETag != etag || !o.LastModified.Equal(modified) {
		return "", false, nil
	}
	// In a versioned bucket the expiry adds a delete marker (Amazon S3
	// User Guide, "Expiring objects"), as a simple DELETE does.
	st.mu.RLock()
	owner := b.Owner
	st.mu.RUnlock()
	_, blob, err = st.deleteCurrentLocked(b, key, owner, now)
	if err != nil {
		return "", false, err
	}
	return blob, true, nil
}

// versionVictim is a version a rule removes for good.
type versionVictim struct {
	bucket, key, id string
	modified        time.Time
	// soleMarker is set for an expired object delete marker: it is
	// removed only while it is still the key's only version.
	soleMarker bool
}

// expiredVersions returns the versions of key the bucket's enabled rules
// remove at now: noncurrent versions (a version becomes noncurrent when
// the next one is written) past NoncurrentDays and beyond the
// NewerNoncurrentVersions newest noncurrent ones, and a current delete
// marker with no other version under ExpiredObjectDeleteMarker (Amazon S3
// User Guide, "Lifecycle configuration elements": NoncurrentVersionExpiration,
// ExpiredObjectDeleteMarker). The caller holds mu.
func expiredVersions(b *bucketState, key string, now time.Time) []versionVictim {
	vs := b.stack(key)
	var out []versionVictim
	if len(vs) == 1 && vs[0].DeleteMarker {
		for i := range b.Lifecycle {
			r := &b.Lifecycle[i]
			if e := r.Expiration; r.Status == "Enabled" && e != nil && e.ExpiredObjectDeleteMarker != nil && *e.ExpiredObjectDeleteMarker && strings.HasPrefix(key, r.prefix()) {
				return []versionVictim{{bucket: b.Name, key: key, id: vs[0].VersionID, modified: vs[0].LastModified, soleMarker: true}}
			}
		}
		return nil
	}
	for i := 1; i < len(vs); i++ {
		v, since := vs[i], vs[i-1].LastModified
		for j := range b.Lifecycle {
			r := &b.Lifecycle[j]
			if r.Status != "Enabled" || r.NoncurrentDays == 0 || i-1 < r.NewerNoncurrent || !r.matches(v) {
				continue
			}
			if !now.Before(afterDays(since, r.NoncurrentDays)) {
				out = append(out, versionVictim{bucket: b.Name, key: key, id: v.VersionID, modified: v.LastModified})
				break
			}
		}
	}
	return out
}

// expireVersion removes a version a rule chose if it is still there
// unchanged (and, for an expired delete marker, still alone) and returns
// its blob; removed is false when it was not.
func (st *store) expireVersion(v versionVictim) (blob string, removed bool, err error) {
	b, unlock, err := st.lockKey(v.bucket, v.key)
	if err != nil {
		return "", false, nil
	}
	defer unlock()
	st.mu.RLock()
	vs := b.stack(v.key)
	found := false
	for _, o := range vs {
		if o.VersionID == v.id && o.LastModified.Equal(v.modified) {
			found = true
		}
	}
	st.mu.RUnlock()
	if !found || (v.soleMarker && len(vs) != 1) {
		return "", false, nil
	}
	blob, err = st.removeVersion(b, v.key, v.id)
	return blob, err == nil, err
}

// Run calls Tick with the service's clock every interval until ctx is done.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Tick(ctx, s.opts.Now())
		}
	}
}
