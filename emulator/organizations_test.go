package emulator_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
	"github.com/xacct/xacct/internal/stackdeploy"
)

// The id formats of AWS Organizations (AWS Organizations API Reference,
// "Organization", "Root", "OrganizationalUnit", "Parent", "Policy",
// "CreateAccountStatus").
var (
	orgIDRe  = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	rootIDRe = regexp.MustCompile(`^r-[0-9a-z]{4,32}$`)
	ouIDRe   = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
	polIDRe  = regexp.MustCompile(`^p-[0-9a-zA-Z_]{8,128}$`)
	carIDRe  = regexp.MustCompile(`^car-[a-z0-9]{8,32}$`)
)

// orgWorld is an organization of four accounts in two OUs: the
// management account mgmt in the root, dev and prod in OU Workloads,
// sandbox in OU Sandbox.
type orgWorld struct {
	srv                     *emulatortest.Server
	org                     *organizations.Client
	orgID, rootID           string
	mgmt, dev, prod, sandbx string
	workloads, sandbox      string
}

func newOrgWorld(t *testing.T, srv *emulatortest.Server, mgmt string) *orgWorld {
	t.Helper()
	ctx := context.Background()
	w := &orgWorld{srv: srv, mgmt: mgmt, org: organizations.NewFromConfig(srv.AdminConfig(t, mgmt))}
	co, err := w.org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})
	if err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	w.orgID = aws.ToString(co.Organization.Id)
	roots, err := w.org.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil || len(roots.Roots) != 1 {
		t.Fatalf("ListRoots: %v %v", roots, err)
	}
	w.rootID = aws.ToString(roots.Roots[0].Id)
	ou := func(name string) string {
		out, err := w.org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: &w.rootID, Name: aws.String(name)})
		if err != nil {
			t.Fatalf("CreateOrganizationalUnit %s: %v", name, err)
		}
		return aws.ToString(out.OrganizationalUnit.Id)
	}
	w.workloads, w.sandbox = ou("Workloads"), ou("Sandbox")
	account := func(name, parent string) string {
		out, err := w.org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(name), Email: aws.String(name + "@example.com")})
		if err != nil {
			t.Fatalf("CreateAccount %s: %v", name, err)
		}
		st := out.CreateAccountStatus
		if st.State != orgtypes.CreateAccountStateSucceeded || aws.ToString(st.AccountId) == "" {
			t.Fatalf("CreateAccount %s: state %s, account %q", name, st.State, aws.ToString(st.AccountId))
		}
		id := aws.ToString(st.AccountId)
		if _, err := w.org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: &id, SourceParentId: &w.rootID, DestinationParentId: &parent}); err != nil {
			t.Fatalf("MoveAccount %s: %v", name, err)
		}
		return id
	}
	w.dev, w.prod, w.sandbx = account("dev", w.workloads), account("prod", w.workloads), account("sandbox", w.sandbox)
	return w
}

