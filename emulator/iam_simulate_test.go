package emulator_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/xacct/xacct/emulatortest"
)

// TestSimulateContextEntries: the simulators take the value of every key
// the policies use from ContextEntries, keys otherwise derived from the
// principal (aws:username, aws:PrincipalTag/*, aws:PrincipalArn) included,
// and list the keys they use but were not given in MissingContextValues.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html (ContextEntries)
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html (MissingContextValues)
func TestSimulateContextEntries(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := iam.NewFromConfig(srv.Config(home))
	u, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("red")}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("home"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}},
		{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	entry := func(k, v string) iamtypes.ContextEntry {
		return iamtypes.ContextEntry{ContextKeyName: aws.String(k), ContextKeyValues: []string{v}, ContextKeyType: iamtypes.ContextKeyTypeEnumString}
	}
	for _, tc := range []struct {
		name        string
		resource    string
		entries     []iamtypes.ContextEntry
		wantAllowed bool
		wantMissing []string
	}{
		{"nothing given", "arn:aws:s3:::b/alice/x", nil, false, []string{"aws:username", "aws:PrincipalTag/team"}},
		{"entries override the principal's name and tags", "arn:aws:s3:::b/bob/x",
			[]iamtypes.ContextEntry{entry("aws:username", "bob"), entry("aws:PrincipalTag/team", "blue")}, true, []string{}},
		{"the principal's own name is not used", "arn:aws:s3:::b/alice/x",
			[]iamtypes.ContextEntry{entry("aws:username", "bob"), entry("aws:PrincipalTag/team", "blue")}, false, []string{}},
		{"the principal's own tag is not used", "arn:aws:s3:::b/alice/x",
			[]iamtypes.ContextEntry{entry("aws:username", "alice")}, false, []string{"aws:PrincipalTag/team"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: u.User.Arn,
				ActionNames: []string{"s3:GetObject"}, ResourceArns: []string{tc.resource}, ContextEntries: tc.entries})
			if err != nil {
				t.Fatal(err)
			}
			r := out.EvaluationResults[0]
			if got := r.EvalDecision == iamtypes.PolicyEvaluationDecisionTypeAllowed; got != tc.wantAllowed {
				t.Errorf("got %s, want allowed=%v", r.EvalDecision, tc.wantAllowed)
			}
			if diff := cmp.Diff(tc.wantMissing, r.MissingContextValues); diff != "" {
				t.Errorf("MissingContextValues (-want +got):\n%s", diff)
			}
			if len(r.ResourceSpecificResults) != 1 || *r.ResourceSpecificResults[0].EvalResourceName != tc.resource ||
				!cmp.Equal(tc.wantMissing, r.ResourceSpecificResults[0].MissingContextValues) || r.ResourceSpecificResults[0].EvalResourceDecision != r.EvalDecision {
				t.Errorf("ResourceSpecificResults: got %+v", r.ResourceSpecificResults)
			}
		})
	}

	// A statement for another action contributes no missing keys; a
	// custom policy's aws:PrincipalArn comes from ContextEntries.
	custom := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}},
		{"Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/ci-*"}}}]}`
	out, err := c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{custom}, ActionNames: []string{"s3:PutObject"},
		ContextEntries: []iamtypes.ContextEntry{entry("aws:PrincipalArn", "arn:aws:iam::111111111111:role/ci-build")}})
	if err != nil {
		t.Fatal(err)
	}
	if r := out.EvaluationResults[0]; r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed || len(r.MissingContextValues) != 0 {
		t.Errorf("custom policy with aws:PrincipalArn given: got %s, missing %v", r.EvalDecision, r.MissingContextValues)
	}
	out, err = c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{custom}, ActionNames: []string{"s3:PutObject"}})
	if err != nil {
		t.Fatal(err)
	}
	if r := out.EvaluationResults[0]; r.EvalDecision == iamtypes.PolicyEvaluationDecisionTypeAllowed || !cmp.Equal(r.MissingContextValues, []string{"aws:PrincipalArn"}) {
		t.Errorf("custom policy without aws:PrincipalArn: got %s, missing %v", r.EvalDecision, r.MissingContextValues)
	}
}

// TestManagedPolicySizeQuota: a managed policy document may hold 6,144
// characters not counting white space; one more is LimitExceeded (409),
// for CreatePolicy and CreatePolicyVersion alike.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
// ("Managed policy size: 6,144 characters"; "IAM doesn't count white space")
func TestManagedPolicySizeQuota(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := iam.NewFromConfig(srv.Config(home))
	// doc returns a document of exactly n characters other than white
	// space, padded with plenty of white space.
	doc := func(n int) string {
		head := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::`
		tail := `"}]}`
		pad := n - len(head) - len(tail)
		return strings.ReplaceAll(head, ",", ",\n    ") + strings.Repeat("b", pad) + tail + strings.Repeat(" ", 500)
	}
	if got := len(doc(6144)); got <= 6144 {
		t.Fatalf("test document has %d characters; want more than 6,144 with white space", got)
	}
	out, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("at-quota"), PolicyDocument: aws.String(doc(6144))})
	if err != nil {
		t.Fatalf("6,144 characters without white space: %v", err)
	}
	_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("over-quota"), PolicyDocument: aws.String(doc(6145))})
	if apiCode(err) != "LimitExceeded" || apiMessage(err) != "Cannot exceed quota for PolicySize: 6144" || statusOf(err) != http.StatusConflict {
		t.Errorf("6,145 characters: got %v, want 409 LimitExceeded", err)
	}
	_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: out.Policy.Arn, PolicyDocument: aws.String(doc(6145))})
	if apiCode(err) != "LimitExceeded" {
		t.Errorf("CreatePolicyVersion with 6,145 characters: got %v, want LimitExceeded", err)
	}
}
