package emulator

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/xacct/xacct/emulator/service"
)

// inProcess is an http.RoundTripper that serves requests with the
// emulator itself, without a listener: services that act for a caller
// (CloudFormation creating a stack's resources) call the other services
// through the real SDK, signed with the caller's credentials, so each call
// is verified and authorized like any other.
type inProcess struct{ e *Emulator }

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	sr := req.Clone(req.Context())
	if sr.Host == "" {
		sr.Host = req.URL.Host
	}
	sr.RemoteAddr = "127.0.0.1:0"
	sr.RequestURI = req.URL.RequestURI()
	if sr.Body == nil {
		sr.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.e.ServeHTTP(rec, sr)
	res := rec.Result()
	res.Request = req
	return res, nil
}

// ClientConfig returns an aws.Config that calls this emulator in-process
// as caller, in region.
func (e *Emulator) ClientConfig(ctx context.Context, caller *service.Caller, region string) (aws.Config, error) {
	c, err := e.keys.Lookup(caller.AccessKeyID)
	if err != nil {
		return aws.Config{}, fmt.Errorf("credentials of %s: %w", caller.ARN(), err)
	}
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(caller.AccessKeyID, c.Secret, c.Token),
		HTTPClient:   &http.Client{Transport: inProcess{e}},
		BaseEndpoint: aws.String("http://xacct.internal"),
	}, nil
}

// serviceRoleCaller returns a session of roleARN issued to a service
// principal, as the caller the service acts as.
func (e *Emulator) serviceRoleCaller(ctx context.Context, roleARN, principal string) (*service.Caller, error) {
	sess, err := e.sts.AssumeRoleForService(ctx, roleARN, principal, "AWSCloudFormation", 3600)
	if err != nil {
		return nil, err
	}
	return e.keys.CallerFor(sess.AccessKeyID)
}
