// This file holds the service's errors (Amazon CloudWatch Logs API
// Reference, "Common Errors") and the name checks that produce them.

package logs

import (
	"net/http"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
)

// Error codes (Amazon CloudWatch Logs API Reference, "Common Errors").
func errNotFound(msg string) error {
	return awserr.New(http.StatusBadRequest, "ResourceNotFoundException", "%s", msg)
}

func errExists(msg string) error {
	return awserr.New(http.StatusBadRequest, "ResourceAlreadyExistsException", "%s", msg)
}

func errInvalid(format string, args ...any) error {
	return awserr.New(http.StatusBadRequest, "InvalidParameterException", format, args...)
}

func checkGroupName(n string) error {
	if n == "" || len(n) > 512 {
		return errInvalid("1 validation error detected: Value '%s' at 'logGroupName' failed to satisfy constraint: Member must have length between 1 and 512", n)
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-/.#", r)) {
			return errInvalid("1 validation error detected: Value '%s' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+", n)
		}
	}
	return nil
}

func checkStreamName(n string) error {
	if n == "" || len(n) > 512 || strings.ContainsAny(n, ":*") {
		return errInvalid("1 validation error detected: Value '%s' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*", n)
	}
	return nil
}
