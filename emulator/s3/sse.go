package s3

// Server-side encryption headers. Every object is stored with SSE-S3
// (AES256), S3's default since 5 January 2023 (Amazon S3 User Guide,
// "Setting default server-side encryption behavior for Amazon S3 buckets"
// and its FAQ "Default encryption FAQ"), unless the writer sent a customer
// key (SSE-C, Amazon S3 User Guide, "Using server-side encryption with
// customer-provided keys (SSE-C)") or asked for a KMS key (SSE-KMS and
// DSSE-KMS, ssekms.go), itself or through the bucket's default. The bytes
// are kept as written: what the emulator models is who may read them, not
// the cipher.

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
)

// sseS3 is the x-amz-server-side-encryption value of SSE-S3.
const sseS3 = "AES256"

// Header name prefixes of a customer key: the object's own, and a copy
// source's.
const (
	ssecPrefix     = "X-Amz-Server-Side-Encryption-Customer-"
	copySSECPrefix = "X-Amz-Copy-Source-Server-Side-Encryption-Customer-"
)

// customerKey is an SSE-C key a request carries: its MD5 (base64, as S3
// echoes it) and the raw 256-bit key.
type customerKey struct {
	md5 string
	raw []byte
}

// SSECustomer is the SSE-C state stored with an object or an upload: the
// key's MD5, which S3 returns, and a salted HMAC of the key, which S3 keeps to
// check the key of later requests (Amazon S3 User Guide, "Specifying
// server-side encryption with customer-provided keys": "it stores a
// randomly salted Hash-based Message Authentication Code (HMAC) value of
// the encryption key to validate future requests"). The key itself is
// never stored.
type SSECustomer struct {
	Algorithm string `json:",omitempty"`
	KeyMD5    string `json:",omitempty"`
	// KeyHMAC is base64(salt) "." base64(HMAC-SHA256(salt, key)).
	KeyHMAC string `json:",omitempty"`
}

// on reports whether the object or upload was written with a customer
// key (c is nil otherwise).
func (c *SSECustomer) on() bool { return c != nil && c.KeyHMAC != "" }

// seal returns the stored form of k.
func (k *customerKey) seal() *SSECustomer {
	salt := make([]byte, 16)
	rand.Read(salt)
	return &SSECustomer{Algorithm: sseS3, KeyMD5: k.md5, KeyHMAC: base64.StdEncoding.EncodeToString(salt) + "." + macKey(salt, k.raw)}
}

func macKey(salt, key []byte) string {
	m := hmac.New(sha256.New, salt)
	m.Write(key)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// matches reports whether k is the key c was sealed with.
func (c *SSECustomer) matches(k *customerKey) bool {
	if !c.on() {
		return false
	}
	s, mac, ok := strings.Cut(c.KeyHMAC, ".")
	salt, err := base64.StdEncoding.DecodeString(s)
	if !ok || err != nil {
		return false
	}
	return hmac.Equal([]byte(macKey(salt, k.raw)), []byte(mac))
}

// S3's answers to encryption headers (Amazon S3 API Reference, "Error
// responses", and the answers S3 gives to the requests named on each).

func errSSEArgument(msg, value string) *awserr.Error {
	return errInvalidArgument(msg, "x-amz-server-side-encryption", value)
}

func errSSECAlgorithm(v string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidEncryptionAlgorithmError", "The Encryption request you specified is not valid. Supported value: AES256.").
		With("ArgumentName", "x-amz-server-side-encryption").With("ArgumentValue", v)
}

func errSSECRequired() *awserr.Error {
	return errInvalidRequest("The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.")
}

func errSSECWrongKey() *awserr.Error {
	return errAccessDenied("Requests specifying Server Side Encryption with Customer provided keys must provide the correct secret key.")
}

func errSSECNotApplicable() *awserr.Error {
	return errInvalidRequest("The encryption parameters are not applicable to this object.")
}

// errSSEKMS refuses SSE-KMS when the service runs without a KMS (the
// package used on its own; the emulator always wires one).
func errSSEKMS(header string) *awserr.Error {
	return errNotImplemented(header)
}

// parseCustomerKey reads the SSE-C headers under prefix (the object's, or
// a copy source's). It returns nil when none is sent. write is set for a
// key that will encrypt new data, whose length is then checked; a key of
// the wrong length on a read is simply not the object's key.
func parseCustomerKey(h http.Header, prefix string, write bool) (*customerKey, error) {
	alg, key, sum := h.Get(prefix+"Algorithm"), h.Get(prefix+"Key"), h.Get(prefix+"Key-Md5")
	_, hasAlg := h[prefix+"Algorithm"]
	if !hasAlg && key == "" && sum == "" {
		return nil, nil
	}
	switch {
	case alg == "":
		return nil, errSSEArgument("Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.", "null")
	case alg != sseS3:
		return nil, errSSECAlgorithm(alg)
	case key == "":
		return nil, errSSEArgument("Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.", "null")
	}
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		return nil, errSSEArgument("The secret key was invalid for the specified algorithm.", "null")
	}
	d := md5.Sum(raw)
	got := base64.StdEncoding.EncodeToString(d[:])
	if sum != "" && sum != got {
		return nil, errSSEArgument("The calculated MD5 hash of the key did not match the hash that was provided.", "null")
	}
	if write && len(raw) != 32 {
		return nil, errSSEArgument("The secret key was invalid for the specified algorithm.", "null")
	}
	return &customerKey{md5: got, raw: raw}, nil
}

