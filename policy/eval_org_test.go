package policy

import (
	"slices"
	"strings"
	"testing"
)

// TestEvaluateOrgPolicies checks SCPs and RCPs in the order of IAM User
// Guide, "How AWS enforcement code logic evaluates requests to allow or
// deny access": an explicit deny anywhere first, then RCPs, then SCPs,
// each needing an Allow at every level of the organization path
// (Organizations User Guide, "SCP evaluation", "RCP evaluation"), then the
// other policy types.
func TestEvaluateOrgPolicies(t *testing.T) {
	const (
		full    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
		rcpFull = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`
		onlyS3  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
		denyS3  = `{"Version":"2012-10-17","Statement":[{"Sid":"NoS3","Effect":"Deny","Action":"s3:*","Resource":"*"}]}`
		rcpOrg  = `{"Version":"2012-10-17","Statement":[{"Sid":"Perimeter","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*",
			"Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-aaaaaaaaaa"}}}]}`
	)
	scp := func(t *testing.T, docs ...[]string) []OrgLevel {
		var ls []OrgLevel
		for i, d := range docs {
			l := OrgLevel{Target: []string{"root `r-1`", "OU `Workloads`", "account `111111111111`"}[i]}
			for j, doc := range d {
				l.Policies = append(l.Policies, Named{Name: "p" + string(rune('0'+j)), Policy: mustParse(t, doc, KindIdentity)})
			}
			ls = append(ls, l)
		}
		return ls
	}
	rcp := func(t *testing.T, docs ...[]string) []OrgLevel {
		ls := scp(t)
		for i, d := range docs {
			l := OrgLevel{Target: []string{"root `r-1`", "OU `Workloads`", "account `222222222222`"}[i]}
			for j, doc := range d {
				l.Policies = append(l.Policies, Named{Name: "r" + string(rune('0'+j)), Policy: mustParse(t, doc, KindResource)})
			}
			ls = append(ls, l)
		}
		return ls
	}
	admin := func(t *testing.T) []Named { return []Named{{Name: "admin", Policy: mustParse(t, full, KindIdentity)}} }
	cases := []struct {
		name    string
		set     func(t *testing.T) Set
		pr      Principal
		action  string
		ctx     map[string][]string
		want    Effect
		missing []Source
		gaps    []string
		explain string
	}{
		{name: "full access at every level", pr: alice, action: "s3:GetObject", want: Allow,
			set: func(t *testing.T) Set {
				return Set{Identity: admin(t), SCP: scp(t, []string{full}, []string{full}, []string{full})}
			}},
		{name: "an OU without an allow denies", pr: alice, action: "iam:ListRoles", want: ImplicitDeny, missing: []Source{SourceSCP}, gaps: []string{"OU `Workloads`"},
			set: func(t *testing.T) Set {
				return Set{Identity: admin(t), SCP: scp(t, []string{full}, []string{onlyS3}, []string{full})}
			}, explain: "no service control policy attached to OU `Workloads` allows the action"},
		{name: "an allow at each level is enough", pr: alice, action: "s3:PutObject", want: Allow,
			set: func(t *testing.T) Set {
				return Set{Identity: admin(t), SCP: scp(t, []string{full}, []string{onlyS3}, []string{full})}
			}},
		{name: "SCP deny names its attachment", pr: alice, action: "s3:PutObject", want: ExplicitDeny,
			set: func(t *testing.T) Set {
				return Set{Identity: admin(t), SCP: scp(t, []string{full}, []string{full, denyS3}, []string{full})}
			}, explain: "statement \"NoS3\" of service control policy \"p1\" attached to OU `Workloads`"},
		{name: "SCPs grant nothing", pr: alice, action: "s3:PutObject", want: ImplicitDeny, missing: []Source{SourceIdentity},
			set: func(t *testing.T) Set { return Set{SCP: scp(t, []string{full})} }},
		{name: "RCPs are evaluated before SCPs", pr: alice, action: "s3:PutObject", want: ImplicitDeny, missing: []Source{SourceRCP}, gaps: []string{"OU `Workloads`"},
			set: func(t *testing.T) Set {
				return Set{Identity: admin(t), SCP: scp(t, []string{onlyS3}, []string{}), RCP: rcp(t, []string{rcpFull}, []string{})}
			}},
		{name: "RCP denies an outside principal", pr: alice, action: "s3:GetObject", want: ExplicitDeny,
			set: func(t *testing.T) Set {
				return Set{Identity: admin(t), RCP: rcp(t, []string{rcpFull}, []string{rcpFull, rcpOrg})}
			}, explain: "resource control policy \"r1\" attached to OU `Workloads`"},
		{name: "RCP admits an organization principal", pr: alice, action: "s3:GetObject", want: Allow, ctx: map[string][]string{"aws:PrincipalOrgID": {"o-aaaaaaaaaa"}},
			set: func(t *testing.T) Set {
				return Set{Identity: admin(t), RCP: rcp(t, []string{rcpFull}, []string{rcpFull, rcpOrg})}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := Request{Principal: c.pr, Action: c.action, Resource: "arn:aws:s3:::b/k"}
			for k, v := range c.ctx {
				req.Context.Set(k, v...)
			}
			set := c.set(t)
			d := Evaluate(&req, &set)
			if d.Effect != c.want {
				t.Fatalf("got %v, want %v (%s)", d.Effect, c.want, d.Explain())
			}
			if !slices.Equal(d.Missing, c.missing) {
				t.Errorf("missing: got %v, want %v", d.Missing, c.missing)
			}
			var gaps []string
			for _, g := range d.Gaps {
				gaps = append(gaps, g.Target)
			}
			if !slices.Equal(gaps, c.gaps) {
				t.Errorf("gaps: got %v, want %v", gaps, c.gaps)
			}
			if !strings.Contains(d.Explain(), c.explain) {
				t.Errorf("explain: got %q, want it to contain %q", d.Explain(), c.explain)
			}
		})
	}
}
