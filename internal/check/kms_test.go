package check

import (
	"path/filepath"
	"strings"
	"testing"
)

// Step 4: a function writing a bucket of another account that encrypts
// with SSE-KMS needs kms:GenerateDataKey in its role's policies and in
// the key's policy; with the AWS managed key aws/s3 it cannot work at all
// (Amazon S3 User Guide, "Using server-side encryption with AWS KMS keys";
// AWS KMS Developer Guide, "Allowing users in other accounts to use a KMS
// key").
func TestStepFourKMS(t *testing.T) {
	app := func(kmsStatement string) string {
		return `Transform: AWS::Serverless-2016-10-31
Resources:
  Export:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "import boto3\ndef handler(e, c):\n    boto3.client('s3').upload_file('/tmp/x', e['b'], 'x')\n"
      Environment: {Variables: {EXPORT_BUCKET: partner-exports}}
      Policies:
        - Statement:
            - {Effect: Allow, Action: s3:PutObject, Resource: "arn:aws:s3:::partner-exports/*"}
` + kmsStatement
	}
	bucket := func(keyStatement, keyID string) string {
		return `Resources:
  ExportKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - {Sid: Enable IAM User Permissions, Effect: Allow, Principal: {AWS: 'arn:aws:iam::222222222222:root'}, Action: 'kms:*', Resource: '*'}
` + keyStatement + `
  Exports:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: partner-exports
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: 'aws:kms', KMSMasterKeyID: ` + keyID + `}
  ExportsPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: partner-exports
      PolicyDocument:
        Version: '2012-10-17'
        Statement: [{Effect: Allow, Principal: {AWS: 'arn:aws:iam::111111111111:root'}, Action: s3:PutObject, Resource: 'arn:aws:s3:::partner-exports/*'}]
`
	}
	roleKMS := `            - {Effect: Allow, Action: kms:GenerateDataKey, Resource: "arn:aws:kms:us-east-1:222222222222:key/*"}
`
	keyForHome := `          - {Sid: HomeAccount, Effect: Allow, Principal: {AWS: 'arn:aws:iam::111111111111:root'}, Action: [kms:GenerateDataKey, kms:Decrypt], Resource: '*'}`
	for _, tc := range []struct {
		name, app, bucket string
		code              string // the finding wanted; "" for none
		template          int    // the file it names
		says              string
	}{
		{name: "all four steps", app: app(roleKMS), bucket: bucket(keyForHome, "!GetAtt ExportKey.Arn")},
		{name: "key by Ref", app: app(roleKMS), bucket: bucket(keyForHome, "!Ref ExportKey")},
		{name: "no KMS permission in the role", app: app(""), bucket: bucket(keyForHome, "!GetAtt ExportKey.Arn"), code: "MissingKMSPermission", template: 0, says: "needs kms:GenerateDataKey: no policy of"},
		{name: "key policy silent about the home account", app: app(roleKMS), bucket: bucket("", "!GetAtt ExportKey.Arn"), code: "MissingKeyPolicy", template: 1, says: "the key policy of ExportKey"},
		{name: "AWS managed key across accounts", app: app(roleKMS), bucket: bucket(keyForHome, "alias/aws/s3"), code: "AWSManagedKeyAcrossAccounts", template: 1, says: "AWS managed key aws/s3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := project(t, map[string]string{"app.yaml": tc.app, "bucket.yaml": tc.bucket})
			files := []string{filepath.Join(dir, "app.yaml"), filepath.Join(dir, "bucket.yaml")}
			rep, err := Run(files, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.code == "" {
				if rep.Blocking() {
					t.Fatalf("errors:\n%s", report(rep))
				}
				if !strings.Contains(strings.Join(rep.Checked, "\n"), "may kms:GenerateDataKey with bucket partner-exports's key ExportKey (step 4)") {
					t.Errorf("step 4 not in the checked list:\n%s", report(rep))
				}
				return
			}
			f := finding(rep, tc.code)
			if f == nil || f.Step != 4 || f.Template != files[tc.template] || !strings.Contains(f.Message, tc.says) {
				t.Fatalf("want %s (step 4) on %s saying %q:\n%s", tc.code, files[tc.template], tc.says, report(rep))
			}
		})
	}
}

