package lambda

import (
	"testing"
	"time"
)

// TestPipeQuiet: where the OS cannot count a pipe's unread bytes (every
// OS but linux), drain treats a pipe as empty only after nothing new has
// been read from it for quietPeriod.
func TestPipeQuiet(t *testing.T) {
	p := &outputPipe{}
	if p.quiet() {
		t.Fatal("quiet on the first look, want a quiet period first")
	}
	time.Sleep(quietPeriod + 2*time.Millisecond)
	if !p.quiet() {
		t.Fatalf("not quiet after %v without reads", quietPeriod)
	}
	p.read.Add(5)
	if p.quiet() {
		t.Fatal("quiet right after a read")
	}
	time.Sleep(quietPeriod + 2*time.Millisecond)
	if !p.quiet() {
		t.Fatalf("not quiet %v after the last read", quietPeriod)
	}
}
