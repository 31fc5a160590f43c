package s3

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/policy"
)

// objectHeaders are the content headers stored with an object and
// returned on GET and HEAD.
func applyContentHeaders(o *Object, h http.Header) {
	o.ContentType = h.Get("Content-Type")
	if o.ContentType == "" {
		o.ContentType = "binary/octet-stream"
	}
	o.ContentEncoding = contentEncoding(h.Get("Content-Encoding"))
	o.ContentLanguage = h.Get("Content-Language")
	o.Disposition = h.Get("Content-Disposition")
	o.CacheControl = h.Get("Cache-Control")
	o.Expires = h.Get("Expires")
	o.StorageClass = h.Get("X-Amz-Storage-Class")
	if o.StorageClass == "" {
		o.StorageClass = "STANDARD"
	}
	o.Meta = map[string]string{}
	for k, v := range h {
		if m, ok := strings.CutPrefix(strings.ToLower(k), "x-amz-meta-"); ok && len(v) > 0 {
			o.Meta[m] = strings.Join(v, ",")
		}
	}
}

// contentEncoding is the Content-Encoding an object keeps: without
// aws-chunked, which names how the request body was sent, not how the
// object is encoded (Amazon S3 API Reference, PutObject:
// Content-Encoding; "gzip, aws-chunked" is stored as "gzip").
func contentEncoding(v string) string {
	if !strings.Contains(v, "aws-chunked") {
		return v
	}
	var keep []string
	for _, e := range strings.Split(v, ",") {
		if e = strings.TrimSpace(e); e != "" && !strings.EqualFold(e, "aws-chunked") {
			keep = append(keep, e)
		}
	}
	return strings.Join(keep, ", ")
}

// checkACL applies object ownership to a canned ACL header: with ACLs
// disabled only bucket-owner-full-control is accepted (Amazon S3 User
// Guide, "Object Ownership").
func checkACL(b Bucket, h http.Header) (fullControl bool, err error) {
	acl := h.Get("X-Amz-Acl")
	grants, public := false, publicCannedACLs[acl]
	for k, vs := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-grant-") {
			grants = true
			for _, v := range vs {
				public = public || publicGrantee(v)
			}
		}
	}
	if b.Ownership == OwnershipEnforced && (grants || (acl != "" && acl != "bucket-owner-full-control")) {
		return false, errACLNotSupported()
	}
	if !knownCannedACL(acl) {
		return false, errInvalidArgument("", "x-amz-acl", acl)
	}
	if public && blocksPublicACLs(b) {
		return false, errAccessDenied("Access Denied")
	}
	return acl == "bucket-owner-full-control", nil
}

// knownCannedACL reports whether acl is "" or one of S3's canned ACLs
// (Amazon S3 User Guide, "Canned ACL").
func knownCannedACL(acl string) bool {
	switch acl {
	case "", "private", "public-read", "public-read-write", "authenticated-read", "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control", "log-delivery-write":
		return true
	}
	return false
}

// publicACLHeaders reports whether a request's x-amz-acl or x-amz-grant-*
// headers grant to the AllUsers or AuthenticatedUsers group.
func publicACLHeaders(h http.Header) bool {
	if publicCannedACLs[h.Get("X-Amz-Acl")] {
		return true
	}
	for k, vs := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-grant-") {
			for _, v := range vs {
				if publicGrantee(v) {
					return true
				}
			}
		}
	}
	return false
}

// blocksPublicACLs reports the BlockPublicAcls setting: writes carrying a
// public ACL are refused (Amazon S3 API Reference,
// PublicAccessBlockConfiguration).
func blocksPublicACLs(b Bucket) bool {
	return b.PublicAccessBlock != nil && b.PublicAccessBlock.BlockPublicAcls
}

// objectOwner is who owns a new object under the bucket's ownership rule.
func objectOwner(b Bucket, writer string, fullControl bool) string {
	switch {
	case writer == "" || b.Ownership == OwnershipEnforced:
		return b.Owner
	case b.Ownership == OwnershipPreferred && fullControl:
		return b.Owner
	}
	return writer
}

