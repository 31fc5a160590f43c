//go:build unix

package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"

	"github.com/xacct/xacct/emulatortest"
)

// sleeperHandler writes its process id to event["pidfile"] and sleeps
// event["sleep"] seconds.
const sleeperHandler = `import os, time
def handler(event, context):
    with open(event["pidfile"], "w") as f:
        f.write(str(os.getpid()))
    time.sleep(event["sleep"])
    return {"slept": event["sleep"]}
`

// startSleeper creates the sleeper function and starts an invocation of it
// through the SDK; it returns the function's process id once it runs and
// a channel with the invocation's outcome.
func startSleeper(t *testing.T, srv *emulatortest.Server, seconds int) (int, <-chan string) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	ctx := context.Background()
	role := execRole(t, iam.NewFromConfig(srv.Config(home)), "sleeper-exec", lambdaTrust, basicExecution)
	code := t.TempDir()
	if err := os.WriteFile(filepath.Join(code, "app.py"), []byte(sleeperHandler), 0o644); err != nil {
		t.Fatal(err)
	}
	lc := lambda.NewFromConfig(srv.Config(home), func(o *lambda.Options) { o.RetryMaxAttempts = 1 })
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("sleeper"), Runtime: lambdatypes.RuntimePython312,
		Role: aws.String(role), Handler: aws.String("app.handler"), Timeout: aws.Int32(300),
		Code: &lambdatypes.FunctionCode{ZipFile: zipOf(t, code)}}); err != nil {
		t.Fatal(err)
	}
	pidfile := filepath.Join(t.TempDir(), "pid")
	outcome := make(chan string, 1)
	go func() {
		out, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("sleeper"),
			Payload: []byte(`{"pidfile":"` + pidfile + `","sleep":` + strconv.Itoa(seconds) + `}`)})
		switch {
		case err != nil:
			outcome <- "error: " + err.Error()
		case out.FunctionError != nil:
			outcome <- *out.FunctionError + ": " + string(out.Payload)
		default:
			outcome <- string(out.Payload)
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(pidfile); err == nil && len(b) > 0 {
			pid, err := strconv.Atoi(string(b))
			if err != nil {
				t.Fatal(err)
			}
			return pid, outcome
		}
		select {
		case o := <-outcome:
			t.Fatalf("the invocation ended before it ran: %s", o)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("the function did not start within 30s")
	return 0, nil
}

func alive(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}

// TestCloseKillsRunningFunction: Close while a function sleeps in an
// invocation kills its process before returning (the invocation answers
// Runtime.ExitError), and an invocation after Close is refused. Before,
// Close left busy environments running until their invocation ended.
func TestCloseKillsRunningFunction(t *testing.T) {
	srv := emulatortest.New(t)
	pid, outcome := startSleeper(t, srv, 120)
	if !alive(pid) {
		t.Fatalf("function process %d not running before Close", pid)
	}
	start := time.Now()
	if err := srv.Emulator.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Close took %v, want it to kill the invocation at once", took)
	}
	if alive(pid) {
		t.Errorf("function process %d still alive after Close", pid)
	}
	select {
	case o := <-outcome:
		if !strings.Contains(o, "Runtime.ExitError") {
			t.Errorf("the killed invocation answered %q, want Runtime.ExitError", o)
		}
	case <-time.After(10 * time.Second):
		t.Error("the invocation in flight did not answer after Close")
	}
	lc := lambda.NewFromConfig(srv.Config(home), func(o *lambda.Options) { o.RetryMaxAttempts = 1 })
	_, err := lc.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("sleeper"), Payload: []byte(`{}`)})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ServiceException" {
		t.Errorf("invoke after Close: got %v, want ServiceException", err)
	}
}

// TestShutdownDrainsInvocations: Shutdown with time to spare lets the
// invocation in flight finish, then returns with its process gone.
func TestShutdownDrainsInvocations(t *testing.T) {
	srv := emulatortest.New(t)
	pid, outcome := startSleeper(t, srv, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := srv.Emulator.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	select {
	case o := <-outcome:
		if o != `{"slept": 1}` {
			t.Errorf("the drained invocation answered %q, want its result", o)
		}
	case <-time.After(10 * time.Second):
		t.Error("the invocation did not answer")
	}
	if alive(pid) {
		t.Errorf("function process %d still alive after Shutdown", pid)
	}
}

// TestCloseStopsSNSRetries: an http subscriber that keeps failing gets no
// further attempt once Close is called, and Close does not wait out the
// retries (before, Close slept through all four attempts).
func TestCloseStopsSNSRetries(t *testing.T) {
	var attempts atomic.Int32
	first := make(chan struct{}, 1)
	tokens := make(chan string, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("x-amz-sns-message-type") == "SubscriptionConfirmation" {
			var m struct{ Token string }
			json.NewDecoder(r.Body).Decode(&m)
			tokens <- m.Token
			return
		}
		attempts.Add(1)
		select {
		case first <- struct{}{}:
		default:
		}
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer hook.Close()
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := sns.NewFromConfig(srv.Config(home))
	topic, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("retries")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("http"), Endpoint: aws.String(hook.URL),
		Attributes: map[string]string{}}); err != nil {
		t.Fatal(err)
	}
	select {
	case tok := <-tokens:
		if _, err := c.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: topic.TopicArn, Token: aws.String(tok)}); err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no subscription confirmation")
	}
	if _, err := c.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("m")}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first:
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery attempt")
	}
	start := time.Now()
	if err := srv.Emulator.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 900*time.Millisecond {
		t.Errorf("Close took %v, want it not to wait for the retries (1 s apart)", took)
	}
	n := attempts.Load()
	time.Sleep(1500 * time.Millisecond)
	if got := attempts.Load(); got != n || got != 1 {
		t.Errorf("got %d attempts (%d at Close), want 1: no retry after Close", got, n)
	}
}
