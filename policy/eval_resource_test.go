package policy

import "testing"

const (
	execPrincipal   = `{"AWS":"arn:aws:iam::111111111111:role/my-lambda-execution-role"}`
	homeAccount     = `{"AWS":"111111111111"}`
	homeRoot        = `{"AWS":"arn:aws:iam::111111111111:root"}`
	alicePrincipal  = `{"AWS":"arn:aws:iam::111111111111:user/alice"}`
	sessionPrinc    = `{"AWS":"arn:aws:sts::111111111111:assumed-role/my-lambda-execution-role/fn"}`
	targetRolePrinc = `{"AWS":"arn:aws:iam::222222222222:role/xacct-cross-account"}`
)

func TestEvaluateResourcePolicies(t *testing.T) {
	cases := []evalCase{
		// Same account.
		{name: "same account: bucket policy names the user", doc: docEval, resource: bucketPolicy(alicePrincipal, "s3:GetObject", obj), pr: alice, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: Allow},
		{name: "same account: either side suffices (identity)", doc: docEval, identity: []string{allow("s3:GetObject", obj)}, resource: bucketPolicy(`{"AWS":"arn:aws:iam::111111111111:user/bob"}`, "s3:GetObject", obj), pr: alice, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: Allow},
		{name: "same account: bucket policy names the account only", doc: docEval, resource: bucketPolicy(homeAccount, "s3:GetObject", obj), pr: alice, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: ImplicitDeny, missing: []Source{SourceIdentity}},
		{name: "same account: account principal plus identity", doc: docEval, identity: []string{allow("s3:GetObject", obj)}, resource: bucketPolicy(homeRoot, "s3:GetObject", obj), pr: alice, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: Allow},
		{name: "same account: user grant not limited by boundary", doc: docEval, boundary: allow("ec2:*", "*"), resource: bucketPolicy(alicePrincipal, "s3:GetObject", obj), pr: alice, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: Allow},
		{name: "same account: session ARN grant not limited by session policy", doc: docEval, session: []string{allow("ec2:*", "*")}, resource: bucketPolicy(sessionPrinc, "s3:GetObject", obj), pr: execSession, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: Allow},
		{name: "same account: role ARN grant without identity", doc: docEval, resource: bucketPolicy(execPrincipal, "s3:GetObject", obj), pr: execSession, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: Allow},
		{name: "same account: role ARN grant limited by boundary", doc: docEval, boundary: allow("ec2:*", "*"), resource: bucketPolicy(execPrincipal, "s3:GetObject", obj), pr: execSession, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: ImplicitDeny, missing: []Source{SourceBoundary}},
		{name: "same account: role ARN grant limited by session policy", doc: docSession, session: []string{allow("ec2:*", "*")}, resource: bucketPolicy(execPrincipal, "s3:GetObject", obj), pr: execSession, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: ImplicitDeny, missing: []Source{SourceSession}},
		{name: "same account: deny in bucket policy", doc: docEval, identity: []string{allow("s3:*", "*")}, resource: id(`{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`), pr: alice, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: ExplicitDeny},
		{name: "bucket policy principal does not match", doc: docPrincipal, resource: bucketPolicy(`{"AWS":"arn:aws:iam::111111111111:user/bob"}`, "s3:GetObject", obj), pr: alice, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: ImplicitDeny},
		{name: "public bucket policy, anonymous", doc: docPrincipal, resource: bucketPolicy(`"*"`, "s3:GetObject", "arn:aws:s3:::b/*"), pr: anon, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: Allow},
		{name: "anonymous without public policy", doc: docPrincipal, resource: bucketPolicy(homeAccount, "s3:GetObject", "arn:aws:s3:::b/*"), pr: anon, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: ImplicitDeny, missing: []Source{SourceResource}},
		{name: "AWS star principal", doc: docPrincipal, resource: bucketPolicy(`{"AWS":"*"}`, "s3:GetObject", "arn:aws:s3:::b/*"), pr: targetSession, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: ImplicitDeny, missing: []Source{SourceIdentity}},
		{name: "notprincipal deny exempts named principal", doc: docNotPrinc, identity: []string{allow("s3:*", "*")}, resource: id(`{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:user/alice"},"Action":"s3:*","Resource":"*"}`), pr: alice, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: Allow},
		{name: "notprincipal deny hits others", doc: docNotPrinc, identity: []string{allow("s3:*", "*")}, resource: id(`{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:user/bob"},"Action":"s3:*","Resource":"*"}`), pr: alice, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: ExplicitDeny},
		// The NotPrincipal page's assumed-role example: the session is left
		// out of the Deny only when its own ARN is named; the role or the
		// account alone does not exempt it.
		{name: "notprincipal deny naming the role still hits its sessions", doc: docNotPrinc, identity: []string{allow("s3:*", "*")}, resource: id(`{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111111111111:role/my-lambda-execution-role","arn:aws:iam::111111111111:root"]},"Action":"s3:*","Resource":"*"}`), pr: execSession, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: ExplicitDeny},
		{name: "notprincipal deny naming the session exempts it", doc: docNotPrinc, identity: []string{allow("s3:*", "*")}, resource: id(`{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:sts::111111111111:assumed-role/my-lambda-execution-role/fn","arn:aws:iam::111111111111:role/my-lambda-execution-role","arn:aws:iam::111111111111:root"]},"Action":"s3:*","Resource":"*"}`), pr: execSession, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: Allow},
		{name: "notprincipal deny naming the account still hits its users", doc: docNotPrinc, identity: []string{allow("s3:*", "*")}, resource: id(`{"Effect":"Deny","NotPrincipal":{"AWS":"111111111111"},"Action":"s3:*","Resource":"*"}`), pr: alice, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: ExplicitDeny},
		// Cross account (the seeds' S3 copy).
		{name: "cross account: both sides allow", doc: docCross, identity: []string{allow("s3:GetObject", "arn:aws:s3:::b/*")}, resource: bucketPolicy(targetRolePrinc, "s3:GetObject", "arn:aws:s3:::b/*"), pr: targetSession, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: Allow},
		{name: "cross account: no bucket policy", doc: docCross, identity: []string{allow("s3:GetObject", "arn:aws:s3:::b/*")}, pr: targetSession, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: ImplicitDeny, missing: []Source{SourceResource}},
		{name: "cross account: bucket policy without identity", doc: docCross, resource: bucketPolicy(targetRolePrinc, "s3:GetObject", "arn:aws:s3:::b/*"), pr: targetSession, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: ImplicitDeny, missing: []Source{SourceIdentity}},
		{name: "cross account: bucket policy names the account", doc: docCross, identity: []string{allow("s3:GetObject", "*")}, resource: bucketPolicy(`{"AWS":"222222222222"}`, "s3:GetObject", "arn:aws:s3:::b/*"), pr: targetSession, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: Allow},
		{name: "cross account: boundary blocks", doc: docCross, identity: []string{allow("s3:*", "*")}, boundary: allow("s3:PutObject", "*"), resource: bucketPolicy(targetRolePrinc, "s3:GetObject", "arn:aws:s3:::b/*"), pr: targetSession, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: ImplicitDeny, missing: []Source{SourceBoundary}},
		{name: "cross account: session policy blocks", doc: docSession, identity: []string{allow("s3:*", "*")}, session: []string{allow("s3:PutObject", "*")}, resource: bucketPolicy(targetRolePrinc, "s3:GetObject", "arn:aws:s3:::b/*"), pr: targetSession, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: ImplicitDeny, missing: []Source{SourceSession}},
		{name: "cross account: root of other account", doc: docCross, identity: []string{allowAll}, resource: bucketPolicy(`{"AWS":"999999999999"}`, "s3:GetObject", "arn:aws:s3:::b/*"), pr: root1, action: "s3:GetObject", res: obj, resAcct: "222222222222", want: ImplicitDeny},
		{name: "cross account: deny on other side", doc: docCross, identity: []string{allow("s3:*", "*")}, resource: id(`[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"*"}]`), pr: targetSession, action: "s3:DeleteObject", res: obj, resAcct: "111111111111", want: ExplicitDeny},
		// Boundaries and session policies alone.
		{name: "boundary intersects identity", doc: docBoundary, identity: []string{allow("s3:*", "*")}, boundary: allow("s3:GetObject", "*"), pr: alice, action: "s3:GetObject", res: obj, want: Allow},
		{name: "boundary without identity allow", doc: docBoundary, boundary: allow("s3:*", "*"), pr: alice, action: "s3:GetObject", res: obj, want: ImplicitDeny, missing: []Source{SourceIdentity}},
		{name: "identity beyond boundary", doc: docBoundary, identity: []string{allow("s3:*", "*")}, boundary: allow("s3:GetObject", "*"), pr: alice, action: "s3:PutObject", res: obj, want: ImplicitDeny, missing: []Source{SourceBoundary}},
		{name: "deny in boundary", doc: docBoundary, identity: []string{allow("s3:*", "*")}, boundary: id(`[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:PutObject","Resource":"*"}]`), pr: alice, action: "s3:PutObject", res: obj, want: ExplicitDeny},
		{name: "session policy intersects", doc: docSession, identity: []string{allow("s3:*", "*")}, session: []string{allow("s3:GetObject", "*")}, pr: execSession, action: "s3:GetObject", res: obj, want: Allow},
		{name: "session policy cannot grant more", doc: docSession, identity: []string{allow("s3:GetObject", "*")}, session: []string{allow("s3:*", "*")}, pr: execSession, action: "s3:PutObject", res: obj, want: ImplicitDeny, missing: []Source{SourceIdentity}},
		{name: "several session policies are a union", doc: docSession, identity: []string{allow("s3:*", "*")}, session: []string{allow("s3:GetObject", "*"), allow("s3:PutObject", "*")}, pr: execSession, action: "s3:PutObject", res: obj, want: Allow},
		{name: "deny in session policy", doc: docSession, identity: []string{allow("s3:*", "*")}, session: []string{id(`[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]`)}, pr: execSession, action: "s3:GetObject", res: obj, want: ExplicitDeny},
		// Service principals.
		{name: "service principal allowed by resource policy", doc: docPrincipal, resource: bucketPolicy(`{"Service":"logging.s3.amazonaws.com"}`, "s3:PutObject", "arn:aws:s3:::b/*"), pr: Principal{Type: PrincipalService, Service: "logging.s3.amazonaws.com"}, action: "s3:PutObject", res: obj, resAcct: "111111111111", want: Allow},
		{name: "service principal not named", doc: docPrincipal, resource: bucketPolicy(`{"Service":"cloudtrail.amazonaws.com"}`, "s3:PutObject", "arn:aws:s3:::b/*"), pr: Principal{Type: PrincipalService, Service: "logging.s3.amazonaws.com"}, action: "s3:PutObject", res: obj, resAcct: "111111111111", want: ImplicitDeny},
	}
	runCases(t, cases)
}

