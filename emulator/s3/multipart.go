package s3

import (
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

func newUploadID() string {
	b := make([]byte, 48)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// upload returns the upload named by ?uploadId= for this bucket and key.
func (s *Service) upload(q *request) (*Upload, error) {
	id := q.get("uploadId")
	u := s.store.upload(q.bucket, id)
	if u == nil || u.Key != q.key {
		return nil, errNoSuchUpload(id)
	}
	return u, nil
}

// authorizedUpload is how CompleteMultipartUpload, AbortMultipartUpload
// and ListParts start: the bucket, action on the key, then the upload.
func (s *Service) authorizedUpload(q *request, action string) (Bucket, *Upload, error) {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return Bucket{}, nil, err
	}
	if err := s.authorize(q, action, b, pol, q.key, nil); err != nil {
		return Bucket{}, nil, err
	}
	u, err := s.upload(q)
	return b, u, err
}

func (s *Service) createUpload(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	full, tags, err := s.admitWrite(q, b, pol)
	if err != nil {
		return err
	}
	enc, err := s.writeEncryption(q, b)
	if err != nil {
		return err
	}
	alg := strings.ToUpper(q.r.Header.Get("X-Amz-Checksum-Algorithm"))
	if alg != "" && newChecksum(alg) == nil {
		return errInvalidArgument("Checksum algorithm provided is unsupported.", "x-amz-checksum-algorithm", alg)
	}
	u := &Upload{
		ID: newUploadID(), Bucket: q.bucket, Key: q.key, Initiated: s.opts.Now().UTC(), Initiator: q.call.Caller.ARN(),
		Owner: objectOwner(b, q.call.Caller.Account(), full), Algorithm: alg, Parts: map[int]Part{},
		Template: Object{Key: q.key, OwnerFullControl: full, Tags: tags},
	}
	// The ACL the completed object gets (Amazon S3 API Reference,
	// CreateMultipartUpload: the ACL headers apply to the object).
	if u.Template.ACL, err = s.writeGrants(q.r.Header, b, u.Owner); err != nil {
		return err
	}
	// An SSE-KMS upload gets its data key now (kms:GenerateDataKey);
	// each part needs kms:Decrypt of it.
	if err := s.seal(q, b, &u.Template, enc); err != nil {
		return err
	}
	applyContentHeaders(&u.Template, q.r.Header)
	if err := s.store.createUpload(u); err != nil {
		return err
	}
	encryptionHeaders(q.w.Header(), q.bucket, &u.Template, true)
	if alg != "" {
		q.w.Header().Set("x-amz-checksum-algorithm", alg)
	}
	return q.writeXML(http.StatusOK, initiateMultipartUploadResult{Xmlns: xmlns, Bucket: q.bucket, Key: q.key, UploadID: u.ID})
}

func partNumber(q *request) (int, error) {
	v := q.get("partNumber")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxParts {
		return 0, errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", v)
	}
	return n, nil
}

// savePart commits a part with its staged body; on error the body is
// discarded.
func (s *Service) savePart(bucket, id string, p Part, body staged) error {
	if err := s.store.savePart(bucket, id, p, body); err != nil {
		s.store.discard(body)
		return err
	}
	return nil
}

func (s *Service) uploadPart(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	n, err := partNumber(q)
	if err != nil {
		return err
	}
	if declaredTooLarge(q.r) {
		return errEntityTooLarge()
	}
	if err := s.authorize(q, "s3:PutObject", b, pol, q.key, nil); err != nil {
		return err
	}
	u, err := s.upload(q)
	if err != nil {
		return err
	}
	if err := s.partEncryption(q, u); err != nil {
		return err
	}
	algs := requestedChecksums(q.r.Header)
	if u.Algorithm != "" {
		algs = append(algs, u.Algorithm)
	}
	body, err := s.ingestRequest(q, algs...)
	if err != nil {
		return err
	}
	p := Part{Number: n, Size: body.size, ETag: body.h.etag(), LastModified: s.opts.Now().UTC()}
	if u.Algorithm != "" {
		p.Checksum = getChecksum(body.checksums, u.Algorithm)
	}
	if err := s.savePart(q.bucket, u.ID, p, body.staged); err != nil {
		return err
	}
	q.w.Header().Set("ETag", p.ETag)
	encryptionHeaders(q.w.Header(), q.bucket, &u.Template, false)
	if p.Checksum != "" {
		q.w.Header().Set("x-amz-checksum-"+strings.ToLower(u.Algorithm), p.Checksum)
	}
	return q.noContent(http.StatusOK)
}

func (s *Service) uploadPartCopy(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	n, err := partNumber(q)
	if err != nil {
		return err
	}
	src, bl, err := s.readCopySource(q)
	if err != nil {
		return err
	}
	defer bl.Close()
	cx := map[string][]string{"s3:x-amz-copy-source": {q.r.Header.Get("X-Amz-Copy-Source")}}
	if err := s.authorize(q, "s3:PutObject", b, pol, q.key, cx); err != nil {
		return err
	}
	u, err := s.upload(q)
	if err != nil {
		return err
	}
	if err := s.partEncryption(q, u); err != nil {
		return err
	}
	start, end := int64(0), src.Size-1
	if rh := q.r.Header.Get("X-Amz-Copy-Source-Range"); rh != "" {
		if start, end, err = copyRange(rh, src.Size); err != nil {
			return err
		}
	} else if src.Size > MaxCopySource {
		return errCopySourceTooLarge()
	}
	if end-start+1 > MaxCopySource {
		return errCopySourceTooLarge()
	}
	var algs []string
	if u.Algorithm != "" {
		algs = append(algs, u.Algorithm)
	}
	length := end - start + 1
	if src.Size == 0 {
		length = 0
	}
	body, err := s.ingest(io.NewSectionReader(bl, start, length), algs...)
	if err != nil {
		return err
	}
	p := Part{Number: n, Size: body.size, ETag: body.h.etag(), LastModified: s.opts.Now().UTC().Truncate(time.Second)}
	if u.Algorithm != "" {
		p.Checksum = body.h.sum(u.Algorithm)
	}
	if err := s.savePart(q.bucket, u.ID, p, body.staged); err != nil {
		return err
	}
	encryptionHeaders(q.w.Header(), q.bucket, &u.Template, false)
	return q.writeXML(http.StatusOK, copyPartResult{Xmlns: xmlns, ETag: p.ETag, LastModified: isoTime(p.LastModified)})
}

// completed answers a CompleteMultipartUpload of an upload that is gone:
// if it completed the key's current object, as the first completion did
// (S3 answers a retried completion with 200 and the same result, so an
// SDK's retry of a completion whose answer was lost succeeds; Amazon S3
// API Reference, CompleteMultipartUpload), NoSuchUpload otherwise.
func (s *Service) completed(q *request) error {
	id := q.get("uploadId")
	o, ok := s.store.object(q.bucket, q.key)
	if !ok || id == "" || o.UploadID != id {
		return errNoSuchUpload(id)
	}
	return s.completeResult(q, o, o.Checksums.Type == "COMPOSITE" || o.Checksums.CRC32 != "" || o.Checksums.CRC32C != "" || o.Checksums.SHA1 != "" || o.Checksums.SHA256 != "")
}

// completeResult writes CompleteMultipartUpload's answer for o; withType
// adds its checksum type (an upload started with a checksum algorithm).
func (s *Service) completeResult(q *request, o *Object, withType bool) error {
	res := completeMultipartUploadResult{Xmlns: xmlns, Location: "/" + q.bucket + "/" + q.key, Bucket: q.bucket, Key: q.key, ETag: o.ETag,
		ChecksumCRC32: o.Checksums.CRC32, ChecksumCRC32C: o.Checksums.CRC32C, ChecksumSHA1: o.Checksums.SHA1, ChecksumSHA256: o.Checksums.SHA256}
	if withType {
		res.ChecksumType = o.Checksums.Type
	}
	switch {
	case o.SSEKMS != nil:
		kmsHeaders(q.w.Header(), q.bucket, q.key, o.SSEKMS, false)
	case !o.SSEC.on():
		q.w.Header().Set("x-amz-server-side-encryption", sseS3)
	}
	if b, _, ok := s.store.bucket(q.bucket); ok {
		setVersionHeader(q.w.Header(), b, o)
	}
	return q.writeXML(http.StatusOK, res)
}

func (s *Service) completeUpload(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:PutObject", b, pol, q.key, nil); err != nil {
		return err
	}
	var req completeMultipartUpload
	if err := decodeXMLBody(q, &req); err != nil {
		return err
	}
	u, err := s.upload(q)
	if err != nil {
		return s.completed(q)
	}
	if len(req.Parts) == 0 {
		return errMalformedXML()
	}
	cond, err := s.writeConditions(q, q.bucket, q.key)
	if err != nil {
		return err
	}
	// The upload's lock orders this with its part uploads and its abort; the
	// key's lock, taken for the commit, orders it with writes of the key.
	bs, unlock, err := s.store.lockUpload(q.bucket, u.ID, false)
	if err != nil {
		return err
	}
	defer unlock()
	if u = s.store.upload(q.bucket, u.ID); u == nil {
		return s.completed(q)
	}
	// Parts cannot change while the upload's lock is held exclusively.
	have := map[int]Part{}
	for _, p := range s.store.parts(u.ID) {
		have[p.Number] = p
	}
	parts := make([]Part, 0, len(req.Parts))
	prev := 0
	for _, rp := range req.Parts {
		if rp.PartNumber <= prev {
			return errInvalidPartOrder()
		}
		prev = rp.PartNumber
		p, ok := have[rp.PartNumber]
		if !ok || strings.Trim(rp.ETag, `" `) != strings.Trim(p.ETag, `"`) {
			return errInvalidPart()
		}
		parts = append(parts, p)
	}
	for i, p := range parts {
		if i < len(parts)-1 && p.Size < s.opts.MinPartSize {
			return errEntityTooSmall()
		}
	}
	// Concatenate the parts into the object's blob.
	var readers []io.Reader
	var closers []io.Closer
	defer func() {
		for _, c := range closers {
			c.Close()
		}
	}()
	etags := make([]string, len(parts))
	sums := make([]string, len(parts))
	sizes := make([]int64, len(parts))
	for i, p := range parts {
		bl, err := s.store.blobs.Open(p.Blob)
		if err != nil {
			return err
		}
		closers = append(closers, bl)
		readers = append(readers, io.NewSectionReader(bl, 0, p.Size))
		etags[i], sums[i], sizes[i] = p.ETag, p.Checksum, p.Size
	}
	body, err := s.ingest(io.MultiReader(readers...), "CRC64NVME")
	if err != nil {
		return err
	}
	o := u.Template
	o.Owner, o.Size = u.Owner, body.size
	if b.Ownership == OwnershipEnforced {
		o.Owner = b.Owner
	}
	o.ETag = multipartETag(etags)
	o.UploadID = u.ID
	o.PartsCount, o.PartSizes = len(parts), sizes
	o.LastModified = s.opts.Now().UTC().Truncate(time.Second)
	o.Checksums = Checksums{CRC64NVME: body.h.sum("CRC64NVME"), Type: "FULL_OBJECT"}
	if u.Algorithm != "" && u.Algorithm != "CRC64NVME" {
		setChecksum(&o.Checksums, u.Algorithm, compositeChecksum(u.Algorithm, sums))
		o.Checksums.Type = "COMPOSITE"
	}
	// One record commits the object and forgets the upload.
	unlockKey := s.store.lockName(keyLockName(q.bucket, q.key), false)
	if cond != nil {
		cur, _ := s.store.object(q.bucket, q.key)
		if err := cond(cur); err != nil {
			unlockKey()
			s.store.discard(body.staged)
			return err
		}
	}
	old, err := s.store.commitObject(bs, &o, body.staged, u.ID)
	unlockKey()
	if err != nil {
		s.store.discard(body.staged)
		return err
	}
	if old != "" {
		s.store.blobs.Remove(old)
	}
	s.removeParts(u)
	return s.completeResult(q, &o, u.Algorithm != "")
}

