package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/xacct/xacct/crossaccount"
	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/functions/copyfunc"
	"github.com/xacct/xacct/internal/lambdalog"
)

const (
	demoHome      = "111111111111"
	demoTarget    = "222222222222"
	demoExecRole  = "xacct-s3-copy-execution"
	demoCrossRole = "xacct-cross-account"
	demoSource    = "xacct-demo-source"
	demoDest      = "xacct-demo-target"
	demoExtID     = "xacct-demo-external-id"
)

// demo runs the seeds' scenario on an embedded emulator.
type demo struct {
	out   io.Writer
	url   string
	emu   *emulator.Emulator
	ctx   context.Context
	steps int
	// explained is set once the full three-step explanation was shown.
	explained bool
}

func runDemo(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, "usage: xacct demo\n\nRuns the cross-account S3 copy of the seeds end to end on an embedded emulator\n(no AWS account needed), then breaks each of the three setup steps in turn and\nshows the AccessDenied and its explanation.")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	emu, err := emulator.New()
	if err != nil {
		return err
	}
	defer emu.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	d := &demo{out: m.Stdout, url: "http://" + ln.Addr().String(), emu: emu, ctx: ctx}
	return d.run()
}

func (d *demo) cfg(c aws.Credentials) aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.StaticCredentialsProvider{Value: c}, BaseEndpoint: aws.String(d.url), RetryMaxAttempts: 1}
}

func (d *demo) root(acct string) aws.Config {
	return d.cfg(aws.Credentials{AccessKeyID: acct, SecretAccessKey: emulator.RootSecret})
}

func (d *demo) section(title string) {
	d.steps++
	fmt.Fprintf(d.out, "\n== %d. %s\n", d.steps, title)
}

func (d *demo) say(format string, args ...any) { fmt.Fprintf(d.out, "   "+format+"\n", args...) }

func (d *demo) run() error {
	fmt.Fprintf(d.out, "xacct demo: a Lambda function in account %s copies objects to account %s\n", demoHome, demoTarget)
	fmt.Fprintf(d.out, "(embedded emulator at %s; every request is signed and authorized as AWS would)\n", d.url)
	if err := d.setup(); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	d.section("Invoke the s3-copy function with its execution role's credentials")
	sum, err := d.invokeCopy()
	if err != nil {
		return fmt.Errorf("the copy failed: %w", err)
	}
	d.say("summary: copied %d, skipped %d, failed %d, %d bytes", sum.Copied, sum.Skipped, sum.Failed, sum.Bytes)
	if err := d.listTarget(); err != nil {
		return err
	}
	sum, err = d.invokeCopy()
	if err != nil {
		return err
	}
	d.say("run again: copied %d, skipped %d (idempotent)", sum.Copied, sum.Skipped)
	return d.breakSteps()
}

