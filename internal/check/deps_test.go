package check

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLibrariesDoNotImportTheEmulator keeps the libraries the functions
// ship, and xacct check, free of the emulator: they share the template
// engine (cfntemplate) and the managed policy catalogue (policy/awsmanaged)
// with it, never its services.
func TestLibrariesDoNotImportTheEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	cmd := exec.Command(gotool, "list", "-deps", "./internal/check", "./crossaccount", "./s3copy", "./functions/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "github.com/xacct/xacct/emulator" || strings.HasPrefix(pkg, "github.com/xacct/xacct/emulator/") {
			t.Errorf("%s is imported by the libraries (go list -deps)", pkg)
		}
	}
}
