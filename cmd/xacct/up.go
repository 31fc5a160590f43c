package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulator/expect"
	"github.com/xacct/xacct/internal/stackdeploy"
)

// upConfig is what `xacct up` deploys.
type upConfig struct {
	dir, region                string
	home, target               string
	sourceBucket, targetBucket string
	email, externalID, prefix  string
	homeStack, targetStack     string
	artifactPrefix             string
	skipUnsupported            bool
	// kms deploys both templates with EncryptWithKMS=true.
	kms bool
}

func (c *upConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.dir, "dir", ".", "the project `DIR` holding deploy/ and cmd/")
	fs.StringVar(&c.region, "region", "us-east-1", "region to deploy to")
	fs.StringVar(&c.home, "home-account", "111111111111", "account that runs the functions (deploy/home.yaml)")
	fs.StringVar(&c.target, "target-account", "222222222222", "account with the cross-account role (deploy/target.yaml)")
	fs.StringVar(&c.sourceBucket, "source-bucket", "xacct-source", "bucket in the home account the copy reads")
	fs.StringVar(&c.targetBucket, "target-bucket", "xacct-target", "bucket in the target account the copy writes")
	fs.StringVar(&c.prefix, "prefix", "", "prefix of the objects to copy")
	fs.StringVar(&c.email, "email", "ops@example.com", "address the Errors alarm notifies")
	fs.StringVar(&c.externalID, "external-id", "", "sts:ExternalId the target role requires (empty for none)")
	fs.StringVar(&c.homeStack, "home-stack", "xacct-home", "home stack name")
	fs.StringVar(&c.targetStack, "target-stack", "xacct-target", "target stack name")
	fs.BoolVar(&c.kms, "kms", false, "SSE-KMS buckets under a customer managed key in each account (the templates' EncryptWithKMS=true)")
	fs.BoolVar(&c.skipUnsupported, "skip-unsupported", false, "deploy without the resources of types the emulator does not provision (and what references them), warning about each")
}

// deployOptions are stackdeploy's options for these flags: warnings go
// to stderr.
func (c *upConfig) deployOptions(m *Main) func(*stackdeploy.Options) {
	return skipUnsupported(m, c.skipUnsupported)
}

// skipUnsupported returns the stackdeploy option of --skip-unsupported,
// printing each skipped resource on stderr.
func skipUnsupported(m *Main, skip bool) func(*stackdeploy.Options) {
	return func(o *stackdeploy.Options) {
		o.SkipUnsupported = skip
		o.Warn = func(s string) { fmt.Fprintln(m.Stderr, s) }
	}
}

// deploy packages and deploys both templates with the accounts' root
// credentials on the emulator at endpoint, printing stack events.
func (c *upConfig) deploy(ctx context.Context, m *Main, endpoint string) (home, target *stackdeploy.Result, err error) {
	show := func(e cfntypes.StackEvent) {
		line := fmt.Sprintf("  %-26s %-36s %s", aws.ToString(e.ResourceType), aws.ToString(e.LogicalResourceId), e.ResourceStatus)
		if r := aws.ToString(e.ResourceStatusReason); r != "" && r != "User Initiated" {
			line += "  " + r
		}
		fmt.Fprintln(m.Stdout, line)
	}
	tcfg := emulatorConfig(endpoint, c.target, c.region)
	hcfg := emulatorConfig(endpoint, c.home, c.region)
	fmt.Fprintf(m.Stdout, "deploying %s to account %s\n", filepath.Join("deploy", "target.yaml"), c.target)
	tbody, err := stackdeploy.Package(ctx, tcfg, filepath.Join(c.dir, "deploy", "target.yaml"), "xacct-artifacts-"+c.target, nil)
	if err != nil {
		return nil, nil, err
	}
	kms := fmt.Sprint(c.kms)
	target, err = stackdeploy.Deploy(ctx, tcfg, c.targetStack, tbody, map[string]string{
		"HomeAccountId": c.home, "SourceBucketName": c.sourceBucket, "TargetBucketName": c.targetBucket, "ExternalId": c.externalID,
		"EncryptWithKMS": kms,
	}, show, c.deployOptions(m))
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(m.Stdout, "building the functions and deploying %s to account %s\n", filepath.Join("deploy", "home.yaml"), c.home)
	hbody, err := stackdeploy.Package(ctx, hcfg, filepath.Join(c.dir, "deploy", "home.yaml"), "xacct-artifacts-"+c.home, nil)
	if err != nil {
		return nil, nil, err
	}
	home, err = stackdeploy.Deploy(ctx, hcfg, c.homeStack, hbody, map[string]string{
		"TargetAccountId": c.target, "SourceBucketName": c.sourceBucket, "TargetBucketName": c.targetBucket,
		"NotificationEmail": c.email, "ExternalId": c.externalID, "SourcePrefix": c.prefix, "EncryptWithKMS": kms,
	}, show, c.deployOptions(m))
	return home, target, err
}

func runUp(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	var c upConfig
	c.flags(fs)
	endpoint := fs.String("endpoint", defaultEndpoint(), "emulator `URL` to deploy to")
	serveAddr := fs.String("serve", "", "start an embedded emulator on `ADDR`, deploy into it and keep serving")
	dataDir := fs.String("data-dir", "", "with --serve: keep the emulator's state in `DIR`")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: xacct up [flags]

Builds the functions in cmd/ (go build for this machine's OS and architecture),
uploads their code, and deploys deploy/target.yaml into the target account and
deploy/home.yaml into the home account of an emulator, through CloudFormation
change sets, printing the stack events. It uses each account's root
credentials on the emulator; to deploy to AWS use "sam build && sam deploy"
(see docs/deploy.md).

flags:`)
		fs.PrintDefaults()
	}
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *serveAddr == "" {
		if err := probeEmulator(ctx, *endpoint); err != nil {
			return err
		}
		home, _, err := c.deploy(ctx, m, *endpoint)
		if err != nil {
			return deployError(err)
		}
		printOutputs(m, home)
		return nil
	}
	opts := []emulator.Option{emulator.WithRegion(c.region)}
	if *dataDir != "" {
		opts = append(opts, emulator.WithDataDir(*dataDir))
	}
	emu, err := emulator.New(opts...)
	if err != nil {
		return err
	}
	defer emu.Close()
	ln, err := net.Listen("tcp", *serveAddr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	emu.SetEndpoint(url)
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 30 * time.Second}
	go srv.Serve(expect.Listener(ln))
	defer srv.Close()
	home, _, err := c.deploy(ctx, m, url)
	if err != nil {
		return deployError(err)
	}
	printOutputs(m, home)
	fmt.Fprintf(m.Stderr, "xacct emulator serving the deployed stacks on %s (Ctrl-C to stop)\n", url)
	<-ctx.Done()
	return nil
}

func printOutputs(m *Main, r *stackdeploy.Result) {
	if r == nil || len(r.Outputs) == 0 {
		return
	}
	var keys []string
	for k := range r.Outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintln(m.Stdout, "outputs:")
	for _, k := range keys {
		fmt.Fprintf(m.Stdout, "  %-26s %s\n", k, r.Outputs[k])
	}
}

// deployError adds what to do to a failed deployment.
func deployError(err error) error {
	var f *stackdeploy.Failure
	if errors.As(err, &f) && strings.Contains(f.Status, "ROLLBACK") {
		return fmt.Errorf("%w\n(the stack rolled back; fix the cause, then run xacct up again)", err)
	}
	return err
}
