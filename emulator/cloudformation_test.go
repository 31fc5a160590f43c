package emulator_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/xacct/xacct/emulatortest"
	"github.com/xacct/xacct/internal/stackdeploy"
)

// deployParams are the parameters both project templates need.
var deployParams = map[string]string{
	"SourceBucketName": "xacct-src", "TargetBucketName": "xacct-dst", "NotificationEmail": "ops@example.com",
	"HomeAccountId": home, "TargetAccountId": target,
}

func templateParams(keys ...string) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		out[k] = deployParams[k]
	}
	return out
}

// deployProject deploys deploy/target.yaml into the target account and
// deploy/home.yaml (SAM, with the functions built from cmd/) into the home
// account, as `xacct up` does.
func deployProject(t testing.TB, srv *emulatortest.Server) (targetOut, homeOut *stackdeploy.Result) {
	t.Helper()
	ctx := context.Background()
	targetBody, err := stackdeploy.Package(ctx, srv.Config(target), "../deploy/target.yaml", "xacct-artifacts-"+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	targetOut, err = stackdeploy.Deploy(ctx, srv.Config(target), "xacct-target", targetBody, templateParams("HomeAccountId", "SourceBucketName", "TargetBucketName"), nil)
	if err != nil {
		t.Fatalf("target stack: %v", err)
	}
	homeBody, err := stackdeploy.Package(ctx, srv.Config(home), "../deploy/home.yaml", "xacct-artifacts-"+home, nil)
	if err != nil {
		t.Fatal(err)
	}
	homeOut, err = stackdeploy.Deploy(ctx, srv.Config(home), "xacct-home", homeBody, templateParams("TargetAccountId", "SourceBucketName", "TargetBucketName", "NotificationEmail"), nil)
	if err != nil {
		t.Fatalf("home stack: %v", err)
	}
	return targetOut, homeOut
}

// TestDeployProjectTemplates deploys both templates through change sets,
// runs the deployed copy function, updates a stack, and deletes both.
func TestDeployProjectTemplates(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	tout, hout := deployProject(t, srv)
	if got := tout.Outputs["CrossAccountRoleArn"]; got != "arn:aws:iam::"+target+":role/xacct-cross-account" {
		t.Fatalf("target outputs: %v", tout.Outputs)
	}
	if hout.Outputs["CopyFunctionName"] != "xacct-s3-copy" || !strings.HasPrefix(hout.Outputs["AlertTopicArn"], "arn:aws:sns:us-east-1:"+home+":") {
		t.Fatalf("home outputs: %v", hout.Outputs)
	}

	// The deployed system works: objects in the source bucket reach the
	// target bucket through the deployed function.
	hs := s3.NewFromConfig(srv.Config(home))
	for _, k := range []string{"a.txt", "dir/b.txt"} {
		if _, err := hs.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("xacct-src"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	lc := lambda.NewFromConfig(srv.Config(home))
	out, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("xacct-s3-copy"), Payload: []byte(`{}`)})
	if err != nil || out.FunctionError != nil {
		t.Fatalf("invoke: %v %s", err, out.Payload)
	}
	if !strings.Contains(string(out.Payload), `"copied":2`) {
		t.Fatalf("copy result: %s", out.Payload)
	}
	ts := s3.NewFromConfig(srv.Config(target))
	if _, err := ts.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("xacct-dst"), Key: aws.String("dir/b.txt")}); err != nil {
		t.Fatalf("copied object: %v", err)
	}
	alarms, err := cloudwatch.NewFromConfig(srv.Config(home)).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"xacct-s3-copy-errors"}})
	if err != nil || len(alarms.MetricAlarms) != 1 {
		t.Fatalf("alarm: %v %+v", err, alarms)
	}

	// Redeploying the same template changes nothing.
	homeBody, err := stackdeploy.Package(ctx, srv.Config(home), "../deploy/home.yaml", "xacct-artifacts-"+home, nil)
	if err != nil {
		t.Fatal(err)
	}
	hp := templateParams("TargetAccountId", "SourceBucketName", "TargetBucketName", "NotificationEmail")
	r, err := stackdeploy.Deploy(ctx, srv.Config(home), "xacct-home", homeBody, hp, nil)
	if err != nil || !r.NoChanges {
		t.Fatalf("redeploy: %v %+v", err, r)
	}
	// A parameter change updates resources in place.
	hp["LogRetentionDays"] = "30"
	if r, err = stackdeploy.Deploy(ctx, srv.Config(home), "xacct-home", homeBody, hp, nil); err != nil || r.Status != "UPDATE_COMPLETE" {
		t.Fatalf("update: %v %+v", err, r)
	}

	// Deleting the home stack fails on the non-empty source bucket, as in
	// AWS; once emptied it succeeds.
	err = stackdeploy.Delete(ctx, srv.Config(home), "xacct-home", nil)
	var f *stackdeploy.Failure
	if !errors.As(err, &f) || f.Status != "DELETE_FAILED" || !strings.Contains(f.Error(), "SourceBucket") {
		t.Fatalf("delete with objects: %v", err)
	}
	for _, k := range []string{"a.txt", "dir/b.txt"} {
		emulatortest.Must(hs.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("xacct-src"), Key: aws.String(k)}))(t)
	}
	if err := stackdeploy.Delete(ctx, srv.Config(home), "xacct-home", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := iam.NewFromConfig(srv.Config(home)).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("xacct-s3-copy-execution")}); err == nil {
		t.Fatal("execution role survived the stack's deletion")
	}
}

