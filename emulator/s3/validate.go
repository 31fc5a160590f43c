package s3

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
)

// Input limits S3 enforces (Amazon S3 User Guide, "Naming Amazon S3
// objects" and "Working with object metadata"; Amazon S3 API Reference,
// "Error responses").
const (
	// MaxKeyLength is the longest object key, in UTF-8 bytes.
	MaxKeyLength = 1024
	// MaxUserMetadata is the largest total of user-defined metadata: the
	// UTF-8 bytes of every key (without "x-amz-meta-") and value.
	MaxUserMetadata = 2 << 10
	// MaxHeaderSection is the largest request header section S3 accepts.
	MaxHeaderSection = 8 << 10
)

// locationConstraints are the values CreateBucket accepts as
// LocationConstraint (Amazon S3 API Reference, CreateBucketConfiguration:
// "Valid Values"); us-east-1 is the absence of one.
var locationConstraints = map[string]bool{
	"af-south-1": true, "ap-east-1": true, "ap-east-2": true, "ap-northeast-1": true, "ap-northeast-2": true,
	"ap-northeast-3": true, "ap-south-1": true, "ap-south-2": true, "ap-southeast-1": true, "ap-southeast-2": true,
	"ap-southeast-3": true, "ap-southeast-4": true, "ap-southeast-5": true, "ap-southeast-6": true, "ap-southeast-7": true,
	"ca-central-1": true, "ca-west-1": true, "cn-north-1": true, "cn-northwest-1": true, "EU": true,
	"eu-central-1": true, "eu-central-2": true, "eu-north-1": true, "eu-south-1": true, "eu-south-2": true,
	"eu-west-1": true, "eu-west-2": true, "eu-west-3": true, "il-central-1": true, "me-central-1": true,
	"me-south-1": true, "mx-central-1": true, "sa-east-1": true, "us-east-2": true, "us-gov-east-1": true,
	"us-gov-west-1": true, "us-west-1": true, "us-west-2": true,
}

// storageClasses are the classes a general purpose bucket stores (Amazon
// S3 API Reference, PutObject: x-amz-storage-class; the others are for
// directory buckets, Outposts and Snow).
var storageClasses = map[string]bool{
	"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true, "ONEZONE_IA": true,
	"INTELLIGENT_TIERING": true, "GLACIER": true, "DEEP_ARCHIVE": true, "GLACIER_IR": true,
}

func errInvalidLocationConstraint(v string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidLocationConstraint", "The specified location-constraint is not valid").
		With("LocationConstraint", v)
}

func errKeyTooLong(n int) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "KeyTooLongError", "Your key is too long").
		With("Size", strconv.Itoa(n)).With("MaxSizeAllowed", strconv.Itoa(MaxKeyLength))
}

func errMetadataTooLarge(n int) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.").
		With("Size", strconv.Itoa(n)).With("MaxSizeAllowed", strconv.Itoa(MaxUserMetadata))
}

func errInvalidStorageClass(v string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidStorageClass", "The storage class you specified is not valid").
		With("StorageClassRequested", v)
}

func errHeaderTooLarge(n int) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "RequestHeaderSectionTooLarge", "Your request header section exceeds the maximum allowed size.").
		With("RequestHeaderSectionSize", strconv.Itoa(n)).With("MaxSizeAllowed", strconv.Itoa(MaxHeaderSection))
}

func errIncompleteBody() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header")
}

func errMalformedACL() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "MalformedACLError", "The XML you provided was not well-formed or did not validate against our published schema")
}

func errInvalidVersionID(param, v string) *awserr.Error {
	return errInvalidArgument("Invalid version id specified", param, v)
}

// headerSectionSize is the size of a request's header section as sent
// (every "Name: value\r\n" line) and its query string, which S3 counts
// together.
func headerSectionSize(r *http.Request) int {
	n := len("Host: \r\n") + len(r.Host) + len(r.URL.RawQuery)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(": \r\n") + len(v)
		}
	}
	return n
}

// checkKey refuses keys longer than S3 stores.
func checkKey(key string) error {
	if len(key) > MaxKeyLength {
		return errKeyTooLong(len(key))
	}
	return nil
}

// checkWriteHeaders validates the headers every object write shares: the
// storage class and the size of the user metadata.
func checkWriteHeaders(h http.Header, withMeta bool) error {
	if sc := h.Get("X-Amz-Storage-Class"); sc != "" && !storageClasses[sc] {
		return errInvalidStorageClass(sc)
	}
	if !withMeta {
		return nil
	}
	n := 0
	for k, vs := range h {
		if m, ok := strings.CutPrefix(strings.ToLower(k), "x-amz-meta-"); ok {
			n += len(m)
			for _, v := range vs {
				n += len(v)
			}
		}
	}
	if n > MaxUserMetadata {
		return errMetadataTooLarge(n)
	}
	return nil
}

// bodyError turns a failure reading a request body into S3's answer: a
// body that ends before its Content-Length is IncompleteBody.
func bodyError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errIncompleteBody()
	}
	return err
}
