package emulator_test

import (
	"context"
	"encoding/base64"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
)

func createFunction(t *testing.T, lc *lambda.Client, name, runtime, handler, role string, zipData []byte) {
	t.Helper()
	if _, err := lc.CreateFunction(context.Background(), &lambda.CreateFunctionInput{FunctionName: aws.String(name), Runtime: lambdatypes.Runtime(runtime),
		Role: aws.String(role), Handler: aws.String(handler), Timeout: aws.Int32(30), Code: &lambdatypes.FunctionCode{ZipFile: zipData}}); err != nil {
		t.Fatal(err)
	}
}

func logTail(out *lambda.InvokeOutput) string {
	b, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	return string(b)
}

// codeDir is where the emulator keeps a function's code (GetFunction's
// Code.Location is a file URL).
func codeDir(t *testing.T, lc *lambda.Client, name string) string {
	t.Helper()
	out, err := lc.GetFunction(context.Background(), &lambda.GetFunctionInput{FunctionName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(aws.ToString(out.Code.Location), "file://")
}

const isolationApp = `import json
import os
import sys
import tempfile

import helper


def handler(event, context):
    if event.get("raise"):
        helper.fail(event["raise"])
    try:
        with open(os.path.join(os.path.dirname(__file__), "written.txt"), "w") as f:
            f.write("x")
        wrote = "written"
    except OSError as e:
        wrote = "%s: %s" % (type(e).__name__, e)
    with open(os.path.join(tempfile.gettempdir(), "probe.txt"), "w") as f:
        f.write("ok")
    boto3_file = None
    if not event.get("no_boto3"):
        import boto3
        boto3_file = boto3.__file__
    return {"file": __file__, "helper": helper.__file__, "path": sys.path, "wrote": wrote,
            "tmp": tempfile.gettempdir(), "data": open(os.path.join(os.path.dirname(__file__), "data.txt")).read(),
            "boto3": boto3_file, "version": "%d.%d" % sys.version_info[:2]}
`

const isolationHelper = `def fail(msg):
    raise RuntimeError(msg)
`

// TestPythonRuntimeIsolation checks issue 15's Python rules through the
// API: the handler sees /var/task paths, only the code and the runtime's
// boto3 on sys.path (an undeclared import fails as on Lambda), a
// read-only code directory, a private /tmp, and no __pycache__ written
// into the stored code.
func TestPythonRuntimeIsolation(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	srv := emulatortest.New(t)
	ic := iam.NewFromConfig(srv.Config(home))
	role := execRole(t, ic, "iso-exec", lambdaTrust, basicExecution)
	lc := lambda.NewFromConfig(srv.Config(home))
	createFunction(t, lc, "iso", "python3.12", "app.handler", role,
		zipFiles(t, map[string]string{"app.py": isolationApp, "helper.py": isolationHelper, "data.txt": "shipped"}))

	m, out := invokeJSON(t, lc, "iso", `{}`)
	if out.FunctionError != nil {
		t.Fatalf("iso: %s\n%s", out.Payload, logTail(out))
	}
	if m["file"] != "/var/task/app.py" || m["helper"] != "/var/task/helper.py" {
		t.Errorf("__file__ = %v, helper %v; want /var/task/app.py, /var/task/helper.py", m["file"], m["helper"])
	}
	if m["data"] != "shipped" {
		t.Errorf("reading a file next to __file__: %v", m["data"])
	}
	if w, _ := m["wrote"].(string); !strings.HasPrefix(w, "PermissionError") && !strings.HasPrefix(w, "OSError") {
		t.Errorf("writing into the code directory: %v, want it refused", m["wrote"])
	}
	if tmp, _ := m["tmp"].(string); !strings.Contains(tmp, "xacct-lambda-tmp-") {
		t.Errorf("tempfile.gettempdir() = %q, want the environment's own directory", tmp)
	}
	for _, p := range m["path"].([]any) {
		if strings.Contains(p.(string), "site-packages") {
			t.Errorf("sys.path holds the host's %s", p)
		}
	}
	if path := m["path"].([]any); len(path) == 0 || path[0] != codeDir(t, lc, "iso") {
		t.Errorf("sys.path = %v, want the code directory first", path)
	}
	if b, _ := m["boto3"].(string); !strings.Contains(b, "sdk-python") {
		t.Errorf("boto3 from %q, want the runtime's SDK directory", b)
	}
	if want := pyenvHas("3.12"); want && (m["version"] != "3.12" || strings.Contains(logTail(out), "WARNING xacct")) {
		t.Errorf("python3.12 installed, ran on %v:\n%s", m["version"], logTail(out))
	}

	// The traceback shows /var/task, not the emulator's directories, and
	// none of the runtime's frames.
	_, out = invokeJSON(t, lc, "iso", `{"raise":"boom"}`)
	payload := string(out.Payload)
	if aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(payload, `File \"/var/task/helper.py\", line 2, in fail`) ||
		!strings.Contains(payload, `File \"/var/task/app.py\"`) || strings.Contains(payload, "bootstrap") {
		t.Errorf("error payload: %s", payload)
	}
	if tail := logTail(out); !strings.Contains(tail, `File "/var/task/helper.py", line 2, in fail`) || !strings.Contains(tail, "raise RuntimeError(msg)") {
		t.Errorf("log tail:\n%s", tail)
	}

	// Every Python this machine has runs the same runtime (3.9's importlib
	// and traceback differ from 3.13's).
	for _, v := range []string{"3.9", "3.10", "3.11", "3.13"} {
		if !pyenvHas(v) {
			continue
		}
		name := "iso" + strings.ReplaceAll(v, ".", "")
		createFunction(t, lc, name, "python"+v, "app.handler", role,
			zipFiles(t, map[string]string{"app.py": isolationApp, "helper.py": isolationHelper, "data.txt": "shipped"}))
		m, out := invokeJSON(t, lc, name, `{"no_boto3":true}`)
		if m["version"] != v || m["file"] != "/var/task/app.py" || m["data"] != "shipped" || strings.Contains(logTail(out), "is not installed here") {
			t.Errorf("python%s: %s\n%s", v, out.Payload, logTail(out))
		}
		if _, out = invokeJSON(t, lc, name, `{"raise":"boom"}`); !strings.Contains(string(out.Payload), `File \"/var/task/helper.py\", line 2, in fail`) {
			t.Errorf("python%s traceback: %s", v, out.Payload)
		}
	}

	dir := codeDir(t, lc, "iso")
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && (d.Name() == "__pycache__" || d.Name() == "written.txt") {
			t.Errorf("%s in the stored code", p)
		}
		return nil
	})

	// An import the function did not ship fails as on Lambda, though the
	// host's Python has the module.
	createFunction(t, lc, "needs-requests", "python3.12", "app.handler", role,
		zipFiles(t, map[string]string{"app.py": "import requests\n\ndef handler(event, context):\n    return requests.__version__\n"}))
	_, out = invokeJSON(t, lc, "needs-requests", `{}`)
	if aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), `"errorType": "Runtime.ImportModuleError"`) ||
		!strings.Contains(string(out.Payload), `Unable to import module 'app': No module named 'requests'`) {
		t.Errorf("undeclared import: %s", out.Payload)
	}
}

