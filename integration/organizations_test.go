package integration

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOrganizationsBoto3 is issue 19's story with boto3: an organization
// of four accounts in two OUs; a trust policy with aws:PrincipalOrgID
// admits a member and refuses an outsider; an SCP denying sts:AssumeRole
// on an OU blocks a member that every IAM policy allows, and the
// explanation names the SCP and the OU; the management account is not
// affected; an RCP on S3 blocks an outside principal that a bucket policy
// allows (AWS Organizations User Guide, "SCP evaluation", "RCP
// evaluation"; IAM User Guide, "aws:PrincipalOrgID").
func TestOrganizationsBoto3(t *testing.T) {
	needTool(t, "python3")
	s := serve(t)
	out := must(t, s.rootEnv("111111111111"), "python3", "testdata/orgs_boto3.py")
	lines := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		name, rest, _ := strings.Cut(l, " ")
		lines[name] = strings.TrimSpace(rest)
	}
	for name, want := range map[string]string{
		"root-scp":                "SERVICE_CONTROL_POLICY ENABLED",
		"accounts":                "4",
		"workloads":               "2",
		"parent-of-sandbox":       "OK",
		"member-list-accounts":    "AccessDeniedException",
		"outsider-describe":       "AWSOrganizationsNotInUseException",
		"member-assume":           "OK",
		"outsider-assume":         "AccessDenied step 2 (trust policy)",
		"scp-dev-assume":          "AccessDenied denied by SCP `DenyAssume` attached to OU `Workloads`",
		"scp-sandbox-assume":      "OK",
		"scp-dev-assume-message":  "MATCH",
		"rcp-outsider-message":    "MATCH",
		"attach-twice":            "DuplicatePolicyAttachmentException",
		"scp-root-sandbox-assume": "AccessDenied denied by SCP `DenyAssume` attached to root `r-",
		"scp-root-mgmt-assume":    "OK",
		"workloads-scps":          "DenyAssume,FullAWSAccess",
		"outsider-list-before":    "OK",
		"rcp-outsider-list":       "AccessDenied denied by RCP `DenyS3Outside` attached to OU `Workloads`",
		"rcp-owner-list":          "OK",
		"detach-rcp-full":         "ConstraintViolationException",
	} {
		if got := lines[name]; !strings.HasPrefix(got, want) {
			t.Errorf("%s: got %q, want it to start with %q", name, got, want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

// TestOrganizationsCLI: the aws CLI creates an organization, an OU and an
// account, and reads them back.
func TestOrganizationsCLI(t *testing.T) {
	needTool(t, "aws")
	s := serve(t)
	env := s.rootEnv("111111111111")
	must(t, env, "aws", "organizations", "create-organization", "--feature-set", "ALL")
	rootID := strings.TrimSpace(must(t, env, "aws", "organizations", "list-roots", "--query", "Roots[0].Id", "--output", "text"))
	ou := strings.TrimSpace(must(t, env, "aws", "organizations", "create-organizational-unit", "--parent-id", rootID, "--name", "Workloads",
		"--query", "OrganizationalUnit.Id", "--output", "text"))
	var created struct {
		CreateAccountStatus struct{ State, AccountId string }
	}
	if err := json.Unmarshal([]byte(must(t, env, "aws", "organizations", "create-account", "--email", "dev@example.com", "--account-name", "dev")), &created); err != nil {
		t.Fatal(err)
	}
	if created.CreateAccountStatus.State != "SUCCEEDED" {
		t.Fatalf("create-account: %+v", created)
	}
	must(t, env, "aws", "organizations", "move-account", "--account-id", created.CreateAccountStatus.AccountId, "--source-parent-id", rootID, "--destination-parent-id", ou)
	got := strings.TrimSpace(must(t, env, "aws", "organizations", "list-accounts-for-parent", "--parent-id", ou, "--query", "Accounts[0].Name", "--output", "text"))
	if got != "dev" {
		t.Errorf("list-accounts-for-parent: got %q, want dev", got)
	}
	if _, err := run(t, s.rootEnv("999999999999"), "aws", "organizations", "describe-organization"); err == nil ||
		!strings.Contains(err.Error(), "(AWSOrganizationsNotInUseException) when calling the DescribeOrganization operation: Your account is not a member of an organization.") {
		t.Errorf("outsider describe-organization: %v", err)
	}
}
