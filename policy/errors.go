package policy

import "errors"

// Error is IAM's refusal of a policy document: Code is
// "MalformedPolicyDocument" or "LimitExceeded", Message is IAM's text.
type Error struct {
	Code    string
	Message string
}

// Error returns "Code: Message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// IsMalformed reports whether err is a MalformedPolicyDocument refusal.
func IsMalformed(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == "MalformedPolicyDocument"
}

func malformed(msg string) *Error { return &Error{Code: "MalformedPolicyDocument", Message: msg} }

// IAM's messages (checked against IAM's responses as reported in public
// issue trackers and the IAM User Guide, "IAM JSON policy element
// reference").
const (
	msgSyntax          = "Syntax errors in policy."
	msgNoPrincipal     = "Policy document should not specify a principal."
	msgMissingPrinc    = "Missing required field Principal"
	msgNeedActions     = "Policy statement must contain actions."
	msgNeedResources   = "Policy statement must contain resources."
	msgProhibitedRes   = "Has prohibited field Resource"
	msgVendor          = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	msgTrustActions    = "AssumeRole policy may only specify STS AssumeRole actions."
	msgSidAlnum        = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
	msgSidUnique       = "Statement IDs (SID) in a single policy must be unique."
	msgMissingEffect   = "Missing required field Effect"
	msgEmptyStatements = "Policy document must contain at least one statement."
)