// TestStackRollback: a resource that fails rolls the stack back, deleting
// what was created, with AWS's events and statuses.
func TestStackRollback(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := cloudformation.NewFromConfig(srv.Config(home))
	// The bucket policy names a principal that does not exist: S3 refuses
	// it, after the role and the bucket were created.
	body := `
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Bucket:
    Type: AWS::S3::Bucket
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:role/no-such-role'}
            Action: s3:GetObject
            Resource: !Sub '${Bucket.Arn}/*'
`
	_, err := c.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("broken"), TemplateBody: aws.String(body)})
	if err == nil || !strings.Contains(err.Error(), "InsufficientCapabilitiesException") || !strings.Contains(err.Error(), "Requires capabilities : [CAPABILITY_IAM]") {
		t.Fatalf("without capabilities: %v", err)
	}
	if _, err := c.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("broken"), TemplateBody: aws.String(body),
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}}); err != nil {
		t.Fatal(err)
	}
	r, err := stackdeploy.Wait(ctx, srv.Config(home), "broken", nil, nil)
	var f *stackdeploy.Failure
	if !errors.As(err, &f) || r.Status != "ROLLBACK_COMPLETE" {
		t.Fatalf("rollback: %v %+v", err, r)
	}
	if !strings.Contains(f.Reason, "The following resource(s) failed to create: [Policy]") {
		t.Fatalf("reason: %q", f.Reason)
	}
	res, err := c.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String("broken")})
	if err != nil {
		t.Fatal(err)
	}
	for _, sr := range res.StackResources {
		if sr.ResourceStatus != cfntypes.ResourceStatusDeleteComplete && aws.ToString(sr.LogicalResourceId) != "Policy" {
			t.Errorf("%s is %s after rollback", aws.ToString(sr.LogicalResourceId), sr.ResourceStatus)
		}
	}
	buckets, err := s3.NewFromConfig(srv.Config(home)).ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatalf("ListBuckets after rollback: %v", err)
	}
	if len(buckets.Buckets) != 0 {
		t.Fatalf("rollback left buckets: %+v", buckets.Buckets)
	}
	// A stack in ROLLBACK_COMPLETE cannot be updated, only deleted.
	_, err = c.UpdateStack(ctx, &cloudformation.UpdateStackInput{StackName: aws.String("broken"), UsePreviousTemplate: aws.Bool(true),
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}})
	if err == nil || !strings.Contains(err.Error(), "is in ROLLBACK_COMPLETE state and can not be updated") {
		t.Fatalf("update after rollback: %v", err)
	}
	// Template errors are refused synchronously with CloudFormation's text.
	_, err = c.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("bad"), TemplateBody: aws.String("Resources:\n  X:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref Missing\n")})
	if err == nil || !strings.Contains(err.Error(), "Unresolved resource dependencies [Missing] in the Resources block of the template") {
		t.Fatalf("bad template: %v", err)
	}
	if _, err := c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("nope")}); err == nil || !strings.Contains(err.Error(), "Stack with id nope does not exist") {
		t.Fatalf("missing stack: %v", err)
	}
}

