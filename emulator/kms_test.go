package emulator_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
)

func newKMS(t *testing.T, cfg aws.Config) *kms.Client { return kms.NewFromConfig(cfg) }

// clockSigning makes cfg sign its requests at now() instead of the real
// time, for tests that move the emulator's clock by days (the SDK signs
// with the real time, which the emulator would refuse as skewed).
func clockSigning(cfg aws.Config, now func() time.Time) aws.Config {
	cfg.HTTPClient = &http.Client{Transport: resigner{cfg: cfg, now: now}}
	return cfg
}

type resigner struct {
	cfg aws.Config
	now func() time.Time
}

func (r resigner) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body.Close()
	req = req.Clone(req.Context())
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.Header.Del("Authorization")
	req.Header.Del("X-Amz-Date")
	creds, err := r.cfg.Credentials.Retrieve(req.Context())
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(req.Context(), creds, req, hex.EncodeToString(sum[:]), "kms", r.cfg.Region, r.now()); err != nil {
		return nil, err
	}
	return http.DefaultTransport.RoundTrip(req)
}

func createKey(t *testing.T, c *kms.Client, policy string) string {
	t.Helper()
	in := &kms.CreateKeyInput{Description: aws.String("test key")}
	if policy != "" {
		in.Policy = aws.String(policy)
	}
	out, err := c.CreateKey(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return *out.KeyMetadata.KeyId
}

// TestKMSCryptography: a ciphertext decrypts only with its key and exactly
// its encryption context (AWS KMS Developer Guide, "Encryption context");
// Decrypt finds the key from the blob; ReEncrypt and data keys (AWS KMS
// API Reference, Decrypt, ReEncrypt, GenerateDataKey).
func TestKMSCryptography(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := newKMS(t, srv.Config(home))
	k1, k2 := createKey(t, c, ""), createKey(t, c, "")
	if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: aws.String(k1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: aws.String(k2)}); apiCode(err) != "AlreadyExistsException" {
		t.Errorf("duplicate alias: got %v, want AlreadyExistsException", err)
	}
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/key", "purpose": "test"}
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/app"), Plaintext: []byte("secret"), EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	wantARN := "arn:aws:kms:us-east-1:" + home + ":key/" + k1
	if *enc.KeyId != wantARN {
		t.Errorf("Encrypt KeyId: got %s, want %s", *enc.KeyId, wantARN)
	}
	// Every way of naming the key works for Decrypt's KeyId, and none is needed.
	for _, ref := range []string{"", k1, wantARN, "alias/app", "arn:aws:kms:us-east-1:" + home + ":alias/app"} {
		in := &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec}
		if ref != "" {
			in.KeyId = aws.String(ref)
		}
		dec, err := c.Decrypt(ctx, in)
		if err != nil {
			t.Fatalf("Decrypt with KeyId %q: %v", ref, err)
		}
		if string(dec.Plaintext) != "secret" || *dec.KeyId != wantARN {
			t.Errorf("Decrypt with KeyId %q: got %q from %s", ref, dec.Plaintext, *dec.KeyId)
		}
	}
	// Another context, no context, a context with one more pair: refused.
	for name, other := range map[string]map[string]string{
		"other value": {"aws:s3:arn": "arn:aws:s3:::bucket/other", "purpose": "test"},
		"none":        nil,
		"one more":    {"aws:s3:arn": "arn:aws:s3:::bucket/key", "purpose": "test", "x": "y"},
	} {
		_, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: other})
		if apiCode(err) != "InvalidCiphertextException" {
			t.Errorf("Decrypt with context %s: got %v, want InvalidCiphertextException", name, err)
		}
	}
	// Another key named in KeyId: IncorrectKeyException.
	if _, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, KeyId: aws.String(k2)}); apiCode(err) != "IncorrectKeyException" {
		t.Errorf("Decrypt with another key: got %v, want IncorrectKeyException", err)
	}
	// A blob tampered with, or the key id in it swapped for another key's: refused.
	bad := bytes.Clone(enc.CiphertextBlob)
	bad[len(bad)-1] ^= 1
	if _, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: bad, EncryptionContext: ec}); apiCode(err) != "InvalidCiphertextException" {
		t.Errorf("tampered blob: got %v", err)
	}
	other, _ := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k2), Plaintext: []byte("x")})
	swapped := bytes.Clone(enc.CiphertextBlob)
	copy(swapped[1:17], other.CiphertextBlob[1:17])
	if _, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: swapped, EncryptionContext: ec}); apiCode(err) != "InvalidCiphertextException" {
		t.Errorf("blob moved to another key: got %v", err)
	}
	if _, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: []byte("garbage")}); apiCode(err) != "InvalidCiphertextException" {
		t.Errorf("garbage blob: got %v", err)
	}
	// ReEncrypt moves it under k2 with a new context.
	re, err := c.ReEncrypt(ctx, &kms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: ec, DestinationKeyId: aws.String(k2),
		DestinationEncryptionContext: map[string]string{"new": "ctx"}})
	if err != nil {
		t.Fatal(err)
	}
	if *re.SourceKeyId != wantARN || !strings.HasSuffix(*re.KeyId, k2) {
		t.Errorf("ReEncrypt: source %s, destination %s", *re.SourceKeyId, *re.KeyId)
	}
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: re.CiphertextBlob, EncryptionContext: map[string]string{"new": "ctx"}})
	if err != nil || string(dec.Plaintext) != "secret" {
		t.Errorf("Decrypt of re-encrypted: %q, %v", dec.Plaintext, err)
	}
	// Data keys.
	dk, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(k1), KeySpec: kmstypes.DataKeySpecAes256})
	if err != nil {
		t.Fatal(err)
	}
	if len(dk.Plaintext) != 32 {
		t.Errorf("data key: got %d bytes, want 32", len(dk.Plaintext))
	}
	dec, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob})
	if err != nil || !bytes.Equal(dec.Plaintext, dk.Plaintext) {
		t.Errorf("Decrypt of data key: %v", err)
	}
	wp, err := c.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String(k1), NumberOfBytes: aws.Int32(64)})
	if err != nil || wp.CiphertextBlob == nil {
		t.Fatalf("GenerateDataKeyWithoutPlaintext: %v", err)
	}
	if dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: wp.CiphertextBlob}); err != nil || len(dec.Plaintext) != 64 {
		t.Errorf("Decrypt of a 64-byte data key: %v", err)
	}
	if _, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(k1)}); apiCode(err) != "ValidationException" {
		t.Errorf("GenerateDataKey without size: got %v, want ValidationException", err)
	}
	if _, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k1), Plaintext: make([]byte, 4097)}); apiCode(err) != "ValidationException" {
		t.Errorf("Encrypt of 4097 bytes: got %v, want ValidationException", err)
	}
	if _, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/nope"), Plaintext: []byte("x")}); apiCode(err) != "NotFoundException" {
		t.Errorf("Encrypt with a missing alias: got %v, want NotFoundException", err)
	}
}

