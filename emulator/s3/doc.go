// Package s3 is the emulated Amazon S3: REST-XML over path-style and
// virtual-host-style addressing, buckets with policies and object
// ownership, objects with metadata, ranges, conditions and checksums,
// CopyObject and multipart uploads, every request authorized with the
// policy engine as S3 does. Bodies stream through storage: an object is
// never held whole in memory by the disk store.
//
// service.go holds Options, New, Close, the request and the routes (which
// operation a method, bucket, key and subresource name); shapes.go the XML
// wire shapes; model.go the stored state; buckets.go, objects.go, copy.go,
// list.go, multipart.go, acl.go and public.go the operations on each
// resource; versioning.go the bucket's versioning, ListObjectVersions and
// the version headers, versions.go each key's version stack; authz.go the authorization with bucket policies, ACLs and
// Object Ownership; body.go the one way a request body is taken in (staged,
// sized, hashed, checked against the client's digests and trailer);
// checksum.go the digests; sse.go the encryption headers (SSE-S3, SSE-C),
// ssekms.go SSE-KMS (S3 calling KMS for its caller, Options.KMS)
// and bucketenc.go the bucket's default encryption and policy status;
// attributes.go GetObjectAttributes; post.go and postpolicy.go browser
// uploads (POST object) and their policy documents; store.go the state and its locking; persist.go
// and blobs.go the data directory (a journal of changes, with small bodies
// inline, and blob files for large ones); errors.go and validate.go the
// error codes and input checks.
package s3
