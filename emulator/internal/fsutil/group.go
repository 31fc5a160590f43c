package fsutil

import (
	"io"
	"path/filepath"
	"sync"
)

// Group commits fsyncs: concurrent callers of Sync share one call of the
// sync function, so 64 writers waiting on the same directory pay for one
// or two fsyncs instead of 64. Sync returns only after a sync that started
// after Sync was called has finished, so whatever the caller wrote before
// calling Sync is covered. A Group is safe for concurrent use.
type Group struct {
	sync func() error

	mu      sync.Mutex
	cond    *sync.Cond
	running bool
	started uint64 // generation of the latest sync begun
	done    uint64 // generation of the latest sync finished
	err     error  // result of generation done
}

// NewGroup returns a Group whose syncs call fn.
func NewGroup(fn func() error) *Group {
	g := &Group{sync: fn}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// Sync waits for a sync that began after the call and returns its error.
// The first waiter to find no sync running runs the next one for everyone
// waiting.
func (g *Group) Sync() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	want := g.started + 1
	for g.done < want {
		if g.running {
			g.cond.Wait()
			continue
		}
		g.running = true
		g.started++
		gen := g.started
		g.mu.Unlock()
		err := g.sync()
		g.mu.Lock()
		g.running = false
		g.done, g.err = gen, err
		g.cond.Broadcast()
	}
	// A later sync than the one wanted also covers this caller; its result
	// is the one that says whether the caller's writes are durable.
	return g.err
}

// Dirs group-commits directory fsyncs, one Group per directory. It is safe
// for concurrent use.
type Dirs struct {
	mu     sync.Mutex
	groups map[string]*Group
}

// Sync makes every create, rename and remove done in dir before the call
// durable, sharing the fsync with concurrent callers.
func (d *Dirs) Sync(dir string) error {
	d.mu.Lock()
	if d.groups == nil {
		d.groups = map[string]*Group{}
	}
	g := d.groups[dir]
	if g == nil {
		g = NewGroup(func() error { return SyncDir(dir) })
		d.groups[dir] = g
	}
	d.mu.Unlock()
	return g.Sync()
}

// ReplaceFrom is WriteFrom with the directory fsync shared through dirs:
// the file's bytes are fsynced by this caller, the rename by a directory
// fsync that concurrent writers share.
func ReplaceFrom(dirs *Dirs, path string, write func(w io.Writer) error) error {
	if err := writeRename(path, write); err != nil {
		return err
	}
	return dirs.Sync(filepath.Dir(path))
}
