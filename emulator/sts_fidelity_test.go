package emulator_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
)

// trustHome is a trust policy naming the home account.
const trustHome = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}`

// createRole creates role name in acct with trust and, when perms is not
// empty, an inline policy; it returns the role's ARN.
func createRole(t *testing.T, srv *emulatortest.Server, acct, name, trust, perms string) string {
	t.Helper()
	ctx := context.Background()
	c := iam.NewFromConfig(srv.Config(acct))
	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	if perms != "" {
		if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("perms"), PolicyDocument: aws.String(perms)}); err != nil {
			t.Fatal(err)
		}
	}
	return *out.Role.Arn
}

// TestRootMayNotAssumeRole: the root user's AssumeRole is refused with 403
// AccessDenied "Roles may not be assumed by root accounts.", even when the
// trust policy names the account; an IAM user of the account may.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html
// (AssumeRole: "Who can call": an IAM user or a role with temporary
// credentials; the root user cannot).
func TestRootMayNotAssumeRole(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	arn := createRole(t, srv, home, "r", trustHome, "")
	in := &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("s1")}
	_, err := sts.NewFromConfig(srv.Config(home)).AssumeRole(ctx, in)
	if apiCode(err) != "AccessDenied" || apiMessage(err) != "Roles may not be assumed by root accounts." || statusOf(err) != http.StatusForbidden {
		t.Fatalf("root AssumeRole: got %v, want 403 AccessDenied", err)
	}
	// Cross-account too, and for a role that does not exist.
	in.RoleArn = aws.String("arn:aws:iam::222222222222:role/none")
	if _, err := sts.NewFromConfig(srv.Config(home)).AssumeRole(ctx, in); apiMessage(err) != "Roles may not be assumed by root accounts." {
		t.Errorf("root AssumeRole of a missing role: got %v", err)
	}
	in.RoleArn = aws.String(arn)
	if _, err := sts.NewFromConfig(srv.AdminConfig(t, home)).AssumeRole(ctx, in); err != nil {
		t.Errorf("admin user AssumeRole: %v", err)
	}
}

// sessionConfig turns AssumeRole's credentials into an aws.Config.
func sessionConfig(srv *emulatortest.Server, c *ststypes.Credentials) aws.Config {
	return srv.ConfigWith(emulatortest.SessionCredentials(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken, *c.Expiration))
}

// TestManagedSessionPolicies: PolicyArns (wire PolicyArns.member.N.arn)
// name managed session policies; the session may do only what both the
// role's policies and the session policies allow, and PackedPolicySize is
// reported.
// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (PolicyArns)
// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
func TestManagedSessionPolicies(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	arn := createRole(t, srv, home, "s3-admin", trustHome, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`)
	mp, err := iam.NewFromConfig(srv.Config(home)).CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("list-only"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:ListAllMyBuckets","iam:ListRoles"],"Resource":"*"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := sts.NewFromConfig(srv.AdminConfig(t, home)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("scoped"),
		PolicyArns: []ststypes.PolicyDescriptorType{{Arn: mp.Policy.Arn}}})
	if err != nil {
		t.Fatalf("AssumeRole with PolicyArns: %v", err)
	}
	if out.PackedPolicySize == nil {
		t.Errorf("PackedPolicySize not reported")
	}
	c := s3.NewFromConfig(sessionConfig(srv, out.Credentials))
	if _, err := c.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Errorf("ListBuckets (role and session policy allow): %v", err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("scoped-bucket")}); apiCode(err) != "AccessDenied" {
		t.Errorf("CreateBucket (role allows, session policy does not): got %v, want AccessDenied", err)
	}
	if _, err := iam.NewFromConfig(sessionConfig(srv, out.Credentials)).ListRoles(ctx, &iam.ListRolesInput{}); apiCode(err) != "AccessDenied" {
		t.Errorf("ListRoles (session policy allows, role does not): got %v, want AccessDenied", err)
	}
	// A policy ARN that does not exist is refused.
	_, err = sts.NewFromConfig(srv.AdminConfig(t, home)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("scoped"),
		PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::111111111111:policy/none")}}})
	if apiCode(err) != "InvalidParameterValue" {
		t.Errorf("unknown policy ARN: got %v, want InvalidParameterValue", err)
	}
}

