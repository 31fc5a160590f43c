package s3control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/xacct/xacct/emulator/awserr"
)

// failureThreshold: once this many tasks were attempted, a job whose
// failed tasks exceed half of those attempted fails ("Tracking job status
// and completion reports", Tracking job failures).
const failureThreshold = 1000

// schedule starts jobs as they become runnable: New jobs are prepared,
// Ready ones run, the highest Priority first, at most ActiveJobs at once.
func (s *Service) schedule() {
	for {
		if s.opts.Env != nil {
			for _, c := range s.store.claim(s.ctx, s.opts.ActiveJobs) {
				s.wg.Add(1)
				go func() {
					defer s.wg.Done()
					s.run(c.ctx, c.j)
					s.store.release(c.j.ID)
					c.cancel()
					s.poke()
				}()
			}
		}
		select {
		case <-s.ctx.Done():
			return
		case <-s.wake:
		}
	}
}

// run takes j from its status to the next resting one: prepared (and
// Suspended when it needs confirmation), then Active until its tasks are
// done, cancelled or failed. ctx ends when the service stops (j keeps its
// status and resumes) or the job is cancelled.
func (s *Service) run(ctx context.Context, j *Job) {
	status := s.store.status(j)
	if status == StatusCancelling {
		s.store.setStatus(j, StatusCancelled)
		return
	}
	cfg, err := s.opts.Env.JobConfig(ctx, j)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		// The job's role could not be assumed: the job fails before it
		// reads its manifest.
		s.store.fail(j, failureCode(err), "Unable to assume the job's role "+j.RoleARN+": "+failureText(err))
		return
	}
	w := &worker{s: s, j: j, s3: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		lambda: lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.RetryMaxAttempts = 1 })}
	if status == StatusNew || status == StatusPreparing {
		s.store.setStatus(j, StatusPreparing)
		tasks, err := w.prepare(ctx)
		if ctx.Err() != nil {
			return
		}
		next := ""
		if err == nil {
			next, err = s.store.prepared(j, tasks)
		}
		if err != nil {
			var me *errManifest
			switch {
			case errors.As(err, &me):
				s.store.fail(j, "InvalidManifestContent", me.msg)
			default:
				s.store.fail(j, failureCode(err), "Reading the manifest is forbidden: "+failureText(err))
			}
			return
		}
		if next != StatusReady {
			return
		}
	}
	final, reportOnly := s.store.activate(j)
	if !reportOnly {
		outcome, err := w.runTasks(ctx)
		if err != nil {
			s.store.fail(j, "InternalError", "Recording the job's results failed: "+err.Error())
			return
		}
		if s.ctx.Err() != nil {
			return // stopping: the job resumes at the next start
		}
		// The report is written while the job is Completing, Failing or
		// Cancelling; the final status follows it.
		final = s.store.tasksDone(j, outcome)
	}
	err = w.writeReport(context.WithoutCancel(ctx))
	if err != nil {
		s.opts.Log.Error("s3control: completion report", slog.String("job", j.ID), slog.Any("error", err))
		if final == StatusComplete {
			s.store.fail(j, failureCode(err), "Writing the completion report failed: "+failureText(err))
			return
		}
	}
	s.store.setStatus(j, final)
}

func failureCode(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "InternalError"
}

func failureText(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Message
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return err.Error()
}

// worker runs one job's tasks with the clients of its role's session.
type worker struct {
	s      *Service
	j      *Job
	s3     *s3.Client
	lambda *lambda.Client
}

// prepare reads the manifest (or generates it) as the job's role.
func (w *worker) prepare(ctx context.Context) ([]Task, error) {
	j := w.j
	if g := j.Generator; g != nil {
		return w.generate(ctx, g)
	}
	bucket, key, _ := splitObjectARN(j.Manifest.ObjectARN)
	data, etag, err := w.get(ctx, bucket, key, j.Manifest.VersionID)
	if err != nil {
		return nil, err
	}
	if strings.Trim(etag, `"`) != strings.Trim(j.Manifest.ETag, `"`) {
		return nil, manifestError("The manifest's ETag %s does not match the ETag of %s (%s)", j.Manifest.ETag, j.Manifest.ObjectARN, etag)
	}
	if j.Manifest.Format == FormatCSV {
		return ParseCSVManifest(data, j.Manifest.Fields)
	}
	m, dataBucket, cols, err := ParseInventoryManifest(data)
	if err != nil {
		return nil, err
	}
	var tasks []Task
	for _, f := range m.Files {
		b, _, err := w.get(ctx, dataBucket, f.Key, "")
		if err != nil {
			return nil, err
		}
		t, err := ParseInventoryFile(b, cols)
		if err != nil {
			return nil, err
		}
		tasks = append(tasks, t...)
	}
	return tasks, nil
}

