package lambda

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RuntimesEnv names the environment variable that configures interpreters
// as "RUNTIME=PATH" pairs separated by commas, as `xacct serve --runtime`
// does: XACCT_RUNTIMES=python3.12=/opt/py312/bin/python3,nodejs22.x=/usr/local/bin/node.
const RuntimesEnv = "XACCT_RUNTIMES"

// ParseRuntimes parses "RUNTIME=PATH" pairs (RuntimesEnv's syntax, also
// one pair per `--runtime` flag) into Options.Runtimes.
func ParseRuntimes(pairs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range pairs {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		rt, path, ok := strings.Cut(p, "=")
		if !ok || path == "" {
			return nil, fmt.Errorf("runtime interpreter %q: want RUNTIME=PATH, e.g. python3.12=/usr/bin/python3.12", p)
		}
		if !runtimes[rt] || strings.HasPrefix(rt, "provided") {
			return nil, fmt.Errorf("runtime interpreter %q: %s is not a Python or Node.js runtime the emulator runs", p, rt)
		}
		out[rt] = path
	}
	return out, nil
}

// interpreter is the program that runs a function's declared runtime on
// this machine.
type interpreter struct {
	path string
	// runs is the runtime the interpreter actually is ("python3.11" for a
	// python3.12 function run on Python 3.11).
	runs string
	// sdk is, for Python, a directory holding only symlinks to the
	// runtime's AWS SDK (boto3, botocore and their dependencies); empty
	// when no interpreter on this machine has boto3.
	sdk string
	// warning is set when runs is not the declared runtime.
	warning string
	err     error
}

// interpreters finds and remembers the interpreter of each runtime.
type interpreters struct {
	configured map[string]string
	dir        string // where SDK link directories go
	mu         sync.Mutex
	byRuntime  map[string]*interpreter
	probes     map[string]*probe // by interpreter path

	// sdkMu serializes building SDK directories; sdks holds them by
	// interpreter path (two runtimes may run on one interpreter).
	sdkMu sync.Mutex
	sdks  map[string]string
}

// probe is what running an interpreter once told about it.
type probe struct {
	version string // "3.12", or Node's major version "20"
	// exe is the interpreter's own executable (what a version manager's
	// shim runs), which environments start directly.
	exe     string
	modules map[string]string // Python: the AWS SDK's modules and where they are
	err     error
}

// sdkModules are the packages Lambda's Python runtimes ship (boto3 and what
// it imports); a function sees these and nothing else of the host's
// site-packages.
var sdkModules = []string{"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"}

const pythonProbe = `import sys, importlib.util
print("%d.%d" % sys.version_info[:2])
print(sys.executable)
for m in sys.argv[1:]:
    try:
        s = importlib.util.find_spec(m)
    except Exception:
        s = None
    if s is None:
        continue
    loc = list(s.submodule_search_locations)[0] if s.submodule_search_locations else s.origin
    print(m + "=" + (loc or ""))
`

