package stackdeploy

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/xacct/xacct/cfntemplate"
)

// Artifact is one local code location a template points at: a function's
// CodeUri or Code, a layer's ContentUri or Content.
type Artifact struct {
	// LogicalID is the resource ("Globals" for Globals.Function.CodeUri).
	LogicalID string
	// Property is CodeUri, Code, ContentUri or Content.
	Property string
	// Path is the local path, made absolute against the template's
	// directory.
	Path string
	// Runtime is the function's Runtime (from Globals when the function
	// has none); empty for a layer or when it is not a literal.
	Runtime string
	// BuildMethod is the resource's Metadata.BuildMethod, as `sam build`
	// reads it (go1.x, python3.12, makefile, ...).
	BuildMethod string
	// Layer is true for a layer's content.
	Layer bool
}

// artifactOf describes the local code location path of resource id's
// property prop in t, whose file is in directory base.
func artifactOf(t *cfntemplate.Template, base, id, prop, path string) Artifact {
	if !filepath.IsAbs(path) {
		path = filepath.Join(base, path)
	}
	a := Artifact{LogicalID: id, Property: prop, Path: path, Layer: prop == "ContentUri" || prop == "Content"}
	globals := t.Section("Globals").Get("Function")
	if id == "Globals" {
		if v := globals.Get("Runtime"); v.IsString() {
			a.Runtime = v.Str
		}
		return a
	}
	r, ok := t.Resource(id)
	if !ok {
		return a
	}
	if v := r.Properties.Get("Runtime"); v.IsString() {
		a.Runtime = v.Str
	} else if v := globals.Get("Runtime"); r.Type == "AWS::Serverless::Function" && v.IsString() {
		a.Runtime = v.Str
	}
	if v := r.Metadata.Get("BuildMethod"); v.IsString() {
		a.BuildMethod = v.Str
	}
	return a
}

// BuildArtifact makes a's deployment package for the emulator on this
// machine, as `sam build` would for its runtime:
//
//   - a file (a .zip, a .jar) is uploaded as it is, as `aws cloudformation
//     package` does;
//   - a Go function (BuildMethod go1.x, or a provided.* runtime whose
//     directory holds Go code) is built with GoBuild, for this machine's
//     OS and architecture, because the emulator runs it as a local process;
//   - a Python function's directory is zipped with its requirements.txt
//     installed by `pip install -t` (for this machine's Python, again
//     because the emulator runs it locally);
//   - any other directory (Node.js, a layer, a prebuilt bootstrap) is
//     zipped as it is; a Node.js directory is not `npm install`ed.
//
// log receives one line per step.
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-cli-command-reference-sam-build.html
func BuildArtifact(ctx context.Context, a Artifact, log io.Writer) ([]byte, error) {
	if log == nil {
		log = io.Discard
	}
	fi, err := os.Stat(a.Path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s %s: %s does not exist (a relative path is read from the template's directory)", a.LogicalID, a.Property, a.Path)
		}
		return nil, err
	}
	if !fi.IsDir() {
		fmt.Fprintf(log, "  %s: uploading %s as it is\n", a.LogicalID, a.Path)
		return os.ReadFile(a.Path)
	}
	bm := strings.ToLower(a.BuildMethod)
	switch {
	case a.Layer && strings.HasPrefix(bm, "python"):
		// sam build puts a Python layer's files under python/, which
		// Lambda puts on sys.path from /opt (AWS SAM Developer Guide,
		// "Building Lambda layers in AWS SAM").
		return pythonPackage(ctx, a, log, "python/")
	case a.Layer && strings.HasPrefix(bm, "nodejs"):
		fmt.Fprintf(log, "  %s: zipping %s under nodejs/\n", a.LogicalID, a.Path)
		return zipDirsUnder("nodejs/", a.Path)
	case a.Layer:
	case bm == "makefile":
		return nil, fmt.Errorf("%s: BuildMethod makefile is not supported by xacct deploy: build it yourself and point %s at the output directory or zip", a.LogicalID, a.Property)
	case bm == "go1.x" || a.Runtime == "go1.x" || strings.HasPrefix(a.Runtime, "provided") && hasGoCode(a.Path):
		fmt.Fprintf(log, "  %s: go build in %s (for this machine, %s)\n", a.LogicalID, a.Path, goTarget())
		return GoBuild(ctx, a.Path)
	case strings.HasPrefix(a.Runtime, "python") || strings.HasPrefix(bm, "python"):
		return pythonPackage(ctx, a, log, "")
	case strings.HasPrefix(a.Runtime, "nodejs") || strings.HasPrefix(bm, "nodejs"):
		if b, err := os.ReadFile(filepath.Join(a.Path, "package.json")); err == nil && bytes.Contains(b, []byte(`"dependencies"`)) {
			if _, err := os.Stat(filepath.Join(a.Path, "node_modules")); err != nil {
				fmt.Fprintf(log, "  %s: note: package.json lists dependencies but there is no node_modules (run npm install in %s first)\n", a.LogicalID, a.Path)
			}
		}
	}
	fmt.Fprintf(log, "  %s: zipping %s\n", a.LogicalID, a.Path)
	return ZipDirs(a.Path)
}

