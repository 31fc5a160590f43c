package main

import (
	"strings"
	"testing"
)

// TestServeRuntimeFlag: a --runtime that is not RUNTIME=PATH for a Python
// or Node.js runtime stops `xacct serve` before it listens, saying why.
func TestServeRuntimeFlag(t *testing.T) {
	for _, bad := range []string{"python3.12", "ruby3.3=/usr/bin/ruby"} {
		_, errs, err := runMain(t, "serve", "--addr", "127.0.0.1:0", "--runtime", bad)
		if err == nil || !strings.Contains(err.Error()+errs, "runtime interpreter") || strings.Contains(errs, "listening") {
			t.Errorf("--runtime %s: %v\n%s", bad, err, errs)
		}
	}
}
