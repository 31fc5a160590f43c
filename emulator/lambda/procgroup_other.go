//go:build !unix

package lambda

import (
	"os"
	"os/exec"
)

// ownProcessGroup does nothing where there are no Unix process groups.
func ownProcessGroup(cmd *exec.Cmd) {}

// killGroup kills p; on this OS the processes p started may outlive it.
func killGroup(p *os.Process) {
	p.Kill()
}