// putContext is the condition keys of a write.
func putContext(h http.Header) map[string][]string {
	cx := map[string][]string{}
	if acl := h.Get("X-Amz-Acl"); acl != "" {
		cx["s3:x-amz-acl"] = []string{acl}
	}
	encryptionContext(cx, h)
	if v := h.Get("X-Amz-Storage-Class"); v != "" {
		cx["s3:x-amz-storage-class"] = []string{v}
	}
	if v := h.Get("X-Amz-Content-Sha256"); v != "" {
		cx["s3:x-amz-content-sha256"] = []string{v}
	}
	for _, g := range []string{"full-control", "read", "read-acp", "write", "write-acp"} {
		if v := h.Get("X-Amz-Grant-" + g); v != "" {
			cx["s3:x-amz-grant-"+g] = []string{v}
		}
	}
	// Conditional writes (Amazon S3 User Guide, "Enforce conditional
	// writes on Amazon S3 buckets").
	if v := h.Get("If-None-Match"); v != "" {
		cx["s3:if-none-match"] = []string{v}
	}
	if v := h.Get("If-Match"); v != "" {
		cx["s3:if-match"] = []string{v}
	}
	return cx
}

// authorizeWrite checks s3:PutObject on key. An ACL sent with the write
// (x-amz-acl, x-amz-grant-*) needs nothing more: s3:PutObject governs it
// through the s3:x-amz-acl and s3:x-amz-grant-* condition keys (Amazon S3
// User Guide, "Policy examples for ACLs"; CloudTrail's bucket policy
// grants only s3:PutObject for its bucket-owner-full-control writes).
func (s *Service) authorizeWrite(q *request, b Bucket, pol *policy.Policy, key string, cx map[string][]string) error {
	return s.authorize(q, "s3:PutObject", b, pol, key, cx)
}

// writeConditions applies If-None-Match: * and If-Match to a write of key
// (PutObject, CompleteMultipartUpload; Amazon S3 User Guide, "How to
// prevent object overwrites with conditional writes"): an existing key
// fails If-None-Match with 412 PreconditionFailed, a missing one fails
// If-Match with 404 NoSuchKey, another ETag fails it with 412. It returns
// the check the commit repeats under the key's lock: a write that the key
// changed under since is 409 ConditionalRequestConflict. If-None-Match
// takes only "*".
func (s *Service) writeConditions(q *request, bucket, key string) (func(*Object) error, error) {
	inm, im := q.r.Header.Get("If-None-Match"), q.r.Header.Get("If-Match")
	if inm == "" && im == "" {
		return nil, nil
	}
	if inm != "" && inm != "*" {
		return nil, errNotImplemented("If-None-Match")
	}
	check := func(cur *Object) error {
		if inm == "*" && cur != nil {
			return errPrecondition("If-None-Match")
		}
		if im != "" && cur == nil {
			return errNoSuchKey(key)
		}
		if im != "" && !etagMatches(im, cur.ETag) {
			return errPrecondition("If-Match")
		}
		return nil
	}
	cur, _ := s.store.object(bucket, key)
	if err := check(cur); err != nil {
		return nil, err
	}
	return func(now *Object) error {
		if check(now) != nil {
			return errConditionalConflict()
		}
		return nil
	}, nil
}

// admitWrite runs the checks that start a write of a new object
// (PutObject, CreateMultipartUpload): the key's length, the storage class
// and metadata headers, s3:PutObject, then the ACL headers under the
// bucket's ownership. It reports whether the write carries
// bucket-owner-full-control.
func (s *Service) admitWrite(q *request, b Bucket, pol *policy.Policy) (fullControl bool, tags []Tag, err error) {
	if err := checkKey(q.key); err != nil {
		return false, nil, err
	}
	if err := checkWriteHeaders(q.r.Header, true); err != nil {
		return false, nil, err
	}
	tags, tagged, err := headerTags(q.r.Header)
	if err != nil {
		return false, nil, err
	}
	cx := putContext(q.r.Header)
	if tagged {
		cx = requestTagContext(cx, tags)
	}
	if err := s.authorizeWrite(q, b, pol, q.key, cx); err != nil {
		return false, nil, err
	}
	if len(tags) > 0 {
		if err := s.authorizeTagging(q, b, pol, tags); err != nil {
			return false, nil, err
		}
	}
	fullControl, err = checkACL(b, q.r.Header)
	return fullControl, tags, err
}

