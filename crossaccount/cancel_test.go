package crossaccount

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// gatedSTS blocks AssumeRole until release is closed, or until the call's
// context ends (as the SDK's client does), and then answers like fakeSTS.
type gatedSTS struct {
	*fakeSTS
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (g *gatedSTS) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	g.once.Do(func() { close(g.entered) })
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.fakeSTS.AssumeRole(ctx, in, optFns...)
}

// TestCancelledCallerDoesNotFailOthers: the caller that starts the shared
// AssumeRole is cancelled; it returns its ctx's error at once, and the
// callers waiting on the same call still get credentials from it (before,
// the call ran under the first caller's context and every waiter failed
// with context canceled).
func TestCancelledCallerDoesNotFailOthers(t *testing.T) {
	f, _ := newFake()
	g := &gatedSTS{fakeSTS: f, entered: make(chan struct{}), release: make(chan struct{})}
	a := NewWithClient(g, aws.Config{}, func(o *Options) { o.Now = f.now })

	ctx1, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := a.Credentials(ctx1, target)
		first <- err
	}()
	<-g.entered

	const others = 4
	var wg sync.WaitGroup
	got := make([]aws.Credentials, others)
	errs := make([]error, others)
	for i := 0; i < others; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = a.Credentials(context.Background(), target)
		}()
	}
	time.Sleep(20 * time.Millisecond) // let the others join the call in flight

	cancel()
	select {
	case err := <-first:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled caller got %v, want %v", err, context.Canceled)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancelled caller still waiting 5s after its cancel, want it to return at once")
	}

	close(g.release)
	wg.Wait()
	for i := range others {
		if errs[i] != nil {
			t.Errorf("caller %d: got %v, want credentials", i, errs[i])
			continue
		}
		if got[i].AccessKeyID != "ASIA1" {
			t.Errorf("caller %d: got key %s, want ASIA1 (the shared call's)", i, got[i].AccessKeyID)
		}
	}
	if n := f.count(); n != 1 {
		t.Errorf("got %d AssumeRole calls, want 1 shared", n)
	}
}
