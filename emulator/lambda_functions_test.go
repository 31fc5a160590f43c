package emulator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
)

// switchSetup deploys the Classmethod article's roles and the project's own
// switch-account binary.
func switchSetup(t *testing.T, opts ...emulator.Option) (*emulatortest.Server, *lambda.Client) {
	t.Helper()
	srv := emulatortest.New(t, opts...)
	ctx := context.Background()
	ic := iam.NewFromConfig(srv.Config(home))
	role := execRole(t, ic, "switch-exec", lambdaTrust, basicExecution)
	emulatortest.Must(ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("switch-exec"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/external-role"}}`)}))(t)
	ti := iam.NewFromConfig(srv.Config(target))
	execRole(t, ti, "external-role", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}}`, "arn:aws:iam::aws:policy/ReadOnlyAccess")
	emulatortest.Must(s3.NewFromConfig(srv.Config(target)).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("target-data")}))(t)
	lc := lambda.NewFromConfig(srv.Config(home))
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("switch-account"), Runtime: lambdatypes.RuntimeProvidedal2023,
		Role: aws.String(role), Handler: aws.String("bootstrap"), Code: &lambdatypes.FunctionCode{ZipFile: buildFunction(t, "../cmd/switch-account")},
		Timeout: aws.Int32(10), LoggingConfig: &lambdatypes.LoggingConfig{LogFormat: lambdatypes.LogFormatJson}}); err != nil {
		t.Fatal(err)
	}
	return srv, lc
}

// TestSwitchAccountFunction runs the project's switch-account binary as
// Lambda would; a warm invocation reuses the process and its cached
// credentials, so the second call makes no second AssumeRole.
func TestSwitchAccountFunction(t *testing.T) {
	t.Parallel()
	srv, lc := switchSetup(t)
	var bodies []map[string]any
	for i := 0; i < 3; i++ {
		resp, out := invokeJSON(t, lc, "switch-account", `{"account_id":"222222222222"}`)
		if out.FunctionError != nil || resp["statusCode"].(float64) != 200 {
			t.Fatalf("invocation %d: %s", i, out.Payload)
		}
		var b map[string]any
		json.Unmarshal([]byte(resp["body"].(string)), &b)
		bodies = append(bodies, b)
	}
	if bodies[0]["caller_arn"] != "arn:aws:sts::222222222222:assumed-role/external-role/switch-account" {
		t.Errorf("got %v", bodies[0])
	}
	if n := srv.Count("sts:AssumeRole"); n != 1 {
		t.Errorf("got %d AssumeRole calls for 3 warm invocations, want 1", n)
	}
	resp, _ := invokeJSON(t, lc, "switch-account", `{"account_id":"abc"}`)
	if resp["statusCode"].(float64) != 400 {
		t.Errorf("bad account id: %v", resp)
	}
	// A number is a caller's mistake too: 400, not a function error.
	resp, out := invokeJSON(t, lc, "switch-account", `{"account_id":222222222222}`)
	if out.FunctionError != nil || resp["statusCode"] != float64(400) {
		t.Errorf("numeric account id: function error %v, payload %s", aws.ToString(out.FunctionError), out.Payload)
	}
	// JSON logs: the function's records and Lambda's platform records.
	fl, err := cloudwatchlogs.NewFromConfig(srv.Config(home)).FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String("/aws/lambda/switch-account"), FilterPattern: aws.String(`{ $.level = "INFO" }`)})
	if err != nil || len(fl.Events) < 3 || !strings.Contains(*fl.Events[0].Message, `"requestId"`) {
		t.Errorf("JSON logs: %v %+v", err, fl)
	}
	fl, _ = cloudwatchlogs.NewFromConfig(srv.Config(home)).FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String("/aws/lambda/switch-account"), FilterPattern: aws.String(`{ $.type = "platform.report" }`)})
	if len(fl.Events) != 5 { // three warm invocations, "abc", the number
		t.Errorf("got %d platform.report records, want 5", len(fl.Events))
	}
}

// TestConcurrentInvocations: concurrent invokes run in several processes;
// beyond the concurrency limit they are throttled.
func TestConcurrentInvocations(t *testing.T) {
	srv := emulatortest.New(t, emulator.WithLambdaConcurrency(3))
	ctx := context.Background()
	role := execRole(t, iam.NewFromConfig(srv.Config(home)), "echo-exec", lambdaTrust, basicExecution)
	lc := lambda.NewFromConfig(srv.Config(home))
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("echo"), Runtime: lambdatypes.RuntimeProvidedal2023,
		Role: aws.String(role), Handler: aws.String("bootstrap"), Code: &lambdatypes.FunctionCode{ZipFile: buildFunction(t, "./lambda/testdata/echo")}, Timeout: aws.Int32(10)}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	pids := map[any]bool{}
	throttled := 0
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: []byte(`{"sleep":1.5}`)})
			mu.Lock()
			defer mu.Unlock()
			if apiCode(err) == "TooManyRequestsException" {
				throttled++
				return
			}
			if err != nil {
				t.Error(err)
				return
			}
			var m map[string]any
			json.Unmarshal(out.Payload, &m)
			pids[m["pid"]] = true
		}()
	}
	wg.Wait()
	if len(pids) != 3 || throttled != 2 {
		t.Errorf("got %d processes and %d throttles, want 3 and 2", len(pids), throttled)
	}
}

// TestPythonRuntime runs Python handlers with the project's runtime: a
// small echo, and the Qiita article's handler unmodified, copying objects
// across accounts with boto3 against the emulator.
func TestPythonRuntime(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	srv := emulatortest.New(t)
	ctx := context.Background()
	ic := iam.NewFromConfig(srv.Config(home))
	role := execRole(t, ic, "py-exec", lambdaTrust, basicExecution)
	lc := lambda.NewFromConfig(srv.Config(home))
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("pyecho"), Runtime: lambdatypes.RuntimePython312,
		Role: aws.String(role), Handler: aws.String("app.lambda_handler"), Code: &lambdatypes.FunctionCode{ZipFile: zipOf(t, filepath.Join("lambda", "testdata", "pyecho"))}}); err != nil {
		t.Fatal(err)
	}
	first, _ := invokeJSON(t, lc, "pyecho", `{"k":"v"}`)
	second, _ := invokeJSON(t, lc, "pyecho", `{}`)
	if first["function_name"] != "pyecho" || second["pid"] != first["pid"] || second["invocations"].(float64) != 2 {
		t.Errorf("got %v then %v", first, second)
	}
	_, out := invokeJSON(t, lc, "pyecho", `{"error":"bad input"}`)
	if aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), `"errorType": "ValueError"`) {
		t.Errorf("python error: %s", out.Payload)
	}

	// The seed's handler: the execution role assumes the target role and
	// copies with boto3.
	homeS3, _ := copyScenario(t, srv)
	emulatortest.Must(homeS3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("home-src"), Policy: aws.String(homeBucketPolicy)}))(t)
	for i := 0; i < 3; i++ {
		putString(t, homeS3, "home-src", fmt.Sprintf("reports/%d.csv", i), "row")
	}
	emulatortest.Must(ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("py-exec"), PolicyName: aws.String("copy"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + copyRoleARN + `"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::home-src"}]}`)}))(t)
	emulatortest.Must(iam.NewFromConfig(srv.Config(target)).UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("s3-PutObject-assumedRole-by-Lambda-in-account111"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/py-exec"},"Action":"sts:AssumeRole"}}`)}))(t)
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("seed-copy"), Runtime: lambdatypes.RuntimePython313,
		Role: aws.String(role), Handler: aws.String("lambda_function.lambda_handler"), Timeout: aws.Int32(30),
		Code:        &lambdatypes.FunctionCode{ZipFile: zipOf(t, filepath.Join("lambda", "testdata", "seed003"))},
		Environment: &lambdatypes.Environment{Variables: map[string]string{"s3_bucket": "home-src", "s3_key": "reports/", "target_s3_bucket": "target-dst", "target_account_role_arn": copyRoleARN}}}); err != nil {
		t.Fatal(err)
	}
	resp, out := invokeJSON(t, lc, "seed-copy", `{}`)
	if out.FunctionError != nil || resp["body"] != "File successfully copied." {
		t.Fatalf("seed handler: %s", out.Payload)
	}
	lo, err := s3.NewFromConfig(srv.Config(target)).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("target-dst")})
	if err != nil {
		t.Fatalf("ListObjectsV2 of the copies: %v", err)
	}
	if *lo.KeyCount != 3 {
		t.Errorf("seed handler copied %d objects, want 3", *lo.KeyCount)
	}
	fl, err := cloudwatchlogs.NewFromConfig(srv.Config(home)).FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/seed-copy"), FilterPattern: aws.String(`"Successfully copied"`)})
	if err != nil {
		t.Fatalf("FilterLogEvents of the handler's log: %v", err)
	}
	if len(fl.Events) != 3 || !strings.HasPrefix(*fl.Events[0].Message, "[INFO]\t") {
		t.Errorf("seed handler logs: %+v", fl.Events)
	}
}
