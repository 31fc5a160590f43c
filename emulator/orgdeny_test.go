package emulator_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/xacct/xacct/emulatortest"
)

// TestOrgAccessDeniedMessages: the AccessDenied text when an SCP or RCP
// refuses sts:AssumeRole or an S3 call, as AWS words it. IAM User Guide,
// "Troubleshoot access denied error messages": "with an explicit deny in a
// service control policy", also when the SCPs deny implicitly; AWS
// Security Blog, "Enhanced access denied error messages with policy ARNs":
// the denying SCP's or RCP's ARN follows after ": " within one account or
// organization; Amazon S3 User Guide, "Troubleshoot access denied (403
// Forbidden) errors": the reason is given within one account or
// organization, a caller from outside gets "Access Denied".
func TestOrgAccessDeniedMessages(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	w := newOrgWorld(t, srv, "111111111111")
	const outsider = "999999999999"
	policyARN := func(typ, id string) string {
		return "arn:aws:organizations::" + w.mgmt + ":policy/" + w.orgID + "/" + typ + "/" + id
	}

	// A role in prod trusting the organization and the outsider.
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole",
		"Condition":{"StringEquals":{"aws:PrincipalOrgID":"` + w.orgID + `"}}},
		{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + outsider + `:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := iam.NewFromConfig(srv.Config(w.prod)).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Shared"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	role := "arn:aws:iam::" + w.prod + ":role/Shared"

	// SCP: explicit deny of sts:AssumeRole on Workloads, across accounts
	// of the organization (dev → prod).
	scp, err := w.org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("DenyAssume"), Description: aws.String("d"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	scpID := aws.ToString(scp.Policy.PolicySummary.Id)
	if _, err := w.org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: &scpID, TargetId: &w.workloads}); err != nil {
		t.Fatal(err)
	}
	_, err = assumeAs(ctx, srv.AdminConfig(t, w.dev), role)
	want := "is not authorized to perform: sts:AssumeRole on resource: " + role + " with an explicit deny in a service control policy: " + policyARN("service_control_policy", scpID)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("SCP explicit deny on AssumeRole: got %v, want %q", err, want)
	}

	sandboxAdmin := srv.AdminConfig(t, w.sandbx)
	// SCP: implicit deny (FullAWSAccess replaced by an S3-only allow on
	// Sandbox) is worded as an explicit one, without a policy ARN.
	onlyS3, err := w.org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("OnlyS3"), Description: aws.String("d"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	w.org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: onlyS3.Policy.PolicySummary.Id, TargetId: &w.sandbox})
	if _, err := w.org.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String("p-FullAWSAccess"), TargetId: &w.sandbox}); err != nil {
		t.Fatal(err)
	}
	_, err = assumeAs(ctx, sandboxAdmin, role)
	if err == nil || !strings.HasSuffix(apiMessage(err), "on resource: "+role+" with an explicit deny in a service control policy") {
		t.Errorf("SCP implicit deny on AssumeRole: got %v", err)
	}

	// An outsider refused by the trust policy's missing allow: no reason.
	if _, err := assumeAs(ctx, srv.AdminConfig(t, "888888888888"), role); err == nil || !strings.HasSuffix(apiMessage(err), "on resource: "+role) {
		t.Errorf("outsider refused by the trust policy: got %v, want no reason", err)
	}

	// RCP on prod's resources: deny s3:* and sts:AssumeRole to all but
	// prod itself.
	if _, err := w.org.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &w.rootID, PolicyType: orgtypes.PolicyTypeResourceControlPolicy}); err != nil {
		t.Fatal(err)
	}
	rcp, err := w.org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("OnlyProd"), Description: aws.String("d"), Type: orgtypes.PolicyTypeResourceControlPolicy,
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":["s3:*","sts:AssumeRole"],"Resource":"*",
		"Condition":{"StringNotEquals":{"aws:PrincipalAccount":"` + w.prod + `"}}}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	rcpID := aws.ToString(rcp.Policy.PolicySummary.Id)
	if _, err := w.org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: &rcpID, TargetId: &w.prod}); err != nil {
		t.Fatal(err)
	}
	s3As := func(acct string) *s3.Client {
		return s3.NewFromConfig(srv.AdminConfig(t, acct), func(o *s3.Options) { o.UsePathStyle = true })
	}
	if _, err := s3As(w.prod).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("prod-shared")}); err != nil {
		t.Fatal(err)
	}
	bp := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + outsider + `:root","arn:aws:iam::` + w.mgmt + `:root"]},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::prod-shared"}]}`
	if _, err := s3As(w.prod).PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("prod-shared"), Policy: aws.String(bp)}); err != nil {
		t.Fatal(err)
	}
	// The management account is in the organization: S3 names the RCP.
	_, err = s3As(w.mgmt).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("prod-shared")})
	want = `is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::prod-shared" with an explicit deny in a resource control policy: ` + policyARN("resource_control_policy", rcpID)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("RCP on S3, caller of the organization: got %v, want %q", err, want)
	}
	// The outsider: a bare Access Denied.
	_, err = s3As(outsider).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("prod-shared")})
	if err == nil || apiMessage(err) != "Access Denied" {
		t.Errorf("RCP on S3, outsider: got %v, want Access Denied", err)
	}
	// STS: the outsider the trust policy allows is refused by the RCP,
	// with no reason; the management account is told which RCP.
	if _, err := assumeAs(ctx, srv.AdminConfig(t, outsider), role); err == nil || !strings.HasSuffix(apiMessage(err), "on resource: "+role) {
		t.Errorf("RCP on STS, outsider: got %v, want no reason", err)
	}
	_, err = assumeAs(ctx, srv.AdminConfig(t, w.mgmt), role)
	want = "on resource: " + role + " with an explicit deny in a resource control policy: " + policyARN("resource_control_policy", rcpID)
	if err == nil || !strings.HasSuffix(apiMessage(err), want) {
		t.Errorf("RCP on STS, management account: got %v, want %q", err, want)
	}
}