// pyenvHas reports whether this machine has Python version v where the
// emulator looks for it.
func pyenvHas(v string) bool {
	if exec.Command("python"+v, "-c", "").Run() == nil {
		return true
	}
	root := os.Getenv("PYENV_ROOT")
	if root == "" {
		home, _ := os.UserHomeDir()
		root = filepath.Join(home, ".pyenv")
	}
	m, _ := filepath.Glob(filepath.Join(root, "versions", v+".*", "bin", "python"+v))
	return len(m) > 0
}

// TestPythonRuntimeMissingWarns runs a python3.12 function on a machine
// whose only Python is another version: it runs, and says so beside the
// REPORT line of its log (which `xacct invoke` prints) and in the
// emulator's log. Not parallel: it narrows PATH to that one Python.
func TestPythonRuntimeMissingWarns(t *testing.T) {
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable); print('%d.%d' % sys.version_info[:2])").Output()
	if err != nil {
		t.Skip("python3 not installed")
	}
	exe, version, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if version == "3.12" {
		t.Skip("the only Python found must not be 3.12")
	}
	bin := t.TempDir()
	if err := os.Symlink(exe, filepath.Join(bin, "python3")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+"/usr/bin:/bin")
	t.Setenv("PYENV_ROOT", t.TempDir())
	var serveLog emulatortest.Logs
	srv := emulatortest.New(t, emulator.WithLogger(serveLog.Logger(slog.LevelInfo)))
	role := execRole(t, iam.NewFromConfig(srv.Config(home)), "warn-exec", lambdaTrust, basicExecution)
	lc := lambda.NewFromConfig(srv.Config(home))
	createFunction(t, lc, "old-python", "python3.12", "app.handler", role,
		zipFiles(t, map[string]string{"app.py": "import sys\n\ndef handler(event, context):\n    return '%d.%d' % sys.version_info[:2]\n"}))
	for range 2 { // cold, then warm
		_, out := invokeJSON(t, lc, "old-python", `{}`)
		tail := logTail(out)
		want := "WARNING xacct: runtime python3.12 is not installed here"
		i, j := strings.Index(tail, want), strings.Index(tail, "REPORT RequestId")
		if out.FunctionError != nil || string(out.Payload) != `"`+version+`"` || i < 0 || j < i {
			t.Fatalf("got %s, log:\n%s", out.Payload, tail)
		}
		if !strings.Contains(tail, "this function runs on python"+version) {
			t.Errorf("the warning does not name the Python used:\n%s", tail)
		}
	}
	if !strings.Contains(serveLog.String(), "WARNING xacct: runtime python3.12 is not installed here") {
		t.Errorf("emulator log:\n%s", serveLog.String())
	}
}

