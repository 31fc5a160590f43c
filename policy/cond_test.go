package policy

import "testing"

func ctx(kv ...string) map[string][]string {
	m := map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = append(m[kv[i]], kv[i+1])
	}
	return m
}

func TestConditions(t *testing.T) {
	c := func(name, condition string, cx map[string][]string, want Effect) evalCase {
		return evalCase{name: name, doc: docCondOps, identity: []string{withCond("s3:ListBucket", bucket, condition)}, pr: alice, action: "s3:ListBucket", res: bucket, ctx: cx, want: want}
	}
	m := func(name, condition string, cx map[string][]string, want Effect) evalCase {
		tc := c(name, condition, cx, want)
		tc.doc = docMulti
		return tc
	}
	cases := []evalCase{
		c("StringEquals match", `{"StringEquals":{"s3:prefix":"home/"}}`, ctx("s3:prefix", "home/"), Allow),
		c("StringEquals mismatch", `{"StringEquals":{"s3:prefix":"home/"}}`, ctx("s3:prefix", "Home/"), ImplicitDeny),
		c("StringEquals any of values", `{"StringEquals":{"s3:prefix":["a/","home/"]}}`, ctx("s3:prefix", "home/"), Allow),
		c("StringEquals missing key", `{"StringEquals":{"s3:prefix":"home/"}}`, nil, ImplicitDeny),
		c("StringEquals key case-insensitive", `{"StringEquals":{"S3:Prefix":"home/"}}`, ctx("s3:prefix", "home/"), Allow),
		c("StringNotEquals match", `{"StringNotEquals":{"s3:prefix":"home/"}}`, ctx("s3:prefix", "tmp/"), Allow),
		c("StringNotEquals equal", `{"StringNotEquals":{"s3:prefix":"home/"}}`, ctx("s3:prefix", "home/"), ImplicitDeny),
		c("StringNotEquals all values (NOR)", `{"StringNotEquals":{"s3:prefix":["a","b"]}}`, ctx("s3:prefix", "b"), ImplicitDeny),
		c("StringNotEquals missing key is true", `{"StringNotEquals":{"s3:prefix":"home/"}}`, nil, Allow),
		c("StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"s3:prefix":"HOME/"}}`, ctx("s3:prefix", "home/"), Allow),
		c("StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"s3:prefix":"HOME/"}}`, ctx("s3:prefix", "home/"), ImplicitDeny),
		c("StringLike star", `{"StringLike":{"s3:prefix":"home/*"}}`, ctx("s3:prefix", "home/alice/x"), Allow),
		c("StringLike question", `{"StringLike":{"s3:prefix":"h?me/"}}`, ctx("s3:prefix", "home/"), Allow),
		c("StringLike case-sensitive", `{"StringLike":{"s3:prefix":"HOME/*"}}`, ctx("s3:prefix", "home/x"), ImplicitDeny),
		c("StringLike no regexp", `{"StringLike":{"s3:prefix":"a.c"}}`, ctx("s3:prefix", "abc"), ImplicitDeny),
		c("StringLike brackets literal", `{"StringLike":{"s3:prefix":"[ab]"}}`, ctx("s3:prefix", "[ab]"), Allow),
		c("StringNotLike", `{"StringNotLike":{"s3:prefix":"tmp/*"}}`, ctx("s3:prefix", "home/"), Allow),
		c("StringNotLike matching", `{"StringNotLike":{"s3:prefix":"tmp/*"}}`, ctx("s3:prefix", "tmp/x"), ImplicitDeny),
		c("NumericEquals", `{"NumericEquals":{"s3:max-keys":"10"}}`, ctx("s3:max-keys", "10"), Allow),
		c("NumericEquals json number", `{"NumericEquals":{"s3:max-keys":10}}`, ctx("s3:max-keys", "10.0"), Allow),
		c("NumericNotEquals", `{"NumericNotEquals":{"s3:max-keys":10}}`, ctx("s3:max-keys", "11"), Allow),
		c("NumericLessThan", `{"NumericLessThan":{"s3:max-keys":10}}`, ctx("s3:max-keys", "9"), Allow),
		c("NumericLessThan equal", `{"NumericLessThan":{"s3:max-keys":10}}`, ctx("s3:max-keys", "10"), ImplicitDeny),
		c("NumericLessThanEquals", `{"NumericLessThanEquals":{"s3:max-keys":10}}`, ctx("s3:max-keys", "10"), Allow),
		c("NumericGreaterThan", `{"NumericGreaterThan":{"s3:max-keys":10}}`, ctx("s3:max-keys", "11"), Allow),
		c("NumericGreaterThanEquals", `{"NumericGreaterThanEquals":{"s3:max-keys":10}}`, ctx("s3:max-keys", "9"), ImplicitDeny),
		c("Numeric non-number context", `{"NumericLessThan":{"s3:max-keys":10}}`, ctx("s3:max-keys", "ten"), ImplicitDeny),
		c("DateLessThan", `{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`, ctx("aws:CurrentTime", "2026-11-24T10:00:00Z"), Allow),
		c("DateGreaterThan", `{"DateGreaterThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`, ctx("aws:CurrentTime", "2026-11-24T10:00:00Z"), ImplicitDeny),
		c("DateEquals epoch", `{"DateEquals":{"aws:EpochTime":"1700000000"}}`, ctx("aws:EpochTime", "2023-11-14T22:13:20Z"), Allow),
		c("DateNotEquals", `{"DateNotEquals":{"aws:CurrentTime":"2026-11-24T10:00:00Z"}}`, ctx("aws:CurrentTime", "2026-11-24T10:00:01Z"), Allow),
		c("DateGreaterThanEquals date only", `{"DateGreaterThanEquals":{"aws:CurrentTime":"2026-11-24"}}`, ctx("aws:CurrentTime", "2026-11-24T00:00:00Z"), Allow),
		c("DateLessThanEquals offset", `{"DateLessThanEquals":{"aws:CurrentTime":"2026-11-24T10:00:00+01:00"}}`, ctx("aws:CurrentTime", "2026-11-24T09:00:00Z"), Allow),
		c("Bool true", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx("aws:SecureTransport", "true"), Allow),
		c("Bool false", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx("aws:SecureTransport", "false"), ImplicitDeny),
		c("Bool json boolean", `{"Bool":{"aws:SecureTransport":false}}`, ctx("aws:SecureTransport", "false"), Allow),
		c("BoolIfExists missing", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}`, nil, Allow),
		c("BoolIfExists present false", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}`, ctx("aws:MultiFactorAuthPresent", "false"), ImplicitDeny),
		c("BinaryEquals", `{"BinaryEquals":{"s3:x-amz-meta-key":"QmluYXJ5VmFsdWU="}}`, ctx("s3:x-amz-meta-key", "QmluYXJ5VmFsdWU="), Allow),
		c("BinaryEquals mismatch", `{"BinaryEquals":{"s3:x-amz-meta-key":"QmluYXJ5VmFsdWU="}}`, ctx("s3:x-amz-meta-key", "b3RoZXI="), ImplicitDeny),
		c("IpAddress v4 cidr", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx("aws:SourceIp", "203.0.113.7"), Allow),
		c("IpAddress v4 outside", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx("aws:SourceIp", "198.51.100.7"), ImplicitDeny),
		c("IpAddress v6", `{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}`, ctx("aws:SourceIp", "2001:db8:1234:5678::1"), Allow),
		c("IpAddress single address", `{"IpAddress":{"aws:SourceIp":"127.0.0.1"}}`, ctx("aws:SourceIp", "127.0.0.1"), Allow),
		c("IpAddress mixed list", `{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]}}`, ctx("aws:SourceIp", "2001:db8::5"), Allow),
		c("NotIpAddress", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx("aws:SourceIp", "127.0.0.1"), Allow),
		c("NotIpAddress inside", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx("aws:SourceIp", "10.1.2.3"), ImplicitDeny),
		c("IpAddress bad context", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx("aws:SourceIp", "not-an-ip"), ImplicitDeny),
		c("ArnEquals", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111111111111:topic"}}`, ctx("aws:SourceArn", "arn:aws:sns:us-east-1:111111111111:topic"), Allow),
		c("ArnLike wildcard segment", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111111111111:*"}}`, ctx("aws:SourceArn", "arn:aws:sns:eu-west-1:111111111111:topic"), Allow),
		c("ArnLike segment boundary", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111111111111"}}`, ctx("aws:SourceArn", "arn:aws:sns:eu-west-1:111111111111:topic"), ImplicitDeny),
		c("ArnEquals allows wildcards too", `{"ArnEquals":{"aws:SourceArn":"arn:aws:s3:::b*"}}`, ctx("aws:SourceArn", "arn:aws:s3:::bucket"), Allow),
		c("ArnNotLike", `{"ArnNotLike":{"aws:SourceArn":"arn:aws:s3:::evil*"}}`, ctx("aws:SourceArn", "arn:aws:s3:::good"), Allow),
		c("ArnNotEquals missing key", `{"ArnNotEquals":{"aws:SourceArn":"arn:aws:s3:::x"}}`, nil, Allow),
		c("Null true when absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, nil, Allow),
		c("Null true when present", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctx("aws:TokenIssueTime", "2026-01-01T00:00:00Z"), ImplicitDeny),
		c("Null false when present", `{"Null":{"aws:TokenIssueTime":"false"}}`, ctx("aws:TokenIssueTime", "2026-01-01T00:00:00Z"), Allow),
		c("StringEqualsIfExists missing", `{"StringEqualsIfExists":{"s3:prefix":"home/"}}`, nil, Allow),
		c("StringEqualsIfExists present mismatch", `{"StringEqualsIfExists":{"s3:prefix":"home/"}}`, ctx("s3:prefix", "tmp/"), ImplicitDeny),
		c("NumericLessThanIfExists missing", `{"NumericLessThanIfExists":{"s3:max-keys":"10"}}`, nil, Allow),
		c("several operators are AND", `{"StringEquals":{"s3:prefix":"home/"},"Bool":{"aws:SecureTransport":"true"}}`, ctx("s3:prefix", "home/", "aws:SecureTransport", "false"), ImplicitDeny),
		c("several keys are AND", `{"StringEquals":{"s3:prefix":"home/","s3:delimiter":"/"}}`, ctx("s3:prefix", "home/"), ImplicitDeny),
		c("several keys all present", `{"StringEquals":{"s3:prefix":"home/","s3:delimiter":"/"}}`, ctx("s3:prefix", "home/", "s3:delimiter", "/"), Allow),
		m("ForAnyValue one matches", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}}`, ctx("aws:TagKeys", "x", "aws:TagKeys", "b"), Allow),
		m("ForAnyValue none match", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}}`, ctx("aws:TagKeys", "x", "aws:TagKeys", "y"), ImplicitDeny),
		m("ForAnyValue missing key is false", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, nil, ImplicitDeny),
		m("ForAnyValue negated", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a"]}}`, ctx("aws:TagKeys", "a", "aws:TagKeys", "b"), Allow),
		m("ForAllValues subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}`, ctx("aws:TagKeys", "a", "aws:TagKeys", "c"), Allow),
		m("ForAllValues not subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, ctx("aws:TagKeys", "a", "aws:TagKeys", "z"), ImplicitDeny),
		m("ForAllValues missing key is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`, nil, Allow),
		m("ForAllValues empty is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`, map[string][]string{"aws:TagKeys": {}}, Allow),
		m("ForAllValues negated", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}`, ctx("aws:TagKeys", "a", "aws:TagKeys", "b"), Allow),
		m("ForAllValues negated hit", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}`, ctx("aws:TagKeys", "a", "aws:TagKeys", "secret"), ImplicitDeny),
		m("ForAllValues StringLike", `{"ForAllValues:StringLike":{"aws:TagKeys":["team*"]}}`, ctx("aws:TagKeys", "team", "aws:TagKeys", "teamA"), Allow),
		m("single-valued operator on multivalued key", `{"StringEquals":{"aws:TagKeys":"b"}}`, ctx("aws:TagKeys", "a", "aws:TagKeys", "b"), Allow),
		m("ForAnyValueIfExists missing", `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"a"}}`, nil, Allow),
	}
	runCases(t, cases)
}

func TestPrincipalKeysAndVariables(t *testing.T) {
	v12 := func(resource string) string {
		return id(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"` + resource + `"}`)
	}
	v08 := func(resource string) string {
		return `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"` + resource + `"}}`
	}
	cases := []evalCase{
		{name: "aws:username variable", doc: docVariables, identity: []string{v12("arn:aws:s3:::b/home/${aws:username}/*")}, pr: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/home/alice/x", want: Allow},
		{name: "aws:username variable other user", doc: docVariables, identity: []string{v12("arn:aws:s3:::b/home/${aws:username}/*")}, pr: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/home/bob/x", want: ImplicitDeny},
		{name: "variables literal in 2008-10-17", doc: docVariables, identity: []string{v08("arn:aws:s3:::b/home/${aws:username}/*")}, pr: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/home/alice/x", want: ImplicitDeny},
		{name: "2008-10-17 literal text matches itself", doc: docVariables, identity: []string{v08("arn:aws:s3:::b/home/${aws:username}/x")}, pr: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/home/${aws:username}/x", want: Allow},
		{name: "variables literal without version", doc: docVariables, identity: []string{`{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}"}}`}, pr: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/alice", want: ImplicitDeny},
		{name: "missing variable makes no match", doc: docVariables, identity: []string{v12("arn:aws:s3:::b/${aws:username}/*")}, pr: execSession, action: "s3:GetObject", res: "arn:aws:s3:::b/x/y", want: ImplicitDeny},
		{name: "variable default value", doc: docVariables, identity: []string{v12("arn:aws:s3:::b/${aws:username, 'guest'}/*")}, pr: execSession, action: "s3:GetObject", res: "arn:aws:s3:::b/guest/y", want: Allow},
		{name: "principal tag variable", doc: docVariables, identity: []string{v12("arn:aws:s3:::b/${aws:PrincipalTag/team}/*")}, pr: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/blue/y", want: Allow},
		{name: "principal tag key case-insensitive", doc: docVariables, identity: []string{v12("arn:aws:s3:::b/${aws:principaltag/project}/*")}, pr: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/x/y", want: Allow},
		{name: "literal star variable", doc: docVariables, identity: []string{v12("arn:aws:s3:::b/${*}")}, pr: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/*", want: Allow},
		{name: "literal star variable is not a wildcard", doc: docVariables, identity: []string{v12("arn:aws:s3:::b/${*}")}, pr: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/anything", want: ImplicitDeny},
		{name: "literal question variable", doc: docVariables, identity: []string{v12("arn:aws:s3:::b/a${?}")}, pr: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/a?", want: Allow},
		{name: "literal dollar variable", doc: docVariables, identity: []string{v12("arn:aws:s3:::b/${$}x")}, pr: alice, action: "s3:GetObject", res: "arn:aws:s3:::b/$x", want: Allow},
		{name: "variable value with star is literal", doc: docVariables, identity: []string{v12("arn:aws:s3:::b/${aws:PrincipalTag/team}")}, pr: Principal{Type: PrincipalUser, ARN: "arn:aws:iam::111111111111:user/x", Account: "111111111111", Tags: map[string]string{"team": "*"}}, action: "s3:GetObject", res: "arn:aws:s3:::b/anything", want: ImplicitDeny},
		{name: "variable in condition value", doc: docVariables, identity: []string{withCond("s3:ListBucket", bucket, `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`)}, pr: alice, action: "s3:ListBucket", res: bucket, ctx: ctx("s3:prefix", "home/alice/docs"), want: Allow},
		{name: "variable in condition value, other prefix", doc: docVariables, identity: []string{withCond("s3:ListBucket", bucket, `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`)}, pr: alice, action: "s3:ListBucket", res: bucket, ctx: ctx("s3:prefix", "home/bob/docs"), want: ImplicitDeny},
		{name: "aws:PrincipalArn of a role session is the role", doc: docGlobalKeys, identity: []string{withCond("s3:GetObject", "*", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/my-lambda-execution-role"}}`)}, pr: execSession, action: "s3:GetObject", res: obj, want: Allow},
		{name: "aws:PrincipalAccount", doc: docGlobalKeys, identity: []string{withCond("s3:GetObject", "*", `{"StringEquals":{"aws:PrincipalAccount":"111111111111"}}`)}, pr: execSession, action: "s3:GetObject", res: obj, want: Allow},
		{name: "aws:PrincipalType", doc: docGlobalKeys, identity: []string{withCond("s3:GetObject", "*", `{"StringEquals":{"aws:PrincipalType":"AssumedRole"}}`)}, pr: execSession, action: "s3:GetObject", res: obj, want: Allow},
		{name: "aws:userid of session", doc: docGlobalKeys, identity: []string{withCond("s3:GetObject", "*", `{"StringLike":{"aws:userid":"AROAEXECEXECEXECEXECE:*"}}`)}, pr: execSession, action: "s3:GetObject", res: obj, want: Allow},
		{name: "aws:username absent for roles", doc: docGlobalKeys, identity: []string{withCond("s3:GetObject", "*", `{"Null":{"aws:username":"true"}}`)}, pr: execSession, action: "s3:GetObject", res: obj, want: Allow},
		{name: "aws:ResourceAccount", doc: docGlobalKeys, identity: []string{withCond("s3:GetObject", "*", `{"StringEquals":{"aws:ResourceAccount":"111111111111"}}`)}, resource: bucketPolicy(targetRolePrinc, "s3:GetObject", "*"), pr: targetSession, action: "s3:GetObject", res: obj, resAcct: "111111111111", want: Allow},
		{name: "aws:PrincipalTag condition", doc: docGlobalKeys, identity: []string{withCond("s3:GetObject", "*", `{"StringEquals":{"aws:PrincipalTag/team":"blue"}}`)}, pr: alice, action: "s3:GetObject", res: obj, want: Allow},
	}
	runCases(t, cases)
}

func TestExplain(t *testing.T) {
	d := runEval(t, evalCase{identity: []string{id(`{"Sid":"ReadIt","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`)}, pr: alice, action: "s3:GetObject", res: obj})
	if got, want := d.Explain(), `allowed by statement "ReadIt" of identity-based policy "id0"`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	d = runEval(t, evalCase{identity: []string{deny("s3:*", "*")}, pr: alice, action: "s3:GetObject", res: obj})
	if got, want := d.Explain(), `explicitly denied by statement 0 of identity-based policy "id0"`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	d = runEval(t, evalCase{trust: trustOf(`{"AWS":"333333333333"}`), pr: execSession, action: "sts:AssumeRole", res: targetArn, resAcct: "222222222222"})
	if got, want := d.Explain(), "implicitly denied: no identity-based policy allows the action; no statement of the resource-based policy allows this principal"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
