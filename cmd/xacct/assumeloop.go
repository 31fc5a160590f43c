package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
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

// readProfile returns the keys of a profile in the shared config file
// (AWS_CONFIG_FILE, else ~/.aws/config), lower-cased; nil when there is
// no such file or profile. Only the two keys baseProfile needs are read,
// so a small reader does: the SDK's own would refuse a profile that is
// fine for this purpose (source_profile without role_arn).
func readProfile(profile string) map[string]string {
	path := os.Getenv("AWS_CONFIG_FILE")
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil
		}
		path = filepath.Join(home, ".aws", "config")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var keys map[string]string
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			name := strings.Join(strings.Fields(strings.Trim(line, "[]")), " ")
			in = name == "profile "+profile || (profile == "default" && name == "default")
			if in && keys == nil {
				keys = map[string]string{}
			}
			continue
		}
		if k, v, ok := strings.Cut(line, "="); in && ok {
			keys[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return keys
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
func baseProfile(flagValue, roleARN string) (string, error) {
	profile := selectedProfile(flagValue)
	if sc := readProfile(profile); runsXacctAssume(sc["credential_process"]) {
		base := sc["source_profile"]
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
