package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/xacct/xacct/emulatortest"
)

// buildXacct builds the command as a user would run it.
func buildXacct(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "xacct")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runBinary runs the built command with env added to a clean environment
// (no AWS variables of the machine's) and returns its streams and exit code.
func runBinary(t *testing.T, bin string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(cleanEnv(t), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("run %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// cleanEnv is PATH and a fresh HOME and cache, with AWS config files that
// do not exist.
func cleanEnv(t *testing.T) []string {
	dir := t.TempDir()
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "USERPROFILE=" + dir,
		"XDG_CACHE_HOME=" + filepath.Join(dir, "cache"), "LOCALAPPDATA=" + filepath.Join(dir, "cache"),
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "no-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// closedURL is an http URL nothing listens on.
func closedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	ln.Close()
	return u
}

// TestBinaryCLI runs the built xacct as a stranger would: help and
// version exit 0 on stdout, a missing command or argument exits 2 and
// says what is missing, an unreachable or foreign endpoint is named.
func TestBinaryCLI(t *testing.T) {
	bin := buildXacct(t)
	nothing := closedURL(t)
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "nginx")
		http.NotFound(w, r)
	}))
	defer foreign.Close()

	for _, tc := range []struct {
		name       string
		env        []string
		args       []string
		code       int
		stdout     string // substring of stdout
		stderr     string // substring of stderr
		notStderr  string
		exactEmpty bool // stdout must be empty
	}{
		{name: "bare", code: 2, stderr: "xacct: a command is missing", exactEmpty: true},
		{name: "-h", args: []string{"-h"}, stdout: "usage: xacct <command>"},
		{name: "--help", args: []string{"--help"}, stdout: "  copy "},
		{name: "help", args: []string{"help"}, stdout: "  version "},
		{name: "help copy", args: []string{"help", "copy"}, stdout: "usage: xacct copy s3://SOURCE-BUCKET"},
		{name: "copy -h", args: []string{"copy", "-h"}, stdout: "-concurrency"},
		{name: "assume --help", args: []string{"assume", "--help"}, stdout: "credential_process"},
		{name: "help unknown", args: []string{"help", "nope"}, code: 2, stderr: `help: unknown command "nope"`},
		{name: "version", args: []string{"version"}, stdout: "xacct "},
		{name: "unknown command", args: []string{"nope"}, code: 2, stderr: `unknown command "nope"`},
		{name: "unknown flag", args: []string{"serve", "--bogus"}, code: 2, stderr: "flag provided but not defined: -bogus"},
		{name: "extra argument", args: []string{"demo", "now"}, code: 2, stderr: `demo: unexpected argument "now"`},
		{name: "assume without ARN", args: []string{"assume"}, code: 2, stderr: "assume: the role ARN is missing"},
		{name: "assume extra", args: []string{"assume", "arn:aws:iam::222222222222:role/r", "more"}, code: 2, stderr: `assume: unexpected argument "more"`},
		{name: "invoke without name", args: []string{"invoke"}, code: 2, stderr: "invoke: the function name is missing"},
		{name: "check without template", args: []string{"check"}, code: 2, stderr: "check: no template given"},
		{name: "copy without buckets", args: []string{"copy"}, code: 2, stderr: "copy: the source and target buckets are missing"},
		{name: "copy without target", args: []string{"copy", "s3://src/data/"}, code: 2, stderr: "copy: the target is missing"},
		{name: "copy not a URL", args: []string{"copy", "src", "s3://dst"}, code: 2, stderr: `copy: "src" is not an s3://BUCKET[/PREFIX] URL`},
		{name: "copy concurrency 0", args: []string{"copy", "s3://a", "s3://b", "--concurrency", "0"}, code: 2, stderr: "--concurrency must be between 1 and 1024, not 0"},
		{name: "copy concurrency 1025", args: []string{"copy", "--concurrency", "1025", "s3://a", "s3://b"}, code: 2, stderr: "--concurrency must be between 1 and 1024, not 1025"},
		{name: "copy sse unknown", args: []string{"copy", "s3://a", "s3://b", "--sse", "aws:kmz"}, code: 2, stderr: `--sse must be aws:kms, aws:kms:dsse or AES256, not "aws:kmz"`},
		{name: "copy sse AES256 with a key", args: []string{"copy", "s3://a", "s3://b", "--sse", "AES256", "--sse-kms-key-id", "alias/k"}, code: 2, stderr: "--sse-kms-key-id goes with --sse aws:kms or aws:kms:dsse, not AES256"},
		{name: "invoke, no emulator", args: []string{"invoke", "f", "--endpoint", nothing}, code: 1,
			stderr: "xacct: no emulator at " + nothing + ": start `xacct serve` or set AWS_ENDPOINT_URL"},
		{name: "up, no emulator at AWS_ENDPOINT_URL", env: []string{"AWS_ENDPOINT_URL=" + nothing}, args: []string{"up"}, code: 1,
			stderr: "xacct: no emulator at " + nothing + ": start `xacct serve` or set AWS_ENDPOINT_URL"},
		{name: "invoke, another server", args: []string{"invoke", "f", "--endpoint", foreign.URL}, code: 1,
			stderr: "the server at " + foreign.URL + " is not an xacct emulator (it answered 404 Not Found, Server: nginx)"},
		{name: "assume, no emulator", env: []string{"AWS_ENDPOINT_URL=" + nothing, "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=x", "AWS_REGION=us-east-1", "AWS_MAX_ATTEMPTS=1"},
			args: []string{"assume", "arn:aws:iam::222222222222:role/r"}, code: 1, stderr: "no emulator at " + nothing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runBinary(t, bin, tc.env, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, stdout)
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, stderr)
			}
			if tc.exactEmpty && stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if tc.code == 0 && stderr != "" {
				t.Errorf("stderr = %q, want nothing", stderr)
			}
		})
	}
}