// setup creates what deploy/target.yaml and deploy/home.yaml describe.
func (d *demo) setup() error {
	ctx := d.ctx
	d.section(fmt.Sprintf("Target account %s: the cross-account role and the target bucket", demoTarget))
	ti := iam.NewFromConfig(d.root(demoTarget))
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"TrustHomeExecutionRole","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::%s:role/%s"},"StringEquals":{"sts:ExternalId":"%s"}}}]}`,
		demoHome, demoHome, demoExecRole, demoExtID)
	if _, err := ti.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(demoCrossRole), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		return err
	}
	perms := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:s3:::%[1]s","arn:aws:s3:::%[2]s"]},{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::%[1]s/*"},{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:PutObjectAcl"],"Resource":"arn:aws:s3:::%[2]s/*"}]}`, demoSource, demoDest)
	if _, err := ti.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(demoCrossRole), PolicyName: aws.String("copy-source-to-target"), PolicyDocument: aws.String(perms)}); err != nil {
		return err
	}
	d.say("role %s trusts only arn:aws:iam::%s:role/%s, with sts:ExternalId", demoCrossRole, demoHome, demoExecRole)
	if _, err := s3.NewFromConfig(d.root(demoTarget)).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(demoDest)}); err != nil {
		return err
	}
	d.say("bucket %s (object ownership: BucketOwnerEnforced)", demoDest)

	d.section(fmt.Sprintf("Home account %s: the execution role, the source bucket and its policy", demoHome))
	hi := iam.NewFromConfig(d.root(demoHome))
	if _, err := hi.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(demoExecRole),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		return err
	}
	if err := d.grantAssume(true); err != nil {
		return err
	}
	d.say("role %s may call sts:AssumeRole on arn:aws:iam::%s:role/%s only", demoExecRole, demoTarget, demoCrossRole)
	hs := s3.NewFromConfig(d.root(demoHome))
	if _, err := hs.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(demoSource)}); err != nil {
		return err
	}
	if err := d.sourcePolicy(true); err != nil {
		return err
	}
	files := map[string]string{
		"reports/2026/11/summary.csv": "region,total\napac,42\nemea,17\n",
		"reports/2026/11/detail.json": `{"items":[1,2,3]}`,
		"reports/2026/10/summary.csv": "region,total\napac,40\n",
		"reports/readme.txt":          "copied by xacct\n",
		"internal/not-copied.txt":     "outside the prefix\n",
	}
	for k, v := range files {
		if _, err := hs.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(demoSource), Key: aws.String(k), Body: strings.NewReader(v)}); err != nil {
			return err
		}
	}
	d.say("bucket %s with %d objects; its policy lets the target role read it", demoSource, len(files))
	return nil
}

func (d *demo) grantAssume(on bool) error {
	hi := iam.NewFromConfig(d.root(demoHome))
	if !on {
		_, err := hi.DeleteRolePolicy(d.ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(demoExecRole), PolicyName: aws.String("assume-target-role")})
		return err
	}
	doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":{"Sid":"AssumeExactTargetRole","Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::%s:role/%s"}}`, demoTarget, demoCrossRole)
	_, err := hi.PutRolePolicy(d.ctx, &iam.PutRolePolicyInput{RoleName: aws.String(demoExecRole), PolicyName: aws.String("assume-target-role"), PolicyDocument: aws.String(doc)})
	return err
}

