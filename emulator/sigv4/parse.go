package sigv4

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ScopeOf returns the credential scope a request claims, from its
// Authorization header or its X-Amz-Credential query parameter, without
// verifying anything. The emulator routes on the scope's service before
// verification.
func ScopeOf(r *http.Request) (Scope, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		a, err := parseHeader(h)
		if err != nil {
			return Scope{}, false
		}
		return a.scope, true
	}
	if strings.Contains(r.URL.RawQuery, "X-Amz-Credential") {
		s, err := parseCredential(r.URL.Query().Get("X-Amz-Credential"))
		return s, err == nil
	}
	return Scope{}, false
}

// ServiceOf returns the signing name of the service a request is signed
// for: its credential scope's, or, when the scope is malformed (too many or
// too few parts), the element before the closing "aws4_request", so that
// the error goes out in that service's wire format as AWS's endpoint for
// it would answer. It returns "" for an unsigned request.
func ServiceOf(r *http.Request) string {
	if s, ok := ScopeOf(r); ok {
		return s.Service
	}
	var cred string
	if h := r.Header.Get("Authorization"); h != "" {
		_, rest, _ := strings.Cut(h, "Credential=")
		cred, _, _ = strings.Cut(rest, ",")
	} else if strings.Contains(r.URL.RawQuery, "X-Amz-Credential") {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if n := len(parts); n >= 2 && parts[n-1] == "aws4_request" {
		return parts[n-2]
	}
	return ""
}

type parseError string

func (e parseError) Error() string { return string(e) }

// parseCredential parses AKID/DATE/REGION/SERVICE/aws4_request.
func parseCredential(c string) (Scope, error) {
	parts := strings.Split(c, "/")
	if len(parts) != 5 {
		return Scope{}, parseError("the Credential parameter is malformed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
	}
	if parts[4] != "aws4_request" {
		return Scope{}, parseError("Credential should be scoped with a valid terminator: 'aws4_request', not '" + parts[4] + "'.")
	}
	if len(parts[1]) != 8 {
		return Scope{}, parseError("Credential should be scoped to a valid date: '" + parts[1] + "'.")
	}
	if parts[0] == "" || parts[2] == "" || parts[3] == "" {
		return Scope{}, parseError("the Credential parameter is malformed.")
	}
	return Scope{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3]}, nil
}

// parseHeader parses "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
// Signature=…".
func parseHeader(h string) (auth, error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if alg != Algorithm {
		return auth{}, parseError("Unsupported Authorization Type")
	}
	var a auth
	var haveCred, haveSigned, haveSig bool
	for _, field := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(field), "=")
		if !ok {
			return auth{}, parseError("Authorization header requires each component to be of the form key=value; '" + strings.TrimSpace(field) + "' is not.")
		}
		switch k {
		case "Credential":
			s, err := parseCredential(v)
			if err != nil {
				return auth{}, err
			}
			a.scope, haveCred = s, true
		case "SignedHeaders":
			a.signed, haveSigned = splitSignedHeaders(v), true
		case "Signature":
			a.signature, haveSig = v, true
		}
	}
	switch {
	case !haveCred:
		return auth{}, parseError("Authorization header requires 'Credential' parameter. Authorization=" + h)
	case !haveSigned:
		return auth{}, parseError("Authorization header requires 'SignedHeaders' parameter. Authorization=" + h)
	case !haveSig:
		return auth{}, parseError("Authorization header requires 'Signature' parameter. Authorization=" + h)
	}
	return a, nil
}

func splitSignedHeaders(v string) []string {
	if v == "" {
		return nil
	}
	hs := strings.Split(v, ";")
	for i := range hs {
		hs[i] = lower(hs[i])
	}
	return hs
}

// parsePresigned parses the X-Amz-* query parameters of a presigned URL.
func parsePresigned(q url.Values) (auth, error) {
	if q.Get("X-Amz-Algorithm") != Algorithm {
		return auth{}, parseError("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
	}
	for _, p := range []string{"X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"} {
		if q.Get(p) == "" {
			return auth{}, parseError("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
		}
	}
	s, err := parseCredential(q.Get("X-Amz-Credential"))
	if err != nil {
		return auth{}, err
	}
	a := auth{scope: s, signed: splitSignedHeaders(q.Get("X-Amz-SignedHeaders")), signature: q.Get("X-Amz-Signature"), presigned: true}
	if a.date, err = time.Parse(timeFormat, q.Get("X-Amz-Date")); err != nil {
		return auth{}, parseError("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
	}
	exp := q.Get("X-Amz-Expires")
	if exp == "" {
		exp = "900"
	}
	n, err := strconv.Atoi(exp)
	switch {
	case err != nil:
		return auth{}, parseError("X-Amz-Expires should be a number")
	case n < 0:
		return auth{}, parseError("X-Amz-Expires must be non-negative")
	case n > 604800:
		return auth{}, parseError("X-Amz-Expires must be less than a week (in seconds) that is 604800")
	}
	a.expires = time.Duration(n) * time.Second
	return a, nil
}

// requestTime returns the signing time from X-Amz-Date, or Date.
func requestTime(r *http.Request) (time.Time, bool) {
	if d := r.Header.Get("X-Amz-Date"); d != "" {
		t, err := time.Parse(timeFormat, d)
		return t, err == nil
	}
	if d := r.Header.Get("Date"); d != "" {
		return parseDate(d)
	}
	return time.Time{}, false
}

// parseDate reads a Date header in the forms clients send: HTTP's
// (http.ParseTime: "Sun, 06 Dec 2026 08:00:00 GMT" and the obsolete
// ones), and RFC 1123 with a numeric zone, which botocore sends when it
// signs with the Date header instead of X-Amz-Date (Python's
// email.utils.formatdate: "Sun, 06 Dec 2026 08:00:00 -0000").
func parseDate(d string) (time.Time, bool) {
	if t, err := http.ParseTime(d); err == nil {
		return t, true
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700"} {
		if t, err := time.Parse(layout, d); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
