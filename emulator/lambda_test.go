package emulator_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
)

var (
	buildMu    sync.Mutex
	builtFuncs = map[string]string{}
)

// buildFunction builds a Go function package as a zip holding its
// bootstrap, once per test binary.
func buildFunction(t *testing.T, pkg string) []byte {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	dir, ok := builtFuncs[pkg]
	if !ok {
		var err error
		dir, err = os.MkdirTemp("", "xacct-fn-")
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(dir, "bootstrap"), pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", pkg, err, out)
		}
		builtFuncs[pkg] = dir
	}
	return zipOf(t, dir)
}

func execRole(t *testing.T, c *iam.Client, name, trust string, policies ...string) string {
	t.Helper()
	out, err := c.CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range policies {
		if _, err := c.AttachRolePolicy(context.Background(), &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(p)}); err != nil {
			t.Fatal(err)
		}
	}
	return *out.Role.Arn
}

const basicExecution = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

func invokeJSON(t *testing.T, c *lambda.Client, name, payload string) (map[string]any, *lambda.InvokeOutput) {
	t.Helper()
	out, err := c.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(payload), LogType: lambdatypes.LogTypeTail})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(out.Payload, &m)
	return m, out
}

func TestLambdaRunsRealBootstrap(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	ic := iam.NewFromConfig(srv.Config(home))
	role := execRole(t, ic, "echo-exec", lambdaTrust, basicExecution)
	lc := lambda.NewFromConfig(srv.Config(home))
	zip := buildFunction(t, "./lambda/testdata/echo")

	// An execution role Lambda may not assume is refused at creation.
	bad := execRole(t, ic, "not-for-lambda", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}}`)
	_, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("x"), Runtime: lambdatypes.RuntimeProvidedal2023,
		Role: aws.String(bad), Handler: aws.String("bootstrap"), Code: &lambdatypes.FunctionCode{ZipFile: zip}})
	if apiCode(err) != "InvalidParameterValueException" || apiMessage(err) != "The role defined for the function cannot be assumed by Lambda." {
		t.Fatalf("untrusted role: got %v", err)
	}

	cf, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("echo"), Runtime: lambdatypes.RuntimeProvidedal2023,
		Role: aws.String(role), Handler: aws.String("bootstrap"), Code: &lambdatypes.FunctionCode{ZipFile: zip}, Timeout: aws.Int32(2), MemorySize: aws.Int32(256),
		Environment: &lambdatypes.Environment{Variables: map[string]string{"MY_SETTING": "on"}}})
	if err != nil {
		t.Fatal(err)
	}
	if *cf.FunctionArn != "arn:aws:lambda:us-east-1:111111111111:function:echo" || cf.State != lambdatypes.StateActive {
		t.Errorf("got %+v", cf)
	}
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("echo"), Runtime: lambdatypes.RuntimeProvidedal2023,
		Role: aws.String(role), Handler: aws.String("bootstrap"), Code: &lambdatypes.FunctionCode{ZipFile: zip}}); apiCode(err) != "ResourceConflictException" {
		t.Errorf("duplicate: got %v", err)
	}

	first, out := invokeJSON(t, lc, "echo", `{"print":"hello from the function"}`)
	env := first["env"].(map[string]any)
	for k, want := range map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "echo", "AWS_REGION": "us-east-1", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/echo", "_HANDLER": "bootstrap", "AWS_ENDPOINT_URL": srv.URL,
		"MY_SETTING": "on", "TZ": ":UTC"} {
		if env[k] != want {
			t.Errorf("%s: got %v, want %s", k, env[k], want)
		}
	}
	if !strings.HasPrefix(env["AWS_ACCESS_KEY_ID"].(string), "ASIA") || env["AWS_SESSION_TOKEN"] == "" {
		t.Errorf("no session credentials: %v", env)
	}
	if id, _ := first["request_id"].(string); len(id) != 36 {
		t.Errorf("request id %q", id)
	}
	dl := int64(first["deadline_ms"].(float64))
	if d := time.Until(time.UnixMilli(dl)); d <= 0 || d > 2*time.Second {
		t.Errorf("deadline %v from now, want within the 2s timeout", d)
	}
	tail, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if !strings.Contains(string(tail), "hello from the function") {
		t.Errorf("log tail: %q", tail)
	}
	// Warm reuse: the same process answers the second invocation.
	second, _ := invokeJSON(t, lc, "echo", `{}`)
	if second["pid"] != first["pid"] || second["invocations"].(float64) != 2 {
		t.Errorf("second invocation: pid %v vs %v, invocations %v", second["pid"], first["pid"], second["invocations"])
	}
	// A function error.
	_, out = invokeJSON(t, lc, "echo", `{"error":"boom"}`)
	if aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), `"errorMessage":"boom"`) {
		t.Errorf("function error: %s %s", aws.ToString(out.FunctionError), out.Payload)
	}
	// A timeout kills the process; the next invocation is cold.
	_, out = invokeJSON(t, lc, "echo", `{"sleep":5}`)
	if aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), "Task timed out after 2.00 seconds") {
		t.Errorf("timeout: %s %s", aws.ToString(out.FunctionError), out.Payload)
	}
	third, _ := invokeJSON(t, lc, "echo", `{}`)
	if third["pid"] == first["pid"] || third["invocations"].(float64) != 1 {
		t.Errorf("after a timeout: pid %v (was %v), invocations %v", third["pid"], first["pid"], third["invocations"])
	}
	// A crash.
	_, out = invokeJSON(t, lc, "echo", `{"exit":3}`)
	if aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), "Runtime.ExitError") || !strings.Contains(string(out.Payload), "exit status 3") {
		t.Errorf("crash: %s", out.Payload)
	}

	// The logs: START/END/REPORT and the function's output.
	logsC := cloudwatchlogs.NewFromConfig(srv.Config(home))
	fl, err := logsC.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/echo")})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, e := range fl.Events {
		all = append(all, *e.Message)
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{"START RequestId:", "END RequestId:", "REPORT RequestId:", "Billed Duration:", "Memory Size: 256 MB", "Init Duration:",
		"hello from the function", "Task timed out after 2.00 seconds", "Runtime exited with error: exit status 3"} {
		if !strings.Contains(text, want) {
			t.Errorf("logs lack %q:\n%s", want, text)
		}
	}

	// Event and DryRun invocation types.
	ev, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), InvocationType: lambdatypes.InvocationTypeEvent, Payload: []byte(`{}`)})
	if err != nil || ev.StatusCode != 202 {
		t.Errorf("Event: %v %v", ev, err)
	}
	dr, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), InvocationType: lambdatypes.InvocationTypeDryRun})
	if err != nil || dr.StatusCode != 204 {
		t.Errorf("DryRun: %v %v", dr, err)
	}
	if _, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("nope")}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("missing function: got %v", err)
	}
}

func zipOf(t *testing.T, dir string) []byte {
	t.Helper()
	b, err := emulator.ZipDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
