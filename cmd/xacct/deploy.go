package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/xacct/xacct/cfntemplate"
	"github.com/xacct/xacct/internal/stackdeploy"
)

// deployTarget is where `xacct deploy` and `xacct invoke --template` put
// a template: an emulator, an account (its root credentials), a region.
type deployTarget struct {
	endpoint, account, region, bucket string
	// skipUnsupported leaves out resources of types the emulator does
	// not provision (--skip-unsupported); warn receives a line for each
	// (nil: the command's output).
	skipUnsupported bool
	warn            io.Writer
}

func (d *deployTarget) flags(fs *flag.FlagSet) {
	fs.StringVar(&d.endpoint, "endpoint", defaultEndpoint(), "emulator `URL`")
	fs.StringVar(&d.account, "account", "111111111111", "account `ID` to deploy into (its root credentials on the emulator are used)")
	fs.StringVar(&d.region, "region", "us-east-1", "`REGION` to deploy to")
	fs.StringVar(&d.bucket, "bucket", "", "artifacts `BUCKET` for the packaged code (default xacct-artifacts-ACCOUNT, -REGION appended outside us-east-1; created if missing)")
	fs.BoolVar(&d.skipUnsupported, "skip-unsupported", false, "deploy without the resources of types the emulator does not provision (API Gateway, SQS, event source mappings, ...) and what references them, warning about each")
}

var accountIDRE = regexp.MustCompile(`^[0-9]{12}$`)

func (d *deployTarget) validate(cmd string) error {
	if !accountIDRE.MatchString(d.account) {
		return usagef("%s: --account must be a 12-digit account id, not %q", cmd, d.account)
	}
	if d.bucket == "" {
		// Lambda reads code from a bucket in the function's region: one
		// bucket per region, us-east-1's the one xacct up uses.
		d.bucket = "xacct-artifacts-" + d.account
		if d.region != "us-east-1" {
			d.bucket += "-" + d.region
		}
	}
	return nil
}

func (d *deployTarget) config() aws.Config { return emulatorConfig(d.endpoint, d.account, d.region) }

// deployTemplate packages t (read from path) into d's artifacts bucket and
// deploys it as stack through a change set, writing build steps and
// stack events to w as they happen.
func deployTemplate(ctx context.Context, w io.Writer, d *deployTarget, path string, t *cfntemplate.Template, stack string, params map[string]string) (*stackdeploy.Result, error) {
	cfg := d.config()
	fmt.Fprintf(w, "packaging %s into s3://%s\n", path, d.bucket)
	body, err := stackdeploy.PackageTemplate(ctx, cfg, t, filepath.Dir(path), stackdeploy.PackageOptions{Bucket: d.bucket, Log: w})
	if err != nil {
		return nil, err
	}
	if err := clearFailedCreate(ctx, cfg, w, stack); err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "deploying stack %s to account %s (%s) through a change set\n", stack, d.account, d.region)
	warn := d.warn
	if warn == nil {
		warn = w
	}
	r, err := stackdeploy.Deploy(ctx, cfg, stack, body, params, func(e cfntypes.StackEvent) { printEvent(w, e) }, func(o *stackdeploy.Options) {
		o.SkipUnsupported = d.skipUnsupported
		o.Warn = func(s string) { fmt.Fprintln(warn, s) }
	})
	if err != nil {
		var f *stackdeploy.Failure
		if errors.As(err, &f) && strings.Contains(f.Status, "ROLLBACK") {
			return nil, fmt.Errorf("%w\n(the stack rolled back; fix the cause and deploy again)", err)
		}
		return nil, err
	}
	if r.NoChanges {
		fmt.Fprintf(w, "no changes: stack %s already matches the template\n", stack)
	}
	return r, nil
}

// clearFailedCreate deletes a stack whose creation failed and rolled back
// (ROLLBACK_COMPLETE): it holds no resources and CloudFormation refuses
// to update it, so the next deploy could never succeed. Any other state
// is left alone.
func clearFailedCreate(ctx context.Context, cfg aws.Config, w io.Writer, stack string) error {
	c := cloudformation.NewFromConfig(cfg)
	out, err := c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &stack})
	if err != nil || len(out.Stacks) != 1 || out.Stacks[0].StackStatus != cfntypes.StackStatusRollbackComplete {
		return nil
	}
	fmt.Fprintf(w, "stack %s is ROLLBACK_COMPLETE (its creation failed): deleting it first\n", stack)
	return stackdeploy.Delete(ctx, cfg, stack, nil)
}

