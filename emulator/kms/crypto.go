// This file holds the cryptographic operations and the ciphertext blob.
//
// A key's material is 32 random bytes; a ciphertext is AES-256-GCM. The
// blob carries the key id, so Decrypt finds the key without KeyId, as AWS
// KMS's blobs do (AWS KMS API Reference, Decrypt: "the KMS key that was
// used to encrypt the ciphertext ... is included in the metadata of the
// ciphertext"). The encryption context is bound as GCM additional data in
// a canonical form, with the blob's header, so a ciphertext decrypts only
// with its key and exactly its context (AWS KMS Developer Guide,
// "Encryption context": "the same encryption context is required to
// decrypt").

package kms

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
)

// Blob layout: version (1 byte) | key id (16 bytes, the UUID) | nonce
// (12 bytes) | AES-256-GCM ciphertext and tag (16 bytes or more).
const (
	blobVersion  = 1
	headerLen    = 1 + 16
	nonceLen     = 12
	tagLen       = 16
	minBlobLen   = headerLen + nonceLen + tagLen
	maxBlobLen   = 6144 // AWS KMS API Reference, Decrypt: CiphertextBlob
	maxPlaintext = 4096 // AWS KMS API Reference, Encrypt: Plaintext
)

var errBlob = errors.New("kms: not a ciphertext blob of this emulator")

// blob is a parsed ciphertext.
type blob struct {
	keyID  string
	header []byte // version and key id, bound as additional data
	nonce  []byte
	sealed []byte
}

// parseBlob reads a ciphertext blob; it never panics on any input.
func parseBlob(b []byte) (blob, error) {
	if len(b) < minBlobLen || len(b) > maxBlobLen || b[0] != blobVersion {
		return blob{}, errBlob
	}
	id := b[1:headerLen]
	var sb strings.Builder
	sb.Grow(36)
	for i, part := range [][]byte{id[0:4], id[4:6], id[6:8], id[8:10], id[10:16]} {
		if i > 0 {
			sb.WriteByte('-')
		}
		sb.WriteString(hex.EncodeToString(part))
	}
	return blob{keyID: sb.String(), header: b[:headerLen], nonce: b[headerLen : headerLen+nonceLen], sealed: b[headerLen+nonceLen:]}, nil
}

// keyIDBytes is the 16 bytes of a key id (a UUID).
func keyIDBytes(id string) ([]byte, bool) {
	b, err := hex.DecodeString(strings.ReplaceAll(id, "-", ""))
	return b, err == nil && len(b) == 16
}

// canonicalContext is the encryption context as additional data: the
// pairs sorted by key, each key and value length-prefixed, so that
// different contexts never give the same bytes.
func canonicalContext(ec map[string]string) []byte {
	if len(ec) == 0 {
		return nil
	}
	keys := make([]string, 0, len(ec))
	for k := range ec {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b []byte
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(ec[k])))
		b = append(b, ec[k]...)
	}
	return b
}

func (k *key) aead() cipher.AEAD {
	c, err := aes.NewCipher(k.Material)
	if err != nil {
		panic("kms: key material is not 32 bytes") // material is always generated as 32 bytes
	}
	g, _ := cipher.NewGCM(c)
	return g
}

// seal encrypts plaintext under k with ec.
func seal(k *key, plaintext []byte, ec map[string]string) []byte {
	id, _ := keyIDBytes(k.ID)
	out := make([]byte, headerLen+nonceLen, headerLen+nonceLen+len(plaintext)+tagLen)
	out[0] = blobVersion
	copy(out[1:], id)
	rand.Read(out[headerLen:])
	aad := append(append([]byte(nil), out[:headerLen]...), canonicalContext(ec)...)
	return k.aead().Seal(out, out[headerLen:], plaintext, aad)
}

// open decrypts b under k with ec: InvalidCiphertextException when the
// key, context or bytes do not match.
func open(k *key, b blob, ec map[string]string) ([]byte, error) {
	aad := append(append([]byte(nil), b.header...), canonicalContext(ec)...)
	p, err := k.aead().Open(nil, b.nonce, b.sealed, aad)
	if err != nil {
		return nil, errInvalidCiphertext()
	}
	if p == nil {
		p = []byte{}
	}
	return p, nil
}

