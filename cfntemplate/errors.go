package cfntemplate

import (
	"fmt"
	"net/http"
	"strings"
)

// Error is a template error: the ValidationError CloudFormation returns
// (Message is its exact message, which is what API clients see) and where
// in the template source the problem is, for humans.
type Error struct {
	// Message is CloudFormation's message, e.g. "Template format error:
	// Unrecognized resource types: [AWS::Foo::Bar]".
	Message string
	// Pos is the source position of the offending node; the zero Pos when
	// unknown or generated.
	Pos Pos
}

// Error returns AWS's message followed by the source position, if known.
func (e *Error) Error() string {
	if e.Pos.IsValid() && !strings.Contains(e.Message, "(line ") {
		return e.Message + " (at " + e.Pos.String() + ")"
	}
	return e.Message
}

// AWSError returns the error CloudFormation answers with: 400
// ValidationError and the message. The emulator's awserr.As converts it.
func (e *Error) AWSError() (status int, code, message string) {
	return http.StatusBadRequest, "ValidationError", e.Message
}

// validationf returns a ValidationError with exactly the given message.
func validationf(pos Pos, format string, args ...any) error {
	return &Error{Message: fmt.Sprintf(format, args...), Pos: pos}
}

// formatErrorf returns "Template format error: ...", CloudFormation's
// prefix for structural problems found while validating a template.
func formatErrorf(pos Pos, format string, args ...any) error {
	return &Error{Message: "Template format error: " + fmt.Sprintf(format, args...), Pos: pos}
}

// templateErrorf returns "Template error: ...", CloudFormation's prefix for
// problems in intrinsic function calls.
func templateErrorf(pos Pos, format string, args ...any) error {
	return &Error{Message: "Template error: " + fmt.Sprintf(format, args...), Pos: pos}
}

// posOf returns n's position, or the zero Pos for nil.
func posOf(n *Node) Pos {
	if n == nil {
		return Pos{}
	}
	return n.Pos
}

// javaList renders names the way CloudFormation's messages list them:
// "[A, B]".
func javaList(names []string) string {
	return "[" + strings.Join(names, ", ") + "]"
}
