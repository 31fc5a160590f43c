package s3

// Object and bucket tags (Amazon S3 User Guide, "Categorizing your storage
// using tags" and "Using cost allocation S3 bucket tags"; Amazon S3 API
// Reference, PutObjectTagging, GetObjectTagging, DeleteObjectTagging,
// PutBucketTagging, GetBucketTagging, DeleteBucketTagging, and the
// x-amz-tagging header of PutObject, CopyObject and
// CreateMultipartUpload).

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/policy"
)

// Tag limits (Amazon S3 User Guide, "Categorizing your storage using
// tags": up to 10 tags per object, 50 per bucket; a key up to 128 Unicode
// characters, a value up to 256; keys unique and case-sensitive).
const (
	MaxObjectTags  = 10
	MaxBucketTags  = 50
	maxTagKeyLen   = 128
	maxTagValueLen = 256
)

// Tag is one tag of an object or a bucket.
type Tag struct {
	Key   string
	Value string
}

type tagXML struct {
	Key   *string `xml:"Key"`
	Value *string `xml:"Value"`
}

// taggingXML is the Tagging document of the tagging subresources.
type taggingXML struct {
	XMLName xml.Name `xml:"Tagging"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	TagSet  *struct {
		Tags []tagXML `xml:"Tag"`
	} `xml:"TagSet"`
}

func errInvalidTag(msg string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidTag", "%s", msg)
}

func errTaggingHeader() *awserr.Error {
	return errInvalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.",
		"x-amz-tagging", "")
}

// checkTags applies S3's limits to a tag set: more tags than the resource
// takes is BadRequest, an empty or over-long key or an over-long value or
// a key given twice is InvalidTag; on a bucket, keys starting "aws:" are
// reserved for AWS.
func checkTags(tags []Tag, bucket bool) error {
	if !bucket && len(tags) > MaxObjectTags {
		return awserr.New(http.StatusBadRequest, "BadRequest", "Object tags cannot be greater than %d", MaxObjectTags)
	}
	if bucket && len(tags) > MaxBucketTags {
		return awserr.New(http.StatusBadRequest, "BadRequest", "Bucket tag count cannot be greater than %d", MaxBucketTags)
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if t.Key == "" || utf8.RuneCountInString(t.Key) > maxTagKeyLen || !utf8.ValidString(t.Key) {
			return errInvalidTag("The TagKey you have provided is invalid")
		}
		if utf8.RuneCountInString(t.Value) > maxTagValueLen || !utf8.ValidString(t.Value) {
			return errInvalidTag("The TagValue you have provided is invalid")
		}
		if seen[t.Key] {
			return errInvalidTag("Cannot provide multiple Tags with the same key")
		}
		if bucket && strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return errInvalidTag("System tags cannot be added/updated by requester")
		}
		seen[t.Key] = true
	}
	return nil
}

// readTagging reads a Tagging body: MalformedXML when it does not parse,
// lacks its TagSet or has a tag without a Key.
func readTagging(q *request, bucket bool) ([]Tag, error) {
	var x taggingXML
	if err := decodeXMLBody(q, &x); err != nil {
		return nil, err
	}
	if x.TagSet == nil {
		return nil, errMalformedXML()
	}
	tags := make([]Tag, 0, len(x.TagSet.Tags))
	for _, t := range x.TagSet.Tags {
		if t.Key == nil || t.Value == nil {
			return nil, errMalformedXML()
		}
		tags = append(tags, Tag{Key: *t.Key, Value: *t.Value})
	}
	if err := checkTags(tags, bucket); err != nil {
		return nil, err
	}
	return tags, nil
}

// headerTags parses x-amz-tagging ("k1=v1&k2=v2", URL-encoded query
// parameters); present is false without the header.
func headerTags(h http.Header) (tags []Tag, present bool, err error) {
	vs, ok := h["X-Amz-Tagging"]
	if !ok {
		return nil, false, nil
	}
	v := strings.Join(vs, "&")
	if v == "" {
		return nil, true, nil
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(v, "&") {
		if part == "" {
			continue
		}
		k, val, _ := strings.Cut(part, "=")
		k, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(val)
		if err1 != nil || err2 != nil || seen[k] {
			return nil, true, errTaggingHeader()
		}
		seen[k] = true
		tags = append(tags, Tag{Key: k, Value: val})
	}
	if err := checkTags(tags, false); err != nil {
		return nil, true, err
	}
	return tags, true, nil
}

// requestTagContext adds the condition keys of tags a request writes:
// s3:RequestObjectTag/KEY and s3:RequestObjectTagKeys (Amazon S3 User
// Guide, "Tagging and access control policies").
func requestTagContext(cx map[string][]string, tags []Tag) map[string][]string {
	if cx == nil {
		cx = map[string][]string{}
	}
	keys := make([]string, 0, len(tags))
	for _, t := range tags {
		cx["s3:RequestObjectTag/"+t.Key] = []string{t.Value}
		keys = append(keys, t.Key)
	}
	cx["s3:RequestObjectTagKeys"] = keys
	return cx
}

// existingTagContext is the s3:ExistingObjectTag/KEY condition keys of an
// object's tags (nil for a missing object).
func existingTagContext(cx map[string][]string, o *Object) map[string][]string {
	if o == nil || len(o.Tags) == 0 {
		return cx
	}
	if cx == nil {
		cx = map[string][]string{}
	}
	for _, t := range o.Tags {
		cx["s3:ExistingObjectTag/"+t.Key] = []string{t.Value}
	}
	return cx
}

func tagsXML(tags []Tag) taggingXML {
	x := taggingXML{Xmlns: xmlns}
	x.TagSet = &struct {
		Tags []tagXML `xml:"Tag"`
	}{Tags: make([]tagXML, 0, len(tags))}
	for _, t := range tags {
		k, v := t.Key, t.Value
		x.TagSet.Tags = append(x.TagSet.Tags, tagXML{Key: &k, Value: &v})
	}
	return x
}

// setTaggingCount sets x-amz-tagging-count on GET and HEAD of a tagged
// object (Amazon S3 API Reference, GetObject and HeadObject).
func setTaggingCount(h http.Header, o *Object) {
	if len(o.Tags) > 0 {
		h.Set("x-amz-tagging-count", strconv.Itoa(len(o.Tags)))
	}
}

// taggedObject authorizes action on the request's key with the object's
// existing tags as condition keys (plus cx), then returns the object.
// As for GetObject, a caller not allowed the action is refused whether or
// not the key exists. With ?versionId= it is that version's, and the
// action is the version's (s3:GetObjectVersionTagging,
// s3:PutObjectVersionTagging, s3:DeleteObjectVersionTagging); a delete
// marker has no tags (405 MethodNotAllowed).
func (s *Service) taggedObject(q *request, action string, cx map[string][]string) (Bucket, *Object, versionRef, error) {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return Bucket{}, nil, versionRef{}, err
	}
	vid, vset, err := versionParam(q)
	if err != nil {
		return Bucket{}, nil, versionRef{}, err
	}
	ref := versionRef{vid, vset}
	if vset {
		action = strings.Replace(action, "Object", "ObjectVersion", 1)
	}
	o, _ := s.store.lookup(q.bucket, q.key, ref)
	var tagged *Object
	if o != nil && !o.DeleteMarker {
		tagged = o
	}
	if err := s.authorize(q, action, b, pol, q.key, existingTagContext(cx, tagged)); err != nil {
		return Bucket{}, nil, ref, err
	}
	switch {
	case o == nil && vset:
		return Bucket{}, nil, ref, errNoSuchVersion(q.key, wireVersionID(vid))
	case o == nil:
		return Bucket{}, nil, ref, s.missingKey(q, b, pol, q.key)
	case o.DeleteMarker:
		return Bucket{}, nil, ref, errMarkerVersion(o)
	}
	setVersionHeader(q.w.Header(), b, o)
	return b, o, ref, nil
}

func (s *Service) getObjectTagging(q *request) error {
	_, o, _, err := s.taggedObject(q, "s3:GetObjectTagging", nil)
	if err != nil {
		return err
	}
	return q.writeXML(http.StatusOK, tagsXML(o.Tags))
}

func (s *Service) putObjectTagging(q *request) error {
	tags, err := readTagging(q, false)
	if err != nil {
		return err
	}
	_, _, ref, err := s.taggedObject(q, "s3:PutObjectTagging", requestTagContext(nil, tags))
	if err != nil {
		return err
	}
	if err := s.store.updateVersion(q.bucket, q.key, ref, func(o *Object) { o.Tags = tags }); err != nil {
		return err
	}
	return q.noContent(http.StatusOK)
}

func (s *Service) deleteObjectTagging(q *request) error {
	_, _, ref, err := s.taggedObject(q, "s3:DeleteObjectTagging", nil)
	if err != nil {
		return err
	}
	if err := s.store.updateVersion(q.bucket, q.key, ref, func(o *Object) { o.Tags = nil }); err != nil {
		return err
	}
	return q.noContent(http.StatusNoContent)
}

// authorizeTagging is the permission a write carrying x-amz-tagging needs
// besides s3:PutObject: s3:PutObjectTagging on the key, with the tags as
// request condition keys (Amazon S3 User Guide, "Tagging and access
// control policies").
func (s *Service) authorizeTagging(q *request, b Bucket, pol *policy.Policy, tags []Tag) error {
	return s.authorize(q, "s3:PutObjectTagging", b, pol, q.key, requestTagContext(nil, tags))
}

// bucketConfig authorizes action on the bucket and returns it.
func (s *Service) bucketConfig(q *request, action string) (Bucket, error) {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return Bucket{}, err
	}
	if err := s.authorize(q, action, b, pol, "", nil); err != nil {
		return Bucket{}, err
	}
	return b, nil
}

func (s *Service) getBucketTagging(q *request) error {
	b, err := s.bucketConfig(q, "s3:GetBucketTagging")
	if err != nil {
		return err
	}
	if b.Tags == nil {
		return awserr.New(http.StatusNotFound, "NoSuchTagSet", "The TagSet does not exist").With("BucketName", b.Name)
	}
	return q.writeXML(http.StatusOK, tagsXML(b.Tags))
}

func (s *Service) putBucketTagging(q *request) error {
	if _, err := s.bucketConfig(q, "s3:PutBucketTagging"); err != nil {
		return err
	}
	tags, err := readTagging(q, true)
	if err != nil {
		return err
	}
	if len(tags) == 0 {
		tags = nil
	}
	return s.updateBucket(q, func(bs *bucketState) { bs.Tags = tags }, http.StatusNoContent)
}

func (s *Service) deleteBucketTagging(q *request) error {
	// DeleteBucketTagging is authorized as s3:PutBucketTagging (Amazon S3
	// API Reference, DeleteBucketTagging: "Permissions").
	if _, err := s.bucketConfig(q, "s3:PutBucketTagging"); err != nil {
		return err
	}
	return s.updateBucket(q, func(bs *bucketState) { bs.Tags = nil }, http.StatusNoContent)
}
