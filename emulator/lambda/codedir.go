package lambda

import (
	"io/fs"
	"os"
	"path/filepath"
)

// protectCode makes a function's code directory (or its merged layers)
// read-only, as /var/task and /opt are on Lambda: no write bits on its files, and directories that admit no new
// entries. It is done once per directory (a directory that is already
// read-only is left as it is). A runtime started by root runs without
// capabilities (startProcess), so the modes hold for it too.
func protectCode(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if st.Mode().Perm()&0o222 == 0 {
		return nil
	}
	var dirs []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		if d.IsDir() {
			dirs = append(dirs, p) // after their entries: the walk goes on inside
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.Chmod(p, info.Mode().Perm()&^0o222)
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := os.Chmod(dirs[i], 0o555); err != nil {
			return err
		}
	}
	return nil
}

// releaseCode gives the owner write access to the code directories again,
// so whoever owns the data directory can remove it (a read-only directory
// cannot be emptied by a user without privileges); protectCode makes them
// read-only again when an environment next starts.
func releaseCode(codeRoot string) {
	if os.Geteuid() == 0 {
		return // root removes them as they are
	}
	filepath.WalkDir(codeRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		if info, err := d.Info(); err == nil {
			os.Chmod(p, info.Mode().Perm()|0o200)
		}
		return nil
	})
}
