package lambda

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xacct/xacct/emulator/sts"
)

// maxResponse is the synchronous invocation payload limit (AWS Lambda
// Developer Guide, "Lambda quotas").
const maxResponse = 6 << 20

// initTimeout bounds the init phase of an on-demand environment.
const initTimeout = 10 * time.Second

// invocation is one request travelling to a runtime and back.
type invocation struct {
	id            string
	payload       []byte
	deadline      time.Time
	clientContext string
	done          chan struct{}
	once          sync.Once
	result        []byte
	failed        bool   // the function returned an error
	errType       string // its errorType
	tail          []byte // log output during the invocation
	mu            sync.Mutex
}

func (inv *invocation) finish(result []byte, failed bool, errType string) {
	inv.once.Do(func() {
		inv.result, inv.failed, inv.errType = result, failed, errType
		close(inv.done)
	})
}

func (inv *invocation) addTail(line string) {
	inv.mu.Lock()
	inv.tail = append(inv.tail, line...)
	inv.tail = append(inv.tail, '\n')
	if len(inv.tail) > 64<<10 {
		inv.tail = inv.tail[len(inv.tail)-(64<<10):]
	}
	inv.mu.Unlock()
}

func newRequestID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// instance is one execution environment: a runtime process and the
// Runtime API it polls.
type instance struct {
	pool     *pool
	fn       *Function
	creds    *sts.Session
	cmd      *exec.Cmd
	ln       net.Listener
	srv      *http.Server
	stream   string
	started  time.Time
	next     chan *invocation
	cur      atomic.Pointer[invocation]
	initOnce sync.Once
	initDone chan struct{}
	initErr  chan []byte
	exited   chan struct{}
	exitErr  error
	initDur  time.Duration
	reported bool // the first REPORT carries the init duration
	dead     atomic.Bool
	logs     *logWriter
	outputs  sync.WaitGroup
	pipes    []*outputPipe
	// interp runs a Python or Node.js function (nil for a provided
	// runtime's bootstrap).
	interp *interpreter
	// tmp is the environment's private temporary directory (TMPDIR).
	tmp string
}

// outputPipe is the read end of a runtime's stdout or stderr, with counts
// that tell when everything written so far has been handled.
type outputPipe struct {
	f       *os.File
	read    atomic.Int64 // bytes read from the pipe
	handled atomic.Int64 // bytes of complete lines handled

	// Where the OS cannot say how many bytes a pipe holds (pending's
	// second result is false), drain waits until nothing new has been
	// read for quietPeriod instead.
	mu         sync.Mutex
	lastRead   int64
	lastChange time.Time
}

// quietPeriod is how long a pipe whose unread byte count is unknown must
// deliver nothing before drain treats it as empty.
const quietPeriod = 10 * time.Millisecond

// quiet reports whether nothing has been read from the pipe for quietPeriod.
func (p *outputPipe) quiet() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	now, n := time.Now(), p.read.Load()
	if n != p.lastRead || p.lastChange.IsZero() {
		p.lastRead, p.lastChange = n, now
	}
	return now.Sub(p.lastChange) >= quietPeriod
}

func (p *outputPipe) Read(b []byte) (int, error) {
	n, err := p.f.Read(b)
	p.read.Add(int64(n))
	return n, err
}

