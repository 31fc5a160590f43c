package sigv4

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
)

// Verify checks r's signature. On success r.Body is replaced by a reader
// that verifies the payload as it streams (a literal payload hash is
// checked at EOF; aws-chunked bodies are decoded and each chunk signature
// checked), so callers must treat a body read error as the request's
// failure. The signature must cover the host header and, for S3, every
// x-amz-* header; for the other services Verify removes from r.Header the
// x-amz-* headers it does not cover (headers.go says why). Errors are
// *awserr.Error in the flavor of the service named by the credential scope.
func (v *Verifier) Verify(ctx context.Context, r *http.Request) (*Result, error) {
	var a auth
	var err error
	header := r.Header.Get("Authorization")
	if strings.HasPrefix(header, "AWS ") || (header == "" && strings.Contains(r.URL.RawQuery, "AWSAccessKeyId=") && strings.Contains(r.URL.RawQuery, "Signature=")) {
		// Signature Version 2: S3 refuses it for buckets created since
		// 2020 (Amazon S3 User Guide, "AWS Signature Version 2 turned off"),
		// but a presigned URL past its Expires is refused as expired first
		// (botocore presigns with SigV2 by default in us-east-1).
		if exp, err := strconv.ParseInt(r.URL.Query().Get("Expires"), 10, 64); header == "" && err == nil {
			if now := v.now(); !now.Before(time.Unix(exp, 0)) {
				return nil, errPresignExpired(FlavorS3, time.Unix(exp, 0), now)
			}
		}
		return nil, errSigV2()
	}
	presigned := header == "" && strings.Contains(r.URL.RawQuery, "X-Amz-")
	switch {
	case header != "":
		if a, err = parseHeader(header); err != nil {
			return nil, errMalformed(v.flavor(ServiceOf(r)), err.Error())
		}
		t, ok := requestTime(r)
		if !ok {
			return nil, errMalformed(v.flavor(a.scope.Service), "AWS authentication requires a valid Date or x-amz-date header")
		}
		a.date = t
	case presigned:
		q := r.URL.Query()
		if q.Get("X-Amz-Signature") == "" && q.Get("X-Amz-Credential") == "" {
			return &Result{Anonymous: true}, nil
		}
		if a, err = parsePresigned(q); err != nil {
			return nil, errQueryMalformed(v.flavor(ServiceOf(r)), err.Error())
		}
	default:
		return &Result{Anonymous: true}, nil
	}
	f := v.flavor(a.scope.Service)
	s3 := f == FlavorS3
	if a.date.Format("20060102") != a.scope.Date {
		return nil, errMalformed(f, "Invalid credential date. Date is not the same as X-Amz-Date.")
	}
	if !ValidRegion(a.scope.Region) {
		return nil, errRegion(f, a.presigned, a.scope.Region, v.region)
	}
	unsigned, err := checkSignedHeaders(r, a, f)
	if err != nil {
		return nil, err
	}

	key, err := v.keys.LookupKey(ctx, a.scope.AccessKeyID)
	if errors.Is(err, ErrKeyNotFound) {
		return nil, errUnknownKey(f, a.scope.AccessKeyID)
	}
	if err != nil {
		return nil, err
	}
	token := r.Header.Get("X-Amz-Security-Token")
	if a.presigned {
		token = r.URL.Query().Get("X-Amz-Security-Token")
	}
	if key.SessionToken != "" || token != "" {
		if !hmac.Equal([]byte(token), []byte(key.SessionToken)) {
			return nil, errBadToken(f)
		}
	}
	now := v.now()
	if !key.Expires.IsZero() && !now.Before(key.Expires) {
		return nil, errExpiredToken(f)
	}
	if a.presigned {
		if now.After(a.date.Add(a.expires)) {
			return nil, errPresignExpired(f, a.date.Add(a.expires), now)
		}
		if a.date.Sub(now) > MaxSkew {
			return nil, errSkew(f, a.date, now)
		}
	} else if d := now.Sub(a.date); d > MaxSkew || d < -MaxSkew {
		return nil, errSkew(f, a.date, now)
	}

	payload, err := v.payloadHash(r, a, s3)
	if err != nil {
		return nil, err
	}
	canonical := canonicalRequest(r, a, payload, s3)
	amzDate := a.date.UTC().Format(timeFormat)
	sts := stringToSign(amzDate, a.scope, canonical)
	signingKey := v.signingKey(key.SecretAccessKey, a.scope)
	want := hex.EncodeToString(hmacSHA256(signingKey, sts))
	if !equalSig(want, a.signature) {
		return nil, errSignature(f, a.scope.AccessKeyID, sts, canonical, a.signature)
	}

	dropHeaders(r.Header, unsigned)
	res := &Result{Scope: a.scope, Presigned: a.presigned, SignedHeaders: a.signed, PayloadHash: payload, SessionToken: token, Time: a.date, Caller: key.Caller}
	switch {
	case payload == StreamingPayload || payload == StreamingPayloadTrailer || payload == StreamingUnsignedTrailer:
		cr, err := newChunkedReader(r, chunkSigner{key: signingKey, date: amzDate, scope: a.scope.String(), prev: a.signature}, payload)
		if err != nil {
			return nil, err
		}
		r.Body = cr
		res.Chunked, res.Trailer = true, cr.trailers
	case s3 && isHexSHA256(payload) && r.Body != nil && r.Body != http.NoBody:
		r.Body = &hashReader{rc: r.Body, want: strings.ToLower(payload), h: sha256.New()}
	}
	return res, nil
}

