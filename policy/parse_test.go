package policy

import (
	"strings"
	"testing"
)

// Documentation pages the cases come from.
const (
	docGrammar    = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html"
	docPrincipal  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
	docAction     = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html"
	docResource   = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"
	docSid        = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html"
	docEffect     = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html"
	docVersion    = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html"
	docCondOps    = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
	docQuotas     = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
	docTrust      = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html"
	docEval       = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"
	docCross      = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html"
	docBoundary   = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html"
	docSession    = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session"
	docVariables  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"
	docMulti      = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html"
	docGlobalKeys = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"
	docExternalID = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html"
	docNotPrinc   = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html"
	docNotAction  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html"
	docNotRes     = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html"
	docSeed       = "https://repost.aws/knowledge-center/lambda-function-assume-iam-role"
)

const allowAll = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name    string
		doc     string // documentation page
		kind    Kind
		text    string
		wantErr string // substring of IAM's message; "" for valid
	}{
		{"statement object", docGrammar, KindIdentity, allowAll, ""},
		{"statement array", docGrammar, KindIdentity, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::b/*"]}]}`, ""},
		{"version 2008", docVersion, KindIdentity, `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, ""},
		{"version absent", docVersion, KindIdentity, `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, ""},
		{"version unknown", docVersion, KindIdentity, `{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, msgSyntax},
		{"version not a string", docVersion, KindIdentity, `{"Version":2012,"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, msgSyntax},
		{"id", docGrammar, KindResource, `{"Id":"Policy1","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, ""},
		{"not json", docGrammar, KindIdentity, `{"Version":"2012-10-17",`, msgSyntax},
		{"trailing data", docGrammar, KindIdentity, allowAll + `{}`, msgSyntax},
		{"array at top", docGrammar, KindIdentity, `[]`, msgSyntax},
		{"unknown top element", docGrammar, KindIdentity, `{"Version":"2012-10-17","Statements":[]}`, msgSyntax},
		{"missing statement", docGrammar, KindIdentity, `{"Version":"2012-10-17"}`, msgSyntax},
		{"empty statement list", docGrammar, KindIdentity, `{"Version":"2012-10-17","Statement":[]}`, "at least one statement"},
		{"statement not object", docGrammar, KindIdentity, `{"Version":"2012-10-17","Statement":["x"]}`, msgSyntax},
		{"unknown statement element", docGrammar, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Actions":"s3:*","Resource":"*"}}`, msgSyntax},
		{"duplicate key", docGrammar, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Action":"iam:*","Resource":"*"}}`, msgSyntax},
		{"missing effect", docEffect, KindIdentity, `{"Version":"2012-10-17","Statement":{"Action":"s3:*","Resource":"*"}}`, msgMissingEffect},
		{"bad effect", docEffect, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Alow","Action":"s3:*","Resource":"*"}}`, "Invalid effect: Alow"},
		{"effect is case sensitive", docEffect, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"s3:*","Resource":"*"}}`, "Invalid effect: allow"},
		{"missing action", docAction, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*"}}`, msgNeedActions},
		{"empty action list", docAction, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, msgNeedActions},
		{"action without vendor", docAction, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}}`, msgVendor},
		{"action and notaction", docNotAction, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","NotAction":"iam:*","Resource":"*"}}`, msgSyntax},
		{"notaction alone", docNotAction, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`, ""},
		{"action not a string", docAction, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[1],"Resource":"*"}}`, msgSyntax},
		{"missing resource in identity", docResource, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}`, msgNeedResources},
		{"missing resource in boundary", docResource, KindBoundary, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}`, msgNeedResources},
		{"missing resource in resource policy", docResource, KindResource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*"}}`, msgNeedResources},
		{"resource not an arn", docResource, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"my-bucket"}}`, "must be in ARN format"},
		{"resource and notresource", docNotRes, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","NotResource":"arn:aws:s3:::b"}}`, msgSyntax},
		{"notresource alone", docNotRes, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::b"}}`, ""},
		{"principal in identity policy", docPrincipal, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`, msgNoPrincipal},
		{"principal in session policy", docPrincipal, KindSession, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"s3:*","Resource":"*"}}`, msgNoPrincipal},
		{"notprincipal in boundary", docPrincipal, KindBoundary, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"111111111111"},"Action":"s3:*","Resource":"*"}}`, msgNoPrincipal},
		{"resource policy without principal", docPrincipal, KindResource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, msgMissingPrinc},
		{"trust without principal", docTrust, KindTrust, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}`, msgMissingPrinc},
		{"trust with resource", docTrust, KindTrust, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Resource":"*"}}`, msgProhibitedRes},
		{"trust with non-sts action", docTrust, KindTrust, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"s3:GetObject"}}`, msgTrustActions},
		{"trust tag session", docTrust, KindTrust, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}}`, ""},
		{"trust service principal", docPrincipal, KindTrust, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`, ""},
		{"trust services list", docPrincipal, KindTrust, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","edgelambda.amazonaws.com"]},"Action":"sts:AssumeRole"}}`, ""},
		{"seed trust", docSeed, KindTrust, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/my-lambda-execution-role"},"Action":"sts:AssumeRole"}]}`, ""},
		{"seed identity", docSeed, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/role-on-source-account"}}`, ""},
		{"principal account id", docPrincipal, KindResource, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"s3:*","Resource":"*"}}`, ""},
		{"principal root arn", docPrincipal, KindResource, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:*","Resource":"*"}}`, ""},
		{"principal user arn", docPrincipal, KindResource, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/path/alice"},"Action":"s3:*","Resource":"*"}}`, ""},
		{"principal assumed-role arn", docPrincipal, KindResource, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::123456789012:assumed-role/r/s"},"Action":"s3:*","Resource":"*"}}`, ""},
		{"principal unique id", docPrincipal, KindResource, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"AROAABCDEFGHIJKLMNOPQ"},"Action":"s3:*","Resource":"*"}}`, ""},
		{"principal china partition", docPrincipal, KindResource, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws-cn:iam::123456789012:role/r"},"Action":"s3:*","Resource":"*"}}`, ""},
		{"principal federated", docPrincipal, KindTrust, `{"Statement":{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}}`, ""},
		{"principal canonical user", docPrincipal, KindResource, `{"Statement":{"Effect":"Allow","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, ""},
		{"principal partial wildcard", docPrincipal, KindTrust, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/*"},"Action":"sts:AssumeRole"}}`, `Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:role/*"`},
		{"principal short account", docPrincipal, KindTrust, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"12345"},"Action":"sts:AssumeRole"}}`, "Invalid principal"},
		{"principal bad service", docPrincipal, KindTrust, `{"Statement":{"Effect":"Allow","Principal":{"Service":"lambda"},"Action":"sts:AssumeRole"}}`, `Invalid principal in policy: "SERVICE":"lambda"`},
		{"principal unknown type", docPrincipal, KindTrust, `{"Statement":{"Effect":"Allow","Principal":{"Aws":"123456789012"},"Action":"sts:AssumeRole"}}`, msgSyntax},
		{"principal string other than star", docPrincipal, KindResource, `{"Statement":{"Effect":"Allow","Principal":"123456789012","Action":"s3:*","Resource":"*"}}`, msgSyntax},
		{"principal and notprincipal", docNotPrinc, KindResource, `{"Statement":{"Effect":"Deny","Principal":"*","NotPrincipal":{"AWS":"123456789012"},"Action":"s3:*","Resource":"*"}}`, msgSyntax},
		{"sid alphanumeric in IAM", docSid, KindIdentity, `{"Version":"2012-10-17","Statement":{"Sid":"allow all","Effect":"Allow","Action":"*","Resource":"*"}}`, "must be alpha-numeric"},
		{"sid with spaces in bucket policy", docSid, KindResource, `{"Version":"2012-10-17","Statement":{"Sid":"allow all","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, ""},
		{"sid unique", docSid, KindIdentity, `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"}]}`, msgSidUnique},
		{"condition ok", docCondOps, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":["a","b"]},"NumericLessThan":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true}}}}`, ""},
		{"condition unknown operator", docCondOps, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"s3:prefix":"a"}}}}`, "Invalid Condition type : StringEqualz"},
		{"condition set and ifexists", docCondOps, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForAllValues:StringLikeIfExists":{"aws:TagKeys":"a*"}}}}`, ""},
		{"condition null ifexists invalid", docCondOps, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NullIfExists":{"aws:TokenIssueTime":"true"}}}}`, "Invalid Condition type"},
		{"condition key without vendor", docCondOps, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"prefix":"a"}}}}`, msgVendor},
		{"condition value object", docCondOps, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":{"a":1}}}}}`, msgSyntax},
		{"condition block not object", docCondOps, KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":["x"]}}`, msgSyntax},
		{"trust size quota", docQuotas, KindTrust, `{"Version":"2012-10-17","Statement":[` + strings.Repeat(`{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"},`, 40) + `{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}`, "Cannot exceed quota for ACLSizePerRole: 2048"},
		{"deep nesting", docGrammar, KindIdentity, strings.Repeat("[", 100) + strings.Repeat("]", 100), msgSyntax},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.text, tc.kind)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("got %v, want valid (%s)", err, tc.doc)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("got %v, want error containing %q (%s)", err, tc.wantErr, tc.doc)
			}
		})
	}
}

func TestStatementsView(t *testing.T) {
	text := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Sid\": \"A\", \"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::b/*\"},\n    {\"Effect\": \"Deny\", \"NotAction\": [\"iam:*\"], \"NotResource\": \"*\",\n     \"Condition\": {\"StringEquals\": {\"aws:PrincipalTag/team\": [\"x\", 5, true]}}}\n  ]\n}"
	p, err := Parse(text, KindIdentity)
	if err != nil {
		t.Fatal(err)
	}
	st := p.Statements()
	if len(st) != 2 {
		t.Fatalf("got %d statements, want 2", len(st))
	}
	if st[0].Sid != "A" || st[0].Effect != "Allow" || st[0].Action[0] != "s3:GetObject" || st[0].Resource[0] != "arn:aws:s3:::b/*" {
		t.Errorf("got %+v", st[0])
	}
	if st[0].Start != (Position{4, 5}) || st[0].End.Line != 4 {
		t.Errorf("got start %v end %v, want 4:5 on line 4", st[0].Start, st[0].End)
	}
	if st[1].Start != (Position{5, 5}) || st[1].End.Line != 6 {
		t.Errorf("got start %v end %v, want 5:5 … line 6", st[1].Start, st[1].End)
	}
	c := st[1].Conditions[0]
	if c.Operator != "StringEquals" || c.Key != "aws:PrincipalTag/team" || strings.Join(c.Values, ",") != "x,5,true" {
		t.Errorf("got condition %+v", c)
	}
	if p.Version() != "2012-10-17" || p.Kind() != KindIdentity || p.Text() != text {
		t.Errorf("got version %q kind %v", p.Version(), p.Kind())
	}
}
