package s3

// POST object: browser-based uploads (Amazon S3 API Reference,
// "Browser-Based Uploads Using POST (AWS Signature Version 4)" and
// "POST Object"): a multipart/form-data POST to the bucket whose fields,
// before the file, give the key, the object's headers and, for an
// authenticated upload, a policy document signed with SigV4.

import (
	"encoding/xml"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
)

// PostSignature is what a browser upload's form says about its signature,
// for Options.VerifyPost: the x-amz-algorithm, x-amz-credential,
// x-amz-date, x-amz-signature and x-amz-security-token fields and the
// base64 policy.
type PostSignature struct {
	Algorithm, Credential, Date, Signature, Token, Policy string
}

// Limits of the fields before the file.
const (
	maxPostField  = 64 << 10
	maxPostFields = 1 << 20
)

func errMalformedPOST() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
}

func errPostArgument(name, value, msg string) *awserr.Error {
	return errInvalidArgument(msg, name, value)
}

// isPostUpload reports whether a POST to a bucket is a browser upload.
func isPostUpload(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// postForm is a browser upload's form: its fields before the file
// (lower-case names) and the file part.
type postForm struct {
	fields   map[string]string
	file     *multipart.Part
	filename string
}

// readPostForm reads the fields up to the file part, which it leaves
// unread; fields after the file are ignored, as S3 ignores them.
func readPostForm(r *http.Request) (*postForm, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errMalformedPOST()
	}
	f := &postForm{fields: map[string]string{}}
	total := 0
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, errPostArgument("file", "0", "POST requires exactly one file upload per request.")
		}
		if err != nil {
			return nil, errMalformedPOST()
		}
		name := strings.ToLower(p.FormName())
		if name == "file" {
			f.file, f.filename = p, p.FileName()
			return f, nil
		}
		b, err := io.ReadAll(io.LimitReader(p, maxPostField+1))
		if err != nil {
			return nil, errMalformedPOST()
		}
		if total += len(b); len(b) > maxPostField || total > maxPostFields {
			return nil, awserr.New(http.StatusBadRequest, "MaxPostPreDataLengthExceededError", "Your POST request fields preceding the upload file were too large.")
		}
		if name != "" {
			f.fields[name] = string(b)
		}
	}
}

// postHeaders are the form fields that stand for request headers of a
// PutObject: the content headers, acl, and the x-amz-* fields other than
// the signature's.
func postHeaders(fields map[string]string) http.Header {
	h := http.Header{}
	for name, v := range fields {
		switch {
		case name == "content-type" || name == "cache-control" || name == "content-disposition" || name == "content-encoding" ||
			name == "content-language" || name == "expires":
			h.Set(name, v)
		case name == "acl":
			h.Set("X-Amz-Acl", v)
		case strings.HasPrefix(name, "x-amz-"):
			switch name {
			case "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature", "x-amz-security-token":
			default:
				h[http.CanonicalHeaderKey(name)] = []string{v}
			}
		}
	}
	return h
}

