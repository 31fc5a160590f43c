//go:build linux

package lambda

import (
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
