// Command switch-account is the switch-account Lambda function. Build it as
// the bootstrap of a provided.al2023 function:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./cmd/switch-account
//
// The same binary runs on AWS Lambda and in `xacct`'s local Lambda (which
// sets AWS_ENDPOINT_URL so the SDK reaches the emulator).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/xacct/xacct/functions/switchaccount"
	"github.com/xacct/xacct/internal/lambdalog"
)

func main() {
	log := lambdalog.New(os.Stdout)
	base, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "load AWS config:", err)
		os.Exit(1)
	}
	// Built once, outside the handler: warm invocations reuse the cached
	// credentials of the assumed roles.
	h := switchaccount.New(base, switchaccount.ConfigFromEnv(), log)
	lambda.Start(h.Handle)
}
