package emulator_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/s3control/types"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
)

// fill puts n small objects under prefix with 32 writers and returns
// their keys.
func fill(t testing.TB, c *s3.Client, bucket, prefix string, n int) []string {
	t.Helper()
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%sobj %06d.txt", prefix, i)
	}
	idx := make(chan int)
	errs := make(chan error, 32)
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(keys[i]), Body: strings.NewReader(keys[i])}); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i := range keys {
		idx <- i
	}
	close(idx)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	return keys
}

// listAll returns every key under prefix.
func listAll(t *testing.T, c *s3.Client, bucket, prefix string) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			got[aws.ToString(o.Key)] = true
		}
	}
	return got
}

func csvManifest(bucket string, keys []string) string {
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(bucket + "," + url.QueryEscape(k) + "\n")
	}
	return b.String()
}

// TestBatchJobCopiesAcrossAccounts is issue 20's "must show": the
// project's templates deployed, a Batch Operations job in the home account
// invokes the deployed s3-copy function once per object, as the
// template's job role, and the objects reach the target account's bucket.
// Lambda's concurrency (4) is below the job's (16), so invocations are
// throttled; the job retries them (TemporaryFailure) and still ends
// Complete, with every key in its report. XACCT_BATCH_OBJECTS sets the
// count (default 2,000; docs/benchmarks.md records a 100,000-object run).
func TestBatchJobCopiesAcrossAccounts(t *testing.T) {
	t.Parallel()
	n := 2000
	if v := os.Getenv("XACCT_BATCH_OBJECTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("XACCT_BATCH_OBJECTS=%q", v)
		}
	}
	srv := emulatortest.New(t, emulator.WithLambdaConcurrency(4), emulator.WithBatchConcurrency(16))
	ctx := context.Background()
	_, hout := deployProject(t, srv)
	hs := s3.NewFromConfig(srv.Config(home), func(o *s3.Options) { o.UsePathStyle = true })
	t0 := time.Now()
	keys := fill(t, hs, "xacct-src", "batch/", n)
	t.Logf("%d objects written in %s", n, time.Since(t0).Round(time.Millisecond))
	reports := hout.Outputs["BatchReportBucketName"]
	mo := emulatortest.Must(hs.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(reports), Key: aws.String("manifests/all.csv"),
		Body: strings.NewReader(csvManifest("xacct-src", keys))}))(t)

	c := s3control.NewFromConfig(srv.AdminConfig(t, home))
	start := time.Now()
	out := emulatortest.Must(c.CreateJob(ctx, &s3control.CreateJobInput{
		AccountId: aws.String(home), ClientRequestToken: aws.String("bulk"), ConfirmationRequired: aws.Bool(false), Priority: aws.Int32(10),
		RoleArn: aws.String(hout.Outputs["BatchOperationsRoleArn"]),
		Operation: &types.JobOperation{LambdaInvoke: &types.LambdaInvokeOperation{FunctionArn: aws.String(hout.Outputs["CopyFunctionArn"]),
			InvocationSchemaVersion: aws.String("2.0"), UserArguments: map[string]string{"destinationPrefix": "copied/"}}},
		Manifest: &types.JobManifest{Spec: &types.JobManifestSpec{Format: types.JobManifestFormatS3BatchOperationsCsv20180820, Fields: []types.JobManifestFieldName{"Bucket", "Key"}},
			Location: &types.JobManifestLocation{ObjectArn: aws.String("arn:aws:s3:::" + reports + "/manifests/all.csv"), ETag: mo.ETag}},
		Report: &types.JobReport{Enabled: true, Bucket: aws.String("arn:aws:s3:::" + reports), Prefix: aws.String("reports"),
			Format: types.JobReportFormatReportCsv20180820, ReportScope: types.JobReportScopeAllTasks},
	}))(t)
	id := aws.ToString(out.JobId)
	j := waitJobFor(t, c, home, id, 60*time.Minute, types.JobStatusComplete, types.JobStatusFailed)
	elapsed := time.Since(start)
	if ps := j.ProgressSummary; j.Status != types.JobStatusComplete || aws.ToInt64(ps.NumberOfTasksSucceeded) != int64(n) || aws.ToInt64(ps.NumberOfTasksFailed) != 0 {
		_, rows := readReport(t, hs, reports, "reports", id)
		for _, r := range rows {
			if r[3] != "succeeded" {
				t.Errorf("failed task: %v", r)
				break
			}
		}
		t.Fatalf("job: %s, %d succeeded, %d failed of %d; %+v", j.Status, aws.ToInt64(ps.NumberOfTasksSucceeded), aws.ToInt64(ps.NumberOfTasksFailed), n, j.FailureReasons)
	}
	t.Logf("%d objects copied by the job in %s: %.0f objects/s; %d throttled invocations retried",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), srv.Emulator.S3Control().Retries(id))

	// Every object arrived in the other account.
	ts := s3.NewFromConfig(srv.Config(target), func(o *s3.Options) { o.UsePathStyle = true })
	got := listAll(t, ts, "xacct-dst", "copied/")
	for _, k := range keys {
		if !got["copied/"+k] {
			t.Fatalf("%s did not arrive (%d of %d did)", k, len(got), n)
		}
	}
	// The report lists every key once, succeeded.
	_, rows := readReport(t, hs, reports, "reports", id)
	seen := map[string]bool{}
	for _, r := range rows {
		k, _ := url.QueryUnescape(r[1])
		if r[3] != "succeeded" || seen[k] {
			t.Fatalf("report row %v", r)
		}
		seen[k] = true
	}
	if len(seen) != n {
		t.Fatalf("report lists %d keys, want %d", len(seen), n)
	}
	// Throttled invocations were retried, and CloudWatch saw them.
	if srv.Emulator.S3Control().Retries(id) == 0 {
		t.Fatal("no task was retried: Lambda never throttled the job")
	}
	st := emulatortest.Must(cloudwatch.NewFromConfig(srv.Config(home)).GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Throttles"), Statistics: []cwtypes.Statistic{cwtypes.StatisticSum}, Period: aws.Int32(3600),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String("xacct-s3-copy")}},
		StartTime:  aws.Time(start.Add(-time.Hour)), EndTime: aws.Time(time.Now().Add(time.Hour)),
	}))(t)
	var throttles float64
	for _, p := range st.Datapoints {
		throttles += aws.ToFloat64(p.Sum)
	}
	if throttles == 0 {
		t.Fatal("CloudWatch recorded no Throttles for xacct-s3-copy")
	}
}

