// This file holds IAM's errors (IAM API Reference, "Common Errors" and each
// operation's Errors section).

package iam

import (
	"errors"
	"net/http"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/policy"
)

// policyError maps a policy-package error to the IAM error response.
func policyError(err error) error {
	var pe *policy.Error
	if errors.As(err, &pe) {
		status := http.StatusBadRequest
		if pe.Code == "LimitExceeded" {
			status = http.StatusConflict
		}
		return awserr.New(status, pe.Code, "%s", pe.Message)
	}
	return awserr.New(http.StatusBadRequest, "MalformedPolicyDocument", "%s", err.Error())
}

func noSuchEntity(format string, args ...any) error {
	return awserr.New(http.StatusNotFound, "NoSuchEntity", format, args...)
}

func alreadyExists(format string, args ...any) error {
	return awserr.New(http.StatusConflict, "EntityAlreadyExists", format, args...)
}

func deleteConflict(format string, args ...any) error {
	return awserr.New(http.StatusConflict, "DeleteConflict", format, args...)
}

func limitExceeded(format string, args ...any) error {
	return awserr.New(http.StatusConflict, "LimitExceeded", format, args...)
}

func invalidInput(format string, args ...any) error {
	return awserr.New(http.StatusBadRequest, "InvalidInput", format, args...)
}

// validationError is IAM's message for a member that breaks a constraint:
// "1 validation error detected: Value 'x' at 'roleName' failed to satisfy
// constraint: Member must …".
func validationError(member, value, constraint string) error {
	return awserr.New(http.StatusBadRequest, "ValidationError",
		"1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must %s", value, member, constraint)
}

// missingMember is IAM's message for a required member left out: "1
// validation error detected: Value null at 'roleName' failed to satisfy
// constraint: Member must not be null".
func missingMember(member string) error {
	return awserr.New(http.StatusBadRequest, "ValidationError",
		"1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}
