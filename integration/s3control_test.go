package integration

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// S3 Control requests from the aws CLI and boto3 go to ACCOUNT.HOST:PORT
// (their host prefix in front of AWS_ENDPOINT_URL's host), which no
// resolver knows; HTTP_PROXY sends them to `xacct serve`, which answers
// the proxy form of any request itself (docs/emulator.md, "S3 Batch
// Operations").
func proxyEnv(env []string, url string) []string {
	return append(env, "HTTP_PROXY="+url, "http_proxy="+url, "NO_PROXY=", "no_proxy=")
}

// TestBatchOperationsBoto3 runs a LambdaInvoke job (schema 1.0, a Python
// function that answers TemporaryFailure to a.txt's first attempt and
// PermanentFailure for dir/) with boto3 and reads its completion report.
func TestBatchOperationsBoto3(t *testing.T) {
	needTool(t, "python3")
	s := serve(t)
	out := must(t, proxyEnv(s.rootEnv("111111111111"), s.URL), "python3", "testdata/s3control_boto3.py")
	want := []string{
		"job Complete 3 2 1 1.0",
		"listed ['LambdaInvoke']",
		"row a.txt succeeded  200 arn:aws:s3:::py-src a.txt attempt 2",
		"row dir/b c.txt failed PermanentFailure 200 arn:aws:s3:::py-src dir/b c.txt attempt 1",
		"row ü+é.txt succeeded  200 arn:aws:s3:::py-src ü+é.txt attempt 1",
		"missing NotFoundException",
	}
	if got := strings.TrimSpace(out); got != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}