func checkContext(ec map[string]string) error {
	n := 0
	for k, v := range ec {
		if k == "" {
			return errValidation("1 validation error detected: encryption context keys must not be empty")
		}
		n += len(k) + len(v)
	}
	if n > 8192 {
		return errValidation("1 validation error detected: the encryption context must be 8192 bytes or less")
	}
	return nil
}

func checkAlgorithm(a string) error {
	if a != "" && a != "SYMMETRIC_DEFAULT" {
		if a == "RSAES_OAEP_SHA_1" || a == "RSAES_OAEP_SHA_256" || a == "SM2PKE" {
			return kmsErr("InvalidKeyUsageException", "The encryption algorithm %s is not valid for a SYMMETRIC_DEFAULT key", a)
		}
		return errValidation("1 validation error detected: Value '%s' at 'encryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]", a)
	}
	return nil
}

var algorithm = map[string][]string{"kms:EncryptionAlgorithm": {"SYMMETRIC_DEFAULT"}}

// errDryRun is what a DryRun request gets when it would have succeeded.
func errDryRun() error {
	return awserr.New(http.StatusPreconditionFailed, "DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
}

// Encrypt encrypts up to 4 KiB under a key.
func (s *Service) Encrypt(ctx context.Context, in *EncryptIn) (*EncryptOut, error) {
	if len(in.Plaintext) == 0 || len(in.Plaintext) > maxPlaintext {
		return nil, errValidation("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length between 1 and 4096")
	}
	if err := firstErr(checkContext(in.EncryptionContext), checkAlgorithm(in.EncryptionAlgorithm), s.checkGrantTokens(in.GrantTokens)); err != nil {
		return nil, err
	}
	t, err := s.resolve(ctx, "Encrypt", in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, "kms:Encrypt", in.EncryptionContext, algorithm); err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	if err := usable(t.k); err != nil {
		return nil, err
	}
	return &EncryptOut{CiphertextBlob: seal(t.k, in.Plaintext, in.EncryptionContext), KeyId: t.k.arn(), EncryptionAlgorithm: "SYMMETRIC_DEFAULT"}, nil
}

// source finds the key of a ciphertext, checking it against keyRef (the
// request's KeyId or SourceKeyId) when given.
func (s *Service) source(ctx context.Context, opName string, ciphertext []byte, keyRef string) (*target, blob, error) {
	if len(ciphertext) == 0 {
		return nil, blob{}, errValidation("1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null")
	}
	if len(ciphertext) > maxBlobLen {
		return nil, blob{}, errValidation("1 validation error detected: Value at 'ciphertextBlob' failed to satisfy constraint: Member must have length less than or equal to 6144")
	}
	b, err := parseBlob(ciphertext)
	if err != nil {
		return nil, blob{}, errInvalidCiphertext()
	}
	if keyRef != "" {
		t, err := s.resolve(ctx, opName, keyRef, false)
		if err != nil {
			return nil, blob{}, err
		}
		if t.k.ID != b.keyID {
			return nil, blob{}, errIncorrectKey()
		}
		return t, b, nil
	}
	var t *target
	err = s.store.read(s.now(), func(st *state) error {
		k := st.Keys[b.keyID]
		if k == nil {
			return errInvalidCiphertext()
		}
		var err error
		t, err = lookup(st, parsedRef{acct: k.Account, region: k.Region, keyID: k.ID})
		return err
	})
	return t, b, err
}

// Decrypt decrypts a ciphertext with the key it names (KeyId is optional
// for symmetric keys; when given, it must be that key) and exactly the
// encryption context it was encrypted with.
func (s *Service) Decrypt(ctx context.Context, in *DecryptIn) (*DecryptOut, error) {
	if err := firstErr(checkAlgorithm(in.EncryptionAlgorithm), s.checkGrantTokens(in.GrantTokens)); err != nil {
		return nil, err
	}
	t, b, err := s.source(ctx, "Decrypt", in.CiphertextBlob, in.KeyId)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, "kms:Decrypt", in.EncryptionContext, algorithm); err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	if err := usable(t.k); err != nil {
		return nil, err
	}
	p, err := open(t.k, b, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	return &DecryptOut{KeyId: t.k.arn(), Plaintext: p, EncryptionAlgorithm: "SYMMETRIC_DEFAULT"}, nil
}

// dataKeySize reads KeySpec/NumberOfBytes: exactly one of them.
func dataKeySize(spec string, n *int) (int, error) {
	switch {
	case spec != "" && n != nil, spec == "" && n == nil:
		return 0, errValidation("Please specify either number of bytes or key spec.")
	case n != nil:
		if *n < 1 || *n > 1024 {
			return 0, errValidation("1 validation error detected: Value '%d' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024", *n)
		}
		return *n, nil
	case spec == "AES_256":
		return 32, nil
	case spec == "AES_128":
		return 16, nil
	}
	return 0, errValidation("1 validation error detected: Value '%s' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]", spec)
}

// GenerateDataKey returns a random data key in plaintext and encrypted
// under the KMS key.
func (s *Service) GenerateDataKey(ctx context.Context, in *DataKeyIn) (*DataKeyOut, error) {
	return s.dataKey(ctx, "GenerateDataKey", in, true)
}

// GenerateDataKeyWithoutPlaintext returns a data key encrypted under the
// KMS key only.
func (s *Service) GenerateDataKeyWithoutPlaintext(ctx context.Context, in *DataKeyIn) (*DataKeyOut, error) {
	return s.dataKey(ctx, "GenerateDataKeyWithoutPlaintext", in, false)
}

func (s *Service) dataKey(ctx context.Context, opName string, in *DataKeyIn, plain bool) (*DataKeyOut, error) {
	n, err := dataKeySize(in.KeySpec, in.NumberOfBytes)
	if err != nil {
		return nil, err
	}
	if err := firstErr(checkContext(in.EncryptionContext), s.checkGrantTokens(in.GrantTokens)); err != nil {
		return nil, err
	}
	t, err := s.resolve(ctx, opName, in.KeyId, viaOf(ctx) != "")
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, "kms:"+opName, in.EncryptionContext, nil); err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	if err := usable(t.k); err != nil {
		return nil, err
	}
	dk := make([]byte, n)
	rand.Read(dk)
	out := &DataKeyOut{CiphertextBlob: seal(t.k, dk, in.EncryptionContext), KeyId: t.k.arn()}
	if plain {
		out.Plaintext = dk
	}
	return out, nil
}