// TestOrganizationsAPI drives the organization API with the SDK: ids in
// AWS's formats, the default FullAWSAccess attachments, the listing and
// moving of accounts, and AWS's errors.
func TestOrganizationsAPI(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	w := newOrgWorld(t, srv, "111111111111")
	org := w.org

	if !orgIDRe.MatchString(w.orgID) || !rootIDRe.MatchString(w.rootID) || !ouIDRe.MatchString(w.workloads) {
		t.Errorf("ids: org %q root %q ou %q", w.orgID, w.rootID, w.workloads)
	}
	if !strings.HasPrefix(w.workloads, "ou-"+strings.TrimPrefix(w.rootID, "r-")+"-") {
		t.Errorf("OU id %q does not carry the root's %q", w.workloads, w.rootID)
	}
	d, err := org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(d.Organization.MasterAccountId); got != w.mgmt || d.Organization.FeatureSet != orgtypes.OrganizationFeatureSetAll {
		t.Errorf("DescribeOrganization: management %q feature set %q", got, d.Organization.FeatureSet)
	}
	if want := "arn:aws:organizations::" + w.mgmt + ":organization/" + w.orgID; aws.ToString(d.Organization.Arn) != want {
		t.Errorf("organization ARN: got %q, want %q", aws.ToString(d.Organization.Arn), want)
	}
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}); apiCode(err) != "AlreadyInOrganizationException" {
		t.Errorf("second CreateOrganization: got %v, want AlreadyInOrganizationException", err)
	}
	// A member account may describe its organization but not list it.
	member := organizations.NewFromConfig(srv.Config(w.dev))
	if md, err := member.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); err != nil || aws.ToString(md.Organization.Id) != w.orgID {
		t.Errorf("member DescribeOrganization: %v", err)
	}
	if _, err := member.ListAccounts(ctx, &organizations.ListAccountsInput{}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("member ListAccounts: got %v, want AccessDeniedException", err)
	}
	outsider := organizations.NewFromConfig(srv.Config("999999999999"))
	if _, err := outsider.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); apiCode(err) != "AWSOrganizationsNotInUseException" {
		t.Errorf("outsider DescribeOrganization: got %v, want AWSOrganizationsNotInUseException", err)
	}

	all, err := org.ListAccounts(ctx, &organizations.ListAccountsInput{})
	if err != nil || len(all.Accounts) != 4 {
		t.Fatalf("ListAccounts: %d accounts, %v; want 4", len(all.Accounts), err)
	}
	inW, err := org.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: &w.workloads})
	if err != nil || len(inW.Accounts) != 2 {
		t.Fatalf("ListAccountsForParent Workloads: %v %v, want dev and prod", inW, err)
	}
	ps, err := org.ListParents(ctx, &organizations.ListParentsInput{ChildId: &w.sandbx})
	if err != nil || len(ps.Parents) != 1 || aws.ToString(ps.Parents[0].Id) != w.sandbox || ps.Parents[0].Type != orgtypes.ParentTypeOrganizationalUnit {
		t.Errorf("ListParents sandbox: %+v %v", ps, err)
	}
	ous, err := org.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: &w.rootID})
	if err != nil || len(ous.OrganizationalUnits) != 2 {
		t.Errorf("ListOrganizationalUnitsForParent: %+v %v", ous, err)
	}
	if _, err := org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: &w.dev, SourceParentId: &w.workloads, DestinationParentId: &w.workloads}); apiCode(err) != "DuplicateAccountException" {
		t.Errorf("MoveAccount to its own parent: got %v, want DuplicateAccountException", err)
	}
	if _, err := org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: &w.rootID, Name: aws.String("Workloads")}); apiCode(err) != "DuplicateOrganizationalUnitException" {
		t.Errorf("duplicate OU: got %v", err)
	}

	// A failed account creation is a FAILED status, not an error.
	dup, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("again"), Email: aws.String("dev@example.com")})
	if err != nil || dup.CreateAccountStatus.State != orgtypes.CreateAccountStateFailed || dup.CreateAccountStatus.FailureReason != orgtypes.CreateAccountFailureReasonEmailAlreadyExists {
		t.Errorf("CreateAccount with a used email: %+v %v", dup, err)
	}
	if id := aws.ToString(dup.CreateAccountStatus.Id); !carIDRe.MatchString(id) {
		t.Errorf("create account request id %q", id)
	}
	st, err := org.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: dup.CreateAccountStatus.Id})
	if err != nil || st.CreateAccountStatus.State != orgtypes.CreateAccountStateFailed {
		t.Errorf("DescribeCreateAccountStatus: %+v %v", st, err)
	}

	// FullAWSAccess is attached to the root, every OU and every account.
	for _, target := range []string{w.rootID, w.workloads, w.dev, w.mgmt} {
		lp, err := org.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: aws.String(target), Filter: orgtypes.PolicyTypeServiceControlPolicy})
		if err != nil || len(lp.Policies) != 1 || aws.ToString(lp.Policies[0].Id) != "p-FullAWSAccess" || !lp.Policies[0].AwsManaged {
			t.Errorf("SCPs of %s: %+v %v, want FullAWSAccess", target, lp, err)
		}
	}
	if _, err := org.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String("p-FullAWSAccess"), TargetId: &w.dev}); apiCode(err) != "ConstraintViolationException" {
		t.Errorf("detaching the last SCP: got %v, want ConstraintViolationException", err)
	}
	if _, err := org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String("p-FullAWSAccess"), TargetId: &w.dev}); apiCode(err) != "DuplicatePolicyAttachmentException" {
		t.Errorf("attaching twice: got %v, want DuplicatePolicyAttachmentException", err)
	}
	if _, err := org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("bad"), Description: aws.String("x"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*"}]}`)}); apiCode(err) != "MalformedPolicyDocumentException" {
		t.Errorf("SCP without Resource: got %v, want MalformedPolicyDocumentException", err)
	}
	rcp, err := org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("DenyOutside"), Description: aws.String("x"), Type: orgtypes.PolicyTypeResourceControlPolicy,
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}`)})
	if err != nil || !polIDRe.MatchString(aws.ToString(rcp.Policy.PolicySummary.Id)) {
		t.Fatalf("CreatePolicy RCP: %v", err)
	}
	if _, err := org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: rcp.Policy.PolicySummary.Id, TargetId: &w.dev}); apiCode(err) != "PolicyTypeNotEnabledException" {
		t.Errorf("attaching an RCP before enabling RCPs: got %v, want PolicyTypeNotEnabledException", err)
	}
	if _, err := org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("allow"), Description: aws.String("x"), Type: orgtypes.PolicyTypeResourceControlPolicy,
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`)}); apiCode(err) != "MalformedPolicyDocumentException" {
		t.Errorf("RCP with Allow: got %v, want MalformedPolicyDocumentException", err)
	}

	// The new account's OrganizationAccountAccessRole trusts the
	// management account and has AdministratorAccess.
	role := "arn:aws:iam::" + w.dev + ":role/OrganizationAccountAccessRole"
	creds, err := assumeAs(ctx, srv.AdminConfig(t, w.mgmt), role)
	if err != nil {
		t.Fatalf("management account assuming %s: %v", role, err)
	}
	devIAM := iam.NewFromConfig(srv.ConfigWith(creds))
	ap, err := devIAM.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("OrganizationAccountAccessRole")})
	if err != nil || len(ap.AttachedPolicies) != 1 || aws.ToString(ap.AttachedPolicies[0].PolicyName) != "AdministratorAccess" {
		t.Errorf("the access role's policies, as the role: %+v %v", ap, err)
	}
}

