package emulator_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
)

// TestDeletedPrincipalInResourcePolicies: a bucket, topic or function
// policy naming a role or user keeps that entity's unique id. Once it is
// deleted the policy reads back with the id (AROA..., AIDA...) in place of
// the ARN, as trust policies do, and a new role of the same name is not
// the principal the policy names.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles
// ("If you delete the role ... the role ARN in the policy is replaced by the
// unique principal ID"; the same holds for IAM users)
func TestDeletedPrincipalInResourcePolicies(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	ic := iam.NewFromConfig(srv.Config(home))
	role, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: aws.String(trustHome)})
	if err != nil {
		t.Fatal(err)
	}
	user, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("publisher")})
	if err != nil {
		t.Fatal(err)
	}
	roleARN, roleID, userARN, userID := *role.Role.Arn, *role.Role.RoleId, *user.User.Arn, *user.User.UserId

	// S3: the bucket policy alone lets the same-account role read.
	hs := s3.NewFromConfig(srv.Config(home))
	if _, err := hs.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("named-bucket")}); err != nil {
		t.Fatal(err)
	}
	putString(t, hs, "named-bucket", "k", "v")
	bucketPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["` + roleARN + `","` + userARN + `"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::named-bucket/*"}]}`
	if _, err := hs.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("named-bucket"), Policy: aws.String(bucketPolicy)}); err != nil {
		t.Fatal(err)
	}
	asReader := func() *s3.Client {
		out, err := sts.NewFromConfig(srv.AdminConfig(t, home)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("reader")})
		if err != nil {
			t.Fatal(err)
		}
		return s3.NewFromConfig(sessionConfig(srv, out.Credentials))
	}
	if got := getString(t, asReader(), "named-bucket", "k"); got != "v" {
		t.Fatalf("role named in the bucket policy: got %q", got)
	}

	// SNS topic policy and Lambda function policy naming the same role
	// and user.
	nc := sns.NewFromConfig(srv.Config(home))
	topic, err := nc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("named-topic")})
	if err != nil {
		t.Fatal(err)
	}
	topicPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["` + roleARN + `","` + userARN + `"]},"Action":"SNS:Publish","Resource":"` + *topic.TopicArn + `"}]}`
	if _, err := nc.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: topic.TopicArn, AttributeName: aws.String("Policy"), AttributeValue: aws.String(topicPolicy)}); err != nil {
		t.Fatal(err)
	}
	lc := lambda.NewFromConfig(srv.Config(home))
	exec := execRole(t, ic, "fn-exec", lambdaTrust)
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("named-fn"), Runtime: lambdatypes.RuntimePython312, Role: aws.String(exec),
		Handler: aws.String("app.lambda_handler"), Code: &lambdatypes.FunctionCode{ZipFile: zipOf(t, filepath.Join("lambda", "testdata", "pyecho"))}}); err != nil {
		t.Fatal(err)
	}
	for sid, p := range map[string]string{"role": roleARN, "user": userARN} {
		if _, err := lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("named-fn"), StatementId: aws.String(sid), Action: aws.String("lambda:InvokeFunction"), Principal: aws.String(p)}); err != nil {
			t.Fatal(err)
		}
	}

	// Delete both, recreate the role.
	if _, err := ic.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("reader")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("publisher")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: aws.String(trustHome)}); err != nil {
		t.Fatal(err)
	}

	check := func(where, doc string) {
		t.Helper()
		if !strings.Contains(doc, `"`+roleID+`"`) || !strings.Contains(doc, `"`+userID+`"`) || strings.Contains(doc, roleARN) || strings.Contains(doc, userARN) {
			t.Errorf("%s after deletion: %s, want the unique ids %s and %s in place of the ARNs", where, doc, roleID, userID)
		}
	}
	bp, err := hs.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("named-bucket")})
	if err != nil {
		t.Fatal(err)
	}
	check("bucket policy", *bp.Policy)
	ta, err := nc.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: topic.TopicArn})
	if err != nil {
		t.Fatal(err)
	}
	check("topic policy", ta.Attributes["Policy"])
	fp, err := lc.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("named-fn")})
	if err != nil {
		t.Fatal(err)
	}
	check("function policy", *fp.Policy)

	// The recreated role is another principal: the bucket policy does not
	// let it read.
	if _, err := asReader().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("named-bucket"), Key: aws.String("k")}); apiCode(err) != "AccessDenied" {
		t.Errorf("recreated role reading through the old bucket policy: got %v, want AccessDenied", err)
	}
}

// TestDeletedPrincipalSurvivesRestart: the binding of a bucket policy's
// principals to unique ids is kept with --data-dir, so a role deleted after
// a restart still reads back as the id the policy was written with.
func TestDeletedPrincipalSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var roleID string
	t.Run("write", func(t *testing.T) {
		srv := emulatortest.New(t, emulator.WithDataDir(dir))
		out, err := iam.NewFromConfig(srv.Config(home)).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("kept"), AssumeRolePolicyDocument: aws.String(trustHome)})
		if err != nil {
			t.Fatal(err)
		}
		roleID = *out.Role.RoleId
		hs := s3.NewFromConfig(srv.Config(home))
		if _, err := hs.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("kept-bucket")}); err != nil {
			t.Fatal(err)
		}
		if _, err := hs.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("kept-bucket"), Policy: aws.String(
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + *out.Role.Arn + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::kept-bucket/*"}]}`)}); err != nil {
			t.Fatal(err)
		}
	})
	srv := emulatortest.New(t, emulator.WithDataDir(dir))
	if _, err := iam.NewFromConfig(srv.Config(home)).DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("kept")}); err != nil {
		t.Fatal(err)
	}
	bp, err := s3.NewFromConfig(srv.Config(home)).GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("kept-bucket")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(*bp.Policy, `"`+roleID+`"`) {
		t.Errorf("bucket policy after restart and deletion: %s, want the unique id %s", *bp.Policy, roleID)
	}
}
