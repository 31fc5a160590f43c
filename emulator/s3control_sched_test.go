package emulator_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/s3control/types"

	"github.com/xacct/xacct/emulator"
	emus3control "github.com/xacct/xacct/emulator/s3control"
	"github.com/xacct/xacct/emulatortest"
	"github.com/xacct/xacct/internal/stackdeploy"
)

// holdFunction is a Batch Operations function (schema 2.0) that answers
// Succeeded once the file its userArguments name exists: a job invoking
// it stays Active until the test creates the file.
const holdFunction = `import os, time

def handler(event, context):
    path = event["job"]["userArguments"]["release"]
    while not os.path.exists(path):
        time.sleep(0.02)
    return {"invocationSchemaVersion": "2.0", "treatMissingKeysAs": "PermanentFailure",
            "invocationId": event["invocationId"],
            "results": [{"taskId": t["taskId"], "resultCode": "Succeeded", "resultString": "released"} for t in event["tasks"]]}
`

// TestBatchJobPriority: with the bound on running jobs saturated (one at
// a time here), the queued jobs run by Priority, highest first, whatever
// their creation order, and UpdateJobPriority on a queued job moves it.
// The job holding the slot is Active for the ten minutes the emulator's
// clock is moved on meanwhile, and its timer says so.
// AWS honours priorities "on a best-effort basis" and does not guarantee
// strict ordering (User Guide, "Assigning job priority"); the emulator
// documents this strict order (docs/emulator.md), which is what is tested.
func TestBatchJobPriority(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	var (
		mu    sync.Mutex
		order []string // the job role of each CopyObject, in order
	)
	clock := newStepClock()
	srv := emulatortest.New(t, emulator.WithClock(clock.Now), emulator.WithBatchActiveJobs(1), emulator.WithRequestHook(func(r emulator.RequestInfo) {
		if r.Operation == "CopyObject" && r.Status == 200 {
			if _, rest, ok := strings.Cut(r.Principal, ":assumed-role/"); ok {
				role, _, _ := strings.Cut(rest, "/")
				mu.Lock()
				order = append(order, role)
				mu.Unlock()
			}
		}
	}))
	ctx := context.Background()
	cfg := srv.Config(home)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	for _, b := range []string{"pr-src", "pr-dst"} {
		emulatortest.Must(s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}))(t)
	}
	keys := fill(t, s3c, "pr-src", "o/", 5)
	mo := emulatortest.Must(s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("pr-src"), Key: aws.String("m.csv"), Body: strings.NewReader(csvManifest("pr-src", keys))}))(t)
	manifest := &types.JobManifest{Spec: &types.JobManifestSpec{Format: types.JobManifestFormatS3BatchOperationsCsv20180820, Fields: []types.JobManifestFieldName{"Bucket", "Key"}},
		Location: &types.JobManifestLocation{ObjectArn: aws.String("arn:aws:s3:::pr-src/m.csv"), ETag: mo.ETag}}
	noReport := &types.JobReport{Enabled: false}

	// The job holding the only slot: one task, a function that waits.
	execARN := execRole(t, iam.NewFromConfig(cfg), "pr-exec", lambdaTrust, basicExecution)
	fn := emulatortest.Must(lambda.NewFromConfig(cfg).CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("pr-hold"),
		Runtime: lambdatypes.RuntimePython312, Role: aws.String(execARN), Handler: aws.String("app.handler"), Timeout: aws.Int32(300),
		Code: &lambdatypes.FunctionCode{ZipFile: zipFiles(t, map[string]string{"app.py": holdFunction})}}))(t)
	holdRole := makeRole(t, cfg, "pr-hold", batchTrust(home), `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::pr-src/*"},
		{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"`+aws.ToString(fn.FunctionArn)+`"}]}`)
	release := filepath.Join(t.TempDir(), "release")
	c := s3control.NewFromConfig(cfg)
	hold := emulatortest.Must(c.CreateJob(ctx, &s3control.CreateJobInput{
		AccountId: aws.String(home), ClientRequestToken: aws.String("hold"), ConfirmationRequired: aws.Bool(false), Priority: aws.Int32(0), RoleArn: aws.String(holdRole),
		Operation: &types.JobOperation{LambdaInvoke: &types.LambdaInvokeOperation{FunctionArn: fn.FunctionArn, InvocationSchemaVersion: aws.String("2.0"),
			UserArguments: map[string]string{"release": release}}},
		Manifest: &types.JobManifest{Spec: manifest.Spec, Location: manifest.Location}, Report: noReport,
	}))(t)
	waitJob(t, c, home, aws.ToString(hold.JobId), types.JobStatusActive)

	// Three copy jobs queue behind it, created lowest priority first.
	create := func(role string, priority int32) string {
		arn := makeRole(t, cfg, role, batchTrust(home), `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::pr-src/*"},
			{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::pr-dst/*"}]}`)
		out := emulatortest.Must(c.CreateJob(ctx, &s3control.CreateJobInput{
			AccountId: aws.String(home), ClientRequestToken: aws.String(role), ConfirmationRequired: aws.Bool(false), Priority: aws.Int32(priority), RoleArn: aws.String(arn),
			Operation: &types.JobOperation{S3PutObjectCopy: &types.S3CopyObjectOperation{TargetResource: aws.String("arn:aws:s3:::pr-dst"), TargetKeyPrefix: aws.String(role + "/")}},
			Manifest:  manifest, Report: noReport,
		}))(t)
		return aws.ToString(out.JobId)
	}
	low := create("pr-low", 1)
	mid := create("pr-mid", 50)
	high := create("pr-high", 100)
	promoted := create("pr-promoted", 2)
	// The slot is taken: they wait, New.
	for _, id := range []string{low, mid, high, promoted} {
		d := emulatortest.Must(c.DescribeJob(ctx, &s3control.DescribeJobInput{AccountId: aws.String(home), JobId: aws.String(id)}))(t)
		if d.Job.Status != types.JobStatusNew {
			t.Fatalf("queued job %s is %s, want New", id, d.Job.Status)
		}
	}
	emulatortest.Must(c.UpdateJobPriority(ctx, &s3control.UpdateJobPriorityInput{AccountId: aws.String(home), JobId: aws.String(promoted), Priority: 200}))(t)
	// Ten minutes pass on the emulator's clock (within SigV4's 15 minutes
	// of skew for the SDK's requests, signed with the real time).
	clock.Add(10 * time.Minute)

	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{aws.ToString(hold.JobId), low, mid, high, promoted} {
		if j := waitJob(t, c, home, id, types.JobStatusComplete, types.JobStatusFailed); j.Status != types.JobStatusComplete {
			t.Fatalf("job %s: %s %+v", id, j.Status, j.FailureReasons)
		}
	}
	d := emulatortest.Must(c.DescribeJob(ctx, &s3control.DescribeJobInput{AccountId: aws.String(home), JobId: hold.JobId}))(t)
	if active := aws.ToInt64(d.Job.ProgressSummary.Timers.ElapsedTimeInActiveSeconds); active < 600 {
		t.Errorf("the holding job was Active %d s by the emulator's clock, want at least 600", active)
	}
	mu.Lock()
	defer mu.Unlock()
	var runs []string // each job's copies in one run
	for _, r := range order {
		if len(runs) == 0 || runs[len(runs)-1] != r {
			runs = append(runs, r)
		}
	}
	if want := []string{"pr-promoted", "pr-high", "pr-mid", "pr-low"}; strings.Join(runs, " ") != strings.Join(want, " ") || len(order) != 4*len(keys) {
		t.Fatalf("copies ran in the order %v (%d copies), want %v, each job's %d together", runs, len(order), want, len(keys))
	}
}

