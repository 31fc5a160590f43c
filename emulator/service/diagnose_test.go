package service

import (
	"strings"
	"testing"

	"github.com/xacct/xacct/policy"
)

func mustParse(t *testing.T, text string, kind policy.Kind) *policy.Policy {
	t.Helper()
	p, err := policy.Parse(text, kind)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	return p
}

// TestDiagnose: each missing piece of cross-account access is named in
// the users' terms (the three setup steps, the boundary, the session
// policy, the explicit deny with its statement), from the policy engine's
// decision.
func TestDiagnose(t *testing.T) {
	const (
		exec    = "arn:aws:iam::111111111111:role/exec"
		target  = "arn:aws:iam::222222222222:role/target"
		allowAR = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}}`
		allowS3 = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`
	)
	session := &Caller{Principal: policy.Principal{Type: policy.PrincipalAssumedRole, ARN: "arn:aws:sts::111111111111:assumed-role/exec/fn",
		Account: "111111111111", RoleARN: exec, UniqueID: "AROAEXEC:fn"}}
	targetSession := &Caller{Principal: policy.Principal{Type: policy.PrincipalAssumedRole, ARN: "arn:aws:sts::222222222222:assumed-role/target/s",
		Account: "222222222222", RoleARN: target, UniqueID: "AROATARGET:s"}}
	named := func(name, text string, kind policy.Kind) *policy.Named {
		return &policy.Named{Name: name, Policy: mustParse(t, text, kind)}
	}
	trust := func(text string) *policy.Named { return named("trust policy of "+target, text, policy.KindTrust) }
	for _, tc := range []struct {
		name     string
		caller   *Caller
		chk      Check
		identity string
		boundary string
		session  string
		want     string
	}{
		{"step 1", session, Check{Action: "sts:AssumeRole", Resource: target, ResourceAccount: "222222222222",
			ResourcePolicy: trust(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}}`)},
			"", "", "", "step 1 (identity permission): no identity-based policy of " + exec + " allows sts:AssumeRole on " + target},
		{"step 2", session, Check{Action: "sts:AssumeRole", Resource: target, ResourceAccount: "222222222222",
			ResourcePolicy: trust(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`)},
			allowAR, "", "", "step 2 (trust policy): the trust policy of " + target + " does not allow sts:AssumeRole for " + exec},
		{"step 3: the call", session, Check{Action: "sts:AssumeRole", Resource: target, ResourceAccount: "222222222222",
			ResourcePolicy: trust(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}}`)},
			allowAR, "", "", "step 3 (the call): the trust policy of " + target + " allows " + exec + " only when StringEquals sts:ExternalId holds, and the request has no sts:ExternalId"},
		{"step 3: the role's permissions", targetSession, Check{Action: "s3:PutObject", Resource: "arn:aws:s3:::dst/k", ResourceAccount: "222222222222"},
			"", "", "", "step 3 (the role's permissions): no identity-based policy of " + target + " allows s3:PutObject on arn:aws:s3:::dst/k"},
		{"step 3: the bucket policy", targetSession, Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::src/k", ResourceAccount: "111111111111",
			ResourcePolicy: named("bucket policy of src", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"333333333333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::src/*"}}`, policy.KindResource)},
			allowS3, "", "", "step 3 (the bucket policy): the bucket policy of src does not allow " + target + " s3:GetObject on arn:aws:s3:::src/k"},
		{"no bucket policy", targetSession, Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::src/k", ResourceAccount: "111111111111"},
			allowS3, "", "", "step 3 (the bucket policy): the bucket has no bucket policy, and a caller from account 222222222222 needs one"},
		{"boundary", targetSession, Check{Action: "s3:PutObject", Resource: "arn:aws:s3:::dst/k", ResourceAccount: "222222222222"},
			allowS3, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, "",
			"the permissions boundary of " + target + " does not allow s3:PutObject on arn:aws:s3:::dst/k"},
		{"session policy", targetSession, Check{Action: "s3:PutObject", Resource: "arn:aws:s3:::dst/k", ResourceAccount: "222222222222"},
			allowS3, "", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`,
			"the session policy of arn:aws:sts::222222222222:assumed-role/target/s (passed when its session was created) does not allow s3:PutObject"},
		{"explicit deny", targetSession, Check{Action: "s3:PutObject", Resource: "arn:aws:s3:::dst/k", ResourceAccount: "222222222222"},
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"NoWrites","Effect":"Deny","Action":"s3:PutObject","Resource":"*"}]}`, "", "",
			`explicit deny: statement "NoWrites" of identity-based policy "target/inline" denies s3:PutObject on arn:aws:s3:::dst/k`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := policy.Set{Resource: tc.chk.ResourcePolicy}
			if tc.identity != "" {
				set.Identity = []policy.Named{*named("target/inline", tc.identity, policy.KindIdentity)}
			}
			if tc.boundary != "" {
				set.Boundary = named("boundary", tc.boundary, policy.KindBoundary)
			}
			if tc.session != "" {
				set.Session = []policy.Named{*named("session policy", tc.session, policy.KindSession)}
			}
			req := policy.Request{Principal: tc.caller.Principal, Action: tc.chk.Action, Resource: tc.chk.Resource, ResourceAccount: tc.chk.ResourceAccount}
			d := policy.Evaluate(&req, &set)
			if d.Allowed() {
				t.Fatal("allowed")
			}
			if got := Diagnose(&Call{Caller: tc.caller}, tc.chk, d); !strings.HasPrefix(got, tc.want) {
				t.Errorf("got  %q\nwant %q...", got, tc.want)
			}
		})
	}
}

func TestNearest(t *testing.T) {
	names := []string{"trail-target", "other-role", "trail-exec", "target"}
	if got := Nearest("trail-targt", names, 3); len(got) == 0 || got[0] != "trail-target" {
		t.Errorf("got %v, want trail-target first", got)
	}
	if got := Nearest("zzzzzzzz", names, 3); len(got) != 0 {
		t.Errorf("got %v for a name like none, want none", got)
	}
	if got := Listing("roles there", "x", nil); got != "roles there: none" {
		t.Errorf("empty listing: %q", got)
	}
}
