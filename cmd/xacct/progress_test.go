package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xacct/xacct/s3copy"
)

// TestProgressLines: off a terminal, copy's progress is a plain line at
// most every progressEvery, with no carriage returns; --quiet prints none.
func TestProgressLines(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var buf bytes.Buffer
	pr := newProgress(&buf, false, clock)
	if pr.bar != nil {
		t.Fatal("a bytes.Buffer is not a terminal, but got a bar")
	}
	pr.update(s3copy.Progress{Copied: 1})
	now = now.Add(progressEvery)
	pr.update(s3copy.Progress{Copied: 2, Skipped: 1, Bytes: 2048})
	now = now.Add(time.Second)
	pr.update(s3copy.Progress{Copied: 3})
	pr.finish()
	if got, want := buf.String(), "xacct copy: copied 2, skipped 1, failed 0, 2.0 KiB\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}

	buf.Reset()
	q := newProgress(&buf, true, clock)
	now = now.Add(time.Hour)
	q.update(s3copy.Progress{Copied: 1})
	q.finish()
	if strings.TrimSpace(buf.String()) != "" {
		t.Errorf("--quiet printed %q", buf.String())
	}
}
