// Package copyfunc is the s3-copy Lambda function: it copies every object
// under a prefix from a home bucket to a bucket in another account with
// the credentials of an assumed role (the Qiita article's function, done
// with the s3copy engine), and also serves S3 Batch Operations invocations
// so a copy too large for one invocation runs as a Batch Operations job.
package copyfunc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/xacct/xacct/crossaccount"
	"github.com/xacct/xacct/s3copy"
)

// Config is the function's environment. The first four names are the
// Qiita article's.
type Config struct {
	SourceBucket string // s3_bucket
	Prefix       string // s3_key
	TargetBucket string // target_s3_bucket
	RoleARN      string // target_account_role_arn
	// DestPrefix (DEST_PREFIX) replaces Prefix in target keys.
	DestPrefix string
	// Concurrency (CONCURRENCY, default 16) bounds parallel copies.
	Concurrency int
	// ExternalID (EXTERNAL_ID) is sent when assuming the role.
	ExternalID string
	// ACL (TARGET_ACL, default bucket-owner-full-control; "none" for no
	// ACL) is set on every copied object.
	ACL types.ObjectCannedACL
	// SSE (SSE: aws:kms, aws:kms:dsse or AES256) and SSEKMSKeyID
	// (SSE_KMS_KEY_ID, which alone means aws:kms) are the encryption
	// every copy asks for; unset, the target bucket's default applies.
	// The key id or alias resolves in the assumed role's account.
	SSE         types.ServerSideEncryption
	SSEKMSKeyID string
	// MultipartThreshold (MULTIPART_THRESHOLD bytes, default 5 GiB).
	MultipartThreshold int64
	// ListWithFunctionCredentials (LIST_WITH=function) lists the source
	// with the function's own credentials instead of the assumed role's.
	ListWithFunctionCredentials bool
}

// ConfigFromEnv reads and checks the environment.
func ConfigFromEnv() (Config, error) {
	c := Config{
		SourceBucket:                os.Getenv("s3_bucket"),
		Prefix:                      os.Getenv("s3_key"),
		TargetBucket:                os.Getenv("target_s3_bucket"),
		RoleARN:                     os.Getenv("target_account_role_arn"),
		DestPrefix:                  os.Getenv("DEST_PREFIX"),
		ExternalID:                  os.Getenv("EXTERNAL_ID"),
		SSE:                         types.ServerSideEncryption(os.Getenv("SSE")),
		SSEKMSKeyID:                 os.Getenv("SSE_KMS_KEY_ID"),
		ACL:                         types.ObjectCannedACLBucketOwnerFullControl,
		Concurrency:                 16,
		ListWithFunctionCredentials: os.Getenv("LIST_WITH") == "function",
	}
	var missing []string
	for name, v := range map[string]string{"s3_bucket": c.SourceBucket, "target_s3_bucket": c.TargetBucket, "target_account_role_arn": c.RoleARN} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("missing environment variables: %s", strings.Join(missing, ", "))
	}
	if _, err := crossaccount.ParseRoleARN(c.RoleARN); err != nil {
		return c, err
	}
	switch c.SSE {
	case "", types.ServerSideEncryptionAwsKms, types.ServerSideEncryptionAwsKmsDsse, types.ServerSideEncryptionAes256:
	default:
		return c, fmt.Errorf("SSE must be aws:kms, aws:kms:dsse or AES256, got %q", c.SSE)
	}
	if c.SSE == types.ServerSideEncryptionAes256 && c.SSEKMSKeyID != "" {
		return c, fmt.Errorf("SSE_KMS_KEY_ID goes with SSE aws:kms or aws:kms:dsse, not AES256")
	}
	if v := os.Getenv("TARGET_ACL"); v != "" {
		c.ACL = types.ObjectCannedACL(v)
		if v == "none" {
			c.ACL = ""
		}
	}
	if v := os.Getenv("CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return c, fmt.Errorf("CONCURRENCY must be 1..1000, got %q", v)
		}
		c.Concurrency = n
	}
	if v := os.Getenv("MULTIPART_THRESHOLD"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 5<<20 {
			return c, fmt.Errorf("MULTIPART_THRESHOLD must be at least 5242880 bytes, got %q", v)
		}
		c.MultipartThreshold = n
	}
	return c, nil
}

// Handler holds the function's dependencies; build it once per process.
type Handler struct {
	Config  Config
	Assumer *crossaccount.Assumer
	// Base is the function's own config (for LIST_WITH=function).
	Base aws.Config
	Log  *slog.Logger
	// Options adjusts the copy engine (tests shorten backoffs).
	Options func(*s3copy.Options)
}

// New builds the handler.
func New(base aws.Config, c Config, log *slog.Logger) *Handler {
	a := crossaccount.New(base, func(o *crossaccount.Options) {
		o.SessionName, o.ExternalID = "S3CrossAccountRole", c.ExternalID
	})
	return &Handler{Config: c, Assumer: a, Base: base, Log: log}
}

// Result is the summary returned by a prefix copy.
type Result = s3copy.Summary