// TestBatchJobRetention: a finished job is listed and described for 90
// days after it ended, then removed ("ListJobs": "jobs that have ended
// within the last 90 days"); an unfinished job stays. Retention runs on
// the emulator's clock (Tick, as S3 lifecycle expiry does) and the
// removal survives a restart.
func TestBatchJobRetention(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := emulatortest.New(t, emulator.WithDataDir(dir))
	ctx := context.Background()
	cfg := srv.Config(home)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	for _, b := range []string{"rt-src", "rt-dst"} {
		emulatortest.Must(s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}))(t)
	}
	keys := fill(t, s3c, "rt-src", "", 3)
	mo := emulatortest.Must(s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("rt-src"), Key: aws.String("m.csv"), Body: strings.NewReader(csvManifest("rt-src", keys))}))(t)
	role := makeRole(t, cfg, "rt-job", batchTrust(home), `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::rt-src/*"},
		{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::rt-dst/*"}]}`)
	c := s3control.NewFromConfig(cfg)
	create := func(token string, confirm bool) string {
		out := emulatortest.Must(c.CreateJob(ctx, &s3control.CreateJobInput{
			AccountId: aws.String(home), ClientRequestToken: aws.String(token), ConfirmationRequired: aws.Bool(confirm), Priority: aws.Int32(1), RoleArn: aws.String(role),
			Operation: &types.JobOperation{S3PutObjectCopy: &types.S3CopyObjectOperation{TargetResource: aws.String("arn:aws:s3:::rt-dst")}},
			Manifest: &types.JobManifest{Spec: &types.JobManifestSpec{Format: types.JobManifestFormatS3BatchOperationsCsv20180820, Fields: []types.JobManifestFieldName{"Bucket", "Key"}},
				Location: &types.JobManifestLocation{ObjectArn: aws.String("arn:aws:s3:::rt-src/m.csv"), ETag: mo.ETag}},
			Report: &types.JobReport{Enabled: false},
		}))(t)
		return aws.ToString(out.JobId)
	}
	done := create("done", false)
	cancelled := create("cancelled", true)
	waiting := create("waiting", true)
	j := waitJob(t, c, home, done, types.JobStatusComplete)
	waitJob(t, c, home, cancelled, types.JobStatusSuspended)
	waitJob(t, c, home, waiting, types.JobStatusSuspended)
	emulatortest.Must(c.UpdateJobStatus(ctx, &s3control.UpdateJobStatusInput{AccountId: aws.String(home), JobId: aws.String(cancelled), RequestedJobStatus: types.RequestedJobStatusCancelled}))(t)
	ended := aws.ToTime(j.TerminationDate)
	cj := waitJob(t, c, home, cancelled, types.JobStatusCancelled)
	if t2 := aws.ToTime(cj.TerminationDate); t2.After(ended) {
		ended = t2
	}

	listed := func() map[string]bool {
		out := emulatortest.Must(c.ListJobs(ctx, &s3control.ListJobsInput{AccountId: aws.String(home)}))(t)
		m := map[string]bool{}
		for _, j := range out.Jobs {
			m[aws.ToString(j.JobId)] = true
		}
		return m
	}
	svc := srv.Emulator.S3Control()
	// The report's timestamps are to the millisecond; a day short of 90
	// keeps both.
	if n := svc.Tick(ctx, ended.Add(emus3control.Retention-24*time.Hour)); n != 0 || len(listed()) != 3 {
		t.Fatalf("a day before 90 days: %d removed, listed %v", n, listed())
	}
	if n := svc.Tick(ctx, ended.Add(emus3control.Retention+time.Second)); n != 2 {
		t.Fatalf("90 days after: %d removed, want 2", n)
	}
	if got := listed(); len(got) != 1 || !got[waiting] {
		t.Fatalf("listed after 90 days: %v, want only %s", got, waiting)
	}
	_, err := c.DescribeJob(ctx, &s3control.DescribeJobInput{AccountId: aws.String(home), JobId: aws.String(done)})
	if code := apiCode(err); code != "NotFoundException" {
		t.Fatalf("DescribeJob of an expired job: %v", err)
	}
	srv.Close()
	srv = emulatortest.New(t, emulator.WithDataDir(dir))
	c = s3control.NewFromConfig(srv.Config(home))
	if got := listed(); len(got) != 1 || !got[waiting] {
		t.Fatalf("listed after a restart: %v, want only %s", got, waiting)
	}
}