// TestKMSKeyStates: a disabled key refuses (DisabledException); a key
// pending deletion refuses (KMSInvalidStateException); the waiting period
// is 7–30 days, and the key is deleted when the emulator's clock passes
// its deletion date (AWS KMS Developer Guide, "Key states of AWS KMS keys",
// "Deleting AWS KMS keys").
func TestKMSKeyStates(t *testing.T) {
	t.Parallel()
	clock := newStepClock()
	srv := emulatortest.New(t, emulator.WithClock(clock.Now))
	ctx := context.Background()
	c := newKMS(t, clockSigning(srv.Config(home), clock.Now))
	k := createKey(t, c, "")
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k), Plaintext: []byte("p")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(k)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k), Plaintext: []byte("p")}); apiCode(err) != "DisabledException" {
		t.Errorf("Encrypt with a disabled key: got %v, want DisabledException", err)
	}
	if _, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); apiCode(err) != "DisabledException" {
		t.Errorf("Decrypt with a disabled key: got %v, want DisabledException", err)
	}
	if _, err := c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(k)}); err != nil {
		t.Fatal(err)
	}
	for _, days := range []int32{6, 31} {
		if _, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(k), PendingWindowInDays: aws.Int32(days)}); apiCode(err) != "ValidationException" {
			t.Errorf("ScheduleKeyDeletion in %d days: got %v, want ValidationException", days, err)
		}
	}
	sd, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(k), PendingWindowInDays: aws.Int32(7)})
	if err != nil {
		t.Fatal(err)
	}
	if sd.KeyState != kmstypes.KeyStatePendingDeletion || sd.DeletionDate.Sub(clock.Now()) != 7*24*time.Hour {
		t.Errorf("ScheduleKeyDeletion: state %s, deletion %v", sd.KeyState, sd.DeletionDate)
	}
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if apiCode(err) != "KMSInvalidStateException" || !strings.Contains(apiMessage(err), "is pending deletion") {
		t.Errorf("Decrypt with a key pending deletion: got %v, want KMSInvalidStateException", err)
	}
	if _, err := c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(k)}); err != nil {
		t.Fatal(err)
	}
	d, _ := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k)})
	if d.KeyMetadata.KeyState != kmstypes.KeyStateDisabled || d.KeyMetadata.DeletionDate != nil {
		t.Errorf("after CancelKeyDeletion: state %s, want Disabled", d.KeyMetadata.KeyState)
	}
	if _, err := c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(k)}); apiCode(err) != "KMSInvalidStateException" {
		t.Errorf("CancelKeyDeletion of a key not pending deletion: got %v", err)
	}
	c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/doomed"), TargetKeyId: aws.String(k)})
	if _, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(k), PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	clock.Add(7*24*time.Hour - time.Second)
	if _, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k)}); err != nil {
		t.Errorf("DescribeKey a second before deletion: %v", err)
	}
	clock.Add(time.Second)
	if _, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k)}); apiCode(err) != "NotFoundException" {
		t.Errorf("DescribeKey after the deletion date: got %v, want NotFoundException", err)
	}
	if _, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/doomed")}); apiCode(err) != "NotFoundException" {
		t.Errorf("alias of a deleted key: got %v, want NotFoundException", err)
	}
}