// postObject stores a browser upload. Its caller is the key of the policy
// signature, or anonymous for a form without one; the policy must hold and
// s3:PutObject be allowed as for PutObject.
func (s *Service) postObject(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	form, err := readPostForm(q.r)
	if err != nil {
		return err
	}
	fields := form.fields
	key, ok := fields["key"]
	if !ok {
		return errPostArgument("key", "", "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.")
	}
	key = strings.ReplaceAll(key, "${filename}", form.filename)
	if key == "" {
		return errPostArgument("key", "", "User key must have a length greater than 0.")
	}
	if _, v2 := fields["awsaccesskeyid"]; v2 {
		return errInvalidRequest("The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
	}
	policyB64, hasPolicy := fields["policy"]
	_, hasSig := fields["x-amz-signature"]
	switch {
	case hasPolicy && !hasSig:
		return errPostArgument("x-amz-signature", "", "Bucket POST must contain a field named 'x-amz-signature'.  If it is specified, please check the order of the fields.")
	case hasSig && !hasPolicy:
		return errPostArgument("policy", "", "Bucket POST must contain a field named 'policy'.  If it is specified, please check the order of the fields.")
	}
	var policyDoc *postPolicy
	if hasPolicy {
		if s.opts.VerifyPost == nil {
			return errNotImplemented("x-amz-signature")
		}
		caller, err := s.opts.VerifyPost(q.ctx, PostSignature{Algorithm: fields["x-amz-algorithm"], Credential: fields["x-amz-credential"],
			Date: fields["x-amz-date"], Signature: fields["x-amz-signature"], Token: fields["x-amz-security-token"], Policy: policyB64})
		if err != nil {
			return err
		}
		q.call.Caller = caller
		if policyDoc, err = parsePostPolicy(policyB64); err != nil {
			return err
		}
		if err := policyDoc.check(fields, q.bucket, s.opts.Now()); err != nil {
			return err
		}
	}
	// The rest is PutObject's, with the form's fields as its headers.
	r := q.r.Clone(q.ctx)
	r.Header = postHeaders(fields)
	w := *q
	w.r, w.key = r, key
	full, tags, err := s.admitWrite(&w, b, pol)
	if err != nil {
		return err
	}
	enc, err := s.writeEncryption(&w, b)
	if err != nil {
		return err
	}
	o := &Object{Key: key, Owner: objectOwner(b, q.call.Caller.Account(), full), OwnerFullControl: full, Tags: tags}
	if o.ACL, err = s.writeGrants(r.Header, b, o.Owner); err != nil {
		return err
	}
	if err := s.seal(&w, b, o, enc); err != nil {
		return err
	}
	applyContentHeaders(o, r.Header)
	body, err := s.ingest(io.LimitReader(form.file, MaxPutSize+1), "CRC64NVME")
	if err != nil {
		return errMalformedPOST()
	}
	if policyDoc != nil && policyDoc.MaxSize >= 0 && (body.size < policyDoc.MinSize || body.size > policyDoc.MaxSize) {
		s.store.discard(body.staged)
		if body.size > policyDoc.MaxSize {
			return errEntityTooLarge().With("ProposedSize", strconv.FormatInt(body.size, 10)).With("MaxSizeAllowed", strconv.FormatInt(policyDoc.MaxSize, 10))
		}
		return errEntityTooSmall().With("ProposedSize", strconv.FormatInt(body.size, 10)).With("MinSizeAllowed", strconv.FormatInt(policyDoc.MinSize, 10))
	}
	if body.size > MaxPutSize {
		s.store.discard(body.staged)
		return errEntityTooLarge()
	}
	o.Size, o.ETag = body.size, body.h.etag()
	o.Checksums = Checksums{CRC64NVME: body.h.sum("CRC64NVME"), Type: "FULL_OBJECT"}
	o.LastModified = s.opts.Now().UTC().Truncate(time.Second)
	if err := s.commitObject(q.bucket, o, body.staged, nil); err != nil {
		return err
	}
	return s.postResponse(q, fields, key, o)
}

type postResponseXML struct {
	XMLName  xml.Name `xml:"PostResponse"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
}

// postResponse answers a stored upload as the form asks (Amazon S3 API
// Reference, POST Object: success_action_redirect, success_action_status):
// a redirect (303) to success_action_redirect with bucket, key and etag in
// its query; else 200 (empty), 201 (a PostResponse document) or, by
// default, 204.
func (s *Service) postResponse(q *request, fields map[string]string, key string, o *Object) error {
	h := q.w.Header()
	h.Set("ETag", o.ETag)
	encryptionHeaders(h, q.bucket, o, true)
	scheme := "http"
	if q.r.TLS != nil {
		scheme = "https"
	}
	loc := scheme + "://" + q.r.Host + "/" + (&url.URL{Path: q.bucket + "/" + key}).EscapedPath()
	if s.bucketFromHost(q.r.Host) != "" {
		loc = scheme + "://" + q.r.Host + "/" + (&url.URL{Path: key}).EscapedPath()
	}
	h.Set("Location", loc)
	redirect := fields["success_action_redirect"]
	if redirect == "" {
		redirect = fields["redirect"]
	}
	if u, err := url.Parse(redirect); redirect != "" && err == nil && u.Scheme != "" {
		v := u.Query()
		v.Set("bucket", q.bucket)
		v.Set("key", key)
		v.Set("etag", o.ETag)
		u.RawQuery = v.Encode()
		h.Set("Location", u.String())
		return q.noContent(http.StatusSeeOther)
	}
	switch fields["success_action_status"] {
	case "200":
		return q.noContent(http.StatusOK)
	case "201":
		return q.writeXML(http.StatusCreated, postResponseXML{Location: loc, Bucket: q.bucket, Key: key, ETag: o.ETag})
	}
	return q.noContent(http.StatusNoContent)
}
