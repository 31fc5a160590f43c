package switchaccount_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/xacct/xacct/emulatortest"
	"github.com/xacct/xacct/functions/switchaccount"
	"github.com/xacct/xacct/internal/lambdalog"
)

// execSession sets up the Classmethod article's roles and returns the
// execution role's Lambda session config and its secret.
func execSession(t *testing.T, srv *emulatortest.Server, trustHome bool) (aws.Config, string) {
	t.Helper()
	ctx := context.Background()
	h := iam.NewFromConfig(srv.Config("111111111111"))
	emulatortest.Must(h.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("fn-exec"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))(t)
	emulatortest.Must(h.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("fn-exec"), PolicyName: aws.String("assume"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/external-role"}}`)}))(t)
	principal := `{"Service":"lambda.amazonaws.com"}`
	if trustHome {
		principal = `{"AWS":"111111111111"}`
	}
	ti := iam.NewFromConfig(srv.Config("222222222222"))
	emulatortest.Must(ti.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("external-role"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRole"}}`)}))(t)
	emulatortest.Must(ti.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("external-role"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}))(t)
	emulatortest.Must(s3.NewFromConfig(srv.Config("222222222222")).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("target-data")}))(t)
	sess, err := srv.Emulator.STS().AssumeRoleForService(ctx, "arn:aws:iam::111111111111:role/fn-exec", "lambda.amazonaws.com", "switch-account", 3600)
	if err != nil {
		t.Fatal(err)
	}
	return srv.ConfigWith(emulatortest.SessionCredentials(sess.AccessKeyID, sess.SecretAccessKey, sess.SessionToken, sess.Expires)), sess.SecretAccessKey
}

type bodyT struct {
	Message     string
	AccountID   string `json:"account_id"`
	CallerArn   string `json:"caller_arn"`
	Buckets     []string
	Error       string
	Explanation string
}

func invoke(t *testing.T, h *switchaccount.Handler, ev switchaccount.Event) (switchaccount.Response, bodyT) {
	t.Helper()
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-123"})
	resp, err := h.Handle(ctx, ev)
	if err != nil {
		t.Fatalf("Handle returned an error: %v", err)
	}
	var b bodyT
	if err := json.Unmarshal([]byte(resp.Body), &b); err != nil {
		t.Fatalf("body is not JSON: %q", resp.Body)
	}
	return resp, b
}

func TestHandler(t *testing.T) {
	srv := emulatortest.New(t)
	cfg, secret := execSession(t, srv, true)
	var logs bytes.Buffer
	h := switchaccount.New(cfg, switchaccount.Config{RoleName: "external-role", SessionName: "switch-account"}, lambdalog.NewWithLevel(&logs, 0))

	for _, tc := range []struct {
		name, account string
		status        int
		msg           string
	}{
		{"missing", "", 400, "Missing account_id"},
		{"short", "12345", 400, "Invalid account_id: invalid account id \"12345\": an AWS account id has exactly 12 digits"},
		{"letters", "12345678901a", 400, "Invalid account_id: invalid account id \"12345678901a\": an AWS account id has only digits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := invoke(t, h, switchaccount.Event{AccountID: tc.account})
			if resp.StatusCode != tc.status || b.Message != tc.msg {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, b.Message, tc.status, tc.msg)
			}
		})
	}
	resp, b := invoke(t, h, switchaccount.Event{AccountID: "222222222222"})
	if resp.StatusCode != 200 || b.CallerArn != "arn:aws:sts::222222222222:assumed-role/external-role/switch-account" || strings.Join(b.Buckets, ",") != "target-data" {
		t.Errorf("got %d %+v", resp.StatusCode, b)
	}
	// An account whose role does not exist: 500, the code, the explanation.
	resp, b = invoke(t, h, switchaccount.Event{AccountID: "333333333333"})
	if resp.StatusCode != 500 || b.Error != "AccessDenied" || !strings.Contains(b.Explanation, "2. trust policy") {
		t.Errorf("got %d %+v", resp.StatusCode, b)
	}
	// JSON logs in Lambda's shape, with the request id, and no secret.
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		for _, k := range []string{"timestamp", "level", "message", "requestId"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("log record lacks %s: %s", k, line)
			}
		}
	}
	if strings.Contains(logs.String(), secret) || strings.Contains(resp.Body, secret) {
		t.Error("a secret access key leaked into logs or the response")
	}
}

// TestHandlerNonStringAccountID: an account_id that is a number (or any
// other non-string), or an event that is not an object, answers 400 like
// any other invalid input, never a function error (issue 15).
func TestHandlerNonStringAccountID(t *testing.T) {
	srv := emulatortest.New(t)
	cfg, _ := execSession(t, srv, true)
	h := switchaccount.New(cfg, switchaccount.Config{RoleName: "external-role", SessionName: "switch-account"}, lambdalog.NewWithLevel(io.Discard, 0))
	for _, tc := range []struct{ event, msg string }{
		{`{"account_id": 222222222222}`, "Invalid account_id: must be a string of 12 digits, got a number"},
		{`{"account_id": ["222222222222"]}`, "Invalid account_id: must be a string of 12 digits, got an array"},
		{`{"account_id": true}`, "Invalid account_id: must be a string of 12 digits, got a boolean"},
		{`"222222222222"`, "the event must be a JSON object with a string account_id, got a string"},
		{`{"account_id": null}`, "Missing account_id"},
	} {
		var ev switchaccount.Event
		if err := json.Unmarshal([]byte(tc.event), &ev); err != nil {
			t.Fatalf("%s: %v", tc.event, err)
		}
		resp, b := invoke(t, h, ev)
		if resp.StatusCode != 400 || b.Message != tc.msg {
			t.Errorf("%s: got %d %q, want 400 %q", tc.event, resp.StatusCode, b.Message, tc.msg)
		}
	}
}

// TestHandlerOrganizationEventInvalid: an organization event with a bad
// maxConcurrency or roleName answers 400 before any AWS call.
func TestHandlerOrganizationEventInvalid(t *testing.T) {
	srv := emulatortest.New(t)
	cfg, _ := execSession(t, srv, true)
	h := switchaccount.New(cfg, switchaccount.Config{RoleName: "external-role", SessionName: "switch-account"}, lambdalog.NewWithLevel(io.Discard, 0))
	for _, tc := range []struct{ event, msg string }{
		{`{"organization": true, "maxConcurrency": 0.5}`, "Invalid maxConcurrency: must be an integer from 1 to 50, got a number"},
		{`{"organization": true, "maxConcurrency": 51}`, "Invalid maxConcurrency: must be an integer from 1 to 50, got 51"},
		{`{"organization": true, "maxConcurrency": -1}`, "Invalid maxConcurrency: must be an integer from 1 to 50, got -1"},
		{`{"organization": "yes"}`, "Invalid organization: must be a boolean, got a string"},
		{`{"organization": true, "roleName": "no spaces allowed"}`, "Invalid roleName: "},
	} {
		var ev switchaccount.Event
		if err := json.Unmarshal([]byte(tc.event), &ev); err != nil {
			t.Fatalf("%s: %v", tc.event, err)
		}
		resp, b := invoke(t, h, ev)
		if resp.StatusCode != 400 || !strings.HasPrefix(b.Message, tc.msg) {
			t.Errorf("%s: got %d %q, want 400 %q", tc.event, resp.StatusCode, b.Message, tc.msg)
		}
	}
}
