package cfntemplate

import (
	"fmt"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
)

// Error is a template error: the ValidationError CloudFormation returns
// (AWS carries its exact code and message, which is what API clients see)
// and where in the template source the problem is, for humans.
type Error struct {
	AWS *awserr.Error
	// Pos is the source position of the offending node; the zero Pos when
	// unknown or generated.
	Pos Pos
}

// Error returns AWS's message followed by the source position, if known.
func (e *Error) Error() string {
	if e.Pos.IsValid() && !strings.Contains(e.AWS.Message, "(line ") {
		return e.AWS.Message + " (at " + e.Pos.String() + ")"
	}
	return e.AWS.Message
}

// Unwrap returns the AWS error, so awserr.As finds it.
func (e *Error) Unwrap() error { return e.AWS }

// validationf returns a ValidationError with exactly the given message.
func validationf(pos Pos, format string, args ...any) error {
	return &Error{AWS: awserr.Validation("%s", fmt.Sprintf(format, args...)), Pos: pos}
}

// formatErrorf returns "Template format error: ...", CloudFormation's
// prefix for structural problems found while validating a template.
func formatErrorf(pos Pos, format string, args ...any) error {
	return &Error{AWS: awserr.Validation("%s", "Template format error: "+fmt.Sprintf(format, args...)), Pos: pos}
}

// templateErrorf returns "Template error: ...", CloudFormation's prefix for
// problems in intrinsic function calls.
func templateErrorf(pos Pos, format string, args ...any) error {
	return &Error{AWS: awserr.Validation("%s", "Template error: "+fmt.Sprintf(format, args...)), Pos: pos}
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
