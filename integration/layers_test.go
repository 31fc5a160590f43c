package integration

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeZip writes a zip holding files.
func writeZip(t *testing.T, path string, files map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestLayersCLI: with the aws CLI, another account publishes a Python
// layer and shares it, the home account creates a function using it and a
// public layer supplied with `xacct serve --layer-dir`, and the handler
// imports from both; a layer the emulator does not have is refused with
// how to supply it.
func TestLayersCLI(t *testing.T) {
	needTool(t, "aws")
	needTool(t, "python3")
	dir := t.TempDir()
	powertools := "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:40"
	pt := filepath.Join(dir, "powertools")
	os.MkdirAll(filepath.Join(pt, "python", "aws_lambda_powertools"), 0o755)
	os.WriteFile(filepath.Join(pt, "python", "aws_lambda_powertools", "__init__.py"), []byte("SOURCE = 'layer-dir'\n"), 0o644)
	s := serve(t, "--layer-dir", powertools+"="+pt)
	home, shared := s.rootEnv("111111111111"), s.rootEnv("333333333333")

	layerZip := filepath.Join(dir, "layer.zip")
	writeZip(t, layerZip, map[string]string{"python/cross_account.py": "def whoami():\n    return 'from the shared layer'\n"})
	out := must(t, shared, "aws", "lambda", "publish-layer-version", "--layer-name", "cross-account", "--zip-file", "fileb://"+layerZip,
		"--compatible-runtimes", "python3.12", "--query", "LayerVersionArn", "--output", "text")
	arn := strings.TrimSpace(out)
	if arn != "arn:aws:lambda:us-east-1:333333333333:layer:cross-account:1" {
		t.Fatalf("publish-layer-version: %q", out)
	}

	must(t, home, "aws", "iam", "create-role", "--role-name", "layered-exec", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`)
	fnZip := filepath.Join(dir, "fn.zip")
	writeZip(t, fnZip, map[string]string{"app.py": "import cross_account, aws_lambda_powertools\n" +
		"def handler(event, context):\n    return {'layer': cross_account.whoami(), 'powertools': aws_lambda_powertools.SOURCE}\n"})
	create := func(layers ...string) (string, error) {
		args := append([]string{"lambda", "create-function", "--function-name", "layered", "--runtime", "python3.12", "--handler", "app.handler",
			"--role", "arn:aws:iam::111111111111:role/layered-exec", "--zip-file", "fileb://" + fnZip, "--layers"}, layers...)
		return run(t, home, "aws", args...)
	}
	// Not shared yet: AccessDeniedException for lambda:GetLayerVersion.
	if _, err := create(arn, powertools); err == nil || !strings.Contains(err.Error(), "AccessDeniedException") {
		t.Fatalf("create-function with an unshared layer: %v", err)
	}
	must(t, shared, "aws", "lambda", "add-layer-version-permission", "--layer-name", "cross-account", "--version-number", "1",
		"--statement-id", "home", "--action", "lambda:GetLayerVersion", "--principal", "111111111111")
	// A layer the emulator does not have.
	missing := "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:41"
	if _, err := create(arn, missing); err == nil || !strings.Contains(err.Error(), "InvalidParameterValueException") ||
		!strings.Contains(err.Error(), "--layer-dir "+missing+"=DIR") {
		t.Fatalf("create-function with an unknown layer: %v", err)
	}
	if _, err := create(arn, powertools); err != nil {
		t.Fatal(err)
	}
	resp := filepath.Join(dir, "out.json")
	must(t, home, "aws", "lambda", "invoke", "--function-name", "layered", resp)
	body, _ := os.ReadFile(resp)
	if !strings.Contains(string(body), `"layer": "from the shared layer"`) || !strings.Contains(string(body), `"powertools": "layer-dir"`) {
		t.Errorf("invoke: %s", body)
	}
	out = must(t, shared, "aws", "lambda", "list-layer-versions", "--layer-name", "cross-account", "--query", "LayerVersions[].Version", "--output", "text")
	if strings.TrimSpace(out) != "1" {
		t.Errorf("list-layer-versions: %q", out)
	}
}
