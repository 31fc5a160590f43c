package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/xacct/xacct/emulatortest"
)

// TestCheckOrganizationFlag: `xacct check --organization` with the
// documented example file (a clean organization: exit 0), a malformed
// file (a usage error naming the problem), and "live" against the
// emulator, whose organization puts both accounts in OU Workloads behind
// an SCP denying sts:AssumeRole (exit non-zero, the SCP and OU named).
func TestCheckOrganizationFlag(t *testing.T) {
	tmpl := []string{"../../deploy/target.yaml", "../../deploy/home.yaml",
		"--param", "SourceBucketName=src", "--param", "TargetBucketName=dst", "--param", "NotificationEmail=ops@example.com"}
	out, errs, err := runMain(t, append([]string{"check", "--organization", "../../docs/organization.example.json"}, tmpl...)...)
	if err != nil || !strings.Contains(out, "under the organization's SCPs and RCPs") {
		t.Errorf("example file: %v\n%s%s", err, out, errs)
	}
	bad := filepath.Join(t.TempDir(), "org.json")
	os.WriteFile(bad, []byte(`{"Organization":{"Id":"o-abcdefghij","MasterAccountId":"1"}}`), 0o644)
	_, _, err = runMain(t, append([]string{"check", "--organization", bad}, tmpl...)...)
	if err == nil || !strings.Contains(err.Error(), `MasterAccountId "1" is not a 12-digit account id`) {
		t.Errorf("malformed file: %v", err)
	}

	srv := emulatortest.New(t)
	ctx := context.Background()
	const mgmt = "333333333333"
	org := organizations.NewFromConfig(srv.AdminConfig(t, mgmt))
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	roots, _ := org.ListRoots(ctx, &organizations.ListRootsInput{})
	root := aws.ToString(roots.Roots[0].Id)
	ou, err := org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: &root, Name: aws.String("Workloads")})
	if err != nil {
		t.Fatal(err)
	}
	account := func(name string) string {
		out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(name), Email: aws.String(name + "@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		id := aws.ToString(out.CreateAccountStatus.AccountId)
		if _, err := org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: &id, SourceParentId: &root, DestinationParentId: ou.OrganizationalUnit.Id}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	home, target := account("home"), account("target")
	scp, err := org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("DenyAssume"), Description: aws.String("d"), Type: orgtypes.PolicyTypeServiceControlPolicy,
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: scp.Policy.PolicySummary.Id, TargetId: ou.OrganizationalUnit.Id}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", mgmt)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	out, errs, err = runMain(t, append([]string{"check", "--organization", "live",
		"--account", "../../deploy/home.yaml=" + home, "--account", "../../deploy/target.yaml=" + target,
		"--param", "TargetAccountId=" + target, "--param", "HomeAccountId=" + home}, tmpl...)...)
	want := "[DeniedBySCP] step 1 (sts:AssumeRole): arn:aws:iam::" + home + ":role/xacct-switch-account-execution may not sts:AssumeRole on arn:aws:iam::" + target +
		":role/xacct-cross-account: denied by SCP `DenyAssume` attached to OU `Workloads`"
	if err == nil || !strings.Contains(err.Error(), "blocking findings") || !strings.Contains(out, want) || !strings.Contains(out, "/ OU `Workloads` / account `"+home+"`)") {
		t.Errorf("live: %v\n%s%s\nwant %s", err, out, errs, want)
	}
}
