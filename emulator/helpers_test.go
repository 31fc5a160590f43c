package emulator_test

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/xacct/xacct/emulatortest"
)

func httpNewRequest(method, url string, body io.Reader) (*http.Request, error) {
	return http.NewRequest(method, url, body)
}

// statusOf is an API error's HTTP status, 0 for other errors.
func statusOf(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func srvClient(srv *emulatortest.Server) *http.Client { return http.DefaultClient }

func assumeAs(ctx context.Context, cfg aws.Config, roleARN string) (aws.Credentials, error) {
	out, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("S3CrossAccountRole")})
	if err != nil {
		return aws.Credentials{}, err
	}
	c := out.Credentials
	return emulatortest.SessionCredentials(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken, *c.Expiration), nil
}

// Tests that cost seconds under -race and start their own
// emulatortest.New(t), with their own clock (if any) and no t.Setenv, call
// t.Parallel so CI's `go test -race ./...` stays well inside the default
// 10-minute package timeout. Tests that measure wall time (timeouts,
// shutdown, concurrency limits) or change the environment stay sequential:
// they all finish before any parallel test resumes.
