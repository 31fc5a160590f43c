package stackdeploy

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xacct/xacct/cfntemplate"
)

func write(t *testing.T, path, body string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
}

func zipNames(t *testing.T, b []byte) map[string]os.FileMode {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]os.FileMode{}
	for _, f := range zr.File {
		out[f.Name] = f.Mode().Perm()
	}
	return out
}

// TestZipDirsDeterministic: the same directory zips to the same bytes
// whatever the files' times (so an unchanged function has an unchanged S3
// key and the stack no changes), keeps the executable bit and leaves out
// __pycache__.
func TestZipDirsDeterministic(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "app.py"), "def handler(e, c): return 1\n", 0o644)
	write(t, filepath.Join(dir, "bin", "tool"), "#!/bin/sh\n", 0o755)
	write(t, filepath.Join(dir, "__pycache__", "app.cpython-311.pyc"), "x", 0o644)
	a, err := ZipDirs(dir)
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(dir, "app.py"), later, later)
	b, err := ZipDirs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("a touched file changed the zip")
	}
	names := zipNames(t, a)
	if len(names) != 2 || names["app.py"] != 0o644 || names["bin/tool"] != 0o755 {
		t.Fatalf("zip: %v", names)
	}
}

// TestBuildArtifactByRuntime: a Python directory is zipped, a file is
// uploaded as it is, a missing directory is named, a makefile build is
// refused with what to do.
func TestBuildArtifactByRuntime(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "py", "app.py"), "x = 1\n", 0o644)
	write(t, filepath.Join(dir, "py", "requirements.txt"), "# nothing needed\n\n", 0o644)
	write(t, filepath.Join(dir, "code.zip"), "PK-not-really", 0o644)
	b, err := BuildArtifact(ctx, Artifact{LogicalID: "Fn", Property: "CodeUri", Path: filepath.Join(dir, "py"), Runtime: "python3.12"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if n := zipNames(t, b); len(n) != 2 {
		t.Fatalf("python zip: %v", n)
	}
	b, err = BuildArtifact(ctx, Artifact{LogicalID: "Fn", Property: "CodeUri", Path: filepath.Join(dir, "code.zip")}, io.Discard)
	if err != nil || string(b) != "PK-not-really" {
		t.Fatalf("file: %q %v", b, err)
	}
	_, err = BuildArtifact(ctx, Artifact{LogicalID: "Fn", Property: "CodeUri", Path: filepath.Join(dir, "nope")}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "Fn CodeUri") || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing: %v", err)
	}
	_, err = BuildArtifact(ctx, Artifact{LogicalID: "Fn", Property: "CodeUri", Path: filepath.Join(dir, "py"), BuildMethod: "makefile"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "makefile is not supported") {
		t.Fatalf("makefile: %v", err)
	}
}

// TestBuildArtifactGo: a provided.al2023 function whose directory holds
// Go code is built into a bootstrap for this machine.
func TestBuildArtifactGo(t *testing.T) {
	if testing.Short() {
		t.Skip("go build")
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "go.mod"), "module example.com/fn\n\ngo 1.21\n", 0o644)
	write(t, filepath.Join(dir, "main.go"), "package main\n\nfunc main() {}\n", 0o644)
	var log bytes.Buffer
	b, err := BuildArtifact(context.Background(), Artifact{LogicalID: "Fn", Property: "CodeUri", Path: dir, Runtime: "provided.al2023"}, &log)
	if err != nil {
		t.Fatal(err)
	}
	if n := zipNames(t, b); n["bootstrap"] != 0o755 || len(n) != 1 {
		t.Fatalf("go zip: %v", n)
	}
	if !strings.Contains(log.String(), "go build") {
		t.Fatalf("log: %s", log.String())
	}
}

// TestPipWithoutIndex: requirements.txt with no reachable index (this
// machine has none, or the test points pip at an empty one) fails in
// seconds with pip's own reason and what to do.
func TestPipWithoutIndex(t *testing.T) {
	if name, _ := pipCommand(); name == "" {
		t.Skip("no pip on PATH")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "app.py"), "import sixty_six\n", 0o644)
	write(t, filepath.Join(dir, "requirements.txt"), "xacct-no-such-package-anywhere==1.0\n", 0o644)
	// An index that refuses connections and an empty wheel directory:
	// nothing can be found, as on a machine without network.
	empty := t.TempDir()
	t.Setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
	t.Setenv("PIP_FIND_LINKS", empty)
	t.Setenv("PIP_CONFIG_FILE", os.DevNull)
	start := time.Now()
	_, err := BuildArtifact(context.Background(), Artifact{LogicalID: "Fn", Property: "CodeUri", Path: dir, Runtime: "python3.11"}, io.Discard)
	took := time.Since(start)
	if err == nil {
		t.Fatal("pip succeeded without an index")
	}
	for _, want := range []string{"Fn: pip install -r", "requirements.txt failed: pip could not reach its package index", "xacct-no-such-package-anywhere", "PIP_INDEX_URL", "PIP_FIND_LINKS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in:\n%v", want, err)
		}
	}
	t.Logf("pip failed after %v:\n%v", took.Round(time.Millisecond), err)
}

func TestArtifactOfRuntime(t *testing.T) {
	tpl, err := cfntemplate.Parse([]byte(`Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: python3.12}
Resources:
  A: {Type: AWS::Serverless::Function, Properties: {CodeUri: a/, Handler: x.y}}
  B: {Type: AWS::Serverless::Function, Properties: {CodeUri: b/, Runtime: provided.al2023, Handler: bootstrap}, Metadata: {BuildMethod: go1.x}}
`))
	if err != nil {
		t.Fatal(err)
	}
	a := artifactOf(tpl, "/base", "A", "CodeUri", "a/")
	b := artifactOf(tpl, "/base", "B", "CodeUri", "/abs/b")
	got := []string{a.Runtime, a.Path, b.Runtime, b.BuildMethod, b.Path}
	want := []string{"python3.12", filepath.Join("/base", "a"), "provided.al2023", "go1.x", "/abs/b"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %v, want %v", got, want)
	}
}
