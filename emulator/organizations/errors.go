// This file holds the service's errors (AWS Organizations API Reference,
// "Errors" of each action and "Common Errors"). The messages are the
// exceptions' descriptions in the API Reference.

package organizations

import (
	"net/http"

	"github.com/xacct/xacct/emulator/awserr"
)

func orgErr(code, msg string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, code, "%s", msg)
}

func errNotInUse() error {
	return orgErr("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
}

func errAlreadyInOrg() error {
	return orgErr("AlreadyInOrganizationException", "The provided account is already a member of an organization.")
}

// errNotManagement is Organizations' refusal of an operation only the
// management account may call, made from a member account.
func errNotManagement() error {
	return orgErr("AccessDeniedException", "You don't have permissions to access this resource.")
}

func errAccountNotFound() error {
	return orgErr("AccountNotFoundException", "You specified an account that doesn't exist.")
}

func errParentNotFound() error {
	return orgErr("ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")
}

func errSourceParentNotFound() error {
	return orgErr("SourceParentNotFoundException", "We can't find a source root or OU with the ParentId that you specified.")
}

func errDestinationParentNotFound() error {
	return orgErr("DestinationParentNotFoundException", "We can't find the destination container (a root or OU) with the ParentId that you specified.")
}

func errChildNotFound() error {
	return orgErr("ChildNotFoundException", "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.")
}

func errOUNotFound() error {
	return orgErr("OrganizationalUnitNotFoundException", "We can't find an OU with the OrganizationalUnitId that you specified.")
}

func errOUNotEmpty() error {
	return orgErr("OrganizationalUnitNotEmptyException", "The specified OU is not empty. Move all accounts to another root or to other OUs, remove all child OUs, and try the operation again.")
}

func errRootNotFound() error {
	return orgErr("RootNotFoundException", "We can't find a root with the RootId that you specified.")
}

func errTargetNotFound() error {
	return orgErr("TargetNotFoundException", "We can't find a root, OU, account, or email address with the TargetId that you specified.")
}

func errPolicyNotFound() error {
	return orgErr("PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.")
}

func errDuplicateOU() error {
	return orgErr("DuplicateOrganizationalUnitException", "An OU with the same name already exists.")
}

func errDuplicateAccount() error {
	return orgErr("DuplicateAccountException", "That account is already present in the specified destination.")
}

func errDuplicatePolicy() error {
	return orgErr("DuplicatePolicyException", "A policy with the same name already exists.")
}

func errDuplicateAttachment() error {
	return orgErr("DuplicatePolicyAttachmentException", "The selected policy is already attached to the specified target.")
}

func errNotAttached() error {
	return orgErr("PolicyNotAttachedException", "The policy isn't attached to the specified target in the specified root.")
}

func errPolicyInUse() error {
	return orgErr("PolicyInUseException", "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.")
}

func errTypeNotEnabled() error {
	return orgErr("PolicyTypeNotEnabledException", "The specified policy type isn't currently enabled in this root. You can't attach policies of the specified type to entities in a root until you enable that type in the root.")
}

func errTypeAlreadyEnabled() error {
	return orgErr("PolicyTypeAlreadyEnabledException", "The specified policy type is already enabled in the specified root.")
}

func errMalformed(detail string) error {
	return orgErr("MalformedPolicyDocumentException", "The provided policy document doesn't meet the requirements of the specified policy type. "+detail)
}

func errNotEmpty() error {
	return orgErr("OrganizationNotEmptyException", "The organization isn't empty. To delete an organization, you must first remove all accounts except the management account.")
}

func errStatusNotFound() error {
	return orgErr("CreateAccountStatusNotFoundException", "We can't find an create account request with the CreateAccountRequestId that you specified.")
}

// errConstraint is ConstraintViolationException with its Reason member.
func errConstraint(reason, msg string) error {
	return orgErr("ConstraintViolationException", msg).With("Reason", reason)
}

// errInvalid is InvalidInputException with its Reason member.
func errInvalid(reason, msg string) error {
	return orgErr("InvalidInputException", msg).With("Reason", reason)
}
