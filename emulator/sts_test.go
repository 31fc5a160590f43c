package emulator_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/xacct/xacct/emulatortest"
)

const (
	home   = "111111111111"
	target = "222222222222"

	execRoleARN   = "arn:aws:iam::111111111111:role/my-lambda-execution-role"
	targetRoleARN = "arn:aws:iam::222222222222:role/role-on-source-account"

	lambdaTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	// The seeds' step 1: the execution role may assume the target role.
	assumePolicy = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/role-on-source-account"}}`
	// The seeds' step 2: the target role trusts the execution role.
	seedTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/my-lambda-execution-role"},"Action":"sts:AssumeRole"}]}`
)

// seedSetup creates the seeds' two roles; identity and trust choose which of
// the three steps are present.
type seedSetup struct {
	identity string // inline policy of the execution role ("" for none)
	trust    string // trust policy of the target role
}

func setup(t *testing.T, srv *emulatortest.Server, s seedSetup) aws.Config {
	t.Helper()
	ctx := context.Background()
	homeIAM := iam.NewFromConfig(srv.Config(home))
	targetIAM := iam.NewFromConfig(srv.Config(target))
	if _, err := homeIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("my-lambda-execution-role"), AssumeRolePolicyDocument: aws.String(lambdaTrust)}); err != nil {
		t.Fatal(err)
	}
	if s.identity != "" {
		if _, err := homeIAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("my-lambda-execution-role"), PolicyName: aws.String("assume-target"), PolicyDocument: aws.String(s.identity)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := targetIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("role-on-source-account"), AssumeRolePolicyDocument: aws.String(s.trust)}); err != nil {
		t.Fatal(err)
	}
	// The function's own credentials, as Lambda issues them.
	sess, err := srv.Emulator.STS().AssumeRoleForService(ctx, execRoleARN, "lambda.amazonaws.com", "my-function", 3600)
	if err != nil {
		t.Fatal(err)
	}
	return srv.ConfigWith(emulatortest.SessionCredentials(sess.AccessKeyID, sess.SecretAccessKey, sess.SessionToken, sess.Expires))
}

func assumeTarget(ctx context.Context, cfg aws.Config, externalID string) (*sts.AssumeRoleOutput, error) {
	in := &sts.AssumeRoleInput{RoleArn: aws.String(targetRoleARN), RoleSessionName: aws.String("cross_acct_lambda")}
	if externalID != "" {
		in.ExternalId = aws.String(externalID)
	}
	return sts.NewFromConfig(cfg).AssumeRole(ctx, in)
}

// TestSeedThreeSteps runs the knowledge-center article's scenario: each of
// the three setup steps missing in turn gives AccessDenied with STS's
// message; with all three the function works in the target account.
// https://repost.aws/knowledge-center/lambda-function-assume-iam-role
func TestSeedThreeSteps(t *testing.T) {
	denied := "User: arn:aws:sts::111111111111:assumed-role/my-lambda-execution-role/my-function is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/role-on-source-account"
	externalTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"s3cr3t-id"}}}]}`
	wrongPrincipal := strings.Replace(seedTrust, "my-lambda-execution-role", "some-other-role", 1)
	for _, tc := range []struct {
		name       string
		setup      seedSetup
		externalID string
		wantErr    string
	}{
		{"all three steps", seedSetup{assumePolicy, seedTrust}, "", ""},
		{"missing identity permission (step 1)", seedSetup{"", seedTrust}, "", denied},
		{"missing trust (step 2)", seedSetup{assumePolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`}, "", denied},
		{"trust names another role", seedSetup{assumePolicy, wrongPrincipal}, "", denied},
		{"external id required, missing", seedSetup{assumePolicy, externalTrust}, "", denied},
		{"external id wrong", seedSetup{assumePolicy, externalTrust}, "guess", denied},
		{"external id right", seedSetup{assumePolicy, externalTrust}, "s3cr3t-id", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := emulatortest.New(t)
			if tc.name == "trust names another role" {
				// IAM refuses a principal that does not exist.
				if _, err := iam.NewFromConfig(srv.Config(home)).CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String("some-other-role"), AssumeRolePolicyDocument: aws.String(lambdaTrust)}); err != nil {
					t.Fatal(err)
				}
			}
			cfg := setup(t, srv, tc.setup)
			ctx := context.Background()
			out, err := assumeTarget(ctx, cfg, tc.externalID)
			if tc.wantErr != "" {
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" || ae.ErrorMessage() != tc.wantErr {
					t.Fatalf("got %v, want AccessDenied %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := *out.AssumedRoleUser.Arn, "arn:aws:sts::222222222222:assumed-role/role-on-source-account/cross_acct_lambda"; got != want {
				t.Errorf("got AssumedRoleUser.Arn %s, want %s", got, want)
			}
			// Step 3: clients built from the returned credentials act in the
			// target account.
			c := out.Credentials
			id, err := sts.NewFromConfig(srv.ConfigWith(emulatortest.SessionCredentials(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken, *c.Expiration))).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatal(err)
			}
			if *id.Account != target || *id.Arn != *out.AssumedRoleUser.Arn || !strings.HasSuffix(*id.UserId, ":cross_acct_lambda") || !strings.HasPrefix(*id.UserId, "AROA") {
				t.Errorf("got identity %s %s %s, want the assumed role in %s", *id.Account, *id.Arn, *id.UserId, target)
			}
		})
	}
}

// TestAssumeRoleProviderCaches checks that the SDK's stscreds provider with
// aws.CredentialsCache makes one AssumeRole for many calls from many
// goroutines.
func TestAssumeRoleProviderCaches(t *testing.T) {
	srv := emulatortest.New(t)
	cfg := setup(t, srv, seedSetup{assumePolicy, seedTrust})
	provider := aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), targetRoleARN))
	targetCfg := srv.ConfigFrom(provider)
	client := sts.NewFromConfig(targetCfg)
	before := srv.Count("sts:AssumeRole")
	var wg sync.WaitGroup
	seen := make(chan string, 32)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Error(err)
				return
			}
			seen <- *id.UserId
		}()
	}
	wg.Wait()
	close(seen)
	ids := map[string]bool{}
	for id := range seen {
		ids[id] = true
	}
	if len(ids) != 1 {
		t.Errorf("got %d distinct identities, want 1: %v", len(ids), ids)
	}
	if got := srv.Count("sts:AssumeRole") - before; got != 1 {
		t.Errorf("got %d AssumeRole calls for 32 concurrent callers, want 1", got)
	}
}
