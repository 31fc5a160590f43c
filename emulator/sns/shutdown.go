package sns

import (
	"context"
	"os"
	"time"
)

// beginDelivery registers a delivery as in flight; it refuses once Stop
// was called.
func (s *Service) beginDelivery() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return false
	}
	s.pending.Add(1)
	return true
}

// retryPause waits RetryDelay before the next delivery attempt; it
// reports false when the service stopped meanwhile (no more retries).
func (s *Service) retryPause() bool {
	t := time.NewTimer(s.opts.RetryDelay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.retryCtx.Done():
		return false
	}
}

// Stop is the first phase of shutting down: no delivery starts and none
// is retried from now on; attempts in flight go on. It is idempotent.
func (s *Service) Stop() {
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	s.stopRetries()
}

// Shutdown stops the service (Stop), waits for the delivery attempts in
// flight until ctx is done, then cancels them, and removes a temporary
// outbox. It returns ctx's error if it had to cancel attempts.
func (s *Service) Shutdown(ctx context.Context) error {
	s.Stop()
	drained := make(chan struct{})
	go func() {
		s.pending.Wait()
		close(drained)
	}()
	var cut error
	select {
	case <-drained:
	case <-ctx.Done():
		cut = ctx.Err()
		s.abort()
		<-drained
	}
	if s.tempDir != "" {
		if err := os.RemoveAll(s.tempDir); err != nil {
			return err
		}
	}
	return cut
}
