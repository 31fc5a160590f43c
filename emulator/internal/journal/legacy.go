package journal

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/xacct/xacct/emulator/internal/fsutil"
)

// maxRecoverTries bounds the search for a record appended onto a torn
// line of a legacy file.
const maxRecoverTries = 64

// OpenMigrating opens the journal at path like Open, first converting a
// JSON-lines file written by earlier versions (legacy, one JSON document a
// line) if there is one: its lines become records of path, in order, and
// legacy is removed. fn sees every record either way and decides what a
// line means: a line it rejects is dropped with a warning (a torn line
// that was never acknowledged). When a torn line had the next record
// appended onto it (earlier versions did that after a failed write), the
// record at its end is recovered.
func OpenMigrating(path, legacy string, opts Options, fn func(payload []byte) error) (*Journal, error) {
	if _, err := os.Stat(legacy); errors.Is(err, fs.ErrNotExist) {
		return Open(path, opts, fn)
	} else if err != nil {
		return nil, err
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if _, err := os.Stat(path); err == nil {
		// A conversion finished but crashed before removing the old file.
		if err := removeDurably(legacy); err != nil {
			return nil, err
		}
		return Open(path, opts, fn)
	}
	var kept [][]byte
	dropped := 0
	err := readLines(legacy, func(line []byte) {
		if len(bytes.TrimSpace(line)) == 0 {
			return
		}
		if fn(line) == nil {
			kept = append(kept, bytes.Clone(line))
			return
		}
		tries := 0
		for i := 1; i < len(line) && tries < maxRecoverTries; i++ {
			if line[i] != '{' {
				continue
			}
			tries++
			if fn(line[i:]) == nil {
				kept = append(kept, bytes.Clone(line[i:]))
				log.Warn("journal: recovered a record appended onto a torn line", slog.String("file", legacy), slog.Int("dropped_bytes", i))
				return
			}
		}
		dropped++
	})
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", legacy, err)
	}
	if dropped > 0 {
		log.Warn("journal: dropped torn lines of a write that was never acknowledged", slog.String("file", legacy), slog.Int("lines", dropped))
	}
	if _, err := WriteFile(path, func(add func([]byte) error) error {
		for _, p := range kept {
			if err := add(p); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := removeDurably(legacy); err != nil {
		return nil, err
	}
	log.Info("journal: converted a data file of an earlier version", slog.String("from", legacy), slog.String("to", path), slog.Int("records", len(kept)))
	return Open(path, opts, func([]byte) error { return nil })
}

// readLines calls fn with every line of path, of any length.
func readLines(path string, fn func(line []byte)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && (err == nil || errors.Is(err, io.EOF)) {
			// An unterminated last line was never acknowledged, but it
			// may still be a whole record (the newline is written with
			// it); fn decides.
			fn(bytes.TrimSuffix(line, []byte("\n")))
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func removeDurably(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return fsutil.SyncDir(filepath.Dir(path))
}
