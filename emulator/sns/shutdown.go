package sns

import (
	"context"
	"os"
)

// Stop is the first phase of shutting down: no delivery starts and none
// is retried from now on; attempts in flight go on. It is idempotent.
func (s *Service) Stop() { s.gate.Stop() }

// Shutdown stops the service (Stop), waits for the delivery attempts in
// flight until ctx is done, then cancels them, and removes a temporary
// outbox. It returns ctx's error if it had to cancel attempts.
func (s *Service) Shutdown(ctx context.Context) error {
	cut := s.gate.Drain(ctx, s.abort)
	if s.tempDir != "" {
		if err := os.RemoveAll(s.tempDir); err != nil {
			return err
		}
	}
	return cut
}