func (s *Service) putObject(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if declaredTooLarge(q.r) {
		return errEntityTooLarge()
	}
	full, tags, err := s.admitWrite(q, b, pol)
	if err != nil {
		return err
	}
	enc, err := s.writeEncryption(q, b)
	if err != nil {
		return err
	}
	cond, err := s.writeConditions(q, q.bucket, q.key)
	if err != nil {
		return err
	}
	o := &Object{Key: q.key, Owner: objectOwner(b, q.call.Caller.Account(), full), OwnerFullControl: full, Tags: tags}
	if o.ACL, err = s.writeGrants(q.r.Header, b, o.Owner); err != nil {
		return err
	}
	if err := s.seal(q, b, o, enc); err != nil {
		return err
	}
	applyContentHeaders(o, q.r.Header)
	if err := s.storeBody(q, o, cond); err != nil {
		return err
	}
	s.objectResponseHeaders(q, q.bucket, o, true)
	setExpirationHeader(q.w.Header(), &b, o)
	setVersionHeader(q.w.Header(), b, o)
	return q.noContent(http.StatusOK)
}

// declaredTooLarge reports a body declared larger than one PutObject or
// UploadPart takes, so it is refused before a byte of it is read.
func declaredTooLarge(r *http.Request) bool {
	if r.ContentLength > MaxPutSize {
		return true
	}
	if d := r.Header.Get("X-Amz-Decoded-Content-Length"); d != "" {
		if n, err := strconv.ParseInt(d, 10, 64); err == nil && n > MaxPutSize {
			return true
		}
	}
	return false
}

// storeBody ingests the request body, verifies the client's digests
// and commits o if cond (nil: always) still holds; on any failure nothing
// is stored.
func (s *Service) storeBody(q *request, o *Object, cond func(*Object) error) error {
	b, err := s.ingestRequest(q, append(requestedChecksums(q.r.Header), "CRC64NVME")...)
	if err != nil {
		return err
	}
	o.Size, o.ETag, o.Checksums = b.size, b.h.etag(), b.checksums
	o.LastModified = s.opts.Now().UTC().Truncate(time.Second)
	return s.commitObject(q.bucket, o, b.staged, cond)
}

// commitObject commits o with its staged body, if cond (nil: always)
// accepts the object it replaces, and removes the blob it replaced; on
// error the body is discarded.
func (s *Service) commitObject(bucket string, o *Object, body staged, cond func(*Object) error) error {
	old, err := s.store.putObjectIf(bucket, o, body, cond)
	if err != nil {
		s.store.discard(body)
		return err
	}
	if old != "" {
		s.store.blobs.Remove(old)
	}
	return nil
}

// objectResponseHeaders sets ETag, checksums and encoding headers of a
// write or read.
func (s *Service) objectResponseHeaders(q *request, bucket string, o *Object, write bool) {
	h := q.w.Header()
	h.Set("ETag", o.ETag)
	encryptionHeaders(h, bucket, o, write)
	if write || strings.EqualFold(q.r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") {
		for _, a := range algorithms {
			if v := getChecksum(o.Checksums, a); v != "" && (!write || a != "CRC64NVME" || len(requestedChecksums(q.r.Header)) == 0) {
				h.Set("x-amz-checksum-"+strings.ToLower(a), v)
			}
		}
		if o.Checksums.Type != "" && !write {
			h.Set("x-amz-checksum-type", o.Checksums.Type)
		}
	}
}

// versionRef names the version a read is of: the current one, or with set
// the version id (stored form: "" is the null version).
type versionRef struct {
	id  string
	set bool
}

// lookup finds the version ref names of key: the current version that is
// not a delete marker, or the named version (which may be one).
func (s *store) lookup(bucket, key string, ref versionRef) (*Object, bool) {
	if !ref.set {
		return s.object(bucket, key)
	}
	return s.version(bucket, key, ref.id)
}

