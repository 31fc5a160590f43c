package integration

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildZip builds a Go function as a deployment package (zip with an
// executable bootstrap) using the system zip tool or Go.
func buildZip(t *testing.T, pkg string) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(dir, "bootstrap"), pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	zipPath := filepath.Join(dir, "function.zip")
	script := `import sys, zipfile
z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED)
info = zipfile.ZipInfo("bootstrap")
info.external_attr = 0o755 << 16
info.compress_type = zipfile.ZIP_DEFLATED
z.writestr(info, open(sys.argv[2], "rb").read())
z.close()`
	if out, err := exec.Command("python3", "-c", script, zipPath, filepath.Join(dir, "bootstrap")).CombinedOutput(); err != nil {
		t.Fatalf("zip: %v\n%s", err, out)
	}
	return zipPath
}

// TestLambdaCLI creates a function from the project's switch-account
// binary with the aws CLI, invokes it, and reads its logs with `aws logs
// filter-log-events`.
func TestLambdaCLI(t *testing.T) {
	needTool(t, "aws")
	needTool(t, "python3")
	s := serve(t)
	home, target := s.rootEnv("111111111111"), s.rootEnv("222222222222")
	must(t, home, "aws", "iam", "create-role", "--role-name", "switch-exec", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`)
	must(t, home, "aws", "iam", "attach-role-policy", "--role-name", "switch-exec", "--policy-arn", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
	must(t, home, "aws", "iam", "put-role-policy", "--role-name", "switch-exec", "--policy-name", "assume", "--policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/external-role"}}`)
	must(t, target, "aws", "iam", "create-role", "--role-name", "external-role", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/switch-exec"},"Action":"sts:AssumeRole"}}`)
	must(t, target, "aws", "iam", "attach-role-policy", "--role-name", "external-role", "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess")
	must(t, target, "aws", "s3", "mb", "s3://target-data")

	zip := buildZip(t, "../cmd/switch-account")
	out := must(t, home, "aws", "lambda", "create-function", "--function-name", "switch-account", "--runtime", "provided.al2023",
		"--handler", "bootstrap", "--role", "arn:aws:iam::111111111111:role/switch-exec", "--zip-file", "fileb://"+zip,
		"--logging-config", "LogFormat=JSON")
	if !strings.Contains(out, `"State": "Active"`) {
		t.Errorf("create-function: %s", out)
	}
	dir := t.TempDir()
	resp := filepath.Join(dir, "out.json")
	meta := must(t, home, "aws", "lambda", "invoke", "--function-name", "switch-account", "--payload", `{"account_id":"222222222222"}`,
		"--log-type", "Tail", resp)
	var m struct {
		StatusCode int
		LogResult  string
	}
	json.Unmarshal([]byte(meta), &m)
	tail, _ := base64.StdEncoding.DecodeString(m.LogResult)
	body, _ := os.ReadFile(resp)
	if m.StatusCode != 200 || !strings.Contains(string(body), `\"caller_arn\":\"arn:aws:sts::222222222222:assumed-role/external-role/switch-account\"`) || !strings.Contains(string(tail), "processed request") {
		t.Errorf("invoke: %s\nbody %s\ntail %s", meta, body, tail)
	}
	logs := must(t, home, "aws", "logs", "filter-log-events", "--log-group-name", "/aws/lambda/switch-account", "--filter-pattern", `{ $.message = "processed request" }`)
	if !strings.Contains(logs, "222222222222") {
		t.Errorf("filter-log-events: %s", logs)
	}
	fns := must(t, home, "aws", "lambda", "list-functions", "--query", "Functions[].FunctionName", "--output", "text")
	if strings.TrimSpace(fns) != "switch-account" {
		t.Errorf("list-functions: %q", fns)
	}
}
