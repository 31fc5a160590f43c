package emulator_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulator/auth"
	"github.com/xacct/xacct/emulator/cloudformation"
	"github.com/xacct/xacct/emulator/service"
)

// FuzzCreateStack feeds template bodies to ValidateTemplate and CreateStack
// (with resources really created through the in-process clients): any
// body gets a result or an AWS error, never a panic or a hang.
func FuzzCreateStack(f *testing.F) {
	for _, p := range []string{"../deploy/target.yaml", "../deploy/home.yaml"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Add("Resources:\n  B:\n    Type: AWS::S3::Bucket\n")
	f.Add(`{"Resources":{"T":{"Type":"AWS::SNS::Topic","Properties":{"TopicName":{"Fn::Sub":"${AWS::StackName}-t"}}}},"Outputs":{"A":{"Value":{"Ref":"T"},"Export":{"Name":"x"}}}}`)
	f.Add("Parameters:\n  P: {Type: Number, MinValue: 3}\nResources:\n  G:\n    Type: AWS::Logs::LogGroup\n    Properties: {RetentionInDays: !Ref P}\n")
	emu, err := emulator.New(emulator.WithLogger(nil))
	if err != nil {
		f.Fatal(err)
	}
	defer emu.Close()
	cfn := emu.CloudFormation()
	n := 0
	f.Fuzz(func(t *testing.T, body string) {
		n++
		call := &service.Call{RequestID: "fuzz", Service: "cloudformation", Region: "us-east-1", Time: time.Now(),
			Caller: auth.RootCaller("111111111111"), Authz: emu.Authorizer()}
		ctx := service.WithCall(context.Background(), call)
		cfn.ValidateTemplate(ctx, &cloudformation.ValidateTemplateIn{TemplateBody: &body})
		name := "fuzz" + string(rune('a'+n%26))
		cfn.CreateStack(ctx, &cloudformation.CreateStackIn{StackName: name, TemplateBody: &body,
			Capabilities: []string{"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"}})
		cfn.Wait()
		cfn.DeleteStack(ctx, &cloudformation.DeleteStackIn{StackName: name})
		cfn.Wait()
	})
}