// removeParts removes the blobs of a forgotten upload's parts; the caller
// holds the upload's lock.
func (s *Service) removeParts(u *Upload) {
	for _, p := range u.Parts {
		s.store.blobs.Remove(p.Blob)
	}
}

func (s *Service) abortUpload(q *request) error {
	_, u, err := s.authorizedUpload(q, "s3:AbortMultipartUpload")
	if err != nil {
		return err
	}
	_, unlock, err := s.store.lockUpload(q.bucket, u.ID, false)
	if err != nil {
		return err
	}
	defer unlock()
	if u = s.store.upload(q.bucket, u.ID); u == nil {
		return errNoSuchUpload(q.get("uploadId"))
	}
	if err := s.store.deleteUpload(u.ID); err != nil {
		return err
	}
	s.removeParts(u)
	return q.noContent(http.StatusNoContent)
}

func (s *Service) listParts(q *request) error {
	_, u, err := s.authorizedUpload(q, "s3:ListMultipartUploadParts")
	if err != nil {
		return err
	}
	marker, _ := strconv.Atoi(q.get("part-number-marker"))
	maxP := 1000
	if v := q.get("max-parts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errInvalidArgument("Provided max-parts not an integer or within integer range", "max-parts", v)
		}
		maxP = min(n, 1000)
	}
	var parts []Part
	for _, p := range s.store.parts(u.ID) {
		if p.Number > marker {
			parts = append(parts, p)
		}
	}
	res := listPartsResult{Xmlns: xmlns, Bucket: q.bucket, Key: q.key, UploadID: u.ID, PartNumberMarker: marker, MaxParts: maxP,
		Initiator: ownerXML{ID: u.Initiator}, Owner: ownerXML{ID: canonicalID(u.Owner)}, StorageClass: "STANDARD", ChecksumAlgorithm: u.Algorithm}
	for i, p := range parts {
		if i == maxP {
			res.IsTruncated = true
			break
		}
		px := partXML{PartNumber: p.Number, LastModified: isoTime(p.LastModified), ETag: p.ETag, Size: p.Size}
		switch u.Algorithm {
		case "CRC32":
			px.ChecksumCRC32 = p.Checksum
		case "CRC32C":
			px.ChecksumCRC32C = p.Checksum
		case "SHA1":
			px.ChecksumSHA1 = p.Checksum
		case "SHA256":
			px.ChecksumSHA256 = p.Checksum
		}
		res.Parts = append(res.Parts, px)
		res.NextPartNumberMarker = p.Number
	}
	return q.writeXML(http.StatusOK, res)
}

