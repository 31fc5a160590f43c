package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/schollz/progressbar/v3"

	emus3control "github.com/xacct/xacct/emulator/s3control"
)

// batchCopy is `xacct copy --batch`: the copy as an S3 Batch Operations
// job, for prefixes too large for one function invocation.
type batchCopy struct {
	src, prefix, dst, destPrefix string
	reportBucket                 string
	function                     string // name or ARN of the deployed s3-copy function
	operation                    string // LambdaInvoke or S3PutObjectCopy
	roleARN                      string // the job role; default the template's
	generate                     bool   // ManifestGenerator instead of a manifest
	scope                        string // report scope
	priority                     int32
	poll                         time.Duration
	quiet                        bool
}

// batchSummary is what `xacct copy --batch` prints.
type batchSummary struct {
	JobID     string   `json:"job_id"`
	Status    string   `json:"status"`
	Total     int64    `json:"total"`
	Succeeded int64    `json:"succeeded"`
	Failed    int64    `json:"failed"`
	Report    string   `json:"report,omitempty"`
	Reasons   []string `json:"failure_reasons,omitempty"`
	Seconds   float64  `json:"seconds"`
}

// defaultBatchRole is the job role deploy/home.yaml creates.
const defaultBatchRole = "xacct-batch-operations"

func (m *Main) runBatchCopy(ctx context.Context, b batchCopy, region string) error {
	cfg, err := sdkConfig(ctx, region)
	if err != nil {
		return err
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return endpointError(err)
	}
	acct := aws.ToString(id.Account)
	if b.roleARN == "" {
		b.roleARN = "arn:aws:iam::" + acct + ":role/" + defaultBatchRole
	}
	ctl := s3control.NewFromConfig(cfg, func(o *s3control.Options) {
		if cfg.BaseEndpoint != nil {
			// A custom endpoint (the emulator): the SDK sends S3 Control
			// requests to ACCOUNT.<endpoint host>, which only the
			// endpoint's own address serves.
			o.HTTPClient = &http.Client{Transport: emus3control.Transport(nil)}
		}
	})
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = cfg.BaseEndpoint != nil })

	in := &s3control.CreateJobInput{
		AccountId: aws.String(acct), ClientRequestToken: aws.String(randomToken()), ConfirmationRequired: aws.Bool(false),
		Priority: aws.Int32(b.priority), RoleArn: aws.String(b.roleARN),
		Description: aws.String(fmt.Sprintf("xacct copy s3://%s/%s to s3://%s/%s", b.src, b.prefix, b.dst, b.destPrefix)),
		Report: &types.JobReport{Enabled: true, Bucket: aws.String("arn:aws:s3:::" + b.reportBucket), Prefix: aws.String("reports"),
			Format: types.JobReportFormatReportCsv20180820, ReportScope: types.JobReportScope(b.scope)},
	}
	switch b.operation {
	case "LambdaInvoke":
		fn, err := lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(b.function)})
		if err != nil {
			return fmt.Errorf("the copy function %s: %w", b.function, endpointError(err))
		}
		if env := fn.Configuration.Environment; env != nil && env.Variables["target_s3_bucket"] != "" && env.Variables["target_s3_bucket"] != b.dst {
			return usagef("copy --batch: the function %s copies to s3://%s, not s3://%s", b.function, env.Variables["target_s3_bucket"], b.dst)
		}
		in.Operation = &types.JobOperation{LambdaInvoke: &types.LambdaInvokeOperation{
			FunctionArn: fn.Configuration.FunctionArn, InvocationSchemaVersion: aws.String("2.0"),
			UserArguments: map[string]string{"sourcePrefix": b.prefix, "destinationPrefix": b.destPrefix},
		}}
	case "S3PutObjectCopy":
		tp := b.destPrefix
		if b.prefix != "" {
			if b.destPrefix != b.prefix {
				return usagef("copy --batch: S3PutObjectCopy prepends --dest-prefix to the whole key; it cannot replace the prefix %q", b.prefix)
			}
			tp = ""
		}
		in.Operation = &types.JobOperation{S3PutObjectCopy: &types.S3CopyObjectOperation{TargetResource: aws.String("arn:aws:s3:::" + b.dst),
			TargetKeyPrefix: aws.String(tp), CannedAccessControlList: types.S3CannedAccessControlListBucketOwnerFullControl}}
	default:
		return usagef("copy --batch: --batch-operation must be LambdaInvoke or S3PutObjectCopy, not %q", b.operation)
	}
	if b.generate {
		g := &types.S3JobManifestGenerator{SourceBucket: aws.String("arn:aws:s3:::" + b.src), EnableManifestOutput: false}
		if b.prefix != "" {
			g.Filter = &types.JobManifestGeneratorFilter{KeyNameConstraint: &types.KeyNameConstraint{MatchAnyPrefix: []string{b.prefix}}}
		}
		in.ManifestGenerator = &types.JobManifestGeneratorMemberS3JobManifestGenerator{Value: *g}
	} else {
		key, etag, n, err := writeManifest(ctx, s3c, b)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("nothing to copy: s3://%s/%s is empty", b.src, b.prefix)
		}
		in.Manifest = &types.JobManifest{
			Spec:     &types.JobManifestSpec{Format: types.JobManifestFormatS3BatchOperationsCsv20180820, Fields: []types.JobManifestFieldName{"Bucket", "Key"}},
			Location: &types.JobManifestLocation{ObjectArn: aws.String("arn:aws:s3:::" + b.reportBucket + "/" + key), ETag: aws.String(etag)},
		}
	}
	start := time.Now()
	out, err := ctl.CreateJob(ctx, in)
	if err != nil {
		return fmt.Errorf("create the Batch Operations job: %w", endpointError(err))
	}
	jobID := aws.ToString(out.JobId)
	fmt.Fprintf(m.Stderr, "xacct copy: Batch Operations job %s created (role %s)\n", jobID, b.roleARN)
	job, err := m.followJob(ctx, ctl, acct, jobID, b)
	if err != nil {
		return err
	}
	ps := job.ProgressSummary
	sum := batchSummary{JobID: jobID, Status: string(job.Status), Seconds: time.Since(start).Seconds()}
	if ps != nil {
		sum.Total, sum.Succeeded, sum.Failed = aws.ToInt64(ps.TotalNumberOfTasks), aws.ToInt64(ps.NumberOfTasksSucceeded), aws.ToInt64(ps.NumberOfTasksFailed)
	}
	for _, f := range job.FailureReasons {
		sum.Reasons = append(sum.Reasons, aws.ToString(f.FailureCode)+": "+aws.ToString(f.FailureReason))
	}
	failures, manifest, rerr := readFailures(ctx, s3c, b.reportBucket, "reports/job-"+jobID)
	if rerr == nil {
		sum.Report = "s3://" + b.reportBucket + "/" + manifest
	}
	for i, f := range failures {
		if i == 20 {
			fmt.Fprintf(m.Stderr, "xacct copy: … and %d more failures in %s\n", len(failures)-20, sum.Report)
			break
		}
		fmt.Fprintf(m.Stderr, "xacct copy: failed: s3://%s/%s: %s %s: %s\n", f[0], f[1], f[4], f[5], f[6])
	}
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(sum)
	switch {
	case job.Status != types.JobStatusComplete:
		return fmt.Errorf("the Batch Operations job %s ended %s: %s", jobID, job.Status, strings.Join(sum.Reasons, "; "))
	case sum.Failed > 0:
		return fmt.Errorf("%d of %d objects failed to copy (report: %s)", sum.Failed, sum.Total, sum.Report)
	}
	return nil
}

func randomToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// writeManifest lists the source prefix and writes the job's CSV manifest
// (keys URL-encoded) to manifests/ of the report bucket.
func writeManifest(ctx context.Context, c *s3.Client, b batchCopy) (key, etag string, n int, err error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(b.src), Prefix: aws.String(b.prefix)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return "", "", 0, fmt.Errorf("listing s3://%s/%s for the manifest: %w", b.src, b.prefix, endpointError(err))
		}
		for _, o := range out.Contents {
			w.Write([]string{b.src, url.QueryEscape(aws.ToString(o.Key))})
			n++
		}
	}
	w.Flush()
	key = "manifests/xacct-copy-" + time.Now().UTC().Format("20060102T150405Z") + "-" + randomToken()[:8] + ".csv"
	out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b.reportBucket), Key: aws.String(key), Body: bytes.NewReader(buf.Bytes())})
	if err != nil {
		return "", "", 0, fmt.Errorf("writing the manifest to s3://%s/%s: %w", b.reportBucket, key, endpointError(err))
	}
	return key, aws.ToString(out.ETag), n, nil
}

// followJob polls DescribeJob until the job ends, with a progress bar (a
// line every few seconds when stderr is not a terminal).
func (m *Main) followJob(ctx context.Context, c *s3control.Client, acct, id string, b batchCopy) (*types.JobDescriptor, error) {
	var bar *progressbar.ProgressBar
	last := time.Now()
	defer func() {
		if bar != nil {
			bar.Finish()
		}
	}()
	for {
		out, err := c.DescribeJob(ctx, &s3control.DescribeJobInput{AccountId: aws.String(acct), JobId: aws.String(id)})
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("stopped following job %s; it goes on: xacct copy does not cancel it (aws s3control update-job-status --requested-job-status Cancelled)", id)
			}
			return nil, fmt.Errorf("describe job %s: %w", id, endpointError(err))
		}
		j := out.Job
		var total, done, failed int64
		if ps := j.ProgressSummary; ps != nil {
			total, failed = aws.ToInt64(ps.TotalNumberOfTasks), aws.ToInt64(ps.NumberOfTasksFailed)
			done = aws.ToInt64(ps.NumberOfTasksSucceeded) + failed
		}
		line := fmt.Sprintf("job %s: %d of %d tasks done, %d failed", j.Status, done, total, failed)
		switch {
		case b.quiet:
		case isTerminal(m.Stderr) && total > 0:
			if bar == nil {
				bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(m.Stderr), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
					progressbar.OptionSetItsString("objects"), progressbar.OptionSetSpinnerChangeInterval(0), progressbar.OptionClearOnFinish())
			}
			bar.Describe(line)
			bar.Set64(done)
		case time.Since(last) >= progressEvery:
			last = time.Now()
			fmt.Fprintf(m.Stderr, "xacct copy: %s\n", line)
		}
		switch j.Status {
		case types.JobStatusComplete, types.JobStatusFailed, types.JobStatusCancelled:
			return j, nil
		case types.JobStatusSuspended:
			return j, fmt.Errorf("job %s is Suspended awaiting confirmation (aws s3control update-job-status --requested-job-status Ready)", id)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("stopped following job %s; it goes on: xacct copy does not cancel it (aws s3control update-job-status --requested-job-status Cancelled)", id)
		case <-time.After(b.poll):
		}
	}
}

// readFailures reads the report's manifest.json under dir and returns the
// rows of its failed-task files (Bucket, Key decoded, VersionId,
// TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage).
func readFailures(ctx context.Context, c *s3.Client, bucket, dir string) (rows [][]string, manifestKey string, err error) {
	manifestKey = dir + "/manifest.json"
	get := func(key string) ([]byte, error) {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			return nil, err
		}
		defer out.Body.Close()
		return io.ReadAll(out.Body)
	}
	b, err := get(manifestKey)
	if err != nil {
		return nil, "", err
	}
	var m struct {
		Results []struct{ TaskExecutionStatus, Bucket, Key string }
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, "", err
	}
	for _, r := range m.Results {
		if r.TaskExecutionStatus != "failed" {
			continue
		}
		data, err := get(r.Key)
		if err != nil {
			return nil, manifestKey, err
		}
		recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			return nil, manifestKey, err
		}
		for _, rec := range recs {
			if len(rec) >= 7 {
				if k, err := url.QueryUnescape(rec[1]); err == nil {
					rec[1] = k
				}
				rows = append(rows, rec)
			}
		}
	}
	return rows, manifestKey, nil
}
