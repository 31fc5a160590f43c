// Package awserr defines the one error type every emulated service returns: an
// AWS error code, message and HTTP status, rendered by the protocol layer in the
// service's own wire format.
package awserr

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Field is an extra element some services put in error bodies (S3's
// BucketName, Key, Resource, ...). Order is kept as given.
type Field struct {
	Name  string
	Value string
}

// Error is an AWS error response.
type Error struct {
	// Code is AWS's error code, e.g. "AccessDenied", "NoSuchBucket".
	Code string
	// Message is AWS's human-readable message.
	Message string
	// StatusCode is the HTTP status.
	StatusCode int
	// Fields are extra body elements, rendered after Code and Message by
	// protocols that carry them.
	Fields []Field
	// Header holds extra response headers (e.g. S3's x-amz-delete-marker).
	Header http.Header
}

// Error returns "Code: Message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Receiver reports whether the error is the server's fault (5xx), which
// query and JSON protocols render as Type Receiver rather than Sender.
func (e *Error) Receiver() bool { return e.StatusCode >= 500 }

// Write is the tail every protocol's error writer shares: e's extra
// headers, then contentType, the body's length and the request id
// (x-amzn-RequestId), then e's status and body. Protocol-specific headers
// are set on w before calling it.
func (e *Error) Write(w http.ResponseWriter, contentType, requestID string, body []byte) {
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("x-amzn-RequestId", requestID)
	w.WriteHeader(e.StatusCode)
	w.Write(body)
}

// With returns a copy of e with an extra body field appended.
func (e *Error) With(name, value string) *Error {
	c := *e
	c.Fields = append(append([]Field(nil), e.Fields...), Field{name, value})
	return &c
}

// New returns an error with the given status, code and formatted message.
func New(status int, code, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: code, Message: msg, StatusCode: status}
}

// Carrier is an error that stands for an AWS error but comes from a
// package outside the emulator, which does not import awserr (the
// CloudFormation template engine, cfntemplate). AWSError returns the HTTP
// status, code and message the emulator answers with.
type Carrier interface {
	error
	AWSError() (status int, code, message string)
}

// As returns err as an *Error if it is one, or a Carrier converted to one
// (anywhere in its chain).
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	var c Carrier
	if errors.As(err, &c) {
		status, code, msg := c.AWSError()
		return &Error{Code: code, Message: msg, StatusCode: status}, true
	}
	return nil, false
}

// From converts any error into an *Error: AWS errors pass through, anything
// else becomes a 500 InternalError (the caller should log the original).
func From(err error) *Error {
	if e, ok := As(err); ok {
		return e
	}
	return &Error{Code: "InternalError", Message: "We encountered an internal error. Please try again.", StatusCode: http.StatusInternalServerError}
}

// Is reports whether err is an *Error with the given code.
func Is(err error, code string) bool {
	e, ok := As(err)
	return ok && e.Code == code
}

// Common errors shared by several services.

// AccessDenied is the 403 AccessDenied with the given message.
func AccessDenied(format string, args ...any) *Error {
	return New(http.StatusForbidden, "AccessDenied", format, args...)
}

// Validation is the 400 ValidationError used by query and JSON services.
func Validation(format string, args ...any) *Error {
	return New(http.StatusBadRequest, "ValidationError", format, args...)
}
