package lambda

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/xacct/xacct/emulator/awserr"
)

// writeError renders e as Lambda does: JSON {"Type", "message"} with
// X-Amzn-ErrorType. IAM's refusal is Lambda's AccessDeniedException
// (AWS Lambda API Reference, "Common Errors").
func writeError(w http.ResponseWriter, requestID string, e *awserr.Error) {
	code := e.Code
	if code == "AccessDenied" {
		code = "AccessDeniedException"
	}
	typ := "User"
	if e.Receiver() {
		typ = "Service"
	}
	body := map[string]string{"Type": typ, "message": e.Message}
	for _, f := range e.Fields {
		body[f.Name] = f.Value
	}
	b, _ := json.Marshal(body)
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-ErrorType", code)
	h.Set("X-Amzn-RequestId", requestID)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(e.StatusCode)
	w.Write(b)
}

// Errors (AWS Lambda API Reference, "Errors" of each action).
func errNotFound(arn string) error {
	return awserr.New(http.StatusNotFound, "ResourceNotFoundException", "Function not found: %s", arn)
}

func errInvalidParameter(format string, args ...any) error {
	return awserr.New(http.StatusBadRequest, "InvalidParameterValueException", format, args...)
}

func errConflict(format string, args ...any) error {
	return awserr.New(http.StatusConflict, "ResourceConflictException", format, args...)
}

func errRequestTooLarge(n int) error {
	return awserr.New(http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", "Request must be smaller than 70167211 bytes for the CreateFunction operation")
}

func errValidation(format string, args ...any) error {
	return awserr.New(http.StatusBadRequest, "ValidationException", format, args...)
}

func errThrottledAPI() error {
	return awserr.New(http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.").With("Reason", "ReservedFunctionConcurrentInvocationLimitExceeded")
}

// errShuttingDown answers an invocation that arrives once Stop was called:
// Lambda's ServiceException, 500 (AWS Lambda API Reference, Invoke, Errors).
func errShuttingDown() *awserr.Error {
	return awserr.New(http.StatusInternalServerError, "ServiceException", "The emulator is shutting down and accepts no new invocations.")
}