// readableObject loads key (or a version of it) for a read. Authorization
// comes before existence: a caller not allowed s3:GetObject (with a
// version id, s3:GetObjectVersion) is refused whether or not the key
// exists, and a missing key is NoSuchKey (NoSuchVersion) only for callers
// also allowed s3:ListBucket, AccessDenied otherwise (Amazon S3 API
// Reference, GetObject and HeadObject: "Permissions"). A current delete
// marker is 404 NoSuchKey, a delete marker named by version id 405, both
// with x-amz-delete-marker (Amazon S3 User Guide, "Working with delete
// markers").
func (s *Service) readableObject(q *request, b Bucket, pol *policy.Policy, key string, ref versionRef) (*Object, error) {
	action := "s3:GetObject"
	if ref.set {
		action = "s3:GetObjectVersion"
	}
	o, ok := s.store.lookup(b.Name, key, ref)
	var tagged *Object
	if ok && !o.DeleteMarker {
		tagged = o
	}
	if err := s.authorizeObject(q, action, b, pol, key, tagged, existingTagContext(nil, tagged)); err != nil {
		return nil, err
	}
	switch {
	case !ok && ref.set:
		if err := s.authorize(q, "s3:ListBucket", b, pol, "", nil); err != nil {
			return nil, err
		}
		return nil, errNoSuchVersion(key, wireVersionID(ref.id))
	case !ok:
		if m := s.store.currentMarker(b.Name, key); m != nil {
			return nil, errCurrentMarker(key, m)
		}
		return nil, s.missingKey(q, b, pol, key)
	case o.DeleteMarker:
		return nil, errMarkerVersion(o)
	}
	return o, nil
}

// missingKey is the answer for a key that does not exist, to a caller
// allowed the operation: NoSuchKey when it may list the bucket (and so
// could learn as much), AccessDenied otherwise.
func (s *Service) missingKey(q *request, b Bucket, pol *policy.Policy, key string) error {
	if err := s.authorize(q, "s3:ListBucket", b, pol, "", nil); err != nil {
		return err
	}
	return errNoSuchKey(key)
}

// openReadable is readableObject with the object's bytes opened. A GET
// racing an overwrite or a delete may load metadata whose blob is removed
// before it is opened; it then reads the metadata again, so it answers the
// old object, the new one, or NoSuchKey — never an internal error.
func (s *Service) openReadable(q *request, b Bucket, pol *policy.Policy, key string, ref versionRef) (*Object, blob, error) {
	for attempt := 0; ; attempt++ {
		o, err := s.readableObject(q, b, pol, key, ref)
		if err != nil {
			return nil, nil, err
		}
		bl, err := s.store.blobs.Open(o.Blob)
		if err == nil {
			return o, bl, nil
		}
		if !errors.Is(err, fs.ErrNotExist) || attempt == maxOpenAttempts {
			return nil, nil, err
		}
		if cur, ok := s.store.lookup(b.Name, key, ref); ok && cur.Blob == o.Blob {
			// The metadata still names a blob that is gone: not a race.
			return nil, nil, err
		}
	}
}

// maxOpenAttempts bounds how often openReadable follows a key that keeps
// being overwritten under it.
const maxOpenAttempts = 100

func etagMatches(header, etag string) bool {
	for _, e := range strings.Split(header, ",") {
		e = strings.TrimSpace(e)
		if e == "*" || strings.Trim(e, `"`) == strings.Trim(etag, `"`) {
			return true
		}
	}
	return false
}

// readConditions evaluates If-Match, If-Unmodified-Since, If-None-Match
// and If-Modified-Since as S3 does (RFC 7232 order).
func readConditions(h http.Header, o *Object) error {
	lm := o.LastModified
	if v := h.Get("If-Match"); v != "" {
		if !etagMatches(v, o.ETag) {
			return errPrecondition("If-Match")
		}
	} else if v := h.Get("If-Unmodified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && lm.After(t) {
			return errPrecondition("If-Unmodified-Since")
		}
	}
	if v := h.Get("If-None-Match"); v != "" {
		if etagMatches(v, o.ETag) {
			return errNotModified()
		}
	} else if v := h.Get("If-Modified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && !lm.After(t) {
			return errNotModified()
		}
	}
	return nil
}

// parseRange parses a single "bytes=" range against size. ok is false
// when the header should be ignored (S3 ignores malformed and multiple
// ranges); an unsatisfiable range is InvalidRange.
func parseRange(h string, size int64) (start, end int64, ok bool, err error) {
	spec, found := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, nil
	}
	a, bs, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, false, nil
	}
	a, bs = strings.TrimSpace(a), strings.TrimSpace(bs)
	switch {
	case a == "" && bs == "":
		return 0, 0, false, nil
	case a == "":
		n, err := strconv.ParseInt(bs, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, false, nil
		}
		if n == 0 || size == 0 {
			return 0, 0, false, errInvalidRange(size)
		}
		if n > size {
			n = size
		}
		return size - n, size - 1, true, nil
	}
	st, err1 := strconv.ParseInt(a, 10, 64)
	if err1 != nil || st < 0 {
		return 0, 0, false, nil
	}
	en := size - 1
	if bs != "" {
		e, err := strconv.ParseInt(bs, 10, 64)
		if err != nil || e < st {
			return 0, 0, false, nil
		}
		if e < en {
			en = e
		}
	}
	if st >= size {
		return 0, 0, false, errInvalidRange(size)
	}
	return st, en, true, nil
}

