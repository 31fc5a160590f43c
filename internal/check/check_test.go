package check

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var projectParams = map[string]string{"SourceBucketName": "src", "TargetBucketName": "dst", "NotificationEmail": "ops@example.com"}

// variant writes a copy of each template with edits applied (old -> new,
// every occurrence) and returns the paths. Each old string must occur.
func variant(t *testing.T, files []string, edits ...string) []string {
	t.Helper()
	dir := t.TempDir()
	var out []string
	applied := make([]bool, len(edits)/2)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		for i := 0; i+1 < len(edits); i += 2 {
			if strings.Contains(s, edits[i]) {
				applied[i/2] = true
				s = strings.ReplaceAll(s, edits[i], edits[i+1])
			}
		}
		p := filepath.Join(dir, filepath.Base(f))
		os.WriteFile(p, []byte(s), 0o644)
		out = append(out, p)
	}
	for i, ok := range applied {
		if !ok {
			t.Fatalf("edit %q matches nothing", edits[2*i])
		}
	}
	return out
}

type want struct {
	code string
	step int
	sev  string
}

func run(t *testing.T, files []string, params map[string]string) *Report {
	t.Helper()
	rep, err := Run(files, Options{Params: params})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func has(rep *Report, w want) bool {
	for _, f := range rep.Findings {
		if f.Code == w.code && f.Step == w.step && f.Severity == w.sev {
			return true
		}
	}
	return false
}

// TestProjectTemplates: the project's own templates, then each with one
// piece of the setup removed; the finding names the missing step.
func TestProjectTemplates(t *testing.T) {
	files := []string{"../../deploy/target.yaml", "../../deploy/home.yaml"}
	if rep := run(t, files, projectParams); rep.Summary.Errors != 0 || rep.Summary.Warnings != 0 || len(rep.Checked) < 10 {
		t.Fatalf("project templates: %+v", rep)
	}
	cases := []struct {
		name  string
		edits []string
		extra map[string]string
		want  want
	}{
		{"step 1: the execution roles may not call sts:AssumeRole", []string{
			"Sid: AssumeExactTargetRole\n                Effect: Allow\n                Action: sts:AssumeRole",
			"Sid: AssumeExactTargetRole\n                Effect: Allow\n                Action: sts:TagSession"},
			nil, want{"MissingIdentityPermission", 1, Error}},
		{"step 2: the trust policy pins other roles", []string{
			"${Account}:role/${CopyExecutionRoleName}", "${Account}:role/someone-else",
			"${Account}:role/${SwitchExecutionRoleName}", "${Account}:role/someone-else"},
			nil, want{"TrustPolicyDenies", 2, Error}},
		{"step 3: the trust policy wants an ExternalId the function does not send", []string{
			"          EXTERNAL_ID: !Ref ExternalId\n\n  CopyErrorsAlarm", "          EXTERNAL_ID: ''\n\n  CopyErrorsAlarm"},
			map[string]string{"ExternalId": "secret"}, want{"ExternalIdMismatch", 3, Error}},
		{"the source bucket policy is on another bucket", []string{"Bucket: !Ref SourceBucket\n", "Bucket: some-other-bucket\n"},
			nil, want{"MissingBucketPolicy", 0, Error}},
		{"broad: S3 full access and the role name in any account", []string{
			"Resource: !Sub arn:${AWS::Partition}:iam::${TargetAccountId}:role/${CrossAccountRoleName}", "Resource: !Sub arn:${AWS::Partition}:iam::*:role/${CrossAccountRoleName}",
			"      RoleName: !Ref CopyExecutionRoleName\n", "      RoleName: !Ref CopyExecutionRoleName\n      ManagedPolicyArns: [arn:aws:iam::aws:policy/AmazonS3FullAccess]\n"},
			nil, want{"BroadAssumeRole", 0, Warning}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			params := map[string]string{}
			for k, v := range projectParams {
				params[k] = v
			}
			for k, v := range c.extra {
				params[k] = v
			}
			rep := run(t, variant(t, files, c.edits...), params)
			if !has(rep, c.want) {
				var b bytes.Buffer
				rep.Write(&b, "text")
				t.Fatalf("want %+v; report:\n%s", c.want, b.String())
			}
			if c.want.sev == Warning && rep.Blocking() {
				t.Errorf("warnings only, yet blocking: %+v", rep.Findings)
			}
		})
	}
}