func (ip *interpreters) probe(path string, python bool) *probe {
	ip.mu.Lock()
	if p, ok := ip.probes[path]; ok {
		ip.mu.Unlock()
		return p
	}
	ip.mu.Unlock()
	p := &probe{modules: map[string]string{}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var cmd *exec.Cmd
	if python {
		cmd = exec.CommandContext(ctx, path, append([]string{"-c", pythonProbe}, sdkModules...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, "-e", "console.log(process.version); console.log(process.execPath)")
	}
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for _, k := range []string{"HOME", "PYENV_ROOT", "PYENV_VERSION"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	out, err := cmd.Output()
	if err != nil {
		p.err = fmt.Errorf("%s does not run: %v", path, err)
	} else {
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if p.version == "" {
				p.version = line
				if !python { // "v20.11.1"
					p.version, _, _ = strings.Cut(strings.TrimPrefix(line, "v"), ".")
				}
				continue
			}
			if p.exe == "" {
				p.exe = line
				continue
			}
			if k, v, ok := strings.Cut(line, "="); ok && v != "" {
				p.modules[k] = v
			}
		}
		if p.version == "" || p.exe == "" {
			p.err = fmt.Errorf("%s printed no version", path)
		}
	}
	ip.mu.Lock()
	ip.probes[path] = p
	ip.mu.Unlock()
	return p
}

// runtimeOf names the runtime an interpreter's version is.
func runtimeOf(python bool, version string) string {
	if python {
		return "python" + version
	}
	return "nodejs" + version + ".x"
}

// candidates lists where the interpreter of runtime rt may be, in order:
// the configured path, the conventional command on PATH, then version
// managers' directories (pyenv's versions for Python, whose shims fail
// for versions that are installed but not selected; nvm's for Node.js).
func (ip *interpreters) candidates(rt string) []string {
	var out []string
	if p := ip.configured[rt]; p != "" {
		out = append(out, p)
	}
	home, _ := os.UserHomeDir()
	if v, ok := strings.CutPrefix(rt, "python"); ok {
		if p, err := exec.LookPath("python" + v); err == nil {
			out = append(out, p)
		}
		root := os.Getenv("PYENV_ROOT")
		if root == "" && home != "" {
			root = filepath.Join(home, ".pyenv")
		}
		if root != "" {
			m, _ := filepath.Glob(filepath.Join(root, "versions", v+".*", "bin", "python"+v))
			sort.Sort(sort.Reverse(sort.StringSlice(m)))
			out = append(out, m...)
		}
		return out
	}
	major := strings.TrimSuffix(strings.TrimPrefix(rt, "nodejs"), ".x")
	if p, err := exec.LookPath("node" + major); err == nil {
		out = append(out, p)
	}
	if p, err := exec.LookPath("node"); err == nil {
		out = append(out, p)
	}
	if home != "" {
		m, _ := filepath.Glob(filepath.Join(home, ".nvm", "versions", "node", "v"+major+".*", "bin", "node"))
		sort.Sort(sort.Reverse(sort.StringSlice(m)))
		out = append(out, m...)
	}
	return out
}

// family lists the runtimes of rt's language, closest version first (on
// a tie, the newer one).
func family(rt string) []string {
	python := strings.HasPrefix(rt, "python")
	ver := func(r string) int {
		if python {
			n, _ := strconv.Atoi(strings.TrimPrefix(r, "python3."))
			return n
		}
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r, "nodejs"), ".x"))
		return n
	}
	var out []string
	for r := range runtimes {
		if r != rt && strings.HasPrefix(r, "python") == python && strings.HasPrefix(r, "nodejs") == !python {
			out = append(out, r)
		}
	}
	want := ver(rt)
	sort.Slice(out, func(i, j int) bool {
		di, dj := abs(ver(out[i])-want), abs(ver(out[j])-want)
		if di != dj {
			return di < dj
		}
		return ver(out[i]) > ver(out[j])
	})
	return out
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// find returns the interpreter for runtime rt: its own if this machine
// has it, else the closest version found, with a warning saying so.
func (ip *interpreters) find(rt string) *interpreter {
	ip.mu.Lock()
	if in, ok := ip.byRuntime[rt]; ok {
		ip.mu.Unlock()
		return in
	}
	ip.mu.Unlock()
	in := ip.resolve(rt)
	ip.mu.Lock()
	ip.byRuntime[rt] = in
	ip.mu.Unlock()
	return in
}

