package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
)

// Limits (Amazon S3 User Guide, "Amazon S3 multipart upload limits").
const (
	// MaxCopySource is the largest object CopyObject and UploadPartCopy read.
	MaxCopySource = 5 << 30
	// MaxPutSize is the largest single PutObject.
	MaxPutSize = 5 << 30
	// DefaultMinPartSize is the smallest part except the last.
	DefaultMinPartSize = 5 << 20
	maxParts           = 10000
)

// Options configures the S3 service.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// DataDir, when set, keeps buckets and objects under DataDir/s3.
	DataDir string
	// MinPartSize overrides the 5 MiB minimum part size (tests of
	// multipart copies with small objects).
	MinPartSize int64
	// PrincipalExists reports whether an IAM role or user ARN named in a
	// bucket policy exists; S3 refuses policies naming unknown principals.
	// Nil accepts every principal.
	PrincipalExists func(arn string) bool
	// Principals, when set, binds the roles and users a bucket policy
	// names to their unique ids: a deleted one reads back, and is
	// evaluated, as its unique id.
	Principals service.PrincipalBinder
	// Accounts, when set, lists the accounts IAM knows: with the bucket
	// owners they are the canonical users an ACL grant may name.
	Accounts func() []string
	// Log receives the data directory's warnings (records dropped or
	// skipped at open, a failed compaction); nil discards them.
	Log *slog.Logger
	// VerifyPost checks the signature of a browser upload (POST object)
	// and returns its caller; nil refuses signed POST uploads.
	VerifyPost func(ctx context.Context, p PostSignature) (*service.Caller, error)
	// KMS, when set, is the KMS that SSE-KMS and DSSE-KMS writes and
	// reads call on their caller's behalf; nil refuses them with
	// NotImplemented.
	KMS KeyService
	// Hosts are extra host names whose subdomains are bucket names
	// (virtual-host-style addressing), besides s3.amazonaws.com,
	// s3.REGION.amazonaws.com and localhost.
	Hosts []string
}

// Service is the emulated S3. It implements service.Handler.
type Service struct {
	opts  Options
	store *store
}

// New returns the S3 service.
func New(opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.MinPartSize <= 0 {
		opts.MinPartSize = DefaultMinPartSize
	}
	st, err := newStore(opts.DataDir, opts.Log)
	if err != nil {
		return nil, err
	}
	return &Service{opts: opts, store: st}, nil
}

// Close closes the data directory's journal, once a compaction under way
// has finished. Requests must have been drained; it is a no-op in memory.
func (s *Service) Close() error { return s.store.close() }

// canonicalID is the canonical user id S3 shows for an account.
func canonicalID(acct string) string {
	h := sha256.Sum256([]byte("xacct-canonical-user:" + acct))
	return hex.EncodeToString(h[:])
}

// request is one S3 request after routing.
type request struct {
	w      http.ResponseWriter
	r      *http.Request
	call   *service.Call
	ctx    context.Context
	bucket string
	key    string
	q      map[string][]string
}

func (q *request) has(name string) bool { _, ok := q.q[name]; return ok }

