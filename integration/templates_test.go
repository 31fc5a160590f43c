package integration

import (
	"os"
	"testing"
)

// TestTemplatesLint runs cfn-lint (preinstalled with the aws-sam-translator
// on these machines) on the project's templates: errors and warnings fail.
func TestTemplatesLint(t *testing.T) {
	needTool(t, "cfn-lint")
	out, err := run(t, os.Environ(), "cfn-lint", "--format", "parseable", "../deploy/target.yaml", "../deploy/home.yaml")
	if err != nil || out != "" {
		t.Fatalf("cfn-lint: %v\n%s", err, out)
	}
}
