package emulator_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/xacct/xacct/emulatortest"
)

// TestIAMRoleAndUserOperationsReadTheirOwnMember sends the inline-policy
// operations members their API model does not have (the SDKs cannot):
// PutRolePolicy reads only RoleName and PutUserPolicy only UserName, so
// PutRolePolicy naming only a user is refused for its missing RoleName
// (it used to put the policy on the user, authorized as PutUserPolicy).
func TestIAMRoleAndUserOperationsReadTheirOwnMember(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	admin := srv.AdminConfig(t, "111111111111")
	c := iam.NewFromConfig(admin)
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}}`)}); err != nil {
		t.Fatal(err)
	}
	creds, err := admin.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	post := func(form url.Values) (int, string) {
		form.Set("Version", "2010-05-08")
		form.Set("PolicyName", "p")
		form.Set("PolicyDocument", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`)
		body := form.Encode()
		req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	policies := func() (role, user int) {
		rp, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("r")})
		if err != nil {
			t.Fatal(err)
		}
		up, err := c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("u")})
		if err != nil {
			t.Fatal(err)
		}
		return len(rp.PolicyNames), len(up.PolicyNames)
	}

	code, body := post(url.Values{"Action": {"PutRolePolicy"}, "UserName": {"u"}})
	if code != 400 || !strings.Contains(body, "<Code>ValidationError</Code>") || !strings.Contains(body, "Value null at &#39;roleName&#39;") {
		t.Fatalf("PutRolePolicy with only UserName: %d %s", code, body)
	}
	if r, u := policies(); r != 0 || u != 0 {
		t.Fatalf("after the refused PutRolePolicy: role has %d inline policies, user %d; want none", r, u)
	}
	if code, body := post(url.Values{"Action": {"PutUserPolicy"}, "UserName": {"u"}, "RoleName": {"r"}}); code != 200 {
		t.Fatalf("PutUserPolicy with both members: %d %s", code, body)
	}
	if r, u := policies(); r != 0 || u != 1 {
		t.Fatalf("after PutUserPolicy naming a role too: role has %d inline policies, user %d; want 0 and 1", r, u)
	}
	if code, body := post(url.Values{"Action": {"PutRolePolicy"}, "RoleName": {"r"}, "UserName": {"u"}}); code != 200 {
		t.Fatalf("PutRolePolicy with both members: %d %s", code, body)
	}
	if r, u := policies(); r != 1 || u != 1 {
		t.Fatalf("after PutRolePolicy naming a user too: role has %d inline policies, user %d; want 1 and 1", r, u)
	}
}
