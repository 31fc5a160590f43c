package s3copy

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Copier copies objects between buckets. It is safe for concurrent use.
type Copier struct {
	src  SourceAPI
	dst  TargetAPI
	opts Options
}

// New returns a Copier listing with src and writing with dst.
func New(src SourceAPI, dst TargetAPI, optFns ...func(*Options)) *Copier {
	var o Options
	for _, f := range optFns {
		f(&o)
	}
	return &Copier{src: src, dst: dst, opts: o.withDefaults()}
}

// Job names what to copy: every object under Prefix (the current version
// of each, in a versioned source bucket too), or with VersionID one
// version of the object Key.
type Job struct {
	SourceBucket string
	Prefix       string
	TargetBucket string
	// StartAfter resumes after this key (a Summary's Continuation).
	StartAfter string
	// Key and VersionID, when VersionID is set, copy that version of Key
	// (which need not be the current one) instead of listing Prefix; the
	// target key maps Prefix to DestPrefix as for a prefix copy.
	Key       string
	VersionID string
}

// Summary reports a copy.
type Summary struct {
	Copied   int           `json:"copied"`
	Skipped  int           `json:"skipped"`
	Failed   int           `json:"failed"`
	Bytes    int64         `json:"bytes"`
	Duration time.Duration `json:"-"`
	// DurationMS is Duration in milliseconds, for JSON.
	DurationMS int64 `json:"duration_ms"`
	// Stopped is true when the copy stopped before the deadline with
	// objects left; the next run passes Continuation as Job.StartAfter.
	Stopped bool `json:"stopped,omitempty"`
	// Continuation is set when the copy stopped or its context was
	// cancelled: every key up to and
	// including it is done. It is empty when nothing was done yet (start
	// from the beginning again).
	Continuation string `json:"continuation_token,omitempty"`
}

// Source is an object to copy.
type Source struct {
	Bucket string
	Key    string
	Size   int64
	ETag   string
	// VersionID, when set, names the source version to copy (default:
	// the current one).
	VersionID string
}

// targetKey maps a source key to its target key.
func (c *Copier) targetKey(prefix, key string) string {
	if c.opts.DestPrefix == "" {
		return key
	}
	return c.opts.DestPrefix + strings.TrimPrefix(key, prefix)
}

type item struct {
	seq  int
	hint *targetState
	src  Source
}

type outcome struct {
	seq     int
	key     string
	skipped bool
	bytes   int64
	err     error
}