// TestRuntimesSeeLayersAsOpt: a Python layer's module is on the path,
// shows as /opt/python/... in __file__ and tracebacks, and is read-only; a
// Node.js layer's package resolves from /opt/nodejs/node_modules.
func TestRuntimesSeeLayersAsOpt(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"python3", "node"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool + " not installed")
		}
	}
	srv := emulatortest.New(t)
	role := execRole(t, iam.NewFromConfig(srv.Config(home)), "opt-exec", lambdaTrust, basicExecution)
	lc := lambda.NewFromConfig(srv.Config(home))
	py := publishLayer(t, lc, "pyhelpers", map[string]string{"python/shared.py": "import os\n\ndef where():\n    return __file__\n\ndef fail():\n    raise ValueError('from the layer')\n"})
	js := publishLayer(t, lc, "jshelpers", map[string]string{"nodejs/node_modules/shared/index.js": "exports.where = () => __filename;\n"})

	createFunction(t, lc, "py-opt", "python3.12", "app.handler", role, zipFiles(t, map[string]string{"app.py": `import os
import shared


def handler(event, context):
    if event.get("fail"):
        shared.fail()
    try:
        open(os.path.join(os.path.dirname(shared.where()), "x.txt"), "w")
        wrote = "written"
    except OSError as e:
        wrote = type(e).__name__
    return {"where": shared.where(), "wrote": wrote}
`}))
	if _, err := lc.UpdateFunctionConfiguration(context.Background(), &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("py-opt"), Layers: []string{aws.ToString(py.LayerVersionArn)}}); err != nil {
		t.Fatal(err)
	}
	m, out := invokeJSON(t, lc, "py-opt", `{}`)
	if m["where"] != "/opt/python/shared.py" || m["wrote"] != "PermissionError" {
		t.Errorf("python layer: %s\n%s", out.Payload, logTail(out))
	}
	if _, out = invokeJSON(t, lc, "py-opt", `{"fail":true}`); !strings.Contains(string(out.Payload), `File \"/opt/python/shared.py\", line 7, in fail`) {
		t.Errorf("python layer traceback: %s", out.Payload)
	}

	createFunction(t, lc, "js-opt", "nodejs20.x", "index.handler", role, zipFiles(t, map[string]string{
		"index.js": "const shared = require('shared');\nexports.handler = async () => ({ where: shared.where(), nodePath: process.env.NODE_PATH });\n"}))
	if _, err := lc.UpdateFunctionConfiguration(context.Background(), &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("js-opt"), Layers: []string{aws.ToString(js.LayerVersionArn)}}); err != nil {
		t.Fatal(err)
	}
	m, out = invokeJSON(t, lc, "js-opt", `{}`)
	if w, _ := m["where"].(string); !strings.HasSuffix(w, "/nodejs/node_modules/shared/index.js") || strings.Count(m["nodePath"].(string), ":") != 2 {
		t.Errorf("node layer: %s\n%s", out.Payload, logTail(out))
	}
}

// TestConfiguredRuntimes: an interpreter configured for a runtime
// (xacct serve --runtime, emulator.WithLambdaRuntimes) runs it; one of
// another version runs it with the warning, and one that does not run is
// warned about even when the right version is found elsewhere.
func TestConfiguredRuntimes(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable); print('%d.%d' % sys.version_info[:2])").Output()
	if err != nil {
		t.Skip("python3 not installed")
	}
	exe, version, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	other := "python3.13"
	if version == "3.13" {
		other = "python3.12"
	}
	srv := emulatortest.New(t, emulator.WithLambdaRuntimes(map[string]string{"python" + version: "/nonexistent/python", other: exe}))
	role := execRole(t, iam.NewFromConfig(srv.Config(home)), "cfg-exec", lambdaTrust, basicExecution)
	lc := lambda.NewFromConfig(srv.Config(home))
	app := zipFiles(t, map[string]string{"app.py": "import sys\n\ndef handler(event, context):\n    return sys.executable\n"})

	createFunction(t, lc, "other", other, "app.handler", role, app)
	_, res := invokeJSON(t, lc, "other", `{}`)
	if tail := logTail(res); res.FunctionError != nil || string(res.Payload) != `"`+exe+`"` ||
		!strings.Contains(tail, "WARNING xacct: runtime "+other+" is not installed here (the configured "+exe+" is python"+version) {
		t.Errorf("%s configured as %s: %s\n%s", other, exe, res.Payload, tail)
	}
	createFunction(t, lc, "broken", "python"+version, "app.handler", role, app)
	_, res = invokeJSON(t, lc, "broken", `{}`)
	if tail := logTail(res); res.FunctionError != nil || !strings.Contains(tail, "WARNING xacct: the configured /nonexistent/python does not run") {
		t.Errorf("python%s configured as /nonexistent/python: %s\n%s", version, res.Payload, tail)
	}
}
