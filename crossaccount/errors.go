package crossaccount

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Kind classifies a failure to assume a role.
type Kind int

// Kinds of failures.
const (
	// KindOther is any failure not classified below.
	KindOther Kind = iota
	// KindInvalidInput is a bad account id, role ARN or option, caught
	// before calling STS, or STS's ValidationError.
	KindInvalidInput
	// KindAccessDenied is STS's AccessDenied: one of the three setup steps
	// (identity permission, trust policy, the call's parameters) is missing.
	KindAccessDenied
	// KindExpiredCredentials means the caller's own credentials expired.
	KindExpiredCredentials
	// KindRegionDisabled means STS is not activated in the region.
	KindRegionDisabled
	// KindPolicy is a malformed or oversized session policy or tag set.
	KindPolicy
)

// Error is a failure to assume a role.
type Error struct {
	Kind Kind
	// RoleARN is the role that was to be assumed.
	RoleARN string
	// CallerARN is who tried, when STS said so.
	CallerARN string
	// ExternalID and Tagged record what the call presented.
	ExternalID string
	Tagged     bool
	// Diagnosis is the xacct emulator's statement of which step is
	// missing (its X-Xacct-Explain response header). AWS does not say;
	// against AWS it is empty.
	Diagnosis string
	// RootCaller is set when STS refused the call because it was signed
	// with an account's root user credentials, which may not assume roles.
	RootCaller bool
	// Err is the underlying error.
	Err error
}

// rootDenied is STS's message when the root user calls AssumeRole.
const rootDenied = "Roles may not be assumed by root accounts."

// Error describes the failure in one line.
func (e *Error) Error() string {
	if e.RoleARN == "" || e.Kind == KindInvalidInput && e.CallerARN == "" && strings.Contains(e.Err.Error(), e.RoleARN) {
		return e.Err.Error()
	}
	return fmt.Sprintf("assume role %s: %v", e.RoleARN, e.Err)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

func kindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}

// IsAccessDenied reports whether err is STS's AccessDenied for AssumeRole.
func IsAccessDenied(err error) bool { return kindOf(err) == KindAccessDenied }

// IsInvalidInput reports whether err is a validation failure.
func IsInvalidInput(err error) bool { return kindOf(err) == KindInvalidInput }

// IsExpiredCredentials reports whether the caller's own credentials had
// expired.
func IsExpiredCredentials(err error) bool { return kindOf(err) == KindExpiredCredentials }

var deniedRE = regexp.MustCompile(`User: (\S+) is not authorized to perform: sts:AssumeRole on resource: (\S+)`)

// classify wraps an STS error with its kind and, for AccessDenied, the
// caller ARN from STS's message.
func classify(err error, roleARN, externalID string, tagged bool) error {
	e := &Error{RoleARN: roleARN, ExternalID: externalID, Tagged: tagged, Err: err}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		e.Diagnosis = re.Response.Header.Get("X-Xacct-Explain")
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "AccessDenied":
			e.Kind = KindAccessDenied
			if m := deniedRE.FindStringSubmatch(ae.ErrorMessage()); m != nil {
				e.CallerARN = m[1]
			}
			e.RootCaller = ae.ErrorMessage() == rootDenied
		case "ExpiredToken", "ExpiredTokenException":
			e.Kind = KindExpiredCredentials
		case "RegionDisabledException":
			e.Kind = KindRegionDisabled
		case "MalformedPolicyDocument", "PackedPolicyTooLarge":
			e.Kind = KindPolicy
		case "ValidationError", "InvalidParameterValue":
			e.Kind = KindInvalidInput
		}
	}
	return e
}

var kmsDeniedRE = regexp.MustCompile(`User: (\S+) is not authorized to perform: (kms:\w+) on resource: (arn:\S+:key/[^\s"]+)`)

