package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/xacct/xacct/s3copy"
)

// progressEvery is how often copy writes a progress line when stderr is
// not a terminal (a log file, CI output): a bar's carriage returns would
// fill it with redraws.
const progressEvery = 5 * time.Second

// progress shows a copy's progress on stderr: a bar on a terminal, a
// plain line every progressEvery otherwise, nothing with --quiet.
type progress struct {
	mu   sync.Mutex
	w    io.Writer
	now  func() time.Time
	bar  *progressbar.ProgressBar // nil unless w is a terminal
	last time.Time
	off  bool
}

func newProgress(w io.Writer, quiet bool, now func() time.Time) *progress {
	pr := &progress{w: w, now: now, off: quiet, last: now()}
	if quiet || !isTerminal(w) {
		return pr
	}
	pr.bar = progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("copying"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("objects"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSpinnerType(14),
		// No ticker goroutine: progressbar v3.19.1's reads the bar's
		// state without its lock (a data race with Describe and
		// Finish); the spinner moves on each progress report instead.
		progressbar.OptionSetSpinnerChangeInterval(0),
		progressbar.OptionClearOnFinish(),
	)
	return pr
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (pr *progress) line(p s3copy.Progress) string {
	return fmt.Sprintf("copied %d, skipped %d, failed %d, %s", p.Copied, p.Skipped, p.Failed, humanBytes(p.Bytes))
}

// update is the engine's Progress callback.
func (pr *progress) update(p s3copy.Progress) {
	if pr.off {
		return
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.bar != nil {
		pr.bar.Describe(pr.line(p))
		pr.bar.Set(p.Copied + p.Skipped + p.Failed)
		return
	}
	if now := pr.now(); now.Sub(pr.last) >= progressEvery {
		pr.last = now
		fmt.Fprintf(pr.w, "xacct copy: %s\n", pr.line(p))
	}
}

// finish clears the bar; the JSON summary follows on stdout.
func (pr *progress) finish() {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.bar != nil {
		pr.bar.Finish()
	}
}