// writeEnc is the encryption a write of new data asks for: a customer
// key (SSE-C), SSE-KMS or DSSE-KMS, or neither (SSE-S3).
type writeEnc struct {
	ssec *customerKey
	kms  *kmsWrite
}

// writeEncryption validates the encryption a write of new data asks for
// (PutObject, CopyObject's target, CreateMultipartUpload, POST): SSE-S3,
// a customer key, or SSE-KMS/DSSE-KMS from the headers or the bucket's
// default (kmsRequest). A KMS key id, context or bucket key header without
// aws:kms is refused, and so is a customer key when the bucket blocks
// SSE-C.
func (s *Service) writeEncryption(q *request, b Bucket) (writeEnc, error) {
	h := q.r.Header
	sse, hasSSE := h.Get("X-Amz-Server-Side-Encryption"), len(h.Values("X-Amz-Server-Side-Encryption")) > 0
	key, err := parseCustomerKey(h, ssecPrefix, true)
	if hasSSE && (key != nil || err != nil) {
		return writeEnc{}, errSSEArgument("Server Side Encryption with Customer provided key is incompatible with the encryption method specified", sse)
	}
	if err != nil {
		return writeEnc{}, err
	}
	switch {
	case !hasSSE, sse == sseS3, sse == sseKMS, sse == sseKMSDSSE:
	default:
		return writeEnc{}, errSSEArgument("The encryption method specified is not supported", sse)
	}
	if sse != sseKMS && sse != sseKMSDSSE {
		for _, k := range []string{"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", "X-Amz-Server-Side-Encryption-Context"} {
			if len(h.Values(k)) > 0 {
				return writeEnc{}, errInvalidArgument("Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms", k, h.Get(k))
			}
		}
	}
	if key != nil {
		if b.Encryption != nil && b.Encryption.BlocksSSEC() {
			return writeEnc{}, errSSECBlocked(q, b)
		}
		return writeEnc{ssec: key}, nil
	}
	if sse == sseS3 {
		return writeEnc{}, nil
	}
	w, err := s.kmsRequest(q, b, q.key, sse)
	return writeEnc{kms: w}, err
}

// seal gives o (written to bucket b) the encryption e asks for: the
// customer key's seal, or a data key from KMS for the caller.
func (s *Service) seal(q *request, b Bucket, o *Object, e writeEnc) error {
	switch {
	case e.ssec != nil:
		o.SSEC = e.ssec.seal()
	case e.kms != nil:
		k, err := s.sealKMS(q, b, o.Key, e.kms)
		if err != nil {
			return err
		}
		o.SSEKMS = k
	}
	return nil
}

// errSSECBlocked is the refusal of a customer key by a bucket whose
// encryption configuration blocks SSE-C (Amazon S3 User Guide,
// "Troubleshoot access denied (403 Forbidden) errors in Amazon S3").
func errSSECBlocked(q *request, b Bucket) *awserr.Error {
	who := "anonymous"
	if q.call != nil && q.call.Caller != nil && !q.call.Caller.Anonymous() {
		who = q.call.Caller.ARN()
	}
	return errAccessDenied("User: " + who + " is not authorized to perform: s3:PutObject on resource: \"" + resourceARN(b.Name, q.key) +
		"\" because this bucket has blocked upload requests that specify Server Side Encryption with Customer provided keys (SSE-C). Please specify a different server-side encryption type")
}

