package s3copy

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// copySource is the x-amz-copy-source value: bucket/key, URL-encoded,
// with ?versionId= when a source version is named (Amazon S3 API
// Reference, CopyObject: "x-amz-copy-source").
func copySource(src Source) string {
	s := src.Bucket + "/" + strings.ReplaceAll(url.PathEscape(src.Key), "%2F", "/")
	if src.VersionID != "" {
		s += "?versionId=" + url.QueryEscape(src.VersionID)
	}
	return s
}

func isNotFound(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NotFound", "NoSuchKey":
			return true
		}
	}
	return false
}

// alreadyCopied reports whether the target holds the source object: same
// size and the source's ETag (as its own, or recorded in metadata by a
// multipart copy).
func (c *Copier) alreadyCopied(ctx context.Context, src Source, dstBucket, dstKey string, hint *targetState) (bool, error) {
	if c.opts.Overwrite {
		return false, nil
	}
	want := strings.Trim(src.ETag, `"`)
	if hint != nil {
		// The target's listing already told: absent, or another size, or
		// the same ETag. Only a same-size object with another ETag (a
		// multipart copy) needs its metadata read.
		if !hint.exists || hint.size != src.Size {
			return false, nil
		}
		if strings.Trim(hint.etag, `"`) == want {
			return true, nil
		}
	}
	h, err := c.dst.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(dstBucket), Key: aws.String(dstKey)})
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if aws.ToInt64(h.ContentLength) != src.Size {
		return false, nil
	}
	return strings.Trim(aws.ToString(h.ETag), `"`) == want || h.Metadata[SourceETagKey] == want, nil
}

// CopyObject copies one object unless the target already holds it. It
// reports whether it was skipped and how many bytes it copied.
func (c *Copier) CopyObject(ctx context.Context, src Source, dstBucket, dstKey string) (skipped bool, n int64, err error) {
	return c.copyObject(ctx, src, dstBucket, dstKey, nil)
}

func (c *Copier) copyObject(ctx context.Context, src Source, dstBucket, dstKey string, hint *targetState) (skipped bool, n int64, err error) {
	fail := func(op string, err error) (bool, int64, error) {
		return false, 0, &ObjectError{Op: op, Source: src.Bucket + "/" + src.Key, Target: dstBucket + "/" + dstKey, Err: err}
	}
	done, err := c.alreadyCopied(ctx, src, dstBucket, dstKey, hint)
	if err != nil {
		return fail("HeadObject", err)
	}
	if done {
		return true, 0, nil
	}
	if src.Size > c.opts.MultipartThreshold {
		if op, err := c.multipartCopy(ctx, src, dstBucket, dstKey); err != nil {
			return fail(op, err)
		}
		return false, src.Size, nil
	}
	in := &s3.CopyObjectInput{
		Bucket:     aws.String(dstBucket),
		Key:        aws.String(dstKey),
		CopySource: aws.String(copySource(src)),
		ACL:        c.opts.ACL,
	}
	in.ServerSideEncryption, in.SSEKMSKeyId = c.opts.SSE, nonEmpty(c.opts.SSEKMSKeyID)
	if strings.Contains(src.ETag, "-") || c.kmsTarget() {
		// A multipart source gets a single-part ETag in the target, and an
		// SSE-KMS object's ETag is not the MD5 of its data (Amazon S3 API
		// Reference, Object: ETag): record the source's so a rerun can
		// skip it. REPLACE needs the source's headers.
		meta, err := c.sourceMetadata(ctx, src, false)
		if err != nil {
			return fail("HeadObject", err)
		}
		meta.apply(in)
	}
	if src.ETag != "" {
		in.CopySourceIfMatch = aws.String(src.ETag)
	}
	if _, err := c.dst.CopyObject(ctx, in); err != nil {
		return fail("CopyObject", err)
	}
	return false, src.Size, nil
}

// headers of a source object carried over when metadata is replaced.
type headers struct {
	meta        map[string]string
	contentType *string
	encoding    *string
	disposition *string
	language    *string
	cache       *string
	// tagging is the source's tags as x-amz-tagging ("" for none).
	tagging string
}

func (h headers) apply(in *s3.CopyObjectInput) {
	in.MetadataDirective = types.MetadataDirectiveReplace
	in.Metadata, in.ContentType, in.ContentEncoding = h.meta, h.contentType, h.encoding
	in.ContentDisposition, in.ContentLanguage, in.CacheControl = h.disposition, h.language, h.cache
}

// sourceMetadata reads the source's headers with the target credentials
// (which S3 uses to read copy sources) and adds the source ETag; withTags
// also reads its tags (GetObjectTagging) when it has any.
func (c *Copier) sourceMetadata(ctx context.Context, src Source, withTags bool) (headers, error) {
	h, err := c.dst.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(src.Bucket), Key: aws.String(src.Key), VersionId: nonEmpty(src.VersionID)})
	if err != nil {
		return headers{}, err
	}
	meta := map[string]string{}
	for k, v := range h.Metadata {
		meta[k] = v
	}
	meta[SourceETagKey] = strings.Trim(src.ETag, `"`)
	out := headers{meta: meta, contentType: h.ContentType, encoding: h.ContentEncoding, disposition: h.ContentDisposition, language: h.ContentLanguage, cache: h.CacheControl}
	if withTags && aws.ToInt32(h.TagCount) > 0 {
		// CopyObject keeps the source's tags by itself (the default
		// x-amz-tagging-directive, COPY); a multipart copy must set them
		// on CreateMultipartUpload.
		tg, err := c.dst.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(src.Bucket), Key: aws.String(src.Key), VersionId: nonEmpty(src.VersionID)})
		if err != nil {
			return headers{}, err
		}
		v := url.Values{}
		for _, t := range tg.TagSet {
			v.Add(aws.ToString(t.Key), aws.ToString(t.Value))
		}
		out.tagging = v.Encode()
	}
	return out, nil
}