// TestTrustPolicies is the corpus for the seeds' three setup steps: the
// execution role's identity permission, the target role's trust policy,
// and the call itself (with ExternalId).
func TestTrustPolicies(t *testing.T) {
	seedIdentity := allow("sts:AssumeRole", targetArn)
	seedTrust := trustOf(execPrincipal)
	extTrust := id(`{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"abc-123"}}}`)
	pinned := id(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/my-lambda-execution-role"}}}`)
	cases := []evalCase{
		{name: "all three steps", doc: docSeed, identity: []string{seedIdentity}, trust: seedTrust, pr: execSession, action: "sts:AssumeRole", res: targetArn, resAcct: "222222222222", want: Allow},
		{name: "step 1 missing: no identity permission", doc: docSeed, trust: seedTrust, pr: execSession, action: "sts:AssumeRole", res: targetArn, resAcct: "222222222222", want: ImplicitDeny, missing: []Source{SourceIdentity}},
		{name: "step 1 wrong: identity names another role", doc: docSeed, identity: []string{allow("sts:AssumeRole", "arn:aws:iam::222222222222:role/other")}, trust: seedTrust, pr: execSession, action: "sts:AssumeRole", res: targetArn, resAcct: "222222222222", want: ImplicitDeny, missing: []Source{SourceIdentity}},
		{name: "step 2 missing: trust only for lambda", doc: docSeed, identity: []string{seedIdentity}, trust: trustOf(`{"Service":"lambda.amazonaws.com"}`), pr: execSession, action: "sts:AssumeRole", res: targetArn, resAcct: "222222222222", want: ImplicitDeny, missing: []Source{SourceResource}},
		{name: "step 2 wrong principal", doc: docSeed, identity: []string{seedIdentity}, trust: trustOf(`{"AWS":"arn:aws:iam::111111111111:role/other-role"}`), pr: execSession, action: "sts:AssumeRole", res: targetArn, resAcct: "222222222222", want: ImplicitDeny, missing: []Source{SourceResource}},
		{name: "step 2 wrong account", doc: docSeed, identity: []string{seedIdentity}, trust: trustOf(`{"AWS":"333333333333"}`), pr: execSession, action: "sts:AssumeRole", res: targetArn, resAcct: "222222222222", want: ImplicitDeny, missing: []Source{SourceResource}},
		{name: "both steps missing", doc: docSeed, trust: trustOf(`{"AWS":"333333333333"}`), pr: execSession, action: "sts:AssumeRole", res: targetArn, resAcct: "222222222222", want: ImplicitDeny, missing: []Source{SourceIdentity, SourceResource}},
		{name: "account-root trust", doc: docTrust, identity: []string{seedIdentity}, trust: trustOf(homeRoot), pr: execSession, action: "sts:AssumeRole", res: targetArn, resAcct: "222222222222", want: Allow},
		{name: "account-id trust", doc: docTrust, identity: []string{seedIdentity}, trust: trustOf(homeAccount), pr: execSession, action: "sts:AssumeRole", res: targetArn, resAcct: "222222222222", want: Allow},
		{name: "trust with PrincipalArn pin", doc: docGlobalKeys, identity: []string{seedIdentity}, trust: pinned, pr: execSession, action: "sts:AssumeRole", res: targetArn, resAcct: "222222222222", want: Allow},
		{name: "trust with PrincipalArn pin, other role", doc: docGlobalKeys, identity: []string{allowAll}, trust: pinned, pr: Principal{Type: PrincipalAssumedRole, ARN: "arn:aws:sts::111111111111:assumed-role/other/s", Account: "111111111111", RoleARN: "arn:aws:iam::111111111111:role/other", UniqueID: "AROAOTHER:s"}, action: "sts:AssumeRole", res: targetArn, resAcct: "222222222222", want: ImplicitDeny},
		{name: "external id present", doc: docExternalID, identity: []string{seedIdentity}, trust: extTrust, pr: execSession, action: "sts:AssumeRole", res: targetArn, resAcct: "222222222222", ctx: map[string][]string{"sts:ExternalId": {"abc-123"}}, want: Allow},
		{name: "external id missing", doc: docExternalID, identity: []string{seedIdentity}, trust: extTrust, pr: execSession, action: "sts:AssumeRole", res: targetArn, resAcct: "222222222222", want: ImplicitDeny},
		{name: "external id wrong", doc: docExternalID, identity: []string{seedIdentity}, trust: extTrust, pr: execSession, action: "sts:AssumeRole", res: targetArn, resAcct: "222222222222", ctx: map[string][]string{"sts:ExternalId": {"ABC-123"}}, want: ImplicitDeny},
		{name: "wildcard resource in identity (Classmethod)", doc: docSeed, identity: []string{allow("sts:AssumeRole", "arn:aws:iam::*:role/external-role")}, trust: trustOf(homeAccount), pr: execSession, action: "sts:AssumeRole", res: "arn:aws:iam::222222222222:role/external-role", resAcct: "222222222222", want: Allow},
		{name: "lambda service assumes execution role", doc: docPrincipal, trust: trustOf(`{"Service":"lambda.amazonaws.com"}`), pr: lambdaP, action: "sts:AssumeRole", res: execArn, resAcct: "111111111111", want: Allow},
		{name: "lambda service not trusted", doc: docPrincipal, trust: trustOf(homeAccount), pr: lambdaP, action: "sts:AssumeRole", res: execArn, resAcct: "111111111111", want: ImplicitDeny, missing: []Source{SourceResource}},
		{name: "same account trust naming the account needs identity", doc: docEval, trust: trustOf(homeAccount), pr: alice, action: "sts:AssumeRole", res: execArn, resAcct: "111111111111", want: ImplicitDeny, missing: []Source{SourceIdentity}},
		{name: "same account trust naming the user", doc: docEval, trust: trustOf(alicePrincipal), pr: alice, action: "sts:AssumeRole", res: execArn, resAcct: "111111111111", want: Allow},
		{name: "same account identity alone is not enough for a role", doc: docEval, identity: []string{allow("sts:AssumeRole", execArn)}, trust: trustOf(`{"Service":"lambda.amazonaws.com"}`), pr: alice, action: "sts:AssumeRole", res: execArn, resAcct: "111111111111", want: ImplicitDeny, missing: []Source{SourceResource}},
		{name: "deny in trust", doc: docTrust, identity: []string{seedIdentity}, trust: id(`[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111111111111:role/my-lambda-execution-role"},"Action":"sts:AssumeRole"}]`), pr: execSession, action: "sts:AssumeRole", res: targetArn, resAcct: "222222222222", want: ExplicitDeny},
		{name: "unique id principal of the role", doc: docPrincipal, identity: []string{seedIdentity}, trust: trustOf(`{"AWS":"AROAEXECEXECEXECEXECE"}`), pr: execSession, action: "sts:AssumeRole", res: targetArn, resAcct: "222222222222", want: Allow},
		{name: "stale unique id does not match a recreated role", doc: docPrincipal, identity: []string{seedIdentity}, trust: trustOf(`{"AWS":"AROAOLDOLDOLDOLDOLDOL"}`), pr: execSession, action: "sts:AssumeRole", res: targetArn, resAcct: "222222222222", want: ImplicitDeny},
		{name: "tag session needs its own statement", doc: docTrust, identity: []string{allow("sts:*", targetArn)}, trust: seedTrust, pr: execSession, action: "sts:TagSession", res: targetArn, resAcct: "222222222222", want: ImplicitDeny},
	}
	runCases(t, cases)
}