// Handle dispatches on the event: an S3 Batch Operations invocation, a
// copy of one version of an object ({"version_id": "…", "key": "…"}; key
// defaults to s3_key), or a prefix copy ({} or {"continuation_token":
// "…"}), which copies the current version of each object.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var probe struct {
		InvocationSchemaVersion string `json:"invocationSchemaVersion"`
		ContinuationToken       string `json:"continuation_token"`
		Key                     string `json:"key"`
		VersionID               string `json:"version_id"`
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &probe); err != nil {
			return nil, fmt.Errorf("event is not a JSON object: %w", err)
		}
	}
	if probe.InvocationSchemaVersion != "" {
		var ev BatchEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("batch operations event: %w", err)
		}
		return h.HandleBatch(ctx, ev)
	}
	if probe.VersionID != "" {
		key := probe.Key
		if key == "" {
			key = h.Config.Prefix
		}
		return h.CopyVersion(ctx, key, probe.VersionID)
	}
	return h.CopyPrefix(ctx, probe.ContinuationToken)
}

// CopyVersion copies one version of the source object key (which needs
// s3:GetObjectVersion on it) to the target, its key mapped as a prefix
// copy maps it. A failure is returned as the function's error.
func (h *Handler) CopyVersion(ctx context.Context, key, versionID string) (Result, error) {
	c, err := h.copier(ctx)
	if err != nil {
		return Result{}, err
	}
	job := s3copy.Job{SourceBucket: h.Config.SourceBucket, Prefix: h.Config.Prefix, TargetBucket: h.Config.TargetBucket, Key: key, VersionID: versionID}
	sum, err := c.Copy(ctx, job)
	attrs := []any{slog.String("source", "s3://"+job.SourceBucket+"/"+key), slog.String("version_id", versionID), slog.Int("copied", sum.Copied), slog.Int("skipped", sum.Skipped), slog.Int64("bytes", sum.Bytes)}
	if err != nil {
		h.Log.ErrorContext(ctx, "failed to copy", append(attrs, slog.String("error", err.Error()))...)
		return sum, err
	}
	h.Log.InfoContext(ctx, "copy finished", attrs...)
	return sum, nil
}

func (h *Handler) copier(ctx context.Context) (*s3copy.Copier, error) {
	cfg, err := h.Assumer.ConfigForRole(ctx, h.Config.RoleARN)
	if err != nil {
		h.Log.ErrorContext(ctx, "failed to assume role", slog.String("role_arn", h.Config.RoleARN), slog.String("error", err.Error()))
		if crossaccount.IsAccessDenied(err) {
			h.Log.ErrorContext(ctx, crossaccount.Explain(err))
		}
		return nil, err
	}
	target := s3.NewFromConfig(cfg)
	var source s3copy.SourceAPI = target
	if h.Config.ListWithFunctionCredentials {
		source = s3.NewFromConfig(h.Base)
	}
	return s3copy.New(source, target, func(o *s3copy.Options) {
		o.DestPrefix, o.Concurrency, o.ACL, o.MultipartThreshold = h.Config.DestPrefix, h.Config.Concurrency, h.Config.ACL, h.Config.MultipartThreshold
		o.SSE, o.SSEKMSKeyID = h.Config.SSE, h.Config.SSEKMSKeyID
		if h.Options != nil {
			h.Options(o)
		}
	}), nil
}

