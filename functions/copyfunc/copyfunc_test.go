package copyfunc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/xacct/xacct/emulatortest"
	"github.com/xacct/xacct/functions/copyfunc"
	"github.com/xacct/xacct/internal/lambdalog"
	"github.com/xacct/xacct/s3copy"
)

const roleARN = "arn:aws:iam::222222222222:role/s3-PutObject-assumedRole-by-Lambda-in-account111"

// setup creates the Qiita article's resources; homeBucketPolicy chooses
// whether the home bucket lets the target role read.
func setup(t *testing.T, homeBucketPolicy bool) (*emulatortest.Server, *copyfunc.Handler, *bytes.Buffer) {
	t.Helper()
	srv := emulatortest.New(t)
	ctx := context.Background()
	hi := iam.NewFromConfig(srv.Config("111111111111"))
	emulatortest.Must(hi.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("copy-exec"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`)}))(t)
	emulatortest.Must(hi.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("copy-exec"), PolicyName: aws.String("allowAssumeRole"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"allowAssumeRole","Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + roleARN + `"}]}`)}))(t)
	ti := iam.NewFromConfig(srv.Config("222222222222"))
	emulatortest.Must(ti.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("s3-PutObject-assumedRole-by-Lambda-in-account111"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:role/copy-exec"]},"Action":"sts:AssumeRole"}]}`)}))(t)
	emulatortest.Must(ti.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("s3-PutObject-assumedRole-by-Lambda-in-account111"), PolicyName: aws.String("copy"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject","s3:PutObjectAcl","s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::xacct-demo-target/*","arn:aws:s3:::xacct-demo-target","arn:aws:s3:::xacct-demo-source/*","arn:aws:s3:::xacct-demo-source"]}]}`)}))(t)
	home := s3.NewFromConfig(srv.Config("111111111111"))
	emulatortest.Must(home.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("xacct-demo-source")}))(t)
	emulatortest.Must(s3.NewFromConfig(srv.Config("222222222222")).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("xacct-demo-target")}))(t)
	if homeBucketPolicy {
		if _, err := home.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("xacct-demo-source"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"AllowCopyObjectFromLambda","Effect":"Allow","Principal":{"AWS":"` + roleARN + `"},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::xacct-demo-source","arn:aws:s3:::xacct-demo-source/*"]}]}`)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"reports/2026/11/summary final.csv", "reports/a.csv", "reports/b.csv", "other/x"} {
		emulatortest.Must(home.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("xacct-demo-source"), Key: aws.String(k), Body: strings.NewReader("content of " + k)}))(t)
	}
	sess, err := srv.Emulator.STS().AssumeRoleForService(ctx, "arn:aws:iam::111111111111:role/copy-exec", "lambda.amazonaws.com", "xacct-s3-copy", 3600)
	if err != nil {
		t.Fatal(err)
	}
	base := srv.ConfigWith(emulatortest.SessionCredentials(sess.AccessKeyID, sess.SecretAccessKey, sess.SessionToken, sess.Expires))
	var logs bytes.Buffer
	h := copyfunc.New(base, copyfunc.Config{SourceBucket: "xacct-demo-source", Prefix: "reports/", TargetBucket: "xacct-demo-target", RoleARN: roleARN, Concurrency: 4, ACL: "bucket-owner-full-control"},
		lambdalog.NewWithLevel(&logs, 0))
	h.Options = func(o *s3copy.Options) { o.BaseBackoff = time.Millisecond; o.MaxAttempts = 2 }
	return srv, h, &logs
}

func target(t *testing.T, srv *emulatortest.Server, key string) string {
	out, err := s3.NewFromConfig(srv.Config("222222222222")).GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("xacct-demo-target"), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	b, _ := io.ReadAll(out.Body)
	return string(b)
}

func TestPrefixCopy(t *testing.T) {
	srv, h, logs := setup(t, true)
	out, err := h.Handle(context.Background(), json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	sum := out.(copyfunc.Result)
	if sum.Copied != 3 || sum.Failed != 0 {
		t.Errorf("got %+v", sum)
	}
	if got := target(t, srv, "reports/2026/11/summary final.csv"); got != "content of reports/2026/11/summary final.csv" {
		t.Errorf("got %q", got)
	}
	if !strings.Contains(logs.String(), `"message":"copy finished"`) {
		t.Errorf("no summary log:\n%s", logs)
	}
}

// TestMissingBucketPolicyFails: without the home bucket's policy every
// object fails and the invocation is an error (so Errors and the alarm see
// it), with per-object messages in the logs.
func TestMissingBucketPolicyFails(t *testing.T) {
	_, h, logs := setup(t, false)
	_, err := h.Handle(context.Background(), json.RawMessage(`{}`))
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("got %v, want an AccessDenied failure", err)
	}
	if !strings.Contains(logs.String(), "ListObjectsV2") {
		t.Errorf("logs do not name the failing operation:\n%s", logs)
	}
}

func TestBatchOperations(t *testing.T) {
	srv, h, _ := setup(t, true)
	for _, tc := range []struct {
		file, wantKey string
	}{
		{"../../deploy/events/batch-operations-1.0.json", "reports/2026/11/summary final.csv"},
		{"../../deploy/events/batch-operations-2.0.json", "copied/reports/2026/11/summary final.csv"},
	} {
		raw, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		out, err := h.Handle(context.Background(), raw)
		if err != nil {
			t.Fatal(err)
		}
		resp := out.(copyfunc.BatchResponse)
		if len(resp.Results) != 1 || resp.Results[0].ResultCode != "Succeeded" || resp.Results[0].TaskID != "dGFza2lkZ29lc2hlcmUK" || resp.InvocationID == "" {
			t.Fatalf("%s: got %+v", tc.file, resp)
		}
		if got := target(t, srv, tc.wantKey); got != "content of reports/2026/11/summary final.csv" {
			t.Errorf("%s: got %q", tc.file, got)
		}
	}
	missing := json.RawMessage(`{"invocationSchemaVersion":"2.0","invocationId":"i","job":{"id":"j"},"tasks":[{"taskId":"t","s3Bucket":"xacct-demo-source","s3Key":"nope"}]}`)
	out, _ := h.Handle(context.Background(), missing)
	if r := out.(copyfunc.BatchResponse).Results[0]; r.ResultCode != "PermanentFailure" {
		t.Errorf("missing key: got %+v", r)
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv("s3_bucket", "src")
	t.Setenv("s3_key", "p/")
	t.Setenv("target_s3_bucket", "dst")
	t.Setenv("target_account_role_arn", roleARN)
	t.Setenv("CONCURRENCY", "8")
	c, err := copyfunc.ConfigFromEnv()
	if err != nil || c.Concurrency != 8 || c.ACL != "bucket-owner-full-control" || c.Prefix != "p/" {
		t.Errorf("got %+v %v", c, err)
	}
	t.Setenv("SSE_KMS_KEY_ID", "alias/xacct-target")
	if c, err := copyfunc.ConfigFromEnv(); err != nil || c.SSEKMSKeyID != "alias/xacct-target" {
		t.Errorf("SSE_KMS_KEY_ID: got %+v %v", c, err)
	}
	t.Setenv("SSE", "AES256")
	if _, err := copyfunc.ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "SSE_KMS_KEY_ID goes with SSE aws:kms") {
		t.Errorf("AES256 with a KMS key: %v", err)
	}
	t.Setenv("SSE", "aws:kmz")
	if _, err := copyfunc.ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "SSE must be aws:kms") {
		t.Errorf("SSE aws:kmz: %v", err)
	}
	t.Setenv("SSE", "")
	t.Setenv("target_account_role_arn", "arn:aws:iam::222:role/x")
	if _, err := copyfunc.ConfigFromEnv(); err == nil {
		t.Error("bad role ARN accepted")
	}
	t.Setenv("target_s3_bucket", "")
	if _, err := copyfunc.ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "target_s3_bucket") {
		t.Errorf("missing bucket: %v", err)
	}
}
