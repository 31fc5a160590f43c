package sigv4

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
)

// PolicySignature is the signature of an S3 browser upload (a POST with a
// policy document): the form fields x-amz-algorithm, x-amz-credential,
// x-amz-date, x-amz-signature and x-amz-security-token, and the policy as
// sent (base64). The string to sign is the base64 policy itself (Amazon S3
// API Reference, "Authenticating Requests in Browser-Based Uploads Using
// POST (AWS Signature Version 4)": "Calculating a signature").
type PolicySignature struct {
	Algorithm  string
	Credential string
	Date       string
	Signature  string
	Token      string
	Policy     string
}

// VerifyPolicy checks a browser upload's signature: the algorithm, the
// credential scope (its date the x-amz-date's, a valid region, service
// s3), the key, its session token and expiry, and the HMAC of the policy
// with the scope's signing key. Errors are S3's. Whether the policy has
// expired is the caller's to check, with the policy's own expiration.
func (v *Verifier) VerifyPolicy(ctx context.Context, p PolicySignature) (*Result, error) {
	if p.Algorithm != Algorithm {
		return nil, postArgument("x-amz-algorithm", p.Algorithm, "Only AWS4-HMAC-SHA256 is supported for the x-amz-algorithm field.")
	}
	scope, err := parseCredential(p.Credential)
	if err != nil {
		return nil, postArgument("x-amz-credential", p.Credential, "Invalid credential: "+err.Error())
	}
	date, err := time.Parse(timeFormat, p.Date)
	if err != nil {
		return nil, postArgument("x-amz-date", p.Date, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
	}
	if date.Format("20060102") != scope.Date {
		return nil, postArgument("x-amz-credential", p.Credential, "Invalid credential date. Date is not the same as X-Amz-Date.")
	}
	if !ValidRegion(scope.Region) {
		return nil, errRegion(FlavorS3, false, scope.Region, v.region)
	}
	if scope.Service != "s3" {
		return nil, postArgument("x-amz-credential", p.Credential, "Invalid credential: the service must be s3, not "+scope.Service+".")
	}
	key, err := v.keys.LookupKey(ctx, scope.AccessKeyID)
	if errors.Is(err, ErrKeyNotFound) {
		return nil, errUnknownKey(FlavorS3, scope.AccessKeyID)
	}
	if err != nil {
		return nil, err
	}
	if (key.SessionToken != "" || p.Token != "") && !hmac.Equal([]byte(p.Token), []byte(key.SessionToken)) {
		return nil, errBadToken(FlavorS3)
	}
	if !key.Expires.IsZero() && !v.now().Before(key.Expires) {
		return nil, errExpiredToken(FlavorS3)
	}
	want := hex.EncodeToString(hmacSHA256(v.signingKey(key.SecretAccessKey, scope), p.Policy))
	if !equalSig(want, p.Signature) {
		return nil, awserr.New(http.StatusForbidden, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided. Check your key and signing method.").
			With("AWSAccessKeyId", scope.AccessKeyID).With("StringToSign", p.Policy).With("SignatureProvided", p.Signature)
	}
	return &Result{Scope: scope, Time: date, Caller: key.Caller, SessionToken: p.Token}, nil
}

func postArgument(name, value, msg string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidArgument", "%s", msg).With("ArgumentName", name).With("ArgumentValue", value)
}
