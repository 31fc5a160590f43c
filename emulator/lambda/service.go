package lambda

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/internal/inflight"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulator/sts"
	"github.com/xacct/xacct/policy"
)

// RoleAssumer issues and checks execution role sessions (the emulated STS).
type RoleAssumer interface {
	AssumeRoleForService(ctx context.Context, roleARN, servicePrincipal, sessionName string, duration int32) (*sts.Session, error)
	CheckServiceTrust(roleARN, servicePrincipal string) error
}

// CodeSource reads a deployment package from S3 as the calling principal.
type CodeSource interface {
	GetObjectAs(ctx context.Context, bucket, key string) (io.ReadCloser, int64, error)
}

// LogSink is where function output goes (the emulated CloudWatch Logs).
type LogSink interface {
	CreateGroup(acct, region, name string, retention int32, tags map[string]string) error
	CreateStream(acct, region, group, stream string) error
	Append(acct, region, group, stream string, events []LogEvent) error
}

// LogEvent is one line of function output.
type LogEvent struct {
	Timestamp int64
	Message   string
}

// Metrics receives AWS/Lambda datapoints (the emulated CloudWatch).
type Metrics interface {
	PutMetric(ctx context.Context, acct, region, namespace, name string, dims map[string]string, value float64, unit string, at time.Time)
}

// Callers resolves an access key id to its caller (for authorizing what a
// function's execution role does on its behalf, such as writing logs).
type Callers interface {
	CallerFor(accessKeyID string) (*service.Caller, error)
}

// Options configures the Lambda service.
type Options struct {
	Now     func() time.Time
	DataDir string
	Roles   RoleAssumer
	Code    CodeSource
	Logs    LogSink
	Metrics Metrics
	Callers Callers
	Authz   service.Authorizer
	// Principals, when set, binds the roles and users a function policy
	// names to their unique ids: a deleted one reads back, and is
	// evaluated, as its unique id.
	Principals service.PrincipalBinder
	// Endpoint returns the emulator's URL, given to functions as
	// AWS_ENDPOINT_URL.
	Endpoint func() string
	// Concurrency is the most execution environments a function may run
	// at once (default 10); further concurrent invokes are throttled.
	Concurrency int
	// Python is the interpreter for python3.x runtimes (default "python3",
	// whatever its version: the emulator runs python3.12/3.13 handlers with
	// the local Python).
	Python string
	// Log receives the emulator's own diagnostics.
	Log *slog.Logger
}

// Service is the emulated Lambda. It implements service.Handler.
type Service struct {
	opts  Options
	store *functionStore
	mu    sync.Mutex
	pools map[string]*pool // by function ARN

	// Shutting down (shutdown.go): gate counts invocations in flight and
	// refuses new ones once stopped, live holds the execution
	// environments running, killed refuses new environments.
	gate   *inflight.Gate
	live   map[*instance]struct{}
	killed bool
}

// New returns the Lambda service.
func New(opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 10
	}
	if opts.Python == "" {
		opts.Python = "python3"
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Endpoint == nil {
		opts.Endpoint = func() string { return "" }
	}
	st, err := newFunctionStore(opts.DataDir)
	if err != nil {
		return nil, err
	}
	return &Service{opts: opts, store: st, pools: map[string]*pool{}, live: map[*instance]struct{}{}, gate: inflight.New()}, nil
}

// Close kills every execution environment at once (Shutdown without a
// grace period) and removes temporary code.
func (s *Service) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Shutdown(ctx); err != nil && err != context.Canceled {
		return err
	}
	return nil
}

// WriteError renders err as Lambda does: JSON {"Type", "message"} with
// X-Amzn-ErrorType.
func (s *Service) WriteError(w http.ResponseWriter, r *http.Request, call *service.Call, e *awserr.Error) {
	writeError(w, call.RequestID, e)
}

func writeError(w http.ResponseWriter, requestID string, e *awserr.Error) {
	typ := "User"
	if e.Receiver() {
		typ = "Service"
	}
	b, _ := json.Marshal(map[string]string{"Type": typ, "message": e.Message})
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-ErrorType", e.Code)
	h.Set("X-Amzn-RequestId", requestID)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(e.StatusCode)
	w.Write(b)
}

