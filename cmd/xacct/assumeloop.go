package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// assumeChainEnv lists the (profile, role) pairs of the `xacct assume`
// processes that are resolving their base credentials above this one.
// A credential_process child inherits its parent's environment, so a
// pair that comes round again is a loop: it fails at once instead of
// starting itself again.
const assumeChainEnv = "XACCT_ASSUME_CHAIN"

// maxAssumeChain bounds a chain of distinct profiles too.
const maxAssumeChain = 8

// selectedProfile is the profile the SDK would load: --profile, else
// AWS_PROFILE, else "default".
func selectedProfile(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if p := os.Getenv("AWS_PROFILE"); p != "" {
		return p
	}
	return "default"
}

// runsXacctAssume reports whether a credential_process command line runs
// `xacct assume` (this executable, or one named xacct).
func runsXacctAssume(command string) bool {
	f := strings.Fields(command)
	if len(f) < 2 || f[1] != "assume" {
		return false
	}
	name := strings.Trim(f[0], `"'`)
	base := strings.TrimSuffix(filepath.Base(name), ".exe")
	if base == "xacct" {
		return true
	}
	self, err := os.Executable()
	return err == nil && filepath.Base(self) == filepath.Base(name)
}

// baseProfile chooses where `xacct assume` takes its own credentials
// from. A profile whose credential_process is `xacct assume` is the
// output of this command, not its input (a profile selected with
// AWS_PROFILE is what the child of that profile's credential_process
// would load again, and so on without end): its source_profile is used
// instead, else "default". It also refuses a loop through other profiles.
func baseProfile(ctx context.Context, flagValue, roleARN string) (string, error) {
	profile := selectedProfile(flagValue)
	if sc, err := config.LoadSharedConfigProfile(ctx, profile); err == nil && runsXacctAssume(sc.CredentialProcess) {
		base := sc.SourceProfileName
		if base == "" {
			base = "default"
		}
		if base == profile {
			return "", fmt.Errorf("assume: profile %q gets its credentials from `xacct assume` itself, so it cannot be where xacct assume gets its own: set source_profile in it, or give credentials in the environment", profile)
		}
		profile = base
	}
	link := profile + "|" + roleARN
	chain := os.Getenv(assumeChainEnv)
	links := strings.Split(chain, ";")
	for _, l := range links {
		if l == link {
			return "", fmt.Errorf("assume: credential_process loop: profile %q needs `xacct assume %s` again to get its credentials (chain %s); give the profile credentials of its own, a source_profile, or set AWS_ACCESS_KEY_ID", profile, roleARN, chain)
		}
	}
	if chain != "" && len(links) >= maxAssumeChain {
		return "", fmt.Errorf("assume: more than %d nested `xacct assume` credential processes (chain %s)", maxAssumeChain, chain)
	}
	return profile, nil
}

// withAssumeChain runs load with this process's link appended to
// assumeChainEnv, so credential processes it starts see it; the variable
// is restored afterwards (the environment is the only channel a
// credential_process child shares with its parent).
func withAssumeChain(profile, roleARN string, load func() (aws.Credentials, error)) (aws.Credentials, error) {
	old, had := os.LookupEnv(assumeChainEnv)
	link := profile + "|" + roleARN
	if old != "" {
		link = old + ";" + link
	}
	os.Setenv(assumeChainEnv, link)
	defer func() {
		if had {
			os.Setenv(assumeChainEnv, old)
		} else {
			os.Unsetenv(assumeChainEnv)
		}
	}()
	return load()
}
