package emulator_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/xacct/xacct/emulatortest"
	"github.com/xacct/xacct/internal/stackdeploy"
)

// TestUnpackagedCodeSaysPackageFirst: a template deployed without
// `aws cloudformation package` (a local CodeUri or Code) fails with AWS's
// error plus what to do: package it first, with xacct deploy or aws
// cloudformation package (issue 14).
func TestUnpackagedCodeSaysPackageFirst(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := cloudformation.NewFromConfig(srv.Config(home))
	sam := `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: src/}
`
	_, err := c.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("sam"), ChangeSetName: aws.String("cs"),
		ChangeSetType: cfntypes.ChangeSetTypeCreate, TemplateBody: aws.String(sam), Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}})
	for _, want := range []string{"ValidationError", "'CodeUri' is not a valid S3 Uri", `Fn's CodeUri "src/"`, "package it first", "xacct deploy TEMPLATE", "aws cloudformation package --template-file"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("SAM CodeUri: want %q in %v", want, err)
		}
	}
	// An S3 CodeUri is not local: the transform's own error stays as it is.
	noHandler := strings.Replace(strings.Replace(sam, "Handler: app.handler, ", "", 1), "src/", "s3://b/k", 1)
	_, err = c.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("sam"), ChangeSetName: aws.String("cs"),
		ChangeSetType: cfntypes.ChangeSetTypeCreate, TemplateBody: aws.String(noHandler), Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}})
	if err == nil || !strings.Contains(err.Error(), "Runtime and Handler needs to be present") || strings.Contains(err.Error(), "package it first") {
		t.Fatalf("S3 CodeUri with another error: %v", err)
	}

	raw := `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: !Sub arn:aws:iam::${AWS::AccountId}:role/r
      Code: ./src
`
	if _, err := c.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("raw"), TemplateBody: aws.String(raw)}); err != nil {
		t.Fatal(err)
	}
	_, err = stackdeploy.Wait(ctx, srv.Config(home), "raw", nil, nil)
	var f *stackdeploy.Failure
	if !errors.As(err, &f) {
		t.Fatalf("raw Code: %v", err)
	}
	for _, want := range []string{`Code "./src"`, "package it first", "xacct deploy TEMPLATE"} {
		if !strings.Contains(f.Error(), want) {
			t.Fatalf("raw Code: want %q in %v", want, f)
		}
	}
}