func (ip *interpreters) resolve(rt string) *interpreter {
	python := strings.HasPrefix(rt, "python")
	var tried, notes []string
	try := func(want string) *interpreter {
		for _, c := range ip.candidates(want) {
			tried = append(tried, c)
			p := ip.probe(c, python)
			if p.err != nil {
				if ip.configured[want] == c {
					notes = append(notes, fmt.Sprintf("the configured %s does not run", c))
				}
				continue
			}
			r := runtimeOf(python, p.version)
			// A configured interpreter is taken whatever its version (a
			// mismatch is warned about); a found one only if it is the
			// runtime's (a "node" on PATH is whatever version it is).
			if r == want || ip.configured[want] == c {
				if r != want {
					notes = append(notes, fmt.Sprintf("the configured %s is %s", c, r))
				}
				return &interpreter{path: p.exe, runs: r}
			}
		}
		return nil
	}
	in := try(rt)
	for _, other := range family(rt) {
		if in != nil {
			break
		}
		in = try(other)
	}
	if in == nil {
		// Any version at all: the generic command.
		generic := "node"
		if python {
			generic = "python3"
		}
		if p, err := exec.LookPath(generic); err == nil {
			if pr := ip.probe(p, python); pr.err == nil {
				in = &interpreter{path: pr.exe, runs: runtimeOf(python, pr.version)}
			}
		}
	}
	if in == nil {
		return &interpreter{err: fmt.Errorf("no interpreter for %s on this machine (looked for %s; configure one with xacct serve --runtime %s=PATH or %s)", rt, strings.Join(uniq(tried), ", "), rt, RuntimesEnv)}
	}
	switch {
	case in.runs == rt && len(notes) > 0:
		// The version is right, but not the interpreter configured.
		in.warning = fmt.Sprintf("WARNING xacct: %s (configured with xacct serve --runtime or %s): this function runs on %s found here (%s)", strings.Join(notes, "; "), RuntimesEnv, in.runs, in.path)
	case in.runs != rt:
		why := "not found"
		if len(notes) > 0 {
			why = strings.Join(notes, "; ")
		}
		in.warning = fmt.Sprintf("WARNING xacct: runtime %s is not installed here (%s; configure it with xacct serve --runtime %s=PATH or %s): this function runs on %s (%s), on Lambda it would run on %s", rt, why, rt, RuntimesEnv, in.runs, in.path, rt)
	}
	if python {
		ip.sdkMu.Lock()
		sdk, ok := ip.sdks[in.path]
		if !ok {
			sdk = ip.sdkDir(in)
			ip.sdks[in.path] = sdk
		}
		ip.sdkMu.Unlock()
		in.sdk = sdk
		if sdk == "" {
			note := fmt.Sprintf("WARNING xacct: no boto3 that imports on %s here (Lambda's %s runtime ships one; install it with %s -m pip install boto3): this function's import boto3 fails", in.runs, in.runs, in.path)
			if in.warning != "" {
				note = in.warning + "\n" + note
			}
			in.warning = note
		}
	}
	return in
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// sdkDir builds the directory a Python function finds boto3 in, as Lambda's
// runtimes ship it: symlinks to only sdkModules, taken from the
// interpreter's own site-packages, or else from python3 on PATH (they are
// pure Python, but recent urllib3 and botocore need a recent Python, so
// the borrowed copy must import on this interpreter). The rest of the
// host's site-packages stays out of reach. Without a usable boto3 the
// directory is "" (and resolve's warning says so).
func (ip *interpreters) sdkDir(in *interpreter) string {
	sources := []map[string]string{ip.probe(in.path, true).modules}
	if p, err := exec.LookPath("python3"); err == nil && p != in.path {
		sources = append(sources, ip.probe(p, true).modules)
	}
	sum := sha256.Sum256([]byte(in.path))
	dir := filepath.Join(ip.dir, "sdk-"+in.runs+"-"+hex.EncodeToString(sum[:4]))
	for _, mods := range sources {
		if mods["boto3"] == "" {
			continue
		}
		os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			break
		}
		for _, m := range sdkModules {
			loc := mods[m]
			if loc == "" {
				continue
			}
			name := filepath.Base(loc)
			if name == "__init__.py" {
				loc, name = filepath.Dir(loc), filepath.Base(filepath.Dir(loc))
			}
			os.Symlink(loc, filepath.Join(dir, name))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := exec.CommandContext(ctx, in.path, "-S", "-B", "-c", "import sys; sys.path.insert(0, sys.argv[1]); import boto3", dir).Run()
		cancel()
		if err == nil {
			return dir
		}
	}
	os.RemoveAll(dir)
	return ""
}
