// This file holds STS's errors (AWS STS API Reference, "Common Errors"
// and each action's Errors section).

package sts

import (
	"net/http"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/policy"
)

func validationError(member, value, constraint string) error {
	return awserr.New(http.StatusBadRequest, "ValidationError",
		"1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must %s", value, member, constraint)
}

// denied is STS's AccessDenied for AssumeRole (STS API Reference, AssumeRole
// errors; the message names the caller and the role).
func denied(callerARN, roleARN string) *awserr.Error {
	return awserr.AccessDenied("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", callerARN, roleARN)
}

func sessionPolicyError(err error) error {
	if pe, ok := err.(*policy.Error); ok {
		return awserr.New(http.StatusBadRequest, "MalformedPolicyDocument", "%s", pe.Message)
	}
	return awserr.New(http.StatusBadRequest, "MalformedPolicyDocument", "%s", err.Error())
}
