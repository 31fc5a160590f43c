package s3copy

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// targetState is what the target's listing says about one target key.
type targetState struct {
	exists bool
	size   int64
	etag   string
}

// targetIndex walks the target's listing alongside the source's: both are
// in key order, and target keys keep the source keys' order (a prefix
// replaced by another), so one merge pass tells for each object whether
// the target already holds it, for one ListObjectsV2 per 1,000 keys
// instead of one HeadObject per object. When the target cannot be listed
// (no s3:ListBucket there) the index is off and each copy asks HeadObject.
type targetIndex struct {
	ctx  context.Context
	c    *Copier
	p    *s3.ListObjectsV2Paginator
	page []targetEntry
	off  bool
}

type targetEntry struct {
	key string
	targetState
}

func (c *Copier) newTargetIndex(ctx context.Context, job Job) *targetIndex {
	lister, ok := c.dst.(SourceAPI)
	if !ok || c.opts.Overwrite {
		return &targetIndex{off: true}
	}
	prefix := c.targetKey(job.Prefix, job.Prefix)
	in := &s3.ListObjectsV2Input{Bucket: aws.String(job.TargetBucket), Prefix: aws.String(prefix), MaxKeys: aws.Int32(c.opts.PageSize)}
	if job.StartAfter != "" {
		in.StartAfter = aws.String(c.targetKey(job.Prefix, job.StartAfter))
	}
	return &targetIndex{ctx: ctx, c: c, p: s3.NewListObjectsV2Paginator(lister, in)}
}

// lookup returns the target's state for key, or nil when unknown. Keys
// must come in increasing order.
func (x *targetIndex) lookup(key string) *targetState {
	if x.off {
		return nil
	}
	for {
		for len(x.page) > 0 && x.page[0].key < key {
			x.page = x.page[1:]
		}
		if len(x.page) > 0 {
			if x.page[0].key == key {
				st := x.page[0].targetState
				return &st
			}
			return &targetState{}
		}
		if !x.p.HasMorePages() {
			return &targetState{}
		}
		out, err := x.c.listPage(x.ctx, x.p)
		if err != nil {
			x.off = true
			return nil
		}
		for _, o := range out.Contents {
			x.page = append(x.page, targetEntry{key: aws.ToString(o.Key), targetState: targetState{exists: true, size: aws.ToInt64(o.Size), etag: aws.ToString(o.ETag)}})
		}
	}
}
