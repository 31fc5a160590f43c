package s3

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
)

// copySource parses x-amz-copy-source: "bucket/key" or "/bucket/key",
// URL-encoded, optionally with "?versionId=" naming the source version
// (Amazon S3 API Reference, CopyObject).
func copySource(h string) (bucket, key string, ref versionRef, err error) {
	src, query, hasQuery := strings.Cut(h, "?")
	if hasQuery {
		v, err := url.ParseQuery(query)
		if err != nil {
			return "", "", ref, errInvalidArgument("Invalid copy source encoding", "x-amz-copy-source", h)
		}
		if v.Has("versionId") {
			id := v.Get("versionId")
			if !wellFormedVersionID(id) {
				return "", "", ref, errInvalidVersionID("x-amz-copy-source", id)
			}
			ref = versionRef{storedVersionID(id), true}
		}
	}
	src = strings.TrimPrefix(src, "/")
	if u, e := url.PathUnescape(src); e == nil {
		src = u
	}
	bucket, key, ok := strings.Cut(src, "/")
	if !ok || bucket == "" || key == "" {
		return "", "", ref, errInvalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey", "x-amz-copy-source", h)
	}
	return bucket, key, ref, nil
}

// copySourceConditions applies x-amz-copy-source-if-* to the source.
func copySourceConditions(h http.Header, o *Object) error {
	if v := h.Get("X-Amz-Copy-Source-If-Match"); v != "" && !etagMatches(v, o.ETag) {
		return errPrecondition("x-amz-copy-source-If-Match")
	}
	if v := h.Get("X-Amz-Copy-Source-If-None-Match"); v != "" && etagMatches(v, o.ETag) {
		return errPrecondition("x-amz-copy-source-If-None-Match")
	}
	if v := h.Get("X-Amz-Copy-Source-If-Unmodified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && o.LastModified.After(t) {
			return errPrecondition("x-amz-copy-source-If-Unmodified-Since")
		}
	}
	if v := h.Get("X-Amz-Copy-Source-If-Modified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && !o.LastModified.After(t) {
			return errPrecondition("x-amz-copy-source-If-Modified-Since")
		}
	}
	return nil
}

// readCopySource authorizes s3:GetObject (s3:GetObjectVersion for a
// source version id) on the copy source, decided by the source bucket's
// own policy and owner, and returns the object. It sets
// x-amz-copy-source-version-id when the source bucket is versioned or a
// version was named. A delete marker named by version id is not a source
// (400 InvalidRequest); a current one is NoSuchKey.
func (s *Service) readCopySource(q *request) (*Object, blob, error) {
	sb, sk, ref, err := copySource(q.r.Header.Get("X-Amz-Copy-Source"))
	if err != nil {
		return nil, nil, err
	}
	b, pol, err := s.requireBucket(sb)
	if err != nil {
		return nil, nil, err
	}
	o, bl, err := s.openReadable(q, b, pol, sk, ref)
	if err != nil {
		if e := awserr.From(err); e.Code == "MethodNotAllowed" && ref.set {
			return nil, nil, errInvalidRequest("The source of a copy request may not specifically refer to a delete marker by version id.")
		} else if e.Code == "NoSuchKey" {
			e.Header = nil
			return nil, nil, e
		}
		return nil, nil, err
	}
	// A source written with a customer key is read with it
	// (x-amz-copy-source-server-side-encryption-customer-*).
	if err := readEncryption(q.r.Header, copySSECPrefix, o.SSEC); err != nil {
		bl.Close()
		return nil, nil, err
	}
	if err := copySourceConditions(q.r.Header, o); err != nil {
		bl.Close()
		return nil, nil, err
	}
	// An SSE-KMS source is read with its data key, which KMS decrypts for
	// the caller (kms:Decrypt on the source's key).
	if o.SSEKMS != nil {
		if err := s.openKMS(q, sb, sk, o.SSEKMS); err != nil {
			bl.Close()
			return nil, nil, err
		}
	}
	if b.Versioning != "" || ref.set {
		q.w.Header().Set("x-amz-copy-source-version-id", wireVersionID(o.VersionID))
	}
	return o, bl, nil
}

