package sigv4

import (
	"net/http"
	"sort"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
)

// Which headers a signature must cover.
//
// The host header is always signed: "The HTTP host header is required"
// (AWS General Reference, "Create a signed AWS API request"; Amazon S3 API
// Reference, "Authenticating Requests: Using the Authorization Header",
// section "Canonical request").
//
// S3 further requires every x-amz-* header present in the request to be
// signed ("Any x-amz-* headers that you plan to include in your request
// must also be added", same S3 page), for header-signed and presigned
// requests alike, and answers 403 AccessDenied "There were headers present
// in the request which were not signed" with a <HeadersNotSigned> element
// listing them. x-amz-content-sha256 is exempt: its value is the payload
// hash line of the canonical request, so the signature covers it whether
// or not it is listed.
//
// The query and JSON services document no such rule, and accept at least an
// unsigned X-Amz-Security-Token (its value is checked against the key
// anyway). The emulator accepts such a request but removes every unsigned
// x-amz-* header before the service sees it, so a header added in transit
// can never change what a signed request does (docs/emulator.md).

// exemptUnsigned reports whether S3 accepts the x-amz-* header name
// (lower case) unsigned.
func exemptUnsigned(name string) bool { return name == "x-amz-content-sha256" }

// unsignedHeaders returns the lower-case names of the headers a signature
// must cover but a does not: host, and (all services) every x-amz-*
// header, sorted.
func unsignedHeaders(r *http.Request, a auth) (host bool, amz []string) {
	signed := make(map[string]bool, len(a.signed))
	for _, h := range a.signed {
		signed[h] = true
	}
	host = !signed["host"]
	seen := map[string]bool{}
	for k := range r.Header {
		lk := lower(k)
		if strings.HasPrefix(lk, "x-amz-") && !signed[lk] && !exemptUnsigned(lk) && !seen[lk] {
			seen[lk] = true
			amz = append(amz, lk)
		}
	}
	sort.Strings(amz)
	return host, amz
}

// dropHeaders removes the headers named (lower-case) in names, under
// whatever key they were set.
func dropHeaders(h http.Header, names []string) {
	if len(names) == 0 {
		return
	}
	drop := make(map[string]bool, len(names))
	for _, n := range names {
		drop[n] = true
	}
	for k := range h {
		if drop[lower(k)] {
			delete(h, k)
		}
	}
}

// checkSignedHeaders refuses a request whose signature leaves out a header
// AWS requires it to cover (see above). For the non-S3 services it returns
// the unsigned x-amz-* headers, which Verify removes once the signature is
// good.
func checkSignedHeaders(r *http.Request, a auth, f Flavor) ([]string, error) {
	host, amz := unsignedHeaders(r, a)
	if f == FlavorS3 {
		if host {
			amz = append([]string{"host"}, amz...)
		}
		if len(amz) > 0 {
			return nil, awserr.AccessDenied("There were headers present in the request which were not signed").
				With("HeadersNotSigned", strings.Join(amz, ", "))
		}
		return nil, nil
	}
	if host {
		return nil, errMalformed(f, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return amz, nil
}

// ValidRegion reports whether s looks like an AWS region name: lower-case
// words joined by hyphens, ending in a number ("us-east-1",
// "us-gov-west-1", "eusc-de-east-1"). It is what the emulator accepts in a
// credential scope, and so what reaches its data directory.
func ValidRegion(s string) bool {
	if len(s) < 4 || len(s) > 32 {
		return false
	}
	parts := strings.Split(s, "-")
	if len(parts) < 3 {
		return false
	}
	for i, p := range parts {
		if p == "" {
			return false
		}
		for j := 0; j < len(p); j++ {
			c := p[j]
			switch {
			case i == len(parts)-1 && '0' <= c && c <= '9':
			case i < len(parts)-1 && 'a' <= c && c <= 'z':
			default:
				return false
			}
		}
	}
	return true
}

// errRegion is AWS's answer to a credential scope whose region is not a
// region: S3 names the region it expected (Amazon S3 error
// AuthorizationHeaderMalformed, "the region 'X' is wrong; expecting 'Y'"),
// the other services refuse the credential scope.
func errRegion(f Flavor, presigned bool, got, want string) *awserr.Error {
	switch {
	case f == FlavorS3 && presigned:
		return awserr.New(http.StatusBadRequest, "AuthorizationQueryParametersError",
			"Error parsing the X-Amz-Credential parameter; the region '%s' is wrong; expecting '%s'", got, want).With("Region", want)
	case f == FlavorS3:
		return awserr.New(http.StatusBadRequest, "AuthorizationHeaderMalformed",
			"The authorization header is malformed; the region '%s' is wrong; expecting '%s'", got, want).With("Region", want)
	case f == FlavorJSON:
		return awserr.New(http.StatusForbidden, "InvalidSignatureException", "Credential should be scoped to a valid region, not '%s'.", got)
	}
	return awserr.New(http.StatusForbidden, "SignatureDoesNotMatch", "Credential should be scoped to a valid region, not '%s'.", got)
}