func (s *Service) getObject(q *request) error { return s.readObject(q, true) }

func (s *Service) headObject(q *request) error { return s.readObject(q, false) }

func (s *Service) readObject(q *request, withBody bool) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	vid, vset, err := versionParam(q)
	if err != nil {
		return err
	}
	ref := versionRef{vid, vset}
	// HEAD needs only the metadata; GET opens the bytes with it.
	var o *Object
	var bl blob
	if withBody {
		o, bl, err = s.openReadable(q, b, pol, q.key, ref)
		if err == nil {
			defer bl.Close()
		}
	} else {
		o, err = s.readableObject(q, b, pol, q.key, ref)
	}
	if err != nil {
		return err
	}
	if err := readEncryption(q.r.Header, ssecPrefix, o.SSEC); err != nil {
		return err
	}
	setVersionHeader(q.w.Header(), b, o)
	if err := readConditions(q.r.Header, o); err != nil {
		if awserr.Is(err, "NotModified") {
			q.w.Header().Set("ETag", o.ETag)
			q.w.Header().Set("Last-Modified", o.LastModified.Format(http.TimeFormat))
		}
		return err
	}
	if withBody && o.SSEKMS != nil {
		// S3 decrypts the object's data key for the reader (kms:Decrypt)
		// before it sets a header or serves a byte; HEAD reads only metadata.
		if err := s.openKMS(q, q.bucket, q.key, o.SSEKMS); err != nil {
			return err
		}
	}
	start, end, partial := int64(0), o.Size-1, false
	if pn := q.get("partNumber"); pn != "" {
		n, err := strconv.Atoi(pn)
		if err != nil || n < 1 || n > maxParts {
			return errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", pn)
		}
		if q.r.Header.Get("Range") != "" {
			return errInvalidRequest("Cannot specify both Range header and partNumber query parameter")
		}
		st, en, ok := partRange(o, n)
		if !ok {
			// Amazon S3 API Reference, "Error responses":
			// InvalidPartNumber, 416.
			return errInvalidPartNumber(n, max(o.PartsCount, 1))
		}
		start, end, partial = st, en, o.Size > 0
		q.w.Header().Set("x-amz-mp-parts-count", strconv.Itoa(max(o.PartsCount, 1)))
	} else if rh := q.r.Header.Get("Range"); rh != "" {
		st, en, ok, err := parseRange(rh, o.Size)
		if err != nil {
			return err
		}
		if ok {
			start, end, partial = st, en, true
		}
	}
	h := q.w.Header()
	s.objectResponseHeaders(q, q.bucket, o, false)
	if partial {
		// Checksums cover the whole object, so a part or range gets none.
		for _, a := range algorithms {
			h.Del("x-amz-checksum-" + strings.ToLower(a))
		}
		h.Del("x-amz-checksum-type")
	}
	h.Set("Last-Modified", o.LastModified.Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	setIf(h, "Content-Type", override(q, "response-content-type", o.ContentType))
	setIf(h, "Content-Encoding", override(q, "response-content-encoding", o.ContentEncoding))
	setIf(h, "Content-Language", override(q, "response-content-language", o.ContentLanguage))
	setIf(h, "Content-Disposition", override(q, "response-content-disposition", o.Disposition))
	setIf(h, "Cache-Control", override(q, "response-cache-control", o.CacheControl))
	setIf(h, "Expires", override(q, "response-expires", o.Expires))
	if o.StorageClass != "" && o.StorageClass != "STANDARD" {
		h.Set("x-amz-storage-class", o.StorageClass)
	}
	setTaggingCount(h, o)
	setExpirationHeader(h, &b, o)
	if o.PartsCount > 0 && h.Get("x-amz-mp-parts-count") == "" && strings.EqualFold(q.r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") {
		h.Set("x-amz-mp-parts-count", strconv.Itoa(o.PartsCount))
	}
	for k, v := range o.Meta {
		// Raw lower-case names, as S3 sends them: SDKs take the metadata
		// key from the header name as written.
		h["x-amz-meta-"+k] = []string{v}
	}
	n := end - start + 1
	if o.Size == 0 {
		n = 0
	}
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	status := http.StatusOK
	if partial {
		h.Set("Content-Range", "bytes "+strconv.FormatInt(start, 10)+"-"+strconv.FormatInt(end, 10)+"/"+strconv.FormatInt(o.Size, 10))
		status = http.StatusPartialContent
	}
	q.commonHeaders()
	q.w.WriteHeader(status)
	if !withBody || n == 0 {
		return nil
	}
	_, err = copyBody(q.w, io.NewSectionReader(bl, start, n), n)
	return ignoreClientGone(err)
}