func (q *request) get(name string) string {
	if v := q.q[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// bucketFromHost returns the bucket named by a virtual-host-style Host.
func (s *Service) bucketFromHost(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	if net.ParseIP(host) != nil {
		return ""
	}
	// The longest base that matches wins: BUCKET.s3.localhost names
	// BUCKET, not "BUCKET.s3", and s3.localhost itself is the endpoint,
	// not a bucket called "s3".
	best, bucket := -1, ""
	for _, base := range append([]string{"s3.amazonaws.com", "localhost", "s3.localhost"}, s.opts.Hosts...) {
		if host == base {
			return ""
		}
		if b, ok := strings.CutSuffix(host, "."+base); ok && b != "" && len(base) > best {
			best, bucket = len(base), b
		}
	}
	if bucket != "" {
		return bucket
	}
	// bucket.s3.REGION.amazonaws.com and bucket.s3-REGION.amazonaws.com
	if rest, ok := strings.CutSuffix(host, ".amazonaws.com"); ok {
		if i := strings.Index(rest, ".s3."); i > 0 {
			return rest[:i]
		}
		if i := strings.Index(rest, ".s3-"); i > 0 {
			return rest[:i]
		}
	}
	return ""
}

// ServeAWS routes an authenticated S3 request to its operation.
func (s *Service) ServeAWS(w http.ResponseWriter, r *http.Request, call *service.Call) {
	q := &request{w: w, r: r, call: call, ctx: r.Context(), q: r.URL.Query()}
	for k := range q.q {
		// X-Amz-* query parameters are a presigned URL's authentication
		// and the headers its signer moved into the query string, never a
		// subresource.
		if len(k) > 6 && strings.EqualFold(k[:6], "x-amz-") {
			delete(q.q, k)
		}
	}
	path := r.URL.Path
	if b := s.bucketFromHost(r.Host); b != "" {
		q.bucket, q.key = b, strings.TrimPrefix(path, "/")
	} else {
		p := strings.TrimPrefix(path, "/")
		q.bucket, q.key, _ = strings.Cut(p, "/")
	}
	h := s.route(q)
	s.actualCORS(q)
	if n := headerSectionSize(r); n > MaxHeaderSection {
		h = func(*request) error { return errHeaderTooLarge(n) }
	}
	if err := h(q); err != nil {
		e := awserr.From(err)
		if e.Code == "NoSuchBucket" && q.bucket != "" {
			e = s.missingBucket(q, e)
		}
		if e.StatusCode >= 500 && call.Log != nil {
			call.Log.Error("s3 internal error", slog.String("operation", call.Operation), slog.Any("error", err))
		}
		s.writeError(q, e)
	}
}

// WriteError renders an error raised before the service ran.
func (s *Service) WriteError(w http.ResponseWriter, r *http.Request, call *service.Call, err *awserr.Error) {
	s.writeError(&request{w: w, r: r, call: call}, err)
}

func (s *Service) writeError(q *request, e *awserr.Error) {
	h := q.w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	h.Set("x-amz-request-id", q.call.RequestID)
	h.Set("x-amz-id-2", hostID(q.call.RequestID))
	if e.StatusCode == http.StatusNotModified || q.r.Method == http.MethodHead {
		q.w.WriteHeader(e.StatusCode)
		return
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<Error><Code>")
	xml.EscapeText(&b, []byte(e.Code))
	b.WriteString("</Code><Message>")
	xml.EscapeText(&b, []byte(e.Message))
	b.WriteString("</Message>")
	for _, f := range e.Fields {
		b.WriteString("<" + f.Name + ">")
		xml.EscapeText(&b, []byte(f.Value))
		b.WriteString("</" + f.Name + ">")
	}
	b.WriteString("<RequestId>" + q.call.RequestID + "</RequestId><HostId>" + hostID(q.call.RequestID) + "</HostId></Error>")
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	q.w.WriteHeader(e.StatusCode)
	q.w.Write(b.Bytes())
}

func hostID(requestID string) string {
	h := sha256.Sum256([]byte(requestID))
	return hex.EncodeToString(h[:16])
}

// writeXML writes v as the response body.
func (q *request) writeXML(status int, v any) error {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	if err := xml.NewEncoder(&b).Encode(v); err != nil {
		return err
	}
	h := q.w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	q.commonHeaders()
	q.w.WriteHeader(status)
	q.w.Write(b.Bytes())
	return nil
}

func (q *request) commonHeaders() {
	h := q.w.Header()
	h.Set("x-amz-request-id", q.call.RequestID)
	h.Set("x-amz-id-2", hostID(q.call.RequestID))
	h.Set("Server", "AmazonS3")
}

// noContent writes an empty response with status.
func (q *request) noContent(status int) error {
	q.commonHeaders()
	q.w.WriteHeader(status)
	return nil
}

// GetObjectAs opens an object for an in-process caller (Lambda reading a
// function's code from S3), authorized as the Call in ctx would be.
func (s *Service) GetObjectAs(ctx context.Context, bucket, key string) (io.ReadCloser, int64, error) {
	call := service.FromContext(ctx)
	b, pol, err := s.requireBucket(bucket)
	if err != nil {
		return nil, 0, err
	}
	q := &request{call: call, ctx: ctx, bucket: bucket, key: key}
	o, bl, err := s.openReadable(q, b, pol, key, versionRef{})
	if err != nil {
		return nil, 0, err
	}
	if o.SSEC.on() {
		bl.Close()
		return nil, 0, errSSECRequired()
	}
	if o.SSEKMS != nil {
		if err := s.openKMS(q, bucket, key, o.SSEKMS); err != nil {
			bl.Close()
			return nil, 0, err
		}
	}
	return readCloser{io.NewSectionReader(bl, 0, o.Size), bl}, o.Size, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

type handler func(q *request) error

// route picks the operation from the method, whether a bucket and key are
// named, and the subresource in the query string (Amazon S3 API
// Reference, each operation's "Request Syntax").
func (s *Service) route(q *request) handler {
	m := q.r.Method
	op := func(name string, h handler) handler {
		q.call.Operation = name
		return h
	}
	if q.bucket == "" {
		if m == http.MethodGet {
			return op("ListBuckets", s.listBuckets)
		}
		return op("Unknown", func(q *request) error { return errMethodNotAllowed(m, "SERVICE") })
	}
	if q.key == "" {
		switch m {
		case http.MethodPut:
			switch {
			case q.has("policy"):
				return op("PutBucketPolicy", s.putBucketPolicy)
			case q.has("ownershipControls"):
				return op("PutBucketOwnershipControls", s.putOwnershipControls)
			case q.has("publicAccessBlock"):
				return op("PutPublicAccessBlock", s.putPublicAccessBlock)
			case q.has("acl"):
				return op("PutBucketAcl", s.putBucketACL)
			case q.has("encryption"):
				return op("PutBucketEncryption", s.putBucketEncryption)
			case q.has("tagging"):
				return op("PutBucketTagging", s.putBucketTagging)
			case q.has("cors"):
				return op("PutBucketCors", s.putBucketCors)
			case q.has("lifecycle"):
				return op("PutBucketLifecycleConfiguration", s.putBucketLifecycle)
			case q.has("versioning"):
				return op("PutBucketVersioning", s.putBucketVersioning)
			case len(q.q) > 0:
				return op("Unsupported", s.unsupported)
			}
			return op("CreateBucket", s.createBucket)
		case http.MethodGet:
			switch {
			case q.has("policy"):
				return op("GetBucketPolicy", s.getBucketPolicy)
			case q.has("location"):
				return op("GetBucketLocation", s.getBucketLocation)
			case q.has("ownershipControls"):
				return op("GetBucketOwnershipControls", s.getOwnershipControls)
			case q.has("publicAccessBlock"):
				return op("GetPublicAccessBlock", s.getPublicAccessBlock)
			case q.has("acl"):
				return op("GetBucketAcl", s.getBucketACL)
			case q.has("uploads"):
				return op("ListMultipartUploads", s.listUploads)
			case q.has("versioning"):
				return op("GetBucketVersioning", s.getBucketVersioning)
			case q.has("encryption"):
				return op("GetBucketEncryption", s.getBucketEncryption)
			case q.has("policyStatus"):
				return op("GetBucketPolicyStatus", s.getBucketPolicyStatus)
			case q.has("tagging"):
				return op("GetBucketTagging", s.getBucketTagging)
			case q.has("cors"):
				return op("GetBucketCors", s.getBucketCors)
			case q.has("lifecycle"):
				return op("GetBucketLifecycleConfiguration", s.getBucketLifecycle)
			case q.has("versions"):
				return op("ListObjectVersions", s.listObjectVersions)
			case !onlyListParams(q):
				// An unmodelled subresource (?policyStatus, ?accelerate,
				// ?requestPayment, …) is never answered with a listing.
				return op("Unsupported", s.unsupported)
			case q.get("list-type") == "2":
				return op("ListObjectsV2", s.listObjectsV2)
			}
			return op("ListObjects", s.listObjectsV1)
		case http.MethodHead:
			return op("HeadBucket", s.headBucket)
		case http.MethodDelete:
			switch {
			case q.has("policy"):
				return op("DeleteBucketPolicy", s.deleteBucketPolicy)
			case q.has("ownershipControls"):
				return op("DeleteBucketOwnershipControls", s.deleteOwnershipControls)
			case q.has("publicAccessBlock"):
				return op("DeletePublicAccessBlock", s.deletePublicAccessBlock)
			case q.has("encryption"):
				return op("DeleteBucketEncryption", s.deleteBucketEncryption)
			case q.has("tagging"):
				return op("DeleteBucketTagging", s.deleteBucketTagging)
			case q.has("cors"):
				return op("DeleteBucketCors", s.deleteBucketCors)
			case q.has("lifecycle"):
				return op("DeleteBucketLifecycle", s.deleteBucketLifecycle)
			case len(q.q) > 0:
				return op("Unsupported", s.unsupported)
			}
			return op("DeleteBucket", s.deleteBucket)
		case http.MethodPost:
			if q.has("delete") {
				return op("DeleteObjects", s.deleteObjects)
			}
			if isPostUpload(q.r) {
				return op("PostObject", s.postObject)
			}
		case http.MethodOptions:
			return op("PreflightRequest", s.preflight)
		}
		return op("Unknown", func(q *request) error { return errMethodNotAllowed(m, "BUCKET") })
	}
	switch m {
	case http.MethodPut:
		switch {
		case q.has("partNumber") && q.has("uploadId"):
			if q.r.Header.Get("X-Amz-Copy-Source") != "" {
				return op("UploadPartCopy", s.uploadPartCopy)
			}
			return op("UploadPart", s.uploadPart)
		case q.has("acl"):
			return op("PutObjectAcl", s.putObjectACL)
		case q.has("tagging"):
			return op("PutObjectTagging", s.putObjectTagging)
		case len(q.q) > 0 && !q.has("x-id"):
			return op("Unsupported", s.unsupported)
		case q.r.Header.Get("X-Amz-Copy-Source") != "":
			return op("CopyObject", s.copyObject)
		}
		return op("PutObject", s.putObject)
	case http.MethodGet:
		switch {
		case q.has("uploadId"):
			return op("ListParts", s.listParts)
		case q.has("acl"):
			return op("GetObjectAcl", s.getObjectACL)
		case q.has("attributes"):
			return op("GetObjectAttributes", s.getObjectAttributes)
		case q.has("tagging"):
			return op("GetObjectTagging", s.getObjectTagging)
		case q.has("retention") || q.has("legal-hold") || q.has("torrent"):
			return op("Unsupported", s.unsupported)
		}
		return op("GetObject", s.getObject)
	case http.MethodHead:
		return op("HeadObject", s.headObject)
	case http.MethodDelete:
		if q.has("uploadId") {
			return op("AbortMultipartUpload", s.abortUpload)
		}
		if q.has("tagging") {
			return op("DeleteObjectTagging", s.deleteObjectTagging)
		}
		return op("DeleteObject", s.deleteObject)
	case http.MethodOptions:
		return op("PreflightRequest", s.preflight)
	case http.MethodPost:
		switch {
		case q.has("uploads"):
			return op("CreateMultipartUpload", s.createUpload)
		case q.has("uploadId"):
			return op("CompleteMultipartUpload", s.completeUpload)
		case q.has("restore") || q.has("select"):
			// RestoreObject and SelectObjectContent are not modelled
			// (docs/emulator.md, "S3 operations not modelled").
			return op("Unsupported", s.unsupported)
		}
	}
	return op("Unknown", func(q *request) error { return errMethodNotAllowed(m, "OBJECT") })
}

// listParams are the query parameters of ListObjects and ListObjectsV2
// (Amazon S3 API Reference, "URI Request Parameters"); x-id is the
// operation name SDKs add.
var listParams = map[string]bool{
	"prefix": true, "delimiter": true, "marker": true, "max-keys": true, "encoding-type": true, "list-type": true,
	"continuation-token": true, "fetch-owner": true, "start-after": true, "x-id": true,
	"allow-unordered": true, "optional-object-attributes": true,
}

// onlyListParams reports whether a GET of a bucket names nothing but
// listing parameters.
func onlyListParams(q *request) bool {
	for k := range q.q {
		if !listParams[k] {
			return false
		}
	}
	return true
}

// unsupported answers subresources the emulator does not implement.
func (s *Service) unsupported(q *request) error {
	names := make([]string, 0, len(q.q))
	for k := range q.q {
		if !listParams[k] {
			names = append(names, k)
		}
	}
	if len(names) > 0 {
		sort.Strings(names)
		return errNotImplemented("?" + names[0])
	}
	return errNotImplemented(q.r.Method)
}