// TestBatchJobInventoryManifestVersions runs an S3PutObjectCopy job from
// an S3 Inventory report (manifest.json naming a gzipped CSV data file
// with a VersionId column, keys URL-encoded; User Guide, "Specifying a
// manifest") over a versioned source: the task naming an older version
// copies that version, the one with no version id the current one, and
// DescribeJob shows the manifest as given.
func TestBatchJobInventoryManifestVersions(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	cfg := srv.Config(home)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	for _, b := range []string{"iv-src", "iv-inv", "iv-dst"} {
		emulatortest.Must(s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}))(t)
	}
	setVersioning(t, s3c, "iv-src", s3types.BucketVersioningStatusEnabled)
	first := emulatortest.Must(s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("iv-src"), Key: aws.String("v 1.txt"), Body: strings.NewReader("one")}))(t)
	putObjects(t, s3c, "iv-src", map[string]string{"v 1.txt": "two", "plain+.txt": "plain"})

	var data bytes.Buffer
	zw := gzip.NewWriter(&data)
	fmt.Fprintf(zw, "\"iv-src\",\"%s\",\"%s\",\"3\"\n", url.QueryEscape("v 1.txt"), aws.ToString(first.VersionId))
	fmt.Fprintf(zw, "\"iv-src\",\"%s\",\"\",\"5\"\n", url.QueryEscape("plain+.txt"))
	zw.Close()
	emulatortest.Must(s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("iv-inv"), Key: aws.String("inv/data/1.csv.gz"), Body: bytes.NewReader(data.Bytes())}))(t)
	mo := emulatortest.Must(s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("iv-inv"), Key: aws.String("inv/manifest.json"), Body: strings.NewReader(
		`{"sourceBucket":"iv-src","destinationBucket":"arn:aws:s3:::iv-inv","version":"2016-11-30","fileFormat":"CSV",` +
			`"fileSchema":"Bucket, Key, VersionId, Size","files":[{"key":"inv/data/1.csv.gz","size":1,"MD5checksum":"x"}]}`)}))(t)
	role := makeRole(t, cfg, "iv-job", batchTrust(home), `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":["arn:aws:s3:::iv-src/*","arn:aws:s3:::iv-inv/inv/*"]},
		{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::iv-dst/*"}]}`)
	c := s3control.NewFromConfig(cfg)
	out := emulatortest.Must(c.CreateJob(ctx, &s3control.CreateJobInput{
		AccountId: aws.String(home), ClientRequestToken: aws.String("iv"), ConfirmationRequired: aws.Bool(false), Priority: aws.Int32(1), RoleArn: aws.String(role),
		Operation: &types.JobOperation{S3PutObjectCopy: &types.S3CopyObjectOperation{TargetResource: aws.String("arn:aws:s3:::iv-dst")}},
		Manifest: &types.JobManifest{Spec: &types.JobManifestSpec{Format: types.JobManifestFormatS3InventoryReportCsv20161130},
			Location: &types.JobManifestLocation{ObjectArn: aws.String("arn:aws:s3:::iv-inv/inv/manifest.json"), ETag: mo.ETag}},
		Report: &types.JobReport{Enabled: false},
	}))(t)
	j := waitJob(t, c, home, aws.ToString(out.JobId), types.JobStatusComplete, types.JobStatusFailed)
	if ps := j.ProgressSummary; j.Status != types.JobStatusComplete || aws.ToInt64(ps.TotalNumberOfTasks) != 2 || aws.ToInt64(ps.NumberOfTasksSucceeded) != 2 {
		t.Fatalf("job: %s %+v %+v", j.Status, j.ProgressSummary, j.FailureReasons)
	}
	if j.Manifest == nil || j.Manifest.Spec.Format != types.JobManifestFormatS3InventoryReportCsv20161130 || aws.ToString(j.Manifest.Location.ObjectArn) != "arn:aws:s3:::iv-inv/inv/manifest.json" {
		t.Fatalf("manifest: %+v", j.Manifest)
	}
	for k, want := range map[string]string{"v 1.txt": "one", "plain+.txt": "plain"} {
		o := emulatortest.Must(s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("iv-dst"), Key: aws.String(k)}))(t)
		b, _ := io.ReadAll(o.Body)
		o.Body.Close()
		if string(b) != want {
			t.Errorf("%s copied as %q, want %q", k, b, want)
		}
	}
}