// payloadHash returns the payload hash the canonical request uses: the
// x-amz-content-sha256 header (S3), UNSIGNED-PAYLOAD for S3 presigned
// URLs, or the SHA-256 of the body, which it reads and restores.
func (v *Verifier) payloadHash(r *http.Request, a auth, s3 bool) (string, error) {
	h := r.Header.Get("X-Amz-Content-Sha256")
	if a.presigned {
		if q := r.URL.Query().Get("X-Amz-Content-Sha256"); q != "" {
			h = q
		}
	}
	if s3 {
		switch {
		case h == "" && a.presigned:
			return UnsignedPayload, nil
		case h == "":
			return "", awserr.New(http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
		case h == UnsignedPayload || h == StreamingPayload || h == StreamingPayloadTrailer || h == StreamingUnsignedTrailer || isHexSHA256(h):
			return h, nil
		}
		return "", awserr.New(http.StatusBadRequest, "InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
	}
	if h == UnsignedPayload {
		return h, nil
	}
	if r.Body == nil || r.Body == http.NoBody {
		return emptySHA256, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, v.maxBody+1))
	r.Body.Close()
	if err != nil {
		return "", err
	}
	if int64(len(body)) > v.maxBody {
		return "", awserr.New(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body is larger than %d bytes", v.maxBody)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:]), nil
}

// hashReader checks the body's SHA-256 against the signed payload hash
// when it reaches EOF.
type hashReader struct {
	rc   io.ReadCloser
	want string
	h    hash.Hash
	err  error
}

func (h *hashReader) Read(p []byte) (int, error) {
	if h.err != nil {
		return 0, h.err
	}
	n, err := h.rc.Read(p)
	h.h.Write(p[:n])
	if err == io.EOF {
		if got := hex.EncodeToString(h.h.Sum(nil)); got != h.want {
			h.err = errContentSHA(h.want, got)
			return n, h.err
		}
	}
	return n, err
}

func (h *hashReader) Close() error { return h.rc.Close() }

// signingKey returns the derived key for secret and scope, cached: the key
// changes only with the date, so clients reuse it for a day.
func (v *Verifier) signingKey(secret string, s Scope) []byte {
	ck := secret + "\x00" + s.String()
	if k, ok := v.keyCache.Load(ck); ok {
		return k.([]byte)
	}
	k := SigningKey(secret, s)
	if v.cached.Add(1) > 4096 {
		v.keyCache.Clear()
		v.cached.Store(0)
	}
	v.keyCache.Store(ck, k)
	return k
}
