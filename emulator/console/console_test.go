package console_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/xacct/xacct/emulatortest"
)

const (
	home   = "111111111111"
	target = "222222222222"
)

// get fetches a console page and returns its body.
func get(t *testing.T, srv *emulatortest.Server, path string, want int) string {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d\n%s", path, resp.StatusCode, want, b)
	}
	return string(b)
}

// setup creates, through the AWS APIs, a caller role in the home account
// that may assume a target role whose trust policy names it and requires
// an ExternalId, a bucket with a policy and two objects, and returns an
// STS session of the home admin (whose token must never show).
func setup(t *testing.T, srv *emulatortest.Server) (token, secret string) {
	t.Helper()
	ctx := context.Background()
	hi := iam.NewFromConfig(srv.Config(home))
	ti := iam.NewFromConfig(srv.Config(target))
	emulatortest.Must(hi.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("caller"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))(t)
	emulatortest.Must(hi.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("caller"), PolicyName: aws.String("assume-target"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"AssumeTarget","Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/target"}]}`)}))(t)
	emulatortest.Must(ti.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("target"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"TrustCaller","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/caller"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-42"}}}]}`)}))(t)
	s := s3.NewFromConfig(srv.Config(target), func(o *s3.Options) { o.UsePathStyle = true })
	emulatortest.Must(s.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("console-bucket")}))(t)
	emulatortest.Must(s.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("console-bucket"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"ReadForTarget","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/target"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::console-bucket/*"}]}`)}))(t)
	for _, k := range []string{"a", "b"} {
		emulatortest.Must(s.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("console-bucket"), Key: aws.String(k), Body: strings.NewReader("xyz")}))(t)
	}
	admin := srv.AdminConfig(t, home)
	creds, err := admin.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := emulatortest.Must(sts.NewFromConfig(admin).GetSessionToken(ctx, &sts.GetSessionTokenInput{}))(t)
	c := out.Credentials
	sess := srv.ConfigWith(emulatortest.SessionCredentials(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken), aws.ToTime(c.Expiration)))
	emulatortest.Must(s3.NewFromConfig(sess, func(o *s3.Options) { o.UsePathStyle = true }).ListBuckets(ctx, &s3.ListBucketsInput{}))(t)
	return aws.ToString(c.SessionToken), creds.SecretAccessKey
}

// TestPages: every page shows what the issue lists, and no page shows a
// secret access key or a session token.
func TestPages(t *testing.T) {
	srv := emulatortest.New(t)
	token, secret := setup(t, srv)
	pages := map[string][]string{
		"/_xacct/":                      {`href="/_xacct/accounts/111111111111"`, `href="/_xacct/accounts/222222222222"`},
		"/_xacct/accounts/222222222222": {"target", `<span class="k">&#34;sts:ExternalId&#34;</span>`, "console-bucket", `<td class="num">2</td>`, "ReadForTarget"},
		"/_xacct/accounts/111111111111": {"caller", "assume-target", "AssumeTarget"},
		"/_xacct/graph":                 {`data-from="arn:aws:iam::111111111111:role/caller" data-to="arn:aws:iam::222222222222:role/target"`, `class="edge externalid"`, `statement &#34;TrustCaller&#34;`, `statement &#34;AssumeTarget&#34;`},
		"/_xacct/graph.svg":             {"<svg", "account 222222222222"},
		"/_xacct/trail":                 {"iam:CreateRole", "s3:PutObject"},
		"/_xacct/outbox":                {"The outbox is empty."},
		"/_xacct/simulate":              {"arn:aws:iam::111111111111:role/caller"},
	}
	for path, wants := range pages {
		body := get(t, srv, path, http.StatusOK)
		for _, w := range wants {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", path, w)
			}
		}
	}
	// Every page, and the live stream's first events, after the session
	// was used: neither its token nor the user's secret key appears.
	paths := append([]string{"/_xacct/functions/111111111111/us-east-1/none"}, keys(pages)...)
	for _, p := range paths {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, s := range []string{token, secret} {
			if strings.Contains(string(b), s) {
				t.Errorf("%s shows a secret (%.8s…)", p, s)
			}
		}
	}
	for _, p := range []string{"/_xacct/accounts/nope", "/_xacct/trail?decision=maybe", "/_xacct/simulate?principal=x&action=y&resource=z"} {
		get(t, srv, p, http.StatusBadRequest)
	}
	get(t, srv, "/_xacct/functions/111111111111/us-east-1/none", http.StatusNotFound)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/_xacct/graph", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /_xacct/graph: %d, want 405 (read-only)", resp.StatusCode)
	}
}

func keys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestGraphFollowsTrust: the edge goes when the trust policy no longer
// names the caller (UpdateAssumeRolePolicy through the API), and an edge
// without conditions is "plain".
func TestGraphFollowsTrust(t *testing.T) {
	srv := emulatortest.New(t)
	setup(t, srv)
	edge := `data-from="arn:aws:iam::111111111111:role/caller" data-to="arn:aws:iam::222222222222:role/target"`
	ti := iam.NewFromConfig(srv.Config(target))
	emulatortest.Must(ti.UpdateAssumeRolePolicy(context.Background(), &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("target"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`)}))(t)
	if body := get(t, srv, "/_xacct/graph", http.StatusOK); !strings.Contains(body, edge) || !strings.Contains(body, `class="edge plain"`) {
		t.Fatalf("trust naming the account: no plain edge caller → target")
	}
	emulatortest.Must(ti.UpdateAssumeRolePolicy(context.Background(), &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("target"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:root"},"Action":"sts:AssumeRole"}]}`)}))(t)
	if body := get(t, srv, "/_xacct/graph", http.StatusOK); strings.Contains(body, edge) {
		t.Fatalf("trust naming another account: the edge caller → target is still drawn")
	}
}

// TestSimulate: the form's answers come from the engine, with the
// diagnosis the rest of xacct shows.
func TestSimulate(t *testing.T) {
	srv := emulatortest.New(t)
	setup(t, srv)
	ask := func(ctxKeys string) string {
		q := url.Values{"principal": {"arn:aws:iam::111111111111:role/caller"}, "action": {"sts:AssumeRole"},
			"resource": {"arn:aws:iam::222222222222:role/target"}, "context": {ctxKeys}}
		return get(t, srv, "/_xacct/simulate?"+q.Encode(), http.StatusOK)
	}
	if body := ask("sts:ExternalId=ext-42"); !strings.Contains(body, `<p class="verdict">allowed</p>`) || !strings.Contains(body, "TrustCaller") {
		t.Errorf("with the ExternalId: not allowed\n%s", body)
	}
	if body := ask(""); !strings.Contains(body, `<p class="verdict">implicitDeny</p>`) || !strings.Contains(body, "step 3 (the call)") {
		t.Errorf("without the ExternalId: want implicitDeny with step 3's diagnosis\n%s", body)
	}
	q := url.Values{"principal": {"arn:aws:iam::222222222222:role/target"}, "action": {"s3:GetObject"}, "resource": {"arn:aws:s3:::console-bucket/a"}}
	if body := get(t, srv, "/_xacct/simulate?"+q.Encode(), http.StatusOK); !strings.Contains(body, `<p class="verdict">allowed</p>`) || !strings.Contains(body, "bucket policy of console-bucket") {
		t.Errorf("GetObject by the target role: want allowed by the bucket policy\n%s", body)
	}
}

// TestLiveTrail: the event stream sends a refused AssumeRole made after
// it opened, with its diagnosis, and only what the filter selects.
func TestLiveTrail(t *testing.T) {
	srv := emulatortest.New(t)
	setup(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/_xacct/events?decision=denied&account=222222222222", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	_, err = sts.NewFromConfig(srv.AdminConfig(t, home)).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::222222222222:role/target"), RoleSessionName: aws.String("live")})
	if err == nil {
		t.Fatal("AssumeRole by the home admin was allowed")
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var rec struct {
			Action, Decision, Diagnosis, Principal, AccessKeyID string
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Decision == "allowed" {
			t.Fatalf("the filter decision=denied let through %+v", rec)
		}
		if rec.Action == "sts:AssumeRole" {
			if !strings.Contains(rec.Diagnosis, "step 2 (trust policy)") || rec.AccessKeyID != "" {
				t.Fatalf("got %+v, want step 2's diagnosis and no access key id", rec)
			}
			return
		}
	}
	t.Fatalf("the stream ended without the refused AssumeRole: %v", sc.Err())
}

// TestGraphOrganizations: an edge allowed by a trust policy's
// aws:PrincipalOrgID condition is drawn in the organization's colour for
// a member account's role, and goes when an SCP on that account denies
// sts:AssumeRole: the graph decides as the emulator's STS does.
func TestGraphOrganizations(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	org := organizations.NewFromConfig(srv.AdminConfig(t, target))
	co := emulatortest.Must(org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))(t)
	acct := emulatortest.Must(org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("member"), Email: aws.String("member@example.com")}))(t)
	member := aws.ToString(acct.CreateAccountStatus.AccountId)
	mi := iam.NewFromConfig(srv.Config(member))
	emulatortest.Must(mi.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("worker"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))(t)
	emulatortest.Must(mi.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("worker"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}))(t)
	emulatortest.Must(iam.NewFromConfig(srv.Config(target)).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("shared"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"OrgOnly","Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"` + aws.ToString(co.Organization.Id) + `"}}}]}`)}))(t)
	edge := `data-from="arn:aws:iam::` + member + `:role/worker" data-to="arn:aws:iam::222222222222:role/shared"`
	body := get(t, srv, "/_xacct/graph", http.StatusOK)
	if !strings.Contains(body, `class="edge org" `+edge) {
		t.Fatalf("no organization-coloured edge worker → shared")
	}
	scp := emulatortest.Must(org.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("NoAssume"), Description: aws.String("no"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}`)}))(t)
	emulatortest.Must(org.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: scp.Policy.PolicySummary.Id, TargetId: &member}))(t)
	if body := get(t, srv, "/_xacct/graph", http.StatusOK); strings.Contains(body, edge) {
		t.Fatalf("the edge worker → shared is still drawn under an SCP denying sts:AssumeRole")
	}
}
