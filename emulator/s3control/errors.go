package s3control

import (
	"bytes"
	"encoding/xml"
	"net/http"

	"github.com/xacct/xacct/emulator/awserr"
)

// S3 Control's errors (Amazon S3 API Reference, "CreateJob", "DescribeJob",
// "UpdateJobStatus": BadRequestException, IdempotencyException,
// JobStatusException, NotFoundException, TooManyRequestsException,
// InternalServiceException).

func errBadRequest(format string, args ...any) error {
	return awserr.New(http.StatusBadRequest, "BadRequestException", format, args...)
}

func errInvalidRequest(format string, args ...any) error {
	return awserr.New(http.StatusBadRequest, "InvalidRequest", format, args...)
}

func errNoSuchJob() error {
	// The troubleshooting guide names the message ("Troubleshooting S3
	// Batch Operations", NoSuchJobException); the API model names the code.
	return awserr.New(http.StatusNotFound, "NotFoundException", "The specified job does not exist")
}

func errJobStatus(format string, args ...any) error {
	return awserr.New(http.StatusConflict, "JobStatusException", format, args...)
}

func errIdempotency() error {
	return awserr.New(http.StatusConflict, "IdempotencyException",
		"A job with this client request token already exists with different parameters")
}

func errMissingAccount() error {
	return awserr.New(http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: x-amz-account-id")
}

func errAccountMismatch() error {
	return awserr.AccessDenied("Access Denied")
}

// writeError renders e as S3 Control does: an ErrorResponse wrapping an
// Error, then the request id and host id.
func writeError(w http.ResponseWriter, requestID string, e *awserr.Error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<ErrorResponse><Error><Code>")
	xml.EscapeText(&b, []byte(e.Code))
	b.WriteString("</Code><Message>")
	xml.EscapeText(&b, []byte(e.Message))
	b.WriteString("</Message></Error><RequestId>")
	xml.EscapeText(&b, []byte(requestID))
	b.WriteString("</RequestId><HostId>")
	xml.EscapeText(&b, []byte(requestID))
	b.WriteString("</HostId></ErrorResponse>")
	w.Header().Set("x-amz-request-id", requestID)
	e.Write(w, "application/xml", requestID, b.Bytes())
}