// TestStackUpdatesAndExports: an export imported by another stack can be
// neither changed nor deleted; a replacement (new RoleName) creates the new
// role and deletes the old one in cleanup; a failed update rolls back;
// DeletionPolicy Retain keeps a resource.
func TestStackUpdatesAndExports(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	cfg := srv.Config(home)
	ic := iam.NewFromConfig(cfg)
	tmpl := func(logGroup, retain string) []byte {
		return []byte(`
Parameters:
  Name: {Type: String, Default: first-role}
  Days: {Type: Number, Default: 7}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Ref Name
      AssumeRolePolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]}
  Logs:
    Type: AWS::Logs::LogGroup
    DeletionPolicy: ` + retain + `
    Properties:
      LogGroupName: ` + logGroup + `
      RetentionInDays: !Ref Days
Outputs:
  RoleArn:
    Value: !GetAtt Role.Arn
    Export: {Name: !Sub '${AWS::StackName}-role-arn'}
`)
	}
	if _, err := stackdeploy.Deploy(ctx, cfg, "producer", tmpl("/xacct/kept", "Retain"), nil, nil); err != nil {
		t.Fatal(err)
	}
	consumer := `
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: !ImportValue producer-role-arn
`
	if _, err := stackdeploy.Deploy(ctx, cfg, "consumer", []byte(consumer), nil, nil); err != nil {
		t.Fatal(err)
	}
	exp, err := cloudformation.NewFromConfig(cfg).ListExports(ctx, &cloudformation.ListExportsInput{})
	if err != nil || len(exp.Exports) != 1 || aws.ToString(exp.Exports[0].Value) != "arn:aws:iam::"+home+":role/first-role" {
		t.Fatalf("exports: %v %+v", err, exp)
	}
	// The export is in use: renaming the role would change it.
	_, err = stackdeploy.Deploy(ctx, cfg, "producer", tmpl("/xacct/kept", "Retain"), map[string]string{"Name": "other-role"}, nil)
	var f *stackdeploy.Failure
	if !errors.As(err, &f) || f.Status != "UPDATE_ROLLBACK_COMPLETE" || !strings.Contains(f.Reason, "Cannot update export producer-role-arn as it is in use by consumer") {
		t.Fatalf("update of an imported export: %v", err)
	}
	if _, err := ic.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("first-role")}); err != nil {
		t.Fatalf("rollback lost the original role: %v", err)
	}
	if _, err := ic.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("other-role")}); err == nil {
		t.Fatal("rollback left the new role")
	}
	if err := stackdeploy.Delete(ctx, cfg, "producer", nil); !errors.As(err, &f) || !strings.Contains(f.Reason, "Export producer-role-arn cannot be deleted as it is in use by consumer") {
		t.Fatalf("delete of an imported export: %v", err)
	}
	if err := stackdeploy.Delete(ctx, cfg, "consumer", nil); err != nil {
		t.Fatal(err)
	}
	// Deleting the producer keeps the retained log group.
	if err := stackdeploy.Delete(ctx, cfg, "producer", nil); err != nil {
		t.Fatal(err)
	}
	groups, err := cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/xacct/kept")})
	if err != nil || len(groups.LogGroups) != 1 || aws.ToInt32(groups.LogGroups[0].RetentionInDays) != 7 {
		t.Fatalf("retained group: %v %+v", err, groups)
	}

	// Replacement: the role is renamed; the old one goes in cleanup.
	if _, err := stackdeploy.Deploy(ctx, cfg, "second", tmpl("/xacct/second", "Delete"), nil, nil); err != nil {
		t.Fatal(err)
	}
	r, err := stackdeploy.Deploy(ctx, cfg, "second", tmpl("/xacct/second", "Delete"), map[string]string{"Name": "second-role"}, nil)
	if err != nil || r.Outputs["RoleArn"] != "arn:aws:iam::"+home+":role/second-role" {
		t.Fatalf("replace: %v %+v", err, r)
	}
	if _, err := ic.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("first-role")}); err == nil {
		t.Error("the replaced role was not deleted in cleanup")
	}
	// A failing update (a retention CloudWatch Logs refuses) rolls back.
	_, err = stackdeploy.Deploy(ctx, cfg, "second", tmpl("/xacct/second", "Delete"), map[string]string{"Name": "second-role", "Days": "8"}, nil)
	if !errors.As(err, &f) || f.Status != "UPDATE_ROLLBACK_COMPLETE" || !strings.Contains(f.Error(), "Logs UPDATE_FAILED") {
		t.Fatalf("failed update: %v", err)
	}
	groups, _ = cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/xacct/second")})
	if len(groups.LogGroups) != 1 || aws.ToInt32(groups.LogGroups[0].RetentionInDays) != 7 {
		t.Fatalf("after rollback: %+v", groups)
	}
}