func writeJSON(w http.ResponseWriter, requestID string, status int, v any) {
	b, _ := json.Marshal(v)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-RequestId", requestID)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// ServeAWS routes the REST-JSON API (AWS Lambda API Reference).
func (s *Service) ServeAWS(w http.ResponseWriter, r *http.Request, call *service.Call) {
	parts := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	for i := range parts {
		if u, err := url.PathUnescape(parts[i]); err == nil {
			parts[i] = u
		}
	}
	ctx := r.Context()
	var err error
	fail := func(e error) {
		ae := awserr.From(e)
		if ae.StatusCode >= 500 {
			s.opts.Log.Error("lambda internal error", slog.String("operation", call.Operation), slog.Any("error", e))
		}
		writeError(w, call.RequestID, ae)
	}
	route := func(op string) { call.Operation = op }
	switch {
	case len(parts) == 2 && parts[1] == "functions" && r.Method == http.MethodPost:
		route("CreateFunction")
		var in CreateFunctionIn
		if err = decode(r, &in); err == nil {
			var out *FunctionConfiguration
			if out, err = s.CreateFunction(ctx, &in); err == nil {
				writeJSON(w, call.RequestID, http.StatusCreated, out)
				return
			}
		}
	case len(parts) == 2 && parts[1] == "functions" && r.Method == http.MethodGet:
		route("ListFunctions")
		var out *ListFunctionsOut
		if out, err = s.ListFunctions(ctx, r.URL.Query().Get("Marker"), r.URL.Query().Get("MaxItems")); err == nil {
			writeJSON(w, call.RequestID, http.StatusOK, out)
			return
		}
	case len(parts) == 3 && parts[1] == "functions" && r.Method == http.MethodGet:
		route("GetFunction")
		var out *GetFunctionOut
		if out, err = s.GetFunction(ctx, parts[2]); err == nil {
			writeJSON(w, call.RequestID, http.StatusOK, out)
			return
		}
	case len(parts) == 3 && parts[1] == "functions" && r.Method == http.MethodDelete:
		route("DeleteFunction")
		if err = s.DeleteFunction(ctx, parts[2]); err == nil {
			w.Header().Set("X-Amzn-RequestId", call.RequestID)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	case len(parts) == 4 && parts[1] == "functions" && parts[3] == "configuration" && r.Method == http.MethodGet:
		route("GetFunctionConfiguration")
		var out *GetFunctionOut
		if out, err = s.GetFunction(ctx, parts[2]); err == nil {
			writeJSON(w, call.RequestID, http.StatusOK, out.Configuration)
			return
		}
	case len(parts) == 4 && parts[1] == "functions" && parts[3] == "configuration" && r.Method == http.MethodPut:
		route("UpdateFunctionConfiguration")
		var in UpdateConfigIn
		if err = decode(r, &in); err == nil {
			var out *FunctionConfiguration
			if out, err = s.UpdateFunctionConfiguration(ctx, parts[2], &in); err == nil {
				writeJSON(w, call.RequestID, http.StatusOK, out)
				return
			}
		}
	case len(parts) == 4 && parts[1] == "functions" && parts[3] == "code" && r.Method == http.MethodPut:
		route("UpdateFunctionCode")
		var in UpdateCodeIn
		if err = decode(r, &in); err == nil {
			var out *FunctionConfiguration
			if out, err = s.UpdateFunctionCode(ctx, parts[2], &in); err == nil {
				writeJSON(w, call.RequestID, http.StatusOK, out)
				return
			}
		}
	case len(parts) == 4 && parts[1] == "functions" && parts[3] == "invocations" && r.Method == http.MethodPost:
		route("Invoke")
		s.serveInvoke(w, r, call, parts[2])
		return
	case len(parts) == 4 && parts[1] == "functions" && parts[3] == "policy" && r.Method == http.MethodPost:
		route("AddPermission")
		var in AddPermissionIn
		if err = decode(r, &in); err == nil {
			var out *AddPermissionOut
			if out, err = s.AddPermission(ctx, parts[2], &in); err == nil {
				writeJSON(w, call.RequestID, http.StatusCreated, out)
				return
			}
		}
	case len(parts) == 4 && parts[1] == "functions" && parts[3] == "policy" && r.Method == http.MethodGet:
		route("GetPolicy")
		var out *GetPolicyOut
		if out, err = s.GetPolicy(ctx, parts[2]); err == nil {
			writeJSON(w, call.RequestID, http.StatusOK, out)
			return
		}
	case len(parts) == 5 && parts[1] == "functions" && parts[3] == "policy" && r.Method == http.MethodDelete:
		route("RemovePermission")
		if err = s.RemovePermission(ctx, parts[2], parts[4]); err == nil {
			w.Header().Set("X-Amzn-RequestId", call.RequestID)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	default:
		route("Unknown")
		err = awserr.New(http.StatusNotFound, "UnknownOperationException", "Unknown operation %s %s", r.Method, r.URL.Path)
	}
	fail(err)
}

func decode(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 70<<20))
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return awserr.New(http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json: %s", err.Error())
	}
	return nil
}

// authorize checks a lambda: action on a function, with its resource
// policy (AddPermission) deciding cross-account and service callers.
func (s *Service) authorize(ctx context.Context, action string, f *Function, arn, acct string) error {
	chk := service.Check{Action: action, Resource: arn, ResourceAccount: acct}
	if f != nil {
		if _, p := s.functionPolicy(f); p != nil {
			chk.ResourcePolicy = &policy.Named{Name: "function policy of " + f.Name, Policy: p}
		}
	}
	return service.Authorize(ctx, chk)
}

// functionPolicy returns f's policy as it reads and is evaluated now: a
// deleted role or user it names appears as its unique id.
func (s *Service) functionPolicy(f *Function) (string, *policy.Policy) {
	text, p := f.Policy, f.parsed
	if s.opts.Principals == nil || len(f.PolicyRefs) == 0 {
		return text, p
	}
	if resolved, changed := s.opts.Principals.ResolvePrincipals(text, f.PolicyRefs); changed {
		if np, err := policy.Parse(resolved, policy.KindResource); err == nil {
			return resolved, np
		}
	}
	return text, p
}

// rebindPolicy binds the roles and users a function policy names to their
// unique ids (nil without Options.Principals). Principals of statements
// kept from the previous policy stay bound to the ids in old, so a role
// deleted before a statement was added or removed still reads as its id.
func (s *Service) rebindPolicy(text string, old map[string]string) map[string]string {
	if s.opts.Principals == nil || text == "" {
		return nil
	}
	refs := s.opts.Principals.BindPrincipals(text)
	for arn, id := range old {
		if strings.Contains(text, `"`+arn+`"`) {
			if refs == nil {
				refs = make(map[string]string)
			}
			refs[arn] = id
		}
	}
	return refs
}

func (s *Service) lookup(ctx context.Context, ref string) (*Function, error) {
	call := callerOf(ctx)
	acct, name, err := resolveName(ref, call.Caller.Account())
	if err != nil {
		return nil, err
	}
	s.store.mu.RLock()
	f := s.store.fns[fnKey(acct, call.Region, name)]
	s.store.mu.RUnlock()
	arn := "arn:aws:lambda:" + call.Region + ":" + acct + ":function:" + name
	if f == nil {
		if err := s.authorize(ctx, "lambda:GetFunction", nil, arn, acct); err != nil && acct != call.Caller.Account() {
			return nil, err
		}
		return nil, errNotFound(arn)
	}
	return f, nil
}

// ListFunctions lists the caller's functions in the region.
func (s *Service) ListFunctions(ctx context.Context, marker, maxItems string) (*ListFunctionsOut, error) {
	call := callerOf(ctx)
	if err := service.Authorize(ctx, service.Check{Action: "lambda:ListFunctions", Resource: "*"}); err != nil {
		return nil, err
	}
	s.store.mu.RLock()
	var fs []*Function
	for _, f := range s.store.fns {
		if f.Account == call.Caller.Account() && f.Region == call.Region {
			fs = append(fs, f)
		}
	}
	s.store.mu.RUnlock()
	sort.Slice(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name })
	start, _ := strconv.Atoi(marker)
	limit, _ := strconv.Atoi(maxItems)
	if limit <= 0 || limit > 50 {
		limit = 50
	}
	out := &ListFunctionsOut{Functions: []FunctionConfiguration{}}
	for i := start; i < len(fs); i++ {
		if len(out.Functions) == limit {
			out.NextMarker = strconv.Itoa(i)
			break
		}
		out.Functions = append(out.Functions, fs[i].config())
	}
	return out, nil
}

// GetFunction returns a function's configuration and code location.
func (s *Service) GetFunction(ctx context.Context, ref string) (*GetFunctionOut, error) {
	f, err := s.lookup(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, "lambda:GetFunction", f, f.ARN(), f.Account); err != nil {
		return nil, err
	}
	return &GetFunctionOut{Configuration: f.config(), Code: FunctionCodeLocation{RepositoryType: "S3", Location: "file://" + f.CodeDir}, Tags: f.Tags}, nil
}

// DeleteFunction deletes a function and stops its environments.
func (s *Service) DeleteFunction(ctx context.Context, ref string) error {
	f, err := s.lookup(ctx, ref)
	if err != nil {
		return err
	}
	if err := s.authorize(ctx, "lambda:DeleteFunction", f, f.ARN(), f.Account); err != nil {
		return err
	}
	s.store.mu.Lock()
	k := fnKey(f.Account, f.Region, f.Name)
	prev := s.store.fns[k]
	delete(s.store.fns, k)
	err = s.store.save()
	if err != nil && prev != nil {
		s.store.fns[k] = prev // not acknowledged: the function stays
	}
	s.store.mu.Unlock()
	if err != nil {
		return err
	}
	s.dropPool(f.ARN())
	return nil
}