func (w *worker) get(ctx context.Context, bucket, key, version string) ([]byte, string, error) {
	in := &s3.GetObjectInput{Bucket: &bucket, Key: &key}
	if version != "" {
		in.VersionId = &version
	}
	out, err := w.s3.GetObject(ctx, in)
	if err != nil {
		return nil, "", err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, maxManifestBytes+1))
	if err != nil {
		return nil, "", err
	}
	if len(b) > maxManifestBytes {
		return nil, "", manifestError("The manifest %s/%s is larger than the emulator reads (1 GiB)", bucket, key)
	}
	return b, aws.ToString(out.ETag), nil
}

// generate lists the source bucket as the job's role (S3JobManifestGenerator).
func (w *worker) generate(ctx context.Context, g *Generator) ([]Task, error) {
	bucket, _ := bucketFromARN(g.SourceBucketARN)
	prefixes := g.Prefixes
	if len(prefixes) == 0 {
		prefixes = []string{""}
	}
	seen := map[string]bool{}
	var tasks []Task
	for _, p := range prefixes {
		in := &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: aws.String(p)}
		if g.ExpectedBucketOwner != "" {
			in.ExpectedBucketOwner = &g.ExpectedBucketOwner
		}
		pg := s3.NewListObjectsV2Paginator(w.s3, in)
		for pg.HasMorePages() {
			out, err := pg.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, o := range out.Contents {
				k := aws.ToString(o.Key)
				if !seen[k] {
					seen[k] = true
					tasks = append(tasks, Task{Bucket: bucket, Key: k})
				}
			}
		}
	}
	slices.SortFunc(tasks, func(a, b Task) int { return strings.Compare(a.Key, b.Key) })
	if g.EnableOutput {
		if err := w.writeGeneratedManifest(ctx, g, tasks); err != nil {
			return nil, err
		}
	}
	return tasks, nil
}

