package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
)

// TestWhy: xacct why shows a refused AssumeRole with its diagnosis, by
// request id and among the last refusals; says so when nothing matches;
// refuses nonsense arguments as usage errors.
func TestWhy(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	if _, err := iam.NewFromConfig(srv.Config("222222222222")).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("target"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`)}); err != nil {
		t.Fatal(err)
	}
	_, err := sts.NewFromConfig(srv.AdminConfig(t, "111111111111")).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::222222222222:role/target"), RoleSessionName: aws.String("why-test")})
	if err == nil {
		t.Fatal("AssumeRole allowed")
	}
	run := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := NewMain(&out, &errb).Run(ctx, append([]string{"why", "--endpoint", srv.URL}, args...))
		return out.String() + errb.String(), err
	}
	out, err := run("--last", "1")
	if err != nil || !strings.Contains(out, "sts:AssumeRole on arn:aws:iam::222222222222:role/target refused (implicitDeny)") ||
		!strings.Contains(out, "why:     step 2 (trust policy): the trust policy of arn:aws:iam::222222222222:role/target does not allow sts:AssumeRole for arn:aws:iam::111111111111:user/") {
		t.Fatalf("why --last 1: %v\n%s", err, out)
	}
	id := strings.Fields(out[strings.Index(out, "request: "):])[3]
	if out2, err := run(id); err != nil || !strings.Contains(out2, "step 2 (trust policy)") {
		t.Errorf("why %s: %v\n%s", id, err, out2)
	}
	if out, err := run("--function", "nope"); err != nil || !strings.Contains(out, "no refused request made by function nope in the emulator's decision trail") {
		t.Errorf("why --function nope: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"--last", "0"}, {"a", "b"}} {
		var ue *usageError
		if _, err := run(args...); !errors.As(err, &ue) {
			t.Errorf("why %v: got %v, want a usage error", args, err)
		}
	}
	if _, err := run("--function", "a b"); err == nil || !strings.Contains(err.Error(), "not a Lambda function name") {
		t.Errorf("why --function 'a b': got %v, want the emulator's reason", err)
	}

	off := emulatortest.New(t, emulator.WithDecisions(0))
	var out3, errb bytes.Buffer
	if err := NewMain(&out3, &errb).Run(ctx, []string{"why", "--endpoint", off.URL}); err == nil || !strings.Contains(err.Error(), "--decisions 0") {
		t.Errorf("why against an emulator with the trail off: %v", err)
	}
}
