package lambda

import (
	_ "embed"
	"os"
	"path/filepath"
)

//go:embed pyruntime/bootstrap.py
var pythonRuntime []byte

// pythonBootstrap writes the Python runtime next to the functions' code
// and returns its path.
func pythonBootstrap(dir string) (string, error) {
	p := filepath.Join(dir, "runtime", "python-bootstrap.py")
	if b, err := os.ReadFile(p); err == nil && string(b) == string(pythonRuntime) {
		return p, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, pythonRuntime, 0o644); err != nil {
		return "", err
	}
	return p, os.Rename(tmp, p)
}
