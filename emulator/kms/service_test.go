package kms_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/xacct/xacct/emulator/internal/servicetest"
	emukms "github.com/xacct/xacct/emulator/kms"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// TestChecks: every KMS operation on a key asks the authorizer with the
// key ARN, the key's account, its key policy (policy.KindKey) and the KMS
// condition keys; a refusal is AccessDeniedException (status 400).
func TestChecks(t *testing.T) {
	clock := servicetest.NewClock(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	authz := &servicetest.Authorizer{}
	svc, err := emukms.New(emukms.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&servicetest.Harness{Handler: svc.Mux(), Service: "kms", Authz: authz, Now: clock.Now})
	defer srv.Close()
	c := kms.NewFromConfig(servicetest.Config(srv.URL, "111111111111"))
	ctx := context.Background()
	key, err := c.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: key.KeyMetadata.KeyId, Plaintext: []byte("x"), EncryptionContext: map[string]string{"team": "data"}}); err != nil {
		t.Fatal(err)
	}
	checks := authz.Checks()
	if got := checks[0]; got.Action != "kms:CreateKey" || got.Resource != "*" || got.Context["kms:KeySpec"][0] != "SYMMETRIC_DEFAULT" {
		t.Errorf("CreateKey check: %+v", got)
	}
	enc := checks[len(checks)-1]
	if enc.Action != "kms:Encrypt" || enc.Resource != *key.KeyMetadata.Arn || enc.ResourceAccount != "111111111111" ||
		enc.ResourcePolicy == nil || enc.ResourcePolicy.Policy.Kind() != policy.KindKey {
		t.Fatalf("Encrypt check: %+v", enc)
	}
	for k, want := range map[string]string{"kms:EncryptionContext:team": "data", "kms:EncryptionContextKeys": "team", "kms:CallerAccount": "111111111111", "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT"} {
		if v := enc.Context[k]; len(v) != 1 || v[0] != want {
			t.Errorf("Encrypt check %s: got %v, want %s", k, v, want)
		}
	}
	if _, ok := enc.Context["kms:ViaService"]; ok {
		t.Error("a direct call has kms:ViaService")
	}
	authz.Deny = func(_ *service.Call, chk service.Check) bool { return chk.Action == "kms:Decrypt" }
	out, _ := c.Encrypt(ctx, &kms.EncryptInput{KeyId: key.KeyMetadata.KeyId, Plaintext: []byte("x")})
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob})
	if code := apiCode(err); code != "AccessDeniedException" {
		t.Errorf("refused Decrypt: got %v, want AccessDeniedException", err)
	}
}

// TestErrorMessages: the codes and messages AWS KMS answers, as recorded
// from AWS (LocalStack's AWS-validated snapshots of its KMS tests,
// tests/aws/services/kms/test_kms.snapshot.json): an alias name without
// "alias/" is a ValidationException; an unknown key id or ARN, a
// disabled key, a key pending deletion and another key in Decrypt's KeyId
// each have their own wording.
func TestErrorMessages(t *testing.T) {
	svc, err := emukms.New(emukms.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&servicetest.Harness{Handler: svc.Mux(), Service: "kms", Authz: &servicetest.Authorizer{}, Now: time.Now})
	defer srv.Close()
	c := kms.NewFromConfig(servicetest.Config(srv.URL, "111111111111"))
	ctx := context.Background()
	k1, err := c.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := c.CreateKey(ctx, &kms.CreateKeyInput{})
	arn1, arn2 := *k1.KeyMetadata.Arn, *k2.KeyMetadata.Arn
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: &arn1, Plaintext: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	s := func(v string) *string { return &v }
	missing := "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000"
	steps := []struct {
		name       string
		call       func() error
		code, text string
	}{
		{"alias without alias/", func() error {
			_, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: s("my-key"), TargetKeyId: &arn1})
			return err
		}, "ValidationException", `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`},
		{"unknown key id", func() error { _, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: s("fake-key-id")}); return err },
			"NotFoundException", "Invalid keyId 'fake-key-id'"},
		{"unknown key ARN", func() error { _, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &missing}); return err },
			"NotFoundException", "Key '" + missing + "' does not exist"},
		{"another key in Decrypt's KeyId", func() error {
			_, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, KeyId: &arn2})
			return err
		}, "IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation."},
		{"disabled", func() error {
			if _, err := c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &arn1}); err != nil {
				return err
			}
			_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: &arn1, Plaintext: []byte("x")})
			return err
		}, "DisabledException", arn1 + " is disabled."},
		{"pending deletion", func() error {
			if _, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: &arn2}); err != nil {
				return err
			}
			_, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: &arn2, Plaintext: []byte("x")})
			return err
		}, "KMSInvalidStateException", arn2 + " is pending deletion."},
	}
	for _, st := range steps {
		err := st.call()
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != st.code || ae.ErrorMessage() != st.text {
			t.Errorf("%s: got %v, want %s: %s", st.name, err, st.code, st.text)
		}
	}
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
