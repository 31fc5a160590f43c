package integration

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kmsSystem is the project's two templates deployed with EncryptWithKMS
// (SSE-KMS buckets under a customer managed key in each account) with
// the aws CLI, the s3-copy function built and packaged as `sam build`
// would lay it out.
type kmsSystem struct {
	home, target         []string // root environments
	sourceKey, targetKey string   // key ARNs
}

func deployKMSSystem(t *testing.T, s *server) *kmsSystem {
	t.Helper()
	k := &kmsSystem{home: s.rootEnv("111111111111"), target: s.rootEnv("222222222222")}
	must(t, k.target, "aws", "cloudformation", "deploy", "--template-file", "../deploy/target.yaml", "--stack-name", "xacct-target",
		"--capabilities", "CAPABILITY_NAMED_IAM", "--parameter-overrides", "SourceBucketName=kms-src", "TargetBucketName=kms-dst", "EncryptWithKMS=true")
	packaged := packageHome(t, k.home, "home-artifacts")
	must(t, k.home, "aws", "cloudformation", "deploy", "--template-file", packaged, "--stack-name", "xacct-home",
		"--capabilities", "CAPABILITY_NAMED_IAM", "--parameter-overrides", "SourceBucketName=kms-src", "TargetBucketName=kms-dst",
		"NotificationEmail=ops@example.com", "EncryptWithKMS=true")
	output := func(env []string, stack, key string) string {
		return strings.TrimSpace(must(t, env, "aws", "cloudformation", "describe-stacks", "--stack-name", stack,
			"--query", "Stacks[0].Outputs[?OutputKey=='"+key+"'].OutputValue", "--output", "text"))
	}
	k.sourceKey, k.targetKey = output(k.home, "xacct-home", "SourceKeyArn"), output(k.target, "xacct-target", "TargetKeyArn")
	if !strings.HasPrefix(k.sourceKey, "arn:aws:kms:us-east-1:111111111111:key/") || !strings.HasPrefix(k.targetKey, "arn:aws:kms:us-east-1:222222222222:key/") {
		t.Fatalf("key outputs: %q %q", k.sourceKey, k.targetKey)
	}
	return k
}

