package lambda

import (
	_ "embed"
	"os"
	"path/filepath"
)

//go:embed pyruntime/bootstrap.py
var pythonRuntime []byte

//go:embed noderuntime/bootstrap.cjs
var nodeRuntime []byte

// writeRuntime writes an embedded runtime (the Python or Node.js
// bootstrap) next to the functions' code and returns its path.
func writeRuntime(dir, name string, content []byte) (string, error) {
	p := filepath.Join(dir, "runtime", name)
	if b, err := os.ReadFile(p); err == nil && string(b) == string(content) {
		return p, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, content, 0o644); err != nil {
		return "", err
	}
	return p, os.Rename(tmp, p)
}
