package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// orgDoc is an organization description: management account mgmt in the
// root; home (111111111111) in OU Workloads, target (222222222222) in OU
// Data unless outside is set (then target is not in the organization);
// FullAWSAccess and RCPFullAWSAccess everywhere, plus extra policies
// (JSON objects of the Policies array).
func orgDoc(mgmt string, outside bool, extra ...string) string {
	accts := `{"Id":"` + mgmt + `","Name":"m","Status":"ACTIVE","ParentId":"r-ab12"}`
	targets := `"r-ab12","ou-ab12-workload","ou-ab12-dataxxxx","` + mgmt + `"`
	for _, a := range []struct{ id, ou string }{{"111111111111", "ou-ab12-workload"}, {"222222222222", "ou-ab12-dataxxxx"}} {
		if a.id == mgmt || (outside && a.id == "222222222222") {
			continue
		}
		accts += `,{"Id":"` + a.id + `","Name":"a","Status":"ACTIVE","ParentId":"` + a.ou + `"}`
		targets += `,"` + a.id + `"`
	}
	pols := `{"PolicySummary":{"Id":"p-FullAWSAccess","Name":"FullAWSAccess","Type":"SERVICE_CONTROL_POLICY"},
	  "Content":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}","Targets":[` + targets + `]},
	 {"PolicySummary":{"Id":"p-RCPFullAWSAccess","Name":"RCPFullAWSAccess","Type":"RESOURCE_CONTROL_POLICY"},
	  "Content":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\",\"Resource\":\"*\"}]}","Targets":[` + targets + `]}`
	for _, e := range extra {
		pols += "," + e
	}
	return `{"Organization":{"Id":"o-abcdefghij","MasterAccountId":"` + mgmt + `"},
	 "Roots":[{"Id":"r-ab12","Name":"Root","PolicyTypes":[{"Type":"SERVICE_CONTROL_POLICY","Status":"ENABLED"},{"Type":"RESOURCE_CONTROL_POLICY","Status":"ENABLED"}]}],
	 "OrganizationalUnits":[{"Id":"ou-ab12-workload","Name":"Workloads","ParentId":"r-ab12"},{"Id":"ou-ab12-dataxxxx","Name":"Data","ParentId":"r-ab12"}],
	 "Accounts":[` + accts + `],"Policies":[` + pols + `]}`
}

const denyAssumeSCP = `{"PolicySummary":{"Id":"p-denyassume1","Name":"DenyAssume","Type":"SERVICE_CONTROL_POLICY"},
  "Content":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"NoAssume\",\"Effect\":\"Deny\",\"Action\":\"sts:AssumeRole\",\"Resource\":\"*\"}]}",
  "Targets":[{"TargetId":"ou-ab12-workload","Type":"ORGANIZATIONAL_UNIT"},{"TargetId":"r-ab12"}]}`

const denyS3OutsideRCP = `{"PolicySummary":{"Id":"p-denys3outs1","Name":"DenyS3Outside","Type":"RESOURCE_CONTROL_POLICY"},
  "Content":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"StringNotEqualsIfExists\":{\"aws:PrincipalOrgID\":\"o-abcdefghij\"},\"Bool\":{\"aws:PrincipalIsAWSService\":\"false\"}}}]}",
  "Targets":["ou-ab12-workload"]}`

