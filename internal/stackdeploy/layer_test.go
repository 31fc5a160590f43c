package stackdeploy

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestLayerBuildMethods: a layer whose Metadata names a Python BuildMethod
// is zipped under python/ (a Node.js one under nodejs/) as `sam build`
// does, so the runtime finds it in /opt/python; a layer without one is
// zipped as it is (AWS SAM Developer Guide, "Building Lambda layers in AWS
// SAM").
func TestLayerBuildMethods(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "cross_account.py"), "def f(): pass\n", 0o644)
	write(t, filepath.Join(dir, "pkg", "__init__.py"), "", 0o644)
	for _, tc := range []struct{ method, want string }{
		{"python3.12", "python/cross_account.py python/pkg/__init__.py"},
		{"nodejs20.x", "nodejs/cross_account.py nodejs/pkg/__init__.py"},
		{"", "cross_account.py pkg/__init__.py"},
	} {
		b, err := BuildArtifact(context.Background(), Artifact{LogicalID: "Layer", Property: "ContentUri", Path: dir, Layer: true, BuildMethod: tc.method}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for n := range zipNames(t, b) {
			names = append(names, n)
		}
		sort.Strings(names)
		if got := strings.Join(names, " "); got != tc.want {
			t.Errorf("BuildMethod %q: got %s, want %s", tc.method, got, tc.want)
		}
	}
}
