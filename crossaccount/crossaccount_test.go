package crossaccount

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

const target = "arn:aws:iam::222222222222:role/role-on-source-account"

// fakeSTS records AssumeRole calls and returns credentials valid for the
// requested duration from the injected clock.
type fakeSTS struct {
	mu    sync.Mutex
	calls []*sts.AssumeRoleInput
	now   func() time.Time
	err   error
	delay time.Duration
}

func (f *fakeSTS) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, _ ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	f.mu.Lock()
	f.calls = append(f.calls, in)
	n := len(f.calls)
	f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	exp := f.now().Add(time.Duration(*in.DurationSeconds) * time.Second)
	return &sts.AssumeRoleOutput{
		Credentials:     &ststypes.Credentials{AccessKeyId: aws.String(fmt.Sprintf("ASIA%d", n)), SecretAccessKey: aws.String("s"), SessionToken: aws.String("t"), Expiration: &exp},
		AssumedRoleUser: &ststypes.AssumedRoleUser{Arn: aws.String("arn:aws:sts::222222222222:assumed-role/role-on-source-account/" + *in.RoleSessionName)},
	}, nil
}

func (f *fakeSTS) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newFake() (*fakeSTS, *clock) {
	c := &clock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	return &fakeSTS{now: c.now}, c
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		in      string
		wantErr string
	}{
		{"111111111111", ""},
		{"11111111111", "exactly 12 digits"},
		{"1111111111112", "exactly 12 digits"},
		{"11111111111a", "only digits"},
		{"", "exactly 12 digits"},
	} {
		err := ValidateAccountID(tc.in)
		if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("ValidateAccountID(%q): got %v, want %q", tc.in, err, tc.wantErr)
		}
		if err != nil && !IsInvalidInput(err) {
			t.Errorf("ValidateAccountID(%q): not classified as invalid input", tc.in)
		}
	}
	for _, tc := range []struct {
		in   string
		want RoleARN
		err  string
	}{
		{"arn:aws:iam::222222222222:role/external-role", RoleARN{"aws", "222222222222", "/", "external-role"}, ""},
		{"arn:aws-cn:iam::222222222222:role/a/b/r", RoleARN{"aws-cn", "222222222222", "/a/b/", "r"}, ""},
		{"arn:aws-us-gov:iam::222222222222:role/r", RoleARN{"aws-us-gov", "222222222222", "/", "r"}, ""},
		{"arn:aws-eu:iam::222222222222:role/r", RoleARN{}, "unknown partition"},
		{"arn:aws:iam::222:role/r", RoleARN{}, "12 digits"},
		{"arn:aws:iam::222222222222:user/r", RoleARN{}, "not a role"},
		{"arn:aws:sts::222222222222:assumed-role/r/s", RoleARN{}, "not an IAM ARN"},
		{"arn:aws:iam::222222222222:role/bad name", RoleARN{}, "invalid role name"},
		{"role/r", RoleARN{}, "want arn:"},
	} {
		got, err := ParseRoleARN(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseRoleARN(%q): got %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want || got.String() != tc.in {
			t.Errorf("ParseRoleARN(%q): got %+v %v", tc.in, got, err)
		}
	}
	if got, err := BuildRoleARN("222222222222", "external-role"); err != nil || got != "arn:aws:iam::222222222222:role/external-role" {
		t.Errorf("BuildRoleARN: %s %v", got, err)
	}
	if got, err := BuildRoleARN("222222222222", "team/app", "aws-cn"); err != nil || got != "arn:aws-cn:iam::222222222222:role/team/app" {
		t.Errorf("BuildRoleARN with path: %s %v", got, err)
	}
	if _, err := BuildRoleARN("12345", "r"); !IsInvalidInput(err) {
		t.Errorf("BuildRoleARN bad account: %v", err)
	}
}

func TestOptionsReachSTS(t *testing.T) {
	f, c := newFake()
	a := NewWithClient(f, aws.Config{}, func(o *Options) {
		o.SessionName, o.Duration, o.ExternalID, o.SourceIdentity = "sess", 30*time.Minute, "ext-1", "alice"
		o.Policy, o.PolicyARNs = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}
		o.Tags, o.TransitiveTagKeys = map[string]string{"b": "2", "a": "1"}, []string{"a"}
		o.Now = c.now
	})
	if _, err := a.Credentials(context.Background(), target); err != nil {
		t.Fatal(err)
	}
	in := f.calls[0]
	got := map[string]any{
		"RoleArn": *in.RoleArn, "RoleSessionName": *in.RoleSessionName, "DurationSeconds": *in.DurationSeconds, "ExternalId": *in.ExternalId,
		"SourceIdentity": *in.SourceIdentity, "Policy": *in.Policy, "PolicyArns": *in.PolicyArns[0].Arn,
		"Tags": fmt.Sprint(*in.Tags[0].Key, *in.Tags[0].Value, *in.Tags[1].Key, *in.Tags[1].Value), "TransitiveTagKeys": in.TransitiveTagKeys,
	}
	want := map[string]any{
		"RoleArn": target, "RoleSessionName": "sess", "DurationSeconds": int32(1800), "ExternalId": "ext-1", "SourceIdentity": "alice",
		"Policy": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, "PolicyArns": "arn:aws:iam::aws:policy/ReadOnlyAccess",
		"Tags": "a1b2", "TransitiveTagKeys": []string{"a"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AssumeRoleInput (-want +got):\n%s", diff)
	}
}

