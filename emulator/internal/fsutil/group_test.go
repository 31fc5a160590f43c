package fsutil

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestGroupCoversEarlierWrites: every caller's write is covered by a sync
// that began after it, and concurrent callers share syncs.
func TestGroupCoversEarlierWrites(t *testing.T) {
	var written, covered, calls atomic.Int64
	g := NewGroup(func() error {
		calls.Add(1)
		c := written.Load() // what this sync makes durable
		time.Sleep(2 * time.Millisecond)
		for {
			old := covered.Load()
			if c <= old || covered.CompareAndSwap(old, c) {
				return nil
			}
		}
	})
	const n = 64
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := written.Add(1)
			if err := g.Sync(); err != nil {
				t.Error(err)
			}
			if got := covered.Load(); got < v {
				t.Errorf("Sync returned with %d covered, want at least %d", got, v)
			}
		}()
	}
	wg.Wait()
	if c := calls.Load(); c >= n/2 {
		t.Errorf("got %d syncs for %d callers, want them shared", c, n)
	}
}

func TestGroupReturnsError(t *testing.T) {
	boom := errors.New("boom")
	fail := true
	g := NewGroup(func() error {
		if fail {
			return boom
		}
		return nil
	})
	if err := g.Sync(); !errors.Is(err, boom) {
		t.Fatalf("got %v, want %v", err, boom)
	}
	fail = false
	if err := g.Sync(); err != nil {
		t.Fatalf("got %v after the disk recovered, want nil", err)
	}
}
