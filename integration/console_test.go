package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// consoleBoto3 is the test's own boto3 script: it replaces the trust
// policy of the role named in argv[1] by the document in argv[2].
const consoleBoto3 = `import sys, boto3
boto3.client("iam").update_assume_role_policy(RoleName=sys.argv[1], PolicyDocument=sys.argv[2])
`

// TestConsoleWithCLI: `xacct serve` prints the console's URL; roles and a
// policy made with the aws CLI appear in the console's pages and as an
// edge of the trust graph; the edge goes when boto3 changes the trust
// policy; the "would this be allowed?" form agrees with what STS then
// answers the CLI; and the session token the CLI got never appears.
func TestConsoleWithCLI(t *testing.T) {
	needTool(t, "aws")
	needTool(t, "python3")
	s := serve(t)
	home, target := s.rootEnv("111111111111"), s.rootEnv("222222222222")
	page := func(path string) string {
		t.Helper()
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	must(t, home, "aws", "iam", "create-user", "--user-name", "deployer")
	must(t, home, "aws", "iam", "put-user-policy", "--user-name", "deployer", "--policy-name", "assume-ops",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Sid":"AssumeOps","Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/ops"}]}`)
	must(t, target, "aws", "iam", "create-role", "--role-name", "ops",
		"--assume-role-policy-document", `{"Version":"2012-10-17","Statement":[{"Sid":"TrustDeployer","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/deployer"},"Action":"sts:AssumeRole"}]}`)
	var key struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	json.Unmarshal([]byte(must(t, home, "aws", "iam", "create-access-key", "--user-name", "deployer")), &key)
	deployer := s.env(key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey, "")
	var sess struct {
		Credentials struct{ SessionToken, SecretAccessKey string }
	}
	json.Unmarshal([]byte(must(t, deployer, "aws", "sts", "assume-role", "--role-arn", "arn:aws:iam::222222222222:role/ops", "--role-session-name", "cli")), &sess)

	edge := `data-from="arn:aws:iam::111111111111:user/deployer" data-to="arn:aws:iam::222222222222:role/ops"`
	if g := page("/_xacct/graph"); !strings.Contains(g, edge) || !strings.Contains(g, "TrustDeployer") || !strings.Contains(g, "AssumeOps") {
		t.Fatalf("the graph lacks the edge deployer → ops made with the aws CLI, or its statements")
	}
	if a := page("/_xacct/accounts/111111111111"); !strings.Contains(a, "deployer") || !strings.Contains(a, "assume-ops") {
		t.Errorf("the home account's page lacks the user or its policy")
	}

	if out, err := run(t, append(target, "PYTHONDONTWRITEBYTECODE=1"), "python3", "-c", consoleBoto3, "ops",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`); err != nil {
		t.Fatalf("boto3 update_assume_role_policy: %v\n%s", err, out)
	}
	if g := page("/_xacct/graph"); strings.Contains(g, edge) {
		t.Errorf("the edge deployer → ops is still drawn after boto3 changed the trust policy")
	}
	q := url.Values{"principal": {"arn:aws:iam::111111111111:user/deployer"}, "action": {"sts:AssumeRole"}, "resource": {"arn:aws:iam::222222222222:role/ops"}}
	if sim := page("/_xacct/simulate?" + q.Encode()); !strings.Contains(sim, `<p class="verdict">implicitDeny</p>`) || !strings.Contains(sim, "step 2 (trust policy)") {
		t.Errorf("the form does not answer implicitDeny with step 2's diagnosis")
	}
	if out, err := run(t, deployer, "aws", "sts", "assume-role", "--role-arn", "arn:aws:iam::222222222222:role/ops", "--role-session-name", "cli"); err == nil {
		t.Errorf("the CLI's AssumeRole succeeded where the console says implicitDeny:\n%s", out)
	}
	trail := page("/_xacct/trail?decision=denied&principal=arn:aws:iam::111111111111:user/deployer")
	if !strings.Contains(trail, "step 2 (trust policy)") {
		t.Errorf("the trail page lacks the CLI's refused AssumeRole with its diagnosis")
	}
	for _, p := range []string{"/_xacct/", "/_xacct/accounts/111111111111", "/_xacct/accounts/222222222222", "/_xacct/graph", "/_xacct/trail", "/_xacct/simulate"} {
		body := page(p)
		for _, secret := range []string{sess.Credentials.SessionToken, sess.Credentials.SecretAccessKey, key.AccessKey.SecretAccessKey} {
			if secret != "" && strings.Contains(body, secret) {
				t.Errorf("%s shows a secret (%.6s…)", p, secret)
			}
		}
	}
	s.stop()
	if !strings.Contains(s.logs.String(), "web console: "+s.URL+"/_xacct/") {
		t.Errorf("xacct serve does not print the console's URL:\n%s", s.logs.String())
	}
}
