package policy

import (
	"strings"
	"testing"
)

// Principals used in the cases.
var (
	alice = Principal{Type: PrincipalUser, ARN: "arn:aws:iam::111111111111:user/alice", Account: "111111111111", UniqueID: "AIDAAAAAAAAAAAAAAAAAA", Tags: map[string]string{"team": "blue", "Project": "x"}}
	// The seeds' execution role session in the home account.
	execSession = Principal{Type: PrincipalAssumedRole, ARN: "arn:aws:sts::111111111111:assumed-role/my-lambda-execution-role/fn", Account: "111111111111",
		RoleARN: "arn:aws:iam::111111111111:role/my-lambda-execution-role", UniqueID: "AROAEXECEXECEXECEXECE:fn"}
	targetSession = Principal{Type: PrincipalAssumedRole, ARN: "arn:aws:sts::222222222222:assumed-role/xacct-cross-account/s", Account: "222222222222",
		RoleARN: "arn:aws:iam::222222222222:role/xacct-cross-account", UniqueID: "AROATARGETTARGETTARGE:s"}
	root1   = Principal{Type: PrincipalRoot, ARN: "arn:aws:iam::111111111111:root", Account: "111111111111", UniqueID: "111111111111"}
	lambdaP = Principal{Type: PrincipalService, Service: "lambda.amazonaws.com", ARN: "lambda.amazonaws.com"}
	anon    = Principal{Type: PrincipalAnonymous}
)

type evalCase struct {
	name     string
	doc      string
	identity []string
	boundary string
	session  []string
	resource string // resource-based policy
	trust    string // trust policy (the resource-based policy of a role)
	pr       Principal
	action   string
	res      string
	resAcct  string
	ctx      map[string][]string
	want     Effect
	missing  []Source
}

func mustParse(t *testing.T, text string, kind Kind) *Policy {
	t.Helper()
	p, err := Parse(text, kind)
	if err != nil {
		t.Fatalf("parse %s: %v", text, err)
	}
	return p
}

func runEval(t *testing.T, tc evalCase) Decision {
	t.Helper()
	var set Set
	for i, d := range tc.identity {
		set.Identity = append(set.Identity, Named{Name: "id" + string(rune('0'+i)), Policy: mustParse(t, d, KindIdentity)})
	}
	if tc.boundary != "" {
		set.Boundary = &Named{Name: "boundary", Policy: mustParse(t, tc.boundary, KindBoundary)}
	}
	for _, d := range tc.session {
		set.Session = append(set.Session, Named{Name: "session", Policy: mustParse(t, d, KindSession)})
	}
	if tc.resource != "" {
		set.Resource = &Named{Name: "resource", Policy: mustParse(t, tc.resource, KindResource)}
	}
	if tc.trust != "" {
		set.Resource = &Named{Name: "trust", Policy: mustParse(t, tc.trust, KindTrust)}
	}
	req := &Request{Principal: tc.pr, Action: tc.action, Resource: tc.res, ResourceAccount: tc.resAcct}
	for k, v := range tc.ctx {
		req.Context.Set(k, v...)
	}
	return Evaluate(req, &set)
}

func id(stmt string) string {
	return `{"Version":"2012-10-17","Statement":` + stmt + `}`
}

func allow(action, resource string) string {
	return id(`{"Effect":"Allow","Action":"` + action + `","Resource":"` + resource + `"}`)
}

func deny(action, resource string) string {
	return id(`{"Effect":"Deny","Action":"` + action + `","Resource":"` + resource + `"}`)
}

func withCond(action, resource, condition string) string {
	return id(`{"Effect":"Allow","Action":"` + action + `","Resource":"` + resource + `","Condition":` + condition + `}`)
}

func bucketPolicy(principal, action, resource string) string {
	return id(`{"Effect":"Allow","Principal":` + principal + `,"Action":"` + action + `","Resource":"` + resource + `"}`)
}

func trustOf(principal string) string {
	return id(`{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRole"}`)
}

const (
	obj       = "arn:aws:s3:::b/k"
	bucket    = "arn:aws:s3:::b"
	targetArn = "arn:aws:iam::222222222222:role/role-on-source-account"
	execArn   = "arn:aws:iam::111111111111:role/my-lambda-execution-role"
)

