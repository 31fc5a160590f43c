package s3

import "net/http"

type handler func(q *request) error

// route picks the operation from the method, whether a bucket and key are
// named, and the subresource in the query string (Amazon S3 API
// Reference, each operation's "Request Syntax").
func (s *Service) route(q *request) handler {
	m := q.r.Method
	op := func(name string, h handler) handler {
		q.call.Operation = name
		return h
	}
	if q.bucket == "" {
		if m == http.MethodGet {
			return op("ListBuckets", s.listBuckets)
		}
		return op("Unknown", func(q *request) error { return errMethodNotAllowed(m, "SERVICE") })
	}
	if q.key == "" {
		switch m {
		case http.MethodPut:
			switch {
			case q.has("policy"):
				return op("PutBucketPolicy", s.putBucketPolicy)
			case q.has("ownershipControls"):
				return op("PutBucketOwnershipControls", s.putOwnershipControls)
			case q.has("publicAccessBlock"):
				return op("PutPublicAccessBlock", s.putPublicAccessBlock)
			case q.has("acl"):
				return op("PutBucketAcl", s.putBucketACL)
			case len(q.q) > 0:
				return op("Unsupported", s.unsupported)
			}
			return op("CreateBucket", s.createBucket)
		case http.MethodGet:
			switch {
			case q.has("policy"):
				return op("GetBucketPolicy", s.getBucketPolicy)
			case q.has("location"):
				return op("GetBucketLocation", s.getBucketLocation)
			case q.has("ownershipControls"):
				return op("GetBucketOwnershipControls", s.getOwnershipControls)
			case q.has("publicAccessBlock"):
				return op("GetPublicAccessBlock", s.getPublicAccessBlock)
			case q.has("acl"):
				return op("GetBucketAcl", s.getBucketACL)
			case q.has("uploads"):
				return op("ListMultipartUploads", s.listUploads)
			case q.has("versioning"):
				return op("GetBucketVersioning", s.getBucketVersioning)
			case q.get("list-type") == "2":
				return op("ListObjectsV2", s.listObjectsV2)
			case q.has("tagging") || q.has("cors") || q.has("lifecycle") || q.has("website") || q.has("encryption") ||
				q.has("replication") || q.has("notification") || q.has("logging") || q.has("versions") || q.has("object-lock"):
				return op("Unsupported", s.unsupported)
			}
			return op("ListObjects", s.listObjectsV1)
		case http.MethodHead:
			return op("HeadBucket", s.headBucket)
		case http.MethodDelete:
			switch {
			case q.has("policy"):
				return op("DeleteBucketPolicy", s.deleteBucketPolicy)
			case q.has("ownershipControls"):
				return op("DeleteBucketOwnershipControls", s.deleteOwnershipControls)
			case q.has("publicAccessBlock"):
				return op("DeletePublicAccessBlock", s.deletePublicAccessBlock)
			case len(q.q) > 0:
				return op("Unsupported", s.unsupported)
			}
			return op("DeleteBucket", s.deleteBucket)
		case http.MethodPost:
			if q.has("delete") {
				return op("DeleteObjects", s.deleteObjects)
			}
		}
		return op("Unknown", func(q *request) error { return errMethodNotAllowed(m, "BUCKET") })
	}
	switch m {
	case http.MethodPut:
		switch {
		case q.has("partNumber") && q.has("uploadId"):
			if q.r.Header.Get("X-Amz-Copy-Source") != "" {
				return op("UploadPartCopy", s.uploadPartCopy)
			}
			return op("UploadPart", s.uploadPart)
		case q.has("acl"):
			return op("PutObjectAcl", s.putObjectACL)
		case len(q.q) > 0 && !q.has("x-id"):
			return op("Unsupported", s.unsupported)
		case q.r.Header.Get("X-Amz-Copy-Source") != "":
			return op("CopyObject", s.copyObject)
		}
		return op("PutObject", s.putObject)
	case http.MethodGet:
		switch {
		case q.has("uploadId"):
			return op("ListParts", s.listParts)
		case q.has("acl"):
			return op("GetObjectAcl", s.getObjectACL)
		case q.has("tagging") || q.has("attributes") || q.has("retention") || q.has("legal-hold") || q.has("torrent"):
			return op("Unsupported", s.unsupported)
		}
		return op("GetObject", s.getObject)
	case http.MethodHead:
		return op("HeadObject", s.headObject)
	case http.MethodDelete:
		if q.has("uploadId") {
			return op("AbortMultipartUpload", s.abortUpload)
		}
		if q.has("tagging") {
			return op("Unsupported", s.unsupported)
		}
		return op("DeleteObject", s.deleteObject)
	case http.MethodPost:
		switch {
		case q.has("uploads"):
			return op("CreateMultipartUpload", s.createUpload)
		case q.has("uploadId"):
			return op("CompleteMultipartUpload", s.completeUpload)
		}
	}
	return op("Unknown", func(q *request) error { return errMethodNotAllowed(m, "OBJECT") })
}

// unsupported answers subresources the emulator does not implement.
func (s *Service) unsupported(q *request) error {
	for k := range q.q {
		return errNotImplemented("?" + k)
	}
	return errNotImplemented(q.r.Method)
}