// readEncryption checks the encryption headers of a read of o (GetObject,
// HeadObject, GetObjectAttributes, a copy source) against how o was
// written: an SSE-C object needs its key, any other takes none
// (Amazon S3 API Reference, GetObject: "Encryption request headers, like
// x-amz-server-side-encryption, should not be sent for the GetObject
// requests").
func readEncryption(h http.Header, prefix string, stored *SSECustomer) error {
	if prefix == ssecPrefix && len(h.Values("X-Amz-Server-Side-Encryption")) > 0 {
		return errSSEArgument("x-amz-server-side-encryption header is not supported for this operation.", h.Get("X-Amz-Server-Side-Encryption"))
	}
	key, err := parseCustomerKey(h, prefix, false)
	if err != nil {
		return err
	}
	switch {
	case stored.on() && key == nil:
		return errSSECRequired()
	case !stored.on() && key != nil:
		return errSSECNotApplicable()
	case stored.on() && !stored.matches(key):
		return errSSECWrongKey()
	}
	return nil
}

// partEncryption checks that a part of upload u carries the key u was
// started with, and no key when u has none (Amazon S3 API Reference,
// UploadPart: "you must provide identical encryption information in each
// part upload"), and, for an SSE-KMS upload, that KMS decrypts the
// upload's data key for the caller: a part needs kms:Decrypt besides the
// kms:GenerateDataKey that started the upload (AWS Knowledge Center, "Why
// am I getting an Access Denied error when I try to upload a large file
// to my Amazon S3 bucket with my AWS KMS key?").
func (s *Service) partEncryption(q *request, u *Upload) error {
	if err := partCustomerKey(q.r.Header, u); err != nil {
		return err
	}
	if u.Template.SSEKMS != nil {
		return s.openKMS(q, u.Bucket, u.Key, u.Template.SSEKMS)
	}
	return nil
}

// partCustomerKey is partEncryption's SSE-C check.
func partCustomerKey(h http.Header, u *Upload) error {
	key, err := parseCustomerKey(h, ssecPrefix, true)
	if err != nil {
		return err
	}
	switch {
	case u.Template.SSEC.on() != (key != nil):
		if key != nil {
			return errSSECNotApplicable()
		}
		return errInvalidRequest("The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.")
	case key != nil && !u.Template.SSEC.matches(key):
		return errInvalidRequest("The provided encryption parameters did not match the ones used originally.")
	}
	return nil
}

// encryptionHeaders sets the response headers that say how o (of
// bucket) is encrypted: the customer key's algorithm and MD5 for SSE-C,
// the KMS headers for SSE-KMS (with the writer's encryption context on a
// write), AES256 otherwise.
func encryptionHeaders(h http.Header, bucket string, o *Object, write bool) {
	switch {
	case o.SSEC.on():
		h.Set("x-amz-server-side-encryption-customer-algorithm", o.SSEC.Algorithm)
		h.Set("x-amz-server-side-encryption-customer-key-MD5", o.SSEC.KeyMD5)
	case o.SSEKMS != nil:
		kmsHeaders(h, bucket, o.Key, o.SSEKMS, write)
	default:
		h.Set("x-amz-server-side-encryption", sseS3)
	}
}

// encryptionContext adds the encryption condition keys of a write
// (Service Authorization Reference, "Actions, resources, and condition
// keys for Amazon S3").
func encryptionContext(cx map[string][]string, h http.Header) {
	if v := h.Values("X-Amz-Server-Side-Encryption"); len(v) > 0 {
		cx["s3:x-amz-server-side-encryption"] = []string{v[0]}
	}
	if v := h.Get(ssecPrefix + "Algorithm"); v != "" {
		cx["s3:x-amz-server-side-encryption-customer-algorithm"] = []string{v}
	}
	if v := h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"); v != "" {
		cx["s3:x-amz-server-side-encryption-aws-kms-key-id"] = []string{v}
	}
}
