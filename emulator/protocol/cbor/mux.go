package cbor

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
)

// Header names and values of the protocol.
const (
	// ProtocolHeader is the header every request and response carries.
	ProtocolHeader = "Smithy-Protocol"
	// ProtocolName is ProtocolHeader's value.
	ProtocolName = "rpc-v2-cbor"
	// ContentType is the media type of request and response bodies.
	ContentType = "application/cbor"
)

// DefaultMaxBody bounds request bodies unless Mux.MaxBody says otherwise.
const DefaultMaxBody = 16 << 20

// Mux dispatches rpcv2Cbor requests by the operation in their path to the
// operations registered with Register.
type Mux struct {
	// Namespace is the Smithy namespace of the service and its errors, e.g.
	// "com.amazonaws.cloudwatch".
	Namespace string
	// Service is the service shape's name, e.g.
	// "GraniteServiceVersion20100801".
	Service string
	// ErrorShape, if set, names the error shape (without namespace) for an
	// error code, e.g. "InvalidParameterValue" →
	// "InvalidParameterValueException"; it returns "" for unmodeled errors,
	// which are sent as Namespace#Code.
	ErrorShape func(code string) string
	// QueryCompatible adds the x-amzn-query-error header ("Code;Sender")
	// to errors, for services with the awsQueryCompatible trait whose
	// clients read the query error code from it.
	QueryCompatible bool
	// MaxBody bounds request bodies; DefaultMaxBody when zero.
	MaxBody int64
	ops     map[string]handler
}

type handler func(ctx context.Context, body []byte) (any, error)

// NewMux returns an empty Mux for the service namespace#name.
func NewMux(namespace, name string) *Mux {
	return &Mux{Namespace: namespace, Service: name, ops: make(map[string]handler)}
}

// Register adds op to m. An operation whose Run returns a nil output has no
// output shape (Smithy's Unit): its response has no body.
func Register[I, O any](m *Mux, op service.Op[I, O]) {
	m.ops[op.Name] = func(ctx context.Context, body []byte) (any, error) {
		in := new(I)
		if len(body) > 0 {
			if err := Unmarshal(body, in); err != nil {
				return nil, serializationError(err)
			}
		}
		out, err := op.Invoke(ctx, in)
		if err != nil {
			return nil, err
		}
		if out == nil {
			return nil, nil
		}
		return out, nil
	}
}

func serializationError(err error) error {
	return awserr.New(http.StatusBadRequest, "SerializationException", "%s", err.Error())
}

// Has reports whether op is registered.
func (m *Mux) Has(op string) bool { _, ok := m.ops[op]; return ok }

// Match reports whether r is an rpcv2Cbor request: one with the
// Smithy-Protocol header or a /service/…/operation/… path.
func Match(r *http.Request) bool {
	if r.Header.Get(ProtocolHeader) != "" {
		return true
	}
	_, _, ok := parsePath(r.URL.Path)
	return ok
}

// parsePath splits {prefix?}/service/{service}/operation/{operation}: only
// the last four segments count (Smithy RPC v2 CBOR protocol, "Requests").
func parsePath(p string) (svc, op string, ok bool) {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	if len(segs) < 4 {
		return "", "", false
	}
	segs = segs[len(segs)-4:]
	if segs[0] != "service" || segs[2] != "operation" || segs[1] == "" || segs[3] == "" {
		return "", "", false
	}
	return segs[1], segs[3], true
}

// Operation returns the operation r's path names, or "" when the path does
// not address m's service.
func (m *Mux) Operation(r *http.Request) string {
	svc, op, ok := parsePath(r.URL.Path)
	if !ok {
		return ""
	}
	// Servers accept the absolute shape id with '#' written as '.'.
	if svc != m.Service && svc != m.Namespace+"."+m.Service {
		return ""
	}
	return op
}

