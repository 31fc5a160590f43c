package cfntemplate

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

// awsErr is the AWS error a template error stands for, read the way the
// emulator's awserr.As reads it: through AWSError anywhere in the chain.
type awsErr struct {
	Status  int
	Code    string
	Message string
}

func asAWS(err error) (*awsErr, bool) {
	var c interface {
		AWSError() (status int, code, message string)
	}
	if !errors.As(err, &c) {
		return nil, false
	}
	status, code, msg := c.AWSError()
	return &awsErr{Status: status, Code: code, Message: msg}, true
}

// validation returns a ValidationError with the given message, as the
// emulator's resolvers do.
func validation(format string, args ...any) error {
	return &Error{Message: fmt.Sprintf(format, args...)}
}

// TestErrorIsValidationError checks that a template error, even wrapped,
// stands for CloudFormation's 400 ValidationError with the message alone
// (the position is for humans, in Error()).
func TestErrorIsValidationError(t *testing.T) {
	err := fmt.Errorf("create stack: %w", formatErrorf(Pos{Line: 3, Column: 7}, "Unresolved resource dependencies [%s] in the Resources block of the template", "X"))
	ae, ok := asAWS(err)
	if !ok {
		t.Fatalf("got %T, want an error carrying an AWS error", err)
	}
	want := awsErr{Status: http.StatusBadRequest, Code: "ValidationError", Message: "Template format error: Unresolved resource dependencies [X] in the Resources block of the template"}
	if *ae != want {
		t.Errorf("got %+v, want %+v", *ae, want)
	}
	if got := err.Error(); got != "create stack: "+want.Message+" (at line 3, column 7)" {
		t.Errorf("Error() = %q, want the message and the position", got)
	}
}