func (s *Service) copyObject(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := checkKey(q.key); err != nil {
		return err
	}
	src, bl, err := s.readCopySource(q)
	if err != nil {
		return err
	}
	defer bl.Close()
	directive := q.r.Header.Get("X-Amz-Metadata-Directive")
	if directive == "" {
		directive = "COPY"
	}
	if directive != "COPY" && directive != "REPLACE" {
		return errInvalidArgument("Unknown metadata directive.", "x-amz-metadata-directive", directive)
	}
	if err := checkWriteHeaders(q.r.Header, directive == "REPLACE"); err != nil {
		return err
	}
	tags, err := s.copyTags(q, src)
	if err != nil {
		return err
	}
	cx := putContext(q.r.Header)
	if q.r.Header.Get("X-Amz-Tagging-Directive") == "REPLACE" {
		cx = requestTagContext(cx, tags)
	}
	cx["s3:x-amz-copy-source"] = []string{q.r.Header.Get("X-Amz-Copy-Source")}
	cx["s3:x-amz-metadata-directive"] = []string{directive}
	if err := s.authorizeWrite(q, b, pol, q.key, cx); err != nil {
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
	if src.Size > MaxCopySource {
		return errCopySourceTooLarge()
	}
	sb, sk, ref, _ := copySource(q.r.Header.Get("X-Amz-Copy-Source"))
	changesEncryption := len(q.r.Header.Values("X-Amz-Server-Side-Encryption")) > 0 || enc.ssec != nil || src.SSEC.on() ||
		len(q.r.Header.Values("X-Amz-Server-Side-Encryption-Bucket-Key-Enabled")) > 0
	if sb == q.bucket && sk == q.key && !ref.set && directive == "COPY" && q.r.Header.Get("X-Amz-Storage-Class") == "" && q.r.Header.Get("X-Amz-Checksum-Algorithm") == "" && !changesEncryption {
		return errInvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	if q.r.Header.Get("X-Amz-Tagging-Directive") == "REPLACE" && len(tags) > 0 {
		if err := s.authorizeTagging(q, b, pol, tags); err != nil {
			return err
		}
	}
	full, err := checkACL(b, q.r.Header)
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
	if directive == "REPLACE" {
		applyContentHeaders(o, q.r.Header)
	} else {
		o.ContentType, o.ContentEncoding, o.ContentLanguage = src.ContentType, src.ContentEncoding, src.ContentLanguage
		o.Disposition, o.CacheControl, o.Expires, o.Meta = src.Disposition, src.CacheControl, src.Expires, src.Meta
		o.StorageClass = src.StorageClass
		if sc := q.r.Header.Get("X-Amz-Storage-Class"); sc != "" {
			o.StorageClass = sc
		}
	}
	algs := []string{"CRC64NVME"}
	if a := strings.ToUpper(q.r.Header.Get("X-Amz-Checksum-Algorithm")); a != "" {
		algs = append(algs, a)
	} else {
		for _, a := range algorithms {
			if getChecksum(src.Checksums, a) != "" && !strings.HasSuffix(getChecksum(src.Checksums, a), "-"+strconv.Itoa(src.PartsCount)) {
				algs = append(algs, a)
			}
		}
	}
	body, err := s.ingest(io.NewSectionReader(bl, 0, src.Size), algs...)
	if err != nil {
		return err
	}
	o.Size, o.ETag = body.size, body.h.etag()
	for _, a := range algs {
		setChecksum(&o.Checksums, a, body.h.sum(a))
	}
	o.Checksums.Type = "FULL_OBJECT"
	o.LastModified = s.opts.Now().UTC().Truncate(time.Second)
	if err := s.commitObject(q.bucket, o, body.staged, cond); err != nil {
		return err
	}
	encryptionHeaders(q.w.Header(), q.bucket, o, true)
	setVersionHeader(q.w.Header(), b, o)
	return q.writeXML(http.StatusOK, copyObjectResult{Xmlns: xmlns, ETag: o.ETag, LastModified: isoTime(o.LastModified),
		ChecksumCRC32: o.Checksums.CRC32, ChecksumCRC32C: o.Checksums.CRC32C, ChecksumSHA1: o.Checksums.SHA1, ChecksumSHA256: o.Checksums.SHA256})
}

// copyTags returns the tags a copy gets under x-amz-tagging-directive:
// COPY (the default) keeps the source's, which needs s3:GetObjectTagging
// on the source when it has any (Amazon S3 API Reference, CopyObject:
// "x-amz-tagging-directive"; Amazon S3 User Guide, "Copying objects"),
// REPLACE takes x-amz-tagging.
func (s *Service) copyTags(q *request, src *Object) ([]Tag, error) {
	switch d := q.r.Header.Get("X-Amz-Tagging-Directive"); d {
	case "", "COPY":
		if len(src.Tags) == 0 {
			return nil, nil
		}
		sb, sk, ref, err := copySource(q.r.Header.Get("X-Amz-Copy-Source"))
		if err != nil {
			return nil, err
		}
		b, pol, err := s.requireBucket(sb)
		if err != nil {
			return nil, err
		}
		action := "s3:GetObjectTagging"
		if ref.set {
			action = "s3:GetObjectVersionTagging"
		}
		if err := s.authorizeObject(q, action, b, pol, sk, src, existingTagContext(nil, src)); err != nil {
			return nil, err
		}
		return append([]Tag(nil), src.Tags...), nil
	case "REPLACE":
		tags, _, err := headerTags(q.r.Header)
		return tags, err
	default:
		return nil, errInvalidArgument("Unknown tagging directive.", "x-amz-tagging-directive", d)
	}
}

// copyRange parses x-amz-copy-source-range "bytes=first-last": a
// malformed range is InvalidArgument, one past the source's end 416
// InvalidRange (Amazon S3 API Reference, UploadPartCopy:
// x-amz-copy-source-range).
func copyRange(h string, size int64) (int64, int64, error) {
	bad := func() error {
		return awserr.New(http.StatusBadRequest, "InvalidArgument", "Range specified is not valid for source object of size: %d", size).
			With("ArgumentName", "x-amz-copy-source-range").With("ArgumentValue", h)
	}
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok {
		return 0, 0, bad()
	}
	a, b, ok := strings.Cut(spec, "-")
	st, err1 := strconv.ParseInt(a, 10, 64)
	en, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || st < 0 || en < st {
		return 0, 0, bad()
	}
	if en >= size {
		return 0, 0, errInvalidRange(size)
	}
	return st, en, nil
}
