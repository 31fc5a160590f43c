package emulator

import (
	"net/http"
	"strings"

	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulator/sigv4"
)

// route returns the signing name of the service a request is for and its
// handler (nil when the emulator does not serve it). Signed requests name
// their service in the credential scope (even a malformed one, so that the
// error is in that service's format); an unsigned request is for the
// service that takes anonymous requests (S3: a public bucket, a presigned
// POST) unless it looks like a query or JSON API call.
func (e *Emulator) route(r *http.Request) (string, service.Handler) {
	name := sigv4.ServiceOf(r)
	if name == "" && !looksLikeAPICall(r) {
		name = e.anonymous
	}
	for _, c := range e.claims {
		if c.signedAs == name && c.match(r) {
			name = c.name
			break
		}
	}
	return name, e.routes[name].handler
}

// claim is a service that serves some of the requests signed for another
// service's name (S3 Control's, signed for "s3").
type claim struct {
	name, signedAs string
	match          func(*http.Request) bool
}

// flavor returns the error flavor of the service with this signing name
// (the query services' for a name the emulator does not serve).
func (e *Emulator) flavor(name string) sigv4.Flavor {
	return e.routes[name].flavor
}

// looksLikeAPICall reports whether an unsigned request is a JSON or query
// API call rather than S3's: a JSON call names its operation in
// X-Amz-Target, a query call in Action, in the query string or in a form
// POSTed to "/". A form-encoded PUT or POST to a bucket or key is S3's
// (urllib and curl --data send PUT bodies with that content type, for
// example to a presigned URL).
func looksLikeAPICall(r *http.Request) bool {
	if r.Header.Get("X-Amz-Target") != "" || strings.Contains(r.URL.RawQuery, "Action=") {
		return true
	}
	return r.Method == http.MethodPost && (r.URL.Path == "/" || r.URL.Path == "") &&
		strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
}
