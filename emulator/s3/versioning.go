package s3

import (
	"encoding/xml"
	"net/http"
	"regexp"
	"strconv"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/policy"
)

// Bucket versioning: PutBucketVersioning, GetBucketVersioning,
// ListObjectVersions and the version headers of reads and writes (Amazon
// S3 User Guide, "Retaining multiple versions of objects with S3
// Versioning"; Amazon S3 API Reference, PutBucketVersioning,
// ListObjectVersions). The version stacks are in versions.go.

type versioningConfigurationIn struct {
	XMLName   xml.Name `xml:"VersioningConfiguration"`
	Status    string   `xml:"Status"`
	MfaDelete string   `xml:"MfaDelete"`
}

// mfaHeader is x-amz-mfa's form: the device's serial number (or ARN), a
// space, and the code it shows.
var mfaHeader = regexp.MustCompile(`^\S+ \d{6}$`)

func errMFARequired() *awserr.Error {
	return errAccessDenied("Mfa Authentication must be used for this request")
}

// checkMFA enforces MFA delete: only the bucket owner's root user, with an
// x-amz-mfa header, may change MFA delete, change the versioning state of
// a bucket with MFA delete enabled, or delete a version from it (Amazon S3
// User Guide, "Configuring MFA delete"). The emulator has no MFA devices:
// the header's form is checked, not its code.
func checkMFA(q *request, b Bucket) error {
	c := q.call.Caller
	if c.Anonymous() || c.Account() != b.Owner || c.Principal.Type != policy.PrincipalRoot || !mfaHeader.MatchString(q.r.Header.Get("X-Amz-Mfa")) {
		return errMFARequired()
	}
	return nil
}

func (s *Service) putBucketVersioning(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:PutBucketVersioning", b, pol, "", nil); err != nil {
		return err
	}
	var x versioningConfigurationIn
	if err := decodeXMLBody(q, &x); err != nil {
		return err
	}
	if x.Status != "" && x.Status != VersioningEnabled && x.Status != VersioningSuspended {
		return errMalformedXML()
	}
	if x.MfaDelete != "" && x.MfaDelete != "Enabled" && x.MfaDelete != "Disabled" {
		return errMalformedXML()
	}
	mfaNow := b.MFADelete
	if mfaNow == "" {
		mfaNow = "Disabled"
	}
	if (x.MfaDelete != "" && x.MfaDelete != mfaNow) || b.MFADelete == "Enabled" {
		if err := checkMFA(q, b); err != nil {
			return err
		}
	}
	return s.updateBucket(q, func(bs *bucketState) {
		if x.Status != "" {
			bs.Versioning = x.Status
		}
		if x.MfaDelete != "" {
			bs.MFADelete = x.MfaDelete
		}
	}, http.StatusOK)
}

// getBucketVersioning answers the bucket's versioning state: no Status for
// a bucket whose versioning was never set, and MfaDelete only once it has
// been configured (Amazon S3 API Reference, GetBucketVersioning).
func (s *Service) getBucketVersioning(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:GetBucketVersioning", b, pol, "", nil); err != nil {
		return err
	}
	return q.writeXML(http.StatusOK, versioningConfiguration{Xmlns: xmlns, Status: b.Versioning, MfaDelete: b.MFADelete})
}

// setVersionHeader sets x-amz-version-id for o in bucket b: its id, or
// "null" once the bucket's versioning has been set; an unversioned
// bucket's objects get no header.
func setVersionHeader(h http.Header, b Bucket, o *Object) {
	if o.VersionID != "" || b.Versioning != "" {
		h.Set("x-amz-version-id", wireVersionID(o.VersionID))
	}
}

// versionParam reads ?versionId=: set reports whether it was given, and id
// is its stored form ("" for "null"). A malformed id is InvalidArgument.
func versionParam(q *request) (id string, set bool, err error) {
	if !q.has("versionId") {
		return "", false, nil
	}
	v := q.get("versionId")
	if !wellFormedVersionID(v) {
		return "", false, errInvalidVersionID("versionId", v)
	}
	return storedVersionID(v), true, nil
}

func errNoSuchVersion(key, v string) *awserr.Error {
	return awserr.New(http.StatusNotFound, "NoSuchVersion", "The specified version does not exist.").
		With("Key", key).With("VersionId", v)
}

