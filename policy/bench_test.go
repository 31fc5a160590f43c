package policy

import (
	"fmt"
	"strings"
	"testing"
)

// tenByTen returns 10 identity policies of 10 statements each, the typical
// shape the issue asks to measure; only the last statement of the last
// policy allows the request.
func tenByTen(b testing.TB) []Named {
	var out []Named
	for p := 0; p < 10; p++ {
		var stmts []string
		for s := 0; s < 10; s++ {
			action, res := fmt.Sprintf("s3:Get%dObject", s), fmt.Sprintf("arn:aws:s3:::bucket-%d-%d/*", p, s)
			if p == 9 && s == 9 {
				action, res = "s3:GetObject", "arn:aws:s3:::data/*"
			}
			stmts = append(stmts, fmt.Sprintf(`{"Sid":"S%d","Effect":"Allow","Action":["%s","s3:List*"],"Resource":"%s","Condition":{"Bool":{"aws:SecureTransport":"false"},"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}`, s, action, res))
		}
		text := `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
		pol, err := Parse(text, KindIdentity)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, Named{Name: fmt.Sprintf("policy-%d", p), Policy: pol})
	}
	return out
}

func BenchmarkParse(b *testing.B) {
	text := tenByTen(b)[0].Policy.Text()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(text, KindIdentity); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	set := &Set{Identity: tenByTen(b)}
	req := &Request{Principal: execSession, Action: "s3:GetObject", Resource: "arn:aws:s3:::data/report.csv"}
	req.Context.Set("aws:SecureTransport", "false")
	req.Context.Set("aws:SourceIp", "127.0.0.1")
	var d Decision
	EvaluateInto(req, set, &d)
	if d.Effect != Allow {
		b.Fatalf("got %v, want Allow", d.Effect)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		EvaluateInto(req, set, &d)
	}
}

func BenchmarkEvaluateCrossAccount(b *testing.B) {
	trust, _ := Parse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/my-lambda-execution-role"},"StringEquals":{"sts:ExternalId":"x"}}}}`, KindTrust)
	idp, _ := Parse(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/role-on-source-account"}}`, KindIdentity)
	set := &Set{Identity: []Named{{Name: "id", Policy: idp}}, Resource: &Named{Name: "trust", Policy: trust}}
	req := &Request{Principal: execSession, Action: "sts:AssumeRole", Resource: targetArn, ResourceAccount: "222222222222"}
	req.Context.Set("sts:ExternalId", "x")
	var d Decision
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		EvaluateInto(req, set, &d)
	}
	if d.Effect != Allow {
		b.Fatalf("got %v, want Allow", d.Effect)
	}
}

// BenchmarkEvaluateWithOrgPolicies is BenchmarkEvaluate for a member
// account of an organization: FullAWSAccess at the root, an OU and the
// account, a Deny SCP on the OU that does not match, and the RCPs of the
// same three levels.
func BenchmarkEvaluateWithOrgPolicies(b *testing.B) {
	full, _ := Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, KindIdentity)
	deny, _ := Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}`, KindIdentity)
	rfull, _ := Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, KindResource)
	levels := func(p *Policy, extra *Policy) []OrgLevel {
		ls := []OrgLevel{{Target: "root `r-1`"}, {Target: "OU `Workloads`"}, {Target: "account `111111111111`"}}
		for i := range ls {
			ls[i].Policies = []Named{{Name: "full", Policy: p}}
		}
		if extra != nil {
			ls[1].Policies = append(ls[1].Policies, Named{Name: "deny", Policy: extra})
		}
		return ls
	}
	set := &Set{Identity: tenByTen(b), SCP: levels(full, deny), RCP: levels(rfull, nil)}
	req := &Request{Principal: execSession, Action: "s3:GetObject", Resource: "arn:aws:s3:::data/report.csv"}
	req.Context.Set("aws:SecureTransport", "false")
	req.Context.Set("aws:SourceIp", "127.0.0.1")
	var d Decision
	EvaluateInto(req, set, &d)
	if d.Effect != Allow {
		b.Fatalf("got %v, want Allow", d.Effect)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		EvaluateInto(req, set, &d)
	}
}