// TestBatchS3PutObjectCopyWithKMS deploys both templates with
// EncryptWithKMS=true and copies across accounts with an S3PutObjectCopy
// job as the template's job role: S3 decrypts each source object with the
// home account's key and encrypts the copy with the target account's
// bucket key, both for the job role through S3, which the role's policy
// and the target key's policy allow.
func TestBatchS3PutObjectCopyWithKMS(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	deploy := func(acct, file, stack string, params map[string]string) *stackdeploy.Result {
		body, err := stackdeploy.Package(ctx, srv.Config(acct), "../deploy/"+file, "xacct-artifacts-"+acct, nil)
		if err != nil {
			t.Fatal(err)
		}
		out, err := stackdeploy.Deploy(ctx, srv.Config(acct), stack, body, params, nil)
		if err != nil {
			t.Fatalf("%s: %v", stack, err)
		}
		return out
	}
	params := templateParams("HomeAccountId", "SourceBucketName", "TargetBucketName")
	params["EncryptWithKMS"] = "true"
	deploy(target, "target.yaml", "xacct-target", params)
	params = templateParams("TargetAccountId", "SourceBucketName", "TargetBucketName", "NotificationEmail")
	params["EncryptWithKMS"] = "true"
	hout := deploy(home, "home.yaml", "xacct-home", params)

	hs := s3.NewFromConfig(srv.Config(home), func(o *s3.Options) { o.UsePathStyle = true })
	keys := fill(t, hs, "xacct-src", "kms/", 5)
	if h := emulatortest.Must(hs.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("xacct-src"), Key: aws.String(keys[0])}))(t); h.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms {
		t.Fatalf("source object encrypted with %q, want aws:kms", h.ServerSideEncryption)
	}
	reports := hout.Outputs["BatchReportBucketName"]
	mo := emulatortest.Must(hs.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(reports), Key: aws.String("manifests/kms.csv"), Body: strings.NewReader(csvManifest("xacct-src", keys))}))(t)
	c := s3control.NewFromConfig(srv.Config(home))
	out := emulatortest.Must(c.CreateJob(ctx, &s3control.CreateJobInput{
		AccountId: aws.String(home), ClientRequestToken: aws.String("kms"), ConfirmationRequired: aws.Bool(false), Priority: aws.Int32(1),
		RoleArn:   aws.String(hout.Outputs["BatchOperationsRoleArn"]),
		Operation: &types.JobOperation{S3PutObjectCopy: &types.S3CopyObjectOperation{TargetResource: aws.String("arn:aws:s3:::xacct-dst")}},
		Manifest: &types.JobManifest{Spec: &types.JobManifestSpec{Format: types.JobManifestFormatS3BatchOperationsCsv20180820, Fields: []types.JobManifestFieldName{"Bucket", "Key"}},
			Location: &types.JobManifestLocation{ObjectArn: aws.String("arn:aws:s3:::" + reports + "/manifests/kms.csv"), ETag: mo.ETag}},
		Report: &types.JobReport{Enabled: true, Bucket: aws.String("arn:aws:s3:::" + reports), Prefix: aws.String("reports"),
			Format: types.JobReportFormatReportCsv20180820, ReportScope: types.JobReportScopeFailedTasksOnly},
	}))(t)
	id := aws.ToString(out.JobId)
	j := waitJob(t, c, home, id, types.JobStatusComplete, types.JobStatusFailed)
	if j.Status != types.JobStatusComplete || aws.ToInt64(j.ProgressSummary.NumberOfTasksSucceeded) != int64(len(keys)) {
		var failed [][]string
		if aws.ToInt64(j.ProgressSummary.NumberOfTasksFailed) > 0 {
			_, failed = readReport(t, hs, reports, "reports", id)
		}
		t.Fatalf("job: %s, %d succeeded, %d failed, %+v; failed tasks %v", j.Status, aws.ToInt64(j.ProgressSummary.NumberOfTasksSucceeded),
			aws.ToInt64(j.ProgressSummary.NumberOfTasksFailed), j.FailureReasons, failed)
	}
	ts := s3.NewFromConfig(srv.Config(target), func(o *s3.Options) { o.UsePathStyle = true })
	for _, k := range keys {
		h := emulatortest.Must(ts.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("xacct-dst"), Key: aws.String(k)}))(t)
		if h.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || !strings.Contains(aws.ToString(h.SSEKMSKeyId), ":"+target+":key/") {
			t.Fatalf("%s in the target: %q %q, want aws:kms under a key of %s", k, h.ServerSideEncryption, aws.ToString(h.SSEKMSKeyId), target)
		}
	}
}

