package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/xacct/xacct/emulatortest"
)

// TestCopyBatch deploys the project with `xacct up`, then copies a prefix
// across accounts with `xacct copy --batch`: a Batch Operations job of
// the home account that invokes the deployed s3-copy function per object
// as deploy/home.yaml's job role; then with the no-code S3PutObjectCopy
// operation as the same role, which the target bucket's policy in
// deploy/target.yaml admits. S3PutObjectCopy as a role the target bucket
// does not admit fails every task, and copy prints the report's failures.
func TestCopyBatch(t *testing.T) {
	srv := emulatortest.New(t)
	if out, errs, err := runMain(t, "up", "--endpoint", srv.URL, "--dir", "../..", "--source-bucket", "bt-src", "--target-bucket", "bt-dst"); err != nil {
		t.Fatalf("up: %v\n%s%s", err, out, errs)
	}
	admin, err := srv.AdminConfig(t, "111111111111").Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", admin.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", admin.SecretAccessKey)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("HOME", t.TempDir())
	hs := s3.NewFromConfig(srv.Config("111111111111"))
	const n = 40
	for i := range n {
		emulatortest.Must(hs.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("bt-src"), Key: aws.String(fmt.Sprintf("data/file %02d.txt", i)), Body: strings.NewReader("x")}))(t)
	}
	reports := "xacct-batch-111111111111-us-east-1"
	for _, generate := range []bool{false, true} {
		args := []string{"copy", "--batch", "--report-bucket", reports, "s3://bt-src/data/", "s3://bt-dst/copied/", "--quiet", "--poll", "20ms", "--report-scope", "AllTasks"}
		if generate {
			args = append(args, "--generate-manifest")
		}
		out, errs, err := runMain(t, args...)
		var sum batchSummary
		json.Unmarshal([]byte(out), &sum)
		if err != nil || sum.Status != "Complete" || sum.Succeeded != n || sum.Failed != 0 || !strings.HasPrefix(sum.Report, "s3://"+reports+"/reports/job-") {
			t.Fatalf("copy --batch (generate %v): %v\n%s%s", generate, err, out, errs)
		}
	}
	ts := s3.NewFromConfig(srv.Config("222222222222"))
	for i := range n {
		k := fmt.Sprintf("copied/file %02d.txt", i)
		if _, err := ts.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("bt-dst"), Key: aws.String(k)}); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}

	out, errs, err := runMain(t, "copy", "--batch", "--batch-operation", "S3PutObjectCopy", "--report-bucket", reports, "s3://bt-src/data/", "s3://bt-dst/data/", "--quiet", "--poll", "20ms")
	var sum batchSummary
	json.Unmarshal([]byte(out), &sum)
	if err != nil || sum.Status != "Complete" || sum.Succeeded != n || sum.Failed != 0 {
		t.Fatalf("copy --batch S3PutObjectCopy as the template's job role: %v\n%s%s", err, out, errs)
	}
	for i := range n {
		k := fmt.Sprintf("data/file %02d.txt", i)
		if _, err := ts.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("bt-dst"), Key: aws.String(k)}); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}

	// A job role with the same permissions that the target bucket's
	// policy does not name: every CopyObject is refused there.
	hi := iam.NewFromConfig(srv.AdminConfig(t, "111111111111"))
	emulatortest.Must(hi.CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String("other-batch"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"batchoperations.s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))(t)
	emulatortest.Must(hi.PutRolePolicy(context.Background(), &iam.PutRolePolicyInput{RoleName: aws.String("other-batch"), PolicyName: aws.String("copy"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::bt-src/*","arn:aws:s3:::` + reports + `/manifests/*"]},` +
			`{"Effect":"Allow","Action":"s3:PutObject","Resource":["arn:aws:s3:::bt-dst/*","arn:aws:s3:::` + reports + `/reports/*"]}]}`)}))(t)
	out, errs, err = runMain(t, "copy", "--batch", "--batch-operation", "S3PutObjectCopy", "--job-role-arn", "arn:aws:iam::111111111111:role/other-batch",
		"--report-bucket", reports, "s3://bt-src/data/", "s3://bt-dst/data/", "--quiet", "--poll", "20ms")
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%d of %d objects failed", n, n)) {
		t.Fatalf("S3PutObjectCopy without permission: %v\n%s%s", err, out, errs)
	}
	if !strings.Contains(errs, "failed: s3://bt-src/data/file 00.txt: AccessDenied 403:") || !strings.Contains(errs, "other-batch") || !strings.Contains(errs, "more failures") {
		t.Fatalf("failures printed:\n%s", errs)
	}
	// Flags are checked before anything is called.
	if _, _, err := runMain(t, "copy", "--batch", "s3://bt-src/data/", "s3://bt-dst/"); err == nil || !strings.Contains(err.Error(), "--report-bucket") {
		t.Fatalf("without --report-bucket: %v", err)
	}
}
