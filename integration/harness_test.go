// Package integration drives a real `xacct serve` process with the real
// clients users have: the aws CLI and boto3.
package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	xacctBin  string
	buildErr  error
)

// xacct builds cmd/xacct once per test run and returns the binary's path.
func xacct(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "xacct-integration-")
		if err != nil {
			buildErr = err
			return
		}
		xacctBin = filepath.Join(dir, "xacct")
		out, err := exec.Command("go", "build", "-o", xacctBin, "../cmd/xacct").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return xacctBin
}

// server is a running `xacct serve`.
type server struct {
	URL  string
	Addr string
	cmd  *exec.Cmd
	logs *bytes.Buffer
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// serve starts `xacct serve` on a free loopback port and waits until it
// answers; it is stopped when the test ends.
func serve(t testing.TB, args ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	var logs bytes.Buffer
	cmd := exec.Command(xacct(t), append([]string{"serve", "--addr", addr}, args...)...)
	cmd.Stdout = &logs
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{URL: "http://" + addr, Addr: addr, cmd: cmd, logs: &logs}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("xacct serve output:\n%s", logs.String())
		}
	})
	waitReady(t, s.URL)
	return s
}

func (s *server) stop() {
	if s.cmd.Process != nil && s.cmd.ProcessState == nil {
		s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			s.cmd.Process.Kill()
			<-done
		}
	}
}

// kill stops the server the hard way, as a crash would.
func (s *server) kill() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

func waitReady(t testing.TB, url string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s did not answer within 10s", url)
}

// env returns an environment for clients talking to s as the root user of
// acct (access key = account id, secret "test"), or with explicit
// credentials.
func (s *server) env(accessKey, secret, token string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"AWS_ENDPOINT_URL=" + s.URL,
		"AWS_ACCESS_KEY_ID=" + accessKey,
		"AWS_SECRET_ACCESS_KEY=" + secret,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_PAGER=",
		"AWS_MAX_ATTEMPTS=1",
	}
	if token != "" {
		env = append(env, "AWS_SESSION_TOKEN="+token)
	}
	for _, k := range []string{"PYENV_ROOT", "PYENV_VERSION", "PYTHONPATH"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func (s *server) rootEnv(acct string) []string { return s.env(acct, "test", "") }

// adminEnv creates, with the aws CLI as acct's root user, the IAM user
// "admin" with AdministratorAccess and returns an environment signed with
// its new access key. Use it for what root may not do, such as
// AssumeRole. Call it once per account and server.
func (s *server) adminEnv(t testing.TB, acct string) []string {
	t.Helper()
	root := s.rootEnv(acct)
	must(t, root, "aws", "iam", "create-user", "--user-name", "admin")
	must(t, root, "aws", "iam", "attach-user-policy", "--user-name", "admin", "--policy-arn", "arn:aws:iam::aws:policy/AdministratorAccess")
	var key struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	if err := json.Unmarshal([]byte(must(t, root, "aws", "iam", "create-access-key", "--user-name", "admin")), &key); err != nil {
		t.Fatalf("create-access-key: %v", err)
	}
	return s.env(key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey, "")
}

// needTool skips the test when a client is not installed. `.ci/run`
// installs them, so in CI these tests always run.
func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed", name)
	}
}

// run executes a command with env and returns stdout, failing the test on
// a non-zero exit unless wantErr is set.
func run(t testing.TB, env []string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// must is run that fails the test on error.
func must(t testing.TB, env []string, name string, args ...string) string {
	t.Helper()
	out, err := run(t, env, name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
