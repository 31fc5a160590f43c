package emulator_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulator/internal/trail"
	"github.com/xacct/xacct/emulatortest"
)

// decisions asks the emulator's trail endpoint; it returns the records,
// or the status and body of a refusal.
func decisions(t *testing.T, base string, q url.Values) ([]trail.Record, int, string) {
	t.Helper()
	resp, err := http.Get(base + "/_xacct/decisions?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode, string(body)
	}
	var out trail.Response
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return out.Decisions, resp.StatusCode, string(body)
}

func explainOf(err error) string {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.Header.Get("X-Xacct-Explain")
	}
	return ""
}

// TestTrailRecordsRefusedAssumeRole: a refused AssumeRole (step 2, the
// trust policy names another role) is in the trail with both accounts,
// the trust policy's statement and the diagnosis the header carries; an
// allowed one is recorded as allowed; nothing secret is served.
func TestTrailRecordsRefusedAssumeRole(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	cfg := setup(t, srv, seedSetup{assumePolicy, lambdaTrust})
	_, err := assumeTarget(ctx, cfg, "")
	if err == nil {
		t.Fatal("AssumeRole allowed, want AccessDenied")
	}
	header := explainOf(err)
	if !strings.HasPrefix(header, "step 2 (trust policy)") {
		t.Fatalf("X-Xacct-Explain = %q, want step 2", header)
	}
	recs, status, body := decisions(t, srv.URL, url.Values{"decision": {"denied"}, "account": {target}})
	if status != 200 || len(recs) != 1 {
		t.Fatalf("got %d records (status %d): %s", len(recs), status, body)
	}
	r := recs[0]
	want := trail.Record{Service: "sts", Operation: "AssumeRole", Principal: "arn:aws:sts::111111111111:assumed-role/my-lambda-execution-role/my-function",
		Role: execRoleARN, CallerAccount: home, ResourceAccount: target, Action: "sts:AssumeRole", Resource: targetRoleARN, Decision: "implicitDeny", Diagnosis: header}
	if r.Service != want.Service || r.Operation != want.Operation || r.Principal != want.Principal || r.Role != want.Role ||
		r.CallerAccount != want.CallerAccount || r.ResourceAccount != want.ResourceAccount || r.Action != want.Action ||
		r.Resource != want.Resource || r.Decision != want.Decision || r.Diagnosis != want.Diagnosis || r.RequestID == "" {
		t.Errorf("record:\ngot  %+v\nwant %+v", r, want)
	}
	creds, _ := cfg.Credentials.Retrieve(ctx)
	if strings.Contains(body, creds.SecretAccessKey) || strings.Contains(body, creds.SessionToken) {
		t.Errorf("the trail serves a secret: %s", body)
	}

	// The same principal filtered by its role, and the request id.
	if recs, _, body := decisions(t, srv.URL, url.Values{"principal": {execRoleARN}, "request_id": {r.RequestID}}); len(recs) != 1 {
		t.Errorf("by principal and request id: %s", body)
	}
	if recs, _, body := decisions(t, srv.URL, url.Values{"decision": {"allowed"}, "account": {"333333333333"}}); len(recs) != 0 {
		t.Errorf("another account: %s", body)
	}

	// A trust policy that wants an external id: its statement is a near
	// miss, named with the condition that failed.
	if _, err := iam.NewFromConfig(srv.Config(target)).UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("role-on-source-account"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"FromHome","Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"s3cr3t-id"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	_, err = assumeTarget(ctx, cfg, "")
	recs, _, body = decisions(t, srv.URL, url.Values{"decision": {"denied"}, "limit": {"1"}})
	wantSt := trail.Statement{Policy: "trust policy of " + targetRoleARN, Kind: "resource-based policy", Sid: "FromHome", Effect: "Allow", Match: "near miss", Condition: "StringEquals sts:ExternalId (the request has no sts:ExternalId)"}
	if len(recs) != 1 || len(recs[0].Statements) != 1 || recs[0].Statements[0] != wantSt || recs[0].Diagnosis != explainOf(err) {
		t.Errorf("near miss: got %s, want statement %+v and diagnosis %q", body, wantSt, explainOf(err))
	}
}

// TestTrailMissingTargets: AssumeRole of a role that does not exist, a
// bucket and a function that do not exist are explained (with the nearest
// existing names) and recorded.
func TestTrailMissingTargets(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	cfg := setup(t, srv, seedSetup{strings.Replace(assumePolicy, "role-on-source-account", "*", 1), seedTrust})
	typo := "arn:aws:iam::222222222222:role/role-on-source-acount"
	_, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(typo), RoleSessionName: aws.String("sess")})
	if err == nil {
		t.Fatal("AssumeRole of a missing role allowed")
	}
	wantRole := "no role `role-on-source-acount` in account 222222222222; roles there: role-on-source-account (nearest: role-on-source-account)"
	if got := explainOf(err); got != wantRole {
		t.Errorf("X-Xacct-Explain:\ngot  %q\nwant %q", got, wantRole)
	}
	if !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("error %v, want AWS's AccessDenied", err)
	}

	s3c := s3.NewFromConfig(srv.Config(home), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("source-bucket")}); err != nil {
		t.Fatal(err)
	}
	_, err = s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sourse-bucket"), Key: aws.String("k"), Body: strings.NewReader("x")})
	wantBucket := "no bucket `sourse-bucket` in any account (bucket names are global); buckets: source-bucket (nearest: source-bucket)"
	if got := explainOf(err); err == nil || got != wantBucket {
		t.Errorf("PutObject to a missing bucket: %v, X-Xacct-Explain:\ngot  %q\nwant %q", err, got, wantBucket)
	}

	_, err = lambda.NewFromConfig(srv.Config(home)).Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("nope")})
	wantFn := "no function `nope` in account 111111111111 (us-east-1); functions there: none"
	if got := explainOf(err); err == nil || got != wantFn {
		t.Errorf("Invoke of a missing function: %v, X-Xacct-Explain:\ngot  %q\nwant %q", err, got, wantFn)
	}

	recs, _, body := decisions(t, srv.URL, url.Values{"decision": {"denied"}})
	got := map[string]trail.Record{}
	for _, r := range recs {
		got[r.Action] = r
	}
	for action, want := range map[string]string{"sts:AssumeRole": wantRole, "s3:PutObject": wantBucket, "lambda:InvokeFunction": wantFn} {
		if r := got[action]; r.Diagnosis != want || !r.Missing {
			t.Errorf("%s: record %+v, want diagnosis %q, missingTarget", action, r, want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}

// TestTrailBadFilters: a filter that makes no sense is refused with 400
// and the reason.
func TestTrailBadFilters(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	for _, tc := range []struct {
		q    url.Values
		want string
	}{
		{url.Values{"account": {"12345"}}, "not a 12-digit AWS account id"},
		{url.Values{"principal": {"alice"}}, "is not an ARN"},
		{url.Values{"decision": {"maybe"}}, "is not one of allowed, denied"},
		{url.Values{"since": {"yesterday"}}, "not an RFC 3339 time"},
		{url.Values{"since": {"2026-01-02T00:00:00Z"}, "until": {"2026-01-01T00:00:00Z"}}, "is after until"},
		{url.Values{"limit": {"0"}}, "not a whole number from 1 to 10000"},
		{url.Values{"limit": {"x"}}, "not a whole number"},
		{url.Values{"function": {"a b"}}, "not a Lambda function name"},
		{url.Values{"acount": {"111111111111"}}, `unknown parameter`},
		{url.Values{"account": {"111111111111", "222222222222"}}, "given 2 times"},
	} {
		_, status, body := decisions(t, srv.URL, tc.q)
		if status != 400 || !strings.Contains(body, tc.want) || !strings.Contains(body, "InvalidParameterValue") {
			t.Errorf("%s: status %d, body %s; want 400 with %q", tc.q.Encode(), status, body, tc.want)
		}
	}
	resp, err := http.Post(srv.URL+"/_xacct/decisions", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", resp.StatusCode)
	}
}

// TestTrailSurvivesRestart: with a data dir the trail is on disk after
// Close and read back by the next emulator; --decisions 0 records nothing.
func TestTrailSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	var id string
	func() {
		srv := emulatortest.New(t, emulator.WithDataDir(dir))
		cfg := setup(t, srv, seedSetup{"", seedTrust})
		_, err := assumeTarget(ctx, cfg, "")
		if !strings.HasPrefix(explainOf(err), "step 1") {
			t.Fatalf("got %v (%q), want step 1", err, explainOf(err))
		}
		recs, _, body := decisions(t, srv.URL, url.Values{"decision": {"denied"}})
		if len(recs) != 1 {
			t.Fatalf("before restart: %s", body)
		}
		id = recs[0].RequestID
		srv.Emulator.Close()
	}()
	srv := emulatortest.New(t, emulator.WithDataDir(dir))
	recs, _, body := decisions(t, srv.URL, url.Values{"request_id": {id}})
	if len(recs) != 1 || !strings.HasPrefix(recs[0].Diagnosis, "step 1 (identity permission)") {
		t.Errorf("after restart: %s", body)
	}

	off := emulatortest.New(t, emulator.WithDecisions(0))
	cfg := setup(t, off, seedSetup{"", seedTrust})
	if _, err := assumeTarget(ctx, cfg, ""); !strings.HasPrefix(explainOf(err), "step 1") {
		t.Errorf("with the trail off the header still explains: got %q", explainOf(err))
	}
	if recs, _, body := decisions(t, off.URL, nil); len(recs) != 0 || !strings.Contains(body, `"capacity": 0`) {
		t.Errorf("trail off: %s", body)
	}
}

// TestTrailNamesGoFunction: the requests a Go bootstrap (the project's
// switch-account) makes with its execution role's session are recorded
// with the function's name and the request id of the invocation that made
// them, which changes with every invoke of the warm environment.
func TestTrailNamesGoFunction(t *testing.T) {
	t.Parallel()
	srv, lc := switchSetup(t)
	ctx := context.Background()
	// Step 2 broken: the target role trusts only Lambda.
	if _, err := iam.NewFromConfig(srv.Config(target)).UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{
		RoleName: aws.String("external-role"), PolicyDocument: aws.String(lambdaTrust)}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := 0; i < 2; i++ {
		_, out := invokeJSON(t, lc, "switch-account", `{"account_id":"222222222222"}`)
		id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
		ids = append(ids, id)
		// The log tail (aws lambda invoke --log-type Tail) carries the
		// diagnosis before the invocation's report.
		tail, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
		refused := strings.Index(string(tail), "refused sts:AssumeRole on arn:aws:iam::222222222222:role/external-role: step 2 (trust policy)")
		// (The function logs JSON: platform.report follows.)
		if report := strings.Index(string(tail), `"type":"platform.report"`); refused < 0 || report < refused {
			t.Errorf("log tail of %s:\n%s", id, tail)
		}
	}
	if ids[0] == "" || ids[0] == ids[1] {
		t.Fatalf("invocation ids %v", ids)
	}
	for _, id := range ids {
		recs, _, body := decisions(t, srv.URL, url.Values{"function": {"switch-account"}, "request_id": {id}, "decision": {"denied"}})
		if len(recs) != 1 || recs[0].Function != "switch-account" || recs[0].InvocationID != id || recs[0].Action != "sts:AssumeRole" ||
			!strings.HasPrefix(recs[0].Diagnosis, "step 2 (trust policy): the trust policy of arn:aws:iam::222222222222:role/external-role") {
			t.Errorf("invocation %s: %s", id, body)
		}
	}
}