// explainKMS explains a refused KMS action (step 4 of a cross-account copy
// between encrypted buckets): it reports false for any other error.
func explainKMS(err error) (string, bool) {
	var ae smithy.APIError
	if err == nil || !errors.As(err, &ae) || (ae.ErrorCode() != "AccessDeniedException" && ae.ErrorCode() != "AccessDenied") {
		return "", false
	}
	m := kmsDeniedRE.FindStringSubmatch(ae.ErrorMessage())
	if m == nil {
		return "", false
	}
	caller, action, key := m[1], m[2], m[3]
	identity := caller
	if r := roleOfSession(caller); r != "" {
		identity = r + " (the role behind " + caller + ")"
	}
	keyAcct, callerAcct := "", ""
	if parts := strings.SplitN(key, ":", 6); len(parts) == 6 {
		keyAcct = parts[4]
	}
	if parts := strings.SplitN(caller, ":", 6); len(parts) == 6 {
		callerAcct = parts[4]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "AccessDenied: %s may not %s with the KMS key %s. Step 4 (the KMS key of an encrypted bucket) is missing:\n", caller, action, key)
	if keyAcct != "" && callerAcct != "" && keyAcct != callerAcct {
		fmt.Fprintf(&b, "  - the key policy of %s (account %s) must allow %s for %s or for account %s\n", key, keyAcct, action, identity, callerAcct)
		fmt.Fprintf(&b, "  - and a policy of %s must allow %s on %s (across accounts both are needed)\n", identity, action, key)
		b.WriteString("  - if the key is the AWS managed key aws/s3, it cannot be used from another account at all: encrypt the bucket with a customer managed key\n")
	} else {
		fmt.Fprintf(&b, "  - the key policy of %s must allow %s for %s, or delegate to the account's IAM policies (a statement naming arn:aws:iam::%s:root)\n", key, action, identity, keyAcct)
		fmt.Fprintf(&b, "  - where it delegates, a policy of %s must allow %s on %s\n", identity, action, key)
	}
	b.WriteString("  (writing an SSE-KMS object needs kms:GenerateDataKey, reading one kms:Decrypt)")
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		if d := re.Response.Header.Get("X-Xacct-Explain"); d != "" {
			b.WriteString("\nThe xacct emulator, which sees both accounts' policies, says: " + d)
			return b.String(), true
		}
	}
	b.WriteString("\nRun `xacct check` on the templates to see which one it is.")
	return b.String(), true
}

// Explain says, for an AccessDenied, which configuration can be missing,
// in terms of the three setup steps, with the ARNs filled in. STS does not
// say which step failed (its message is the same for all three), so all
// candidates are listed; `xacct check` tells them apart from the
// templates. For other kinds it returns the error text.
//
// A KMS refusal (KMS's AccessDeniedException, or S3's AccessDenied for a
// kms: action on an SSE-KMS bucket) is explained as the fourth step: the
// key's policy and the role's KMS permission.
func Explain(err error) string {
	if s, ok := explainKMS(err); ok {
		return s
	}
	var e *Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	switch e.Kind {
	case KindAccessDenied:
		if e.RootCaller {
			return "AccessDenied: the root user may not assume roles (STS refuses it whatever the policies say): call AssumeRole as an IAM user or from a role session"
		}
	case KindExpiredCredentials:
		return "the caller's own credentials have expired: refresh them (a Lambda function gets fresh ones on every invocation; a long-running process must renew its session)"
	case KindRegionDisabled:
		return "STS is not activated in this region for the account: activate the regional endpoint in IAM account settings or use another region"
	default:
		return e.Error()
	}
	caller := e.CallerARN
	if caller == "" {
		caller = "the caller"
	}
	if strings.HasPrefix(e.Diagnosis, "denied by SCP") || strings.HasPrefix(e.Diagnosis, "denied by RCP") {
		// No IAM policy can allow what an organization policy refuses:
		// the three steps are beside the point.
		return fmt.Sprintf("AccessDenied: %s may not assume %s: the xacct emulator says it is %s (an organization's SCPs and RCPs limit what every IAM policy allows; ask the organization's administrators)",
			caller, e.RoleARN, e.Diagnosis)
	}
	callerRole := roleOfSession(e.CallerARN)
	identity := caller
	if callerRole != "" {
		identity = callerRole + " (the role behind " + caller + ")"
	}
	callerAcct := ""
	if parts := strings.SplitN(e.CallerARN, ":", 6); len(parts) == 6 {
		callerAcct = parts[4]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "AccessDenied: %s may not assume %s. One of the three cross-account setup steps is missing:\n", caller, e.RoleARN)
	fmt.Fprintf(&b, "  1. identity permission: a policy of %s must allow sts:AssumeRole on %s\n", identity, e.RoleARN)
	who := callerRole
	if who == "" {
		who = caller
	}
	fmt.Fprintf(&b, "  2. trust policy: the trust policy of %s must allow sts:AssumeRole for %s", e.RoleARN, who)
	if callerAcct != "" {
		fmt.Fprintf(&b, " (or for account %s, pinned with an aws:PrincipalArn condition)", callerAcct)
	}
	b.WriteString("\n")
	b.WriteString("  3. the call: it must present what the trust policy's conditions require")
	switch {
	case e.ExternalID == "":
		b.WriteString(" — no sts:ExternalId was sent; set one if the trust policy asks for it")
	default:
		b.WriteString(" — the sts:ExternalId sent must equal the trust policy's")
	}
	if e.Tagged {
		b.WriteString("; session tags also need sts:TagSession in both policies")
	}
	if e.Diagnosis != "" {
		b.WriteString("\nThe xacct emulator, which sees both accounts' policies, says: " + e.Diagnosis)
	} else {
		b.WriteString("\nRun `xacct check` on the templates to see which step it is.")
	}
	return b.String()
}