// ServeAWS validates the request against the protocol's rules, runs the
// operation and writes its response.
func (m *Mux) ServeAWS(w http.ResponseWriter, r *http.Request, call *service.Call) {
	op := m.Operation(r)
	call.Operation = op
	if err := m.check(r, op); err != nil {
		m.WriteError(w, r, call, err)
		return
	}
	h, ok := m.ops[op]
	if !ok {
		m.WriteError(w, r, call, awserr.New(http.StatusBadRequest, "UnknownOperationException", "Unknown operation %s", op))
		return
	}
	limit := m.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		m.WriteError(w, r, call, awserr.New(http.StatusBadRequest, "SerializationException", "reading request body: %s", err.Error()))
		return
	}
	if int64(len(body)) > limit {
		m.WriteError(w, r, call, awserr.New(http.StatusRequestEntityTooLarge, "SerializationException", "Request body larger than %d bytes", limit))
		return
	}
	out, err := h(r.Context(), body)
	if err != nil {
		e := service.Failed(call, op, err)
		m.WriteError(w, r, call, e)
		return
	}
	hd := w.Header()
	hd.Set(ProtocolHeader, ProtocolName)
	hd.Set("x-amzn-RequestId", call.RequestID)
	if out == nil {
		hd.Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}
	b, err := Marshal(out)
	if err != nil {
		m.WriteError(w, r, call, awserr.From(err))
		return
	}
	hd.Set("Content-Type", ContentType)
	hd.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// check applies the protocol's request rules (Smithy RPC v2 CBOR protocol,
// "Requests").
func (m *Mux) check(r *http.Request, op string) *awserr.Error {
	switch {
	case op == "":
		return awserr.New(http.StatusNotFound, "UnknownOperationException", "Request path %s does not address service %s", r.URL.Path, m.Service)
	case r.Method != http.MethodPost:
		return awserr.New(http.StatusMethodNotAllowed, "UnknownOperationException", "rpcv2Cbor requests are sent with POST, not %s", r.Method)
	case r.Header.Get(ProtocolHeader) != ProtocolName:
		return awserr.New(http.StatusBadRequest, "SerializationException", "Requests must carry the header %s: %s", ProtocolHeader, ProtocolName)
	case r.Header.Get("X-Amz-Target") != "" || r.Header.Get("X-Amzn-Target") != "":
		return awserr.New(http.StatusBadRequest, "SerializationException", "rpcv2Cbor requests must not carry X-Amz-Target")
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && r.ContentLength != 0 {
		mt, _, _ := strings.Cut(ct, ";")
		if !strings.EqualFold(strings.TrimSpace(mt), ContentType) {
			return awserr.New(http.StatusUnsupportedMediaType, "UnsupportedMediaTypeException", "Content-Type %s is not %s", ct, ContentType)
		}
	}
	return nil
}

// ErrorType returns the absolute shape id written to "__type" for code.
func (m *Mux) ErrorType(code string) string {
	name := ""
	if m.ErrorShape != nil {
		name = m.ErrorShape(code)
	}
	if name == "" {
		name = code
	}
	return m.Namespace + "#" + name
}

// WriteError renders err as a CBOR map with "__type" and "message" (plus the
// error's extra fields), with the Smithy-Protocol header.
func (m *Mux) WriteError(w http.ResponseWriter, r *http.Request, call *service.Call, err *awserr.Error) {
	body := smithycbor.Map{
		"__type":  smithycbor.String(m.ErrorType(err.Code)),
		"message": smithycbor.String(err.Message),
	}
	for _, f := range err.Fields {
		body[f.Name] = smithycbor.String(f.Value)
	}
	b := smithycbor.Encode(body)
	h := w.Header()
	h.Set(ProtocolHeader, ProtocolName)
	if m.QueryCompatible {
		fault := "Sender"
		if err.Receiver() {
			fault = "Receiver"
		}
		h.Set("x-amzn-query-error", err.Code+";"+fault)
	}
	err.Write(w, ContentType, call.RequestID, b)
}
