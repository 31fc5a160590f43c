package crossaccount_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/xacct/xacct/crossaccount"
	"github.com/xacct/xacct/emulatortest"
)

const (
	lambdaTrust  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	assumeExt    = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/external-role"}}`
	trustExec    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/exec"},"Action":"sts:AssumeRole"}]}`
	trustExtID   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"xacct-demo"}}}]}`
	trustService = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
)

// setup creates the execution role "exec" in 111111111111 (with the
// identity permission when allow is set) and "external-role" in
// 222222222222 with trust; it returns the execution role's Lambda session.
func setup(t *testing.T, srv *emulatortest.Server, allow bool, trust string) aws.Config {
	t.Helper()
	ctx := context.Background()
	h := iam.NewFromConfig(srv.Config("111111111111"))
	if _, err := h.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("exec"), AssumeRolePolicyDocument: aws.String(lambdaTrust)}); err != nil {
		t.Fatal(err)
	}
	if allow {
		h.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("exec"), PolicyName: aws.String("assume"), PolicyDocument: aws.String(assumeExt)})
	}
	if _, err := iam.NewFromConfig(srv.Config("222222222222")).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("external-role"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	sess, err := srv.Emulator.STS().AssumeRoleForService(ctx, "arn:aws:iam::111111111111:role/exec", "lambda.amazonaws.com", "fn", 3600)
	if err != nil {
		t.Fatal(err)
	}
	return srv.ConfigWith(emulatortest.SessionCredentials(sess.AccessKeyID, sess.SecretAccessKey, sess.SessionToken, sess.Expires))
}

func TestAgainstEmulator(t *testing.T) {
	for _, tc := range []struct {
		name       string
		allow      bool
		trust      string
		externalID string
		ok         bool
		diagnosis  string
	}{
		{"all three steps", true, trustExec, "", true, ""},
		{"step 1 missing", false, trustExec, "", false, "step 1 (identity permission): no identity-based policy of arn:aws:iam::111111111111:role/exec allows sts:AssumeRole on arn:aws:iam::222222222222:role/external-role"},
		{"step 2 missing", true, trustService, "", false, "step 2 (trust policy): the trust policy of arn:aws:iam::222222222222:role/external-role does not allow sts:AssumeRole for arn:aws:iam::111111111111:role/exec"},
		{"step 3: external id missing", true, trustExtID, "", false, "step 3 (the call): the trust policy of arn:aws:iam::222222222222:role/external-role allows arn:aws:iam::111111111111:role/exec only when StringEquals sts:ExternalId holds, and the request has no sts:ExternalId"},
		{"step 3: external id wrong", true, trustExtID, "guess", false, "step 3 (the call): the trust policy of arn:aws:iam::222222222222:role/external-role allows arn:aws:iam::111111111111:role/exec only when StringEquals sts:ExternalId holds"},
		{"step 3: external id present", true, trustExtID, "xacct-demo", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := emulatortest.New(t)
			fn := setup(t, srv, tc.allow, tc.trust)
			a := crossaccount.New(fn, func(o *crossaccount.Options) { o.SessionName = "switch-account"; o.ExternalID = tc.externalID })
			cfg, err := a.ConfigForAccount(context.Background(), "222222222222", "external-role")
			if !tc.ok {
				if !crossaccount.IsAccessDenied(err) {
					t.Fatalf("got %v, want AccessDenied", err)
				}
				var ce *crossaccount.Error
				if !errors.As(err, &ce) || ce.Diagnosis != tc.diagnosis {
					t.Errorf("diagnosis: got %q, want %q", ce.Diagnosis, tc.diagnosis)
				}
				ex := crossaccount.Explain(err)
				for _, want := range []string{"arn:aws:sts::111111111111:assumed-role/exec/fn", "arn:aws:iam::222222222222:role/external-role", "arn:aws:iam::111111111111:role/exec", "1. identity permission", "2. trust policy", "3. the call"} {
					if !strings.Contains(ex, want) {
						t.Errorf("explanation lacks %q:\n%s", want, ex)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(crossaccount.Explain(err))
			}
			id, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			if err != nil || *id.Arn != "arn:aws:sts::222222222222:assumed-role/external-role/switch-account" {
				t.Errorf("got %v %v", id, err)
			}
		})
	}
}

// TestRootCallerExplained: STS refuses the root user whatever the
// policies say, and Explain says so rather than listing the three steps.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html
func TestRootCallerExplained(t *testing.T) {
	srv := emulatortest.New(t)
	setup(t, srv, true, trustExtID)
	a := crossaccount.New(srv.Config("111111111111"), func(o *crossaccount.Options) { o.ExternalID = "xacct-demo" })
	_, err := a.ConfigForAccount(context.Background(), "222222222222", "external-role")
	var ce *crossaccount.Error
	if !crossaccount.IsAccessDenied(err) || !errors.As(err, &ce) || !ce.RootCaller {
		t.Fatalf("root caller: got %v, want AccessDenied from the root user", err)
	}
	if ex := crossaccount.Explain(err); !strings.Contains(ex, "root user may not assume roles") || strings.Contains(ex, "1. identity permission") {
		t.Errorf("explanation: %s", ex)
	}
	// The account's IAM user may, the trust policy naming the account.
	a = crossaccount.New(srv.AdminConfig(t, "111111111111"), func(o *crossaccount.Options) { o.ExternalID = "xacct-demo" })
	if _, err := a.ConfigForAccount(context.Background(), "222222222222", "external-role"); err != nil {
		t.Errorf("admin user: %v", crossaccount.Explain(err))
	}
}

// TestOneAssumeRoleForManyInvocations counts AssumeRole requests the
// emulator receives while 50 "warm invocations" use the role.
func TestOneAssumeRoleForManyInvocations(t *testing.T) {
	srv := emulatortest.New(t)
	fn := setup(t, srv, true, trustExec)
	a := crossaccount.New(fn)
	ctx := context.Background()
	for i := 0; i < 50; i++ {
		cfg, err := a.ConfigForAccount(ctx, "222222222222", "external-role")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Count("sts:AssumeRole"); n != 1 {
		t.Errorf("got %d AssumeRole calls for 50 invocations, want 1", n)
	}
}
