// This file is the API other emulated services call: AWS services that
// encrypt with KMS (S3's SSE-KMS) call KMS on their caller's behalf, and
// KMS authorizes the caller, with kms:ViaService naming the service
// (AWS KMS Developer Guide, "kms:ViaService"; Amazon S3 User Guide,
// "Using server-side encryption with AWS KMS keys (SSE-KMS)": S3 calls
// GenerateDataKey on upload and Decrypt on download with the requester's
// permissions).

package kms

import (
	"context"
)

// DataKey is a data key GenerateDataKeyVia returns: the plaintext to
// encrypt with (never to be stored) and the ciphertext to store beside the
// data, and the ARN of the KMS key.
type DataKey struct {
	Plaintext  []byte
	Ciphertext []byte
	KeyARN     string
}

// GenerateDataKeyVia generates a 256-bit data key under keyRef for the
// caller of the request in ctx (the service.Call of, say, an S3 PutObject),
// as AWS service via (the service's name: "s3") does for it:
// kms:GenerateDataKey is decided for that caller, with kms:ViaService =
// via.REGION.amazonaws.com, kms:CallerAccount and the encryption context
// (S3 uses {"aws:s3:arn": BUCKET-OR-OBJECT-ARN}). keyRef is any key
// reference KMS accepts (key id, key ARN, alias name, alias ARN); empty
// means the AWS managed key alias/aws/VIA of the caller's account, created
// on first use as AWS does. A refusal is *awserr.Error
// AccessDeniedException carrying the explanation (X-Xacct-Explain header),
// which the calling service turns into its own AccessDenied; the decision
// is in the decision trail and the request's CloudTrail event like any
// other.
func (s *Service) GenerateDataKeyVia(ctx context.Context, via, keyRef string, encryptionContext map[string]string) (*DataKey, error) {
	if keyRef == "" {
		keyRef = "alias/aws/" + via
	}
	ctx = withVia(ctx, via)
	out, err := s.GenerateDataKey(ctx, &DataKeyIn{KeyId: keyRef, KeySpec: "AES_256", EncryptionContext: encryptionContext})
	if err != nil {
		return nil, err
	}
	return &DataKey{Plaintext: out.Plaintext, Ciphertext: out.CiphertextBlob, KeyARN: out.KeyId}, nil
}

// DecryptVia decrypts a data key's ciphertext for the caller of the
// request in ctx, as AWS service via does on its behalf (kms:Decrypt with
// kms:ViaService), with the encryption context it was generated with. It
// returns the plaintext and the KMS key's ARN; errors are as Decrypt's
// (AccessDeniedException, DisabledException, KMSInvalidStateException,
// InvalidCiphertextException).
func (s *Service) DecryptVia(ctx context.Context, via string, ciphertext []byte, encryptionContext map[string]string) (plaintext []byte, keyARN string, err error) {
	out, err := s.Decrypt(withVia(ctx, via), &DecryptIn{CiphertextBlob: ciphertext, EncryptionContext: encryptionContext})
	if err != nil {
		return nil, "", err
	}
	return out.Plaintext, out.KeyId, nil
}

// DescribeKeyVia returns the ARN of the key keyRef names for the caller
// of the request in ctx (creating alias/aws/VIA's key when keyRef is
// empty or names it), as a service validating a key id does (S3's
// PutBucketEncryption accepts any reference and stores the key ARN).
func (s *Service) DescribeKeyVia(ctx context.Context, via, keyRef string) (keyARN string, err error) {
	if keyRef == "" {
		keyRef = "alias/aws/" + via
	}
	out, err := s.DescribeKey(withVia(ctx, via), &KeyIDIn{KeyId: keyRef})
	if err != nil {
		return "", err
	}
	return out.KeyMetadata.Arn, nil
}

// ManagedKeyVia returns the ARN of account acct's AWS managed key
// alias/aws/VIA in region, creating the key first if the account never
// used it, as AWS does when the service first needs it. S3 uses it for
// a bucket whose default encryption names no key: the key is the bucket
// owner's, whoever writes (AWS Knowledge Center, "Why do cross-account
// users receive Access Denied errors when they try to access my S3
// objects that I encrypted with an AWS KMS customer managed key?"), so a
// writer of another account is then refused by the key's policy.
func (s *Service) ManagedKeyVia(acct, region, via string) (string, error) {
	var arn string
	name := "alias/aws/" + via
	if managedService(name) == "" {
		return "", errAliasNotFound(aliasARN(region, acct, name))
	}
	find := func(st *state) error {
		a := st.Aliases[aliasKey(acct, region, name)]
		if a == nil {
			return errAliasNotFound(aliasARN(region, acct, name))
		}
		arn = keyARN(region, acct, a.Target)
		return nil
	}
	if err := s.store.read(s.now(), find); err == nil {
		return arn, nil
	}
	if err := s.createManaged(acct, region, name); err != nil {
		return "", err
	}
	err := s.store.read(s.now(), find)
	return arn, err
}