// TestOrganizationsPolicies is the story: a trust policy with
// aws:PrincipalOrgID admits a member and refuses an outsider; an SCP
// denying sts:AssumeRole on an OU blocks a member that every IAM policy
// allows, and the explanation names the SCP and the OU; the management
// account is not affected; an RCP on S3 blocks an outside principal that
// a bucket policy allows.
func TestOrganizationsPolicies(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	w := newOrgWorld(t, srv, "111111111111")
	const outsider = "999999999999"

	// A role in prod trusting any principal of the organization.
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole",
		"Condition":{"StringEquals":{"aws:PrincipalOrgID":"` + w.orgID + `"}}}]}`
	if _, err := iam.NewFromConfig(srv.Config(w.prod)).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("OrgReader"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	role := "arn:aws:iam::" + w.prod + ":role/OrgReader"
	if _, err := assumeAs(ctx, srv.AdminConfig(t, w.sandbx), role); err != nil {
		t.Errorf("member sandbox assuming the org-trusting role: %v", err)
	}
	if _, err := assumeAs(ctx, srv.AdminConfig(t, outsider), role); err == nil {
		t.Error("an outsider assumed the org-trusting role")
	}

	// An SCP denying sts:AssumeRole on OU Workloads.
	scp, err := w.org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("DenyAssume"), Description: aws.String("no role hopping"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"NoAssume","Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: scp.Policy.PolicySummary.Id, TargetId: &w.workloads}); err != nil {
		t.Fatal(err)
	}
	_, err = assumeAs(ctx, srv.AdminConfig(t, w.dev), role)
	if err == nil {
		t.Fatal("dev (in Workloads) assumed the role despite the SCP")
	}
	why := explainOf(err)
	if !strings.Contains(why, "SCP `DenyAssume`") || !strings.Contains(why, "OU `Workloads`") {
		t.Errorf("X-Xacct-Explain = %q, want the SCP and the OU named", why)
	}
	// The member's root user is restricted too; the management account
	// and other OUs are not.
	if _, err := sts.NewFromConfig(srv.Config(w.dev)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("dev GetCallerIdentity: %v", err)
	}
	if _, err := assumeAs(ctx, srv.AdminConfig(t, w.sandbx), role); err != nil {
		t.Errorf("sandbox (not in Workloads): %v", err)
	}
	if _, err := w.org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: scp.Policy.PolicySummary.Id, TargetId: &w.rootID}); err != nil {
		t.Fatal(err)
	}
	if _, err := assumeAs(ctx, srv.AdminConfig(t, w.mgmt), "arn:aws:iam::"+w.dev+":role/OrganizationAccountAccessRole"); err != nil {
		t.Errorf("management account with the SCP on the root: %v", err)
	}
	if _, err := assumeAs(ctx, srv.AdminConfig(t, w.sandbx), role); err == nil {
		t.Error("sandbox assumed the role with the SCP on the root")
	}

	// Replacing FullAWSAccess on an OU with a narrower allow: what it does
	// not allow is denied at that level.
	allowS3, err := w.org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("OnlyS3"), Description: aws.String("s3"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	w.org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: allowS3.Policy.PolicySummary.Id, TargetId: &w.sandbox})
	if _, err := w.org.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String("p-FullAWSAccess"), TargetId: &w.sandbox}); err != nil {
		t.Fatal(err)
	}
	_, err = iam.NewFromConfig(srv.AdminConfig(t, w.sandbx)).ListRoles(ctx, &iam.ListRolesInput{})
	if err == nil {
		t.Fatal("sandbox listed roles with only s3 allowed by its OU's SCPs")
	}
	if why := explainOf(err); !strings.Contains(why, "no SCP attached to OU `Sandbox` allows iam:ListRoles") {
		t.Errorf("implicit SCP deny: X-Xacct-Explain = %q", why)
	}
	// In one account AWS says which policy type refused, and words the
	// SCPs' implicit deny as an explicit one (IAM User Guide, "Troubleshoot
	// access denied error messages").
	if !strings.HasSuffix(apiMessage(err), "with an explicit deny in a service control policy") {
		t.Errorf("AccessDenied message: %v", err)
	}

	// An RCP on S3: a bucket in prod whose policy allows the outsider.
	s3p := s3.NewFromConfig(srv.AdminConfig(t, w.prod), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3p.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("prod-data")}); err != nil {
		t.Fatal(err)
	}
	bp := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + outsider + `:root"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::prod-data"}]}`
	if _, err := s3p.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("prod-data"), Policy: aws.String(bp)}); err != nil {
		t.Fatal(err)
	}
	out3 := s3.NewFromConfig(srv.AdminConfig(t, outsider), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := out3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("prod-data")}); err != nil {
		t.Fatalf("outsider listing before the RCP: %v", err)
	}
	if _, err := w.org.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &w.rootID, PolicyType: orgtypes.PolicyTypeResourceControlPolicy}); err != nil {
		t.Fatal(err)
	}
	rcp, err := w.org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("DenyS3Outside"), Description: aws.String("data perimeter"),
		Type: orgtypes.PolicyTypeResourceControlPolicy, Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"Perimeter","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*",
		"Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"` + w.orgID + `"},"Bool":{"aws:PrincipalIsAWSService":"false"}}}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: rcp.Policy.PolicySummary.Id, TargetId: &w.workloads}); err != nil {
		t.Fatal(err)
	}
	_, err = out3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("prod-data")})
	if err == nil {
		t.Fatal("outsider listed a bucket of a member account behind the RCP")
	}
	if why := explainOf(err); !strings.Contains(why, "RCP `DenyS3Outside`") || !strings.Contains(why, "OU `Workloads`") {
		t.Errorf("RCP X-Xacct-Explain = %q", why)
	}
	// A principal of the organization still gets in.
	if _, err := s3p.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("prod-data")}); err != nil {
		t.Errorf("prod's own admin behind the RCP: %v", err)
	}
}

// TestOrganizationsPersist: the organization, its accounts, OUs, policies
// and attachments survive a restart on the same data directory, and the
// SCP still applies.
func TestOrganizationsPersist(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	srv := emulatortest.New(t, emulator.WithDataDir(dir))
	w := newOrgWorld(t, srv, "111111111111")
	devAdmin := srv.AdminConfig(t, w.dev)
	scp, err := w.org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("NoIAM"), Description: aws.String("d"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: scp.Policy.PolicySummary.Id, TargetId: &w.dev}); err != nil {
		t.Fatal(err)
	}
	srv.Close()

	srv2 := emulatortest.New(t, emulator.WithDataDir(dir))
	org := organizations.NewFromConfig(srv2.Config(w.mgmt))
	all, err := org.ListAccounts(ctx, &organizations.ListAccountsInput{})
	if err != nil || len(all.Accounts) != 4 {
		t.Fatalf("ListAccounts after restart: %v %v", all, err)
	}
	lp, err := org.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: &w.dev, Filter: orgtypes.PolicyTypeServiceControlPolicy})
	if err != nil || len(lp.Policies) != 2 {
		t.Fatalf("SCPs of dev after restart: %+v %v", lp, err)
	}
	devAdmin.BaseEndpoint = srv2.Config(w.dev).BaseEndpoint
	_, err = iam.NewFromConfig(devAdmin).ListRoles(ctx, &iam.ListRolesInput{})
	if why := explainOf(err); !strings.Contains(why, "SCP `NoIAM` attached to account `"+w.dev+"`") {
		t.Errorf("after restart: %v, X-Xacct-Explain %q", err, why)
	}
}

// TestOrganizationsSimulate: SimulatePrincipalPolicy takes the SCPs of a
// member account into account (EvaluationResult.OrganizationsDecisionDetail)
// and leaves the management account's entities alone.
func TestOrganizationsSimulate(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	w := newOrgWorld(t, srv, "111111111111")
	srv.AdminConfig(t, w.dev)
	scp, err := w.org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("DenyAssume"), Description: aws.String("d"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{w.workloads, w.rootID} {
		if _, err := w.org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: scp.Policy.PolicySummary.Id, TargetId: aws.String(target)}); err != nil {
			t.Fatal(err)
		}
	}
	srv.AdminConfig(t, w.mgmt)
	for _, c := range []struct {
		acct   string
		action string
		want   iamtypes.PolicyEvaluationDecisionType
		byOrgs *bool
	}{
		{w.dev, "sts:AssumeRole", iamtypes.PolicyEvaluationDecisionTypeExplicitDeny, aws.Bool(false)},
		{w.dev, "s3:GetObject", iamtypes.PolicyEvaluationDecisionTypeAllowed, aws.Bool(true)},
		{w.mgmt, "sts:AssumeRole", iamtypes.PolicyEvaluationDecisionTypeAllowed, nil},
	} {
		out, err := iam.NewFromConfig(srv.Config(c.acct)).SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String("arn:aws:iam::" + c.acct + ":user/admin"), ActionNames: []string{c.action}})
		if err != nil {
			t.Fatalf("%s %s: %v", c.acct, c.action, err)
		}
		r := out.EvaluationResults[0]
		if r.EvalDecision != c.want {
			t.Errorf("%s %s: got %s, want %s", c.acct, c.action, r.EvalDecision, c.want)
		}
		switch {
		case c.byOrgs == nil && r.OrganizationsDecisionDetail != nil:
			t.Errorf("%s %s: OrganizationsDecisionDetail for the management account", c.acct, c.action)
		case c.byOrgs != nil && (r.OrganizationsDecisionDetail == nil || r.OrganizationsDecisionDetail.AllowedByOrganizations != *c.byOrgs):
			t.Errorf("%s %s: OrganizationsDecisionDetail %+v, want AllowedByOrganizations %v", c.acct, c.action, r.OrganizationsDecisionDetail, *c.byOrgs)
		}
	}
}

// TestOrganizationsStack deploys a user's template of an OU, an account in
// it and an SCP attached to the OU into the management account, checks
// them through the API and their effect, updates the policy's targets and
// deletes the stack.
func TestOrganizationsStack(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	const mgmt = "111111111111"
	cfg := srv.AdminConfig(t, mgmt)
	org := organizations.NewFromConfig(cfg)
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	roots, err := org.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		t.Fatal(err)
	}
	rootID := aws.ToString(roots.Roots[0].Id)
	tmpl := func(targets string) []byte {
		return []byte(`