func TestEvaluateBasics(t *testing.T) {
	cases := []evalCase{
		{name: "no policies", doc: docEval, pr: alice, action: "s3:GetObject", res: obj, want: ImplicitDeny, missing: []Source{SourceIdentity}},
		{name: "identity allow", doc: docEval, identity: []string{allow("s3:GetObject", obj)}, pr: alice, action: "s3:GetObject", res: obj, want: Allow},
		{name: "identity allow other action", doc: docEval, identity: []string{allow("s3:PutObject", obj)}, pr: alice, action: "s3:GetObject", res: obj, want: ImplicitDeny},
		{name: "explicit deny wins", doc: docEval, identity: []string{allow("s3:*", "*"), deny("s3:GetObject", obj)}, pr: alice, action: "s3:GetObject", res: obj, want: ExplicitDeny},
		{name: "deny in same policy wins", doc: docEval, identity: []string{id(`[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::*log*"}]`)}, pr: alice, action: "s3:PutObject", res: "arn:aws:s3:::app-logs/x", want: ExplicitDeny},
		{name: "deny not matching is not applicable", doc: docEval, identity: []string{allow("s3:*", "*"), deny("s3:DeleteObject", obj)}, pr: alice, action: "s3:GetObject", res: obj, want: Allow},
		{name: "action case-insensitive", doc: docAction, identity: []string{allow("S3:getobject", obj)}, pr: alice, action: "s3:GetObject", res: obj, want: Allow},
		{name: "action wildcard prefix", doc: docAction, identity: []string{allow("s3:Get*", obj)}, pr: alice, action: "s3:GetObjectAcl", res: obj, want: Allow},
		{name: "action wildcard middle", doc: docAction, identity: []string{allow("iam:*AccessKey*", "*")}, pr: alice, action: "iam:CreateAccessKey", res: "*", want: Allow},
		{name: "action question mark", doc: docAction, identity: []string{allow("s3:?etObject", obj)}, pr: alice, action: "s3:GetObject", res: obj, want: Allow},
		{name: "action question mark one char only", doc: docAction, identity: []string{allow("s3:?Object", obj)}, pr: alice, action: "s3:GetObject", res: obj, want: ImplicitDeny},
		{name: "action other service", doc: docAction, identity: []string{allow("s3:*", "*")}, pr: alice, action: "sqs:SendMessage", res: "*", want: ImplicitDeny},
		{name: "action star", doc: docAction, identity: []string{allow("*", "*")}, pr: alice, action: "anything:AtAll", res: "*", want: Allow},
		{name: "action list", doc: docAction, identity: []string{id(`{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"*"}`)}, pr: alice, action: "s3:GetObject", res: obj, want: Allow},
		{name: "notaction allows the rest", doc: docNotAction, identity: []string{id(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`)}, pr: alice, action: "s3:GetObject", res: obj, want: Allow},
		{name: "notaction excludes", doc: docNotAction, identity: []string{id(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`)}, pr: alice, action: "iam:CreateUser", res: "*", want: ImplicitDeny},
		{name: "deny notaction", doc: docNotAction, identity: []string{allow("*", "*"), id(`{"Effect":"Deny","NotAction":["s3:*"],"Resource":"*"}`)}, pr: alice, action: "ec2:RunInstances", res: "*", want: ExplicitDeny},
		{name: "resource exact", doc: docResource, identity: []string{allow("s3:GetObject", obj)}, pr: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/k2", want: ImplicitDeny},
		{name: "resource case-sensitive", doc: docResource, identity: []string{allow("s3:GetObject", "arn:aws:s3:::B/k")}, pr: alice, action: "s3:GetObject", res: obj, want: ImplicitDeny},
		{name: "resource wildcard spans slashes", doc: docResource, identity: []string{allow("s3:GetObject", "arn:aws:s3:::b/*")}, pr: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/a/b/c", want: Allow},
		{name: "resource bucket vs object", doc: docResource, identity: []string{allow("s3:ListBucket", "arn:aws:s3:::b/*")}, pr: alice, action: "s3:ListBucket", res: bucket, want: ImplicitDeny},
		{name: "resource account wildcard segment", doc: docResource, identity: []string{allow("sts:AssumeRole", "arn:aws:iam::*:role/external-role")}, pr: execSession, action: "sts:AssumeRole", res: "arn:aws:iam::222222222222:role/external-role", want: Allow},
		{name: "resource wildcard does not cross segment", doc: docResource, identity: []string{allow("sts:AssumeRole", "arn:aws:iam::2*:role/x")}, pr: execSession, action: "sts:AssumeRole", res: "arn:aws:iam::222222222222:role/x", want: Allow},
		{name: "resource segment mismatch", doc: docResource, identity: []string{allow("sts:AssumeRole", "arn:aws:iam::3*:role/x")}, pr: execSession, action: "sts:AssumeRole", res: "arn:aws:iam::222222222222:role/x", want: ImplicitDeny},
		{name: "resource with colons in resource part", doc: docResource, identity: []string{allow("logs:PutLogEvents", "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/f:*")}, pr: execSession, action: "logs:PutLogEvents", res: "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/f:log-stream:abc", want: Allow},
		{name: "notresource", doc: docNotRes, identity: []string{id(`{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}`)}, pr: alice, action: "s3:GetObject", res: "arn:aws:s3:::secret/k", want: ImplicitDeny},
		{name: "notresource allows others", doc: docNotRes, identity: []string{id(`{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}`)}, pr: alice, action: "s3:GetObject", res: obj, want: Allow},
		{name: "root has full access in its account", doc: docEval, identity: []string{allowAll}, pr: root1, action: "iam:CreateRole", res: "arn:aws:iam::111111111111:role/x", want: Allow},
		{name: "multiple identity policies union", doc: docEval, identity: []string{allow("s3:GetObject", obj), allow("s3:PutObject", obj)}, pr: alice, action: "s3:PutObject", res: obj, want: Allow},
	}
	runCases(t, cases)
}

func runCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := runEval(t, tc)
			if d.Effect != tc.want {
				t.Fatalf("got %v (%s), want %v (%s)", d.Effect, d.Explain(), tc.want, tc.doc)
			}
			if tc.missing != nil && strings.Join(sources(d.Missing), ",") != strings.Join(sources(tc.missing), ",") {
				t.Errorf("got missing %v, want %v", d.Missing, tc.missing)
			}
			if d.Effect != ImplicitDeny && len(d.Matched) == 0 {
				t.Errorf("got no matched statements for %v", d.Effect)
			}
		})
	}
}

func sources(s []Source) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = string(x)
	}
	return out
}
