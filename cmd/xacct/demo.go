package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/xacct/xacct/crossaccount"
	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulator/expect"
	"github.com/xacct/xacct/internal/check"
)

const (
	demoHome      = "111111111111"
	demoTarget    = "222222222222"
	demoExecRole  = "xacct-s3-copy-execution"
	demoCrossRole = "xacct-cross-account"
	demoFunction  = "xacct-s3-copy"
	demoSource    = "xacct-demo-source"
	demoDest      = "xacct-demo-target"
	demoExtID     = "xacct-demo-external-id"
	demoAlarm     = "xacct-s3-copy-errors"
)

// demo runs the seeds' scenario on an embedded emulator: the project's
// templates deployed through CloudFormation, the real s3-copy binary run by
// Lambda, and the alarm the article closes with.
type demo struct {
	out    io.Writer
	url    string
	emu    *emulator.Emulator
	ctx    context.Context
	steps  int
	offset atomic.Int64 // the emulator's clock runs this far ahead
	// targetKey and sourceKey are the ARNs of the buckets' KMS keys.
	targetKey, sourceKey string
}

func runDemo(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	dir := fs.String("dir", "", "the xacct source tree (default: found from the working directory)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: xacct demo

Runs the whole system on an embedded emulator (no AWS account needed):
deploys deploy/target.yaml and deploy/home.yaml through CloudFormation,
builds and runs the s3-copy function in Lambda, copies objects across
accounts, shows the logs and metrics, breaks each of the three setup steps
in turn and shows the AccessDenied and which step is missing — and the
fourth, the KMS keys of the SSE-KMS buckets — then shows
the Errors alarm firing and its email in the SNS outbox. Run it from the
xacct source tree (it builds the functions with the Go toolchain).`)
		fs.PrintDefaults()
	}
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	root := *dir
	if root == "" {
		var err error
		if root, err = projectRoot(); err != nil {
			return err
		}
	}
	d := &demo{out: m.Stdout, ctx: ctx}
	emu, err := emulator.New(emulator.WithClock(func() time.Time { return time.Now().Add(time.Duration(d.offset.Load())) }))
	if err != nil {
		return err
	}
	defer emu.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(expect.Listener(ln))
	defer srv.Close()
	d.url, d.emu = "http://"+ln.Addr().String(), emu
	emu.SetEndpoint(d.url)
	return d.run(root)
}

// projectRoot finds the xacct checkout above the working directory.
func projectRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/xacct/xacct\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("xacct demo builds the functions from source: run it inside the xacct checkout, or pass --dir")
		}
		dir = parent
	}
}

func (d *demo) root(acct string) aws.Config { return emulatorConfig(d.url, acct, "us-east-1") }

func (d *demo) section(title string) {
	d.steps++
	fmt.Fprintf(d.out, "\n== %d. %s\n", d.steps, title)
}

func (d *demo) say(format string, args ...any) { fmt.Fprintf(d.out, "   "+format+"\n", args...) }

func (d *demo) run(root string) error {
	fmt.Fprintf(d.out, "xacct demo: a Lambda function in account %s copies objects to account %s\n", demoHome, demoTarget)
	fmt.Fprintf(d.out, "(embedded emulator at %s; every request is signed and authorized as AWS would)\n", d.url)

	d.section("Deploy the templates through CloudFormation (functions built from cmd/)")
	up := upConfig{dir: root, region: "us-east-1", home: demoHome, target: demoTarget, sourceBucket: demoSource, targetBucket: demoDest,
		email: "ops@example.com", externalID: demoExtID, homeStack: "xacct-home", targetStack: "xacct-target", kms: true}
	quiet := &Main{Stdout: io.Discard, Stderr: io.Discard}
	start := time.Now()
	home, target, err := up.deploy(d.ctx, quiet, d.url)
	if err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	d.say("stack xacct-target (account %s): %s, role %s", demoTarget, target.Status, target.Outputs["CrossAccountRoleArn"])
	d.say("stack xacct-home   (account %s): %s, function %s, topic %s", demoHome, home.Status, home.Outputs["CopyFunctionName"], home.Outputs["AlertTopicArn"])
	d.say("(%.1fs, including go build of both functions)", time.Since(start).Seconds())
	d.targetKey, d.sourceKey = target.Outputs["TargetKeyArn"], home.Outputs["SourceKeyArn"]
	d.say("both buckets encrypt with SSE-KMS (EncryptWithKMS=true): source key %s, target key %s", d.sourceKey, d.targetKey)
	if err := d.confirmEmail(home.Outputs["AlertTopicArn"]); err != nil {
		return err
	}

	d.section("Fill the source bucket and invoke the copy function")
	files := map[string]string{
		"2026/11/summary.csv": "region,total\napac,42\nemea,17\n",
		"2026/11/detail.json": `{"items":[1,2,3]}`,
		"2026/10/summary.csv": "region,total\napac,40\n",
		"readme.txt":          "copied by xacct\n",
	}
	hs := s3.NewFromConfig(d.root(demoHome))
	for k, v := range files {
		if _, err := hs.PutObject(d.ctx, &s3.PutObjectInput{Bucket: aws.String(demoSource), Key: aws.String(k), Body: strings.NewReader(v)}); err != nil {
			return err
		}
	}
	d.say("s3://%s holds %d objects", demoSource, len(files))
	res, logs, err := d.invoke()
	if err != nil {
		return err
	}
	d.say("result: %s", res)
	if err := d.listTarget(); err != nil {
		return err
	}
	if h, err := s3.NewFromConfig(d.root(demoTarget)).HeadObject(d.ctx, &s3.HeadObjectInput{Bucket: aws.String(demoDest), Key: aws.String("readme.txt")}); err == nil {
		d.say("readme.txt is stored encrypted: %s with %s (bucket key: %t)", h.ServerSideEncryption, aws.ToString(h.SSEKMSKeyId), aws.ToBool(h.BucketKeyEnabled))
	}
	d.say("the function's log lines (JSON, with the request id):")
	for _, l := range logs {
		d.say("  %s", l)
	}
	res, _, err = d.invoke()
	if err != nil {
		return err
	}
	d.say("invoked again: %s (idempotent)", res)

	if err := d.breakSteps(); err != nil {
		return err
	}
	if err := d.alarm(); err != nil {
		return err
	}
	if err := d.check(root); err != nil {
		return err
	}
	fmt.Fprintln(d.out, "\nNext: `xacct serve` runs this emulator for the aws CLI, boto3 and the SDKs (AWS_ENDPOINT_URL);")
	fmt.Fprintln(d.out, "`xacct up` deploys the templates into it; `xacct check deploy/*.yaml` checks them before you deploy.")
	return nil
}

// confirmEmail follows the link in the subscription's confirmation email,
// as the recipient would.
func (d *demo) confirmEmail(topic string) error {
	msgs, err := d.emu.Outbox()
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Token == "" {
			continue
		}
		if _, err := sns.NewFromConfig(d.root(demoHome)).ConfirmSubscription(d.ctx, &sns.ConfirmSubscriptionInput{TopicArn: aws.String(topic), Token: aws.String(m.Token)}); err != nil {
			return err
		}
		d.say("email subscription %s confirmed from its confirmation email", m.To)
	}
	return nil
}

// invoke runs the deployed function and returns its result and the log
// lines of the invocation without the platform lines.
func (d *demo) invoke() (string, []string, error) {
	out, err := lambda.NewFromConfig(d.root(demoHome)).Invoke(d.ctx, &lambda.InvokeInput{FunctionName: aws.String(demoFunction), Payload: []byte(`{}`), LogType: lambdatypes.LogTypeTail})
	if err != nil {
		return "", nil, err
	}
	tail, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(tail)), "\n") {
		if strings.HasPrefix(l, "{") && !strings.Contains(l, `"type":"platform.`) {
			lines = append(lines, l)
		}
	}
	if aws.ToString(out.FunctionError) != "" {
		var e struct{ ErrorMessage string }
		json.Unmarshal(out.Payload, &e)
		return "", lines, &functionError{msg: e.ErrorMessage, logs: lines}
	}
	return string(out.Payload), lines, nil
}

type functionError struct {
	msg  string
	logs []string
}

func (e *functionError) Error() string { return e.msg }

func (d *demo) listTarget() error {
	out, err := s3.NewFromConfig(d.root(demoTarget)).ListObjectsV2(d.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(demoDest)})
	if err != nil {
		return err
	}
	d.say("now in s3://%s (account %s):", demoDest, demoTarget)
	for _, o := range out.Contents {
		d.say("  %-24s %4d bytes  %s", aws.ToString(o.Key), aws.ToInt64(o.Size), aws.ToString(o.ETag))
	}
	return nil
}

// coldStart updates the function's description, so Lambda starts a new
// execution environment: a warm one keeps the session it cached, and IAM
// changes do not revoke sessions already issued.
func (d *demo) coldStart(why string) {
	lambda.NewFromConfig(d.root(demoHome)).UpdateFunctionConfiguration(d.ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String(demoFunction), Description: aws.String("xacct demo: " + why)})
}

// expectDenied invokes the function in a new execution environment and
// shows why it failed: the error and the explanation the function logged.
func (d *demo) expectDenied(why string) {
	d.coldStart(why)
	_, _, err := d.invoke()
	var fe *functionError
	if !errors.As(err, &fe) {
		d.say("!! expected the copy to fail with AccessDenied; got %v", err)
		return
	}
	msg := fe.msg
	if i := strings.Index(msg, "api error "); i >= 0 {
		msg = msg[i+len("api error "):]
	}
	d.say("the function failed: %s", msg)
	for _, l := range fe.logs {
		var rec struct{ Message, Error string }
		json.Unmarshal([]byte(l), &rec)
		if strings.Contains(rec.Message, "step") || strings.Contains(rec.Message, "emulator") {
			for _, line := range strings.Split(strings.TrimSpace(rec.Message), "\n") {
				d.say("  | %s", line)
			}
		}
	}
}

func (d *demo) rolePolicy(acct, role, name string) (string, error) {
	out, err := iam.NewFromConfig(d.root(acct)).GetRolePolicy(d.ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(name)})
	if err != nil {
		return "", err
	}
	return url.QueryUnescape(aws.ToString(out.PolicyDocument))
}

// breakSteps removes each piece of configuration in turn and restores it.
func (d *demo) breakSteps() error {
	hi := iam.NewFromConfig(d.root(demoHome))
	ti := iam.NewFromConfig(d.root(demoTarget))
	lc := lambda.NewFromConfig(d.root(demoHome))

	d.section("Break step 1: the execution role loses its sts:AssumeRole statement")
	orig, err := d.rolePolicy(demoHome, demoExecRole, "assume-target-role")
	if err != nil {
		return err
	}
	var doc struct {
		Version   string
		Statement []map[string]any
	}
	json.Unmarshal([]byte(orig), &doc)
	var kept []map[string]any
	for _, s := range doc.Statement {
		if s["Sid"] != "AssumeExactTargetRole" {
			kept = append(kept, s)
		}
	}
	doc.Statement = kept
	broken, _ := json.Marshal(doc)
	hi.PutRolePolicy(d.ctx, &iam.PutRolePolicyInput{RoleName: aws.String(demoExecRole), PolicyName: aws.String("assume-target-role"), PolicyDocument: aws.String(string(broken))})
	d.say("(a warm function keeps the session it cached, and IAM changes do not revoke issued sessions;")
	d.say(" the demo updates the function's configuration so that Lambda starts a new environment)")
	d.expectDenied("step 1 removed")
	hi.PutRolePolicy(d.ctx, &iam.PutRolePolicyInput{RoleName: aws.String(demoExecRole), PolicyName: aws.String("assume-target-role"), PolicyDocument: aws.String(orig)})

	d.section("Break step 2: the target role's trust policy names another role")
	role, err := ti.GetRole(d.ctx, &iam.GetRoleInput{RoleName: aws.String(demoCrossRole)})
	if err != nil {
		return err
	}
	trust, _ := url.QueryUnescape(aws.ToString(role.Role.AssumeRolePolicyDocument))
	wrong := strings.ReplaceAll(trust, "role/"+demoExecRole, "role/some-other-role")
	ti.UpdateAssumeRolePolicy(d.ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(demoCrossRole), PolicyDocument: aws.String(wrong)})
	d.expectDenied("step 2 removed")
	ti.UpdateAssumeRolePolicy(d.ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(demoCrossRole), PolicyDocument: aws.String(trust)})

	d.section("Break step 3: the function calls AssumeRole without the required sts:ExternalId")
	cfg, err := lc.GetFunctionConfiguration(d.ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(demoFunction)})
	if err != nil {
		return err
	}
	env := map[string]string{}
	for k, v := range cfg.Environment.Variables {
		if k != "EXTERNAL_ID" {
			env[k] = v
		}
	}
	lc.UpdateFunctionConfiguration(d.ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(demoFunction), Environment: &lambdatypes.Environment{Variables: env}})
	d.expectDenied("step 3 removed")
	lc.UpdateFunctionConfiguration(d.ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(demoFunction), Environment: &lambdatypes.Environment{Variables: cfg.Environment.Variables}})

	d.section("And the bucket policy: without it the assumed role cannot list the home bucket")
	hs := s3.NewFromConfig(d.root(demoHome))
	pol, err := hs.GetBucketPolicy(d.ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(demoSource)})
	if err != nil {
		return err
	}
	hs.DeleteBucketPolicy(d.ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(demoSource)})
	d.expectDenied("bucket policy removed")
	d.say("(S3 tells a caller from another account no more than that, as AWS does; the same request")
	d.say(" made by the demo as the assumed role gets the emulator's diagnosis:)")
	d.say("  %s", d.diagnoseList())
	if _, err := hs.PutBucketPolicy(d.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(demoSource), Policy: pol.Policy}); err != nil {
		return err
	}

	if err := d.breakKeys(); err != nil {
		return err
	}

	d.section("Everything restored")
	d.coldStart("restored")
	res, _, err := d.invoke()
	if err != nil {
		return fmt.Errorf("the restored setup still fails: %w", err)
	}
	d.say("result: %s", res)
	return nil
}

// breakKeys is step 4: with SSE-KMS buckets, S3 calls KMS for the copy's
// role (kms:Decrypt on the source key, kms:GenerateDataKey on the target
// key), so both keys' policies and, across accounts, the role's own
// policy must allow it.
func (d *demo) breakKeys() error {
	hs := s3.NewFromConfig(d.root(demoHome))
	if _, err := hs.PutObject(d.ctx, &s3.PutObjectInput{Bucket: aws.String(demoSource), Key: aws.String("2026/12/summary.csv"), Body: strings.NewReader("region,total\napac,44\n")}); err != nil {
		return err
	}
	d.say("")
	d.say("a new object arrives: s3://%s/2026/12/summary.csv (encrypted with the source key by the bucket's default)", demoSource)

	d.section("Break step 4: the target key's policy no longer names the role")
	kc := kms.NewFromConfig(d.root(demoTarget))
	kp, err := kc.GetKeyPolicy(d.ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(d.targetKey), PolicyName: aws.String("default")})
	if err != nil {
		return err
	}
	var doc struct {
		Version   string
		Statement []map[string]any
	}
	json.Unmarshal([]byte(aws.ToString(kp.Policy)), &doc)
	var kept []map[string]any
	for _, s := range doc.Statement {
		if s["Sid"] != "CrossAccountRoleWritesThroughS3" {
			kept = append(kept, s)
		}
	}
	doc.Statement = kept
	broken, _ := json.Marshal(doc)
	if _, err := kc.PutKeyPolicy(d.ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(d.targetKey), PolicyName: aws.String("default"), Policy: aws.String(string(broken))}); err != nil {
		return err
	}
	d.say("(statement CrossAccountRoleWritesThroughS3 removed; the role still may s3:PutObject, but S3 asks KMS")
	d.say(" for a data key as the role, and KMS refuses)")
	d.expectDenied("step 4: target key policy")
	if _, err := kc.PutKeyPolicy(d.ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(d.targetKey), PolicyName: aws.String("default"), Policy: kp.Policy}); err != nil {
		return err
	}

	d.section("Break step 4 across accounts: the role loses kms:Decrypt on the source key")
	ti := iam.NewFromConfig(d.root(demoTarget))
	orig, err := d.rolePolicy(demoTarget, demoCrossRole, "decrypt-source-key")
	if err != nil {
		return err
	}
	if _, err := ti.DeleteRolePolicy(d.ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(demoCrossRole), PolicyName: aws.String("decrypt-source-key")}); err != nil {
		return err
	}
	d.say("(the source key's policy still names the role, but across accounts its own policy must allow it too)")
	d.expectDenied("step 4: the role's kms:Decrypt")
	_, err = ti.PutRolePolicy(d.ctx, &iam.PutRolePolicyInput{RoleName: aws.String(demoCrossRole), PolicyName: aws.String("decrypt-source-key"), PolicyDocument: aws.String(orig)})
	return err
}

// alarm moves the emulator's clock past the minute of the failures, so
// CloudWatch evaluates the Errors alarm, and shows the email SNS wrote.
func (d *demo) alarm() error {
	d.section("The Errors alarm fired; SNS emailed the topic's subscriber")
	d.offset.Add(int64(time.Minute))
	cw := d.emu.CloudWatch()
	cw.Tick(d.ctx, time.Now().Add(time.Duration(d.offset.Load())))
	c := cloudwatch.NewFromConfig(d.root(demoHome))
	now := time.Now().Add(time.Duration(d.offset.Load()))
	for _, metric := range []string{"Invocations", "Errors"} {
		st, err := c.GetMetricStatistics(d.ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("AWS/Lambda"), MetricName: aws.String(metric),
			Dimensions: []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String(demoFunction)}},
			StartTime:  aws.Time(now.Add(-10 * time.Minute)), EndTime: aws.Time(now), Period: aws.Int32(600), Statistics: []cwtypes.Statistic{cwtypes.StatisticSum}})
		if err != nil {
			return err
		}
		sum := 0.0
		for _, p := range st.Datapoints {
			sum += aws.ToFloat64(p.Sum)
		}
		d.say("AWS/Lambda %-11s FunctionName=%s  Sum=%g", metric, demoFunction, sum)
	}
	a, err := c.DescribeAlarms(d.ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{demoAlarm}})
	if err != nil || len(a.MetricAlarms) != 1 {
		return fmt.Errorf("alarm %s: %v", demoAlarm, err)
	}
	d.say("alarm %s is %s: %s", demoAlarm, a.MetricAlarms[0].StateValue, aws.ToString(a.MetricAlarms[0].StateReason))
	msgs, err := d.emu.Outbox()
	if err != nil {
		return err
	}
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].Path < msgs[j].Path })
	for _, m := range msgs {
		if m.Type != "Notification" {
			continue
		}
		d.say("outbox: %s", filepath.Base(m.Path))
		d.say("  To: %s", m.To)
		d.say("  Subject: %s", m.Subject)
		lines := strings.Split(strings.TrimSpace(m.Body), "\n")
		for i, l := range lines {
			if i == 6 {
				d.say("  | ...")
				break
			}
			d.say("  | %s", l)
		}
	}
	return nil
}

// diagnoseList lists the source bucket as the function would, through the
// cross-account role, and returns the emulator's explanation of the
// refusal (the X-Xacct-Explain header).
func (d *demo) diagnoseList() string {
	exec := fmt.Sprintf("arn:aws:iam::%s:role/%s", demoHome, demoExecRole)
	sess, err := d.emu.STS().AssumeRoleForService(d.ctx, exec, "lambda.amazonaws.com", demoFunction, 900)
	if err != nil {
		return err.Error()
	}
	base := d.root(demoHome)
	base.Credentials = credentials.NewStaticCredentialsProvider(sess.AccessKeyID, sess.SecretAccessKey, sess.SessionToken)
	a := crossaccount.New(base, func(o *crossaccount.Options) { o.ExternalID = demoExtID })
	cfg, err := a.ConfigForRole(d.ctx, fmt.Sprintf("arn:aws:iam::%s:role/%s", demoTarget, demoCrossRole))
	if err != nil {
		return err.Error()
	}
	_, err = s3.NewFromConfig(cfg).ListObjectsV2(d.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(demoSource)})
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		if why := re.Response.Header.Get("X-Xacct-Explain"); why != "" {
			return why
		}
	}
	if err != nil {
		return err.Error()
	}
	return "the request was allowed"
}

// check runs `xacct check` on the templates, then on a copy whose trust
// policy pins another role: the mistake found before any deployment.
func (d *demo) check(root string) error {
	d.section("Before deploying: xacct check finds the same mistakes statically")
	params := map[string]string{"SourceBucketName": demoSource, "TargetBucketName": demoDest, "NotificationEmail": "ops@example.com", "ExternalId": demoExtID, "EncryptWithKMS": "true"}
	files := []string{filepath.Join(root, "deploy", "target.yaml"), filepath.Join(root, "deploy", "home.yaml")}
	rep, err := check.Run(files, check.Options{Params: params})
	if err != nil {
		return err
	}
	d.say("xacct check deploy/target.yaml deploy/home.yaml: %d functions, %d errors, %d warnings", rep.Summary.Functions, rep.Summary.Errors, rep.Summary.Warnings)
	body, err := os.ReadFile(files[0])
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "xacct-demo-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	broken := filepath.Join(dir, "target.yaml")
	os.WriteFile(broken, []byte(strings.ReplaceAll(string(body), "role/${CopyExecutionRoleName}", "role/some-other-role")), 0o644)
	rep, err = check.Run([]string{broken, files[1]}, check.Options{Params: params})
	if err != nil {
		return err
	}
	d.say("with the trust policy naming another role:")
	for _, f := range rep.Findings {
		if f.Severity == check.Error {
			d.say("  %s %s: %s", f.Severity, f.Function, firstLine(f.Message))
		}
	}
	hbody, err := os.ReadFile(files[1])
	if err != nil {
		return err
	}
	brokenHome := filepath.Join(dir, "home.yaml")
	os.WriteFile(brokenHome, []byte(strings.Replace(string(hbody), "role/${CrossAccountRoleName}\n            Action: kms:Decrypt", "role/some-other-role\n            Action: kms:Decrypt", 1)), 0o644)
	rep, err = check.Run([]string{files[0], brokenHome}, check.Options{Params: params})
	if err != nil {
		return err
	}
	d.say("with the source key's policy naming another role:")
	for _, f := range rep.Findings {
		if f.Severity == check.Error {
			d.say("  %s %s: %s", f.Severity, f.Function, firstLine(f.Message))
		}
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
