package s3

// The stored state: buckets, objects, uploads and parts, as the store keeps
// them in memory and writes them to its journal.

import (
	"time"
)

// Object ownership settings (Amazon S3 User Guide, "Controlling ownership
// of objects and disabling ACLs for your bucket").
const (
	OwnershipEnforced  = "BucketOwnerEnforced"
	OwnershipPreferred = "BucketOwnerPreferred"
	OwnershipWriter    = "ObjectWriter"
)

// Bucket is a bucket's stored configuration.
type Bucket struct {
	Name    string
	Owner   string // account id
	Region  string
	Created time.Time
	Policy  string // bucket policy text, "" for none
	// PolicyRefs binds the roles and users Policy names to their unique
	// ids (see Options.Principals).
	PolicyRefs map[string]string `json:",omitempty"`
	Ownership  string
	// PublicAccessBlock holds BlockPublicAcls, IgnorePublicAcls,
	// BlockPublicPolicy, RestrictPublicBuckets.
	PublicAccessBlock *PublicAccessBlock
	// Encryption is the default encryption configuration PutBucketEncryption
	// set; nil is S3's default, SSE-S3 (AES256) without a bucket key.
	Encryption *BucketEncryption `json:",omitempty"`
	// Tags are the bucket's tags (nil: no tag set).
	Tags []Tag `json:",omitempty"`
	// CORS is the bucket's CORS configuration (nil: none).
	CORS []CORSRule `json:",omitempty"`
	// Lifecycle is the bucket's lifecycle configuration (nil: none).
	Lifecycle []LifecycleRule `json:",omitempty"`
	// ACL is the bucket's ACL grants beyond the owner's full control
	// (grants.go).
	ACL []Grant `json:",omitempty"`
	// Versioning is "" for a bucket whose versioning was never set (it
	// can never return to that state), VersioningEnabled or
	// VersioningSuspended.
	Versioning string `json:",omitempty"`
	// MFADelete is "" when never configured, "Enabled" or "Disabled".
	MFADelete string `json:",omitempty"`
}

// Versioning states of a bucket (Amazon S3 User Guide, "Retaining
// multiple versions of objects with S3 Versioning").
const (
	VersioningEnabled   = "Enabled"
	VersioningSuspended = "Suspended"
)

// PublicAccessBlock is a bucket's public access block configuration.
type PublicAccessBlock struct {
	BlockPublicAcls       bool
	IgnorePublicAcls      bool
	BlockPublicPolicy     bool
	RestrictPublicBuckets bool
}

// Checksums holds an object's checksums, base64-encoded as S3 returns them.
type Checksums struct {
	CRC32     string `json:",omitempty"`
	CRC32C    string `json:",omitempty"`
	CRC64NVME string `json:",omitempty"`
	SHA1      string `json:",omitempty"`
	SHA256    string `json:",omitempty"`
	// Type is FULL_OBJECT or COMPOSITE.
	Type string `json:",omitempty"`
}

// Object is an object's metadata.
type Object struct {
	Key          string
	Size         int64
	ETag         string // quoted
	LastModified time.Time
	// Owner is the account that owns the object: the bucket owner, or the
	// writer under ObjectWriter ownership.
	Owner string
	// OwnerFullControl records a bucket-owner-full-control ACL.
	OwnerFullControl bool
	ContentType      string
	ContentEncoding  string
	ContentLanguage  string
	Disposition      string
	CacheControl     string
	Expires          string
	Meta             map[string]string // user metadata, lower-case keys
	Checksums        Checksums
	PartsCount       int
	// PartSizes are the part sizes of an object completed by a multipart
	// upload (GetObject with partNumber).
	PartSizes    []int64 `json:",omitempty"`
	StorageClass string
	// SSEC is set for an object written with a customer key (SSE-C);
	// an object with neither SSEC nor SSEKMS is SSE-S3.
	SSEC *SSECustomer `json:",omitempty"`
	// SSEKMS is set for an object encrypted with a KMS key (SSE-KMS or
	// DSSE-KMS): the key's ARN and the encrypted data key.
	SSEKMS *SSEKMS `json:",omitempty"`
	// UploadID names the multipart upload that completed the object, so
	// a repeated CompleteMultipartUpload answers as the first did.
	UploadID string `json:",omitempty"`
	// Tags are the object's tags.
	Tags []Tag `json:",omitempty"`
	// ACL is the object's ACL grants beyond its owner's full control.
	ACL []Grant `json:",omitempty"`
	// Blob names the stored bytes (a file name in the disk store); ""
	// for a delete marker.
	Blob string
	// VersionID is the object's version id, "" for the null version
	// (every object written while versioning was never enabled or was
	// suspended).
	VersionID string `json:",omitempty"`
	// DeleteMarker marks a delete marker: a version with no data that
	// makes a key read as deleted.
	DeleteMarker bool `json:",omitempty"`
}

// Upload is an in-progress multipart upload.
type Upload struct {
	ID        string
	Bucket    string
	Key       string
	Initiated time.Time
	Initiator string // ARN
	Owner     string
	// Template holds the metadata the object will get.
	Template  Object
	Algorithm string // x-amz-checksum-algorithm, if any
	Parts     map[int]Part
}

// Part is an uploaded part.
type Part struct {
	Number       int
	Size         int64
	ETag         string
	LastModified time.Time
	Checksum     string // base64, of the upload's algorithm
	Blob         string
}
