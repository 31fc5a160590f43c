package emulator_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/xacct/xacct/emulatortest"
)

// TestForeignArchitectureBootstrap runs a bootstrap built for the other
// architecture (what sam build makes for an arm64 function on an amd64
// machine): without qemu the invocation fails as Lambda reports a bootstrap
// it cannot run, with a message saying how to fix it; with qemu user-mode
// emulation installed the same binary runs.
func TestForeignArchitectureBootstrap(t *testing.T) {
	other := map[string]string{"amd64": "arm64", "arm64": "amd64"}[runtime.GOARCH]
	if other == "" || runtime.GOOS != "linux" {
		t.Skipf("no foreign architecture to test on %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(dir, "bootstrap"), "./lambda/testdata/echo")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+other)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	srv := emulatortest.New(t)
	ctx := context.Background()
	role := execRole(t, iam.NewFromConfig(srv.Config(home)), "foreign-exec", lambdaTrust, basicExecution)
	lc := lambda.NewFromConfig(srv.Config(home))
	arch := lambdatypes.ArchitectureArm64
	if other == "amd64" {
		arch = lambdatypes.ArchitectureX8664
	}
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("foreign"), Runtime: lambdatypes.RuntimeProvidedal2023,
		Role: aws.String(role), Handler: aws.String("bootstrap"), Code: &lambdatypes.FunctionCode{ZipFile: zipOf(t, dir)},
		Architectures: []lambdatypes.Architecture{arch}, Timeout: aws.Int32(30)}); err != nil {
		t.Fatal(err)
	}
	qemuArch := map[string]string{"arm64": "aarch64", "amd64": "x86_64"}[other]
	qemu := false
	for _, name := range []string{"qemu-" + qemuArch + "-static", "qemu-" + qemuArch} {
		if _, err := exec.LookPath(name); err == nil {
			qemu = true
		}
	}

	t.Run("without qemu", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		m, out := invokeJSON(t, lc, "foreign", `{}`)
		if aws.ToString(out.FunctionError) != "Unhandled" || m["errorType"] != "Runtime.InvalidEntrypoint" {
			t.Fatalf("got %v %s", m, out.Payload)
		}
		msg, _ := m["errorMessage"].(string)
		if !strings.Contains(msg, "linux/"+other+" executable") || !strings.Contains(msg, "GOARCH="+runtime.GOARCH) || !strings.Contains(msg, "qemu-user-static") {
			t.Errorf("message: %s", msg)
		}
	})
	t.Run("with qemu", func(t *testing.T) {
		if !qemu {
			t.Skip("qemu user-mode emulation for " + other + " is not installed")
		}
		m, out := invokeJSON(t, lc, "foreign", `{"print":"hello from `+other+`"}`)
		if out.FunctionError != nil {
			t.Fatalf("invoke: %s", out.Payload)
		}
		if env, _ := m["env"].(map[string]any); env["AWS_LAMBDA_FUNCTION_NAME"] != "foreign" {
			t.Errorf("got %v", m)
		}
	})
}
