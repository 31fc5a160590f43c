//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/xacct/xacct/emulatortest"
)

// runGroup runs cmd in a process group of its own and kills the whole
// group when it outlives timeout, so a runaway chain of children cannot
// outlive the test.
func runGroup(t *testing.T, cmd *exec.Cmd, timeout time.Duration) (stdout, stderr string, code int, timedOut bool) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(timeout):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		timedOut = true
	}
	return out.String(), errb.String(), cmd.ProcessState.ExitCode(), timedOut
}

// TestAssumeCredentialProcessDoesNotRecurse: with a profile whose
// credential_process is `xacct assume`, selected with AWS_PROFILE, the
// child used to load that same profile and start itself again without end
// (384 processes in 7 s). The credential_process here is a wrapper that
// counts its starts and refuses after ten, and the run is killed with its
// process group after 30 s, so the old behaviour fails fast without
// forking hundreds of processes.
func TestAssumeCredentialProcessDoesNotRecurse(t *testing.T) {
	bin := buildXacct(t)
	srv := emulatortest.New(t)
	ctx := context.Background()
	const role = "arn:aws:iam::222222222222:role/cp-target"
	_, err := iam.NewFromConfig(srv.Config("222222222222")).CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String("cp-target"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := srv.AdminConfig(t, "111111111111").Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	count := filepath.Join(dir, "starts")
	wrapDir := filepath.Join(dir, "wrap")
	os.Mkdir(wrapDir, 0o755)
	wrapper := filepath.Join(wrapDir, "xacct") // named xacct, as on a user's PATH
	script := fmt.Sprintf("#!/bin/sh\nn=$(( $(cat %[1]s 2>/dev/null || echo 0) + 1 ))\necho $n > %[1]s\nif [ $n -gt 10 ]; then echo 'started ten times: recursion' >&2; exit 1; fi\nexec %[2]s \"$@\"\n", count, bin)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	starts := func() int {
		b, _ := os.ReadFile(count)
		n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		return n
	}

	for _, tc := range []struct {
		name       string
		config     string
		code       int
		wantStarts int
		stderr     string
	}{
		{
			name: "base credentials from the default profile",
			config: fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n[profile target]\ncredential_process = %s assume %s --format credential-process\n",
				admin.AccessKeyID, admin.SecretAccessKey, wrapper, role),
			wantStarts: 1,
		},
		{
			name: "base credentials from source_profile",
			config: fmt.Sprintf("[profile home]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n[profile target]\nsource_profile = home\ncredential_process = %s assume %s --format credential-process\n",
				admin.AccessKeyID, admin.SecretAccessKey, wrapper, role),
			wantStarts: 1,
		},
		{
			// The default profile is itself `xacct assume`: its child
			// finds its own link in the chain and fails at once.
			name: "a loop through the default profile",
			config: fmt.Sprintf("[default]\ncredential_process = %[1]s assume %[2]s --format credential-process\n\n[profile target]\ncredential_process = %[1]s assume %[2]s --format credential-process\n",
				wrapper, role),
			code: 1, wantStarts: 2, stderr: `assume: credential_process loop: profile "default" needs ` + "`xacct assume " + role + "` again",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(count)
			cfgFile := filepath.Join(t.TempDir(), "config")
			os.WriteFile(cfgFile, []byte(tc.config+"\n[profile x]\nregion = us-east-1\n"), 0o600)
			// What an SDK does for AWS_PROFILE=target: run the profile's
			// credential_process with the same environment.
			cmd := exec.Command(wrapper, "assume", role, "--format", "credential-process")
			cmd.Env = append(cleanEnv(t), "AWS_CONFIG_FILE="+cfgFile, "AWS_PROFILE=target", "AWS_ENDPOINT_URL="+srv.URL, "AWS_REGION=us-east-1")
			stdout, stderr, code, timedOut := runGroup(t, cmd, 30*time.Second)
			if timedOut {
				t.Fatalf("xacct assume ran for 30 s (started %d times): recursion", starts())
			}
			if got := starts(); got != tc.wantStarts {
				t.Errorf("xacct assume started %d times, want %d\nstderr: %s", got, tc.wantStarts, stderr)
			}
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr lacks %q: %s", tc.stderr, stderr)
			}
			if tc.code == 0 {
				var creds struct {
					Version                   int
					AccessKeyId, SessionToken string
				}
				if err := json.Unmarshal([]byte(stdout), &creds); err != nil || creds.Version != 1 || creds.SessionToken == "" {
					t.Errorf("credential_process output %q: %v", stdout, err)
				}
			}
		})
	}
}
