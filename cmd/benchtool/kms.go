package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// kmsThroughput measures AWS KMS: KMSEncrypt encrypts 1 KiB under a new
// symmetric key with an encryption context; KMSDecrypt decrypts one such
// ciphertext (without KeyId, the key read from the blob).
func kmsThroughput(endpoint, op string, n, clients int) error {
	ctx := context.Background()
	cfg := cfgFor(endpoint, aws.Credentials{AccessKeyID: "111111111111", SecretAccessKey: "test"})
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: max(4, clients)}}
	c := kms.NewFromConfig(cfg)
	key, err := c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("benchtool")})
	if err != nil {
		return err
	}
	keyID := key.KeyMetadata.KeyId
	plain := bytes.Repeat([]byte("x"), 1024)
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::bench/object"}
	var call func(int) error
	switch op {
	case "KMSEncrypt":
		call = func(int) error {
			_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: keyID, Plaintext: plain, EncryptionContext: ec})
			return err
		}
	case "KMSDecrypt":
		enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: keyID, Plaintext: plain, EncryptionContext: ec})
		if err != nil {
			return err
		}
		call = func(int) error {
			out, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
			if err == nil && !bytes.Equal(out.Plaintext, plain) {
				err = fmt.Errorf("decrypted %d bytes that differ from the plaintext", len(out.Plaintext))
			}
			return err
		}
	default:
		return fmt.Errorf("unknown op %s", op)
	}
	return measure(op, n, clients, call)
}
