package emulator_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

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
	var re *awshttp.ResponseError
	if apiCode(err) != "AccessDenied" || apiMessage(err) != "Roles may not be assumed by root accounts." || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusForbidden {
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
