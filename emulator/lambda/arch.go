package lambda

import (
	"debug/elf"
	"fmt"
	"os/exec"
	"runtime"
)

// elfArch names the Go architecture an ELF executable is built for, or ""
// when the file is not ELF (a shell-script bootstrap runs as it is).
func elfArch(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	switch f.Machine {
	case elf.EM_AARCH64:
		return "arm64"
	case elf.EM_X86_64:
		return "amd64"
	default:
		return f.Machine.String()
	}
}

// qemuFor lists the user-mode emulators that run an executable of arch.
var qemuFor = map[string][]string{
	"arm64": {"qemu-aarch64-static", "qemu-aarch64"},
	"amd64": {"qemu-x86_64-static", "qemu-x86_64"},
}

// bootstrapCommand runs the bootstrap at path. Lambda runs an arm64
// function on arm64 hardware; here a bootstrap built for another
// architecture than this machine's (sam build's arm64 output on an amd64
// laptop) runs under qemu user-mode emulation when qemu is installed, so
// the artifact that goes to AWS is the one that runs locally. Without qemu
// the start fails with an error that says how to fix it.
func bootstrapCommand(path string) (*exec.Cmd, error) {
	arch := elfArch(path)
	if arch == "" || arch == runtime.GOARCH {
		return exec.Command(path), nil
	}
	for _, name := range qemuFor[arch] {
		if q, err := exec.LookPath(name); err == nil {
			return exec.Command(q, path), nil
		}
	}
	return nil, &startError{err: fmt.Errorf("the bootstrap is a linux/%s executable and this machine is linux/%s: build it with GOARCH=%s for local runs, or install qemu user-mode emulation (apt-get install qemu-user-static) to run the %s binary as built",
		arch, runtime.GOARCH, runtime.GOARCH, arch)}
}
