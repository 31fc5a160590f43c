// Package fsutil writes files so that a crash never leaves a torn or lost
// acknowledged write: data goes to a temporary file in the same directory,
// is fsynced, renamed over the target, and the directory is fsynced.
package fsutil

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile atomically replaces path with data.
func WriteFile(path string, data []byte) error {
	return WriteFrom(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFrom atomically replaces path with what write produces. If write
// fails, path is left as it was.
func WriteFrom(path string, write func(w io.Writer) error) error {
	if err := writeRename(path, write); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// writeRename writes a temporary file beside path, fsyncs it and renames it
// over path; the rename is durable once the directory is fsynced.
func writeRename(path string, write func(w io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := MkdirAll(dir); err != nil { // a new directory must survive too
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}

// SyncDir fsyncs a directory so a rename or create in it is durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