func waitJobFor(t testing.TB, c *s3control.Client, acct, id string, d time.Duration, statuses ...types.JobStatus) *types.JobDescriptor {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		out, err := c.DescribeJob(context.Background(), &s3control.DescribeJobInput{AccountId: aws.String(acct), JobId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range statuses {
			if out.Job.Status == s {
				return out.Job
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s is %s after %s", id, out.Job.Status, d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBatchJobResumesAfterRestart: a job interrupted by a restart of the
// emulator on the same data directory resumes, does not redo the tasks
// that had finished, and completes with every key in its report. Once
// complete its tasks and results files are gone and its counts survive
// another restart.
func TestBatchJobResumesAfterRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// copies counts the job's CopyObject calls that succeeded.
	var copies atomic.Int64
	hook := emulator.WithRequestHook(func(r emulator.RequestInfo) {
		if r.Operation == "CopyObject" && r.Status == 200 && strings.Contains(r.Principal, ":assumed-role/rs-job/") {
			copies.Add(1)
		}
	})
	srv := emulatortest.New(t, emulator.WithDataDir(dir), emulator.WithBatchConcurrency(1), hook)
	ctx := context.Background()
	cfg := srv.Config(home)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	for _, b := range []string{"rs-src", "rs-dst"} {
		emulatortest.Must(s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}))(t)
	}
	const n = 1000
	keys := fill(t, s3c, "rs-src", "", n)
	mo := emulatortest.Must(s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("rs-src"), Key: aws.String("manifest.csv"), Body: strings.NewReader(csvManifest("rs-src", keys))}))(t)
	role := makeRole(t, cfg, "rs-job", batchTrust(home), `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::rs-src/*"},
		{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::rs-dst/*"}]}`)
	c := s3control.NewFromConfig(cfg)
	out := emulatortest.Must(c.CreateJob(ctx, &s3control.CreateJobInput{
		AccountId: aws.String(home), ClientRequestToken: aws.String("rs"), ConfirmationRequired: aws.Bool(false), Priority: aws.Int32(1), RoleArn: aws.String(role),
		Operation: &types.JobOperation{S3PutObjectCopy: &types.S3CopyObjectOperation{TargetResource: aws.String("arn:aws:s3:::rs-dst")}},
		Manifest: &types.JobManifest{Spec: &types.JobManifestSpec{Format: types.JobManifestFormatS3BatchOperationsCsv20180820, Fields: []types.JobManifestFieldName{"Bucket", "Key"}},
			Location: &types.JobManifestLocation{ObjectArn: aws.String("arn:aws:s3:::rs-src/manifest.csv"), ETag: mo.ETag}},
		Report: &types.JobReport{Enabled: true, Bucket: aws.String("arn:aws:s3:::rs-dst"), Prefix: aws.String("r"), Format: types.JobReportFormatReportCsv20180820, ReportScope: types.JobReportScopeAllTasks},
	}))(t)
	id := aws.ToString(out.JobId)
	var done int64
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(5 * time.Millisecond) {
		d := emulatortest.Must(c.DescribeJob(ctx, &s3control.DescribeJobInput{AccountId: aws.String(home), JobId: aws.String(id)}))(t)
		if done = aws.ToInt64(d.Job.ProgressSummary.NumberOfTasksSucceeded); done > 0 || time.Now().After(deadline) {
			break
		}
	}
	srv.Close()
	if done == 0 || done >= n {
		t.Fatalf("%d of %d tasks had run at the restart; want some, not all", done, n)
	}

	before := copies.Load()
	if before == 0 {
		t.Fatal("the request hook saw no CopyObject of the job")
	}

	srv = emulatortest.New(t, emulator.WithDataDir(dir), hook)
	c = s3control.NewFromConfig(srv.Config(home))
	j := waitJob(t, c, home, id, types.JobStatusComplete, types.JobStatusFailed)
	if j.Status != types.JobStatusComplete || aws.ToInt64(j.ProgressSummary.NumberOfTasksSucceeded) != n {
		t.Fatalf("resumed job: %s %+v %+v", j.Status, j.ProgressSummary, j.FailureReasons)
	}
	// One task at a time ran before the restart: at most the one under
	// way when it stopped (its copy made, its result not yet recorded)
	// runs again.
	if got := copies.Load(); got < n || got > n+1 {
		t.Fatalf("%d copies for %d tasks (%d before the restart): finished tasks ran again", got, n, before)
	}
	// The finished job keeps no tasks or results files; its counts are
	// in jobs.json.
	for _, sub := range []string{"tasks", "results"} {
		ents, err := os.ReadDir(filepath.Join(dir, "s3control", sub))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if len(ents) != 0 {
			t.Fatalf("s3control/%s after the job finished: %v", sub, ents)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "s3control", "results.journal")); !os.IsNotExist(err) {
		t.Fatalf("results.journal: %v", err)
	}
	s3c = s3.NewFromConfig(srv.Config(home), func(o *s3.Options) { o.UsePathStyle = true })
	if got := listAll(t, s3c, "rs-dst", "obj "); len(got) != n {
		t.Fatalf("%d objects copied, want %d", len(got), n)
	}
	_, rows := readReport(t, s3c, "rs-dst", "r", id)
	if len(rows) != n {
		t.Fatalf("report has %d rows, want %d", len(rows), n)
	}
	srv.Close()
	srv = emulatortest.New(t, emulator.WithDataDir(dir))
	c = s3control.NewFromConfig(srv.Config(home))
	d := emulatortest.Must(c.DescribeJob(ctx, &s3control.DescribeJobInput{AccountId: aws.String(home), JobId: aws.String(id)}))(t)
	if ps := d.Job.ProgressSummary; d.Job.Status != types.JobStatusComplete || aws.ToInt64(ps.TotalNumberOfTasks) != n ||
		aws.ToInt64(ps.NumberOfTasksSucceeded) != n || aws.ToInt64(ps.NumberOfTasksFailed) != 0 {
		t.Fatalf("after another restart: %s %+v", d.Job.Status, ps)
	}
}