// CopyPrefix copies the configured prefix, resuming after startAfter. Any
// failed object makes it return an error (so Lambda counts the invocation
// in Errors); a copy stopped before the deadline returns its summary with
// a continuation token.
func (h *Handler) CopyPrefix(ctx context.Context, startAfter string) (Result, error) {
	c, err := h.copier(ctx)
	if err != nil {
		return Result{}, err
	}
	job := s3copy.Job{SourceBucket: h.Config.SourceBucket, Prefix: h.Config.Prefix, TargetBucket: h.Config.TargetBucket, StartAfter: startAfter}
	h.Log.InfoContext(ctx, "copy started", slog.String("source", "s3://"+job.SourceBucket+"/"+job.Prefix), slog.String("target", "s3://"+job.TargetBucket+"/"+h.Config.DestPrefix), slog.String("start_after", startAfter))
	sum, err := c.Copy(ctx, job)
	attrs := []any{slog.Int("copied", sum.Copied), slog.Int("skipped", sum.Skipped), slog.Int("failed", sum.Failed), slog.Int64("bytes", sum.Bytes), slog.Int64("duration_ms", sum.DurationMS)}
	if sum.Stopped {
		attrs = append(attrs, slog.Bool("stopped", true), slog.String("continuation_token", sum.Continuation))
	}
	if err != nil {
		explained := false
		for _, e := range unjoin(err) {
			h.Log.ErrorContext(ctx, "failed to copy", slog.String("error", e.Error()))
			if x := crossaccount.Explain(e); !explained && x != e.Error() {
				// A KMS refusal (step 4), explained once.
				h.Log.ErrorContext(ctx, x)
				explained = true
			}
		}
		h.Log.ErrorContext(ctx, "copy finished with failures", attrs...)
		return sum, fmt.Errorf("%d of %d objects failed to copy: %w", sum.Failed, sum.Failed+sum.Copied+sum.Skipped, err)
	}
	if sum.Stopped {
		h.Log.WarnContext(ctx, "copy stopped before the deadline; invoke again with the continuation_token to finish", attrs...)
		return sum, nil
	}
	h.Log.InfoContext(ctx, "copy finished", attrs...)
	return sum, nil
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// BatchEvent is an S3 Batch Operations invocation (schema 1.0 or 2.0)
// (Amazon S3 User Guide, "Invoke AWS Lambda function").
type BatchEvent struct {
	InvocationSchemaVersion string `json:"invocationSchemaVersion"`
	InvocationID            string `json:"invocationId"`
	Job                     struct {
		ID            string            `json:"id"`
		UserArguments map[string]string `json:"userArguments,omitempty"`
	} `json:"job"`
	Tasks []struct {
		TaskID      string  `json:"taskId"`
		S3Key       string  `json:"s3Key"`
		S3VersionID *string `json:"s3VersionId"`
		S3BucketArn string  `json:"s3BucketArn,omitempty"`
		S3Bucket    string  `json:"s3Bucket,omitempty"`
	} `json:"tasks"`
}

// BatchResponse is what Batch Operations expects back.
type BatchResponse struct {
	InvocationSchemaVersion string        `json:"invocationSchemaVersion"`
	TreatMissingKeysAs      string        `json:"treatMissingKeysAs"`
	InvocationID            string        `json:"invocationId"`
	Results                 []BatchResult `json:"results"`
}

// BatchResult is one task's outcome: Succeeded, TemporaryFailure (Batch
// Operations retries it) or PermanentFailure.
type BatchResult struct {
	TaskID       string `json:"taskId"`
	ResultCode   string `json:"resultCode"`
	ResultString string `json:"resultString"`
}

// HandleBatch copies each task's object to the target bucket. Keys are
// URL-encoded in schema 1.0. userArguments.sourcePrefix, when given, is
// cut from the front of the key and userArguments.destinationPrefix put
// in its place (`xacct copy --batch --dest-prefix`).
func (h *Handler) HandleBatch(ctx context.Context, ev BatchEvent) (BatchResponse, error) {
	resp := BatchResponse{InvocationSchemaVersion: ev.InvocationSchemaVersion, TreatMissingKeysAs: "PermanentFailure", InvocationID: ev.InvocationID}
	if ev.InvocationSchemaVersion != "1.0" && ev.InvocationSchemaVersion != "2.0" {
		return resp, fmt.Errorf("unsupported invocationSchemaVersion %q", ev.InvocationSchemaVersion)
	}
	c, err := h.copier(ctx)
	for _, t := range ev.Tasks {
		r := BatchResult{TaskID: t.TaskID}
		key := t.S3Key
		if ev.InvocationSchemaVersion == "1.0" {
			if k, derr := url.QueryUnescape(t.S3Key); derr == nil {
				key = k
			}
		}
		bucket := t.S3Bucket
		if bucket == "" {
			bucket = strings.TrimPrefix(t.S3BucketArn, "arn:aws:s3:::")
		}
		dstKey := ev.Job.UserArguments["destinationPrefix"] + strings.TrimPrefix(key, ev.Job.UserArguments["sourcePrefix"])
		switch {
		case err != nil:
			r.ResultCode, r.ResultString = resultFor(err), "assume role: "+err.Error()
		case bucket == "" || key == "":
			r.ResultCode, r.ResultString = "PermanentFailure", "task names no bucket or key"
		default:
			start := time.Now()
			// A task of a versioned manifest names the version to copy.
			src, cerr := c.StatVersion(ctx, bucket, key, aws.ToString(t.S3VersionID))
			var skipped bool
			var n int64
			if cerr == nil {
				skipped, n, cerr = c.CopyObject(ctx, src, h.Config.TargetBucket, dstKey)
			}
			if cerr != nil {
				r.ResultCode, r.ResultString = resultFor(cerr), cerr.Error()
				h.Log.ErrorContext(ctx, "failed to copy", slog.String("task_id", t.TaskID), slog.String("error", cerr.Error()))
			} else {
				r.ResultCode = "Succeeded"
				r.ResultString = fmt.Sprintf("copied s3://%s/%s to s3://%s/%s (%d bytes, %s)", bucket, key, h.Config.TargetBucket, dstKey, n, time.Since(start).Round(time.Millisecond))
				if skipped {
					r.ResultString = fmt.Sprintf("s3://%s/%s already present", h.Config.TargetBucket, dstKey)
				}
			}
		}
		resp.Results = append(resp.Results, r)
	}
	return resp, nil
}

func resultFor(err error) string {
	if s3copy.Retryable(err) || errors.Is(err, context.DeadlineExceeded) {
		return "TemporaryFailure"
	}
	return "PermanentFailure"
}