// TestTerminationProtectionAndEventTimes covers what `sam deploy` and
// `sam delete` rely on: each event is newer than the one before it (sam
// follows a deployment by skipping events not newer than the last it saw,
// so events written to the second never ended its wait), DescribeStacks
// always carries EnableTerminationProtection, and a protected stack cannot
// be deleted.
func TestTerminationProtectionAndEventTimes(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := cloudformation.NewFromConfig(srv.Config(home))
	body := `
Resources:
  A: {Type: AWS::SNS::Topic}
  B: {Type: AWS::SNS::Topic}
  C: {Type: AWS::Logs::LogGroup}
`
	if _, err := c.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("guarded"), TemplateBody: aws.String(body),
		EnableTerminationProtection: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := stackdeploy.Wait(ctx, srv.Config(home), "guarded", nil, nil); err != nil {
		t.Fatal(err)
	}
	ev, err := c.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String("guarded")})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.StackEvents) != 8 {
		t.Fatalf("got %d events, want 8", len(ev.StackEvents))
	}
	for i := 1; i < len(ev.StackEvents); i++ { // newest first
		if newer, older := ev.StackEvents[i-1].Timestamp, ev.StackEvents[i].Timestamp; !newer.After(*older) {
			t.Errorf("event %d at %v is not after event %d at %v", i-1, newer, i, older)
		}
	}

	_, err = c.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("guarded")})
	if err == nil || !strings.Contains(err.Error(), "ValidationError") || !strings.Contains(err.Error(), "Stack [guarded] cannot be deleted while TerminationProtection is enabled") {
		t.Fatalf("delete of a protected stack: %v", err)
	}
	desc, err := c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("guarded")})
	if err != nil || len(desc.Stacks) != 1 || !aws.ToBool(desc.Stacks[0].EnableTerminationProtection) || desc.Stacks[0].StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("after the refused delete: %v %+v", err, desc)
	}
	if _, err := c.UpdateTerminationProtection(ctx, &cloudformation.UpdateTerminationProtectionInput{StackName: aws.String("guarded"),
		EnableTerminationProtection: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	desc, err = c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("guarded")})
	if err != nil || desc.Stacks[0].EnableTerminationProtection == nil || *desc.Stacks[0].EnableTerminationProtection {
		t.Fatalf("EnableTerminationProtection after turning it off: %v %+v", err, desc.Stacks)
	}
	if _, err := c.UpdateTerminationProtection(ctx, &cloudformation.UpdateTerminationProtectionInput{StackName: aws.String("nope"),
		EnableTerminationProtection: aws.Bool(true)}); err == nil || !strings.Contains(err.Error(), "Stack with id nope does not exist") {
		t.Errorf("unknown stack: %v", err)
	}
	if _, err := c.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("guarded")}); err != nil {
		t.Fatal(err)
	}
	if _, err := stackdeploy.Wait(ctx, srv.Config(home), "guarded", nil, nil); err != nil && !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("delete: %v", err)
	}
}