// TestKMSCopyTemplatesCLI is step 4 with the aws CLI: the templates
// deployed with EncryptWithKMS, objects put into the source (encrypted
// by its default with the source key), the copy function invoked; the
// copies are encrypted with the target key. Then each piece of step 4 is
// taken away in turn — the source key's statement for the role, the
// target key's statement for the role, the role's kms:Decrypt on the
// source key, and an object under the home account's AWS managed key
// aws/s3 — and the copy fails with AccessDenied, the function's log
// naming the piece (AWS KMS Developer Guide, "Allowing users in other
// accounts to use a KMS key"; Amazon S3 User Guide, "Using server-side
// encryption with AWS KMS keys (SSE-KMS)").
func TestKMSCopyTemplatesCLI(t *testing.T) {
	needTool(t, "aws")
	s := serve(t)
	k := deployKMSSystem(t, s)
	dir := t.TempDir()
	put := func(key, body string, extra ...string) {
		t.Helper()
		f := filepath.Join(dir, "body")
		os.WriteFile(f, []byte(body), 0o644)
		must(t, k.home, "aws", append([]string{"s3api", "put-object", "--bucket", "kms-src", "--key", key, "--body", f}, extra...)...)
	}
	invoke := func() (payload, functionError, logs string) {
		t.Helper()
		out := filepath.Join(dir, "out.json")
		res := must(t, k.home, "aws", "lambda", "invoke", "--function-name", "xacct-s3-copy", "--payload", "{}", "--log-type", "Tail", out)
		var r struct{ FunctionError, LogResult string }
		if err := json.Unmarshal([]byte(res), &r); err != nil {
			t.Fatalf("invoke: %v %s", err, res)
		}
		b, _ := os.ReadFile(out)
		l, _ := base64.StdEncoding.DecodeString(r.LogResult)
		return string(b), r.FunctionError, string(l)
	}

	put("a.txt", "first object")
	put("b/c.txt", "second object")
	if got := must(t, k.home, "aws", "s3api", "head-object", "--bucket", "kms-src", "--key", "a.txt", "--query", "[ServerSideEncryption,SSEKMSKeyId]", "--output", "text"); strings.Fields(got)[0] != "aws:kms" || strings.Fields(got)[1] != k.sourceKey {
		t.Fatalf("source object encryption: %s", got)
	}
	if p, fe, logs := invoke(); fe != "" || !strings.Contains(p, `"copied":2`) {
		t.Fatalf("copy: %s %s\n%s", fe, p, logs)
	}
	got := must(t, k.target, "aws", "s3api", "head-object", "--bucket", "kms-dst", "--key", "b/c.txt", "--query", "[ServerSideEncryption,SSEKMSKeyId,BucketKeyEnabled]", "--output", "text")
	if f := strings.Fields(got); len(f) != 3 || f[0] != "aws:kms" || f[1] != k.targetKey || f[2] != "True" {
		t.Errorf("target object encryption: got %q, want aws:kms %s True", got, k.targetKey)
	}
	cp := filepath.Join(dir, "copied")
	must(t, k.target, "aws", "s3", "cp", "s3://kms-dst/b/c.txt", cp)
	if b, _ := os.ReadFile(cp); string(b) != "second object" {
		t.Errorf("copied object reads %q", b)
	}

	keyPolicy := func(env []string, key string) string {
		return must(t, env, "aws", "kms", "get-key-policy", "--key-id", key, "--policy-name", "default", "--query", "Policy", "--output", "text")
	}
	without := func(policy, sid string) string {
		var doc struct {
			Version   string
			Statement []map[string]any
		}
		if err := json.Unmarshal([]byte(policy), &doc); err != nil {
			t.Fatalf("key policy: %v %s", err, policy)
		}
		var kept []map[string]any
		for _, st := range doc.Statement {
			if st["Sid"] != sid {
				kept = append(kept, st)
			}
		}
		if len(kept) == len(doc.Statement) {
			t.Fatalf("key policy has no statement %s: %s", sid, policy)
		}
		doc.Statement = kept
		b, _ := json.Marshal(doc)
		return string(b)
	}
	srcPolicy, dstPolicy := keyPolicy(k.home, k.sourceKey), keyPolicy(k.target, k.targetKey)
	rolePolicy := must(t, k.target, "aws", "iam", "get-role-policy", "--role-name", "xacct-cross-account", "--policy-name", "decrypt-source-key", "--query", "PolicyDocument", "--output", "json")

	for i, tc := range []struct {
		name          string
		brk, fix      func()
		extra         []string // put-object arguments of the new object
		refused, says string
	}{
		{name: "the source key's policy",
			brk: func() {
				must(t, k.home, "aws", "kms", "put-key-policy", "--key-id", k.sourceKey, "--policy-name", "default", "--policy", without(srcPolicy, "TargetRoleDecryptsThroughS3"))
			},
			fix: func() {
				must(t, k.home, "aws", "kms", "put-key-policy", "--key-id", k.sourceKey, "--policy-name", "default", "--policy", srcPolicy)
			},
			refused: "kms:Decrypt on resource: " + k.sourceKey, says: "step 4 (the key policy): the key policy of " + k.sourceKey},
		{name: "the target key's policy",
			brk: func() {
				must(t, k.target, "aws", "kms", "put-key-policy", "--key-id", k.targetKey, "--policy-name", "default", "--policy", without(dstPolicy, "CrossAccountRoleWritesThroughS3"))
			},
			fix: func() {
				must(t, k.target, "aws", "kms", "put-key-policy", "--key-id", k.targetKey, "--policy-name", "default", "--policy", dstPolicy)
			},
			refused: "kms:GenerateDataKey on resource: " + k.targetKey, says: "step 4 (the KMS permission): no identity-based policy of arn:aws:iam::222222222222:role/xacct-cross-account allows kms:GenerateDataKey on " + k.targetKey + " (the key policy delegates"},
		{name: "the role's kms:Decrypt on the source key",
			brk: func() {
				must(t, k.target, "aws", "iam", "delete-role-policy", "--role-name", "xacct-cross-account", "--policy-name", "decrypt-source-key")
			},
			fix: func() {
				must(t, k.target, "aws", "iam", "put-role-policy", "--role-name", "xacct-cross-account", "--policy-name", "decrypt-source-key", "--policy-document", rolePolicy)
			},
			refused: "kms:Decrypt on resource: " + k.sourceKey, says: "step 4 (the KMS permission): no identity-based policy of arn:aws:iam::222222222222:role/xacct-cross-account allows kms:Decrypt on " + k.sourceKey},
		{name: "aws/s3 across accounts",
			brk: func() {}, fix: func() { must(t, k.home, "aws", "s3api", "delete-object", "--bucket", "kms-src", "--key", "new-3.txt") },
			extra:   []string{"--server-side-encryption", "aws:kms", "--ssekms-key-id", "alias/aws/s3"},
			refused: "kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/", says: "step 4 (the KMS key): arn:aws:kms:us-east-1:111111111111:key/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "new-" + string(rune('0'+i)) + ".txt"
			put(key, "object "+key, tc.extra...)
			tc.brk()
			p, fe, logs := invoke()
			tc.fix()
			if fe == "" || !strings.Contains(p, "AccessDenied") || !strings.Contains(p, tc.refused) {
				t.Fatalf("copy without %s: got %s %s, want AccessDenied for %s\n%s", tc.name, fe, p, tc.refused, logs)
			}
			if !strings.Contains(logs, "Step 4 (the KMS key of an encrypted bucket) is missing") || !strings.Contains(logs, "The xacct emulator, which sees both accounts' policies, says: "+tc.says) {
				t.Errorf("the function's log does not name %s (%q):\n%s", tc.name, tc.says, logs)
			}
			// Restored, the copy completes (the next case starts clean).
			if p, fe, logs := invoke(); fe != "" || !strings.Contains(p, `"failed":0`) {
				t.Fatalf("restored: %s %s\n%s", fe, p, logs)
			}
		})
	}
	if ls := must(t, k.target, "aws", "s3", "ls", "s3://kms-dst/"); !strings.Contains(ls, "new-2.txt") || strings.Contains(ls, "new-3.txt") {
		t.Errorf("target after the restored copies: %s", ls)
	}
}