// TestKMSDefaultKeyPolicy: a key created without a policy gets AWS's
// default key policy, which delegates to the account's IAM policies: a
// user without a KMS permission is refused, one with it is allowed. A key
// policy without that delegation makes identity policies count for
// nothing (AWS KMS Developer Guide, "Default key policy", "Key policies in
// AWS KMS").
func TestKMSDefaultKeyPolicy(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	root := newKMS(t, srv.Config(home))
	k := createKey(t, root, "")
	pol, err := root.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(k), PolicyName: aws.String("default")})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Statement []struct {
			Sid       string
			Principal map[string]string
			Action    string
		}
	}
	if err := json.Unmarshal([]byte(*pol.Policy), &doc); err != nil || len(doc.Statement) != 1 ||
		doc.Statement[0].Sid != "Enable IAM User Permissions" || doc.Statement[0].Principal["AWS"] != "arn:aws:iam::"+home+":root" || doc.Statement[0].Action != "kms:*" {
		t.Errorf("default key policy: %s", *pol.Policy)
	}
	userCfg := userWithPolicy(t, srv, home, "app", "")
	user := newKMS(t, userCfg)
	_, err = user.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k), Plaintext: []byte("p")})
	if apiCode(err) != "AccessDeniedException" || !strings.Contains(explainOf(err), "step 4 (the KMS permission)") {
		t.Fatalf("Encrypt without an identity policy: got %v (%s), want AccessDeniedException naming the KMS permission", err, explainOf(err))
	}
	if want := "because no identity-based policy allows the kms:Encrypt action"; !strings.Contains(apiMessage(err), want) {
		t.Errorf("message: got %q, want it to contain %q", apiMessage(err), want)
	}
	putUserPolicy(t, srv, home, "app", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}]}`)
	if _, err := user.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k), Plaintext: []byte("p")}); err != nil {
		t.Fatalf("Encrypt with an identity policy: %v", err)
	}
	// A key policy that names only the admin user: the app user's identity
	// policy no longer counts.
	admin := "arn:aws:iam::" + home + ":user/" + emulatortest.AdminUser
	srv.AdminConfig(t, home)
	onlyAdmin := `{"Version":"2012-10-17","Statement":[{"Sid":"admin","Effect":"Allow","Principal":{"AWS":"` + admin + `"},"Action":"kms:*","Resource":"*"}]}`
	if _, err := root.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(k), PolicyName: aws.String("default"), Policy: aws.String(onlyAdmin)}); apiCode(err) != "MalformedPolicyDocumentException" {
		t.Errorf("PutKeyPolicy locking the caller out: got %v, want MalformedPolicyDocumentException", err)
	}
	if _, err := root.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(k), PolicyName: aws.String("default"), Policy: aws.String(onlyAdmin),
		BypassPolicyLockoutSafetyCheck: true}); err != nil {
		t.Fatal(err)
	}
	_, err = user.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k), Plaintext: []byte("p")})
	if apiCode(err) != "AccessDeniedException" || !strings.Contains(explainOf(err), "step 4 (the key policy)") {
		t.Errorf("Encrypt with a key policy that does not delegate: got %v (%s), want the key policy named", err, explainOf(err))
	}
	if want := "because no resource-based policy allows the kms:Encrypt action"; !strings.Contains(apiMessage(err), want) {
		t.Errorf("message: got %q, want it to contain %q", apiMessage(err), want)
	}
	if _, err := newKMS(t, srv.AdminConfig(t, home)).Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k), Plaintext: []byte("p")}); err != nil {
		t.Errorf("Encrypt by the principal the key policy names: %v", err)
	}
}

// userWithPolicy creates IAM user name in acct (with an inline policy when
// given) and returns a config signing as it.
func userWithPolicy(t *testing.T, srv *emulatortest.Server, acct, name, policy string) aws.Config {
	t.Helper()
	ctx := context.Background()
	c := iam.NewFromConfig(srv.Config(acct))
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if policy != "" {
		putUserPolicy(t, srv, acct, name, policy)
	}
	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return srv.ConfigWith(aws.Credentials{AccessKeyID: *key.AccessKey.AccessKeyId, SecretAccessKey: *key.AccessKey.SecretAccessKey})
}

func putUserPolicy(t *testing.T, srv *emulatortest.Server, acct, name, policy string) {
	t.Helper()
	if _, err := iam.NewFromConfig(srv.Config(acct)).PutUserPolicy(context.Background(), &iam.PutUserPolicyInput{UserName: aws.String(name),
		PolicyName: aws.String("kms"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
}

func deleteUserPolicy(t *testing.T, srv *emulatortest.Server, acct, name string) {
	t.Helper()
	if _, err := iam.NewFromConfig(srv.Config(acct)).DeleteUserPolicy(context.Background(), &iam.DeleteUserPolicyInput{UserName: aws.String(name),
		PolicyName: aws.String("kms")}); err != nil {
		t.Fatal(err)
	}
}

// TestKMSCrossAccount: a principal of another account may use a key only
// when the key policy allows its account (or it) and its own identity
// policy allows the action; each missing piece is AccessDeniedException
// and the explanation names it (AWS KMS Developer Guide, "Allowing users
// in other accounts to use a KMS key").
func TestKMSCrossAccount(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	owner := newKMS(t, srv.Config(home))
	shared := `{"Version":"2012-10-17","Statement":[
	 {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + home + `:root"},"Action":"kms:*","Resource":"*"},
	 {"Sid":"AllowTargetAccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + target + `:root"},"Action":["kms:Encrypt","kms:Decrypt","kms:DescribeKey"],"Resource":"*"}]}`
	k := createKey(t, owner, shared)
	keyARN := "arn:aws:kms:us-east-1:" + home + ":key/" + k
	if _, err := owner.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/shared"), TargetKeyId: aws.String(k)}); err != nil {
		t.Fatal(err)
	}
	idPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt","kms:DescribeKey"],"Resource":"` + keyARN + `"}]}`
	other := newKMS(t, userWithPolicy(t, srv, target, "copier", idPolicy))

	enc, err := other.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyARN), Plaintext: []byte("across")})
	if err != nil {
		t.Fatalf("cross-account Encrypt with key policy and identity policy: %v", err)
	}
	if dec, err := other.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); err != nil || string(dec.Plaintext) != "across" {
		t.Fatalf("cross-account Decrypt: %v", err)
	}
	// By alias ARN too; an alias name alone is looked up in the caller's account.
	if _, err := other.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("arn:aws:kms:us-east-1:" + home + ":alias/shared"), Plaintext: []byte("x")}); err != nil {
		t.Errorf("Encrypt by alias ARN: %v", err)
	}
	if _, err := other.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/shared"), Plaintext: []byte("x")}); apiCode(err) != "NotFoundException" {
		t.Errorf("Encrypt by alias name from the other account: got %v, want NotFoundException", err)
	}
	// Operations KMS does not allow across accounts.
	if _, err := other.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(keyARN)}); apiCode(err) != "NotFoundException" {
		t.Errorf("cross-account GetKeyPolicy: got %v, want NotFoundException", err)
	}

	// Missing: the identity policy of the other account.
	deleteUserPolicy(t, srv, target, "copier")
	_, err = other.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if apiCode(err) != "AccessDeniedException" || !strings.Contains(explainOf(err), "step 4 (the KMS permission): no identity-based policy of arn:aws:iam::"+target+":user/copier allows kms:Decrypt") {
		t.Errorf("without the identity policy: got %v\nexplain %s", err, explainOf(err))
	}
	if want := "User: arn:aws:iam::" + target + ":user/copier is not authorized to perform: kms:Decrypt on resource: " + keyARN; apiMessage(err) != want {
		t.Errorf("message: got %q, want %q", apiMessage(err), want)
	}
	// Missing: the key policy's statement for the other account.
	putUserPolicy(t, srv, target, "copier", idPolicy)
	if _, err := owner.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(k), PolicyName: aws.String("default"), Policy: aws.String(emulatorDefaultPolicy(home))}); err != nil {
		t.Fatal(err)
	}
	_, err = other.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	if apiCode(err) != "AccessDeniedException" || !strings.Contains(explainOf(err), "step 4 (the key policy): the key policy of "+keyARN+" does not allow arn:aws:iam::"+target+":user/copier kms:Decrypt") {
		t.Errorf("without the key policy: got %v\nexplain %s", err, explainOf(err))
	}
}