func (s *Service) listUploads(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:ListBucketMultipartUploads", b, pol, "", nil); err != nil {
		return err
	}
	prefix, keyMarker, idMarker := q.get("prefix"), q.get("key-marker"), q.get("upload-id-marker")
	maxU := 1000
	if v := q.get("max-uploads"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errInvalidArgument("Provided max-uploads not an integer or within integer range", "max-uploads", v)
		}
		maxU = min(n, 1000)
	}
	var us []*Upload
	for _, u := range s.store.uploadsIn(q.bucket) {
		if strings.HasPrefix(u.Key, prefix) && (u.Key > keyMarker || (u.Key == keyMarker && idMarker != "" && u.ID > idMarker)) {
			us = append(us, u)
		}
	}
	sort.Slice(us, func(i, j int) bool {
		if us[i].Key != us[j].Key {
			return us[i].Key < us[j].Key
		}
		return us[i].Initiated.Before(us[j].Initiated)
	})
	res := listMultipartUploadsResult{Xmlns: xmlns, Bucket: q.bucket, KeyMarker: keyMarker, UploadIDMarker: idMarker, Prefix: prefix, MaxUploads: maxU}
	for i, u := range us {
		if i == maxU {
			res.IsTruncated = true
			break
		}
		res.Uploads = append(res.Uploads, uploadXML{Key: u.Key, UploadID: u.ID, Initiator: ownerXML{ID: u.Initiator}, Owner: ownerXML{ID: canonicalID(u.Owner)},
			StorageClass: "STANDARD", Initiated: isoTime(u.Initiated)})
		res.NextKeyMarker, res.NextUploadIDMarker = u.Key, u.ID
	}
	return q.writeXML(http.StatusOK, res)
}