func (d *demo) sourcePolicy(on bool) error {
	hs := s3.NewFromConfig(d.root(demoHome))
	if !on {
		_, err := hs.DeleteBucketPolicy(d.ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(demoSource)})
		return err
	}
	pol := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"AllowTargetRoleRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:role/%s"},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::%[3]s","arn:aws:s3:::%[3]s/*"]}]}`, demoTarget, demoCrossRole, demoSource)
	_, err := hs.PutBucketPolicy(d.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(demoSource), Policy: aws.String(pol)})
	return err
}

// invokeCopy runs the s3-copy handler with the credentials Lambda gives
// the function: a session of its execution role, issued to
// lambda.amazonaws.com.
func (d *demo) invokeCopy(optFns ...func(*copyfunc.Config)) (copyfunc.Result, error) {
	sess, err := d.emu.STS().AssumeRoleForService(d.ctx, fmt.Sprintf("arn:aws:iam::%s:role/%s", demoHome, demoExecRole), "lambda.amazonaws.com", "xacct-s3-copy", 900)
	if err != nil {
		return copyfunc.Result{}, err
	}
	base := d.cfg(aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: sess.SessionToken, CanExpire: true, Expires: sess.Expires})
	c := copyfunc.Config{
		SourceBucket: demoSource, Prefix: "reports/", TargetBucket: demoDest,
		RoleARN: fmt.Sprintf("arn:aws:iam::%s:role/%s", demoTarget, demoCrossRole), ExternalID: demoExtID,
		Concurrency: 8, ACL: "bucket-owner-full-control",
	}
	for _, f := range optFns {
		f(&c)
	}
	h := copyfunc.New(base, c, slog.New(slog.DiscardHandler))
	h.Log = lambdalog.NewWithLevel(io.Discard, slog.LevelInfo)
	return h.CopyPrefix(d.ctx, "")
}

func (d *demo) listTarget() error {
	out, err := s3.NewFromConfig(d.root(demoTarget)).ListObjectsV2(d.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(demoDest)})
	if err != nil {
		return err
	}
	d.say("now in s3://%s:", demoDest)
	for _, o := range out.Contents {
		d.say("  %-32s %5d bytes  %s", aws.ToString(o.Key), aws.ToInt64(o.Size), aws.ToString(o.ETag))
	}
	return nil
}

func (d *demo) expectDenied(err error) {
	if err == nil {
		d.say("!! expected AccessDenied, the copy succeeded")
		return
	}
	var ce *crossaccount.Error
	if errors.As(err, &ce) && crossaccount.IsAccessDenied(err) {
		if !d.explained {
			// The library's explanation, once: the three steps.
			d.explained = true
			for _, line := range strings.Split(crossaccount.Explain(err), "\n") {
				d.say("%s", line)
			}
			return
		}
		d.say("AccessDenied: User: %s is not authorized to perform: sts:AssumeRole on resource: %s", ce.CallerARN, ce.RoleARN)
		d.say("the emulator says: %s", ce.Diagnosis)
		return
	}
	msg := err.Error()
	if i := strings.Index(msg, "api error "); i >= 0 {
		msg = msg[i+len("api error "):]
	}
	d.say("%s", firstLine(msg))
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		if why := re.Response.Header.Get("X-Xacct-Explain"); why != "" {
			d.say("  the emulator says: %s", why)
		}
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// breakSteps removes each piece of configuration in turn.
func (d *demo) breakSteps() error {
	d.section("Break step 1: remove sts:AssumeRole from the execution role")
	d.grantAssume(false)
	_, err := d.invokeCopy()
	d.expectDenied(err)
	d.grantAssume(true)

	d.section("Break step 2: the target role's trust policy names another role")
	ti := iam.NewFromConfig(d.root(demoTarget))
	role, _ := ti.GetRole(d.ctx, &iam.GetRoleInput{RoleName: aws.String(demoCrossRole)})
	wrong := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::%s:role/some-other-role"}}}]}`, demoHome, demoHome)
	ti.UpdateAssumeRolePolicy(d.ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(demoCrossRole), PolicyDocument: aws.String(wrong)})
	_, err = d.invokeCopy()
	d.expectDenied(err)
	original := decodeURL(aws.ToString(role.Role.AssumeRolePolicyDocument))
	ti.UpdateAssumeRolePolicy(d.ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(demoCrossRole), PolicyDocument: aws.String(original)})

	d.section("Break step 3: the call omits the sts:ExternalId the trust policy requires")
	_, err = d.invokeCopy(func(c *copyfunc.Config) { c.ExternalID = "" })
	d.expectDenied(err)

	d.section("And the bucket policy: without it the assumed role cannot read the home bucket")
	d.sourcePolicy(false)
	_, err = d.invokeCopy()
	d.expectDenied(err)
	d.sourcePolicy(true)

	d.section("Everything restored")
	sum, err := d.invokeCopy()
	if err != nil {
		return err
	}
	d.say("copied %d, skipped %d: the setup works again", sum.Copied, sum.Skipped)
	who, err := sts.NewFromConfig(d.root(demoHome)).GetCallerIdentity(d.ctx, &sts.GetCallerIdentityInput{})
	if err == nil {
		d.say("(home root is %s)", aws.ToString(who.Arn))
	}
	fmt.Fprintln(d.out, "\nNext: `xacct serve` runs this emulator for the aws CLI, boto3 and the SDKs (AWS_ENDPOINT_URL).")
	return nil
}

func decodeURL(s string) string {
	if u, err := urlUnescape(s); err == nil {
		return u
	}
	return s
}

var urlUnescape = url.QueryUnescape