// multipartCopy copies src in parts with UploadPartCopy, aborting the
// upload on failure. It returns the failing operation's name.
func (c *Copier) multipartCopy(ctx context.Context, src Source, dstBucket, dstKey string) (string, error) {
	meta, err := c.sourceMetadata(ctx, src, true)
	if err != nil {
		return "HeadObject", err
	}
	cu, err := c.dst.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(dstBucket), Key: aws.String(dstKey), ACL: c.opts.ACL, Metadata: meta.meta,
		ContentType: meta.contentType, ContentEncoding: meta.encoding, ContentDisposition: meta.disposition,
		ContentLanguage: meta.language, CacheControl: meta.cache, Tagging: nonEmpty(meta.tagging),
		ServerSideEncryption: c.opts.SSE, SSEKMSKeyId: nonEmpty(c.opts.SSEKMSKeyID),
	})
	if err != nil {
		return "CreateMultipartUpload", err
	}
	abort := func() {
		// Abort with a fresh context: the copy's may be cancelled.
		c.dst.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{Bucket: aws.String(dstBucket), Key: aws.String(dstKey), UploadId: cu.UploadId})
	}
	ps := c.opts.partSize(src.Size)
	nparts := int((src.Size + ps - 1) / ps)
	parts := make([]types.CompletedPart, nparts)
	sem := make(chan struct{}, c.opts.PartConcurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i := 0; i < nparts; i++ {
		start := int64(i) * ps
		end := min(start+ps, src.Size) - 1
		sem <- struct{}{}
		wg.Add(1)
		go func(i int, start, end int64) {
			defer func() { <-sem; wg.Done() }()
			var out *s3.UploadPartCopyOutput
			var err error
			for attempt := 1; ; attempt++ {
				out, err = c.dst.UploadPartCopy(pctx, &s3.UploadPartCopyInput{
					Bucket: aws.String(dstBucket), Key: aws.String(dstKey), UploadId: cu.UploadId,
					PartNumber: aws.Int32(int32(i + 1)), CopySource: aws.String(copySource(src)),
					CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", start, end)), CopySourceIfMatch: nonEmpty(src.ETag),
				})
				if err == nil || !Retryable(err) || attempt >= c.opts.MaxAttempts || c.opts.Sleep(pctx, c.opts.backoff(attempt)) != nil {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
					cancel()
				}
				return
			}
			parts[i] = types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.CopyPartResult.ETag}
		}(i, start, end)
	}
	wg.Wait()
	if firstErr != nil {
		abort()
		return "UploadPartCopy", firstErr
	}
	complete := &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(dstBucket), Key: aws.String(dstKey), UploadId: cu.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	}
	var err2 error
	for attempt := 1; ; attempt++ {
		if _, err2 = c.dst.CompleteMultipartUpload(ctx, complete); err2 == nil {
			return "", nil
		}
		// A completion whose response was lost leaves the upload gone and
		// the object in place: check before calling it a failure.
		if ok, _ := c.alreadyCopied(ctx, src, dstBucket, dstKey, nil); ok && !c.opts.Overwrite {
			return "", nil
		}
		if !Retryable(err2) || attempt >= c.opts.MaxAttempts || c.opts.Sleep(ctx, c.opts.backoff(attempt)) != nil {
			break
		}
	}
	abort()
	return "CompleteMultipartUpload", err2
}

// kmsTarget reports whether the copy asks for SSE-KMS (or DSSE-KMS).
func (c *Copier) kmsTarget() bool { return strings.HasPrefix(string(c.opts.SSE), "aws:kms") }

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// Stat reads a source object's size and ETag (with the target
// credentials, which S3 uses to read copy sources): for copies of single
// objects not found by listing, such as S3 Batch Operations tasks.
func (c *Copier) Stat(ctx context.Context, bucket, key string) (Source, error) {
	return c.StatVersion(ctx, bucket, key, "")
}

// StatVersion is Stat for one version of the object (versionID "" is the
// current one), which the returned Source then copies. Reading a version
// needs s3:GetObjectVersion on the source.
func (c *Copier) StatVersion(ctx context.Context, bucket, key, versionID string) (Source, error) {
	h, err := c.dst.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: nonEmpty(versionID)})
	if err != nil {
		name := bucket + "/" + key
		if versionID != "" {
			name += "?versionId=" + versionID
		}
		return Source{}, &ObjectError{Op: "HeadObject", Source: name, Err: err}
	}
	return Source{Bucket: bucket, Key: key, Size: aws.ToInt64(h.ContentLength), ETag: aws.ToString(h.ETag), VersionID: versionID}, nil
}
