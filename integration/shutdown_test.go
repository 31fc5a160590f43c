//go:build unix

package integration

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMKillsFunctions: SIGTERM to `xacct serve` while a function
// (invoked with the aws CLI) sleeps: the server exits within its grace
// period plus a little, and the function's process is gone (it does not
// outlive the emulator).
func TestSIGTERMKillsFunctions(t *testing.T) {
	needTool(t, "aws")
	needTool(t, "python3")
	s := serve(t, "--quiet")
	home := s.rootEnv("111111111111")
	must(t, home, "aws", "iam", "create-role", "--role-name", "sleeper-exec", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`)
	dir := t.TempDir()
	zip := filepath.Join(dir, "function.zip")
	script := `import sys, zipfile
z = zipfile.ZipFile(sys.argv[1], "w")
z.writestr("app.py", "import os, time\ndef handler(event, context):\n    open(event['pidfile'], 'w').write(str(os.getpid()))\n    time.sleep(300)\n")
z.close()`
	if out, err := exec.Command("python3", "-c", script, zip).CombinedOutput(); err != nil {
		t.Fatalf("zip: %v\n%s", err, out)
	}
	must(t, home, "aws", "lambda", "create-function", "--function-name", "sleeper", "--runtime", "python3.12",
		"--handler", "app.handler", "--role", "arn:aws:iam::111111111111:role/sleeper-exec", "--timeout", "600",
		"--zip-file", "fileb://"+zip)
	pidfile := filepath.Join(dir, "pid")
	invoke := exec.Command("aws", "lambda", "invoke", "--cli-read-timeout", "0", "--function-name", "sleeper",
		"--payload", `{"pidfile":"`+pidfile+`"}`, filepath.Join(dir, "out.json"))
	invoke.Env = home
	var invokeOut bytes.Buffer
	invoke.Stdout, invoke.Stderr = &invokeOut, &invokeOut
	if err := invoke.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		invoke.Process.Kill()
		invoke.Wait()
	}()
	pid := 0
	for deadline := time.Now().Add(60 * time.Second); pid == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(pidfile); err == nil && len(b) > 0 {
			pid, _ = strconv.Atoi(string(b))
		}
	}
	if pid == 0 {
		t.Fatalf("the function did not start within 60s; aws lambda invoke said: %s", invokeOut.String())
	}

	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("xacct serve exited with %v after SIGTERM, want 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("xacct serve still running 30s after SIGTERM")
	}
	t.Logf("xacct serve exited %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	if syscall.Kill(pid, 0) == nil {
		t.Errorf("function process %d outlived xacct serve", pid)
	}
}
