package cfntemplate_test

import (
	"context"
	"fmt"

	"github.com/xacct/xacct/cfntemplate"
)

// created stands in for the stack engine's record of created resources.
type created map[string]string

func (c created) Ref(_ context.Context, id string) (string, error) { return c[id], nil }
func (c created) GetAtt(_ context.Context, id, attr string) (any, error) {
	return "arn:aws:iam::111111111111:role/" + c[id], nil
}
func (c created) ImportValue(context.Context, string) (string, error) { return "", nil }

func Example() {
	body := []byte(`
Transform: AWS::Serverless-2016-10-31
Resources:
  SwitchAccountFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://artifacts/switch.zip
      Handler: bootstrap
      Runtime: provided.al2023
      Policies:
        - Statement:
            - Effect: Allow
              Action: sts:AssumeRole
              Resource: arn:aws:iam::*:role/external-role
`)
	t, err := cfntemplate.Parse(body)
	if err != nil {
		panic(err)
	}
	processed, err := t.Transform(cfntemplate.TransformOptions{Region: "us-east-1"})
	if err != nil {
		panic(err)
	}
	if err := processed.Validate(); err != nil {
		panic(err)
	}
	b, err := processed.Bind(nil, cfntemplate.Pseudo{AccountID: "111111111111", Region: "us-east-1", StackName: "home"})
	if err != nil {
		panic(err)
	}
	order, _ := b.Order()
	fmt.Println(order)
	r := created{"SwitchAccountFunctionRole": "home-SwitchAccountFunctionRole-1"}
	props, err := b.ResolveProperties(context.Background(), "SwitchAccountFunction", r)
	if err != nil {
		panic(err)
	}
	fmt.Println(props["Role"])
	// Output:
	// [SwitchAccountFunctionRole SwitchAccountFunction]
	// arn:aws:iam::111111111111:role/home-SwitchAccountFunctionRole-1
}
