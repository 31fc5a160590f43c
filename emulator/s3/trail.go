package s3

import (
	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
)

// missingBucket explains, and records in the decision trail, a request
// for a bucket that does not exist: bucket names are global, so the
// listing names every bucket of every account, nearest first.
func (s *Service) missingBucket(q *request, e *awserr.Error) *awserr.Error {
	var names []string
	for _, b := range s.store.allBuckets() {
		names = append(names, b.Name)
	}
	why := "no bucket `" + q.bucket + "` in any account (bucket names are global); " + service.Listing("buckets", q.bucket, names)
	service.RecordMissing(q.ctx, service.Check{Action: s3Action(q.call.Operation), Resource: resourceARN(q.bucket, q.key)}, why)
	return service.Explained(e, why)
}

// s3Action is the IAM action of an S3 operation, for the trail of a
// request that never reached its authorization (Amazon S3 User Guide,
// "Actions, resources, and condition keys for Amazon S3": listing and
// HEAD of a bucket are s3:ListBucket, HEAD of an object s3:GetObject).
func s3Action(op string) string {
	switch op {
	case "ListObjects", "ListObjectsV2", "HeadBucket":
		return "s3:ListBucket"
	case "HeadObject":
		return "s3:GetObject"
	case "PutBucketCors", "DeleteBucketCors":
		return "s3:PutBucketCORS"
	case "GetBucketCors":
		return "s3:GetBucketCORS"
	case "PutBucketLifecycleConfiguration", "DeleteBucketLifecycle":
		return "s3:PutLifecycleConfiguration"
	case "GetBucketLifecycleConfiguration":
		return "s3:GetLifecycleConfiguration"
	case "DeleteBucketTagging":
		return "s3:PutBucketTagging"
	case "":
		return "s3:*"
	}
	return "s3:" + op
}
