package lambda

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func zipNamed(names ...string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, _ := zw.Create(n)
		w.Write([]byte(n))
	}
	zw.Close()
	return buf.Bytes()
}

// FuzzUnpack: whatever the package, unpack either extracts it inside the
// code directory or refuses it leaving nothing behind.
func FuzzUnpack(f *testing.F) {
	f.Add(zipNamed("a", "a/f"))
	f.Add(zipNamed("a/", "a"))
	f.Add(zipNamed("app.py", "lib/x.py"))
	f.Add(zipNamed("../x"))
	f.Add([]byte("PK\x03\x04 not a zip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		st := &functionStore{fns: map[string]*Function{}, dir: root}
		dir, _, err := st.unpack(data)
		entries, _ := os.ReadDir(filepath.Join(root, "code"))
		if err != nil {
			if len(entries) != 0 {
				t.Fatalf("refused package left %v", entries[0].Name())
			}
			return
		}
		if filepath.Dir(dir) != filepath.Join(root, "code") || len(entries) != 1 {
			t.Fatalf("extracted to %s, code dir holds %d entries", dir, len(entries))
		}
	})
}
