package emulator_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/xacct/xacct/emulatortest"
)

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

func decodeDoc(t *testing.T, s *string) string {
	t.Helper()
	d, err := url.QueryUnescape(aws.ToString(s))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestIAMRoles covers the role API of the IAM API Reference (CreateRole,
// GetRole, UpdateRole, UpdateAssumeRolePolicy, tags, inline and attached
// policies, DeleteRole's DeleteConflict).
func TestIAMRoles(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := iam.NewFromConfig(srv.Config(home))

	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String("app"), Path: aws.String("/service/"), AssumeRolePolicyDocument: aws.String(lambdaTrust),
		Description: aws.String("d"), MaxSessionDuration: aws.Int32(7200),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("blue")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Role
	if *r.Arn != "arn:aws:iam::111111111111:role/service/app" || !strings.HasPrefix(*r.RoleId, "AROA") || len(*r.RoleId) != 21 || *r.MaxSessionDuration != 7200 {
		t.Errorf("got role %s %s %d", *r.Arn, *r.RoleId, *r.MaxSessionDuration)
	}
	if got := decodeDoc(t, r.AssumeRolePolicyDocument); got != lambdaTrust {
		t.Errorf("got trust %s, want %s", got, lambdaTrust)
	}
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("APP"), AssumeRolePolicyDocument: aws.String(lambdaTrust)}); apiCode(err) != "EntityAlreadyExists" {
		t.Errorf("duplicate (case-insensitive) name: got %v, want EntityAlreadyExists", err)
	}
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bad name"), AssumeRolePolicyDocument: aws.String(lambdaTrust)}); apiCode(err) != "ValidationError" {
		t.Errorf("bad name: got %v, want ValidationError", err)
	}
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}`)}); apiCode(err) != "MalformedPolicyDocument" || apiMessage(err) != "Missing required field Principal" {
		t.Errorf("trust without principal: got %v, want MalformedPolicyDocument", err)
	}
	if _, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("nope")}); apiCode(err) != "NoSuchEntity" || apiMessage(err) != "The role with name nope cannot be found." {
		t.Errorf("missing role: got %v", err)
	}
	if _, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: aws.String("app"), Description: aws.String("new"), MaxSessionDuration: aws.Int32(3600)}); err != nil {
		t.Fatal(err)
	}
	newTrust := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"sts:AssumeRole"}}`
	if _, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("app"), PolicyDocument: aws.String(newTrust)}); err != nil {
		t.Fatal(err)
	}
	g, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	if *g.Role.Description != "new" || decodeDoc(t, g.Role.AssumeRolePolicyDocument) != newTrust || len(g.Role.Tags) != 1 {
		t.Errorf("got %+v", g.Role)
	}

	// Inline and managed policies.
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("inline"), PolicyDocument: aws.String(assumePolicy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`)}); apiMessage(err) != "Policy document should not specify a principal." {
		t.Errorf("principal in identity policy: got %v", err)
	}
	gp, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("inline")})
	if err != nil || decodeDoc(t, gp.PolicyDocument) != assumePolicy {
		t.Errorf("GetRolePolicy: %v", err)
	}
	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchPolicy")}); apiCode(err) != "NoSuchEntity" {
		t.Errorf("attach unknown policy: got %v", err)
	}
	la, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("app")})
	if err != nil || len(la.AttachedPolicies) != 1 || *la.AttachedPolicies[0].PolicyName != "ReadOnlyAccess" {
		t.Errorf("ListAttachedRolePolicies: %+v %v", la, err)
	}
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("app")}); apiCode(err) != "DeleteConflict" {
		t.Errorf("delete with policies: got %v, want DeleteConflict", err)
	}
	c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("inline")})
	c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("app"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	lr, err := c.ListRoles(ctx, &iam.ListRolesInput{})
	if err != nil || len(lr.Roles) != 0 {
		t.Errorf("ListRoles after delete: %+v %v", lr, err)
	}
}

// TestManagedPolicyVersions: CreatePolicy, CreatePolicyVersion (at most
// five), SetDefaultPolicyVersion changes what is evaluated.
func TestManagedPolicyVersions(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := iam.NewFromConfig(srv.Config(home))
	p, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	arn := p.Policy.Arn
	if *arn != "arn:aws:iam::111111111111:policy/p" || *p.Policy.DefaultVersionId != "v1" {
		t.Errorf("got %s %s", *arn, *p.Policy.DefaultVersionId)
	}
	for i := 2; i <= 5; i++ {
		if _, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(assumePolicy)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(assumePolicy)}); apiCode(err) != "LimitExceeded" {
		t.Errorf("sixth version: got %v, want LimitExceeded", err)
	}
	if _, err := c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v3")}); err != nil {
		t.Fatal(err)
	}
	v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v3")})
	if err != nil || !v.PolicyVersion.IsDefaultVersion || decodeDoc(t, v.PolicyVersion.Document) != assumePolicy {
		t.Errorf("GetPolicyVersion: %+v %v", v, err)
	}
	if _, err := c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v3")}); apiCode(err) != "DeleteConflict" {
		t.Errorf("delete default version: got %v", err)
	}
	lv, _ := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: arn})
	if len(lv.Versions) != 5 {
		t.Errorf("got %d versions, want 5", len(lv.Versions))
	}
	aws1, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")})
	if err != nil || *aws1.Policy.PolicyName != "AWSLambdaBasicExecutionRole" {
		t.Errorf("AWS managed policy: %v", err)
	}
	doc, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws1.Policy.Arn, VersionId: aws1.Policy.DefaultVersionId})
	if err != nil || !strings.Contains(decodeDoc(t, doc.PolicyVersion.Document), "logs:PutLogEvents") {
		t.Errorf("AWSLambdaBasicExecutionRole document: %v", err)
	}
}

// TestIAMAuthorizesItself: every IAM call is authorized; an identity
// without iam:CreateRole cannot create roles, with the IAM message.
func TestIAMAuthorizesItself(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	admin := iam.NewFromConfig(srv.Config(home))
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(*key.AccessKey.AccessKeyId, "AKIA") || len(*key.AccessKey.SecretAccessKey) != 40 {
		t.Errorf("got key %s", *key.AccessKey.AccessKeyId)
	}
	dev := srv.ConfigWith(aws.Credentials{AccessKeyID: *key.AccessKey.AccessKeyId, SecretAccessKey: *key.AccessKey.SecretAccessKey})
	id, err := sts.NewFromConfig(dev).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != "arn:aws:iam::111111111111:user/dev" {
		t.Fatalf("GetCallerIdentity as dev: %v", err)
	}
	_, err = iam.NewFromConfig(dev).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(lambdaTrust)})
	want := "User: arn:aws:iam::111111111111:user/dev is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::111111111111:role/r because no identity-based policy allows the iam:CreateRole action"
	if apiCode(err) != "AccessDenied" || apiMessage(err) != want {
		t.Fatalf("got %v, want AccessDenied %q", err, want)
	}
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("roles"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*Role*","Resource":"arn:aws:iam::111111111111:role/*"}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := iam.NewFromConfig(dev).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(lambdaTrust)}); err != nil {
		t.Fatalf("with iam:*Role*: %v", err)
	}
	// A permissions boundary caps the user.
	if _, err := admin.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("read-only-boundary"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("dev"), PermissionsBoundary: aws.String("arn:aws:iam::111111111111:policy/read-only-boundary")}); err != nil {
		t.Fatal(err)
	}
	_, err = iam.NewFromConfig(dev).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r2"), AssumeRolePolicyDocument: aws.String(lambdaTrust)})
	if apiCode(err) != "AccessDenied" || !strings.HasSuffix(apiMessage(err), "because no permissions boundary allows the iam:CreateRole action") {
		t.Fatalf("beyond boundary: got %v", err)
	}
	if _, err := iam.NewFromConfig(dev).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("r")}); err != nil {
		t.Fatalf("within boundary: %v", err)
	}
	// Unknown and deleted keys are refused.
	admin.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("dev"), AccessKeyId: key.AccessKey.AccessKeyId})
	if _, err := sts.NewFromConfig(dev).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Errorf("deleted key: got %v, want InvalidClientTokenId", err)
	}
}

// TestDeletedRolePrincipal: a trust policy naming a role keeps that role's
// unique id; after the role is deleted and recreated, the policy shows the
// old id and does not trust the new role (IAM User Guide, "AWS JSON policy
// elements: Principal").
func TestDeletedRolePrincipal(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	cfg := setup(t, srv, seedSetup{assumePolicy, seedTrust})
	if _, err := assumeTarget(ctx, cfg, ""); err != nil {
		t.Fatalf("before recreation: %v", err)
	}
	homeIAM := iam.NewFromConfig(srv.Config(home))
	old, _ := homeIAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("my-lambda-execution-role")})
	homeIAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("my-lambda-execution-role"), PolicyName: aws.String("assume-target")})
	if _, err := homeIAM.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("my-lambda-execution-role")}); err != nil {
		t.Fatal(err)
	}
	got, err := iam.NewFromConfig(srv.Config(target)).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("role-on-source-account")})
	if err != nil {
		t.Fatalf("GetRole after deletion: %v", err)
	}
	if doc := decodeDoc(t, got.Role.AssumeRolePolicyDocument); !strings.Contains(doc, *old.Role.RoleId) || strings.Contains(doc, "my-lambda-execution-role") {
		t.Errorf("after deletion the trust policy shows %s, want the unique id %s", doc, *old.Role.RoleId)
	}
	// Recreate the role with the same name and permission.
	if _, err := homeIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("my-lambda-execution-role"), AssumeRolePolicyDocument: aws.String(lambdaTrust)}); err != nil {
		t.Fatal(err)
	}
	homeIAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("my-lambda-execution-role"), PolicyName: aws.String("assume-target"), PolicyDocument: aws.String(assumePolicy)})
	sess, err := srv.Emulator.STS().AssumeRoleForService(ctx, execRoleARN, "lambda.amazonaws.com", "my-function", 3600)
	if err != nil {
		t.Fatal(err)
	}
	_, err = assumeTarget(ctx, srv.ConfigWith(emulatortest.SessionCredentials(sess.AccessKeyID, sess.SecretAccessKey, sess.SessionToken, sess.Expires)), "")
	if apiCode(err) != "AccessDenied" {
		t.Errorf("recreated role: got %v, want AccessDenied", err)
	}
}

// TestSimulatePolicies drives SimulateCustomPolicy and
// SimulatePrincipalPolicy with context entries, a resource policy and the
// resource owner.
func TestSimulatePolicies(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := iam.NewFromConfig(srv.Config(home))
	out, err := c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Sid":"Get","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}},{"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}`},
		ActionNames:     []string{"s3:GetObject", "s3:DeleteObject", "s3:PutObject"},
		ResourceArns:    []string{"arn:aws:s3:::b/k"},
		ContextEntries:  []iamtypes.ContextEntry{{ContextKeyName: aws.String("aws:SourceVpc"), ContextKeyValues: []string{"vpc-1"}, ContextKeyType: iamtypes.ContextKeyTypeEnumString}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]iamtypes.PolicyEvaluationDecisionType{"s3:GetObject": "allowed", "s3:DeleteObject": "explicitDeny", "s3:PutObject": "implicitDeny"}
	for _, r := range out.EvaluationResults {
		if r.EvalDecision != want[*r.EvalActionName] {
			t.Errorf("%s: got %s, want %s", *r.EvalActionName, r.EvalDecision, want[*r.EvalActionName])
		}
		if *r.EvalActionName == "s3:GetObject" && (len(r.MatchedStatements) != 1 || r.MatchedStatements[0].StartPosition == nil) {
			t.Errorf("GetObject matched statements: %+v", r.MatchedStatements)
		}
	}

	// The seeds' execution role, asked whether it may assume the target
	// role, given the target's trust policy as the resource policy.
	setup(t, srv, seedSetup{assumePolicy, seedTrust})
	sim, err := c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(execRoleARN),
		ActionNames:     []string{"sts:AssumeRole"},
		ResourceArns:    []string{targetRoleARN},
		ResourcePolicy:  aws.String(strings.Replace(seedTrust, `"Action":"sts:AssumeRole"`, `"Action":"sts:AssumeRole","Resource":"*"`, 1)),
		ResourceOwner:   aws.String("arn:aws:iam::222222222222:root"),
		CallerArn:       aws.String(execRoleARN),
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := sim.EvaluationResults[0].EvalDecision; d != "allowed" {
		t.Errorf("seed assume: got %s, want allowed", d)
	}
}