// TestBinaryCopy copies with s3:// URLs against an emulator: the summary
// on stdout, no progress bar redraws when stderr is not a terminal, and a
// listing that fails is reported as a listing error.
func TestBinaryCopy(t *testing.T) {
	bin := buildXacct(t)
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3.NewFromConfig(srv.Config("111111111111"))
	for _, b := range []string{"copy-src", "copy-dst"} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"data/a", "data/b", "other/c"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("copy-src"), Key: aws.String(k), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"AWS_ENDPOINT_URL=" + srv.URL, "AWS_ACCESS_KEY_ID=111111111111", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1"}

	stdout, stderr, code := runBinary(t, bin, env, "copy", "s3://copy-src/data/", "s3://copy-dst/backup/", "--acl", "")
	if code != 0 || !strings.Contains(stdout, `"copied": 2`) {
		t.Fatalf("copy: exit %d\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stderr, "\r") {
		t.Errorf("stderr is not a terminal but got progress bar redraws: %q", stderr)
	}
	for _, k := range []string{"backup/a", "backup/b"} {
		if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("copy-dst"), Key: aws.String(k)}); err != nil {
			t.Errorf("%s not copied: %v", k, err)
		}
	}

	// --sse-kms-key-id (as the aws CLI's): the copies are SSE-KMS under it.
	key, err := kms.NewFromConfig(srv.Config("111111111111")).CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	kms.NewFromConfig(srv.Config("111111111111")).CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/copy"), TargetKeyId: key.KeyMetadata.KeyId})
	stdout, stderr, code = runBinary(t, bin, env, "copy", "s3://copy-src/data/", "s3://copy-dst/encrypted/", "--acl", "", "--sse-kms-key-id", "alias/copy")
	if code != 0 || !strings.Contains(stdout, `"copied": 2`) {
		t.Fatalf("copy --sse-kms-key-id: exit %d\n%s%s", code, stdout, stderr)
	}
	if h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("copy-dst"), Key: aws.String("encrypted/a")}); err != nil || h.ServerSideEncryption != "aws:kms" || aws.ToString(h.SSEKMSKeyId) != *key.KeyMetadata.Arn {
		t.Errorf("copy --sse-kms-key-id: %v, want aws:kms with %s", err, *key.KeyMetadata.Arn)
	}

	_, stderr, code = runBinary(t, bin, env, "copy", "s3://no-such-bucket/data/", "s3://copy-dst")
	if code != 1 || !strings.Contains(stderr, "xacct: listing s3://no-such-bucket/data/ failed:") || !strings.Contains(stderr, "NoSuchBucket") {
		t.Errorf("copy from a missing bucket: exit %d, stderr %s", code, stderr)
	}
	if strings.Contains(stderr, "objects failed to copy") {
		t.Errorf("a listing error reported as failed objects: %s", stderr)
	}
}
