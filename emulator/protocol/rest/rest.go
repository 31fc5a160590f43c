// Package rest implements the AWS REST-JSON protocol (restJson1: Lambda
// today): operations are routed by HTTP method and path with Go 1.22
// net/http.ServeMux patterns, their inputs bound from the path, query,
// headers and a JSON (or raw) body, their outputs written as JSON or a raw
// payload with headers and a status code.
//
// A service registers each service.Op with the pattern AWS's API model
// gives it:
//
//	m := rest.NewMux(rest.Config{WriteError: writeError})
//	rest.Register(m, "GET /2015-03-31/functions/{FunctionName}", http.StatusOK, getFunctionOp)
//
// Input and output fields are bound with `rest` struct tags, after the
// Smithy binding traits (httpLabel, httpQuery, httpHeader, httpPayload,
// httpResponseCode):
//
//	FunctionName string `json:"-" rest:"label=FunctionName"`
//	Marker       string `json:"-" rest:"query=Marker"`
//	LogType      string `json:"-" rest:"header=X-Amz-Log-Type"`
//	Payload      []byte `json:"-" rest:"payload"`
//	Status       int    `json:"-" rest:"status"`
//
// Every other exported field is the JSON body (encoding/json, whose
// decoding matches member names case-insensitively). These are wire
// shapes: services keep their stored state in types of their own.
package rest

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
)

// Config is how a service's REST API differs from another's.
type Config struct {
	// WriteError renders an error in the service's format. Required.
	WriteError func(w http.ResponseWriter, call *service.Call, e *awserr.Error)
	// Unknown is the error for a request no pattern matches (default:
	// 404 UnknownOperationException).
	Unknown func(r *http.Request) *awserr.Error
	// BadBody is the error for a body that is not the input's JSON
	// (default: 400 SerializationException).
	BadBody func(err error) *awserr.Error
	// MaxBody bounds request bodies (default 16 MiB); a larger one gets
	// 413 RequestEntityTooLargeException.
	MaxBody int64
}

// Validator is implemented by inputs that check themselves once bound,
// before the operation is authorized: the constraints of the API model
// (patterns, lengths), which AWS checks before anything else.
type Validator interface {
	Validate() error
}

// Mux routes a REST service's requests to its operations. It implements
// service.Handler.
type Mux struct {
	cfg    Config
	mux    *http.ServeMux
	routes map[string][]route // by ServeMux pattern
}

// route is one operation on a ServeMux pattern, taken when the request's
// query has key=value (any request when key is empty).
type route struct {
	key, value string
	serve      http.HandlerFunc
}

// NewMux returns a Mux with no operations.
func NewMux(cfg Config) *Mux {
	if cfg.Unknown == nil {
		cfg.Unknown = func(r *http.Request) *awserr.Error {
			return awserr.New(http.StatusNotFound, "UnknownOperationException", "Unknown operation %s %s", r.Method, r.URL.Path)
		}
	}
	if cfg.BadBody == nil {
		cfg.BadBody = func(err error) *awserr.Error {
			return awserr.New(http.StatusBadRequest, "SerializationException", "%s", err.Error())
		}
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 16 << 20
	}
	m := &Mux{cfg: cfg, mux: http.NewServeMux(), routes: map[string][]route{}}
	// "/" matches every method and path no other pattern does, so an
	// unknown path and a known path with another method both land here
	// (ServeMux would otherwise answer 405 in its own format).
	m.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		call := service.FromContext(r.Context())
		call.Operation = "Unknown"
		m.cfg.WriteError(w, call, m.cfg.Unknown(r))
	})
	return m
}

// Register routes requests matching pattern ("METHOD /path/{Label}", a
// net/http.ServeMux pattern) to op; status is the HTTP status of a
// successful response unless the output has a `rest:"status"` field.
// A pattern ending in "/" matches that path only (not a subtree). A
// pattern may end in "?key=value", as some of AWS's do ("GET
// /2018-10-31/layers?find=LayerVersion"): the operation is taken for
// requests with that query parameter, another one on the same path for
// the others.
func Register[I, O any](m *Mux, pattern string, status int, op service.Op[I, O]) {
	in, out := bindingOf[I](), bindingOf[O]()
	pattern, query, _ := strings.Cut(pattern, "?")
	if strings.HasSuffix(pattern, "/") {
		pattern += "{$}"
	}
	key, value, _ := strings.Cut(query, "=")
	m.add(pattern, route{key: key, value: value, serve: func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		call := service.FromContext(ctx)
		call.Operation = op.Name
		v, err := m.decode(r, in)
		if err == nil {
			var res *O
			if res, err = op.Invoke(ctx, v.(*I)); err == nil {
				out.write(w, call.RequestID, status, res)
				return
			}
		}
		e := service.Failed(call, op.Name, err)
		m.cfg.WriteError(w, call, e)
	}})
}

// add registers r on pattern; the first route of a pattern installs the
// handler that picks among them.
func (m *Mux) add(pattern string, r route) {
	routes, seen := m.routes[pattern]
	// Query-constrained routes first, so the plain one is the fallback.
	if r.key != "" {
		routes = append([]route{r}, routes...)
	} else {
		routes = append(routes, r)
	}
	m.routes[pattern] = routes
	if seen {
		return
	}
	m.mux.HandleFunc(pattern, func(w http.ResponseWriter, req *http.Request) {
		q := req.URL.Query()
		for _, rt := range m.routes[pattern] {
			if rt.key == "" || q.Get(rt.key) == rt.value {
				rt.serve(w, req)
				return
			}
		}
		call := service.FromContext(req.Context())
		call.Operation = "Unknown"
		m.cfg.WriteError(w, call, m.cfg.Unknown(req))
	})
}

// decode reads the body and binds the input's fields.
func (m *Mux) decode(r *http.Request, b *binding) (any, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, m.cfg.MaxBody+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > m.cfg.MaxBody {
		return nil, awserr.New(http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException",
			"Request must be smaller than %d bytes for the %s operation", m.cfg.MaxBody, service.FromContext(r.Context()).Operation)
	}
	v, err := b.bind(r, body)
	if err != nil {
		if _, ok := awserr.As(err); !ok {
			return nil, m.cfg.BadBody(err)
		}
		return nil, err
	}
	if val, ok := v.(Validator); ok {
		if err := val.Validate(); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// ServeAWS routes an authenticated request to its operation. The request's
// context carries call (service.WithCall).
func (m *Mux) ServeAWS(w http.ResponseWriter, r *http.Request, call *service.Call) {
	if service.FromContext(r.Context()) == nil {
		r = r.WithContext(service.WithCall(r.Context(), call))
	}
	// ServeMux redirects a path that is not clean (a "//" from an empty
	// label, a "..") to its clean form; an API answers it as unknown.
	if p := r.URL.Path; strings.Contains(p, "//") || strings.Contains(p, "/./") || strings.Contains(p, "/../") ||
		strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..") {
		call.Operation = "Unknown"
		m.cfg.WriteError(w, call, m.cfg.Unknown(r))
		return
	}
	m.mux.ServeHTTP(w, r)
}

// WriteError renders an error raised before the service ran.
func (m *Mux) WriteError(w http.ResponseWriter, r *http.Request, call *service.Call, e *awserr.Error) {
	m.cfg.WriteError(w, call, e)
}

// WriteJSON writes v as a JSON response with AWS's request id header.
func WriteJSON(w http.ResponseWriter, requestID string, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, status = []byte(`{"message":"InternalError"}`), http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-RequestId", requestID)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}