// TestKMSCopyTemplatesBoto3 is TestKMSCopyTemplatesCLI's step 4 with
// boto3 (the templates deployed with the aws CLI): the copy into the
// target key, single and multipart (UploadPartCopy into an SSE-KMS
// target, which needs kms:Decrypt as well: Amazon S3 API Reference,
// CreateMultipartUpload, "Permissions"), then each piece of step 4 taken
// away, the copy AccessDenied with the explanation naming it, and
// restored.
func TestKMSCopyTemplatesBoto3(t *testing.T) {
	needTool(t, "aws")
	needTool(t, "python3")
	s := serve(t)
	k := deployKMSSystem(t, s)
	env := append(s.rootEnv("111111111111"), "SOURCE_KEY="+k.sourceKey, "TARGET_KEY="+k.targetKey)
	out := must(t, env, "python3", "testdata/kms_copy_templates_boto3.py")
	lines := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		name, rest, _ := strings.Cut(l, " ")
		lines[name] = strings.TrimSpace(rest)
	}
	want := map[string]string{
		"copy":                  `OK {"copied":2,"skipped":0,"failed":0`,
		"encrypted-small.txt":   "aws:kms True True True",
		"encrypted-big.bin":     "aws:kms True True True",
		"no-source-key-policy":  "Unhandled AccessDenied step 4 (the key policy)",
		"no-target-key-policy":  "Unhandled AccessDenied step 4 (the KMS permission)",
		"no-role-decrypt":       "Unhandled AccessDenied step 4 (the KMS permission)",
		"cross-aws-s3":          "Unhandled AccessDenied step 4 (the KMS key)",
		"restored-cross-aws-s3": `OK {"copied":0,"skipped":5,"failed":0`,
	}
	for _, c := range []string{"no-source-key-policy", "no-target-key-policy", "no-role-decrypt"} {
		want["restored-"+c] = `OK {"copied":1,`
	}
	for name, w := range want {
		if got := lines[name]; !strings.HasPrefix(got, w) {
			t.Errorf("%s: got %q, want it to start with %q", name, got, w)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}
