package s3copy

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// ObjectError is the failure of one object's copy.
type ObjectError struct {
	// Op is the S3 operation that failed last (CopyObject, UploadPartCopy…).
	Op     string
	Source string // bucket/key
	Target string // bucket/key
	Err    error
}

// Error names the operation, source and target.
func (e *ObjectError) Error() string {
	return fmt.Sprintf("%s s3://%s to s3://%s: %v", e.Op, e.Source, e.Target, e.Err)
}

// Unwrap returns the underlying error.
func (e *ObjectError) Unwrap() error { return e.Err }

// Retryable reports whether S3 (or the network) may succeed on a retry:
// throttling, 5xx, and dropped connections. Access and missing-object
// errors are permanent.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "RequestThrottled",
			"TooManyRequestsException", "InternalError", "ServiceUnavailable", "RequestTimeout", "RequestTimeTooSkewed":
			return true
		}
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && (re.HTTPStatusCode() >= 500 || re.HTTPStatusCode() == 429) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe) || errors.Is(err, errConnection)
}

// errConnection marks transport failures a test transport injects.
var errConnection = errors.New("connection reset")

// Permanent reports whether err will not go away on a retry (the Batch
// Operations result code PermanentFailure).
func Permanent(err error) bool { return !Retryable(err) }
