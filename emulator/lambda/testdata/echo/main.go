// Command echo is a test function for the emulated Lambda: it reports its
// environment, context and process, and can sleep, fail, crash or print.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

var invocations atomic.Int64

type event struct {
	Sleep float64 `json:"sleep"`
	Exit  int     `json:"exit"`
	Error string  `json:"error"`
	Print string  `json:"print"`
}

func handle(ctx context.Context, ev event) (map[string]any, error) {
	n := invocations.Add(1)
	if ev.Print != "" {
		fmt.Println(ev.Print)
	}
	if ev.Sleep > 0 {
		time.Sleep(time.Duration(ev.Sleep * float64(time.Second)))
	}
	if ev.Exit != 0 {
		os.Exit(ev.Exit)
	}
	if ev.Error != "" {
		return nil, errors.New(ev.Error)
	}
	lc, _ := lambdacontext.FromContext(ctx)
	deadline, _ := ctx.Deadline()
	env := map[string]string{}
	for _, k := range []string{"AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
		"AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "_HANDLER", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID",
		"LAMBDA_TASK_ROOT", "AWS_LAMBDA_LOG_FORMAT", "MY_SETTING", "TZ"} {
		env[k] = os.Getenv(k)
	}
	return map[string]any{
		"pid": os.Getpid(), "invocations": n, "request_id": lc.AwsRequestID, "function_arn": lc.InvokedFunctionArn,
		"deadline_ms": deadline.UnixMilli(), "env": env,
	}, nil
}

func main() { lambda.Start(handle) }
