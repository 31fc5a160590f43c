package emulator_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/xacct/xacct/emulatortest"
)

// zipFiles builds a zip holding the named files.
func zipFiles(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(0o755)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// signedLambda sends a request signed by acct's root user to the Lambda API.
func signedLambda(t *testing.T, srv *emulatortest.Server, acct, method, path, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: acct, SecretAccessKey: "test"}, req,
		hex.EncodeToString(sum[:]), "lambda", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// createStubFunction creates a provided.al2023 function that is never run.
func createStubFunction(t *testing.T, srv *emulatortest.Server, acct, name string) {
	t.Helper()
	ic := iam.NewFromConfig(srv.Config(acct))
	role := "arn:aws:iam::" + acct + ":role/" + name + "-exec"
	if _, err := ic.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String(name + "-exec")}); err != nil {
		role = execRole(t, ic, name+"-exec", lambdaTrust)
	}
	_, err := lambda.NewFromConfig(srv.Config(acct)).CreateFunction(context.Background(), &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Runtime: lambdatypes.RuntimeProvidedal2023, Role: aws.String(role), Handler: aws.String("bootstrap"),
		Code: &lambdatypes.FunctionCode{ZipFile: zipFiles(t, map[string]string{"bootstrap": "#!/bin/sh\n"})}})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLambdaUnknownRoutes: a path or method the API does not have is
// Lambda's 404 UnknownOperationException, in Lambda's error format.
func TestLambdaUnknownRoutes(t *testing.T) {
	srv := emulatortest.New(t)
	for _, tc := range []struct{ method, path string }{
		{"GET", "/2015-03-31/nothing"},
		{"PATCH", "/2015-03-31/functions/f"},
		{"POST", "/2015-03-31/functions/f/configuration"},
		{"GET", "/2015-03-31/functions/f/invocations/extra"},
	} {
		resp := signedLambda(t, srv, home, tc.method, tc.path, "")
		if resp.StatusCode != 404 || resp.Header.Get("X-Amzn-ErrorType") != "UnknownOperationException" {
			t.Errorf("%s %s: got %d %s, want 404 UnknownOperationException", tc.method, tc.path, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
		}
	}
	// ListFunctions answers with and without the model's trailing slash.
	for _, p := range []string{"/2015-03-31/functions", "/2015-03-31/functions/"} {
		if resp := signedLambda(t, srv, home, "GET", p, ""); resp.StatusCode != 200 {
			t.Errorf("GET %s: got %d", p, resp.StatusCode)
		}
	}
}

// TestLambdaOperationsAuthorize: each operation's Check decides before it
// runs, with the function policy deciding other accounts.
func TestLambdaOperationsAuthorize(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	createStubFunction(t, srv, home, "guarded")
	admin := iam.NewFromConfig(srv.Config(home))
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("reader")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("reader"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"lambda:GetFunction","Resource":"*"}}`)}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("reader")})
	if err != nil {
		t.Fatal(err)
	}
	reader := lambda.NewFromConfig(srv.ConfigWith(aws.Credentials{AccessKeyID: *key.AccessKey.AccessKeyId, SecretAccessKey: *key.AccessKey.SecretAccessKey}))

	if _, err := reader.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("guarded")}); err != nil {
		t.Errorf("GetFunction allowed by the user's policy: %v", err)
	}
	if _, err := reader.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("absent")}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("GetFunction of a missing function: got %v, want ResourceNotFoundException", err)
	}
	// GetFunctionConfiguration is its own IAM action.
	_, err = reader.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("guarded")})
	want := "User: arn:aws:iam::111111111111:user/reader is not authorized to perform: lambda:GetFunctionConfiguration on resource: arn:aws:lambda:us-east-1:111111111111:function:guarded because no identity-based policy allows the lambda:GetFunctionConfiguration action"
	if apiCode(err) != "AccessDeniedException" || apiMessage(err) != want {
		t.Errorf("GetFunctionConfiguration: got %v, want AccessDeniedException %q", err, want)
	}
	// Authorization comes before the lookup, as in AWS.
	if _, err := reader.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("absent")}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("DeleteFunction of a missing function without permission: got %v, want AccessDeniedException", err)
	}
	if _, err := reader.ListFunctions(ctx, &lambda.ListFunctionsInput{}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("ListFunctions: got %v, want AccessDeniedException", err)
	}

	// Another account: refused until the function policy names it.
	other := lambda.NewFromConfig(srv.Config(target))
	arn := "arn:aws:lambda:us-east-1:111111111111:function:guarded"
	if _, err := other.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(arn)}); apiCode(err) != "AccessDeniedException" {
		t.Fatalf("cross-account GetFunction without a function policy: got %v", err)
	}
	owner := lambda.NewFromConfig(srv.Config(home))
	if _, err := owner.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("guarded"), StatementId: aws.String("other"),
		Action: aws.String("lambda:GetFunction"), Principal: aws.String(target)}); err != nil {
		t.Fatal(err)
	}
	if out, err := other.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(arn)}); err != nil || *out.Configuration.FunctionArn != arn {
		t.Errorf("cross-account GetFunction allowed by the function policy: %v", err)
	}
	if _, err := other.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(arn)}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("cross-account DeleteFunction: got %v, want AccessDeniedException", err)
	}
}
