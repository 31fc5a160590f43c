// Command s3-copy is the s3-copy Lambda function. Build it as the bootstrap
// of a provided.al2023 function:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./cmd/s3-copy
//
// Environment: s3_bucket, s3_key, target_s3_bucket, target_account_role_arn
// (as in the Qiita article), and optionally DEST_PREFIX, CONCURRENCY,
// EXTERNAL_ID, TARGET_ACL, MULTIPART_THRESHOLD, LIST_WITH=function.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/xacct/xacct/functions/copyfunc"
	"github.com/xacct/xacct/internal/lambdalog"
	"github.com/xacct/xacct/s3copy"
)

func main() {
	log := lambdalog.New(os.Stdout)
	cfg, err := copyfunc.ConfigFromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "s3-copy:", err)
		os.Exit(1)
	}
	base, err := config.LoadDefaultConfig(context.Background(), config.WithHTTPClient(s3copy.HTTPClient(cfg.Concurrency)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "load AWS config:", err)
		os.Exit(1)
	}
	lambda.Start(copyfunc.New(base, cfg, log).Handle)
}
