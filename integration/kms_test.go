package integration

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestKMSBoto3 runs AWS KMS with boto3: a ciphertext refused with another
// context or another key; cross-account use allowed with both the key
// policy and the other account's identity policy, each missing piece
// AccessDeniedException with the explanation naming it; the AWS managed
// key aws/s3 refused across accounts; a disabled key and a key pending
// deletion refuse (AWS KMS Developer Guide, "Allowing users in other
// accounts to use a KMS key", "Key states of AWS KMS keys").
func TestKMSBoto3(t *testing.T) {
	needTool(t, "python3")
	s := serve(t)
	out := must(t, s.rootEnv("111111111111"), "python3", "testdata/kms_boto3.py")
	lines := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		name, rest, _ := strings.Cut(l, " ")
		lines[name] = strings.TrimSpace(rest)
	}
	for name, want := range map[string]string{
		"own-decrypt":         "OK",
		"other-context":       "InvalidCiphertextException",
		"other-key":           "IncorrectKeyException",
		"cross-decrypt":       "OK",
		"cross-encrypt":       "OK",
		"cross-no-identity":   "AccessDeniedException step 4 (the KMS permission): no identity-based policy of arn:aws:iam::222222222222:user/nopolicy allows kms:Decrypt",
		"cross-no-key-policy": "AccessDeniedException step 4 (the key policy): the key policy of arn:aws:kms:us-east-1:111111111111:key/",
		"aws/s3":              "AWS",
		"cross-aws-s3":        "AccessDeniedException step 4 (the KMS key): arn:aws:kms:us-east-1:111111111111:key/",
		"disabled":            "DisabledException",
		"window-6":            "ValidationException",
		"pending-deletion":    "KMSInvalidStateException",
		"state":               "PendingDeletion",
	} {
		if got := lines[name]; !strings.HasPrefix(got, want) {
			t.Errorf("%s: got %q, want it to start with %q", name, got, want)
		}
	}
	if !strings.Contains(lines["cross-aws-s3"], "is the AWS managed key alias/aws/s3") {
		t.Errorf("cross-aws-s3: the explanation does not name the AWS managed key: %s", lines["cross-aws-s3"])
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

// TestKMSCLI runs the same checks with the aws CLI: keys, aliases, encrypt
// and decrypt (the CLI's fileb:// blobs), a cross-account refusal and its
// message, grants.
func TestKMSCLI(t *testing.T) {
	needTool(t, "aws")
	s := serve(t)
	home, other := s.rootEnv("111111111111"), s.rootEnv("222222222222")
	var created struct{ KeyMetadata struct{ KeyId, Arn string } }
	if err := json.Unmarshal([]byte(must(t, home, "aws", "kms", "create-key", "--description", "cli key")), &created); err != nil {
		t.Fatal(err)
	}
	keyARN := created.KeyMetadata.Arn
	must(t, home, "aws", "kms", "create-alias", "--alias-name", "alias/cli", "--target-key-id", created.KeyMetadata.KeyId)
	dir := t.TempDir()
	blob, secret := dir+"/blob", dir+"/secret"
	os.WriteFile(secret, []byte("cli secret"), 0o600)
	b64 := must(t, home, "aws", "kms", "encrypt", "--key-id", "alias/cli", "--plaintext", "fileb://"+secret,
		"--encryption-context", "purpose=cli", "--query", "CiphertextBlob", "--output", "text")
	writeBase64(t, blob, b64)
	plain := must(t, home, "aws", "kms", "decrypt", "--ciphertext-blob", "fileb://"+blob, "--encryption-context", "purpose=cli",
		"--query", "KeyId", "--output", "text")
	if strings.TrimSpace(plain) != keyARN {
		t.Errorf("decrypt KeyId: got %q, want %s", plain, keyARN)
	}
	if _, err := run(t, home, "aws", "kms", "decrypt", "--ciphertext-blob", "fileb://"+blob, "--encryption-context", "purpose=other"); err == nil ||
		!strings.Contains(err.Error(), "(InvalidCiphertextException) when calling the Decrypt operation") {
		t.Errorf("decrypt with another context: %v", err)
	}
	// Another account's root: the default key policy names only the owner.
	_, err := run(t, other, "aws", "kms", "decrypt", "--ciphertext-blob", "fileb://"+blob, "--encryption-context", "purpose=cli")
	want := "(AccessDeniedException) when calling the Decrypt operation: User: arn:aws:iam::222222222222:root is not authorized to perform: kms:Decrypt on resource: " + keyARN
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("cross-account decrypt without the key policy: got %v, want %s", err, want)
	}
	// A grant to the other account's root gives it Decrypt.
	must(t, home, "aws", "kms", "create-grant", "--key-id", keyARN, "--grantee-principal", "arn:aws:iam::222222222222:root", "--operations", "Decrypt")
	must(t, other, "aws", "kms", "decrypt", "--ciphertext-blob", "fileb://"+blob, "--encryption-context", "purpose=cli")
	grants := must(t, home, "aws", "kms", "list-grants", "--key-id", "alias/cli", "--query", "Grants[0].GranteePrincipal", "--output", "text")
	if strings.TrimSpace(grants) != "arn:aws:iam::222222222222:root" {
		t.Errorf("list-grants: %s", grants)
	}
	aliases := must(t, home, "aws", "kms", "list-aliases", "--query", "Aliases[].AliasArn", "--output", "text")
	if !strings.Contains(aliases, "arn:aws:kms:us-east-1:111111111111:alias/cli") {
		t.Errorf("list-aliases: %s", aliases)
	}
	must(t, home, "aws", "kms", "disable-key", "--key-id", "alias/cli")
	if _, err := run(t, home, "aws", "kms", "encrypt", "--key-id", "alias/cli", "--plaintext", "fileb://"+secret); err == nil || !strings.Contains(err.Error(), "(DisabledException)") {
		t.Errorf("encrypt with a disabled key: %v", err)
	}
}

// writeBase64 writes the decoded base64 text (the CLI's blob output) to path.
func writeBase64(t *testing.T, path, text string) {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil {
		t.Fatalf("decode %q: %v", text, err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