func TestCacheReuseAndRefresh(t *testing.T) {
	f, c := newFake()
	a := NewWithClient(f, aws.Config{}, func(o *Options) { o.Now = c.now })
	ctx := context.Background()
	// N warm invocations inside the credential window: one AssumeRole.
	var first aws.Credentials
	for i := 0; i < 100; i++ {
		cr, err := a.Credentials(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = cr
		} else if cr.AccessKeyID != first.AccessKeyID {
			t.Fatalf("invocation %d got new credentials", i)
		}
		c.add(30 * time.Second)
	}
	if n := f.count(); n != 1 {
		t.Fatalf("got %d AssumeRole calls for 100 invocations within an hour, want 1", n)
	}
	// Entering the expiry window (5 minutes before the hour) refreshes.
	c.add(6 * time.Minute)
	cr, err := a.Credentials(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if f.count() != 2 || cr.AccessKeyID == first.AccessKeyID {
		t.Errorf("after %v: got %d calls and key %s, want a refresh", 56*time.Minute, f.count(), cr.AccessKeyID)
	}
	// Different roles, external ids and session policies never share.
	a.Credentials(ctx, "arn:aws:iam::333333333333:role/role-on-source-account")
	a.Credentials(ctx, target, func(o *Options) { o.ExternalID = "other" })
	a.Credentials(ctx, target, func(o *Options) {
		o.Policy = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`
	})
	if f.count() != 5 {
		t.Errorf("got %d calls, want 5 (one per distinct role/external id/policy)", f.count())
	}
}

func TestConcurrentCallersShareOneCall(t *testing.T) {
	f, c := newFake()
	f.delay = 20 * time.Millisecond
	a := NewWithClient(f, aws.Config{}, func(o *Options) { o.Now = c.now })
	var wg sync.WaitGroup
	var keys sync.Map
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cr, err := a.Credentials(context.Background(), target)
			if err != nil {
				t.Error(err)
				return
			}
			keys.Store(cr.AccessKeyID, true)
		}()
	}
	wg.Wait()
	if n := f.count(); n != 1 {
		t.Errorf("got %d AssumeRole calls from 32 concurrent callers, want 1", n)
	}
}

func apiErr(code, msg string) error {
	return &smithy.GenericAPIError{Code: code, Message: msg}
}

func TestErrorsAndExplanation(t *testing.T) {
	f, c := newFake()
	f.err = apiErr("AccessDenied", "User: arn:aws:sts::111111111111:assumed-role/my-lambda-execution-role/fn is not authorized to perform: sts:AssumeRole on resource: "+target)
	a := NewWithClient(f, aws.Config{}, func(o *Options) { o.Now = c.now })
	_, err := a.Credentials(context.Background(), target)
	if !IsAccessDenied(err) {
		t.Fatalf("got %v, want AccessDenied", err)
	}
	want := `AccessDenied: arn:aws:sts::111111111111:assumed-role/my-lambda-execution-role/fn may not assume arn:aws:iam::222222222222:role/role-on-source-account. One of the three cross-account setup steps is missing:
  1. identity permission: a policy of arn:aws:iam::111111111111:role/my-lambda-execution-role (the role behind arn:aws:sts::111111111111:assumed-role/my-lambda-execution-role/fn) must allow sts:AssumeRole on arn:aws:iam::222222222222:role/role-on-source-account
  2. trust policy: the trust policy of arn:aws:iam::222222222222:role/role-on-source-account must allow sts:AssumeRole for arn:aws:iam::111111111111:role/my-lambda-execution-role (or for account 111111111111, pinned with an aws:PrincipalArn condition)
  3. the call: it must present what the trust policy's conditions require — no sts:ExternalId was sent; set one if the trust policy asks for it
Run ` + "`xacct check`" + ` on the templates to see which step it is.`
	if got := Explain(err); got != want {
		t.Errorf("Explain:\n%s\nwant\n%s", got, want)
	}
	if f.count() != 1 {
		t.Fatal("error not from STS")
	}
	// Errors are not cached: the next call retries.
	f.err = nil
	if _, err := a.Credentials(context.Background(), target); err != nil {
		t.Errorf("retry after error: %v", err)
	}
	for code, check := range map[string]func(error) bool{
		"ExpiredToken":    IsExpiredCredentials,
		"ValidationError": IsInvalidInput,
	} {
		f.err = apiErr(code, "x")
		_, err := NewWithClient(f, aws.Config{}).Credentials(context.Background(), target)
		if !check(err) {
			t.Errorf("%s: not classified (%v)", code, err)
		}
	}
	if _, err := a.Credentials(context.Background(), "not-an-arn"); !IsInvalidInput(err) {
		t.Errorf("bad ARN: got %v", err)
	}
	if _, err := a.Credentials(context.Background(), target, func(o *Options) { o.Duration = time.Minute }); !IsInvalidInput(err) {
		t.Errorf("bad duration: got %v", err)
	}
}

func TestForEachAccount(t *testing.T) {
	var running, peak atomic.Int32
	accounts := []string{"111111111111", "222222222222", "bad", "333333333333", "444444444444", "555555555555"}
	res := ForEachAccount(context.Background(), accounts, 2, func(ctx context.Context, acct string) (string, error) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
		running.Add(-1)
		if acct == "333333333333" {
			return "", errors.New("boom")
		}
		return "ok " + acct, nil
	})
	if peak.Load() > 2 {
		t.Errorf("got %d concurrent calls, want at most 2", peak.Load())
	}
	if res[0].Value != "ok 111111111111" || !IsInvalidInput(res[2].Err) || res[3].Err == nil || res[5].Value != "ok 555555555555" {
		t.Errorf("got %+v", res)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res2 := ForEachAccount(ctx, []string{"111111111111", "222222222222", "333333333333"}, 1, func(ctx context.Context, acct string) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	})
	for _, r := range res2 {
		if !errors.Is(r.Err, context.Canceled) {
			t.Errorf("%s after cancel: got %v", r.Account, r.Err)
		}
	}
}
