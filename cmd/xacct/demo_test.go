package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestDemo runs `xacct demo` in-process: it must succeed and show the copy,
// each broken step with the emulator's diagnosis, and the recovery.
func TestDemo(t *testing.T) {
	var out, errb bytes.Buffer
	if err := NewMain(&out, &errb).Run(context.Background(), []string{"demo"}); err != nil {
		t.Fatalf("demo: %v\n%s%s", err, out.String(), errb.String())
	}
	for _, want := range []string{
		"summary: copied 4, skipped 0, failed 0",
		"run again: copied 0, skipped 4",
		"step 1 (identity permission)",
		"step 2 (trust policy)",
		"step 3 (the call)",
		"no statement of the resource-based policy allows this principal",
		"copied 0, skipped 4: the setup works again",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if err := NewMain(&out, &errb).Run(context.Background(), []string{"nope"}); err == nil || !strings.Contains(errb.String(), "demo") {
		t.Errorf("got %v, usage %q", err, errb.String())
	}
}