// ignoreClientGone drops write errors after the status is sent: the client
// went away, and nothing can be reported to it.
func ignoreClientGone(error) error { return nil }

func setIf(h http.Header, k, v string) {
	if v != "" {
		h.Set(k, v)
	}
}

func override(q *request, param, v string) string {
	if o := q.get(param); o != "" {
		return o
	}
	return v
}

// partRange returns the byte range of part n of a multipart object (a
// single-part object has one part).
func partRange(o *Object, n int) (int64, int64, bool) {
	if o.PartsCount == 0 {
		if n != 1 {
			return 0, 0, false
		}
		return 0, o.Size - 1, true
	}
	if n > len(o.PartSizes) {
		return 0, 0, false
	}
	var off int64
	sizes := o.PartSizes
	for i := 0; i < n-1; i++ {
		off += sizes[i]
	}
	return off, off + sizes[n-1] - 1, true
}

// deleteCondition is the If-Match of a conditional delete (Amazon S3
// User Guide, "How to perform conditional deletes"): "*" needs the key to
// exist, an ETag needs it to be the key's, and s3:GetObject besides
// s3:DeleteObject; a missing key is 404 NoSuchKey, another ETag 412
// PreconditionFailed. It returns nil for an unconditional delete.
func (s *Service) deleteCondition(q *request, b Bucket, pol *policy.Policy, key, ifMatch string) (func(*Object) error, error) {
	if ifMatch == "" {
		return nil, nil
	}
	if strings.TrimSpace(ifMatch) != "*" {
		if err := s.authorize(q, "s3:GetObject", b, pol, key, nil); err != nil {
			return nil, err
		}
	}
	return func(o *Object) error {
		if o == nil {
			return errNoSuchKey(key)
		}
		if !etagMatches(ifMatch, o.ETag) {
			return errPrecondition("If-Match")
		}
		return nil
	}, nil
}

// deleteObject is DeleteObject: without a version id it removes the null
// version or adds a delete marker as the bucket's versioning says; with
// one (s3:DeleteObjectVersion) it removes that version for good. A
// version id that names nothing is not an error (Amazon S3 API
// Reference, DeleteObject).
func (s *Service) deleteObject(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	out, err := s.removeObject(q, b, pol, q.key, q.get("versionId"), q.has("versionId"), q.r.Header.Get("If-Match"))
	if err != nil {
		return err
	}
	h := q.w.Header()
	if out.DeleteMarker {
		h.Set("x-amz-delete-marker", "true")
	}
	if out.Versioned || q.has("versionId") {
		h.Set("x-amz-version-id", wireVersionID(out.VersionID))
	}
	return q.noContent(http.StatusNoContent)
}

