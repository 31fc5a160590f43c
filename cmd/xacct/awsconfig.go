package main

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/xacct/xacct/emulator"
)

// defaultEndpoint is the emulator `up` and `invoke` talk to unless told
// otherwise: AWS_ENDPOINT_URL, else `xacct serve`'s default address.
func defaultEndpoint() string {
	if u := os.Getenv("AWS_ENDPOINT_URL"); u != "" {
		return u
	}
	return "http://" + emulator.DefaultAddr
}

// emulatorConfig returns a config for the root user of account acct on
// the emulator at endpoint (access key = account id, secret "test").
func emulatorConfig(endpoint, acct, region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(acct, emulator.RootSecret, ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

// sdkConfig loads the default chain (environment, profile, ...), as every
// AWS tool does; AWS_ENDPOINT_URL points it at the emulator.
func sdkConfig(ctx context.Context, region string) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	return config.LoadDefaultConfig(ctx, opts...)
}
