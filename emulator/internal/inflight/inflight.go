// Package inflight counts a service's work in flight, so that the service
// can shut down in two phases: refuse new work (Stop), then wait for what
// runs, cutting it short when the grace period ends (Drain).
//
//	if !g.Enter() {
//		return errShuttingDown
//	}
//	defer g.Leave()
package inflight

import (
	"context"
	"sync"
	"time"
)

// Gate admits work until Stop. The zero value is not usable; call New.
// Its methods are safe for concurrent use.
type Gate struct {
	mu       sync.Mutex
	stopping bool
	work     sync.WaitGroup
	stopped  chan struct{}
}

// New returns an open Gate.
func New() *Gate { return &Gate{stopped: make(chan struct{})} }

// Enter registers one piece of work and reports true, or reports false
// once Stop was called. Every Enter that reported true needs one Leave.
func (g *Gate) Enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopping {
		return false
	}
	g.work.Add(1)
	return true
}

// Leave ends a piece of work registered by Enter.
func (g *Gate) Leave() { g.work.Done() }

// Stop refuses new work from now on and ends every Sleep; work already
// entered goes on. Stop is idempotent.
func (g *Gate) Stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.stopping {
		g.stopping = true
		close(g.stopped)
	}
}

// Sleep waits d before work retries; it reports false, at once, when Stop
// ends the wait (no more retries).
func (g *Gate) Sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-g.stopped:
		return false
	}
}

// Wait blocks until no work is in flight.
func (g *Gate) Wait() { g.work.Wait() }

// Drain calls Stop, then waits for the work in flight until ctx is done;
// then it calls cut (which must make the remaining work end promptly),
// waits for it to end and returns ctx's error. It returns nil when the
// work ended within the grace period.
func (g *Gate) Drain(ctx context.Context, cut func()) error {
	g.Stop()
	drained := make(chan struct{})
	go func() {
		g.work.Wait()
		close(drained)
	}()
	select {
	case <-drained:
		return nil
	case <-ctx.Done():
		cut()
		<-drained
		return ctx.Err()
	}
}
