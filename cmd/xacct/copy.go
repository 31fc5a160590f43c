package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/xacct/xacct/crossaccount"
	"github.com/xacct/xacct/s3copy"
)

func runCopy(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("copy", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	src := fs.String("source-bucket", "", "bucket to copy from (required)")
	prefix := fs.String("prefix", "", "copy only keys with this prefix")
	dst := fs.String("target-bucket", "", "bucket to copy to (required)")
	destPrefix := fs.String("dest-prefix", "", "replace the prefix with this one in target keys")
	role := fs.String("role-arn", "", "role to assume for the copy (the target account's cross-account role); empty copies with your own credentials")
	externalID := fs.String("external-id", "", "sts:ExternalId for the role")
	listWith := fs.String("list-with", "role", "credentials that read the source: role (the assumed role, as the s3-copy function does) or self")
	concurrency := fs.Int("concurrency", 16, "copies in flight")
	acl := fs.String("acl", "bucket-owner-full-control", "canned ACL for written objects (empty for none)")
	sse := fs.String("sse", "", "server-side encryption of written objects, as the aws CLI's --sse: aws:kms, aws:kms:dsse or AES256 (default: the target bucket's)")
	sseKey := fs.String("sse-kms-key-id", "", "KMS key of written objects (key id, key ARN, alias name or alias ARN; implies --sse aws:kms); an id or alias resolves in the writer's account (the role's, with --role-arn)")
	versionID := fs.String("version-id", "", "copy only this version of the one object the source names (s3://BUCKET/KEY, or --prefix KEY) from a versioned bucket; default: the current version of every object")
	startAfter := fs.String("start-after", "", "continue after this key (a continuation token from an earlier run)")
	region := fs.String("region", "", "region (default: the SDK's)")
	quiet := fs.Bool("quiet", false, "no progress bar or progress lines")
	batch := fs.Bool("batch", false, "run the copy as an S3 Batch Operations job that invokes the deployed s3-copy function once per object (for prefixes too large for one function)")
	reportBucket := fs.String("report-bucket", "", "with --batch: bucket of the job's manifest (manifests/) and completion report (reports/); deploy/home.yaml's BatchReportBucketName (required)")
	batchOp := fs.String("batch-operation", "LambdaInvoke", "with --batch: LambdaInvoke (the s3-copy function) or S3PutObjectCopy (S3's own copy, as the job role)")
	function := fs.String("function", "xacct-s3-copy", "with --batch: the s3-copy function the job invokes")
	jobRole := fs.String("job-role-arn", "", "with --batch: the job's role (default: this account's "+defaultBatchRole+", from deploy/home.yaml)")
	generate := fs.Bool("generate-manifest", false, "with --batch: let Batch Operations list the source (ManifestGenerator) instead of writing a manifest")
	scope := fs.String("report-scope", "FailedTasksOnly", "with --batch: AllTasks or FailedTasksOnly")
	priority := fs.Int("priority", 10, "with --batch: the job's priority")
	poll := fs.Duration("poll", time.Second, "with --batch: how often to ask for the job's progress")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: xacct copy s3://SOURCE-BUCKET[/PREFIX] s3://TARGET-BUCKET[/PREFIX] [--role-arn ARN] [flags]
       xacct copy --source-bucket B [--prefix P] --target-bucket B [--dest-prefix P] [flags]
       xacct copy --batch --report-bucket B s3://SOURCE[/PREFIX] s3://TARGET[/PREFIX] [flags]

Runs the s3-copy engine from a terminal: lists the source prefix and copies
every object server-side to the target bucket, skipping objects already
there with the same size and ETag, with a progress bar (objects, bytes,
rate) on a terminal, a plain line every few seconds otherwise. On Ctrl-C
it prints the --start-after that resumes the copy. Credentials come from the default chain (environment, profile;
AWS_ENDPOINT_URL points at the emulator). Prints the same JSON summary as
the function.

With --batch the copy runs as an S3 Batch Operations job instead: xacct
lists the source into a CSV manifest in the report bucket (or, with
--generate-manifest, lets Batch Operations list it), creates a job that
invokes the deployed s3-copy function once per object as the job role of
deploy/home.yaml, follows it with a progress bar, and prints the report's
failed tasks and a JSON summary. It works the same against AWS and the
emulator.

flags:`)
		fs.PrintDefaults()
	}
	urls, err := m.parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	switch len(urls) {
	case 0:
	case 2:
		if *src != "" || *dst != "" || *prefix != "" || *destPrefix != "" {
			return usagef("copy: give the buckets either as s3:// URLs or with --source-bucket and --target-bucket, not both")
		}
		if *src, *prefix, err = parseS3URL(urls[0]); err != nil {
			return err
		}
		if *dst, *destPrefix, err = parseS3URL(urls[1]); err != nil {
			return err
		}
		if *destPrefix == "" {
			// s3://b/data/ to s3://t keeps the keys as they are.
			*destPrefix = *prefix
		}
	case 1:
		return usagef("copy: the target is missing: xacct copy s3://SOURCE[/PREFIX] s3://TARGET[/PREFIX] (xacct help copy)")
	default:
		return usagef("copy: unexpected argument %q (a source and a target s3:// URL, then flags)", urls[2])
	}
	switch {
	case *src == "" && *dst == "":
		return usagef("copy: the source and target buckets are missing: xacct copy s3://SOURCE[/PREFIX] s3://TARGET[/PREFIX] (xacct help copy)")
	case *src == "":
		return usagef("copy: the source bucket is missing (--source-bucket B)")
	case *dst == "":
		return usagef("copy: the target bucket is missing (--target-bucket B)")
	}
	switch s3types.ServerSideEncryption(*sse) {
	case "", s3types.ServerSideEncryptionAwsKms, s3types.ServerSideEncryptionAwsKmsDsse, s3types.ServerSideEncryptionAes256:
	default:
		return usagef("copy: --sse must be aws:kms, aws:kms:dsse or AES256, not %q", *sse)
	}
	if *sse == "AES256" && *sseKey != "" {
		return usagef("copy: --sse-kms-key-id goes with --sse aws:kms or aws:kms:dsse, not AES256")
	}
	if *versionID != "" && (*batch || *prefix == "" || *startAfter != "") {
		return usagef("copy: --version-id copies one object: name its key as the source (s3://BUCKET/KEY), without --batch or --start-after")
	}
	if *batch {
		if *sse != "" || *sseKey != "" {
			return usagef("copy --batch: the job's copies encrypt as the s3-copy function is configured (its SSE_KMS_KEY_ID) or as the target bucket's default; --sse and --sse-kms-key-id are for a direct copy")
		}
		if *reportBucket == "" {
			return usagef("copy --batch: the report bucket is missing (--report-bucket B)")
		}
		if *scope != "AllTasks" && *scope != "FailedTasksOnly" {
			return usagef("copy --batch: --report-scope must be AllTasks or FailedTasksOnly, not %q", *scope)
		}
		if *priority < 0 || *poll <= 0 {
			return usagef("copy --batch: --priority must be 0 or more and --poll positive")
		}
		return m.runBatchCopy(ctx, batchCopy{src: *src, prefix: *prefix, dst: *dst, destPrefix: *destPrefix, reportBucket: *reportBucket,
			function: *function, operation: *batchOp, roleARN: *jobRole, generate: *generate, scope: *scope, priority: int32(*priority),
			poll: *poll, quiet: *quiet}, *region)
	}
	if *listWith != "role" && *listWith != "self" {
		return usagef("copy: --list-with must be role or self, not %q", *listWith)
	}
	if *concurrency < 1 || *concurrency > maxConcurrency {
		return usagef("copy: --concurrency must be between 1 and %d, not %d", maxConcurrency, *concurrency)
	}
	cfg, err := sdkConfig(ctx, *region)
	if err != nil {
		return err
	}
	cfg.HTTPClient = s3copy.HTTPClient(*concurrency)
	own := s3.NewFromConfig(cfg)
	target := own
	if *role != "" {
		a := crossaccount.New(cfg, func(o *crossaccount.Options) { o.ExternalID, o.SessionName = *externalID, "xacct-copy" })
		rcfg, err := a.ConfigForRole(ctx, *role)
		if err != nil {
			if crossaccount.IsAccessDenied(err) {
				return fmt.Errorf("%w\n\n%s", err, crossaccount.Explain(err))
			}
			return endpointError(err)
		}
		target = s3.NewFromConfig(rcfg)
	}
	source := target
	if *listWith == "self" {
		source = own
	}
	progress := newProgress(m.Stderr, *quiet, time.Now)
	c := s3copy.New(source, target, func(o *s3copy.Options) {
		o.DestPrefix, o.Concurrency, o.ACL = *destPrefix, *concurrency, s3types.ObjectCannedACL(*acl)
		o.SSE, o.SSEKMSKeyID = s3types.ServerSideEncryption(*sse), *sseKey
		o.Progress = progress.update
	})
	job := s3copy.Job{SourceBucket: *src, Prefix: *prefix, TargetBucket: *dst, StartAfter: *startAfter}
	if *versionID != "" {
		job.Key, job.VersionID = *prefix, *versionID
	}
	sum, err := c.Copy(ctx, job)
	progress.finish()
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(sum)
	return copyResult(ctx, job, sum, err)
}

// maxConcurrency bounds --concurrency: each copy in flight holds a
// connection, and more than this only queues at S3.
const maxConcurrency = 1024

// copyResult turns the engine's outcome into the command's error: an
// interrupted copy says how to resume, a failed listing is reported as
// such, and failed objects are counted.
func copyResult(ctx context.Context, job s3copy.Job, sum s3copy.Summary, err error) error {
	if ctx.Err() != nil {
		resume := "run the same command again (nothing was finished in key order yet)"
		if sum.Continuation != "" {
			resume = fmt.Sprintf("run the same command with --start-after %q to resume (every key up to it is done; copies already there are skipped)", sum.Continuation)
		}
		return fmt.Errorf("copy interrupted after %d copied, %d skipped: %s", sum.Copied, sum.Skipped, resume)
	}
	if err != nil {
		var oe *s3copy.ObjectError
		if errors.As(err, &oe) && oe.Op == "ListObjectsV2" {
			if sum.Failed == 0 {
				return fmt.Errorf("listing s3://%s/%s failed: %w", job.SourceBucket, job.Prefix, endpointError(oe.Err))
			}
			return fmt.Errorf("listing s3://%s/%s failed and %d objects failed to copy: %w", job.SourceBucket, job.Prefix, sum.Failed, endpointError(err))
		}
		if x := crossaccount.Explain(err); x != err.Error() {
			// A KMS refusal (step 4) explained: the key policy, the role's
			// KMS permission, aws/s3 across accounts.
			return fmt.Errorf("%d objects failed to copy: %w\n\n%s", sum.Failed, endpointError(err), x)
		}
		return fmt.Errorf("%d objects failed to copy: %w", sum.Failed, endpointError(err))
	}
	if sum.Stopped {
		return fmt.Errorf("the copy stopped early; run again with --start-after %q", sum.Continuation)
	}
	return nil
}

// parseS3URL splits s3://bucket/prefix.
func parseS3URL(u string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(u, "s3://")
	if !ok {
		return "", "", usagef("copy: %q is not an s3://BUCKET[/PREFIX] URL", u)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", usagef("copy: %q names no bucket", u)
	}
	return bucket, prefix, nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
