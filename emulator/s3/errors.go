package s3

import (
	"net/http"
	"strconv"

	"github.com/xacct/xacct/emulator/awserr"
)

// S3's errors (Amazon S3 API Reference, "Error responses": "List of error
// codes").

func errNoSuchBucket(b string) *awserr.Error {
	return awserr.New(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist").With("BucketName", b)
}

func errNoSuchKey(key string) *awserr.Error {
	return awserr.New(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.").With("Key", key)
}

func errNoSuchUpload(id string) *awserr.Error {
	return awserr.New(http.StatusNotFound, "NoSuchUpload",
		"The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.").With("UploadId", id)
}

func errInvalidBucketName(b string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.").With("BucketName", b)
}

func errBucketExists(b string) *awserr.Error {
	return awserr.New(http.StatusConflict, "BucketAlreadyExists",
		"The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.").With("BucketName", b)
}

func errBucketOwned(b string) *awserr.Error {
	return awserr.New(http.StatusConflict, "BucketAlreadyOwnedByYou",
		"Your previous request to create the named bucket succeeded and you already own it.").With("BucketName", b)
}

func errBucketNotEmpty(b string) *awserr.Error {
	return awserr.New(http.StatusConflict, "BucketNotEmpty", "The bucket you tried to delete is not empty").With("BucketName", b)
}

func errNoSuchBucketPolicy(b string) *awserr.Error {
	return awserr.New(http.StatusNotFound, "NoSuchBucketPolicy", "The bucket policy does not exist").With("BucketName", b)
}

func errMalformedPolicy(msg string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "MalformedPolicy", "%s", msg)
}

func errInvalidArgument(msg, name, value string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidArgument", "%s", msg).With("ArgumentName", name).With("ArgumentValue", value)
}

func errInvalidRequest(msg string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidRequest", "%s", msg)
}

func errMalformedXML() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "MalformedXML",
		"The XML you provided was not well-formed or did not validate against our published schema")
}

func errInvalidRange(size int64) *awserr.Error {
	return awserr.New(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range is not satisfiable").
		With("ActualObjectSize", strconv.FormatInt(size, 10))
}

func errPrecondition(cond string) *awserr.Error {
	return awserr.New(http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold").
		With("Condition", cond)
}

// errConditionalConflict is the answer to a conditional write that
// another write of the key overtook (Amazon S3 API Reference, PutObject:
// If-None-Match, "If a conflicting operation occurs during the upload S3
// returns a 409 ConditionalRequestConflict response").
func errConditionalConflict() *awserr.Error {
	return awserr.New(http.StatusConflict, "ConditionalRequestConflict",
		"A conflicting operation occurred. If using PutObject you can retry the request. If using multipart upload you should initiate another CreateMultipartUpload request and re-upload each part.")
}

func errInvalidPartNumber(requested, count int) *awserr.Error {
	return awserr.New(http.StatusRequestedRangeNotSatisfiable, "InvalidPartNumber", "The requested partnumber is not satisfiable").
		With("PartNumberRequested", strconv.Itoa(requested)).With("ActualPartCount", strconv.Itoa(count))
}

func errNotModified() *awserr.Error {
	return &awserr.Error{Code: "NotModified", Message: "Not Modified", StatusCode: http.StatusNotModified}
}

func errBadDigest(what string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "BadDigest", "The %s you specified did not match the calculated checksum.", what)
}

func errInvalidDigest() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified was invalid.")
}

func errACLNotSupported() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "AccessControlListNotSupported", "The bucket does not allow ACLs")
}

func errNotImplemented(what string) *awserr.Error {
	return awserr.New(http.StatusNotImplemented, "NotImplemented", "A header you provided implies functionality that is not implemented").
		With("Header", what)
}

func errMethodNotAllowed(method, resource string) *awserr.Error {
	return awserr.New(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.").
		With("Method", method).With("ResourceType", resource)
}

func errEntityTooSmall() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.")
}

func errEntityTooLarge() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.")
}

func errInvalidPart() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidPart",
		"One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")
}

func errInvalidPartOrder() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.")
}

func errCopySourceTooLarge() *awserr.Error {
	return errInvalidRequest("The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
}

func errAccessDenied(msg string) *awserr.Error {
	return awserr.AccessDenied("%s", msg)
}
