package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/xacct/xacct/crossaccount"
)

// cachedCreds is an assumed session kept on disk between runs, so that
// repeated `xacct assume` calls (a credential_process runs once per SDK
// client) reuse one session as the library's in-memory cache does.
type cachedCreds struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

func runAssume(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("assume", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	externalID := fs.String("external-id", "", "sts:ExternalId to present")
	session := fs.String("session-name", "xacct", "role session name")
	duration := fs.Duration("duration", time.Hour, "session duration (15m to the role's maximum)")
	format := fs.String("format", "env", "output: env (shell exports), json, or credential-process (for ~/.aws/config)")
	noCache := fs.Bool("no-cache", false, "always call AssumeRole; do not read or write the cache")
	region := fs.String("region", "", "region for STS (default: the SDK's)")
	profile := fs.String("profile", "", "shared config profile of the base credentials (default: AWS_PROFILE, else default; a profile whose credential_process is xacct assume is replaced by its source_profile, else default)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: xacct assume ROLE_ARN [flags]

Assumes ROLE_ARN with the credentials of the default chain (environment,
profile; AWS_ENDPOINT_URL points it at the emulator) and prints the session:

  eval "$(xacct assume arn:aws:iam::222222222222:role/xacct-cross-account)"

or, in ~/.aws/config:

  [profile target]
  credential_process = xacct assume arn:aws:iam::222222222222:role/xacct-cross-account --format credential-process

Used as a credential_process, xacct assume takes its own credentials from
the environment or from the profile's source_profile (else "default"),
never from the profile it serves, and fails at once on a loop.

Sessions are cached in the user cache directory (xacct/assume) and reused
until five minutes before they expire. An AccessDenied is explained in terms
of the three setup steps.

flags:`)
		fs.PrintDefaults()
	}
	roleARN, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		roleARN, rest = args[0], args[1:]
	}
	if err := m.parse(fs, rest); err != nil {
		return err
	}
	extra := fs.Args()
	if roleARN == "" && len(extra) > 0 {
		roleARN, extra = extra[0], extra[1:]
	}
	if len(extra) > 0 {
		return usagef("assume: unexpected argument %q (one role ARN, then flags)", extra[0])
	}
	if roleARN == "" {
		return usagef("assume: the role ARN is missing: xacct assume ROLE_ARN [flags] (xacct help assume)")
	}
	if _, err := crossaccount.ParseRoleARN(roleARN); err != nil {
		return err
	}
	switch *format {
	case "env", "json", "credential-process":
	default:
		return usagef("assume: unknown --format %q (env, json or credential-process)", *format)
	}
	baseName, err := baseProfile(*profile, roleARN)
	if err != nil {
		return err
	}
	var opts []func(*config.LoadOptions) error
	if *profile != "" || baseName != selectedProfile("") {
		opts = append(opts, config.WithSharedConfigProfile(baseName))
	}
	if *region != "" {
		opts = append(opts, config.WithRegion(*region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return err
	}
	base, err := withAssumeChain(baseName, roleARN, func() (aws.Credentials, error) { return cfg.Credentials.Retrieve(ctx) })
	if err != nil {
		return fmt.Errorf("assume: no base credentials (profile %s): %w", baseName, err)
	}
	key := sha256.Sum256([]byte(strings.Join([]string{base.AccessKeyID, roleARN, *externalID, *session, duration.String(), aws.ToString(cfg.BaseEndpoint), os.Getenv("AWS_ENDPOINT_URL")}, "\x00")))
	path := ""
	if dir, err := os.UserCacheDir(); err == nil && !*noCache {
		path = filepath.Join(dir, "xacct", "assume", hex.EncodeToString(key[:16])+".json")
	}
	var c cachedCreds
	if path != "" {
		if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &c) == nil && time.Until(c.Expiration) > 5*time.Minute {
			return printCreds(m, *format, c)
		}
	}
	a := crossaccount.New(cfg, func(o *crossaccount.Options) {
		o.SessionName, o.ExternalID, o.Duration = *session, *externalID, *duration
	})
	creds, err := a.Credentials(ctx, roleARN)
	if err != nil {
		if crossaccount.IsAccessDenied(err) {
			return fmt.Errorf("%w\n\n%s", err, crossaccount.Explain(err))
		}
		return endpointError(err)
	}
	c = cachedCreds{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken, Expiration: creds.Expires.UTC()}
	if path != "" {
		if b, err := json.Marshal(c); err == nil && os.MkdirAll(filepath.Dir(path), 0o700) == nil {
			tmp := path + ".tmp"
			if os.WriteFile(tmp, b, 0o600) == nil {
				os.Rename(tmp, path)
			}
		}
	}
	return printCreds(m, *format, c)
}

func printCreds(m *Main, format string, c cachedCreds) error {
	switch format {
	case "env":
		fmt.Fprintf(m.Stdout, "export AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\nexport AWS_SESSION_TOKEN=%s\n# expires %s\n",
			c.AccessKeyID, c.SecretAccessKey, c.SessionToken, c.Expiration.Format(time.RFC3339))
		return nil
	case "credential-process":
		return json.NewEncoder(m.Stdout).Encode(map[string]any{
			"Version": 1, "AccessKeyId": c.AccessKeyID, "SecretAccessKey": c.SecretAccessKey,
			"SessionToken": c.SessionToken, "Expiration": c.Expiration.Format(time.RFC3339),
		})
	}
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"Credentials": map[string]any{
		"AccessKeyId": c.AccessKeyID, "SecretAccessKey": c.SecretAccessKey, "SessionToken": c.SessionToken, "Expiration": c.Expiration.Format(time.RFC3339),
	}})
}
