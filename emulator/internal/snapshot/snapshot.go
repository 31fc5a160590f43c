// Package snapshot keeps a service's state file: JSON written whole and
// atomically (internal/fsutil) after every change, with the last bytes
// written kept so that a change whose save fails can be undone by
// reinstalling the last saved state with the same code that loads it.
package snapshot

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/xacct/xacct/emulator/internal/fsutil"
)

// File is one state file holding a T. It is not safe for concurrent use:
// the service calls it under its own lock.
type File[T any] struct {
	path  string
	saved []byte // as last read or written
}

// Open returns the file at path; nothing is read until Load.
func Open[T any](path string) *File[T] { return &File[T]{path: path} }

// Load reads the file into v. A missing file is not an error: v is left
// as it is and ok is false.
func (f *File[T]) Load(v *T) (ok bool, err error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("%s: %w", f.path, err)
	}
	f.saved = b
	return true, nil
}

// Save writes v durably. On error the file holds what it held before, and
// Last still returns that.
func (f *File[T]) Save(v *T) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := fsutil.WriteFile(f.path, b); err != nil {
		return err
	}
	f.saved = b
	return nil
}

// Last returns the state as last loaded or saved: the zero T when there
// was none.
func (f *File[T]) Last() T {
	var v T
	if len(f.saved) > 0 {
		// Cannot fail: saved was read by Load or marshalled by Save.
		_ = json.Unmarshal(f.saved, &v)
	}
	return v
}
