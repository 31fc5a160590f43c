package sigv4

import (
	"net/http"
	"strconv"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
)

// Flavor selects the error codes and messages of a service family: S3 has
// its own, the query services (STS, IAM, SNS, CloudFormation, CloudWatch)
// share one set and the JSON services (CloudWatch Logs, Lambda) another.
// FlavorS3 also selects S3's signing rules (x-amz-content-sha256, no
// double URI escaping, every x-amz-* header signed). Which service has
// which flavor is the caller's to say (Options.Flavor).
type Flavor int

// Flavors.
const (
	FlavorQuery Flavor = iota
	FlavorS3
	FlavorJSON
)

func errSignature(f Flavor, keyID, stringToSign, canonical, provided string) *awserr.Error {
	switch f {
	case FlavorS3:
		return awserr.New(http.StatusForbidden, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided. Check your key and signing method.").
			With("AWSAccessKeyId", keyID).
			With("StringToSign", stringToSign).
			With("SignatureProvided", provided).
			With("CanonicalRequest", canonical)
	case FlavorJSON:
		return awserr.New(http.StatusForbidden, "InvalidSignatureException",
			"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return awserr.New(http.StatusForbidden, "SignatureDoesNotMatch",
		"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
}

func errUnknownKey(f Flavor, keyID string) *awserr.Error {
	switch f {
	case FlavorS3:
		return awserr.New(http.StatusForbidden, "InvalidAccessKeyId",
			"The AWS Access Key Id you provided does not exist in our records.").With("AWSAccessKeyId", keyID)
	case FlavorJSON:
		return awserr.New(http.StatusForbidden, "UnrecognizedClientException", "The security token included in the request is invalid.")
	}
	return awserr.New(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
}

func errBadToken(f Flavor) *awserr.Error {
	switch f {
	case FlavorS3:
		return awserr.New(http.StatusBadRequest, "InvalidToken", "The provided token is malformed or otherwise invalid.")
	case FlavorJSON:
		return awserr.New(http.StatusForbidden, "UnrecognizedClientException", "The security token included in the request is invalid.")
	}
	return awserr.New(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
}

func errExpiredToken(f Flavor) *awserr.Error {
	switch f {
	case FlavorS3:
		return awserr.New(http.StatusBadRequest, "ExpiredToken", "The provided token has expired.")
	case FlavorJSON:
		return awserr.New(http.StatusForbidden, "ExpiredTokenException", "The security token included in the request is expired")
	}
	return awserr.New(http.StatusForbidden, "ExpiredToken", "The security token included in the request is expired")
}

func errSkew(f Flavor, reqTime, now time.Time) *awserr.Error {
	if f == FlavorS3 {
		return awserr.New(http.StatusForbidden, "RequestTimeTooSkewed",
			"The difference between the request time and the current time is too large.").
			With("RequestTime", reqTime.UTC().Format(http.TimeFormat)).
			With("ServerTime", now.UTC().Format(time.RFC3339)).
			With("MaxAllowedSkewMilliseconds", strconv.Itoa(int(MaxSkew/time.Millisecond)))
	}
	const layout = "20060102T150405Z"
	return awserr.New(http.StatusForbidden, "RequestTimeTooSkewed",
		"Signature expired: %s is now earlier than %s (%s - 15 min.)",
		reqTime.UTC().Format(layout), now.Add(-MaxSkew).UTC().Format(layout), now.UTC().Format(layout))
}

func errMalformed(f Flavor, msg string) *awserr.Error {
	switch f {
	case FlavorS3:
		return awserr.New(http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; %s", msg)
	case FlavorJSON:
		return awserr.New(http.StatusBadRequest, "IncompleteSignatureException", "%s", msg)
	}
	return awserr.New(http.StatusBadRequest, "IncompleteSignature", "%s", msg)
}

func errQueryMalformed(f Flavor, msg string) *awserr.Error {
	if f == FlavorS3 {
		return awserr.New(http.StatusBadRequest, "AuthorizationQueryParametersError", "%s", msg)
	}
	return errMalformed(f, msg)
}

func errPresignExpired(f Flavor, expires, now time.Time) *awserr.Error {
	if f == FlavorS3 {
		return awserr.AccessDenied("Request has expired").
			With("Expires", expires.UTC().Format(time.RFC3339)).
			With("ServerTime", now.UTC().Format(time.RFC3339))
	}
	return awserr.New(http.StatusForbidden, "ExpiredToken", "Request has expired")
}

// ErrMissingAuth is the error for an unsigned request to a service that
// does not take anonymous requests.
func ErrMissingAuth(f Flavor) *awserr.Error {
	if f == FlavorJSON {
		return awserr.New(http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token")
	}
	return awserr.New(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
}

func errContentSHA(clientHash, computed string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "XAmzContentSHA256Mismatch",
		"The provided 'x-amz-content-sha256' header does not match what was computed.").
		With("ClientComputedContentSHA256", clientHash).
		With("S3ComputedContentSHA256", computed)
}

func errSigV2() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidRequest", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
}
