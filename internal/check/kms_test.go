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
