package emulator_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/smithy-go"

	"github.com/xacct/xacct/emulatortest"
)

// batchTrust is a Batch Operations job role's trust policy limited to one
// account with aws:SourceAccount ("Granting permissions for Batch
// Operations", Trust policy; IAM User Guide, "The confused deputy problem").
func batchTrust(acct string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"batchoperations.s3.amazonaws.com"},` +
		`"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"` + acct + `"}}}]}`
}

func makeRole(t *testing.T, cfg aws.Config, name, trust, policy string) string {
	t.Helper()
	ctx := context.Background()
	c := iam.NewFromConfig(cfg)
	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("job"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Role.Arn)
}

func putObjects(t *testing.T, c *s3.Client, bucket string, objs map[string]string) {
	t.Helper()
	for k, v := range objs {
		if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader(v)}); err != nil {
			t.Fatal(err)
		}
	}
}

// waitJob polls DescribeJob until the job reaches one of statuses.
func waitJob(t *testing.T, c *s3control.Client, acct, id string, statuses ...types.JobStatus) *types.JobDescriptor {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
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
			t.Fatalf("job %s is %s, want one of %v", id, out.Job.Status, statuses)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readReport reads a job's completion report: its manifest.json and every
// row of its result files.
func readReport(t *testing.T, c *s3.Client, bucket, prefix, id string) (manifest map[string]any, rows [][]string) {
	t.Helper()
	ctx := context.Background()
	get := func(key string) []byte {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("report %s: %v", key, err)
		}
		defer out.Body.Close()
		b, _ := io.ReadAll(out.Body)
		return b
	}
	if err := json.Unmarshal(get(prefix+"/job-"+id+"/manifest.json"), &manifest); err != nil {
		t.Fatal(err)
	}
	for _, r := range manifest["Results"].([]any) {
		key := r.(map[string]any)["Key"].(string)
		if !strings.HasPrefix(key, prefix+"/job-"+id+"/results/") || !strings.HasSuffix(key, ".csv") {
			t.Fatalf("result file %s", key)
		}
		recs, err := csv.NewReader(strings.NewReader(string(get(key)))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, recs...)
	}
	return manifest, rows
}

