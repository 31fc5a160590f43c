// Package s3copy copies every object under a prefix from one bucket to
// another, typically in another account: a paginated listing streams keys
// to a bounded pool of server-side copies (CopyObject, or UploadPartCopy
// above a size threshold), objects already copied are skipped, throttling
// and server errors are retried with backoff, and a copy that must stop
// before a deadline reports a continuation token to resume from.
//
//	c := s3copy.New(sourceClient, targetClient, func(o *s3copy.Options) {
//		o.Concurrency = 32
//		o.ACL = types.ObjectCannedACLBucketOwnerFullControl
//	})
//	sum, err := c.Copy(ctx, s3copy.Job{SourceBucket: "home", Prefix: "data/", TargetBucket: "target"})
package s3copy

import (
	"context"
	"math/rand/v2"
	"net/http"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// SourceAPI lists the source bucket. *s3.Client satisfies it.
type SourceAPI interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// TargetAPI writes the target bucket; S3 reads the copy source with the
// same credentials. *s3.Client satisfies it.
type TargetAPI interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	GetObjectTagging(ctx context.Context, in *s3.GetObjectTaggingInput, optFns ...func(*s3.Options)) (*s3.GetObjectTaggingOutput, error)
	CopyObject(ctx context.Context, in *s3.CopyObjectInput, optFns ...func(*s3.Options)) (*s3.CopyObjectOutput, error)
	CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error)
	UploadPartCopy(ctx context.Context, in *s3.UploadPartCopyInput, optFns ...func(*s3.Options)) (*s3.UploadPartCopyOutput, error)
	CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error)
	AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
}

// S3 limits (Amazon S3 User Guide, "Amazon S3 multipart upload limits").
const (
	// MaxCopySize is the largest object CopyObject copies; larger ones need
	// multipart UploadPartCopy.
	MaxCopySize = 5 << 30
	minPartSize = 5 << 20
	maxPartSize = 5 << 30
	maxParts    = 10000
)

// SourceETagKey is the user metadata key that records, on objects copied
// with multipart, the source's ETag, so a rerun recognises them (their own
// ETag differs from the source's).
const SourceETagKey = "xacct-source-etag"

// Options tune a Copier. Zero values take the defaults.
type Options struct {
	// DestPrefix replaces the job's Prefix at the start of target keys
	// (default: keys are copied unchanged).
	DestPrefix string
	// Concurrency bounds the copies in flight (default 16).
	Concurrency int
	// MultipartThreshold: objects larger than this are copied with
	// UploadPartCopy (default and maximum 5 GiB, S3's CopyObject limit).
	MultipartThreshold int64
	// PartSize is the UploadPartCopy part size (default 256 MiB; at least 5
	// MiB; raised when an object would need more than 10,000 parts).
	PartSize int64
	// PartConcurrency bounds parallel parts of one object (default 4).
	PartConcurrency int
	// ACL is sent with every write when set, e.g. bucket-owner-full-control.
	ACL types.ObjectCannedACL
	// SSE is the server-side encryption every write asks for
	// (x-amz-server-side-encryption: aws:kms, aws:kms:dsse or AES256; the
	// aws CLI's --sse); empty leaves it to the target bucket's default.
	SSE types.ServerSideEncryption
	// SSEKMSKeyID is the KMS key of an SSE-KMS write (key id, key ARN,
	// alias name or alias ARN; the aws CLI's --sse-kms-key-id). S3
	// resolves an id or alias in the writer's account: a key of another
	// account needs its ARN. Setting it without SSE means aws:kms. The
	// writer needs kms:GenerateDataKey on it, and kms:Decrypt too for
	// multipart copies (S3 decrypts the parts to complete the upload).
	SSEKMSKeyID string
	// Overwrite copies every object even if an identical one is already
	// in the target (default: skip those).
	Overwrite bool
	// MaxAttempts bounds tries per object for retryable errors (default 5).
	MaxAttempts int
	// BaseBackoff is the first retry delay (default 100ms, doubling, with
	// jitter, capped at 20s).
	BaseBackoff time.Duration
	// StopBefore is how long before the context's deadline the copy stops
	// starting new objects (default 30s, at most a quarter of the time left
	// when the copy starts); the summary then carries a continuation token.
	StopBefore time.Duration
	// PageSize is ListObjectsV2's MaxKeys (default 1000).
	PageSize int32
	// Progress, when set, is called after each object with running totals.
	Progress func(Progress)
	// Now and Sleep are the clock (tests inject them).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Progress is the running state of a copy.
type Progress struct {
	Listed  int
	Copied  int
	Skipped int
	Failed  int
	Bytes   int64
}

func (o Options) withDefaults() Options {
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.MultipartThreshold <= 0 || o.MultipartThreshold > MaxCopySize {
		o.MultipartThreshold = MaxCopySize
	}
	if o.PartSize <= 0 {
		o.PartSize = 256 << 20
	}
	if o.PartConcurrency <= 0 {
		o.PartConcurrency = 4
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = 100 * time.Millisecond
	}
	if o.StopBefore <= 0 {
		o.StopBefore = 30 * time.Second
	}
	if o.PageSize <= 0 {
		o.PageSize = 1000
	}
	if o.SSEKMSKeyID != "" && o.SSE == "" {
		o.SSE = types.ServerSideEncryptionAwsKms
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	return o
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// backoff is the delay before retry attempt n (1-based): exponential with
// full jitter.
func (o Options) backoff(n int) time.Duration {
	d := o.BaseBackoff << (n - 1)
	if d > 20*time.Second || d <= 0 {
		d = 20 * time.Second
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// partSize returns the part size for an object of size n: at least the
// configured size, large enough to stay within 10,000 parts.
func (o Options) partSize(n int64) int64 {
	p := max(o.PartSize, minPartSize)
	if need := (n + maxParts - 1) / maxParts; need > p {
		p = need
	}
	return min(p, maxPartSize)
}

// HTTPClient returns an SDK HTTP client that keeps enough idle connections
// for concurrency copies in flight (the SDK's default keeps 10 per host,
// so a larger pool would keep opening connections). Use it in the
// aws.Config of the clients passed to New.
func HTTPClient(concurrency int) *awshttp.BuildableClient {
	if concurrency < 16 {
		concurrency = 16
	}
	return awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns = 4 * concurrency
		t.MaxIdleConnsPerHost = 2 * concurrency
	})
}
