// This file holds SNS's errors (Amazon SNS API Reference, "Common Errors"
// and each action's Errors section).

package sns

import (
	"net/http"

	"github.com/xacct/xacct/emulator/awserr"
)

// Errors SNS returns, with its codes and messages.

func invalidParameter(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidParameter", format, args...)
}

func topicNotFound() *awserr.Error {
	return awserr.New(http.StatusNotFound, "NotFound", "Topic does not exist")
}

func subscriptionNotFound() *awserr.Error {
	return awserr.New(http.StatusNotFound, "NotFound", "Subscription does not exist")
}
