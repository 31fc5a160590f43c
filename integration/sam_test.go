package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSAMCLI builds the home template with `sam build` (the Go functions
// through its go1.x build method, for arm64 as the template says), deploys
// both templates with `sam deploy`, runs the deployed copy function and
// deletes both stacks with `sam delete` — the workflow a SAM user runs,
// against the emulator. It needs the SAM CLI on PATH, and qemu user-mode
// emulation when this machine is not arm64 (the emulator runs the arm64
// bootstrap under it); neither is installable on the CI machines, so there
// it skips.
func TestSAMCLI(t *testing.T) {
	needTool(t, "sam")
	s := serve(t)
	samEnv := func(acct string) []string {
		env := append(s.rootEnv(acct), "SAM_CLI_TELEMETRY=0")
		for _, kv := range os.Environ() {
			if strings.HasPrefix(kv, "GO") {
				env = append(env, kv) // sam build runs go build
			}
		}
		return env
	}
	home, target := samEnv("111111111111"), samEnv("222222222222")
	build := t.TempDir()
	out := must(t, home, "sam", "build", "--template-file", "../deploy/home.yaml", "--build-dir", build, "--cache-dir", t.TempDir())
	if !strings.Contains(out, "Build Succeeded") {
		t.Fatalf("sam build: %s", out)
	}
	for _, fn := range []string{"CopyFunction", "SwitchAccountFunction"} {
		if _, err := os.Stat(filepath.Join(build, fn, "bootstrap")); err != nil {
			t.Fatalf("sam build made no bootstrap for %s: %v", fn, err)
		}
	}

	out = must(t, target, "sam", "deploy", "--template-file", "../deploy/target.yaml", "--stack-name", "xacct-target",
		"--capabilities", "CAPABILITY_NAMED_IAM", "--no-confirm-changeset",
		"--parameter-overrides", "SourceBucketName=sam-src", "TargetBucketName=sam-dst")
	if !strings.Contains(out, "Successfully created/updated stack - xacct-target") {
		t.Fatalf("sam deploy target: %s", out)
	}
	must(t, home, "aws", "s3", "mb", "s3://sam-artifacts")
	out = must(t, home, "sam", "deploy", "--template-file", filepath.Join(build, "template.yaml"), "--stack-name", "xacct-home",
		"--s3-bucket", "sam-artifacts", "--capabilities", "CAPABILITY_NAMED_IAM", "--no-confirm-changeset",
		"--parameter-overrides", "SourceBucketName=sam-src", "TargetBucketName=sam-dst", "NotificationEmail=ops@example.com")
	if !strings.Contains(out, "Successfully created/updated stack - xacct-home") || !strings.Contains(out, "CopyFunction") {
		t.Fatalf("sam deploy home: %s", out)
	}

	src := filepath.Join(t.TempDir(), "a.txt")
	os.WriteFile(src, []byte("built by sam"), 0o644)
	must(t, home, "aws", "s3", "cp", src, "s3://sam-src/a.txt")
	resp := filepath.Join(t.TempDir(), "resp.json")
	must(t, home, "aws", "lambda", "invoke", "--function-name", "xacct-s3-copy", "--payload", "{}", resp)
	if b, _ := os.ReadFile(resp); !strings.Contains(string(b), `"copied":1`) {
		t.Fatalf("copy function built by sam: %s", b)
	}
	got := must(t, target, "aws", "s3", "cp", "s3://sam-dst/a.txt", "-")
	if got != "built by sam" {
		t.Errorf("copied object: %q", got)
	}

	must(t, home, "aws", "s3", "rm", "--recursive", "s3://sam-src")
	must(t, target, "aws", "s3", "rm", "--recursive", "s3://sam-dst")
	for _, st := range []struct {
		name string
		env  []string
	}{{"xacct-home", home}, {"xacct-target", target}} {
		if out := must(t, st.env, "sam", "delete", "--stack-name", st.name, "--no-prompts"); !strings.Contains(out, "Deleted successfully") {
			t.Errorf("sam delete %s: %s", st.name, out)
		}
	}
}