// ReEncrypt decrypts a ciphertext and encrypts it again under another key
// (or another context), without returning the plaintext: kms:ReEncryptFrom
// on the source key, kms:ReEncryptTo on the destination key.
func (s *Service) ReEncrypt(ctx context.Context, in *ReEncryptIn) (*ReEncryptOut, error) {
	if err := firstErr(checkAlgorithm(in.SourceEncryptionAlgorithm), checkAlgorithm(in.DestinationEncryptionAlgorithm),
		checkContext(in.DestinationEncryptionContext), s.checkGrantTokens(in.GrantTokens)); err != nil {
		return nil, err
	}
	src, b, err := s.source(ctx, "ReEncrypt", in.CiphertextBlob, in.SourceKeyId)
	if err != nil {
		return nil, err
	}
	if in.DestinationKeyId == "" {
		return nil, errValidation("1 validation error detected: Value null at 'destinationKeyId' failed to satisfy constraint: Member must not be null")
	}
	dst, err := s.resolve(ctx, "ReEncrypt", in.DestinationKeyId, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, src, "kms:ReEncryptFrom", in.SourceEncryptionContext, algorithm); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, dst, "kms:ReEncryptTo", in.DestinationEncryptionContext, algorithm); err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	if err := firstErr(usable(src.k), usable(dst.k)); err != nil {
		return nil, err
	}
	p, err := open(src.k, b, in.SourceEncryptionContext)
	if err != nil {
		return nil, err
	}
	return &ReEncryptOut{CiphertextBlob: seal(dst.k, p, in.DestinationEncryptionContext), SourceKeyId: src.k.arn(), KeyId: dst.k.arn(),
		SourceEncryptionAlgorithm: "SYMMETRIC_DEFAULT", DestinationEncryptionAlgorithm: "SYMMETRIC_DEFAULT"}, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
