package emulator

import (
	"context"
	"net/http"
	"time"

	"github.com/xacct/xacct/emulator/auth"
	"github.com/xacct/xacct/emulator/cloudformation"
	"github.com/xacct/xacct/emulator/cloudwatch"
	"github.com/xacct/xacct/emulator/iam"
	"github.com/xacct/xacct/emulator/kms"
	"github.com/xacct/xacct/emulator/lambda"
	"github.com/xacct/xacct/emulator/logs"
	"github.com/xacct/xacct/emulator/organizations"
	"github.com/xacct/xacct/emulator/s3"
	"github.com/xacct/xacct/emulator/s3control"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulator/sigv4"
	"github.com/xacct/xacct/emulator/sns"
	"github.com/xacct/xacct/emulator/sts"
	"github.com/xacct/xacct/policy"
)

// serviceEntry registers one emulated service: everything the front door
// (ServeHTTP, New, Stop, Shutdown) knows about it. Adding a service is a
// package, one entry in services, a CloudFormation provider file and docs
// (docs/architecture.md, "Adding a service").
type serviceEntry struct {
	// name is the SigV4 signing name requests for the service are signed
	// with (the credential scope's service): "monitoring" for CloudWatch,
	// not the endpoint prefix. Requests are routed by it.
	name string
	// flavor is the family of the authentication errors (bad signature,
	// unknown key, expired token, missing authentication) the service
	// answers with: S3's own, the query services' or the JSON services'.
	flavor sigv4.Flavor
	// anonymous means the service accepts unsigned requests (S3: public
	// buckets, presigned POST) and receives unsigned requests that do not
	// look like a query or JSON API call. At most one service sets it.
	anonymous bool
	// signedAs, when set, is the signing name of another service whose
	// requests this one claims when claims matches them: S3 Control's
	// requests are signed for "s3" and told apart by path and header.
	signedAs string
	claims   func(r *http.Request) bool
	// start builds the service from the emulator's options and the
	// services before it in the table (start keeps it in its Emulator
	// field, for the accessors and the services after it).
	start func(e *Emulator) (running, error)
}

// running is a built service as the front door uses it.
type running struct {
	// handler serves the requests signed for the service.
	handler service.Handler
	// public, when set, serves the unsigned requests it matches, before
	// routing and authentication: links and files AWS serves without a
	// signature (SNS's subscription confirmation and signing certificate).
	public publicRoutes
	// background, when set, is the service's own work independent of
	// requests (CloudWatch's alarm evaluation). It runs in its own
	// goroutine once every service is built, until its context ends
	// (Stop, before any stop).
	background func(ctx context.Context)
	// stop is Shutdown's first phase for the service: it starts no new
	// work, while work in flight goes on. Services stop in table order,
	// so SNS stops starting deliveries before Lambda refuses invocations.
	stop func()
	// close is the second phase: drain the work in flight until ctx is
	// done, cut off what is left (returning ctx's error) and release the
	// data directory's files. Services close in reverse table order, each
	// before the services it was built from.
	close func(ctx context.Context) error
}

// publicRoutes is a service's unsigned endpoints.
type publicRoutes interface {
	// MatchPublic reports whether r is for one of them.
	MatchPublic(r *http.Request) bool
	// ServePublic serves r, which MatchPublic matched.
	ServePublic(w http.ResponseWriter, r *http.Request)
}

// services is every service the emulator serves, in construction order:
// a service's start may use the services before it. Later services reach
// earlier-built ones at call time only through adapters built here (SNS
// invokes Lambda through snsInvoker).
var services = []serviceEntry{
	{name: "iam", flavor: sigv4.FlavorQuery, start: startIAM},
	{name: "sts", flavor: sigv4.FlavorQuery, start: startSTS},
	{name: kms.SigningName, flavor: sigv4.FlavorJSON, start: startKMS},
	{name: organizations.SigningName, flavor: sigv4.FlavorJSON, start: startOrganizations},
	{name: "s3", flavor: sigv4.FlavorS3, anonymous: true, start: startS3},
	{name: "logs", flavor: sigv4.FlavorJSON, start: startLogs},
	{name: sns.SigningName, flavor: sigv4.FlavorQuery, start: startSNS},
	{name: cloudwatch.SigningName, flavor: sigv4.FlavorQuery, start: startCloudWatch},
	{name: "lambda", flavor: sigv4.FlavorJSON, start: startLambda},
	{name: "cloudformation", flavor: sigv4.FlavorQuery, start: startCloudFormation},
	{name: "cloudtrail", flavor: sigv4.FlavorJSON, start: startCloudTrail},
	{name: "s3control", flavor: sigv4.FlavorS3, signedAs: "s3", claims: s3control.Match, start: startS3Control},
}

