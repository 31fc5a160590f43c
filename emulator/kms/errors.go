// This file holds the service's errors: AWS KMS's error codes and the
// messages it sends with them (AWS KMS API Reference, each operation's
// "Errors" section, and "Common Errors").

package kms

import (
	"errors"
	"net/http"

	"github.com/xacct/xacct/emulator/awserr"
)

func kmsErr(code, format string, args ...any) error {
	return awserr.New(http.StatusBadRequest, code, format, args...)
}

// errKeyNotFound is NotFoundException for a key reference that names no
// key (AWS KMS API Reference, DescribeKey: NotFoundException, "The
// request was rejected because the specified entity or resource could not
// be found").
func errKeyNotFound(arn string) error {
	return kmsErr("NotFoundException", "Key '%s' does not exist", arn)
}

func errAliasNotFound(arn string) error {
	return kmsErr("NotFoundException", "Alias %s is not found.", arn)
}

func errInvalidKeyID(ref string) error {
	return kmsErr("NotFoundException", "Invalid keyId '%s'", ref)
}

// errDisabled is DisabledException: "The request was rejected because the
// specified KMS key is not enabled."
func errDisabled(arn string) error { return kmsErr("DisabledException", "%s is disabled.", arn) }

// errPendingDeletion is KMSInvalidStateException for a key whose state
// does not allow the operation (AWS KMS Developer Guide, "Key states of
// AWS KMS keys").
func errPendingDeletion(arn string) error {
	return kmsErr("KMSInvalidStateException", "%s is pending deletion.", arn)
}

func errNotPendingDeletion(arn string) error {
	return kmsErr("KMSInvalidStateException", "%s is not pending deletion.", arn)
}

// errInvalidCiphertext is InvalidCiphertextException: the ciphertext, its
// encryption context or its key do not match. AWS sends it without a
// message.
func errInvalidCiphertext() error { return kmsErr("InvalidCiphertextException", "") }

// errIncorrectKey is IncorrectKeyException: Decrypt's KeyId is not the
// key the ciphertext was encrypted under.
func errIncorrectKey() error {
	return kmsErr("IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.")
}

func errValidation(format string, args ...any) error {
	return kmsErr("ValidationException", format, args...)
}

func errAlreadyExists(aliasARN string) error {
	return kmsErr("AlreadyExistsException", "An alias with the name %s already exists", aliasARN)
}

// errAliasPrefix is AWS's answer to an alias name without the "alias/"
// prefix: a ValidationException, not InvalidAliasNameException (recorded
// from AWS in LocalStack's AWS-validated snapshot of CreateAlias,
// tests/aws/services/kms/test_kms.snapshot.json, test_create_alias).
func errAliasPrefix() error {
	return errValidation("Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html")
}

func errMalformedPolicy(format string, args ...any) error {
	return kmsErr("MalformedPolicyDocumentException", format, args...)
}

func errUnsupported(format string, args ...any) error {
	return kmsErr("UnsupportedOperationException", format, args...)
}

func errInvalidGrantID() error { return kmsErr("InvalidGrantIdException", "Grant ID not valid") }

func errInvalidGrantToken() error {
	return kmsErr("InvalidGrantTokenException", "The grant token is not valid.")
}

func errInvalidMarker() error { return kmsErr("InvalidMarkerException", "Invalid marker") }

func errTag(format string, args ...any) error { return kmsErr("TagException", format, args...) }

// accessDenied turns the emulator's AccessDenied (403, IAM's message,
// the X-Xacct-Explain header) into KMS's AccessDeniedException, which KMS
// sends with status 400 (AWS KMS API Reference, "Common Errors").
func accessDenied(err error) error {
	var e *awserr.Error
	if !errors.As(err, &e) || e.Code != "AccessDenied" {
		return err
	}
	c := *e
	c.Code, c.StatusCode = "AccessDeniedException", http.StatusBadRequest
	return &c
}