// TestBatchCopyJob runs an S3PutObjectCopy job from a CSV manifest (keys
// URL-encoded, an empty version id column) that needs confirmation, and
// reads its completion report; the job's API (priority, tags, listing,
// idempotent creation) along the way.
func TestBatchCopyJob(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	cfg := srv.AdminConfig(t, home)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	for _, b := range []string{"bo-src", "bo-dst", "bo-manifests", "bo-reports"} {
		emulatortest.Must(s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}))(t)
	}
	objs := map[string]string{"a.txt": "a", "dir/b c.txt": "b", "é/ü+x.txt": "c"}
	putObjects(t, s3c, "bo-src", objs)
	var manifest strings.Builder
	for k := range objs {
		fmt.Fprintf(&manifest, "bo-src,%s,\n", url.QueryEscape(k))
	}
	mo := emulatortest.Must(s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bo-manifests"), Key: aws.String("m.csv"), Body: strings.NewReader(manifest.String())}))(t)
	role := makeRole(t, cfg, "batch-copy", batchTrust(home), `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::bo-src/*","arn:aws:s3:::bo-manifests/*"]},
		{"Effect":"Allow","Action":"s3:PutObject","Resource":["arn:aws:s3:::bo-dst/*","arn:aws:s3:::bo-reports/*"]}]}`)

	c := s3control.NewFromConfig(cfg)
	in := &s3control.CreateJobInput{
		AccountId: aws.String(home), ClientRequestToken: aws.String("tok-1"), ConfirmationRequired: aws.Bool(true), Priority: aws.Int32(10),
		RoleArn: aws.String(role), Description: aws.String("copy three"),
		Operation: &types.JobOperation{S3PutObjectCopy: &types.S3CopyObjectOperation{TargetResource: aws.String("arn:aws:s3:::bo-dst"), TargetKeyPrefix: aws.String("copied/")}},
		Manifest: &types.JobManifest{
			Spec:     &types.JobManifestSpec{Format: types.JobManifestFormatS3BatchOperationsCsv20180820, Fields: []types.JobManifestFieldName{"Bucket", "Key", "VersionId"}},
			Location: &types.JobManifestLocation{ObjectArn: aws.String("arn:aws:s3:::bo-manifests/m.csv"), ETag: mo.ETag},
		},
		Report: &types.JobReport{Enabled: true, Bucket: aws.String("arn:aws:s3:::bo-reports"), Prefix: aws.String("reports"),
			Format: types.JobReportFormatReportCsv20180820, ReportScope: types.JobReportScopeAllTasks},
		Tags: []types.S3Tag{{Key: aws.String("team"), Value: aws.String("data")}},
	}
	created := emulatortest.Must(c.CreateJob(ctx, in))(t)
	id := aws.ToString(created.JobId)
	// The same token and request: the same job (CreateJob,
	// ClientRequestToken). The same token, another request: refused.
	again := emulatortest.Must(c.CreateJob(ctx, in))(t)
	if aws.ToString(again.JobId) != id {
		t.Fatalf("idempotent CreateJob: got %s, want %s", aws.ToString(again.JobId), id)
	}
	in2 := *in
	in2.Priority = aws.Int32(11)
	var ae smithy.APIError
	if _, err := c.CreateJob(ctx, &in2); !errors.As(err, &ae) || ae.ErrorCode() != "IdempotencyException" {
		t.Fatalf("token reused with other parameters: got %v, want IdempotencyException", err)
	}

	j := waitJob(t, c, home, id, types.JobStatusSuspended)
	if j.ProgressSummary == nil || aws.ToInt64(j.ProgressSummary.TotalNumberOfTasks) != 3 || aws.ToString(j.SuspendedCause) == "" {
		t.Fatalf("suspended job: %+v", j)
	}
	if _, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bo-dst"), Key: aws.String("copied/a.txt")}); err == nil {
		t.Fatal("a job awaiting confirmation copied an object")
	}
	emulatortest.Must(c.UpdateJobPriority(ctx, &s3control.UpdateJobPriorityInput{AccountId: aws.String(home), JobId: aws.String(id), Priority: 42}))(t)
	tags := emulatortest.Must(c.GetJobTagging(ctx, &s3control.GetJobTaggingInput{AccountId: aws.String(home), JobId: aws.String(id)}))(t)
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "team" {
		t.Fatalf("tags: %+v", tags.Tags)
	}
	list := emulatortest.Must(c.ListJobs(ctx, &s3control.ListJobsInput{AccountId: aws.String(home), JobStatuses: []types.JobStatus{types.JobStatusSuspended}}))(t)
	if len(list.Jobs) != 1 || aws.ToString(list.Jobs[0].JobId) != id || list.Jobs[0].Priority != 42 || list.Jobs[0].Operation != types.OperationNameS3PutObjectCopy {
		t.Fatalf("ListJobs: %+v", list.Jobs)
	}
	emulatortest.Must(c.UpdateJobStatus(ctx, &s3control.UpdateJobStatusInput{AccountId: aws.String(home), JobId: aws.String(id), RequestedJobStatus: types.RequestedJobStatusReady}))(t)
	j = waitJob(t, c, home, id, types.JobStatusComplete, types.JobStatusFailed)
	if j.Status != types.JobStatusComplete || aws.ToInt64(j.ProgressSummary.NumberOfTasksSucceeded) != 3 || aws.ToInt64(j.ProgressSummary.NumberOfTasksFailed) != 0 {
		t.Fatalf("job: %s %+v %+v", j.Status, j.ProgressSummary, j.FailureReasons)
	}
	for k, v := range objs {
		out := emulatortest.Must(s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bo-dst"), Key: aws.String("copied/" + k)}))(t)
		b, _ := io.ReadAll(out.Body)
		if string(b) != v {
			t.Fatalf("copied %s: got %q, want %q", k, b, v)
		}
	}
	m, rows := readReport(t, s3c, "bo-reports", "reports", id)
	if m["Format"] != "Report_CSV_20180820" || !strings.HasPrefix(m["ReportSchema"].(string), "Bucket, Key, VersionId, TaskStatus") {
		t.Fatalf("report manifest: %v", m)
	}
	var keys []string
	for _, r := range rows {
		k, _ := url.QueryUnescape(r[1])
		keys = append(keys, k)
		if r[0] != "bo-src" || r[3] != "succeeded" || r[5] != "200" {
			t.Fatalf("report row %v", r)
		}
	}
	sort.Strings(keys)
	if strings.Join(keys, "|") != "a.txt|dir/b c.txt|é/ü+x.txt" {
		t.Fatalf("report keys: %v", keys)
	}
	// A finished job cannot be cancelled (UpdateJobStatus, JobStatusException).
	if _, err := c.UpdateJobStatus(ctx, &s3control.UpdateJobStatusInput{AccountId: aws.String(home), JobId: aws.String(id), RequestedJobStatus: types.RequestedJobStatusCancelled}); !errors.As(err, &ae) || ae.ErrorCode() != "JobStatusException" {
		t.Fatalf("cancel a complete job: got %v, want JobStatusException", err)
	}
	if _, err := c.DescribeJob(ctx, &s3control.DescribeJobInput{AccountId: aws.String(home), JobId: aws.String("00000000-0000-0000-0000-000000000000")}); !errors.As(err, &ae) || ae.ErrorCode() != "NotFoundException" {
		t.Fatalf("missing job: got %v, want NotFoundException", err)
	}
}