func startIAM(e *Emulator) (running, error) {
	var err error
	e.iam, err = iam.New(iam.Options{Now: e.opts.Now, DataDir: e.opts.DataDir, SCPs: e.orgSCPs})
	if err != nil {
		return running{}, err
	}
	e.keys.Users, e.authz.Policies = e.iam, e.iam
	return running{handler: e.iam.Mux()}, nil
}

func startSTS(e *Emulator) (running, error) {
	var err error
	e.sts, err = sts.New(e.iam, sts.Options{Now: e.opts.Now, DataDir: e.opts.DataDir, Log: e.log})
	if err != nil {
		return running{}, err
	}
	e.keys.Sessions = e.sts
	return running{handler: e.sts.Mux(), close: closeFunc(e.sts.Close)}, nil
}

// startKMS builds KMS before S3, which will call it (kms.Service's
// GenerateDataKeyVia and DecryptVia) for SSE-KMS.
func startKMS(e *Emulator) (running, error) {
	var err error
	e.kms, err = kms.New(kms.Options{Now: e.opts.Now, DataDir: e.opts.DataDir, Log: e.log})
	if err != nil {
		return running{}, err
	}
	return running{handler: e.kms.Mux(), close: closeFunc(e.kms.Close)}, nil
}

func startOrganizations(e *Emulator) (running, error) {
	var err error
	e.orgs, err = organizations.New(organizations.Options{Now: e.opts.Now, DataDir: e.opts.DataDir, Log: e.log, AccessRoles: e.orgAccessRole})
	if err != nil {
		return running{}, err
	}
	e.authz.Orgs = e.orgs
	return running{handler: e.orgs.Mux(), close: closeFunc(e.orgs.Close)}, nil
}

// orgSCPs returns, for IAM's simulator, the SCPs of acct when it is a
// member account of an organization. Organizations is built after IAM: it
// is read at call time.
func (e *Emulator) orgSCPs(acct string) ([]policy.OrgLevel, bool) {
	if e.orgs == nil {
		return nil, false
	}
	oa, ok := e.orgs.OrgAccount(acct)
	if !ok || oa.Management {
		return nil, false
	}
	return oa.SCP, oa.SCP != nil
}