func goTarget() string { return runtime.GOOS + "/" + runtime.GOARCH }

func hasGoCode(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
		return true
	}
	m, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	return len(m) > 0
}

// PipTimeout bounds each of pip's network attempts (pip's --timeout), so
// a machine that cannot reach a package index hears so in seconds, not
// after pip's default 15 s times 5 retries per request.
var PipTimeout = 10 * time.Second

// pythonPackage zips a Python function's or layer's directory, with
// requirements.txt installed beside the code when there is one, every
// file under prefix.
func pythonPackage(ctx context.Context, a Artifact, log io.Writer, prefix string) ([]byte, error) {
	req := filepath.Join(a.Path, "requirements.txt")
	if fi, err := os.Stat(req); err != nil || fi.Size() == 0 || !hasRequirements(req) {
		fmt.Fprintf(log, "  %s: zipping %s%s\n", a.LogicalID, a.Path, under(prefix))
		return zipDirsUnder(prefix, a.Path)
	}
	deps, err := os.MkdirTemp("", "xacct-pip-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(deps)
	name, args := pipCommand()
	if name == "" {
		return nil, fmt.Errorf("%s: %s lists packages but neither pip3, pip nor python3 is on PATH to install them", a.LogicalID, req)
	}
	args = append(args, "install", "--no-input", "--disable-pip-version-check",
		"--timeout", fmt.Sprint(int(PipTimeout.Seconds())), "--retries", "1", "-r", req, "-t", deps)
	fmt.Fprintf(log, "  %s: %s %s\n", a.LogicalID, name, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = a.Path
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, pipError(a, req, err, out)
	}
	fmt.Fprintf(log, "  %s: zipping %s with its requirements%s\n", a.LogicalID, a.Path, under(prefix))
	return zipDirsUnder(prefix, a.Path, deps)
}

// hasRequirements reports whether a requirements file names anything
// (not only comments and blank lines).
func hasRequirements(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
			return true
		}
	}
	return false
}

func pipCommand() (string, []string) {
	for _, n := range []string{"pip3", "pip"} {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("python3"); err == nil {
		return p, []string{"-m", "pip"}
	}
	return "", nil
}

// pipError says why pip failed, with pip's own last lines and what to do
// when no index is reachable.
func pipError(a Artifact, req string, err error, out []byte) error {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) > 6 {
		lines = lines[len(lines)-6:]
	}
	msg := strings.Join(lines, "\n    ")
	why := "failed"
	for _, s := range []string{"NewConnectionError", "Failed to establish a new connection", "Temporary failure in name resolution", "Name or service not known", "ConnectTimeoutError", "Read timed out", "Max retries exceeded"} {
		if bytes.Contains(out, []byte(s)) {
			why = "failed: pip could not reach its package index"
			break
		}
	}
	return fmt.Errorf("%s: pip install -r %s %s (%v):\n    %s\n"+
		"pip needs a package index it can reach: PyPI, or one named by PIP_INDEX_URL, or wheels in a directory named by PIP_FIND_LINKS. "+
		"Without one, install the packages into %s yourself on a machine that has one (pip install -r requirements.txt -t %s) and remove requirements.txt, or ship them as a layer",
		a.LogicalID, req, why, err, msg, a.Path, a.Path)
}

// zipEpoch is the modification time of every zipped file, so the same
// code makes the same zip, the same content hash and the same S3 key: a
// stack deployed again with unchanged code has no changes.
var zipEpoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// ZipDirs zips the files under each directory at the root of one archive
// (a later directory's file replaces an earlier one's of the same name),
// in name order with fixed times, keeping the executable bit. __pycache__
// and .git directories are left out.
func ZipDirs(dirs ...string) ([]byte, error) { return zipDirsUnder("", dirs...) }

func under(prefix string) string {
	if prefix == "" {
		return ""
	}
	return " under " + prefix
}

// zipDirsUnder is ZipDirs with every name prefixed.
func zipDirsUnder(prefix string, dirs ...string) ([]byte, error) {
	files := map[string]string{}
	var names []string
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != dir && (d.Name() == "__pycache__" || d.Name() == ".git") {
					return filepath.SkipDir
				}
				return nil
			}
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			if _, ok := files[rel]; !ok {
				names = append(names, rel)
			}
			files[rel] = p
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		p := files[n]
		fi, err := os.Stat(p) // follows a symlink to its file
		if err != nil {
			return nil, err
		}
		if fi.IsDir() {
			continue
		}
		h := &zip.FileHeader{Name: prefix + n, Method: zip.Deflate, Modified: zipEpoch}
		h.SetMode(0o644)
		if fi.Mode()&0o111 != 0 {
			h.SetMode(0o755)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		_, err = io.Copy(w, f)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