// TestProjectTemplatesKMS: the project's templates with EncryptWithKMS
// (SSE-KMS buckets under a customer managed key in each account) are
// clean and decide step 4 for both keys; each piece of step 4 removed is
// an error naming it, on the template to fix.
func TestProjectTemplatesKMS(t *testing.T) {
	files := []string{"../../deploy/target.yaml", "../../deploy/home.yaml"}
	params := map[string]string{"EncryptWithKMS": "true"}
	for k, v := range projectParams {
		params[k] = v
	}
	rep := run(t, files, params)
	if rep.Summary.Errors != 0 || rep.Summary.Warnings != 0 {
		t.Fatalf("project templates with EncryptWithKMS: %s", report(rep))
	}
	checked := strings.Join(rep.Checked, "\n")
	for _, w := range []string{
		"xacct-cross-account may kms:Decrypt with bucket src's key SourceKey (step 4)",
		"xacct-cross-account may kms:GenerateDataKey with bucket dst's key TargetKey (step 4)",
		"xacct-cross-account may kms:Decrypt with bucket dst's key TargetKey (step 4)",
	} {
		if !strings.Contains(checked, w) {
			t.Errorf("checked list lacks %q:\n%s", w, checked)
		}
	}
	if rep := run(t, files, projectParams); strings.Contains(strings.Join(rep.Checked, "\n"), "step 4") {
		t.Errorf("without EncryptWithKMS, step 4 was checked:\n%s", report(rep))
	}
	for _, tc := range []struct {
		name  string
		edits []string
		extra map[string]string
		code  string
		file  string // base name of the template the finding names
		says  string
	}{
		{"the source key policy does not name the target role",
			[]string{"            Action: kms:Decrypt\n            Resource: '*'", "            Action: kms:Encrypt\n            Resource: '*'"},
			nil, "MissingKeyPolicy", "home.yaml", "the key policy of SourceKey"},
		{"the role may not decrypt the source key",
			[]string{"Action: kms:Decrypt\n                  Resource: !If", "Action: kms:Encrypt\n                  Resource: !If"},
			nil, "MissingKMSPermission", "target.yaml", "needs kms:Decrypt: no policy of arn:aws:iam::222222222222:role/xacct-cross-account allows kms:Decrypt"},
		{"the role may decrypt only another key",
			nil, map[string]string{"SourceKeyArn": "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000"},
			"MissingKMSPermission", "target.yaml", "needs kms:Decrypt"},
		// The target key is in the role's account: its policy delegates to
		// IAM, so either a statement of it or the role's policy may allow.
		{"the target key policy does not let the role generate data keys",
			[]string{"              - kms:GenerateDataKey\n              - kms:Decrypt\n            Resource: '*'", "              - kms:Decrypt\n            Resource: '*'"},
			nil, "MissingKMSPermission", "target.yaml", "needs kms:GenerateDataKey: neither the key policy of TargetKey"},
		{"the target key policy's statement only for another service",
			[]string{"              - kms:Decrypt\n            Resource: '*'\n            Condition:\n              StringEquals:\n                kms:ViaService: !Sub s3.", "              - kms:Decrypt\n            Resource: '*'\n            Condition:\n              StringEquals:\n                kms:ViaService: !Sub ec2."},
			nil, "MissingKMSPermission", "target.yaml", "condition StringEquals on kms:ViaService is not met"},
		{"the copy encrypts with aws/s3 of the source account",
			[]string{"KMSMasterKeyID: !GetAtt SourceKey.Arn", "KMSMasterKeyID: alias/aws/s3"},
			nil, "AWSManagedKeyAcrossAccounts", "home.yaml", "AWS managed key aws/s3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := map[string]string{}
			for k, v := range params {
				p[k] = v
			}
			for k, v := range tc.extra {
				p[k] = v
			}
			fs := files
			if tc.edits != nil {
				fs = variant(t, files, tc.edits...)
			}
			rep := run(t, fs, p)
			f := finding(rep, tc.code)
			if f == nil || f.Step != 4 || filepath.Base(f.Template) != tc.file || !strings.Contains(f.Message, tc.says) {
				t.Fatalf("want %s (step 4) on %s saying %q:\n%s", tc.code, tc.file, tc.says, report(rep))
			}
		})
	}
}