// orgAccessRole creates a new member account's access role as AWS
// Organizations does (AWS Organizations User Guide, "Accessing a member
// account that has a management account access role"): AdministratorAccess,
// trusting the management account. It acts in IAM as the new account.
func (e *Emulator) orgAccessRole(ctx context.Context, acct, name, mgmt string) error {
	ctx = service.WithCall(ctx, &service.Call{Service: "iam", Time: e.opts.Now(), Caller: auth.RootCaller(acct), Log: e.log})
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + mgmt + `:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := e.iam.CreateRole(ctx, &iam.CreateRoleIn{RoleName: name, AssumeRolePolicyDocument: trust}); err != nil {
		return err
	}
	_, err := e.iam.Attach(ctx, &iam.AttachIn{EntityIn: iam.EntityIn{RoleName: name}, PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess"})
	return err
}

func startS3(e *Emulator) (running, error) {
	var err error
	e.s3, err = s3.New(s3.Options{Now: e.opts.Now, DataDir: e.opts.DataDir, Log: e.log, PrincipalExists: e.iam.PrincipalExists,
		Principals: e.iam, Accounts: e.iam.Accounts, MinPartSize: e.opts.S3MinPartSize, VerifyPost: e.verifyPost, KMS: s3Keys{e.kms}})
	if err != nil {
		return running{}, err
	}
	// Lifecycle rules are applied once a minute on the emulator's clock
	// (S3 applies them once a day; expiry times are whole days).
	return running{handler: e.s3, background: func(ctx context.Context) { e.s3.Run(ctx, time.Minute) }, close: closeFunc(e.s3.Close)}, nil
}

// s3Keys is the emulated KMS as S3's SSE-KMS calls it: on the caller's
// behalf, with kms:ViaService = s3.REGION.amazonaws.com (kms.Service's
// GenerateDataKeyVia, DecryptVia and ManagedKeyVia).
type s3Keys struct{ kms *kms.Service }

func (k s3Keys) GenerateDataKey(ctx context.Context, keyRef string, ec map[string]string) (string, []byte, error) {
	dk, err := k.kms.GenerateDataKeyVia(ctx, "s3", keyRef, ec)
	if err != nil {
		return "", nil, err
	}
	return dk.KeyARN, dk.Ciphertext, nil
}

func (k s3Keys) Decrypt(ctx context.Context, blob []byte, ec map[string]string) (string, error) {
	_, arn, err := k.kms.DecryptVia(ctx, "s3", blob, ec)
	return arn, err
}

func (k s3Keys) ManagedKey(acct, region string) (string, error) {
	return k.kms.ManagedKeyVia(acct, region, "s3")
}

func startLogs(e *Emulator) (running, error) {
	var err error
	e.logs, err = logs.New(logs.Options{Now: e.opts.Now, DataDir: e.opts.DataDir, Log: e.log})
	if err != nil {
		return running{}, err
	}
	return running{handler: e.logs.Mux(), close: closeFunc(e.logs.Close)}, nil
}

func startSNS(e *Emulator) (running, error) {
	var err error
	e.sns, err = sns.New(sns.Options{
		Now: e.opts.Now, DataDir: e.opts.DataDir, BaseURL: e.Endpoint, Authorizer: e.authz, Invoker: snsInvoker{e},
		AutoConfirmEmail: e.opts.AutoConfirmEmail, Log: e.log, Principals: e.iam,
	})
	if err != nil {
		return running{}, err
	}
	return running{handler: e.sns, public: e.sns, stop: e.sns.Stop, close: e.sns.Shutdown}, nil
}

func startCloudWatch(e *Emulator) (running, error) {
	var err error
	e.cw, err = cloudwatch.New(cloudwatch.Options{Now: e.opts.Now, DataDir: e.opts.DataDir, Notifier: e.sns, Log: e.log})
	if err != nil {
		return running{}, err
	}
	interval := e.opts.AlarmInterval
	if interval <= 0 {
		interval = time.Minute
	}
	return running{
		handler:    e.cw,
		background: func(ctx context.Context) { e.cw.Run(ctx, interval) },
		close:      closeFunc(e.cw.Close),
	}, nil
}

func startLambda(e *Emulator) (running, error) {
	var err error
	e.lambda, err = lambda.New(lambda.Options{
		Now: e.opts.Now, DataDir: e.opts.DataDir, Roles: e.sts, Code: e.s3, Logs: logSink{e.logs}, Callers: e.keys, Authz: e.authz, Refusals: e.refusals.take,
		Metrics: metricSink{e.cw}, Endpoint: e.Endpoint, Log: e.log, Concurrency: e.opts.LambdaConcurrency, Principals: e.iam,
		Runtimes: e.opts.LambdaRuntimes,
	})
	if err != nil {
		return running{}, err
	}
	return running{handler: e.lambda, stop: e.lambda.Stop, close: e.lambda.Shutdown}, nil
}

func startCloudFormation(e *Emulator) (running, error) {
	var err error
	e.cfn, err = cloudformation.New(cloudformation.Options{
		Now: e.opts.Now, DataDir: e.opts.DataDir, Clients: e.ClientConfig, Log: e.log,
		ServiceRole: func(ctx context.Context, roleARN string) (*service.Caller, error) {
			return e.serviceRoleCaller(ctx, roleARN, "cloudformation.amazonaws.com")
		},
	})
	if err != nil {
		return running{}, err
	}
	// Close waits for the stack operations under way; they call the other
	// services, which close after it.
	return running{handler: e.cfn, close: closeFunc(e.cfn.Close)}, nil
}

func startS3Control(e *Emulator) (running, error) {
	var err error
	e.s3control, err = s3control.New(s3control.Options{
		Now: e.opts.Now, DataDir: e.opts.DataDir, Log: e.log, Env: batchEnv{e}, Concurrency: e.opts.BatchConcurrency,
		ActiveJobs: e.opts.BatchActiveJobs,
	})
	if err != nil {
		return running{}, err
	}
	return running{
		handler:    e.s3control,
		background: func(ctx context.Context) { e.s3control.Start(); <-ctx.Done(); e.s3control.Stop() },
		close:      closeFunc(e.s3control.Close),
	}, nil
}

// closeFunc adapts a Close method, which has nothing to drain, to
// running.close.
func closeFunc(c func() error) func(context.Context) error {
	return func(context.Context) error { return c() }
}

// verifyPost checks an S3 browser upload's signature with the emulator's
// keys, as a signed request's is checked.
func (e *Emulator) verifyPost(ctx context.Context, p s3.PostSignature) (*service.Caller, error) {
	return e.authn.VerifyPolicy(ctx, sigv4.PolicySignature{Algorithm: p.Algorithm, Credential: p.Credential, Date: p.Date,
		Signature: p.Signature, Token: p.Token, Policy: p.Policy})
}
