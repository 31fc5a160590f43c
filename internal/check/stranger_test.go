package check

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A stranger's project: templates and handlers the tests write, nothing
// of this repository's.

// project writes files (path -> content) under a temporary directory and
// returns the directory.
func project(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func report(rep *Report) string {
	var b bytes.Buffer
	rep.Write(&b, "text")
	return b.String()
}

func finding(rep *Report, code string) *Finding {
	for i := range rep.Findings {
		if rep.Findings[i].Code == code {
			return &rep.Findings[i]
		}
	}
	return nil
}

const ordersTemplate = `Transform: AWS::Serverless-2016-10-31
Resources:
  OrdersQueue:
    Type: AWS::SQS::Queue
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        GetOrder:
          Type: Api
          Properties: {Path: '/orders/{id}', Method: get}
        Jobs:
          Type: SQS
          Properties: {Queue: !GetAtt OrdersQueue.Arn}
        Kafka:
          Type: MSK
          Properties: {Stream: arn:aws:kafka:us-east-1:111111111111:cluster/c/1, StartingPosition: LATEST, Topics: [t]}
        Secured:
          Type: Api
          Properties: {Path: /admin, Method: post, Auth: {Authorizer: AWS_IAM}}
`

// Event sources never fail a template: those the transform translates
// are expanded and their resources listed as ignored; those it refuses
// are taken out and listed as ignored, with the reason.
func TestEventSourcesAreIgnoredNotFatal(t *testing.T) {
	dir := project(t, map[string]string{"template.yaml": ordersTemplate, "src/app.py": "def handler(event, context):\n    return event\n"})
	rep, err := Run([]string{filepath.Join(dir, "template.yaml")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Blocking() || rep.Summary.Functions != 1 {
		t.Fatalf("blocking or no function:\n%s", report(rep))
	}
	text := report(rep)
	for _, want := range []string{
		"ignored  " + filepath.Join(dir, "template.yaml") + ": event Kafka of Orders (MSK)",
		"event Secured of Orders (Api): property Auth on Api events is not supported",
		"OrdersQueue (AWS::SQS::Queue)", "ServerlessRestApi (AWS::ApiGateway::RestApi)", "OrdersJobs (AWS::Lambda::EventSourceMapping)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}

const greeterTemplate = `Transform: AWS::Serverless-2016-10-31
Resources:
  Data:
    Type: AWS::S3::Bucket
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: reader/
      Environment:
        Variables:
          DATA_BUCKET: !Ref Data
      Policies:
        - S3ReadPolicy:
            BucketName: !Ref Data
  Writer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: |
        const { S3Client, PutObjectCommand } = require("@aws-sdk/client-s3");
        exports.handler = async () => new S3Client().send(new PutObjectCommand({Bucket: process.env.OUT, Key: "k", Body: "x"}));
      Environment:
        Variables:
          OUT: !Ref Data
      Policies:
        - S3ReadPolicy:
            BucketName: !Ref Data
  Packaged:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: s3://someone-elses-artifacts/packaged.zip
      Environment:
        Variables:
          LOGS_BUCKET: company-logs-archive
          DATA: !Ref Data
`

// Bucket access is decided for any function: the buckets come from the
// environment and the roles' policies, the actions from the code's S3
// calls, each decided with the policy engine; what cannot be decided is
// listed.
func TestBucketAccessOfAnyFunction(t *testing.T) {
	dir := project(t, map[string]string{
		"template.yaml": greeterTemplate,
		"reader/app.py": "import os, boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n    obj = s3.get_object(Bucket=os.environ['DATA_BUCKET'], Key=event['key'])\n    s3.put_object(Bucket=os.environ['DATA_BUCKET'], Key='seen/' + event['key'], Body=b'1')\n    return obj['ContentLength']\n",
		// Installed dependencies are not the function's code.
		"reader/boto3/s3/inject.py": "def delete_object(self): pass\nclient.delete_object(Bucket=b)\n",
	})
	rep, err := Run([]string{filepath.Join(dir, "template.yaml")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := report(rep)
	var reader, writer *Finding
	for i, f := range rep.Findings {
		if f.Code == "MissingBucketAccess" && strings.HasSuffix(f.Function, "-Reader") {
			reader = &rep.Findings[i]
		}
		if f.Code == "MissingBucketAccess" && strings.HasSuffix(f.Function, "-Writer") {
			writer = &rep.Findings[i]
		}
	}
	if reader == nil || reader.Severity != Error || !strings.Contains(reader.Message, "s3:PutObject (app.py:6)") ||
		!strings.Contains(reader.Message, "arn:aws:iam::111111111111:role/xacct-template-ReaderRole") || !strings.Contains(reader.Message, "environment variable DATA_BUCKET") {
		t.Errorf("reader's PutObject not found missing (with action, place, role ARN, bucket):\n%s", text)
	}
	if writer == nil || !strings.Contains(writer.Message, "s3:PutObject (InlineCode:2)") {
		t.Errorf("inline writer's PutObject not found missing:\n%s", text)
	}
	if strings.Contains(text, "s3:DeleteObject") {
		t.Errorf("a call in installed dependencies was taken for the function's:\n%s", text)
	}
	for _, want := range []string{
		"ok       xacct-template-Reader: arn:aws:iam::111111111111:role/xacct-template-ReaderRole may s3:GetObject on xacct-template-data (the code calls it at app.py:5)",
		"not checked: xacct-template-Packaged: bucket company-logs-archive (environment variable LOGS_BUCKET) is not defined in these templates",
		"not checked: xacct-template-Packaged: which S3 actions it calls on xacct-template-data (environment variable DATA): its code is not in a local directory",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}

	// With the write allowed, the same project passes.
	fixed := strings.Replace(greeterTemplate, "        - S3ReadPolicy:\n            BucketName: !Ref Data\n  Writer:", "        - S3CrudPolicy:\n            BucketName: !Ref Data\n  Writer:", 1)
	os.WriteFile(filepath.Join(dir, "template.yaml"), []byte(fixed), 0o644)
	rep, err = Run([]string{filepath.Join(dir, "template.yaml")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if strings.HasSuffix(f.Function, "-Reader") {
			t.Errorf("with S3CrudPolicy: %+v", f)
		}
	}
}

// A function in one account writing a bucket of another needs the
// bucket's policy too.
func TestBucketAccessAcrossAccounts(t *testing.T) {
	dir := project(t, map[string]string{
		"app.yaml": `Transform: AWS::Serverless-2016-10-31
Parameters:
  Out: {Type: String}
Resources:
  Export:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "import boto3\ndef handler(e, c):\n    boto3.client('s3').upload_file('/tmp/x', e['b'], 'x')\n"
      Environment: {Variables: {EXPORT_BUCKET: !Ref Out}}
      Policies:
        - Statement:
            - {Effect: Allow, Action: s3:PutObject, Resource: !Sub "arn:aws:s3:::${Out}/*"}
`,
		"bucket.yaml": `Resources:
  Exports:
    Type: AWS::S3::Bucket
    Properties: {BucketName: partner-exports}
`,
	})
	files := []string{filepath.Join(dir, "app.yaml"), filepath.Join(dir, "bucket.yaml")}
	rep, err := Run(files, Options{Params: map[string]string{"Out": "partner-exports"}})
	if err != nil {
		t.Fatal(err)
	}
	f := finding(rep, "MissingBucketPolicy")
	if f == nil || f.Template != files[1] || !strings.Contains(f.Message, "s3:PutObject") {
		t.Fatalf("want MissingBucketPolicy on bucket.yaml:\n%s", report(rep))
	}
}

// Templates without functions are validated too: IAM's refusals are
// errors, misspelt actions warnings.
func TestValidatesTemplatesWithoutFunctions(t *testing.T) {
	dir := project(t, map[string]string{"roles.yaml": `Resources:
  Deployer:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{Effect: Alow, Principal: {Service: codebuild.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: raw
          PolicyDocument: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"'
        - PolicyName: typo
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - {Effect: Allow, Action: [s3:GetObjekt, s3:ListBucket, ec2:DescribeInstances, ssm:GetParameter], Resource: '*'}
  Shared:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement: [{Effect: Allow, Action: GetObject, Resource: '*'}]
`})
	rep, err := Run([]string{filepath.Join(dir, "roles.yaml")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := report(rep)
	for _, want := range []string{
		"[MalformedPolicy] trust policy of arn:aws:iam::222222222222:role/xacct-roles-Deployer: MalformedPolicyDocument: Invalid effect: Alow",
		"[MalformedPolicy] inline policy raw of arn:aws:iam::222222222222:role/xacct-roles-Deployer: MalformedPolicyDocument: Syntax errors in policy.",
		"[UnknownAction] inline policy typo of arn:aws:iam::222222222222:role/xacct-roles-Deployer: unknown action s3:GetObjekt (did you mean s3:GetObject?)",
		"Shared [MalformedPolicy]",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "UnknownAction"); n != 1 {
		t.Errorf("%d UnknownAction findings, want 1 (actions outside the catalogue are not guessed at):\n%s", n, text)
	}
	if rep.Summary.Functions != 0 || rep.Summary.Errors != 3 {
		t.Errorf("summary %+v, want 0 functions, 3 errors", rep.Summary)
	}
}

// A trust policy naming a role another template creates ties the deploy
// order: the warning says so and suggests aws:PrincipalArn.
func TestTrustNamingRoleOfOtherTemplate(t *testing.T) {
	dir := project(t, map[string]string{
		"home.yaml": `Resources:
  Runner:
    Type: AWS::IAM::Role
    Properties:
      RoleName: runner
      AssumeRolePolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]}
`,
		"target.yaml": `Resources:
  Reader:
    Type: AWS::IAM::Role
    Properties:
      RoleName: reader
      AssumeRolePolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Principal: {AWS: 'arn:aws:iam::111111111111:role/runner'}, Action: sts:AssumeRole}]}
`,
	})
	files := []string{filepath.Join(dir, "home.yaml"), filepath.Join(dir, "target.yaml")}
	rep, err := Run(files, Options{Accounts: map[string]string{files[0]: "111111111111", files[1]: "222222222222"}})
	if err != nil {
		t.Fatal(err)
	}
	f := finding(rep, "TrustNamesRoleOfOtherTemplate")
	if f == nil || f.Severity != Warning || f.Role != "arn:aws:iam::222222222222:role/reader" ||
		!strings.Contains(f.Message, "home.yaml must be deployed first") || !strings.Contains(f.Message, "aws:PrincipalArn arn:aws:iam::111111111111:role/runner") {
		t.Fatalf("want TrustNamesRoleOfOtherTemplate:\n%s", report(rep))
	}
}

// Bad input is refused with what is wrong: unknown --param keys,
// --account for a file not given or not a 12-digit id, YAML errors at
// their line.
func TestRefusesBadInput(t *testing.T) {
	dir := project(t, map[string]string{
		"a.yaml":   "Parameters:\n  Env: {Type: String, Default: dev}\nResources:\n  B:\n    Type: AWS::S3::Bucket\n",
		"bad.yaml": "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: [unclosed\n  C:\n    Type: AWS::S3::Bucket\n",
	})
	a := filepath.Join(dir, "a.yaml")
	cases := []struct {
		name  string
		files []string
		opts  Options
		want  string
	}{
		{"unknown param", []string{a}, Options{Params: map[string]string{"Env": "prod", "Enviroment": "x"}}, "--param Enviroment: no template given declares this parameter"},
		{"account for another file", []string{a}, Options{Accounts: map[string]string{"b.yaml": "111111111111"}}, "b.yaml is not one of the templates given"},
		{"short account id", []string{a}, Options{Accounts: map[string]string{a: "12345"}}, "an account id is 12 digits"},
		{"YAML error line", []string{filepath.Join(dir, "bad.yaml")}, Options{}, "bad.yaml: Template format error: YAML not well-formed. (line 5, column 7)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Run(c.files, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}
