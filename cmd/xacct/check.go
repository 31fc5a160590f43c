package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/xacct/xacct/internal/check"
)

// kv collects repeated KEY=VALUE flags.
type kv map[string]string

func (m kv) String() string { return "" }
func (m kv) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", s)
	}
	m[k] = v
	return nil
}

func runCheck(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	params, accounts := kv{}, kv{}
	fs.Var(params, "param", "template parameter `KEY=VALUE` (repeatable; applies to every template that declares it)")
	fs.Var(accounts, "account", "the account of a template, `FILE=ACCOUNT_ID` (repeatable; default: templates with Lambda functions are 111111111111, others 222222222222)")
	format := fs.String("format", "text", "output: text or json")
	region := fs.String("region", "us-east-1", "region the templates are evaluated for")
	orgFile := fs.String("organization", "", "decide the cross-account steps with an organization's SCPs and RCPs too: a description `FILE` (docs/cli.md) or \"live\" (read with the default credentials, AWS_ENDPOINT_URL for the emulator, from the management account or a delegated administrator)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: xacct check [flags] TEMPLATE...

Checks CloudFormation/SAM templates with the policy engine, without deploying:
for each Lambda function, can its execution role assume each role it names
(step 1: its own sts:AssumeRole permission; step 2: the target role's trust
policy; step 3: the call, e.g. the sts:ExternalId it sends), and may it (or
the roles it assumes) make the S3 calls its code makes on the buckets it uses
(named by its environment or its roles' policies; decided with the buckets'
policies)? Every policy document is validated as IAM would (templates without
functions too), and misspelt actions are reported. It warns about permissions
broader than needed (Resource "*", sts:AssumeRole on arn:aws:iam::*:role/...,
AmazonS3FullAccess, trust in a whole account without sts:ExternalId or
aws:PrincipalArn) and about trust policies naming a role another template
creates. Event sources, APIs, queues and other non-IAM resources are listed as
ignored; what it could not decide is listed as "not checked". Exits 1 when any
finding is an error.

  xacct check deploy/target.yaml deploy/home.yaml \
    --param SourceBucketName=src --param TargetBucketName=dst --param NotificationEmail=ops@example.com

With --organization, each step found allowed is decided again with the SCPs
of the principal's account and the RCPs of the resource's account, from the
root through the OUs to the account ("denied by SCP DenyAssume attached to
OU Workloads"); the management account is never restricted.

flags:`)
		fs.PrintDefaults()
	}
	// Flags may follow the templates.
	files, err := m.parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("check: no template given: xacct check [flags] TEMPLATE... (xacct help check)")
	}
	if *format != "text" && *format != "json" {
		return usagef("check: --format must be text or json, not %q", *format)
	}
	opts := check.Options{Params: params, Accounts: accounts, Region: *region}
	if *orgFile != "" {
		o, err := loadOrganization(ctx, *orgFile, *region)
		var ie *check.InputError
		if errors.As(err, &ie) {
			return usagef("check: %s", ie.Msg)
		}
		if err != nil {
			return fmt.Errorf("check: %w", err)
		}
		opts.Organization = o
	}
	rep, err := check.Run(files, opts)
	var ie *check.InputError
	if errors.As(err, &ie) {
		return usagef("check: %s", ie.Msg)
	}
	if err != nil {
		return err
	}
	if err := rep.Write(m.Stdout, *format); err != nil {
		return err
	}
	if rep.Blocking() {
		return fmt.Errorf("check: %d blocking findings", rep.Summary.Errors)
	}
	return nil
}
