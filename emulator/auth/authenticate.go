package auth

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulator/sigv4"
)

// AuthenticatorOptions configures an Authenticator.
type AuthenticatorOptions struct {
	// Now is the clock signatures and tokens are checked against;
	// time.Now when nil.
	Now func() time.Time
	// Region is the region S3's error for a malformed credential scope
	// says it expected.
	Region string
	// Flavor returns the error flavor of the service with a signing name
	// (the emulator's services table decides it); FlavorQuery for every
	// service when nil.
	Flavor func(service string) sigv4.Flavor
	// Anonymous reports whether the service with a signing name accepts
	// unsigned requests (S3); none does when nil.
	Anonymous func(service string) bool
}

// Authenticator verifies requests' signatures against Keys and returns
// their callers. It is safe for concurrent use.
type Authenticator struct {
	v         *sigv4.Verifier
	flavor    func(string) sigv4.Flavor
	anonymous func(string) bool
}

// NewAuthenticator returns an Authenticator looking keys up in keys.
func NewAuthenticator(keys *Keys, opts AuthenticatorOptions) *Authenticator {
	a := &Authenticator{flavor: opts.Flavor, anonymous: opts.Anonymous}
	if a.flavor == nil {
		a.flavor = func(string) sigv4.Flavor { return sigv4.FlavorQuery }
	}
	if a.anonymous == nil {
		a.anonymous = func(string) bool { return false }
	}
	a.v = sigv4.New(keys, sigv4.Options{Now: opts.Now, Region: opts.Region, Flavor: a.flavor})
	return a
}

// Authenticate verifies r, a request for the service with signing name
// svc, and returns its caller and credential-scope region. Unsigned
// requests get the Anonymous caller, which only a service that takes
// anonymous requests accepts. An aws-chunked body is replaced by its
// decoded payload and its trailer goes to call.Trailer. Errors are
// *awserr.Error in the service's flavor; the caller is Anonymous then.
func (a *Authenticator) Authenticate(r *http.Request, call *service.Call) (*service.Caller, string, error) {
	res, err := a.v.Verify(r.Context(), r)
	if err != nil {
		return Anonymous, "", err
	}
	if res.Anonymous {
		if !a.anonymous(call.Service) {
			return Anonymous, "", sigv4.ErrMissingAuth(a.flavor(call.Service))
		}
		return Anonymous, "", nil
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
	caller := res.Caller
	if caller == nil {
		return Anonymous, "", awserr.From(ErrUnknownKey)
	}
	if caller.UserSession && call.Service == "iam" {
		// GetSessionToken credentials without MFA cannot call IAM; AWS
		// answers as for an unknown token (IAM User Guide, "Comparing the
		// AWS STS API operations", GetSessionToken).
		return caller, res.Scope.Region, awserr.New(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid")
	}
	return caller, res.Scope.Region, nil
}

// VerifyPolicy checks the signature of an S3 browser upload (the form's
// x-amz-* fields and its policy) and returns the caller it authenticates.
func (a *Authenticator) VerifyPolicy(ctx context.Context, p sigv4.PolicySignature) (*service.Caller, error) {
	res, err := a.v.VerifyPolicy(ctx, p)
	if err != nil {
		return nil, err
	}
	if res.Caller == nil {
		return nil, awserr.From(ErrUnknownKey)
	}
	return res.Caller, nil
}
