package s3

// Server-side encryption with AWS KMS keys (SSE-KMS) and dual-layer
// SSE-KMS (DSSE-KMS), as the Amazon S3 User Guide describes them ("Using
// server-side encryption with AWS KMS keys (SSE-KMS)", "Specifying
// server-side encryption with AWS KMS (SSE-KMS)", "Reducing the cost of
// SSE-KMS with Amazon S3 Bucket Keys"): S3 asks KMS for a data key on
// the writer's behalf (kms:GenerateDataKey, with kms:ViaService =
// s3.REGION.amazonaws.com and the encryption context aws:s3:arn), keeps
// the encrypted data key and the key ARN with the object, and asks KMS to
// decrypt it on the reader's behalf (kms:Decrypt) before it serves the
// bytes. A KMS refusal is S3's 403 AccessDenied carrying KMS's message
// and explanation; other KMS errors surface as KMS.CODE (KMS.DisabledException,
// KMS.KMSInvalidStateException, KMS.NotFoundException).
//
// The bytes themselves are stored as written, as for every other object:
// the emulator models who may read them (the key policy, grants, identity
// policies, the key's state), not the cipher, so range and part GETs
// cost what they cost for SSE-S3 objects.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
)

// Values of x-amz-server-side-encryption for KMS keys.
const (
	sseKMS     = "aws:kms"
	sseKMSDSSE = "aws:kms:dsse"
)

// KeyService is the emulated KMS as S3 uses it: each call is made on
// behalf of the caller of the request in ctx (its service.Call), as AWS
// S3 calls KMS for its requester, and is authorized for that caller with
// kms:ViaService = s3.REGION.amazonaws.com. Errors are KMS's own
// (*awserr.Error AccessDeniedException, DisabledException,
// KMSInvalidStateException, NotFoundException, …). It must be safe for
// concurrent use.
type KeyService interface {
	// GenerateDataKey makes a 256-bit data key under keyRef (key id, key
	// ARN, alias name or alias ARN, resolved as KMS resolves them for the
	// caller) and returns the key's ARN and the encrypted data key.
	GenerateDataKey(ctx context.Context, keyRef string, encryptionContext map[string]string) (keyARN string, ciphertext []byte, err error)
	// Decrypt decrypts an encrypted data key with its encryption context
	// and returns the key's ARN. S3 needs only the permission: the
	// plaintext is not used.
	Decrypt(ctx context.Context, ciphertext []byte, encryptionContext map[string]string) (keyARN string, err error)
	// ManagedKey returns the ARN of account's AWS managed key aws/s3 in
	// region, creating it on first use.
	ManagedKey(account, region string) (keyARN string, err error)
}

// SSEKMS is how an SSE-KMS or DSSE-KMS object (or multipart upload) is
// encrypted: the algorithm, the KMS key's ARN, the data key encrypted
// under it, the encryption context the writer added, and whether an S3
// Bucket Key is used (which makes the encryption context the bucket's
// ARN instead of the object's).
type SSEKMS struct {
	Algorithm string
	KeyARN    string
	DataKey   []byte
	// Context is the writer's x-amz-server-side-encryption-context as
	// JSON (without aws:s3:arn), "" for none.
	Context   string `json:",omitempty"`
	BucketKey bool   `json:",omitempty"`
}

// kmsWrite is the SSE-KMS a write asks for, before KMS is asked.
type kmsWrite struct {
	algorithm string
	// keyRef is the key as KMS is to resolve it for the caller: the
	// request's header as sent, or the bucket default qualified with the
	// bucket owner's account. "" means the bucket owner's aws/s3.
	keyRef    string
	context   map[string]string // the writer's pairs, nil for none
	bucketKey bool
}

// encryptionContextOf is the encryption context S3 uses with KMS for
// bucket/key encrypted as k: aws:s3:arn is the object's ARN, or the
// bucket's with an S3 Bucket Key (Amazon S3 User Guide, "Using
// server-side encryption with AWS KMS keys (SSE-KMS)": "Encryption
// context"), with the writer's own pairs.
func encryptionContextOf(bucket, key string, bucketKey bool, writer map[string]string) map[string]string {
	ec := make(map[string]string, len(writer)+1)
	for k, v := range writer {
		ec[k] = v
	}
	if bucketKey {
		ec["aws:s3:arn"] = resourceARN(bucket, "")
	} else {
		ec["aws:s3:arn"] = resourceARN(bucket, key)
	}
	return ec
}

// writerContext reads the pairs stored in k.Context.
func (k *SSEKMS) writerContext() map[string]string {
	if k.Context == "" {
		return nil
	}
	var m map[string]string
	json.Unmarshal([]byte(k.Context), &m)
	return m
}