// TestBatchJobDeployedRoleWithoutTrust is the cross-account job of the
// must-show run at a small size, with the trust missing on the deployed
// job role (its trust policy no longer names
// batchoperations.s3.amazonaws.com): CreateJob succeeds, the job fails
// before reading its manifest with AccessDenied on sts:AssumeRole in
// FailureReasons, as AWS fails a job whose role Batch Operations cannot
// assume ("Troubleshooting Batch Operations": a job failure, not an API
// failure), and nothing is copied. With the template's trust put back the
// same job completes.
func TestBatchJobDeployedRoleWithoutTrust(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	_, hout := deployProject(t, srv)
	admin := srv.AdminConfig(t, home)
	hs := s3.NewFromConfig(srv.Config(home), func(o *s3.Options) { o.UsePathStyle = true })
	keys := fill(t, hs, "xacct-src", "trust/", 3)
	reports := hout.Outputs["BatchReportBucketName"]
	mo := emulatortest.Must(hs.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(reports), Key: aws.String("manifests/trust.csv"), Body: strings.NewReader(csvManifest("xacct-src", keys))}))(t)
	roleARN := hout.Outputs["BatchOperationsRoleArn"]
	ic := iam.NewFromConfig(admin)
	trust := emulatortest.Must(ic.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("xacct-batch-operations")}))(t)
	doc, err := url.QueryUnescape(aws.ToString(trust.Role.AssumeRolePolicyDocument))
	if err != nil {
		t.Fatal(err)
	}
	emulatortest.Must(ic.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("xacct-batch-operations"), PolicyDocument: aws.String(lambdaTrust)}))(t)

	c := s3control.NewFromConfig(admin)
	create := func(token string) *types.JobDescriptor {
		out := emulatortest.Must(c.CreateJob(ctx, &s3control.CreateJobInput{
			AccountId: aws.String(home), ClientRequestToken: aws.String(token), ConfirmationRequired: aws.Bool(false), Priority: aws.Int32(10), RoleArn: aws.String(roleARN),
			Operation: &types.JobOperation{LambdaInvoke: &types.LambdaInvokeOperation{FunctionArn: aws.String(hout.Outputs["CopyFunctionArn"]),
				InvocationSchemaVersion: aws.String("2.0"), UserArguments: map[string]string{"destinationPrefix": token + "/"}}},
			Manifest: &types.JobManifest{Spec: &types.JobManifestSpec{Format: types.JobManifestFormatS3BatchOperationsCsv20180820, Fields: []types.JobManifestFieldName{"Bucket", "Key"}},
				Location: &types.JobManifestLocation{ObjectArn: aws.String("arn:aws:s3:::" + reports + "/manifests/trust.csv"), ETag: mo.ETag}},
			Report: &types.JobReport{Enabled: true, Bucket: aws.String("arn:aws:s3:::" + reports), Prefix: aws.String("reports"),
				Format: types.JobReportFormatReportCsv20180820, ReportScope: types.JobReportScopeAllTasks},
		}))(t)
		return waitJob(t, c, home, aws.ToString(out.JobId), types.JobStatusComplete, types.JobStatusFailed)
	}
	j := create("untrusted")
	if j.Status != types.JobStatusFailed || len(j.FailureReasons) != 1 || aws.ToString(j.FailureReasons[0].FailureCode) != "AccessDenied" ||
		!strings.Contains(aws.ToString(j.FailureReasons[0].FailureReason), "batchoperations.s3.amazonaws.com is not authorized to perform: sts:AssumeRole on resource: "+roleARN) ||
		aws.ToInt64(j.ProgressSummary.TotalNumberOfTasks) != 0 {
		t.Fatalf("job without trust: %s %+v", j.Status, j.FailureReasons)
	}
	ts := s3.NewFromConfig(srv.Config(target), func(o *s3.Options) { o.UsePathStyle = true })
	if got := listAll(t, ts, "xacct-dst", "untrusted/"); len(got) != 0 {
		t.Fatalf("copied without trust: %v", got)
	}

	emulatortest.Must(ic.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("xacct-batch-operations"), PolicyDocument: aws.String(doc)}))(t)
	if j := create("trusted"); j.Status != types.JobStatusComplete || aws.ToInt64(j.ProgressSummary.NumberOfTasksSucceeded) != int64(len(keys)) {
		t.Fatalf("job with the template's trust: %s %+v", j.Status, j.FailureReasons)
	}
	if got := listAll(t, ts, "xacct-dst", "trusted/"); len(got) != len(keys) {
		t.Fatalf("copied with trust: %v", got)
	}
}
