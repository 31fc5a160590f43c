package emulator_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/xacct/xacct/emulatortest"
	"github.com/xacct/xacct/internal/stackdeploy"
)

// TestKMSCloudFormation: AWS::KMS::Key (KeyPolicy, Description, Enabled,
// EnableKeyRotation, PendingWindowInDays, Tags; Ref is the key id,
// Fn::GetAtt gives Arn and KeyId) and AWS::KMS::Alias, created, updated
// and deleted by a stack (AWS CloudFormation User Guide, "AWS::KMS::Key",
// "AWS::KMS::Alias").
func TestKMSCloudFormation(t *testing.T) {
	t.Parallel()
	srv := emulatortest.New(t)
	ctx := context.Background()
	cfg := srv.AdminConfig(t, home)
	tmpl := func(desc, enabled, aliasTarget string) []byte {
		return []byte(`
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      Description: ` + desc + `
      Enabled: ` + enabled + `
      EnableKeyRotation: true
      PendingWindowInDays: 7
      Tags: [{Key: team, Value: data}]
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Enable IAM User Permissions
            Effect: Allow
            Principal: {AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:root'}
            Action: kms:*
            Resource: '*'
          - Sid: AllowTargetAccountDecrypt
            Effect: Allow
            Principal: {AWS: arn:aws:iam::222222222222:root}
            Action: [kms:Decrypt, kms:DescribeKey]
            Resource: '*'
  Other:
    Type: AWS::KMS::Key
  Alias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: alias/stack-key
      TargetKeyId: !Ref ` + aliasTarget + `
Outputs:
  KeyId: {Value: !Ref Key}
  KeyArn: {Value: !GetAtt Key.Arn}
  GetAttKeyId: {Value: !GetAtt Key.KeyId}
  OtherArn: {Value: !GetAtt Other.Arn}
`)
	}
	res, err := stackdeploy.Deploy(ctx, cfg, "keys", tmpl("first", "true", "Key"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	keyID, keyARN := res.Outputs["KeyId"], res.Outputs["KeyArn"]
	if keyARN != "arn:aws:kms:us-east-1:"+home+":key/"+keyID || res.Outputs["GetAttKeyId"] != keyID {
		t.Fatalf("outputs: %v", res.Outputs)
	}
	c := kms.NewFromConfig(cfg)
	d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/stack-key")})
	if err != nil || *d.KeyMetadata.KeyId != keyID || *d.KeyMetadata.Description != "first" || !d.KeyMetadata.Enabled {
		t.Fatalf("DescribeKey alias/stack-key: %+v %v", d, err)
	}
	rot, _ := c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(keyID)})
	if rot == nil || !rot.KeyRotationEnabled {
		t.Errorf("EnableKeyRotation not applied: %+v", rot)
	}
	pol, _ := c.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(keyID)})
	if pol == nil || !strings.Contains(*pol.Policy, "AllowTargetAccountDecrypt") {
		t.Errorf("KeyPolicy not applied: %v", pol)
	}
	otherPol, _ := c.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(res.Outputs["OtherArn"])})
	if otherPol == nil || !strings.Contains(*otherPol.Policy, `"Sid" : "Enable IAM User Permissions"`) {
		t.Errorf("a key without KeyPolicy: got %v, want the default key policy", otherPol)
	}
	tags, _ := c.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: aws.String(keyID)})
	if tags == nil || len(tags.Tags) != 1 || *tags.Tags[0].TagKey != "team" {
		t.Errorf("Tags: %+v", tags)
	}

	// Update in place: description, disabled, the alias moved to Other.
	if _, err := stackdeploy.Deploy(ctx, cfg, "keys", tmpl("second", "false", "Other"), nil, nil); err != nil {
		t.Fatal(err)
	}
	d, _ = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	if *d.KeyMetadata.Description != "second" || d.KeyMetadata.KeyState != kmstypes.KeyStateDisabled {
		t.Errorf("after update: %s %s", *d.KeyMetadata.Description, d.KeyMetadata.KeyState)
	}
	if a, _ := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/stack-key")}); a == nil || *a.KeyMetadata.Arn != res.Outputs["OtherArn"] {
		t.Errorf("alias after update: %+v", a)
	}

	// Deleting the stack deletes the alias and schedules the keys'
	// deletion (PendingWindowInDays 7 for Key).
	cc := cloudformation.NewFromConfig(cfg)
	if _, err := cc.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("keys")}); err != nil {
		t.Fatal(err)
	}
	if err := cloudformation.NewStackDeleteCompleteWaiter(cc, func(o *cloudformation.StackDeleteCompleteWaiterOptions) { o.MinDelay = 50e6; o.MaxDelay = 200e6 }).
		Wait(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("keys")}, 60e9); err != nil {
		t.Fatal(err)
	}
	d, _ = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	if d.KeyMetadata.KeyState != kmstypes.KeyStatePendingDeletion || d.KeyMetadata.DeletionDate.Sub(*d.KeyMetadata.CreationDate).Hours() < 24*7-1 {
		t.Errorf("after stack deletion: %s %v", d.KeyMetadata.KeyState, d.KeyMetadata.DeletionDate)
	}
	if _, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/stack-key")}); apiCode(err) != "NotFoundException" {
		t.Errorf("alias after stack deletion: got %v, want NotFoundException", err)
	}
}
