package integration

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
)

// fullDiskKinds are the writes of the full-disk load: the crash test's
// and two more.
var fullDiskKinds = append(append([]string(nil), opKinds...), "lambda", "cloudformation")

// mountTmpfs mounts a tmpfs of size bytes and returns its path; the test
// is skipped where that is not allowed (not root, no mount).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a size-limited tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if exec.Command("umount", dir).Run() != nil {
			exec.Command("umount", "-l", dir).Run()
		}
	})
	return dir
}

// fill writes a file in dir until the file system is full.
func fill(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	chunk := make([]byte, 64<<10)
	for len(chunk) > 0 {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			chunk = chunk[:len(chunk)/2]
		}
	}
	return f
}

// TestFullDisk runs the mixed write load on a data dir on a small tmpfs
// until the disk is full, keeps writing while a little space comes and
// goes (so writes are cut short by ENOSPC part way), frees the space,
// writes again, and restarts: the emulator starts, every acknowledged
// write is there, no refused one is, and each refused write got a 500
// InternalError and left the service's state as it was.
func TestFullDisk(t *testing.T) {
	dir := mountTmpfs(t, "8m")
	ctx := context.Background()
	p := emulatortest.New(t, emulator.WithDataDir(dir))
	w := newWorkload(ctx, t, p.URL)
	rnd := rand.New(rand.NewPCG(1, 2))
	round := func(perKind, maxSize int, mustSucceed bool) {
		var wg sync.WaitGroup
		for i, kind := range fullDiskKinds {
			wg.Add(1)
			go func(rnd *rand.Rand) {
				defer wg.Done()
				for range perKind {
					err := w.do(ctx, kind, rnd, maxSize)
					switch {
					case err != nil && mustSucceed:
						t.Errorf("%s with free space: %v", kind, err)
					case err != nil:
						checkInternalError(t, kind, err)
					}
				}
			}(rand.New(rand.NewPCG(uint64(i), rnd.Uint64())))
		}
		wg.Wait()
	}
	round(3, 20<<10, true)

	filler := fill(t, filepath.Join(dir, "filler"))
	fi, _ := filler.Stat()
	size := fi.Size()
	for r := range 24 {
		if r >= 6 {
			// A little space comes free: writes larger than it are cut
			// short part way.
			size -= int64(rnd.IntN(48 << 10))
			if err := filler.Truncate(max(size, 0)); err != nil {
				t.Fatal(err)
			}
		}
		round(3, 40<<10, false)
		// Nothing refused is visible, even before a restart.
		w.verify(ctx, t, p.URL)
		if t.Failed() {
			t.FailNow()
		}
	}
	acked, refused := w.counts()
	t.Logf("while the disk was full: acknowledged %v, refused %v", acked, refused)
	for _, kind := range fullDiskKinds {
		if refused[kind] == 0 {
			t.Errorf("no %s write was refused: the disk never filled for it", kind)
		}
	}

	filler.Close()
	os.Remove(filler.Name())
	round(3, 20<<10, true)
	w.verify(ctx, t, p.URL)

	p.Close()
	p2 := emulatortest.New(t, emulator.WithDataDir(dir))
	w.url = p2.URL
	w.verify(ctx, t, p2.URL)
	round(2, 20<<10, true)
	w.verify(ctx, t, p2.URL)
	if t.Failed() {
		t.Logf("emulator log after restart:\n%s", p2.Logs)
	}
}
