package query

import (
	"context"
	"net/http"
	"net/url"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
)

// Mux dispatches query-protocol requests by their Action parameter to the
// operations registered with Register.
type Mux struct {
	// Namespace is the XML namespace of responses, e.g.
	// "https://sts.amazonaws.com/doc/2011-06-15/".
	Namespace string
	ops       map[string]handler
}

type handler func(ctx context.Context, form url.Values) (any, error)

// NewMux returns an empty Mux for a service with the given XML namespace.
func NewMux(namespace string) *Mux {
	return &Mux{Namespace: namespace, ops: make(map[string]handler)}
}

// Register adds op to m.
func Register[I, O any](m *Mux, op service.Op[I, O]) {
	m.ops[op.Name] = func(ctx context.Context, form url.Values) (any, error) {
		in := new(I)
		if err := Decode(form, in); err != nil {
			return nil, err
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

// Has reports whether op is registered.
func (m *Mux) Has(op string) bool { _, ok := m.ops[op]; return ok }

// ServeAWS decodes the form, runs the operation and writes its response.
// The request has already been authenticated; call describes it.
func (m *Mux) ServeAWS(w http.ResponseWriter, r *http.Request, call *service.Call) {
	if err := r.ParseForm(); err != nil {
		WriteError(w, m.Namespace, call.RequestID, awserr.New(http.StatusBadRequest, "MalformedQueryString", "%s", err.Error()))
		return
	}
	action := r.Form.Get("Action")
	call.Operation = action
	h, ok := m.ops[action]
	if !ok {
		code := "InvalidAction"
		WriteError(w, m.Namespace, call.RequestID, awserr.New(http.StatusBadRequest, code,
			"Could not find operation %s for version %s", action, r.Form.Get("Version")))
		return
	}
	out, err := h(r.Context(), r.Form)
	if err != nil {
		e := service.Failed(call, action, err)
		WriteError(w, m.Namespace, call.RequestID, e)
		return
	}
	WriteResponse(w, m.Namespace, action, call.RequestID, out)
}

// WriteError renders err in the query protocol's <ErrorResponse> format.
func (m *Mux) WriteError(w http.ResponseWriter, r *http.Request, call *service.Call, err *awserr.Error) {
	WriteError(w, m.Namespace, call.RequestID, err)
}