// TestBatchJobRoleTrust: a job whose role does not trust Batch Operations
// (or trusts it for another account only) is created, then fails before
// reading its manifest, with the reason in FailureReasons; the decision
// trail holds the refused sts:AssumeRole of batchoperations.s3.amazonaws.com
// and says why.
func TestBatchJobRoleTrust(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	cfg := srv.AdminConfig(t, home)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	emulatortest.Must(s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bt-src")}))(t)
	mo := emulatortest.Must(s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bt-src"), Key: aws.String("m.csv"), Body: strings.NewReader("bt-src,m.csv\n")}))(t)
	perms := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bt-src/*"}]}`
	for _, tc := range []struct{ name, trust string }{
		{"lambda-only", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`},
		{"other-account", batchTrust(target)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			role := makeRole(t, cfg, "bt-"+tc.name, tc.trust, perms)
			c := s3control.NewFromConfig(cfg)
			out := emulatortest.Must(c.CreateJob(ctx, &s3control.CreateJobInput{
				AccountId: aws.String(home), ClientRequestToken: aws.String(tc.name), ConfirmationRequired: aws.Bool(false), Priority: aws.Int32(1), RoleArn: aws.String(role),
				Operation: &types.JobOperation{S3PutObjectCopy: &types.S3CopyObjectOperation{TargetResource: aws.String("arn:aws:s3:::bt-src"), TargetKeyPrefix: aws.String("x/")}},
				Manifest: &types.JobManifest{Spec: &types.JobManifestSpec{Format: types.JobManifestFormatS3BatchOperationsCsv20180820, Fields: []types.JobManifestFieldName{"Bucket", "Key"}},
					Location: &types.JobManifestLocation{ObjectArn: aws.String("arn:aws:s3:::bt-src/m.csv"), ETag: mo.ETag}},
				Report: &types.JobReport{Enabled: false},
			}))(t)
			j := waitJob(t, c, home, aws.ToString(out.JobId), types.JobStatusFailed, types.JobStatusComplete)
			if j.Status != types.JobStatusFailed || len(j.FailureReasons) != 1 {
				t.Fatalf("job: %s %+v", j.Status, j.FailureReasons)
			}
			f := j.FailureReasons[0]
			if aws.ToString(f.FailureCode) != "AccessDenied" || !strings.Contains(aws.ToString(f.FailureReason), "batchoperations.s3.amazonaws.com is not authorized to perform: sts:AssumeRole on resource: "+role) {
				t.Fatalf("failure: %s: %s", aws.ToString(f.FailureCode), aws.ToString(f.FailureReason))
			}
			if aws.ToInt64(j.ProgressSummary.TotalNumberOfTasks) != 0 || j.TerminationDate == nil {
				t.Fatalf("failed job: %+v", j)
			}
			recs, _, body := decisions(t, srv.URL, url.Values{"decision": {"denied"}, "account": {home}})
			found := false
			for _, r := range recs {
				if r.Action == "sts:AssumeRole" && r.Resource == role && r.Principal == "batchoperations.s3.amazonaws.com" {
					found = true
				}
			}
			if !found || !strings.Contains(body, "trust policy") {
				t.Fatalf("trail: %s", body)
			}
		})
	}
}

// TestBatchJobFailureThreshold: once 1,000 tasks were attempted and more
// than half failed, the job fails ("Tracking job status and completion
// reports", Tracking job failures) without running the rest, and its
// report lists the failed tasks with S3's error.
func TestBatchJobFailureThreshold(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	cfg := srv.Config(home)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	for _, b := range []string{"ft-src", "ft-dst"} {
		emulatortest.Must(s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}))(t)
	}
	// 3,000 objects the manifest names and nobody wrote: every copy fails
	// with NoSuchKey.
	var m strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&m, "ft-src,missing-%04d\n", i)
	}
	mo := emulatortest.Must(s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("ft-dst"), Key: aws.String("m.csv"), Body: strings.NewReader(m.String())}))(t)
	role := makeRole(t, cfg, "ft-job", batchTrust(home), `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::ft-src","arn:aws:s3:::ft-src/*","arn:aws:s3:::ft-dst/m.csv"]},
		{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::ft-dst/*"}]}`)
	c := s3control.NewFromConfig(cfg)
	out := emulatortest.Must(c.CreateJob(ctx, &s3control.CreateJobInput{
		AccountId: aws.String(home), ClientRequestToken: aws.String("ft"), ConfirmationRequired: aws.Bool(false), Priority: aws.Int32(1), RoleArn: aws.String(role),
		Operation: &types.JobOperation{S3PutObjectCopy: &types.S3CopyObjectOperation{TargetResource: aws.String("arn:aws:s3:::ft-dst")}},
		Manifest: &types.JobManifest{Spec: &types.JobManifestSpec{Format: types.JobManifestFormatS3BatchOperationsCsv20180820, Fields: []types.JobManifestFieldName{"Bucket", "Key"}},
			Location: &types.JobManifestLocation{ObjectArn: aws.String("arn:aws:s3:::ft-dst/m.csv"), ETag: mo.ETag}},
		Report: &types.JobReport{Enabled: true, Bucket: aws.String("arn:aws:s3:::ft-dst"), Prefix: aws.String("r"), Format: types.JobReportFormatReportCsv20180820, ReportScope: types.JobReportScopeFailedTasksOnly},
	}))(t)
	id := aws.ToString(out.JobId)
	j := waitJob(t, c, home, id, types.JobStatusFailed, types.JobStatusComplete)
	failed := aws.ToInt64(j.ProgressSummary.NumberOfTasksFailed)
	if j.Status != types.JobStatusFailed || len(j.FailureReasons) != 1 || aws.ToString(j.FailureReasons[0].FailureCode) != "TooManyFailures" {
		t.Fatalf("job: %s %+v", j.Status, j.FailureReasons)
	}
	if failed < 1000 || failed >= 3000 || aws.ToInt64(j.ProgressSummary.NumberOfTasksSucceeded) != 0 {
		t.Fatalf("failed %d of 3000 tasks, want the job to stop soon after 1,000", failed)
	}
	_, rows := readReport(t, s3c, "ft-dst", "r", id)
	if int64(len(rows)) != failed || rows[0][3] != "failed" || rows[0][4] != "NoSuchKey" || rows[0][5] != "404" {
		t.Fatalf("report: %d rows, first %v", len(rows), rows[0])
	}
	// Listing pages through the account's jobs.
	page := emulatortest.Must(c.ListJobs(ctx, &s3control.ListJobsInput{AccountId: aws.String(home), MaxResults: aws.Int32(1)}))(t)
	if len(page.Jobs) != 1 || page.NextToken != nil {
		t.Fatalf("one job, one page: %+v", page)
	}
}