// drain waits until output the runtime wrote before its response has been
// logged (the runtime writes its log lines before it posts the response,
// so they are in the pipes by then), at most 200ms.
func (in *instance) drain() {
	deadline := time.Now().Add(200 * time.Millisecond)
	for time.Now().Before(deadline) {
		idle := true
		for _, p := range in.pipes {
			n, known := p.pending()
			if n > 0 || p.read.Load() != p.handled.Load() {
				idle = false
			} else if !known && !p.quiet() {
				idle = false
			}
		}
		if idle {
			return
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// start launches an execution environment for f.
func (p *pool) start(ctx context.Context) (*instance, error) {
	s, f := p.svc, p.fn
	creds, err := s.opts.Roles.AssumeRoleForService(ctx, f.Role, "lambda.amazonaws.com", f.Name, 3600)
	if err != nil {
		return nil, errInvalidParameter("The role defined for the function cannot be assumed by Lambda.")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	now := s.opts.Now()
	b := make([]byte, 16)
	rand.Read(b)
	in := &instance{
		pool: p, fn: f, creds: creds, ln: ln, started: time.Now(),
		stream:   now.UTC().Format("2006/01/02") + "/[$LATEST]" + hex.EncodeToString(b),
		next:     make(chan *invocation),
		initDone: make(chan struct{}),
		initErr:  make(chan []byte, 1),
		exited:   make(chan struct{}),
	}
	in.logs = newLogWriter(s, f, creds, in.stream)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", in.handleNext)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", in.handleResponse)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", in.handleError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", in.handleInitError)
	in.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go in.srv.Serve(ln)

	for _, dir := range []string{f.CodeDir, layerDir(f)} {
		if dir == "" {
			continue
		}
		if err := protectCode(dir); err != nil {
			s.opts.Log.Warn("lambda: cannot make the code or layers read-only", "function", f.ARN(), "dir", dir, "err", err)
		}
	}
	if in.tmp, err = os.MkdirTemp("", "xacct-lambda-tmp-"); err != nil {
		in.close()
		return nil, err
	}
	cmd, err := in.command()
	if err != nil {
		in.close()
		var se *startError
		if errors.As(err, &se) {
			return in, se
		}
		return nil, err
	}
	for range 2 {
		r, w, err := os.Pipe()
		if err != nil {
			in.close()
			return nil, err
		}
		in.pipes = append(in.pipes, &outputPipe{f: r})
		if cmd.Stdout == nil {
			cmd.Stdout = w
		} else {
			cmd.Stderr = w
		}
	}
	// Descriptor 3 of an embedded runtime carries its own diagnostics to
	// the emulator's log, apart from the function's output.
	var diag *os.File
	if in.interp != nil {
		r, w, err := os.Pipe()
		if err != nil {
			in.close()
			return nil, err
		}
		diag, cmd.ExtraFiles = r, []*os.File{w}
	}
	unprivileged, err := startProcess(cmd)
	cmd.Stdout.(*os.File).Close()
	cmd.Stderr.(*os.File).Close()
	for _, w := range cmd.ExtraFiles {
		w.Close()
	}
	if err != nil {
		for _, p := range in.pipes {
			p.f.Close()
		}
		if diag != nil {
			diag.Close()
		}
		in.close()
		return in, &startError{err: err}
	}
	if diag != nil {
		go func() {
			defer diag.Close()
			sc := bufio.NewScanner(diag)
			for sc.Scan() {
				s.opts.Log.Warn("lambda runtime: "+sc.Text(), "function", f.ARN())
			}
		}()
	}
	if !unprivileged {
		s.opts.Log.Warn("lambda: the runtime runs as root with its capabilities, so the code directory is not read-only to it", "function", f.ARN())
	}
	if in.interp != nil && in.interp.warning != "" {
		s.opts.Log.Warn(in.interp.warning, "function", f.ARN())
	}
	in.cmd = cmd
	in.outputs.Add(2)
	go in.capture(in.pipes[0])
	go in.capture(in.pipes[1])
	go func() {
		in.outputs.Wait()
		in.exitErr = cmd.Wait()
		in.dead.Store(true)
		close(in.exited)
	}()
	if !s.track(in) {
		in.kill() // the service was killed while this one started; release closes it
		return in, errShuttingDown()
	}
	return in, nil
}

// startError means the runtime could not be started (no bootstrap).
type startError struct{ err error }

func (e *startError) Error() string { return e.err.Error() }

// command builds the runtime process with the environment Lambda sets
// (AWS Lambda Developer Guide, "Defined runtime environment variables").
func (in *instance) command() (*exec.Cmd, error) {
	f, s := in.fn, in.pool.svc
	var cmd *exec.Cmd
	set := map[string]string{}
	python, node := strings.HasPrefix(f.Runtime, "python"), strings.HasPrefix(f.Runtime, "nodejs")
	if python || node {
		ip := s.interps.find(f.Runtime)
		if ip.err != nil {
			return nil, &startError{err: ip.err}
		}
		in.interp = ip
		opt := layerDir(f)
		args := []string{"--task-root", f.CodeDir, "--diag-fd", "3"}
		if opt != "" {
			args = append(args, "--opt", opt)
		}
		if python {
			script, err := writeRuntime(s.store.dir, "python-bootstrap.py", pythonRuntime)
			if err != nil {
				return nil, err
			}
			if ip.sdk != "" {
				args = append(args, "--sdk", ip.sdk)
			}
			// -S: no site-packages; -B: no __pycache__ written.
			cmd = exec.Command(ip.path, append([]string{"-S", "-B", "-u", script}, args...)...)
			// The runtime maps /var/task to the code for the function's
			// file access (pyruntime/bootstrap.py).
			set["LAMBDA_TASK_ROOT"] = "/var/task"
		} else {
			script, err := writeRuntime(s.store.dir, "node-bootstrap.cjs", nodeRuntime)
			if err != nil {
				return nil, err
			}
			cmd = exec.Command(ip.path, append([]string{script}, args...)...)
			// AWS Lambda Developer Guide, "Packaging your layer content":
			// nodejs/nodeNN/node_modules and nodejs/node_modules, then
			// the code; nothing of the host's global modules.
			var np []string
			if opt != "" {
				major := strings.TrimSuffix(strings.TrimPrefix(f.Runtime, "nodejs"), ".x")
				np = append(np, filepath.Join(opt, "nodejs", "node"+major, "node_modules"), filepath.Join(opt, "nodejs", "node_modules"))
			}
			set["NODE_PATH"] = strings.Join(append(np, f.CodeDir), string(os.PathListSeparator))
		}
		set["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + f.Runtime
	} else {
		var err error
		if cmd, err = bootstrapCommand(filepath.Join(f.CodeDir, "bootstrap")); err != nil {
			return nil, err
		}
	}
	cmd.Dir = f.CodeDir
	ownProcessGroup(cmd)
	env := map[string]string{}
	for k, v := range f.Env {
		env[k] = v
	}
	for k, v := range map[string]string{
		"PATH":                            os.Getenv("PATH"),
		"LANG":                            "en_US.UTF-8",
		"TZ":                              ":UTC",
		"LAMBDA_TASK_ROOT":                f.CodeDir,
		"LAMBDA_RUNTIME_DIR":              filepath.Dir(f.CodeDir),
		"_HANDLER":                        f.Handler,
		"AWS_REGION":                      f.Region,
		"AWS_DEFAULT_REGION":              f.Region,
		"AWS_LAMBDA_FUNCTION_NAME":        f.Name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(int(f.MemorySize)),
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME":       f.LogGroup(),
		"AWS_LAMBDA_LOG_STREAM_NAME":      in.stream,
		"AWS_LAMBDA_RUNTIME_API":          in.ln.Addr().String(),
		"AWS_ACCESS_KEY_ID":               in.creds.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":           in.creds.SecretAccessKey,
		"AWS_SESSION_TOKEN":               in.creds.SessionToken,
		"TMPDIR":                          in.tmp,
		"TMP":                             in.tmp,
		"TEMP":                            in.tmp,
	} {
		if _, ok := set[k]; !ok {
			set[k] = v
		}
	}
	if ep := s.opts.Endpoint(); ep != "" {
		set["AWS_ENDPOINT_URL"] = ep
	}
	if f.Logging.LogFormat == "JSON" {
		set["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
		set["AWS_LAMBDA_LOG_LEVEL"] = f.Logging.ApplicationLogLevel
	}
	if f.Tracing == "Active" {
		set["_X_AMZN_TRACE_ID"] = ""
	}
	for k, v := range set {
		env[k] = v
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd, nil
}

// capture forwards a pipe's lines to the log stream and to the current
// invocation's tail.
func (in *instance) capture(p *outputPipe) {
	defer in.outputs.Done()
	defer p.f.Close()
	sc := bufio.NewScanner(p)
	sc.Buffer(make([]byte, 64<<10), 256<<10)
	for sc.Scan() {
		line := sc.Text()
		if inv := in.cur.Load(); inv != nil {
			inv.addTail(line)
		}
		in.logs.add(line)
		p.handled.Add(int64(len(line)) + 1)
	}
}

func (in *instance) handleNext(w http.ResponseWriter, r *http.Request) {
	in.initOnce.Do(func() {
		in.initDur = time.Since(in.started)
		close(in.initDone)
	})
	select {
	case inv := <-in.next:
		in.cur.Store(inv)
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", in.fn.ARN())
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+strconv.FormatInt(time.Now().Unix(), 16)+"-"+strings.ReplaceAll(inv.id, "-", "")[:24]+";Sampled=0")
		if inv.clientContext != "" {
			h.Set("Lambda-Runtime-Client-Context", inv.clientContext)
		}
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(inv.payload)
	case <-r.Context().Done():
	}
}

func (in *instance) current(w http.ResponseWriter, r *http.Request) *invocation {
	inv := in.cur.Load()
	if inv == nil || inv.id != r.PathValue("id") {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"})
		return nil
	}
	return inv
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"OK"}`)
}

func (in *instance) handleResponse(w http.ResponseWriter, r *http.Request) {
	inv := in.current(w, r)
	if inv == nil {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxResponse+1))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if len(body) > maxResponse {
		msg, _ := json.Marshal(map[string]string{"errorType": "Function.ResponseSizeTooLarge", "errorMessage": fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", maxResponse)})
		inv.finish(msg, true, "Function.ResponseSizeTooLarge")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	inv.finish(body, false, "")
	accepted(w)
}

func (in *instance) handleError(w http.ResponseWriter, r *http.Request) {
	inv := in.current(w, r)
	if inv == nil {
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxResponse))
	typ := r.Header.Get("Lambda-Runtime-Function-Error-Type")
	var e struct {
		ErrorType string `json:"errorType"`
	}
	if json.Unmarshal(body, &e) == nil && e.ErrorType != "" {
		typ = e.ErrorType
	}
	if !json.Valid(body) {
		body, _ = json.Marshal(map[string]string{"errorMessage": string(body), "errorType": typ})
	}
	inv.finish(body, true, typ)
	accepted(w)
}

func (in *instance) handleInitError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxResponse))
	if !json.Valid(body) {
		body, _ = json.Marshal(map[string]string{"errorMessage": string(body), "errorType": r.Header.Get("Lambda-Runtime-Function-Error-Type")})
	}
	select {
	case in.initErr <- body:
	default:
	}
	accepted(w)
}

// kill stops the runtime process group.
func (in *instance) kill() {
	in.dead.Store(true)
	if in.cmd != nil && in.cmd.Process != nil {
		killGroup(in.cmd.Process)
	}
}

// close kills the process and stops the Runtime API.
func (in *instance) close() {
	in.kill()
	in.pool.svc.untrack(in)
	if in.srv != nil {
		in.srv.Close()
	} else if in.ln != nil {
		in.ln.Close()
	}
	if in.cmd != nil && in.cmd.Process != nil {
		<-in.exited
	}
	if in.tmp != "" {
		os.RemoveAll(in.tmp)
	}
	in.logs.flush()
}

// maxMemoryMB reads the process's peak resident memory.
func (in *instance) maxMemoryMB() int {
	if in.cmd == nil || in.cmd.Process == nil {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(in.cmd.Process.Pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return (kb + 1023) / 1024
		}
	}
	return 0
}

var errThrottled = errors.New("throttled")

// layerDir is the directory the function's layers are merged into (what
// Lambda mounts at /opt), or "" when it has none.
func layerDir(f *Function) string { return f.OptDir }
