package service

import (
	"log/slog"
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

// Failed turns an operation's error into the *awserr.Error its protocol
// writes, logging server faults (5xx: an unexpected error becomes
// InternalError) with the operation's name. The protocol muxes call it.
func Failed(call *Call, op string, err error) *awserr.Error {
	e := awserr.From(err)
	if e.StatusCode >= 500 && call.Log != nil {
		call.Log.Error("internal error", slog.String("operation", op), slog.Any("error", err))
	}
	return e
}
