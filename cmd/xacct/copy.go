package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/schollz/progressbar/v3"

	"github.com/xacct/xacct/crossaccount"
	"github.com/xacct/xacct/s3copy"
)

func runCopy(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("copy", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	src := fs.String("source-bucket", "", "bucket to copy from (required)")
	prefix := fs.String("prefix", "", "copy only keys with this prefix")
	dst := fs.String("target-bucket", "", "bucket to copy to (required)")
	destPrefix := fs.String("dest-prefix", "", "replace the prefix with this one in target keys")
	role := fs.String("role-arn", "", "role to assume for the copy (the target account's cross-account role); empty copies with your own credentials")
	externalID := fs.String("external-id", "", "sts:ExternalId for the role")
	listWith := fs.String("list-with", "role", "credentials that read the source: role (the assumed role, as the s3-copy function does) or self")
	concurrency := fs.Int("concurrency", 16, "copies in flight")
	acl := fs.String("acl", "bucket-owner-full-control", "canned ACL for written objects (empty for none)")
	startAfter := fs.String("start-after", "", "continue after this key (a continuation token from an earlier run)")
	region := fs.String("region", "", "region (default: the SDK's)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, `usage: xacct copy --source-bucket B --target-bucket B [--role-arn ARN] [flags]

Runs the s3-copy engine from a terminal: lists the source prefix and copies
every object server-side to the target bucket, skipping objects already
there with the same size and ETag, with a progress bar (objects, bytes,
rate). Credentials come from the default chain (environment, profile;
AWS_ENDPOINT_URL points at the emulator). Prints the same JSON summary as
the function.

flags:`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *src == "" || *dst == "" {
		fs.Usage()
		return errors.New("copy: --source-bucket and --target-bucket are required")
	}
	if *listWith != "role" && *listWith != "self" {
		return fmt.Errorf("copy: --list-with must be role or self, not %q", *listWith)
	}
	cfg, err := sdkConfig(ctx, *region)
	if err != nil {
		return err
	}
	cfg.HTTPClient = s3copy.HTTPClient(*concurrency)
	own := s3.NewFromConfig(cfg)
	target := own
	if *role != "" {
		a := crossaccount.New(cfg, func(o *crossaccount.Options) { o.ExternalID, o.SessionName = *externalID, "xacct-copy" })
		rcfg, err := a.ConfigForRole(ctx, *role)
		if err != nil {
			if crossaccount.IsAccessDenied(err) {
				return fmt.Errorf("%w\n\n%s", err, crossaccount.Explain(err))
			}
			return err
		}
		target = s3.NewFromConfig(rcfg)
	}
	source := target
	if *listWith == "self" {
		source = own
	}
	var bar *progressbar.ProgressBar
	var mu sync.Mutex
	if !*quiet {
		bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(m.Stderr),
			progressbar.OptionSetDescription("copying"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("objects"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSpinnerType(14),
			// No ticker goroutine: progressbar v3.19.1's reads the bar's
			// state without its lock (a data race with Describe and
			// Finish); the spinner moves on each progress report instead.
			progressbar.OptionSetSpinnerChangeInterval(0),
			progressbar.OptionClearOnFinish(),
		)
	}
	c := s3copy.New(source, target, func(o *s3copy.Options) {
		o.DestPrefix, o.Concurrency, o.ACL = *destPrefix, *concurrency, s3types.ObjectCannedACL(*acl)
		if bar != nil {
			o.Progress = func(p s3copy.Progress) {
				mu.Lock()
				defer mu.Unlock()
				bar.Describe(fmt.Sprintf("copied %d, skipped %d, failed %d, %s", p.Copied, p.Skipped, p.Failed, humanBytes(p.Bytes)))
				bar.Set(p.Copied + p.Skipped + p.Failed)
			}
		}
	})
	sum, err := c.Copy(ctx, s3copy.Job{SourceBucket: *src, Prefix: *prefix, TargetBucket: *dst, StartAfter: *startAfter})
	if bar != nil {
		bar.Finish()
	}
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(sum)
	if err != nil {
		return fmt.Errorf("%d objects failed to copy: %w", sum.Failed, err)
	}
	if sum.Stopped {
		return fmt.Errorf("the copy stopped early; run again with --start-after %q", sum.Continuation)
	}
	return nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