func printEvent(w io.Writer, e cfntypes.StackEvent) {
	line := fmt.Sprintf("  %-26s %-36s %s", aws.ToString(e.ResourceType), aws.ToString(e.LogicalResourceId), e.ResourceStatus)
	if r := aws.ToString(e.ResourceStatusReason); r != "" && r != "User Initiated" {
		line += "  " + r
	}
	fmt.Fprintln(w, line)
}

// stackNameFrom makes a stack name of s: characters CloudFormation does
// not allow become '-', it starts with a letter and has at most 128
// characters.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
func stackNameFrom(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	n := strings.Trim(b.String(), "-")
	if n == "" || !(n[0] >= 'a' && n[0] <= 'z' || n[0] >= 'A' && n[0] <= 'Z') {
		n = "stack-" + n
	}
	if len(n) > 128 {
		n = strings.TrimRight(n[:128], "-")
	}
	return n
}

// templateStem is the template's file name without its extension, or,
// for the conventional SAM name template.yaml/template.json, the name of
// its directory (the project).
func templateStem(path string) string {
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if strings.EqualFold(stem, "template") {
		if abs, err := filepath.Abs(path); err == nil {
			if dir := filepath.Base(filepath.Dir(abs)); dir != "/" && dir != "." {
				stem = dir
			}
		}
	}
	return stem
}

// defaultStackName is `xacct deploy`'s stack for a template: its stem
// (see templateStem), e.g. app.yaml -> app, myproject/template.yaml ->
// myproject.
func defaultStackName(path string) string { return stackNameFrom(templateStem(path)) }

// scratchStackName is `xacct invoke --template`'s stack for a template:
// xacct-invoke-STEM-HASH, HASH the first 8 hex digits of the SHA-256 of
// the template's absolute path, so two templates of the same name in
// different directories get different stacks and the same template
// always the same one.
func scratchStackName(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	sum := sha256.Sum256([]byte(abs))
	stem := stackNameFrom(templateStem(path))
	if len(stem) > 100 {
		stem = stem[:100]
	}
	return stackNameFrom("xacct-invoke-" + stem + "-" + hex.EncodeToString(sum[:4]))
}

func runDeploy(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("deploy", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	d := deployTarget{warn: m.Stderr}
	d.flags(fs)
	stack := fs.String("stack-name", "", "stack `NAME` (default: the template's file name without extension; for template.yaml, its directory's name)")
	params := kv{}
	fs.Var(params, "param", "template parameter `KEY=VALUE` (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: xacct deploy TEMPLATE [--stack-name NAME] [--param K=V]... [--account ID] [--region R]

Packages and deploys any CloudFormation or SAM template to the emulator, as
"sam build && sam deploy" would: every local CodeUri, Code, ContentUri and
Content is built and uploaded to an artifacts bucket (Go functions - Metadata
BuildMethod go1.x, or a provided.* runtime with Go code - are built with go
build for this machine, since the emulator runs them as local processes;
Python directories are zipped with requirements.txt installed by pip install
-t; Node.js and other directories are zipped as they are; a file is uploaded as
it is), then the stack is created or updated through a change set, its events
printed as they happen, then its outputs. Relative paths are read from the
template's directory, so it works from any directory.

flags:`)
		fs.PrintDefaults()
	}
	pos, err := m.parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	switch len(pos) {
	case 0:
		return usagef("deploy: the template is missing: xacct deploy TEMPLATE [flags] (xacct help deploy)")
	case 1:
	default:
		return usagef("deploy: unexpected argument %q (one template, then flags)", pos[1])
	}
	if err := d.validate("deploy"); err != nil {
		return err
	}
	path := pos[0]
	t, err := stackdeploy.ReadTemplate(path)
	if err != nil {
		return err
	}
	name := *stack
	if name == "" {
		name = defaultStackName(path)
	}
	if err := probeEmulator(ctx, d.endpoint); err != nil {
		return err
	}
	r, err := deployTemplate(ctx, m.Stdout, &d, path, t, name, params)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: a change set already executed keeps running in the emulator; see aws cloudformation describe-stack-events --stack-name %s, or run xacct deploy again", name)
		}
		return err
	}
	fmt.Fprintf(m.Stdout, "stack %s: %s\n", name, r.Status)
	printOutputs(m, r)
	return nil
}
