package lambda

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/internal/inflight"
	"github.com/xacct/xacct/emulator/protocol/rest"
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
	// Runtimes maps a Python or Node.js runtime ("python3.12",
	// "nodejs20.x") to the interpreter that runs it, over what
	// RuntimesEnv configures; a runtime not mapped runs on the one found
	// on this machine (interp.go), or on the closest version with a
	// warning.
	Runtimes map[string]string
	// Log receives the emulator's own diagnostics.
	Log *slog.Logger
	// Refusals, when set, returns (and forgets) one line per request the
	// invocation with this request id made that was refused, with the
	// emulator's diagnosis; they are written to the function's log and its
	// log tail before END, so `aws lambda invoke --log-type Tail` and the
	// log group show them (the decision trail, emulator/trail.go).
	Refusals func(invocationID string) []string
}

// Service is the emulated Lambda. It implements service.Handler.
type Service struct {
	opts  Options
	store *functionStore
	api   *rest.Mux
	mu    sync.Mutex
	pools map[string]*pool // by function ARN
	// interps finds the Python and Node.js interpreters.
	interps *interpreters

	// Shutting down (shutdown.go): gate counts invocations in flight and
	// refuses new ones once stopped, live holds the execution
	// environments running, killed refuses new environments.
	gate   *inflight.Gate
	live   map[*instance]struct{}
	killed bool
	// byKey maps the access key id of each live environment's
	// execution-role session to the environment (trail.go).
	byKey sync.Map
}

// New returns the Lambda service.
func New(opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 10
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Endpoint == nil {
		opts.Endpoint = func() string { return "" }
	}
	configured, err := ParseRuntimes(strings.Split(os.Getenv(RuntimesEnv), ","))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", RuntimesEnv, err)
	}
	for rt, p := range opts.Runtimes {
		configured[rt] = p
	}
	st, err := newFunctionStore(opts.DataDir)
	if err != nil {
		return nil, err
	}
	ip := &interpreters{configured: configured, dir: filepath.Join(st.dir, "runtime"), byRuntime: map[string]*interpreter{}, probes: map[string]*probe{}, sdks: map[string]string{}}
	s := &Service{opts: opts, store: st, interps: ip, pools: map[string]*pool{}, live: map[*instance]struct{}{}, gate: inflight.New()}
	s.api = s.routes()
	return s, nil
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

// ServeAWS serves the Lambda API (AWS Lambda API Reference): REST-JSON,
// routed by method and path (routes).
func (s *Service) ServeAWS(w http.ResponseWriter, r *http.Request, call *service.Call) {
	s.api.ServeAWS(w, r, call)
}

// WriteError renders err as Lambda does: JSON {"Type", "message"} with
// X-Amzn-ErrorType.
func (s *Service) WriteError(w http.ResponseWriter, r *http.Request, call *service.Call, e *awserr.Error) {
	writeError(w, call.RequestID, e)
}