// parseContextHeader reads x-amz-server-side-encryption-context: base64
// of a UTF-8 JSON object of string values (Amazon S3 API Reference,
// PutObject). aws:s3:arn is S3's own pair: a writer's value must be the
// one S3 uses.
func parseContextHeader(v, bucket, key string, bucketKey bool) (map[string]string, error) {
	bad := func() error {
		return errInvalidArgument("The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map",
			"x-amz-server-side-encryption-context", v)
	}
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, bad()
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, bad()
	}
	if a, ok := m["aws:s3:arn"]; ok {
		if a != encryptionContextOf(bucket, key, bucketKey, nil)["aws:s3:arn"] {
			return nil, errInvalidArgument("The encryption context pair aws:s3:arn must name the object (or, with an S3 Bucket Key, the bucket).",
				"x-amz-server-side-encryption-context", v)
		}
		delete(m, "aws:s3:arn")
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// parseBucketKeyHeader reads x-amz-server-side-encryption-bucket-key-enabled.
func parseBucketKeyHeader(h http.Header) (set, on bool, err error) {
	vs := h.Values("X-Amz-Server-Side-Encryption-Bucket-Key-Enabled")
	if len(vs) == 0 {
		return false, false, nil
	}
	on, perr := strconv.ParseBool(vs[0])
	if perr != nil {
		return false, false, errInvalidArgument("The header 'x-amz-server-side-encryption-bucket-key-enabled' shall be true or false", "x-amz-server-side-encryption-bucket-key-enabled", vs[0])
	}
	return true, on, nil
}

// kmsRequest works out the SSE-KMS a write of key into b asks for, from
// its headers (sse is x-amz-server-side-encryption, "" when absent) or,
// without them, from the bucket's default encryption (Amazon S3 User
// Guide, "Setting default server-side encryption behavior for Amazon S3
// buckets"). It returns nil for a write that is not SSE-KMS. A key named
// in the request is resolved by KMS in the caller's account unless it is
// an ARN (Amazon S3 API Reference, PutObject:
// x-amz-server-side-encryption-aws-kms-key-id); the bucket default's key
// is the bucket owner's (AWS Knowledge Center, "Why do cross-account
// users receive Access Denied errors…": "If you use a KMS key alias, then
// AWS KMS resolves the key only within the account that owns the
// bucket"); aws:kms without a key is the bucket owner's aws/s3.
func (s *Service) kmsRequest(q *request, b Bucket, key, sse string) (*kmsWrite, error) {
	h := q.r.Header
	bkSet, bkOn, err := parseBucketKeyHeader(h)
	if err != nil {
		return nil, err
	}
	def := b.Encryption
	var w *kmsWrite
	switch {
	case sse == sseKMS || sse == sseKMSDSSE:
		w = &kmsWrite{algorithm: sse, keyRef: h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id")}
		w.bucketKey = def != nil && def.BucketKeyEnabled
	case sse == "" && def != nil && (def.SSEAlgorithm == sseKMS || def.SSEAlgorithm == sseKMSDSSE):
		w = &kmsWrite{algorithm: def.SSEAlgorithm, keyRef: ownerKeyRef(def.KMSMasterKeyID, b, q), bucketKey: def.BucketKeyEnabled}
	default:
		return nil, nil
	}
	if s.opts.KMS == nil {
		return nil, errSSEKMS("x-amz-server-side-encryption")
	}
	if bkSet {
		w.bucketKey = bkOn
	}
	if w.algorithm == sseKMSDSSE {
		// S3 Bucket Keys are not used with DSSE-KMS (Amazon S3 User
		// Guide, "Using dual-layer server-side encryption with AWS KMS
		// keys (DSSE-KMS)").
		w.bucketKey = false
	}
	if v := h.Values("X-Amz-Server-Side-Encryption-Context"); len(v) > 0 {
		if w.context, err = parseContextHeader(v[0], b.Name, key, w.bucketKey); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// ownerKeyRef qualifies a bucket default's key reference with the bucket
// owner's account and the bucket's region: a key id becomes a key ARN, an
// alias name an alias ARN; an ARN is kept.
func ownerKeyRef(ref string, b Bucket, q *request) string {
	if ref == "" || strings.HasPrefix(ref, "arn:") {
		return ref
	}
	region := b.Region
	if region == "" {
		region = q.call.Region
	}
	if strings.HasPrefix(ref, "alias/") {
		return "arn:aws:kms:" + region + ":" + b.Owner + ":" + ref
	}
	return "arn:aws:kms:" + region + ":" + b.Owner + ":key/" + ref
}

// sealKMS asks KMS for the data key of a write of key into b encrypted as
// w, for the caller of q (kms:GenerateDataKey), and returns what the
// object keeps.
func (s *Service) sealKMS(q *request, b Bucket, key string, w *kmsWrite) (*SSEKMS, error) {
	if err := kmsCaller(q); err != nil {
		return nil, err
	}
	ref := w.keyRef
	if ref == "" || ref == "arn:aws:kms:"+bucketRegion(b, q)+":"+b.Owner+":alias/aws/s3" {
		arn, err := s.opts.KMS.ManagedKey(b.Owner, bucketRegion(b, q))
		if err != nil {
			return nil, kmsError(err)
		}
		ref = arn
	}
	arn, blob, err := s.opts.KMS.GenerateDataKey(q.ctx, ref, encryptionContextOf(b.Name, key, w.bucketKey, w.context))
	if err != nil {
		return nil, kmsError(err)
	}
	k := &SSEKMS{Algorithm: w.algorithm, KeyARN: arn, DataKey: blob, BucketKey: w.bucketKey}
	if w.context != nil {
		c, _ := json.Marshal(w.context)
		k.Context = string(c)
	}
	return k, nil
}

func bucketRegion(b Bucket, q *request) string {
	if b.Region != "" {
		return b.Region
	}
	return q.call.Region
}

// openKMS asks KMS, for the caller of q, to decrypt the data key of
// bucket/key encrypted as k (kms:Decrypt): what S3 does before it serves
// an SSE-KMS object's bytes, copies it, or adds a part to an SSE-KMS
// multipart upload.
func (s *Service) openKMS(q *request, bucket, key string, k *SSEKMS) error {
	if err := kmsCaller(q); err != nil {
		return err
	}
	if s.opts.KMS == nil {
		return errSSEKMS("x-amz-server-side-encryption")
	}
	_, err := s.opts.KMS.Decrypt(q.ctx, k.DataKey, encryptionContextOf(bucket, key, k.BucketKey, k.writerContext()))
	return kmsError(err)
}

// kmsCaller refuses SSE-KMS to anonymous requests: KMS authorizes a
// principal, and S3 requires SigV4 for every request on an SSE-KMS object
// (Amazon S3 API Reference, PutObject: "All GET and PUT requests for an
// object protected by AWS KMS fail if you don't make them by using Secure
// Sockets Layer (SSL), Transport Layer Security (TLS), or Signature
// Version 4").
func kmsCaller(q *request) error {
	if q.call == nil || q.call.Caller == nil || q.call.Caller.Anonymous() {
		return errAccessDenied("Access Denied")
	}
	return nil
}

// kmsError turns KMS's answer into S3's: AccessDeniedException is S3's
// 403 AccessDenied with KMS's message and explanation (the key policy or
// the missing KMS permission, "step 4"); any other client error is
// KMS.CODE with KMS's message and status, as S3 reports them
// (KMS.DisabledException, KMS.KMSInvalidStateException,
// KMS.NotFoundException).
func kmsError(err error) error {
	var e *awserr.Error
	if err == nil || !errors.As(err, &e) || e.StatusCode >= 500 {
		return err
	}
	c := *e
	if e.Code == "AccessDeniedException" {
		c.Code, c.StatusCode = "AccessDenied", http.StatusForbidden
		return &c
	}
	c.Code = "KMS." + e.Code
	return &c
}

// kmsHeaders sets the response headers of an SSE-KMS object or upload
// (Amazon S3 API Reference, PutObject and GetObject: "Response Syntax"):
// the algorithm, the key's ARN, the bucket key when one is used, and the
// encryption context when withContext (writes) and the writer gave one.
func kmsHeaders(h http.Header, bucket, key string, k *SSEKMS, withContext bool) {
	h.Set("x-amz-server-side-encryption", k.Algorithm)
	h.Set("x-amz-server-side-encryption-aws-kms-key-id", k.KeyARN)
	if k.BucketKey {
		h.Set("x-amz-server-side-encryption-bucket-key-enabled", "true")
	}
	if withContext && k.Context != "" {
		h.Set("x-amz-server-side-encryption-context", contextHeader(encryptionContextOf(bucket, key, k.BucketKey, k.writerContext())))
	}
}

// contextHeader encodes an encryption context as S3 sends it: base64 of
// its JSON (keys sorted).
func contextHeader(ec map[string]string) string {
	j, _ := json.Marshal(ec)
	return base64.StdEncoding.EncodeToString(j)
}