// runTasks runs the pending tasks with at most Concurrency at once. It
// returns the failure-threshold reason when the job must fail, "" when
// every task finished (or ctx ended), and an error when the job's results
// journal cannot be opened.
func (w *worker) runTasks(ctx context.Context) (string, error) {
	s, j := w.s, w.j
	tasks, pending, err := s.store.pending(j)
	if err != nil {
		return "", err
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var (
		mu     sync.Mutex
		failed string
	)
	idx := make(chan int)
	var wg sync.WaitGroup
	for range min(s.opts.Concurrency, max(len(pending), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				r := w.runTask(ctx, i, tasks[i])
				if r == nil {
					continue // stopped or cancelled: the task stays pending
				}
				nfailed, done, err := s.store.record(j, r)
				if err != nil {
					s.opts.Log.Error("s3control: record task", slog.String("job", j.ID), slog.Any("error", err))
					continue
				}
				if done >= failureThreshold && nfailed*2 > done {
					mu.Lock()
					if failed == "" {
						failed = fmt.Sprintf("Job failed: %d of the %d tasks attempted failed, more than the 50%% failure threshold", nfailed, done)
					}
					mu.Unlock()
					stop()
				}
			}
		}()
	}
feed:
	for _, i := range pending {
		select {
		case idx <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(idx)
	wg.Wait()
	return failed, nil
}

// runTask runs one task, retrying TemporaryFailure with a doubling delay
// up to MaxAttempts ("Invoke AWS Lambda function": Batch Operations
// retries a task whose function returns TemporaryFailure). A Lambda
// throttle (429) is retried the same way but is not counted as an attempt:
// the function never ran, and the job slows down instead of failing tasks.
// It returns nil when ctx ended first.
func (w *worker) runTask(ctx context.Context, i int, t Task) *result {
	delay := w.s.opts.RetryDelay
	for attempt := 1; ; {
		r, temporary := w.attempt(ctx, i, t)
		if ctx.Err() != nil {
			return nil
		}
		if !temporary {
			return r
		}
		if r.HTTP != http.StatusTooManyRequests {
			if attempt >= w.s.opts.MaxAttempts {
				return r
			}
			attempt++
		}
		w.s.store.retried(w.j.ID)
		wait := delay + time.Duration(rand.Int64N(int64(delay)))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		delay = min(delay*2, 2*time.Second)
	}
}

func (w *worker) attempt(ctx context.Context, i int, t Task) (*result, bool) {
	r := &result{Job: w.j.ID, Index: i}
	switch w.j.Operation.Kind {
	case "LambdaInvoke":
		return w.invoke(ctx, r, t)
	default:
		return w.copy(ctx, r, t)
	}
}

// batchEvent is the event a function receives (Amazon S3 User Guide,
// "Invoke AWS Lambda function": schema 1.0 names the bucket by ARN and
// URL-encodes the key; schema 2.0 names the bucket and passes
// userArguments).
type batchEvent struct {
	InvocationSchemaVersion string `json:"invocationSchemaVersion"`
	InvocationID            string `json:"invocationId"`
	Job                     struct {
		ID            string            `json:"id"`
		UserArguments map[string]string `json:"userArguments,omitempty"`
	} `json:"job"`
	Tasks []batchTask `json:"tasks"`
}

type batchTask struct {
	TaskID      string  `json:"taskId"`
	S3BucketArn string  `json:"s3BucketArn,omitempty"`
	S3Bucket    string  `json:"s3Bucket,omitempty"`
	S3Key       string  `json:"s3Key"`
	S3VersionID *string `json:"s3VersionId"`
}

type batchResponse struct {
	InvocationSchemaVersion string `json:"invocationSchemaVersion"`
	TreatMissingKeysAs      string `json:"treatMissingKeysAs"`
	InvocationID            string `json:"invocationId"`
	Results                 []struct {
		TaskID       string `json:"taskId"`
		ResultCode   string `json:"resultCode"`
		ResultString string `json:"resultString"`
	} `json:"results"`
}

func (w *worker) invoke(ctx context.Context, r *result, t Task) (*result, bool) {
	op := w.j.Operation
	ev := batchEvent{InvocationSchemaVersion: op.SchemaVersion, InvocationID: newJobID()}
	ev.Job.ID = w.j.ID
	task := batchTask{TaskID: fmt.Sprintf("%s-%d", w.j.ID[:8], r.Index)}
	if t.VersionID != "" {
		task.S3VersionID = &t.VersionID
	}
	if op.SchemaVersion == "2.0" {
		ev.Job.UserArguments = op.UserArguments
		task.S3Bucket, task.S3Key = t.Bucket, t.Key
	} else {
		task.S3BucketArn, task.S3Key = "arn:aws:s3:::"+t.Bucket, url.QueryEscape(t.Key)
	}
	ev.Tasks = []batchTask{task}
	payload, _ := json.Marshal(ev)
	out, err := w.lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: &op.FunctionARN, Payload: payload})
	r.HTTP = http.StatusOK
	if err != nil {
		code, status, msg := apiError(err)
		r.HTTP = status
		r.ErrorCode, r.Message = "PermanentFailure", "Lambda returned error: "+code+": "+msg
		if status == http.StatusTooManyRequests || status >= 500 {
			r.ErrorCode = "TemporaryFailure"
			return r, true
		}
		return r, false
	}
	if out.FunctionError != nil {
		r.ErrorCode, r.Message = "PermanentFailure", "Lambda returned function error: "+string(out.Payload)
		return r, false
	}
	var resp batchResponse
	if err := json.Unmarshal(out.Payload, &resp); err != nil || len(resp.Results) != 1 {
		r.ErrorCode, r.Message = "PermanentFailure", "Lambda returned an invalid response: "+string(out.Payload)
		return r, false
	}
	res := resp.Results[0]
	r.Message = res.ResultString
	switch res.ResultCode {
	case "Succeeded":
		r.Succeeded = true
	case "TemporaryFailure":
		r.ErrorCode = "TemporaryFailure"
		return r, true
	default:
		r.ErrorCode = "PermanentFailure"
	}
	return r, false
}

// copy is S3PutObjectCopy: CopyObject as the job's role.
func (w *worker) copy(ctx context.Context, r *result, t Task) (*result, bool) {
	op := w.j.Operation
	dst, _ := bucketFromARN(op.TargetBucketARN)
	src := url.PathEscape(t.Bucket) + "/" + escapeKey(t.Key)
	if t.VersionID != "" {
		src += "?versionId=" + url.QueryEscape(t.VersionID)
	}
	in := &s3.CopyObjectInput{Bucket: &dst, Key: aws.String(op.TargetKeyPrefix + t.Key), CopySource: &src}
	if op.ACL != "" {
		in.ACL = s3types.ObjectCannedACL(op.ACL)
	}
	if op.MetadataDirective != "" {
		in.MetadataDirective = s3types.MetadataDirective(op.MetadataDirective)
	}
	if op.StorageClass != "" {
		in.StorageClass = s3types.StorageClass(op.StorageClass)
	}
	_, err := w.s3.CopyObject(ctx, in)
	r.HTTP = http.StatusOK
	if err != nil {
		code, status, msg := apiError(err)
		r.ErrorCode, r.HTTP, r.Message = code, status, msg
		return r, status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests || status == http.StatusInternalServerError
	}
	r.Succeeded, r.Message = true, "Successful"
	return r, false
}

func escapeKey(k string) string {
	parts := strings.Split(k, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

func apiError(err error) (code string, status int, msg string) {
	code, status, msg = "InternalError", http.StatusInternalServerError, err.Error()
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code, msg = ae.ErrorCode(), ae.ErrorMessage()
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return code, status, msg
}