// BenchmarkBatchCopy copies the same objects across accounts two ways in
// one run: one invocation of the deployed s3-copy function (its prefix
// copy, 16 copies in flight), and a Batch Operations job invoking the same
// function once per object (16 tasks in flight, Lambda's concurrency 16,
// so nothing is throttled). Each iteration copies to a new prefix.
// XACCT_BATCH_OBJECTS sets the count (default 1,000).
//
//	go test ./emulator/ -run '^$' -bench BatchCopy -benchtime 1x
func BenchmarkBatchCopy(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("XACCT_BATCH_OBJECTS")); err == nil && v > 0 {
		n = v
	}
	srv := emulatortest.New(b, emulator.WithLambdaConcurrency(16), emulator.WithBatchConcurrency(16))
	ctx := context.Background()
	_, hout := deployProject(b, srv)
	hs := s3.NewFromConfig(srv.Config(home), func(o *s3.Options) { o.UsePathStyle = true })
	keys := fill(b, hs, "xacct-src", "bench/", n)
	reports := hout.Outputs["BatchReportBucketName"]
	mo := emulatortest.Must(hs.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(reports), Key: aws.String("manifests/bench.csv"),
		Body: strings.NewReader(csvManifest("xacct-src", keys))}))(b)
	lc := lambda.NewFromConfig(srv.Config(home))
	ctl := s3control.NewFromConfig(srv.AdminConfig(b, home))

	b.Run("function", func(b *testing.B) {
		for i := range b.N {
			fn := emulatortest.Must(lc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("xacct-s3-copy")}))(b)
			vars := fn.Environment.Variables
			vars["DEST_PREFIX"], vars["CONCURRENCY"] = fmt.Sprintf("fn-%d/", i), "16"
			emulatortest.Must(lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("xacct-s3-copy"),
				Environment: &lambdatypes.Environment{Variables: vars}}))(b)
			start := time.Now()
			out := emulatortest.Must(lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("xacct-s3-copy"), Payload: []byte(`{}`)}))(b)
			if out.FunctionError != nil || !strings.Contains(string(out.Payload), fmt.Sprintf(`"copied":%d`, n)) {
				b.Fatalf("invoke: %s", out.Payload)
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "objects/s")
		}
	})
	b.Run("job", func(b *testing.B) {
		for i := range b.N {
			start := time.Now()
			out := emulatortest.Must(ctl.CreateJob(ctx, &s3control.CreateJobInput{
				AccountId: aws.String(home), ClientRequestToken: aws.String(fmt.Sprintf("bench-%d-%d", i, time.Now().UnixNano())), ConfirmationRequired: aws.Bool(false), Priority: aws.Int32(10),
				RoleArn: aws.String(hout.Outputs["BatchOperationsRoleArn"]),
				Operation: &types.JobOperation{LambdaInvoke: &types.LambdaInvokeOperation{FunctionArn: aws.String(hout.Outputs["CopyFunctionArn"]),
					InvocationSchemaVersion: aws.String("2.0"), UserArguments: map[string]string{"destinationPrefix": fmt.Sprintf("job-%d/", i)}}},
				Manifest: &types.JobManifest{Spec: &types.JobManifestSpec{Format: types.JobManifestFormatS3BatchOperationsCsv20180820, Fields: []types.JobManifestFieldName{"Bucket", "Key"}},
					Location: &types.JobManifestLocation{ObjectArn: aws.String("arn:aws:s3:::" + reports + "/manifests/bench.csv"), ETag: mo.ETag}},
				Report: &types.JobReport{Enabled: true, Bucket: aws.String("arn:aws:s3:::" + reports), Prefix: aws.String("reports"),
					Format: types.JobReportFormatReportCsv20180820, ReportScope: types.JobReportScopeFailedTasksOnly},
			}))(b)
			j := waitJobFor(b, ctl, home, aws.ToString(out.JobId), time.Hour, types.JobStatusComplete, types.JobStatusFailed)
			if aws.ToInt64(j.ProgressSummary.NumberOfTasksSucceeded) != int64(n) {
				b.Fatalf("job: %s %+v", j.Status, j.ProgressSummary)
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "objects/s")
		}
	})
}
