package emulator

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/s3control"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// batchEnv runs S3 Batch Operations jobs (s3control.Env): a job acts as a
// session of its role that batchoperations.s3.amazonaws.com assumed, and
// calls S3 and Lambda through the SDK in-process, so each of its calls is
// verified, authorized, logged and recorded like any other.
type batchEnv struct{ e *Emulator }

// JobConfig assumes the job's role as the Batch Operations service
// principal, with aws:SourceAccount and aws:SourceArn naming the job. The
// trust policy's decision goes to the decision trail, so a job that fails
// on its role's trust is explained there. The credentials are assumed
// again before they expire.
func (b batchEnv) JobConfig(ctx context.Context, job *s3control.Job) (aws.Config, error) {
	e := b.e
	keys := map[string][]string{"aws:SourceAccount": {job.Account}, "aws:SourceArn": {job.ARN}}
	call := &service.Call{
		RequestID: newRequestID(), Service: "sts", Operation: "AssumeRole", Region: job.Region, Time: e.opts.Now(),
		Caller: &service.Caller{Principal: policy.Principal{Type: policy.PrincipalService, ARN: s3control.ServicePrincipal, Service: s3control.ServicePrincipal}},
		Authz:  e.authz, Trail: e, Log: e.log,
	}
	cctx := service.WithCall(ctx, call)
	chk := service.Check{Action: "sts:AssumeRole", Resource: job.RoleARN, Context: keys}
	acct, name, ok := strings.Cut(strings.TrimPrefix(job.RoleARN, "arn:aws:iam::"), ":role/")
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	role, found := e.iam.Role(acct, name)
	if !ok || !found || role.ARN != job.RoleARN {
		service.RecordMissing(cctx, chk, "no role "+job.RoleARN+" for the Batch Operations job "+job.ARN)
		return aws.Config{}, awserr.AccessDenied("%s is not authorized to perform: sts:AssumeRole on resource: %s", s3control.ServicePrincipal, job.RoleARN)
	}
	chk.ResourceAccount = role.Account
	chk.ResourcePolicy = &policy.Named{Name: "trust policy of " + role.ARN, Policy: e.iam.TrustPolicy(role)}
	if err := service.Authorize(cctx, chk); err != nil {
		return aws.Config{}, err
	}
	session := "s3-batch-operations-" + job.ID
	if len(session) > 64 {
		session = session[:64]
	}
	assume := aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		sess, err := e.sts.AssumeRoleForServiceWith(ctx, job.RoleARN, s3control.ServicePrincipal, session, 3600, keys)
		if err != nil {
			return aws.Credentials{}, err
		}
		return aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: sess.SessionToken,
			CanExpire: true, Expires: sess.Expires, Source: "S3BatchOperations"}, nil
	})
	if _, err := assume.Retrieve(ctx); err != nil {
		return aws.Config{}, err
	}
	return aws.Config{
		Region: job.Region,
		Credentials: aws.NewCredentialsCache(assume, func(o *aws.CredentialsCacheOptions) {
			o.ExpiryWindow = 5 * time.Minute
		}),
		HTTPClient:   &http.Client{Transport: inProcess{e}},
		BaseEndpoint: aws.String("http://xacct.internal"),
	}, nil
}