Parameters:
  RootId: {Type: String}
Resources:
  Teams:
    Type: AWS::Organizations::OrganizationalUnit
    Properties: {Name: Teams, ParentId: !Ref RootId}
  Analytics:
    Type: AWS::Organizations::Account
    Properties:
      AccountName: analytics
      Email: analytics@example.com
      ParentIds: [!Ref Teams]
  NoIAMUsers:
    Type: AWS::Organizations::Policy
    Properties:
      Name: NoIAMUsers
      Type: SERVICE_CONTROL_POLICY
      Description: no long-term credentials
      Content:
        Version: '2012-10-17'
        Statement: [{Sid: NoUsers, Effect: Deny, Action: iam:CreateUser, Resource: '*'}]
      TargetIds: ` + targets + `
Outputs:
  Account: {Value: !Ref Analytics}
  AccountArn: {Value: !GetAtt Analytics.Arn}
  OU: {Value: !GetAtt Teams.Id}
  PolicyArn: {Value: !GetAtt NoIAMUsers.Arn}
`)
	}
	res, err := stackdeploy.Deploy(ctx, cfg, "org", tmpl("[!Ref Teams]"), map[string]string{"RootId": rootID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	acct, ou := res.Outputs["Account"], res.Outputs["OU"]
	if !ouIDRe.MatchString(ou) || len(acct) != 12 || !strings.HasPrefix(res.Outputs["PolicyArn"], "arn:aws:organizations::"+mgmt+":policy/o-") {
		t.Fatalf("outputs: %v", res.Outputs)
	}
	ps, err := org.ListParents(ctx, &organizations.ListParentsInput{ChildId: &acct})
	if err != nil || aws.ToString(ps.Parents[0].Id) != ou {
		t.Fatalf("parent of the stack's account: %+v %v", ps, err)
	}
	// The SCP applies to the new account, even to its root user.
	_, err = iam.NewFromConfig(srv.Config(acct)).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")})
	if why := explainOf(err); !strings.Contains(why, "SCP `NoIAMUsers` attached to OU `Teams`") {
		t.Errorf("CreateUser in the stack's account: %v, X-Xacct-Explain %q", err, why)
	}
	// Moving the policy to the account itself (an update of TargetIds).
	if _, err := stackdeploy.Deploy(ctx, cfg, "org", tmpl("[!Ref Analytics]"), map[string]string{"RootId": rootID}, nil); err != nil {
		t.Fatal(err)
	}
	_, err = iam.NewFromConfig(srv.Config(acct)).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")})
	if why := explainOf(err); !strings.Contains(why, "attached to account `"+acct+"`") {
		t.Errorf("after the update: %v, X-Xacct-Explain %q", err, why)
	}
	cf := cloudformation.NewFromConfig(cfg)
	if _, err := cf.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("org")}); err != nil {
		t.Fatal(err)
	}
	waitGone := cloudformation.NewStackDeleteCompleteWaiter(cf, func(o *cloudformation.StackDeleteCompleteWaiterOptions) {
		o.MinDelay = 50 * time.Millisecond
		o.MaxDelay = 200 * time.Millisecond
	})
	if err := waitGone.Wait(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("org")}, time.Minute); err != nil {
		t.Fatal(err)
	}
	all, err := org.ListAccounts(ctx, &organizations.ListAccountsInput{})
	if err != nil || len(all.Accounts) != 1 {
		t.Errorf("accounts after the stack's deletion: %d %v, want the management account only", len(all.Accounts), err)
	}
	if _, err := iam.NewFromConfig(srv.Config(acct)).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Errorf("CreateUser once the account left the organization: %v", err)
	}
}

// TestTargetTemplateTrustsOrganization deploys deploy/target.yaml with
// TrustOrganizationId: the execution role of that name in any account of
// the organization may assume the cross-account role; the same role name
// in an account outside the organization, or another role inside it, may
// not.
func TestTargetTemplateTrustsOrganization(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	w := newOrgWorld(t, srv, "111111111111")
	body, err := os.ReadFile("../deploy/target.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stackdeploy.Deploy(ctx, srv.Config(w.prod), "target", body, map[string]string{
		"HomeAccountId": w.dev, "TrustOrganizationId": w.orgID, "SourceBucketName": "src-" + w.dev, "TargetBucketName": "dst-" + w.prod}, nil); err != nil {
		t.Fatal(err)
	}
	target := "arn:aws:iam::" + w.prod + ":role/xacct-cross-account"
	session := func(acct, name string) aws.Config {
		c := iam.NewFromConfig(srv.Config(acct))
		if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
			t.Fatal(err)
		}
		c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("assume"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + target + `"}]}`)})
		sess, err := srv.Emulator.STS().AssumeRoleForService(ctx, "arn:aws:iam::"+acct+":role/"+name, "lambda.amazonaws.com", "fn", 3600)
		if err != nil {
			t.Fatal(err)
		}
		return srv.ConfigWith(emulatortest.SessionCredentials(sess.AccessKeyID, sess.SecretAccessKey, sess.SessionToken, sess.Expires))
	}
	for _, c := range []struct {
		acct, role string
		ok         bool
	}{
		{w.sandbx, "xacct-s3-copy-execution", true},
		{w.dev, "xacct-switch-account-execution", true},
		{w.sandbx, "other-role", false},
		{"999999999999", "xacct-s3-copy-execution", false},
	} {
		_, err := assumeAs(ctx, session(c.acct, c.role), target)
		if (err == nil) != c.ok {
			t.Errorf("%s in %s: got %v, want allowed %v", c.role, c.acct, err, c.ok)
		}
	}
}