// routes is the API's operation table: each operation's method and path
// (the API model's http trait), its IAM action and resource in its Check,
// with the function's policy as the resource policy where AWS uses it
// (Service Authorization Reference, "Actions, resources, and condition
// keys for AWS Lambda": GetFunctionConfiguration is an action of its
// own), and its implementation. Unknown paths and methods get 404
// UnknownOperationException, as before the table existed.
func (s *Service) routes() *rest.Mux {
	m := rest.NewMux(rest.Config{
		WriteError: func(w http.ResponseWriter, call *service.Call, e *awserr.Error) {
			writeError(w, call.RequestID, e)
		},
		BadBody: func(err error) *awserr.Error {
			return awserr.New(http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json: %s", err.Error())
		},
		// CreateFunction's limit (AWS Lambda Developer Guide, "Lambda
		// quotas": 50 MB zipped, base64 in JSON).
		MaxBody: 70 << 20,
	})
	const fns = "/2015-03-31/functions"
	rest.Register(m, "POST "+fns, http.StatusCreated, service.Op[CreateFunctionIn, FunctionConfiguration]{
		Name: "CreateFunction",
		Check: func(call *service.Call, in *CreateFunctionIn) service.Check {
			return service.Check{Action: "lambda:CreateFunction", Resource: functionARN(call.Region, call.Caller.Account(), in.FunctionName)}
		},
		Run: s.createFunction,
	})
	listFunctions := service.Op[ListFunctionsIn, ListFunctionsOut]{
		Name: "ListFunctions",
		Check: func(*service.Call, *ListFunctionsIn) service.Check {
			return service.Check{Action: "lambda:ListFunctions", Resource: "*"}
		},
		Run: s.listFunctions,
	}
	rest.Register(m, "GET "+fns, http.StatusOK, listFunctions)
	rest.Register(m, "GET "+fns+"/", http.StatusOK, listFunctions)
	rest.Register(m, "GET "+fns+"/{FunctionName}", http.StatusOK, service.Op[FunctionRef, GetFunctionOut]{
		Name: "GetFunction", Check: onFunction[FunctionRef](s, "lambda:GetFunction"), Run: s.getFunction,
	})
	rest.Register(m, "DELETE "+fns+"/{FunctionName}", http.StatusNoContent, service.Op[FunctionRef, Empty]{
		Name: "DeleteFunction", Check: onFunction[FunctionRef](s, "lambda:DeleteFunction"), Run: s.deleteFunction,
	})
	rest.Register(m, "GET "+fns+"/{FunctionName}/configuration", http.StatusOK, service.Op[FunctionRef, FunctionConfiguration]{
		Name: "GetFunctionConfiguration", Check: onFunction[FunctionRef](s, "lambda:GetFunctionConfiguration"), Run: s.getFunctionConfiguration,
	})
	rest.Register(m, "PUT "+fns+"/{FunctionName}/configuration", http.StatusOK, service.Op[UpdateConfigIn, FunctionConfiguration]{
		Name: "UpdateFunctionConfiguration", Check: onFunction[UpdateConfigIn](s, "lambda:UpdateFunctionConfiguration"), Run: s.updateFunctionConfiguration,
	})
	rest.Register(m, "PUT "+fns+"/{FunctionName}/code", http.StatusOK, service.Op[UpdateCodeIn, FunctionConfiguration]{
		Name: "UpdateFunctionCode", Check: onFunction[UpdateCodeIn](s, "lambda:UpdateFunctionCode"), Run: s.updateFunctionCode,
	})
	rest.Register(m, "POST "+fns+"/{FunctionName}/invocations", http.StatusOK, service.Op[InvokeIn, InvokeOut]{
		Name: "Invoke", Check: onFunction[InvokeIn](s, "lambda:InvokeFunction"), Run: s.invokeAPI,
	})
	rest.Register(m, "POST "+fns+"/{FunctionName}/policy", http.StatusCreated, service.Op[AddPermissionIn, AddPermissionOut]{
		Name: "AddPermission", Check: onFunction[AddPermissionIn](s, "lambda:AddPermission"), Run: s.addPermission,
	})
	rest.Register(m, "GET "+fns+"/{FunctionName}/policy", http.StatusOK, service.Op[FunctionRef, GetPolicyOut]{
		Name: "GetPolicy", Check: onFunction[FunctionRef](s, "lambda:GetPolicy"), Run: s.getPolicy,
	})
	rest.Register(m, "DELETE "+fns+"/{FunctionName}/policy/{StatementId}", http.StatusNoContent, service.Op[RemovePermissionIn, Empty]{
		Name: "RemovePermission", Check: onFunction[RemovePermissionIn](s, "lambda:RemovePermission"), Run: s.removePermission,
	})

	const layers = "/2018-10-31/layers"
	const version = layers + "/{LayerName}/versions/{VersionNumber}"
	rest.Register(m, "POST "+layers+"/{LayerName}/versions", http.StatusCreated, service.Op[PublishLayerVersionIn, LayerVersionOut]{
		Name: "PublishLayerVersion",
		Check: func(call *service.Call, in *PublishLayerVersionIn) service.Check {
			acct, region, name, _ := resolveLayerName(in.LayerName, call.Caller.Account(), call.Region)
			return service.Check{Action: "lambda:PublishLayerVersion", Resource: layerARN(region, acct, name), ResourceAccount: acct}
		},
		Run: s.publishLayerVersion,
	})
	rest.Register(m, "GET "+layers+"/{LayerName}/versions", http.StatusOK, service.Op[ListLayerVersionsIn, ListLayerVersionsOut]{
		Name: "ListLayerVersions",
		Check: func(*service.Call, *ListLayerVersionsIn) service.Check {
			return service.Check{Action: "lambda:ListLayerVersions", Resource: "*"}
		},
		Run: s.listLayerVersions,
	})
	listLayers := service.Op[ListLayersIn, ListLayersOut]{
		Name: "ListLayers",
		Check: func(*service.Call, *ListLayersIn) service.Check {
			return service.Check{Action: "lambda:ListLayers", Resource: "*"}
		},
		Run: s.listLayers,
	}
	rest.Register(m, "GET "+layers, http.StatusOK, listLayers)
	rest.Register(m, "GET "+layers+"/", http.StatusOK, listLayers)
	byARN := service.Op[GetLayerVersionByArnIn, LayerVersionOut]{
		Name: "GetLayerVersionByArn", Check: onLayerVersion[GetLayerVersionByArnIn](s, "lambda:GetLayerVersion"), Run: s.getLayerVersionByArn,
	}
	rest.Register(m, "GET "+layers+"?find=LayerVersion", http.StatusOK, byARN)
	rest.Register(m, "GET "+layers+"/?find=LayerVersion", http.StatusOK, byARN)
	rest.Register(m, "GET "+version, http.StatusOK, service.Op[LayerVersionRef, LayerVersionOut]{
		Name: "GetLayerVersion", Check: onLayerVersion[LayerVersionRef](s, "lambda:GetLayerVersion"), Run: s.getLayerVersion,
	})
	rest.Register(m, "DELETE "+version, http.StatusNoContent, service.Op[LayerVersionRef, Empty]{
		Name: "DeleteLayerVersion", Check: onLayerVersion[LayerVersionRef](s, "lambda:DeleteLayerVersion"), Run: s.deleteLayerVersion,
	})
	rest.Register(m, "POST "+version+"/policy", http.StatusCreated, service.Op[AddLayerVersionPermissionIn, AddLayerVersionPermissionOut]{
		Name:  "AddLayerVersionPermission",
		Check: onLayerVersion[AddLayerVersionPermissionIn](s, "lambda:AddLayerVersionPermission"), Run: s.addLayerVersionPermission,
	})
	rest.Register(m, "GET "+version+"/policy", http.StatusOK, service.Op[LayerVersionRef, GetPolicyOut]{
		Name: "GetLayerVersionPolicy", Check: onLayerVersion[LayerVersionRef](s, "lambda:GetLayerVersionPolicy"), Run: s.getLayerVersionPolicy,
	})
	rest.Register(m, "DELETE "+version+"/policy/{StatementId}", http.StatusNoContent, service.Op[RemoveLayerVersionPermissionIn, Empty]{
		Name:  "RemoveLayerVersionPermission",
		Check: onLayerVersion[RemoveLayerVersionPermissionIn](s, "lambda:RemoveLayerVersionPermission"), Run: s.removeLayerVersionPermission,
	})
	return m
}

// functionInput is an input naming a function in its path.
type functionInput[I any] interface {
	*I
	functionName() string
}

// onFunction is the Check of an operation on one function: action on the
// function's ARN, in the account the name gives, with the function's
// policy (AddPermission) as the resource policy when it exists.
func onFunction[I any, P functionInput[I]](s *Service, action string) func(*service.Call, *I) service.Check {
	return func(call *service.Call, in *I) service.Check {
		ref := P(in).functionName()
		acct, name, err := resolveName(ref, call.Caller.Account())
		if err != nil { // Validate refused it already; keep the text
			return service.Check{Action: action, Resource: ref}
		}
		chk := service.Check{Action: action, Resource: functionARN(call.Region, acct, name), ResourceAccount: acct}
		if f := s.store.function(acct, call.Region, name); f != nil {
			if _, p := s.functionPolicy(f); p != nil {
				chk.ResourcePolicy = &policy.Named{Name: "function policy of " + f.Name, Policy: p}
			}
		}
		return chk
	}
}