// TestBatchOperationsCLI runs an S3PutObjectCopy job with the aws CLI:
// create-job awaiting confirmation, update-job-status, describe-job,
// list-jobs, job tags; and a job whose role does not trust Batch
// Operations fails with the reason in describe-job.
func TestBatchOperationsCLI(t *testing.T) {
	needTool(t, "aws")
	s := serve(t)
	env := proxyEnv(s.rootEnv("111111111111"), s.URL)
	for _, b := range []string{"cli-src", "cli-dst"} {
		must(t, env, "aws", "s3api", "create-bucket", "--bucket", b)
	}
	must(t, env, "aws", "s3api", "put-object", "--bucket", "cli-src", "--key", "one.txt")
	must(t, env, "aws", "s3api", "put-object", "--bucket", "cli-src", "--key", "two words.txt")
	var put struct{ ETag string }
	json.Unmarshal([]byte(must(t, env, "aws", "s3api", "put-object", "--bucket", "cli-dst", "--key", "m.csv", "--body", manifestFile(t, "cli-src,one.txt\ncli-src,two+words.txt\n"))), &put)
	etag, _ := json.Marshal(put.ETag)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"batchoperations.s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	must(t, env, "aws", "iam", "create-role", "--role-name", "cli-job", "--assume-role-policy-document", trust)
	must(t, env, "aws", "iam", "put-role-policy", "--role-name", "cli-job", "--policy-name", "job", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::cli-src/*","arn:aws:s3:::cli-dst/m.csv"]},{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::cli-dst/*"}]}`)
	must(t, env, "aws", "iam", "create-role", "--role-name", "cli-untrusted", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)

	create := func(role, token string, confirm bool) string {
		args := []string{"s3control", "create-job", "--account-id", "111111111111", "--priority", "7", "--client-request-token", token,
			"--role-arn", "arn:aws:iam::111111111111:role/" + role,
			"--operation", `{"S3PutObjectCopy":{"TargetResource":"arn:aws:s3:::cli-dst","TargetKeyPrefix":"c/"}}`,
			"--manifest", `{"Spec":{"Format":"S3BatchOperations_CSV_20180820","Fields":["Bucket","Key"]},"Location":{"ObjectArn":"arn:aws:s3:::cli-dst/m.csv","ETag":` + string(etag) + `}}`,
			"--report", `{"Bucket":"arn:aws:s3:::cli-dst","Prefix":"r","Format":"Report_CSV_20180820","Enabled":true,"ReportScope":"AllTasks"}`,
			"--tags", "Key=owner,Value=cli"}
		if confirm {
			args = append(args, "--confirmation-required")
		} else {
			args = append(args, "--no-confirmation-required")
		}
		var out struct{ JobId string }
		json.Unmarshal([]byte(must(t, env, "aws", args...)), &out)
		return out.JobId
	}
	type job struct {
		Job struct {
			Status          string
			Priority        int
			ProgressSummary struct{ TotalNumberOfTasks, NumberOfTasksSucceeded, NumberOfTasksFailed int }
			FailureReasons  []struct{ FailureCode, FailureReason string }
		}
	}
	describe := func(id string, until ...string) job {
		var j job
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
			json.Unmarshal([]byte(must(t, env, "aws", "s3control", "describe-job", "--account-id", "111111111111", "--job-id", id)), &j)
			for _, u := range until {
				if j.Job.Status == u {
					return j
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %s is %s, want %v", id, j.Job.Status, until)
			}
		}
	}
	id := create("cli-job", "cli-1", true)
	if j := describe(id, "Suspended"); j.Job.ProgressSummary.TotalNumberOfTasks != 2 {
		t.Fatalf("suspended job: %+v", j)
	}
	if out := must(t, env, "aws", "s3control", "list-jobs", "--account-id", "111111111111", "--job-statuses", "Suspended", "--query", "Jobs[].JobId", "--output", "text"); strings.TrimSpace(out) != id {
		t.Fatalf("list-jobs: %q", out)
	}
	must(t, env, "aws", "s3control", "update-job-priority", "--account-id", "111111111111", "--job-id", id, "--priority", "99")
	must(t, env, "aws", "s3control", "update-job-status", "--account-id", "111111111111", "--job-id", id, "--requested-job-status", "Ready")
	j := describe(id, "Complete", "Failed")
	if j.Job.Status != "Complete" || j.Job.Priority != 99 || j.Job.ProgressSummary.NumberOfTasksSucceeded != 2 {
		t.Fatalf("job: %+v", j)
	}
	must(t, env, "aws", "s3api", "head-object", "--bucket", "cli-dst", "--key", "c/two words.txt")
	if out := must(t, env, "aws", "s3control", "get-job-tagging", "--account-id", "111111111111", "--job-id", id, "--query", "Tags[0].Value", "--output", "text"); strings.TrimSpace(out) != "cli" {
		t.Fatalf("get-job-tagging: %q", out)
	}
	if _, err := run(t, env, "aws", "s3control", "update-job-status", "--account-id", "111111111111", "--job-id", id, "--requested-job-status", "Cancelled"); err == nil || !strings.Contains(err.Error(), "(JobStatusException)") {
		t.Fatalf("cancel a complete job: %v", err)
	}

	bad := create("cli-untrusted", "cli-2", false)
	j = describe(bad, "Failed", "Complete")
	if j.Job.Status != "Failed" || len(j.Job.FailureReasons) != 1 || j.Job.FailureReasons[0].FailureCode != "AccessDenied" ||
		!strings.Contains(j.Job.FailureReasons[0].FailureReason, "batchoperations.s3.amazonaws.com is not authorized to perform: sts:AssumeRole") {
		t.Fatalf("untrusted job: %+v", j)
	}
}

func manifestFile(t *testing.T, body string) string {
	p := filepath.Join(t.TempDir(), "manifest.csv")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBatchS3PutObjectCopyTemplatesCLI deploys deploy/target.yaml and
// deploy/home.yaml with the aws CLI, then runs a no-code S3PutObjectCopy
// job of the home account as the template's job role
// (xacct-batch-operations) that copies into the target account's bucket:
// the role's policy and the target bucket's policy are all it needs. The
// completion report lists every key.
func TestBatchS3PutObjectCopyTemplatesCLI(t *testing.T) {
	needTool(t, "aws")
	s := serve(t)
	home := proxyEnv(s.rootEnv("111111111111"), s.URL)
	target := proxyEnv(s.rootEnv("222222222222"), s.URL)
	must(t, target, "aws", "cloudformation", "deploy", "--template-file", "../deploy/target.yaml", "--stack-name", "xacct-target",
		"--capabilities", "CAPABILITY_NAMED_IAM", "--parameter-overrides", "SourceBucketName=bc-src", "TargetBucketName=bc-dst")
	packaged := packageHome(t, home, "bc-artifacts")
	must(t, home, "aws", "cloudformation", "deploy", "--template-file", packaged, "--stack-name", "xacct-home",
		"--capabilities", "CAPABILITY_NAMED_IAM", "--parameter-overrides", "SourceBucketName=bc-src", "TargetBucketName=bc-dst", "NotificationEmail=ops@example.com")

	keys := []string{"a.txt", "dir/b c.txt", "ü+é.txt"}
	var manifest strings.Builder
	for _, k := range keys {
		must(t, home, "aws", "s3api", "put-object", "--bucket", "bc-src", "--key", k, "--body", manifestFile(t, "data "+k))
		manifest.WriteString("bc-src," + url.QueryEscape(k) + "\n")
	}
	const reports = "xacct-batch-111111111111-us-east-1"
	var put struct{ ETag string }
	json.Unmarshal([]byte(must(t, home, "aws", "s3api", "put-object", "--bucket", reports, "--key", "manifests/m.csv", "--body", manifestFile(t, manifest.String()))), &put)
	etag, _ := json.Marshal(put.ETag)
	var created struct{ JobId string }
	json.Unmarshal([]byte(must(t, home, "aws", "s3control", "create-job", "--account-id", "111111111111", "--no-confirmation-required", "--priority", "10",
		"--client-request-token", "bc-1", "--role-arn", "arn:aws:iam::111111111111:role/xacct-batch-operations",
		"--operation", `{"S3PutObjectCopy":{"TargetResource":"arn:aws:s3:::bc-dst","TargetKeyPrefix":"batch/","CannedAccessControlList":"bucket-owner-full-control"}}`,
		"--manifest", `{"Spec":{"Format":"S3BatchOperations_CSV_20180820","Fields":["Bucket","Key"]},"Location":{"ObjectArn":"arn:aws:s3:::`+reports+`/manifests/m.csv","ETag":`+string(etag)+`}}`,
		"--report", `{"Bucket":"arn:aws:s3:::`+reports+`","Prefix":"reports","Format":"Report_CSV_20180820","Enabled":true,"ReportScope":"AllTasks"}`)), &created)
	var j struct {
		Job struct {
			Status          string
			ProgressSummary struct{ TotalNumberOfTasks, NumberOfTasksSucceeded, NumberOfTasksFailed int }
			FailureReasons  []struct{ FailureCode, FailureReason string }
		}
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		json.Unmarshal([]byte(must(t, home, "aws", "s3control", "describe-job", "--account-id", "111111111111", "--job-id", created.JobId)), &j)
		if j.Job.Status == "Complete" || j.Job.Status == "Failed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s is %s", created.JobId, j.Job.Status)
		}
	}
	if ps := j.Job.ProgressSummary; j.Job.Status != "Complete" || ps.NumberOfTasksSucceeded != len(keys) || ps.NumberOfTasksFailed != 0 {
		t.Fatalf("job: %+v", j.Job)
	}
	for _, k := range keys {
		if got := must(t, target, "aws", "s3api", "get-object", "--bucket", "bc-dst", "--key", "batch/"+k, filepath.Join(t.TempDir(), "out")); !strings.Contains(got, "ETag") {
			t.Fatalf("batch/%s in the target bucket: %s", k, got)
		}
	}
	ls := must(t, home, "aws", "s3", "ls", "--recursive", "s3://"+reports+"/reports/job-"+created.JobId+"/")
	if !strings.Contains(ls, "manifest.json") || !strings.Contains(ls, "/results/") {
		t.Fatalf("report: %s", ls)
	}
}
