// Package kms is the emulated AWS Key Management Service (JSON 1.1,
// X-Amz-Target prefix TrentService, signing name kms): symmetric keys
// with real AES-256-GCM, aliases, key policies, grants, tags, key states
// and scheduled deletion on the emulator's clock, authorized as KMS
// authorizes (the key policy first, IAM only where it delegates, grants,
// cross-account use needing both sides), and the in-process calls another
// emulated service (S3) makes on its caller's behalf (GenerateDataKeyVia,
// DecryptVia).
//
// service.go holds Options, New, Close and the operation table; shapes.go
// the wire shapes; keys.go the key operations, the default key policy
// and AWS managed keys; aliases.go, grants.go and tags.go their
// operations; crypto.go the cryptographic operations and the ciphertext
// blob; authz.go key references and authorization; via.go the API for
// other services; store.go the state and its file; errors.go the error
// codes.
package kms
