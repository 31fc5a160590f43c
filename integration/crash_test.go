package integration

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// TestKillNineUnderLoad runs the mixed write load against `xacct serve
// --data-dir`, kills the process with SIGKILL at 20 random points of it,
// and after each restart checks that the server started, that every
// acknowledged write is there, and that a write cut short by the kill is
// wholly there or not at all.
func TestKillNineUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a server 20 times")
	}
	dir := t.TempDir()
	ctx := context.Background()
	s := serve(t, "--data-dir", dir, "--quiet")
	w := newWorkload(ctx, t, s.URL)
	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for kill := range 20 {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for i, kind := range opKinds {
			wg.Add(1)
			go func(rnd *rand.Rand) {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if err := w.do(ctx, kind, rnd, 32<<10); err != nil && httpStatus(err) != 0 {
						t.Errorf("%s: %v", kind, err) // an answer, not a dropped connection
					}
				}
			}(rand.New(rand.NewPCG(uint64(kill*10+i), rnd.Uint64())))
		}
		time.Sleep(time.Duration(20+rnd.IntN(150)) * time.Millisecond)
		s.kill()
		close(stop)
		wg.Wait()
		s = serve(t, "--data-dir", dir, "--quiet")
		w.url = s.URL
		w.verify(ctx, t, s.URL)
		if t.Failed() {
			t.Fatalf("after kill %d; server log:\n%s", kill+1, s.logs)
		}
	}
	acked, _ := w.counts()
	t.Logf("acknowledged over 20 kills: %v", acked)
}
