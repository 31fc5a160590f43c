package inflight

import (
	"context"
	"testing"
	"time"
)

func TestGate(t *testing.T) {
	g := New()
	if !g.Enter() {
		t.Fatal("Enter on an open gate: got false, want true")
	}
	done := make(chan error, 1)
	go func() {
		done <- g.Drain(context.Background(), func() { t.Error("cut called within the grace period") })
	}()
	if g.Sleep(5 * time.Second) {
		t.Fatal("Sleep not ended by Drain's Stop")
	}
	if g.Enter() {
		t.Fatal("Enter after Stop: got true, want false")
	}
	select {
	case err := <-done:
		t.Fatalf("Drain returned %v with work in flight", err)
	default:
	}
	g.Leave()
	if err := <-done; err != nil {
		t.Fatalf("Drain: got %v, want nil", err)
	}
	g.Stop() // idempotent
}

func TestDrainCutsWhenGraceEnds(t *testing.T) {
	g := New()
	g.Enter()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cut := false
	err := g.Drain(ctx, func() { cut = true; g.Leave() })
	if !cut || err != context.Canceled {
		t.Fatalf("got cut=%v err=%v, want cut and context.Canceled", cut, err)
	}
}
