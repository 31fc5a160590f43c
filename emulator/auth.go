package emulator

import (
	"net/http"

	"github.com/xacct/xacct/emulator/service"
)

// authenticator verifies request signatures against the emulator's
// credentials and resolves the caller.
type authenticator struct {
	e *Emulator
}

func newAuthenticator(e *Emulator) *authenticator { return &authenticator{e: e} }

// route returns the signing name of the service a request is for and its
// handler (nil when the emulator does not serve it).
func (e *Emulator) route(r *http.Request) (string, service.Handler) {
	return "", nil
}

// authenticate verifies r and returns its caller and credential-scope region.
func (a *authenticator) authenticate(r *http.Request, call *service.Call) (*service.Caller, string, error) {
	return nil, "", nil
}