// TestSessionTagsInAChain: tag keys are unique case-insensitively; in a
// role chain a transitive tag of the calling session cannot be set again,
// and the source identity cannot change. Transitive tag keys name tags
// whatever their case.
// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (Tags:
// "If you pass a session tag with the same key as an inherited tag, the
// operation fails"; SourceIdentity)
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_role-chaining
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
func TestSessionTagsInAChain(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	second := createRole(t, srv, home, "second", trustHome, "")
	first := createRole(t, srv, home, "first", trustHome,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"`+second+`"}}`)
	admin := sts.NewFromConfig(srv.AdminConfig(t, home))

	_, err := admin.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(first), RoleSessionName: aws.String("dup"),
		Tags: []ststypes.Tag{{Key: aws.String("Project"), Value: aws.String("a")}, {Key: aws.String("project"), Value: aws.String("b")}}})
	if apiCode(err) != "InvalidParameterValue" {
		t.Errorf("tag keys differing in case: got %v, want InvalidParameterValue", err)
	}

	out, err := admin.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(first), RoleSessionName: aws.String("one"),
		Tags:              []ststypes.Tag{{Key: aws.String("Project"), Value: aws.String("blue")}, {Key: aws.String("Team"), Value: aws.String("ops")}},
		TransitiveTagKeys: []string{"project"}, SourceIdentity: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if out.PackedPolicySize == nil || *out.PackedPolicySize <= 0 {
		t.Errorf("PackedPolicySize with session tags: got %v", out.PackedPolicySize)
	}
	chain := sts.NewFromConfig(sessionConfig(srv, out.Credentials))
	for _, tc := range []struct {
		name string
		in   sts.AssumeRoleInput
		want string
	}{
		{"transitive key set again", sts.AssumeRoleInput{Tags: []ststypes.Tag{{Key: aws.String("Project"), Value: aws.String("red")}}}, "InvalidParameterValue"},
		{"transitive key set again, other case", sts.AssumeRoleInput{Tags: []ststypes.Tag{{Key: aws.String("PROJECT"), Value: aws.String("red")}}}, "InvalidParameterValue"},
		{"other source identity", sts.AssumeRoleInput{SourceIdentity: aws.String("mallory")}, "InvalidParameterValue"},
		{"non-transitive key set again", sts.AssumeRoleInput{Tags: []ststypes.Tag{{Key: aws.String("Team"), Value: aws.String("dev")}}}, ""},
		{"same source identity", sts.AssumeRoleInput{SourceIdentity: aws.String("alice")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.RoleArn, in.RoleSessionName = aws.String(second), aws.String("two")
			out, err := chain.AssumeRole(ctx, &in)
			if tc.want != "" {
				if apiCode(err) != tc.want {
					t.Fatalf("got %v, want %s", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(out.SourceIdentity) != "alice" {
				t.Errorf("chained SourceIdentity: got %q, want alice", aws.ToString(out.SourceIdentity))
			}
		})
	}
}

// TestRevokeOlderSessions: every session carries aws:TokenIssueTime, so the
// documented way to revoke a role's active sessions works: a Deny on all
// actions for tokens issued before a date stops older sessions, not newer
// ones.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-tokenissuetime
func TestRevokeOlderSessions(t *testing.T) {
	clock := newStepClock()
	srv := emulatortest.New(t, emulator.WithClock(clock.Now))
	ctx := context.Background()
	arn := createRole(t, srv, home, "revocable", trustHome, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}}`)
	admin := sts.NewFromConfig(srv.AdminConfig(t, home))
	assume := func() *s3.Client {
		out, err := admin.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("s1")})
		if err != nil {
			t.Fatal(err)
		}
		return s3.NewFromConfig(sessionConfig(srv, out.Credentials))
	}
	old := assume()
	if _, err := old.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("before revocation: %v", err)
	}
	clock.Add(2 * time.Second)
	cutoff := clock.Now().UTC().Format(time.RFC3339)
	if _, err := iam.NewFromConfig(srv.Config(home)).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("revocable"), PolicyName: aws.String("AWSRevokeOlderSessions"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + cutoff + `"}}}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := old.ListBuckets(ctx, &s3.ListBucketsInput{}); apiCode(err) != "AccessDenied" {
		t.Errorf("session issued before the cutoff: got %v, want AccessDenied", err)
	}
	clock.Add(time.Second)
	if _, err := assume().ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Errorf("session issued after the cutoff: %v", err)
	}
}

// TestGetSessionToken: an IAM user's GetSessionToken credentials act as
// the user (GetCallerIdentity names the user) with the user's permissions;
// they may assume roles but not call IAM; session credentials may not call
// GetSessionToken; the root user's sessions last at most an hour.
// https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html#stsapi_comparison
func TestGetSessionToken(t *testing.T) {
	clock := newStepClock()
	srv := emulatortest.New(t, emulator.WithClock(clock.Now))
	ctx := context.Background()
	adminCfg := srv.AdminConfig(t, home)
	out, err := sts.NewFromConfig(adminCfg).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatalf("GetSessionToken: %v", err)
	}
	if got, want := out.Credentials.Expiration.Sub(clock.Now()), 12*time.Hour; got < want-2*time.Second || got > want {
		t.Errorf("default duration: got %v, want 12h", got)
	}
	cfg := sessionConfig(srv, out.Credentials)
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != "arn:aws:iam::111111111111:user/admin" || !strings.HasPrefix(*id.UserId, "AIDA") {
		t.Errorf("GetCallerIdentity: got %v %v", id, err)
	}
	if _, err := s3.NewFromConfig(cfg).ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Errorf("ListBuckets with the user's permissions: %v", err)
	}
	if _, err := iam.NewFromConfig(cfg).ListRoles(ctx, &iam.ListRolesInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Errorf("IAM without MFA: got %v, want InvalidClientTokenId", err)
	}
	arn := createRole(t, srv, home, "from-token", trustHome, "")
	if _, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("s1")}); err != nil {
		t.Errorf("AssumeRole with GetSessionToken credentials: %v", err)
	}
	_, err = sts.NewFromConfig(cfg).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if apiCode(err) != "AccessDenied" || apiMessage(err) != "Cannot call GetSessionToken with session credentials" {
		t.Errorf("GetSessionToken with session credentials: got %v", err)
	}
	if _, err := sts.NewFromConfig(adminCfg).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(129601)}); apiCode(err) != "ValidationError" {
		t.Errorf("DurationSeconds 129601: got %v, want ValidationError", err)
	}
	root, err := sts.NewFromConfig(srv.Config(home)).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(7200)})
	if err != nil {
		t.Fatalf("root GetSessionToken: %v", err)
	}
	if got := root.Credentials.Expiration.Sub(clock.Now()); got > time.Hour {
		t.Errorf("root session lasts %v, want at most 1h", got)
	}
}