// markerHeaders are the headers of an answer about a delete marker.
func markerHeaders(m *Object) http.Header {
	return http.Header{
		"X-Amz-Delete-Marker": {"true"},
		"X-Amz-Version-Id":    {wireVersionID(m.VersionID)},
		"Last-Modified":       {m.LastModified.Format(http.TimeFormat)},
	}
}

// errCurrentMarker is a read of a key whose current version is a delete
// marker: 404 NoSuchKey with x-amz-delete-marker (Amazon S3 User Guide,
// "Working with delete markers").
func errCurrentMarker(key string, m *Object) *awserr.Error {
	e := errNoSuchKey(key)
	e.Header = markerHeaders(m)
	return e
}

// errMarkerVersion is a GET or HEAD naming a delete marker by version id:
// 405 MethodNotAllowed with x-amz-delete-marker and Last-Modified.
func errMarkerVersion(m *Object) *awserr.Error {
	e := errMethodNotAllowed("GET", "DeleteMarker")
	e.Header = markerHeaders(m)
	return e
}

func (s *Service) listObjectVersions(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	maxKeys, err := maxKeysParam(q)
	if err != nil {
		return err
	}
	cx := map[string][]string{"s3:prefix": {q.get("prefix")}, "s3:max-keys": {strconv.Itoa(maxKeys)}}
	if d := q.get("delimiter"); d != "" {
		cx["s3:delimiter"] = []string{d}
	}
	if err := s.authorize(q, "s3:ListBucketVersions", b, pol, "", cx); err != nil {
		return err
	}
	enc := q.get("encoding-type")
	if enc != "" && enc != "url" {
		return errInvalidArgument("Invalid Encoding Method specified in Request", "encoding-type", enc)
	}
	prefix, delim, keyMarker := q.get("prefix"), q.get("delimiter"), q.get("key-marker")
	idMarker, hasID := q.get("version-id-marker"), q.has("version-id-marker") && q.get("version-id-marker") != ""
	if hasID && keyMarker == "" {
		return errInvalidArgument("A version-id marker cannot be specified without a key marker.", "version-id-marker", idMarker)
	}
	if hasID && !wellFormedVersionID(idMarker) {
		return errInvalidVersionID("version-id-marker", idMarker)
	}
	l, err := s.store.listVersions(q.bucket, prefix, delim, keyMarker, storedVersionID(idMarker), hasID, maxKeys)
	if err != nil {
		return err
	}
	res := listVersionsResult{
		Xmlns: xmlns, Name: q.bucket, Prefix: encodeKey(enc, prefix), KeyMarker: encodeKey(enc, keyMarker), VersionIDMarker: idMarker,
		MaxKeys: maxKeys, Delimiter: encodeKey(enc, delim), IsTruncated: l.truncated, EncodingType: enc, CommonPrefixes: prefixesXML(l.prefixes, enc),
	}
	if l.truncated {
		res.NextKeyMarker = encodeKey(enc, l.nextKey)
		if l.hasNextID {
			res.NextVersionIDMarker = wireVersionID(l.nextID)
		}
	}
	for _, v := range l.versions {
		owner := &ownerXML{ID: canonicalID(v.Owner)}
		if v.DeleteMarker {
			res.Entries = append(res.Entries, deleteMarkerXML{Key: encodeKey(enc, v.Key), VersionID: wireVersionID(v.VersionID), IsLatest: v.IsLatest,
				LastModified: isoTime(v.LastModified), Owner: owner})
			continue
		}
		x := versionXML{Key: encodeKey(enc, v.Key), VersionID: wireVersionID(v.VersionID), IsLatest: v.IsLatest, LastModified: isoTime(v.LastModified),
			ETag: v.ETag, ChecksumType: v.Checksums.Type, Size: v.Size, Owner: owner, StorageClass: v.StorageClass}
		if x.StorageClass == "" {
			x.StorageClass = "STANDARD"
		}
		for _, a := range algorithms {
			if getChecksum(v.Checksums, a) != "" {
				x.ChecksumAlgorithm = append(x.ChecksumAlgorithm, a)
			}
		}
		res.Entries = append(res.Entries, x)
	}
	return q.writeXML(http.StatusOK, res)
}