// removeObject authorizes and runs one delete of DeleteObject or
// DeleteObjects; vid is the version id as the client sent it, ifMatch the
// delete's If-Match (checked against the current object, or the version
// named).
func (s *Service) removeObject(q *request, b Bucket, pol *policy.Policy, key, vid string, vset bool, ifMatch string) (deleteOutcome, error) {
	if vset && vid == "" {
		return deleteOutcome{}, errInvalidVersionID("versionId", vid)
	}
	action := "s3:DeleteObject"
	if vset {
		action = "s3:DeleteObjectVersion"
	}
	var cx map[string][]string
	if ifMatch != "" {
		cx = map[string][]string{"s3:if-match": {ifMatch}}
	}
	if err := s.authorize(q, action, b, pol, key, cx); err != nil {
		return deleteOutcome{}, err
	}
	cond, err := s.deleteCondition(q, b, pol, key, ifMatch)
	if err != nil {
		return deleteOutcome{}, err
	}
	var out deleteOutcome
	var blobName string
	if vset {
		if b.MFADelete == "Enabled" {
			if err := checkMFA(q, b); err != nil {
				return deleteOutcome{}, err
			}
		}
		out, blobName, err = s.store.deleteVersion(b.Name, key, storedVersionID(vid), cond)
	} else {
		out, blobName, err = s.store.deleteCurrent(b.Name, key, q.call.Caller.Account(), s.opts.Now().UTC().Truncate(time.Second), cond)
	}
	if err != nil {
		return deleteOutcome{}, err
	}
	if blobName != "" {
		s.store.blobs.Remove(blobName)
	}
	return out, nil
}

func (s *Service) deleteObjects(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	var req deleteRequest
	if err := decodeXMLBody(q, &req); err != nil {
		return err
	}
	if len(req.Objects) == 0 || len(req.Objects) > 1000 {
		return errMalformedXML()
	}
	res := deleteResult{Xmlns: xmlns}
	for _, obj := range req.Objects {
		vset := obj.VersionID != ""
		out, err := s.removeObject(q, b, pol, obj.Key, obj.VersionID, vset, obj.ETag)
		if err != nil {
			e := awserr.From(err)
			if e.StatusCode >= 500 {
				e = awserr.New(http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
			}
			msg := e.Message
			if e.Code == "AccessDenied" {
				msg = "Access Denied"
			}
			res.Errors = append(res.Errors, deleteErrorXML{Key: obj.Key, VersionID: obj.VersionID, Code: e.Code, Message: msg})
			continue
		}
		if req.Quiet {
			continue
		}
		d := deletedXML{Key: obj.Key, VersionID: obj.VersionID}
		switch {
		case vset:
			d.DeleteMarker = out.DeleteMarker
			if out.DeleteMarker {
				d.DeleteMarkerVersionID = obj.VersionID
			}
		case out.DeleteMarker:
			d.DeleteMarker, d.DeleteMarkerVersionID = true, wireVersionID(out.VersionID)
		}
		res.Deleted = append(res.Deleted, d)
	}
	return q.writeXML(http.StatusOK, res)
}

func (s *Service) getObjectACL(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	o, ok := s.store.object(q.bucket, q.key)
	if err := s.authorizeObject(q, "s3:GetObjectAcl", b, pol, q.key, o, nil); err != nil {
		return err
	}
	if !ok {
		return errNoSuchKey(q.key)
	}
	acl := grantsXML(o.Owner, o.ACL)
	if o.Owner != b.Owner && o.OwnerFullControl && !hasAccountGrant(o.ACL, b.Owner, "FULL_CONTROL") {
		acl.Grants = append(acl.Grants, grant{Grantee: grantee{XMLNS: "http://www.w3.org/2001/XMLSchema-instance", Type: "CanonicalUser", ID: canonicalID(b.Owner)}, Permission: "FULL_CONTROL"})
	}
	return q.writeXML(http.StatusOK, acl)
}

func (s *Service) putObjectACL(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	cur, _ := s.store.object(q.bucket, q.key)
	if err := s.authorizeObject(q, "s3:PutObjectAcl", b, pol, q.key, cur, putContext(q.r.Header)); err != nil {
		return err
	}
	full, err := checkACL(b, q.r.Header)
	if err != nil {
		return err
	}
	body, x, hasBody, err := readACLBodyXML(q, q.call.Caller.Account(), b.Owner)
	if err != nil {
		return err
	}
	if hasBody {
		if err := body.check(b); err != nil {
			return err
		}
		full = body.bucketOwnerFull
	}
	var grants []Grant
	if b.Ownership != OwnershipEnforced {
		// With ACLs enabled the grants are kept and enforced (grants.go).
		if grants, err = s.objectGrants(q, b, x, hasBody); err != nil {
			return err
		}
	}
	if err := s.store.updateObject(q.bucket, q.key, func(o *Object) { o.OwnerFullControl, o.ACL = full, withoutOwner(grants, o.Owner) }); err != nil {
		return err
	}
	return q.noContent(http.StatusOK)
}