// Copy copies every object under job.Prefix. It returns the summary and,
// if any object failed, an error joining each *ObjectError. When the
// context's deadline approaches (Options.StopBefore), it stops starting
// copies and sets Summary.Continuation.
func (c *Copier) Copy(ctx context.Context, job Job) (Summary, error) {
	if job.VersionID != "" {
		return c.copyVersion(ctx, job)
	}
	start := c.opts.Now()
	stopAt, hasDeadline := ctx.Deadline()
	if hasDeadline {
		// The margin is StopBefore, but never more than a quarter of the
		// time left: a function with a 30-second timeout still copies.
		margin := c.opts.StopBefore
		if left := stopAt.Sub(start); margin > left/4 {
			margin = left / 4
		}
		stopAt = stopAt.Add(-margin)
	}
	work := make(chan item)
	results := make(chan outcome)
	lctx, cancelList := context.WithCancel(ctx)
	defer cancelList()

	// Producer: stream listed objects in key order.
	var listErr error
	var stopped bool
	var listed atomic.Int64
	go func() {
		defer close(work)
		in := &s3.ListObjectsV2Input{Bucket: aws.String(job.SourceBucket), Prefix: aws.String(job.Prefix), MaxKeys: aws.Int32(c.opts.PageSize)}
		if job.StartAfter != "" {
			in.StartAfter = aws.String(job.StartAfter)
		}
		p := s3.NewListObjectsV2Paginator(c.src, in)
		idx := c.newTargetIndex(lctx, job)
		seq := 0
		for p.HasMorePages() {
			page, err := c.listPage(lctx, p)
			if err != nil {
				listErr = err
				return
			}
			for _, o := range page.Contents {
				if hasDeadline && !c.opts.Now().Before(stopAt) {
					stopped = true
					return
				}
				src := Source{Bucket: job.SourceBucket, Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size), ETag: aws.ToString(o.ETag)}
				select {
				case work <- item{seq: seq, src: src, hint: idx.lookup(c.targetKey(job.Prefix, src.Key))}:
					seq++
					listed.Store(int64(seq))
				case <-lctx.Done():
					return
				}
			}
		}
	}()

	// Workers: bounded pool of copies.
	var wg sync.WaitGroup
	for i := 0; i < c.opts.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				skipped, n, err := c.copyWithRetry(ctx, it.src, job.TargetBucket, c.targetKey(job.Prefix, it.src.Key), it.hint)
				results <- outcome{seq: it.seq, key: it.src.Key, skipped: skipped, bytes: n, err: err}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	// Collector: totals, errors, and the watermark of contiguous work done.
	var sum Summary
	var errs []error
	done := map[int]outcome{}
	next := 0
	watermark := ""
	for r := range results {
		switch {
		case r.err != nil:
			sum.Failed++
			errs = append(errs, r.err)
		case r.skipped:
			sum.Skipped++
		default:
			sum.Copied++
			sum.Bytes += r.bytes
		}
		done[r.seq] = r
		for {
			o, ok := done[next]
			if !ok || o.err != nil {
				break
			}
			watermark = o.key
			delete(done, next)
			next++
		}
		if c.opts.Progress != nil {
			c.opts.Progress(Progress{Listed: int(listed.Load()), Copied: sum.Copied, Skipped: sum.Skipped, Failed: sum.Failed, Bytes: sum.Bytes})
		}
	}
	sum.Duration = c.opts.Now().Sub(start)
	sum.DurationMS = sum.Duration.Milliseconds()
	// Stopped before the deadline, or cancelled (Ctrl-C): the caller may
	// resume from here.
	if stopped || ctx.Err() != nil {
		sum.Stopped = stopped
		sum.Continuation = watermark
		if sum.Continuation == "" {
			sum.Continuation = job.StartAfter
		}
	}
	if listErr != nil {
		errs = append(errs, &ObjectError{Op: "ListObjectsV2", Source: job.SourceBucket + "/" + job.Prefix, Target: job.TargetBucket, Err: listErr})
	}
	return sum, errors.Join(errs...)
}

// listPage fetches the next listing page, retrying retryable errors.
func (c *Copier) listPage(ctx context.Context, p *s3.ListObjectsV2Paginator) (*s3.ListObjectsV2Output, error) {
	// The paginator keeps its token only on success, so retrying NextPage
	// asks for the same page again.
	var err error
	for attempt := 1; attempt <= c.opts.MaxAttempts; attempt++ {
		var out *s3.ListObjectsV2Output
		out, err = p.NextPage(ctx)
		if err == nil {
			return out, nil
		}
		if !Retryable(err) || attempt == c.opts.MaxAttempts {
			break
		}
		if serr := c.opts.Sleep(ctx, c.opts.backoff(attempt)); serr != nil {
			return nil, serr
		}
	}
	return nil, err
}

// copyWithRetry copies one object, retrying retryable failures.
func (c *Copier) copyWithRetry(ctx context.Context, src Source, dstBucket, dstKey string, hint *targetState) (skipped bool, n int64, err error) {
	for attempt := 1; ; attempt++ {
		skipped, n, err = c.copyObject(ctx, src, dstBucket, dstKey, hint)
		hint = nil // a retry looks again
		if err == nil || !Retryable(err) || attempt >= c.opts.MaxAttempts {
			return skipped, n, err
		}
		if serr := c.opts.Sleep(ctx, c.opts.backoff(attempt)); serr != nil {
			return false, 0, err
		}
	}
}

// copyVersion copies the one version a job names.
func (c *Copier) copyVersion(ctx context.Context, job Job) (Summary, error) {
	start := c.opts.Now()
	var sum Summary
	src, err := c.StatVersion(ctx, job.SourceBucket, job.Key, job.VersionID)
	if err == nil {
		var skipped bool
		var n int64
		skipped, n, err = c.copyWithRetry(ctx, src, job.TargetBucket, c.targetKey(job.Prefix, job.Key), nil)
		switch {
		case err != nil:
		case skipped:
			sum.Skipped = 1
		default:
			sum.Copied, sum.Bytes = 1, n
		}
	}
	if err != nil {
		sum.Failed = 1
	}
	sum.Duration = c.opts.Now().Sub(start)
	sum.DurationMS = sum.Duration.Milliseconds()
	return sum, err
}
