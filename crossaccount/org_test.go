package crossaccount_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/xacct/xacct/crossaccount"
	"github.com/xacct/xacct/emulatortest"
)

// TestForEachOrgAccount fans out from the management account over the
// organization's accounts through their OrganizationAccountAccessRole:
// one account's role was deleted and another's is behind an RCP denying
// sts:AssumeRole; the others succeed, and each failure is reported with
// its diagnosis.
func TestForEachOrgAccount(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	const mgmt = "111111111111"
	admin := srv.AdminConfig(t, mgmt)
	org := organizations.NewFromConfig(admin)
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	var accts []string
	for _, name := range []string{"alpha", "bravo", "charlie", "delta"} {
		out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(name), Email: aws.String(name + "@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		accts = append(accts, aws.ToString(out.CreateAccountStatus.AccountId))
	}
	const role = "OrganizationAccountAccessRole"
	// bravo's role is gone.
	bravo := iam.NewFromConfig(srv.Config(accts[1]))
	bravo.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
	if _, err := bravo.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(role)}); err != nil {
		t.Fatal(err)
	}
	// charlie's roles are behind an RCP.
	roots, err := org.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := org.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: roots.Roots[0].Id, PolicyType: orgtypes.PolicyTypeResourceControlPolicy}); err != nil {
		t.Fatal(err)
	}
	rcp, err := org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("NoAssume"), Description: aws.String("d"), Type: orgtypes.PolicyTypeResourceControlPolicy,
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: rcp.Policy.PolicySummary.Id, TargetId: aws.String(accts[2])}); err != nil {
		t.Fatal(err)
	}

	a := crossaccount.New(admin)
	results, err := crossaccount.ForEachOrgAccount(ctx, org, 2, []string{mgmt}, func(ctx context.Context, acct string) (string, error) {
		cfg, err := a.ConfigForAccount(ctx, acct, role)
		if err != nil {
			return "", err
		}
		id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return "", err
		}
		return aws.ToString(id.Arn), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 4 {
		t.Fatalf("got %d results, want the 4 member accounts", len(results))
	}
	for _, r := range results {
		switch r.Account {
		case accts[0], accts[3]:
			if r.Err != nil || !strings.HasPrefix(r.Value, "arn:aws:sts::"+r.Account+":assumed-role/"+role+"/") {
				t.Errorf("%s: got %q %v, want a session of its role", r.Account, r.Value, r.Err)
			}
		case accts[1]:
			if !crossaccount.IsAccessDenied(r.Err) || !strings.Contains(r.Explain(), "no role `"+role+"` in account "+accts[1]) {
				t.Errorf("bravo (role deleted): got %v, explanation:\n%s", r.Err, r.Explain())
			}
		case accts[2]:
			if !crossaccount.IsAccessDenied(r.Err) || !strings.Contains(r.Explain(), "denied by RCP `NoAssume` attached to account `"+accts[2]+"`") {
				t.Errorf("charlie (RCP): got %v, explanation:\n%s", r.Err, r.Explain())
			}
		default:
			t.Errorf("unexpected account %s", r.Account)
		}
	}
}
