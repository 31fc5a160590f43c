package crossaccount_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/xacct/xacct/crossaccount"
	"github.com/xacct/xacct/emulatortest"
)

// TestExplainKMSDenial: a KMS refusal across accounts is explained as
// step 4, both pieces named (the key policy, the caller's KMS
// permission), with the emulator's diagnosis of which one is missing.
func TestExplainKMSDenial(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	key, err := kms.NewFromConfig(srv.Config("111111111111")).CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	c := iam.NewFromConfig(srv.Config("222222222222"))
	c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("copier")})
	c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("copier"), PolicyName: aws.String("kms"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`)})
	ak, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("copier")})
	if err != nil {
		t.Fatal(err)
	}
	other := kms.NewFromConfig(srv.ConfigWith(aws.Credentials{AccessKeyID: *ak.AccessKey.AccessKeyId, SecretAccessKey: *ak.AccessKey.SecretAccessKey}))
	_, err = other.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: key.KeyMetadata.Arn, NumberOfBytes: aws.Int32(32)})
	if err == nil {
		t.Fatal("GenerateDataKey across accounts without the key policy: allowed")
	}
	got := crossaccount.Explain(err)
	for _, want := range []string{
		"arn:aws:iam::222222222222:user/copier may not kms:GenerateDataKey with the KMS key " + *key.KeyMetadata.Arn + ". Step 4",
		"the key policy of " + *key.KeyMetadata.Arn + " (account 111111111111) must allow kms:GenerateDataKey",
		"aws/s3",
		"The xacct emulator, which sees both accounts' policies, says: step 4 (the key policy)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Explain lacks %q:\n%s", want, got)
		}
	}
}
