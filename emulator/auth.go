package emulator

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulator/sigv4"
	"github.com/xacct/xacct/policy"
)

// authenticator verifies request signatures against the emulator's
// credentials and resolves the caller.
type authenticator struct {
	e *Emulator
	v *sigv4.Verifier
}

func newAuthenticator(e *Emulator) *authenticator {
	a := &authenticator{e: e}
	a.v = sigv4.New(keyStore{e}, sigv4.Options{Now: e.opts.Now, Region: e.opts.Region, Flavor: e.flavor})
	return a
}

// keyStore adapts the emulator's credentials to sigv4.KeyStore.
type keyStore struct{ e *Emulator }

func (k keyStore) LookupKey(ctx context.Context, id string) (sigv4.Key, error) {
	c, err := k.e.lookup(id)
	if errors.Is(err, errUnknownKey) {
		return sigv4.Key{}, sigv4.ErrKeyNotFound
	}
	if err != nil {
		return sigv4.Key{}, err
	}
	// Hand the resolved caller to authenticate, which would otherwise look
	// the key up a second time.
	if slot, ok := ctx.Value(callerSlot{}).(**service.Caller); ok {
		*slot = c.caller
	}
	return sigv4.Key{SecretAccessKey: c.secret, SessionToken: c.token, Expires: c.expires}, nil
}

// callerSlot keys the context value through which LookupKey returns the
// caller it resolved.
type callerSlot struct{}

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
	return name, e.routes[name].handler
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

// authenticate verifies r and returns its caller and credential-scope
// region. Unsigned requests get the anonymous caller, which only the
// service that takes anonymous requests accepts.
func (a *authenticator) authenticate(r *http.Request, call *service.Call) (*service.Caller, string, error) {
	var caller *service.Caller
	res, err := a.v.Verify(context.WithValue(r.Context(), callerSlot{}, &caller), r)
	if err != nil {
		return anonymous, "", err
	}
	if res.Anonymous {
		if call.Service != a.e.anonymous {
			return anonymous, "", sigv4.ErrMissingAuth(a.e.flavor(call.Service))
		}
		return anonymous, "", nil
	}
	if res.Chunked {
		call.Trailer = res.Trailer
		// The service sees the decoded payload.
		enc := strings.Split(r.Header.Get("Content-Encoding"), ",")
		var rest []string
		for _, e := range enc {
			if e = strings.TrimSpace(e); e != "" && e != "aws-chunked" {
				rest = append(rest, e)
			}
		}
		if len(rest) == 0 {
			r.Header.Del("Content-Encoding")
		} else {
			r.Header.Set("Content-Encoding", strings.Join(rest, ","))
		}
	}
	if caller == nil {
		return anonymous, "", awserr.From(errUnknownKey)
	}
	return caller, res.Scope.Region, nil
}

// anonymous is the caller of an unsigned request.
var anonymous = &service.Caller{Principal: policy.Principal{Type: policy.PrincipalAnonymous, ARN: "*"}}