// TestSeeds checks each article's configuration as templates, then with
// each step removed.
func TestSeeds(t *testing.T) {
	q := []string{"testdata/seed003_home.yaml", "testdata/seed003_target.yaml"}
	c := []string{"testdata/seed004_switch.yaml", "testdata/seed004_external.yaml"}
	if rep := run(t, q, nil); rep.Summary.Errors != 0 {
		t.Fatalf("seed 003 (Qiita): %+v", rep.Findings)
	}
	rep := run(t, c, nil)
	if rep.Summary.Errors != 0 || !has(rep, want{"BroadAssumeRole", 0, Warning}) || !has(rep, want{"BroadTrust", 0, Warning}) {
		t.Fatalf("seed 004 (Classmethod): %+v", rep.Findings)
	}
	cases := []struct {
		name  string
		files []string
		edits []string
		want  want
	}{
		{"003 without allowAssumeRole", q, []string{"Action: sts:AssumeRole\n                Resource: arn:aws:iam::222222222222:role/", "Action: sts:GetCallerIdentity\n                Resource: arn:aws:iam::222222222222:role/"}, want{"MissingIdentityPermission", 1, Error}},
		{"003 trust naming another role", q, []string{"arn:aws:iam::111111111111:role/s3-copy-lambda-role", "arn:aws:iam::111111111111:role/another-role"}, want{"TrustPolicyDenies", 2, Error}},
		{"003 without the home bucket policy", q, []string{"Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: seed-source", "Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: seed-elsewhere"}, want{"MissingBucketPolicy", 0, Error}},
		{"003 target role and target bucket without PutObject", q, []string{"Action: [s3:PutObject, s3:GetObject, s3:ListBucket]", "Action: [s3:GetObject, s3:ListBucket]",
			"Action: [s3:GetObject, s3:ListBucket, s3:PutObject]", "Action: [s3:GetObject, s3:ListBucket]"}, want{"MissingBucketAccess", 0, Error}},
		{"004 without the sts:AssumeRole policy", c, []string{"                - sts:AssumeRole\n              Resource: arn:aws:iam::*:role/external-role", "                - sts:TagSession\n              Resource: arn:aws:iam::*:role/external-role"}, want{"MissingIdentityPermission", 1, Error}},
		{"004 trust in another account", c, []string{`AWS: "111111111111"`, `AWS: "333333333333"`}, want{"TrustPolicyDenies", 2, Error}},
		{"004 trust requiring an ExternalId", c, []string{"            Principal:\n", "            Condition: {StringEquals: {sts:ExternalId: secret}}\n            Principal:\n"}, want{"ExternalIdMismatch", 3, Error}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := run(t, variant(t, tc.files, tc.edits...), nil)
			if !has(rep, tc.want) {
				var b bytes.Buffer
				rep.Write(&b, "text")
				t.Fatalf("want %+v; report:\n%s", tc.want, b.String())
			}
		})
	}
}

// TestJSON: the --format json output is the Report, stable field names.
func TestJSON(t *testing.T) {
	rep := run(t, []string{"testdata/seed004_switch.yaml", "testdata/seed004_external.yaml"}, nil)
	var b bytes.Buffer
	if err := rep.Write(&b, "json"); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Findings []map[string]any
		Summary  map[string]int
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Summary["warnings"] != 2 || got.Summary["errors"] != 0 || got.Summary["functions"] != 1 {
		t.Fatalf("summary: %v", got.Summary)
	}
	for _, f := range got.Findings {
		for _, k := range []string{"severity", "code", "template", "message"} {
			if _, ok := f[k]; !ok {
				t.Errorf("finding lacks %q: %v", k, f)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	if _, err := Run([]string{"../../deploy/home.yaml"}, Options{}); err == nil || !strings.Contains(err.Error(), "--param SourceBucketName=") {
		t.Errorf("missing parameters: %v", err)
	}
	if _, err := Run([]string{"testdata/nope.yaml"}, Options{}); err == nil {
		t.Error("missing file accepted")
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("Resources:\n  X: [\n"), 0o644)
	if _, err := Run([]string{bad}, Options{}); err == nil || !strings.Contains(err.Error(), "bad.yaml") {
		t.Errorf("syntax error: %v", err)
	}
}