func runOrg(t *testing.T, doc string) *Report {
	t.Helper()
	o, err := ParseOrganization([]byte(doc))
	if err != nil {
		t.Fatalf("ParseOrganization: %v", err)
	}
	rep, err := Run([]string{"../../deploy/target.yaml", "../../deploy/home.yaml"}, Options{Params: projectParams, Organization: o})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func orgFindings(rep *Report) []Finding {
	var out []Finding
	for _, f := range rep.Findings {
		if f.Code == "DeniedBySCP" || f.Code == "DeniedByRCP" {
			out = append(out, f)
		}
	}
	return out
}

// TestCheckOrganization: xacct check --organization decides the
// cross-account steps of the project's templates with the SCPs of the
// principal's account and the RCPs of the resource's account (AWS
// Organizations User Guide, "SCP evaluation", "RCP evaluation").
func TestCheckOrganization(t *testing.T) {
	t.Run("clean", func(t *testing.T) {
		rep := runOrg(t, orgDoc("333333333333", false))
		if f := orgFindings(rep); len(f) != 0 || rep.Blocking() {
			t.Errorf("clean organization: findings %+v", rep.Findings)
		}
		if !strings.Contains(strings.Join(rep.Checked, "\n"), "under the organization's SCPs and RCPs") {
			t.Errorf("checked lines do not mention the organization:\n%s", strings.Join(rep.Checked, "\n"))
		}
	})
	t.Run("SCP on the home account's OU", func(t *testing.T) {
		rep := runOrg(t, orgDoc("333333333333", false, denyAssumeSCP))
		fs := orgFindings(rep)
		if len(fs) != 2 || !rep.Blocking() {
			t.Fatalf("got %+v, want the two functions' AssumeRole denied", rep.Findings)
		}
		for _, f := range fs {
			if f.Code != "DeniedBySCP" || f.Step != 1 || f.Template != "../../deploy/home.yaml" ||
				!strings.Contains(f.Message, "denied by SCP `DenyAssume` attached to root `r-ab12` (its statement \"NoAssume\")") ||
				!strings.Contains(f.Message, "account 111111111111: root `r-ab12` / OU `Workloads` / account `111111111111`") {
				t.Errorf("finding: %+v", f)
			}
		}
	})
	t.Run("management account unaffected", func(t *testing.T) {
		rep := runOrg(t, orgDoc("111111111111", false, denyAssumeSCP))
		if f := orgFindings(rep); len(f) != 0 {
			t.Errorf("the management account's functions: %+v", f)
		}
	})
	t.Run("RCP on S3 denying outside principals", func(t *testing.T) {
		// home (with the source bucket) is a member behind the RCP; the
		// target account, whose role reads the source, is outside.
		rep := runOrg(t, orgDoc("333333333333", true, denyS3OutsideRCP))
		fs := orgFindings(rep)
		if len(fs) == 0 {
			t.Fatalf("no RCP finding: %+v", rep.Findings)
		}
		for _, f := range fs {
			if f.Code != "DeniedByRCP" || !strings.Contains(f.Message, "arn:aws:s3:::src") ||
				!strings.Contains(f.Message, "denied by RCP `DenyS3Outside` attached to OU `Workloads`") ||
				!strings.Contains(f.Message, "(account 111111111111: root `r-ab12` / OU `Workloads` / account `111111111111`)") {
				t.Errorf("finding: %+v", f)
			}
		}
	})
	t.Run("trust by aws:PrincipalOrgID", func(t *testing.T) {
		// deploy/target.yaml's TrustOrganizationId: decided with the
		// organization's keys, the trust admits the home account's roles.
		o, err := ParseOrganization([]byte(orgDoc("333333333333", false)))
		if err != nil {
			t.Fatal(err)
		}
		params := map[string]string{"TrustOrganizationId": "o-abcdefghij"}
		for k, v := range projectParams {
			params[k] = v
		}
		files := []string{"../../deploy/target.yaml", "../../deploy/home.yaml"}
		rep, err := Run(files, Options{Params: params, Organization: o})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Blocking() {
			t.Errorf("with the organization: %+v", rep.Findings)
		}
		if rep, _ := Run(files, Options{Params: params}); !has(rep, want{"TrustPolicyDenies", 2, Error}) {
			t.Errorf("without the organization the check cannot know the account is a member: %+v", rep.Findings)
		}
	})
	t.Run("example file", func(t *testing.T) {
		b, err := os.ReadFile("../../docs/organization.example.json")
		if err != nil {
			t.Fatal(err)
		}
		if rep := runOrg(t, string(b)); len(orgFindings(rep)) != 0 {
			t.Errorf("docs/organization.example.json: %+v", rep.Findings)
		}
	})
}

// TestParseOrganizationErrors: a malformed description is refused with a
// message that says what is wrong.
func TestParseOrganizationErrors(t *testing.T) {
	good := orgDoc("333333333333", false)
	for _, tc := range []struct{ name, doc, want string }{
		{"not JSON", `{"Organization":`, "organization file is not JSON"},
		{"wrong type", `{"Accounts":{}}`, "Accounts must be"},
		{"unknown field", `{"Organisation":{}}`, `unknown field "Organisation"`},
		{"bad org id", strings.Replace(good, "o-abcdefghij", "org1", 1), `Organization.Id "org1" is not an organization id`},
		{"two documents", good + good, "more than one JSON document"},
		{"no roots", strings.Replace(good, `"Roots":[`, `"Roots":[],"X":[`, 1), "unknown field"},
		{"unknown parent", strings.Replace(good, `"ParentId":"ou-ab12-dataxxxx"`, `"ParentId":"ou-ab12-nothere1"`, 1), `account 222222222222 has parent "ou-ab12-nothere1"`},
		{"bad target", strings.Replace(good, `"Targets":["r-ab12"`, `"Targets":["444444444444"`, 1), `attached to "444444444444", which is not`},
		{"bad policy", strings.Replace(good, `\"Effect\":\"Allow\",\"Action\"`, `\"Effect\":\"Maybe\",\"Action\"`, 1), "policy FullAWSAccess (p-FullAWSAccess)"},
		{"bad target shape", strings.Replace(good, `"Targets":["r-ab12"`, `"Targets":[7`, 1), "a policy target must be an id or an object with TargetId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseOrganization([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// FuzzParseOrganization: no description makes the parser panic; one it
// accepts can be evaluated. The seed corpus is in
// testdata/fuzz/FuzzParseOrganization.
func FuzzParseOrganization(f *testing.F) {
	f.Add(orgDoc("333333333333", false, denyAssumeSCP))
	f.Add(orgDoc("111111111111", true, denyS3OutsideRCP))
	if b, err := os.ReadFile(filepath.Join("..", "..", "docs", "organization.example.json")); err == nil {
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, doc string) {
		o, err := ParseOrganization([]byte(doc))
		if err != nil {
			return
		}
		for _, a := range o.Accounts() {
			o.Path(a)
			o.levels(a, typeSCP)
			o.levels(a, typeRCP)
		}
	})
}

// TestCheckOrganizationFanOutRole: deploy/home.yaml's organization
// fan-out may assume a role name in any account, but only where
// aws:ResourceOrgID is the function's organization: not "any role in any
// account" (BroadAssumeRole), which it is without that condition.
func TestCheckOrganizationFanOutRole(t *testing.T) {
	params := map[string]string{"OrganizationRoleName": "OrganizationAccountAccessRole"}
	for k, v := range projectParams {
		params[k] = v
	}
	files := []string{"../../deploy/target.yaml", "../../deploy/home.yaml"}
	if rep := run(t, files, params); has(rep, want{"BroadAssumeRole", 0, Warning}) {
		t.Errorf("scoped by aws:ResourceOrgID: %+v", rep.Findings)
	}
	if rep := run(t, variant(t, files, "aws:ResourceOrgID", "aws:PrincipalTag/team"), params); !has(rep, want{"BroadAssumeRole", 0, Warning}) {
		t.Errorf("without aws:ResourceOrgID: %+v", rep.Findings)
	}
}
