package integration

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSwitchAccountOrganizationBoto3 deploys deploy/home.yaml into the
// management account of an organization of four member accounts in two
// OUs with OrganizationRoleName=OrganizationAccountAccessRole (the aws CLI:
// cloudformation package and deploy), then boto3 invokes the
// switch-account function with {"organization": true}: it lists the
// organization's active accounts and assumes the role in each, two at a
// time. lab's role was deleted: the three others succeed, lab is reported
// with crossaccount's diagnosis. A member account's copy of the function
// is refused ListAccounts (AWS Organizations API Reference, ListAccounts:
// only the management account or a delegated administrator).
func TestSwitchAccountOrganizationBoto3(t *testing.T) {
	needTool(t, "aws")
	needTool(t, "python3")
	s := serve(t)
	home := proxyEnv(s.rootEnv("111111111111"), s.URL)
	var ids map[string]string
	if err := json.Unmarshal([]byte(must(t, s.rootEnv("111111111111"), "python3", "testdata/orgs_switch_boto3.py", "setup")), &ids); err != nil || len(ids) != 4 {
		t.Fatalf("setup: %v %v", ids, err)
	}

	must(t, proxyEnv(s.rootEnv("222222222222"), s.URL), "aws", "cloudformation", "deploy", "--template-file", "../deploy/target.yaml", "--stack-name", "xacct-target",
		"--capabilities", "CAPABILITY_NAMED_IAM", "--parameter-overrides", "SourceBucketName=org-src", "TargetBucketName=org-dst")
	packaged := packageHome(t, home, "org-artifacts")
	if _, err := run(t, home, "aws", "cloudformation", "deploy", "--template-file", packaged, "--stack-name", "xacct-home",
		"--capabilities", "CAPABILITY_NAMED_IAM", "--parameter-overrides", "SourceBucketName=org-src", "TargetBucketName=org-dst",
		"NotificationEmail=ops@example.com", "OrganizationRoleName=OrganizationAccountAccessRole"); err != nil {
		ev, _ := run(t, home, "aws", "cloudformation", "describe-stack-events", "--stack-name", "xacct-home",
			"--query", "StackEvents[?ResourceStatusReason!=null].[LogicalResourceId,ResourceStatusReason]", "--output", "text")
		t.Fatalf("deploy: %v\n%s", err, ev)
	}

	type answer struct {
		StatusCode    int
		FunctionError string
		Payload       struct {
			StatusCode int    `json:"statusCode"`
			Body       string `json:"body"`
		}
	}
	type result struct {
		AccountID   string `json:"account_id"`
		CallerArn   string `json:"caller_arn"`
		Error       string `json:"error"`
		Explanation string `json:"explanation"`
	}
	var a answer
	out := must(t, s.rootEnv("111111111111"), "python3", "testdata/orgs_switch_boto3.py", "invoke")
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("invoke: %v\n%s", err, out)
	}
	var body struct {
		Message   string
		Accounts  []result
		Succeeded int
		Failed    int
	}
	if err := json.Unmarshal([]byte(a.Payload.Body), &body); err != nil {
		t.Fatalf("body: %v\n%s", err, out)
	}
	if a.StatusCode != 200 || a.FunctionError != "" || a.Payload.StatusCode != 500 || body.Succeeded != 3 || body.Failed != 1 || len(body.Accounts) != 4 {
		t.Fatalf("invoke: got %s", out)
	}
	const role = "OrganizationAccountAccessRole"
	for _, r := range body.Accounts {
		if r.AccountID == ids["lab"] {
			if r.Error != "AccessDenied" || !strings.Contains(r.Explanation, "no role `"+role+"` in account "+ids["lab"]) {
				t.Errorf("lab (role deleted): got %+v", r)
			}
			continue
		}
		if r.Error != "" || !strings.HasPrefix(r.CallerArn, "arn:aws:sts::"+r.AccountID+":assumed-role/"+role+"/") {
			t.Errorf("%s: got %+v", r.AccountID, r)
		}
	}

	// A member account (dev) deploys the bare function with ListAccounts
	// allowed: Organizations refuses a member that is not a delegated
	// administrator.
	dev := s.rootEnv(ids["dev"])
	must(t, dev, "aws", "iam", "create-role", "--role-name", "member-exec", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`)
	must(t, dev, "aws", "iam", "put-role-policy", "--role-name", "member-exec", "--policy-name", "list", "--policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"organizations:ListAccounts","Resource":"*"}}`)
	must(t, dev, "aws", "lambda", "create-function", "--function-name", "switch-member", "--runtime", "provided.al2023",
		"--handler", "bootstrap", "--role", "arn:aws:iam::"+ids["dev"]+":role/member-exec", "--zip-file", "fileb://"+buildZip(t, "../cmd/switch-account"))
	out = must(t, dev, "python3", "testdata/orgs_switch_boto3.py", "member", ids["dev"])
	a = answer{}
	json.Unmarshal([]byte(out), &a)
	if a.Payload.StatusCode != 500 || !strings.Contains(a.Payload.Body, `"error":"AccessDeniedException"`) || !strings.Contains(a.Payload.Body, "management account or a delegated administrator") {
		t.Errorf("member account: got %s", out)
	}
}
