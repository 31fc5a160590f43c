package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestDemo runs `xacct demo` in-process: it must deploy both templates,
// run the copy in Lambda, show each broken step with its diagnosis, and the
// alarm's email.
func TestDemo(t *testing.T) {
	var out, errb bytes.Buffer
	if err := NewMain(&out, &errb).Run(context.Background(), []string{"demo"}); err != nil {
		t.Fatalf("demo: %v\n%s%s", err, out.String(), errb.String())
	}
	for _, want := range []string{
		"stack xacct-target (account 222222222222): CREATE_COMPLETE",
		"stack xacct-home   (account 111111111111): CREATE_COMPLETE",
		`result: {"copied":4,"skipped":0,"failed":0`,
		`"message":"copy finished"`,
		`invoked again: {"copied":0,"skipped":4`,
		"says: step 1 (identity permission)",
		"says: step 2 (trust policy)",
		"says: step 3 (the call)",
		"no statement of the resource-based policy allows this principal",
		"both buckets encrypt with SSE-KMS (EncryptWithKMS=true): source key arn:aws:kms:us-east-1:111111111111:key/",
		"readme.txt is stored encrypted: aws:kms with arn:aws:kms:us-east-1:222222222222:key/",
		"Break step 4: the target key's policy",
		"says: step 4 (the KMS permission): no identity-based policy of arn:aws:iam::222222222222:role/xacct-cross-account allows kms:GenerateDataKey",
		"is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:us-east-1:222222222222:key/",
		"is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/",
		"says: step 4 (the KMS permission)",
		`result: {"copied":1,"skipped":4`,
		"AWS/Lambda Errors      FunctionName=xacct-s3-copy  Sum=6",
		"alarm xacct-s3-copy-errors is ALARM",
		"confirmed from its confirmation email",
		`Subject: ALARM: "xacct-s3-copy-errors" in US East (N. Virginia)`,
		"xacct check deploy/target.yaml deploy/home.yaml: 2 functions, 0 errors, 0 warnings",
		"error xacct-s3-copy: step 2 (trust policy)",
		"error xacct-s3-copy: step 4: xacct-s3-copy calls s3:GetObject (the copy reads the source objects) on bucket xacct-demo-source",
		"the key policy of SourceKey (arn:aws:kms:us-east-1:111111111111:key/xacct-check-SourceKey) does not allow arn:aws:iam::222222222222:role/xacct-cross-account kms:Decrypt",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if err := NewMain(&out, &errb).Run(context.Background(), []string{"nope"}); err == nil || !strings.Contains(errb.String(), "demo") {
		t.Errorf("got %v, usage %q", err, errb.String())
	}
}
