package lambda

import (
	"context"
	"path/filepath"
)

// track records a started execution environment so Shutdown can kill it;
// after the kill it reports false and the caller must close it.
func (s *Service) track(in *instance) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.killed {
		return false
	}
	s.live[in] = struct{}{}
	s.byKey.Store(in.creds.AccessKeyID, in)
	return true
}

func (s *Service) untrack(in *instance) {
	s.mu.Lock()
	delete(s.live, in)
	s.mu.Unlock()
	if in.creds != nil {
		s.byKey.CompareAndDelete(in.creds.AccessKeyID, in)
	}
}

// Stop is the first phase of shutting down: new invocations are refused
// (ServiceException), and asynchronous invocations make no further retry.
// Invocations already running go on. Stop is idempotent.
func (s *Service) Stop() { s.gate.Stop() }

// Shutdown stops the service (Stop), waits for the invocations in flight
// until ctx is done, then kills every execution environment still
// running, and closes the service. When it returns, no function process
// it started is alive. It returns ctx's error if it had to kill
// invocations in flight.
func (s *Service) Shutdown(ctx context.Context) error {
	// The killed invocations answer Runtime.ExitError at once.
	cut := s.gate.Drain(ctx, s.killAll)
	live := s.stopLive()
	s.mu.Lock()
	pools := s.pools
	s.pools = map[string]*pool{}
	s.mu.Unlock()
	for _, p := range pools {
		p.shutdown()
	}
	for _, in := range live {
		in.close()
	}
	releaseCode(filepath.Join(s.store.dir, "code"))
	releaseCode(filepath.Join(s.store.dir, "opt"))
	if err := s.store.close(); err != nil {
		return err
	}
	return cut
}

// killAll kills every execution environment, busy or idle; the ones being
// started are killed as soon as they are (track).
func (s *Service) killAll() {
	for _, in := range s.stopLive() {
		in.kill()
	}
}

// stopLive refuses new execution environments (track) and returns the
// ones running.
func (s *Service) stopLive() []*instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killed = true
	live := make([]*instance, 0, len(s.live))
	for in := range s.live {
		live = append(live, in)
	}
	return live
}
