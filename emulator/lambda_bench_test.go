package emulator_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/xacct/xacct/emulatortest"
)

// benchFunctions creates the Go echo function and the Python and Node.js
// echo handlers.
func benchFunctions(b *testing.B) *lambda.Client {
	srv := emulatortest.New(b)
	ctx := context.Background()
	t := &testing.T{}
	role := execRole(t, iam.NewFromConfig(srv.Config(home)), "bench-exec", lambdaTrust, basicExecution)
	lc := lambda.NewFromConfig(srv.Config(home))
	goZip := buildFunction(t, "./lambda/testdata/echo")
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("go"), Runtime: lambdatypes.RuntimeProvidedal2023,
		Role: aws.String(role), Handler: aws.String("bootstrap"), Code: &lambdatypes.FunctionCode{ZipFile: goZip}}); err != nil {
		b.Fatal(err)
	}
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("python"), Runtime: lambdatypes.RuntimePython312,
		Role: aws.String(role), Handler: aws.String("app.lambda_handler"), Code: &lambdatypes.FunctionCode{ZipFile: zipOf(t, filepath.Join("lambda", "testdata", "pyecho"))}}); err != nil {
		b.Fatal(err)
	}
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("node"), Runtime: lambdatypes.RuntimeNodejs20x,
		Role: aws.String(role), Handler: aws.String("index.handler"), Code: &lambdatypes.FunctionCode{ZipFile: zipOf(t, filepath.Join("lambda", "testdata", "nodeecho"))}}); err != nil {
		b.Fatal(err)
	}
	return lc
}

func invokeOnce(b *testing.B, lc *lambda.Client, name string) {
	out, err := lc.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(`{"k":"v"}`)})
	if err != nil || out.FunctionError != nil {
		b.Fatalf("%s: %v %s", name, err, out.Payload)
	}
}

// BenchmarkLambdaInvoke measures warm and cold invocations of the same
// echo function in Go (a provided.al2023 bootstrap), Python and Node.js
// (the project's runtimes), through the API. Cold invocations force a new
// execution environment by updating the function first (not timed).
func BenchmarkLambdaInvoke(b *testing.B) {
	for _, tool := range []string{"python3", "node"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skip(tool + " not installed")
		}
	}
	lc := benchFunctions(b)
	for _, name := range []string{"go", "python", "node"} {
		b.Run(name+"/warm", func(b *testing.B) {
			invokeOnce(b, lc, name)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				invokeOnce(b, lc, name)
			}
		})
		b.Run(name+"/cold", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				lc.UpdateFunctionConfiguration(context.Background(), &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(name), Description: aws.String(fmt.Sprint(i))})
				b.StartTimer()
				invokeOnce(b, lc, name)
			}
		})
	}
}

// BenchmarkLambdaAPIGetFunctionConfiguration measures one routed and
// authorized Lambda API call through the SDK, no function run: the cost of
// the REST routing table (protocol/rest) and the operation's Check.
func BenchmarkLambdaAPIGetFunctionConfiguration(b *testing.B) {
	srv := emulatortest.New(b)
	t := &testing.T{}
	createStubFunction(t, srv, home, "f")
	lc := lambda.NewFromConfig(srv.Config(home))
	in := &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("f")}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := lc.GetFunctionConfiguration(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}
