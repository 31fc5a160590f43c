package service

import (
	"net/http"

	"github.com/xacct/xacct/emulator/awserr"
)

// Handler is one emulated service on the shared endpoint. The emulator has
// already verified the request's signature and resolved its caller.
type Handler interface {
	// ServeAWS handles an authenticated request.
	ServeAWS(w http.ResponseWriter, r *http.Request, call *Call)
	// WriteError renders an error raised before the service ran (a bad
	// signature, an expired token) in the service's wire format.
	WriteError(w http.ResponseWriter, r *http.Request, call *Call, err *awserr.Error)
}