func emulatorDefaultPolicy(acct string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"kms:*","Resource":"*"}]}`
}

// TestKMSGrants: a grant lets its grantee (here in another account, with
// no identity policy) use the key for its operations, only under its
// encryption context constraint; retiring it takes the permission away
// (AWS KMS Developer Guide, "Grants in AWS KMS", "Grant constraints").
func TestKMSGrants(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	owner := newKMS(t, srv.Config(home))
	k := createKey(t, owner, "")
	keyARN := "arn:aws:kms:us-east-1:" + home + ":key/" + k
	granteeCfg := userWithPolicy(t, srv, target, "grantee", "")
	grantee := newKMS(t, granteeCfg)
	ec := map[string]string{"Department": "IT"}
	enc, err := owner.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k), Plaintext: []byte("g"), EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := owner.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(k), Plaintext: []byte("g"), EncryptionContext: map[string]string{"Department": "HR"}})
	if _, err := grantee.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec}); apiCode(err) != "AccessDeniedException" {
		t.Fatalf("Decrypt before the grant: got %v, want AccessDeniedException", err)
	}
	g, err := owner.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(k), GranteePrincipal: aws.String("arn:aws:iam::" + target + ":user/grantee"),
		Operations:  []kmstypes.GrantOperation{kmstypes.GrantOperationDecrypt, kmstypes.GrantOperationRetireGrant},
		Constraints: &kmstypes.GrantConstraints{EncryptionContextEquals: ec}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := grantee.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, KeyId: aws.String(keyARN),
		GrantTokens: []string{*g.GrantToken}}); err != nil {
		t.Errorf("Decrypt under the grant: %v", err)
	}
	if _, err := grantee.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: other.CiphertextBlob, EncryptionContext: map[string]string{"Department": "HR"}}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("Decrypt outside the grant's constraint: got %v, want AccessDeniedException", err)
	}
	if _, err := grantee.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyARN), Plaintext: []byte("x"), EncryptionContext: ec}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("Encrypt, not a grant operation: got %v, want AccessDeniedException", err)
	}
	if _, err := grantee.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, GrantTokens: []string{"not-a-token"}}); apiCode(err) != "InvalidGrantTokenException" {
		t.Errorf("unknown grant token: got %v, want InvalidGrantTokenException", err)
	}
	list, err := owner.ListGrants(ctx, &kms.ListGrantsInput{KeyId: aws.String(k)})
	if err != nil || len(list.Grants) != 1 || *list.Grants[0].GrantId != *g.GrantId || *list.Grants[0].IssuingAccount != "arn:aws:iam::"+home+":root" {
		t.Fatalf("ListGrants: %+v, %v", list, err)
	}
	if _, err := grantee.RetireGrant(ctx, &kms.RetireGrantInput{GrantToken: g.GrantToken}); err != nil {
		t.Fatalf("RetireGrant by the grantee: %v", err)
	}
	if _, err := grantee.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("Decrypt after RetireGrant: got %v, want AccessDeniedException", err)
	}
	g2, err := owner.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(k), GranteePrincipal: aws.String("arn:aws:iam::" + target + ":user/grantee"),
		Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationEncrypt}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := grantee.RetireGrant(ctx, &kms.RetireGrantInput{GrantToken: g2.GrantToken}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("RetireGrant by a grantee without RetireGrant: got %v, want AccessDeniedException", err)
	}
	if _, err := owner.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: aws.String(k), GrantId: g2.GrantId}); err != nil {
		t.Errorf("RevokeGrant: %v", err)
	}
	if _, err := owner.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: aws.String(k), GrantId: g2.GrantId}); apiCode(err) != "InvalidGrantIdException" {
		t.Errorf("RevokeGrant again: got %v, want InvalidGrantIdException", err)
	}
}

// TestKMSAliasesTagsListing covers ListKeys, ListAliases, UpdateAlias,
// DeleteAlias and tags.
func TestKMSAliasesTagsListing(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := newKMS(t, srv.Config(home))
	k1, k2 := createKey(t, c, ""), createKey(t, c, "")
	keys, err := c.ListKeys(ctx, &kms.ListKeysInput{Limit: aws.Int32(1)})
	if err != nil || len(keys.Keys) != 1 || !keys.Truncated {
		t.Fatalf("ListKeys page 1: %+v %v", keys, err)
	}
	keys2, err := c.ListKeys(ctx, &kms.ListKeysInput{Marker: keys.NextMarker})
	if err != nil || len(keys2.Keys) != 1 || keys2.Truncated || *keys2.Keys[0].KeyId == *keys.Keys[0].KeyId {
		t.Fatalf("ListKeys page 2: %+v %v", keys2, err)
	}
	if out, _ := newKMS(t, srv.Config(target)).ListKeys(ctx, &kms.ListKeysInput{}); len(out.Keys) != 0 {
		t.Errorf("another account's ListKeys: got %d keys", len(out.Keys))
	}
	for _, bad := range []string{"noprefix", "alias/aws/mine", "alias/sp ace"} {
		if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(bad), TargetKeyId: aws.String(k1)}); err == nil {
			t.Errorf("CreateAlias %q: accepted", bad)
		}
	}
	c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/a"), TargetKeyId: aws.String(k1)})
	if _, err := c.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/a"), TargetKeyId: aws.String(k2)}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/a")})
	if err != nil || *d.KeyMetadata.KeyId != k2 {
		t.Errorf("alias after UpdateAlias: %v %v", d, err)
	}
	al, err := c.ListAliases(ctx, &kms.ListAliasesInput{KeyId: aws.String(k2)})
	if err != nil || len(al.Aliases) != 1 || *al.Aliases[0].AliasArn != "arn:aws:kms:us-east-1:"+home+":alias/a" {
		t.Errorf("ListAliases for k2: %+v %v", al, err)
	}
	if _, err := c.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/a")}); apiCode(err) != "NotFoundException" {
		t.Errorf("DeleteAlias again: got %v", err)
	}
	if _, err := c.TagResource(ctx, &kms.TagResourceInput{KeyId: aws.String(k1), Tags: []kmstypes.Tag{{TagKey: aws.String("team"), TagValue: aws.String("data")}, {TagKey: aws.String("env"), TagValue: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &kms.UntagResourceInput{KeyId: aws.String(k1), TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: aws.String(k1)})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].TagKey != "team" {
		t.Errorf("ListResourceTags: %+v %v", tags, err)
	}
	if _, err := c.TagResource(ctx, &kms.TagResourceInput{KeyId: aws.String(k1), Tags: []kmstypes.Tag{{TagKey: aws.String("aws:x"), TagValue: aws.String("y")}}}); apiCode(err) != "TagException" {
		t.Errorf("reserved tag: got %v, want TagException", err)
	}
}

// TestKMSPersists: keys, their material, aliases and grants survive a
// restart on the same data directory: a ciphertext from before decrypts.
func TestKMSPersists(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := emulatortest.New(t, emulator.WithDataDir(dir))
	ctx := context.Background()
	c := newKMS(t, srv.Config(home))
	k := createKey(t, c, "")
	c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/kept"), TargetKeyId: aws.String(k)})
	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/kept"), Plaintext: []byte("durable"), EncryptionContext: map[string]string{"a": "b"}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	srv = emulatortest.New(t, emulator.WithDataDir(dir))
	c = newKMS(t, srv.Config(home))
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"a": "b"}})
	if err != nil || string(dec.Plaintext) != "durable" {
		t.Fatalf("Decrypt after restart: %v", err)
	}
	if d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/kept")}); err != nil || *d.KeyMetadata.KeyId != k {
		t.Errorf("alias after restart: %v", err)
	}
}
