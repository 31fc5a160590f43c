//go:build linux

package lambda

import (
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"unsafe"
)

// pending reports the bytes the pipe holds that nobody has read yet
// (ioctl TIOCINQ); the second result says the count is known.
func (p *outputPipe) pending() (int, bool) {
	// SyscallConn keeps the descriptor alive during the call and fails
	// once the pipe is closed, so this may run while capture closes it.
	var n int32
	rc, err := p.f.SyscallConn()
	if err != nil {
		return 0, true
	}
	var errno syscall.Errno
	if rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	}) != nil {
		return 0, true
	}
	if errno != 0 {
		return 0, false
	}
	return int(n), true
}

// Securebits (linux/securebits.h): with SECBIT_NOROOT set, executing a
// program gives uid 0 no capabilities.
const (
	prSetSecurebits = 28
	secbitNoroot    = 1 << 0
)

// startProcess starts a runtime. When the emulator runs as root, the
// runtime runs as root without capabilities: file modes then bind it as
// they bind any user, so the read-only code directory is read-only to it
// (a root process with CAP_DAC_OVERRIDE writes anywhere). The securebit is
// set on a thread of its own, which the fork inherits and which ends with
// its goroutine (it is never unlocked), so the emulator keeps its
// privileges. The first result says the runtime runs unprivileged.
func startProcess(cmd *exec.Cmd) (bool, error) {
	if os.Geteuid() != 0 {
		return true, cmd.Start()
	}
	type result struct {
		err     error
		dropped bool
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		_, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetSecurebits, secbitNoroot, 0)
		done <- result{cmd.Start(), errno == 0}
	}()
	r := <-done
	return r.dropped, r.err
}
