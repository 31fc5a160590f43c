// Package awsjson implements the AWS JSON 1.0 and 1.1 protocols (CloudWatch
// Logs, CloudWatch's JSON API): POST / with an X-Amz-Target header naming
// the operation, JSON bodies, and {"__type", "message"} errors.
//
// Input shapes are decoded with encoding/json, which matches member names
// case-insensitively; output shapes carry json tags with the service's
// member names. These are wire shapes: services keep their stored state in
// types of their own.
package awsjson

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
)

// maxBody bounds request bodies; JSON APIs take small documents.
const maxBody = 16 << 20

// Mux dispatches JSON-protocol requests by X-Amz-Target.
type Mux struct {
	// TargetPrefix is the part of X-Amz-Target before the dot, e.g.
	// "Logs_20140328".
	TargetPrefix string
	// ContentType is the response content type, e.g.
	// "application/x-amz-json-1.1".
	ContentType string
	ops         map[string]func(ctx context.Context, body []byte) (any, error)
}

// NewMux returns an empty Mux.
func NewMux(targetPrefix, contentType string) *Mux {
	return &Mux{TargetPrefix: targetPrefix, ContentType: contentType, ops: map[string]func(context.Context, []byte) (any, error){}}
}

// Register adds op to m.
func Register[I, O any](m *Mux, op service.Op[I, O]) {
	m.ops[op.Name] = func(ctx context.Context, body []byte) (any, error) {
		in := new(I)
		if len(strings.TrimSpace(string(body))) > 0 {
			if err := json.Unmarshal(body, in); err != nil {
				return nil, serializationError(err)
			}
		}
		out, err := op.Invoke(ctx, in)
		if err != nil {
			return nil, err
		}
		if out == nil {
			return struct{}{}, nil
		}
		return out, nil
	}
}

func serializationError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return awserr.New(http.StatusBadRequest, "SerializationException",
			"Unexpected value type in payload: %s at %s", te.Value, te.Field)
	}
	return awserr.New(http.StatusBadRequest, "SerializationException", "%s", err.Error())
}

// Operation returns the operation an X-Amz-Target names, if it is m's.
func (m *Mux) Operation(r *http.Request) string {
	// The operation follows the last dot: some prefixes have dots of
	// their own (com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101).
	target := r.Header.Get("X-Amz-Target")
	i := strings.LastIndexByte(target, '.')
	if i < 0 {
		return ""
	}
	prefix, op := target[:i], target[i+1:]
	if prefix != m.TargetPrefix {
		return ""
	}
	return op
}

// ServeAWS runs the operation named by X-Amz-Target.
func (m *Mux) ServeAWS(w http.ResponseWriter, r *http.Request, call *service.Call) {
	op := m.Operation(r)
	call.Operation = op
	h, ok := m.ops[op]
	if !ok {
		m.WriteError(w, r, call, awserr.New(http.StatusBadRequest, "UnknownOperationException", "Unknown operation %s", r.Header.Get("X-Amz-Target")))
		return
	}
	if r.Method != http.MethodPost {
		m.WriteError(w, r, call, awserr.New(http.StatusBadRequest, "UnknownOperationException", "Operations are sent with POST"))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		m.WriteError(w, r, call, awserr.From(err))
		return
	}
	if len(body) > maxBody {
		m.WriteError(w, r, call, awserr.New(http.StatusRequestEntityTooLarge, "SerializationException", "Request body too large"))
		return
	}
	out, err := h(r.Context(), body)
	if err != nil {
		e := service.Failed(call, op, err)
		m.WriteError(w, r, call, e)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		m.WriteError(w, r, call, awserr.From(err))
		return
	}
	h2 := w.Header()
	h2.Set("Content-Type", m.ContentType)
	h2.Set("Content-Length", strconv.Itoa(len(b)))
	h2.Set("x-amzn-RequestId", call.RequestID)
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// WriteError renders err as {"__type": Code, "message": Message}.
func (m *Mux) WriteError(w http.ResponseWriter, r *http.Request, call *service.Call, err *awserr.Error) {
	WriteError(w, m.ContentType, call.RequestID, err)
}

// WriteError renders err in the JSON protocols' error format.
func WriteError(w http.ResponseWriter, contentType, requestID string, e *awserr.Error) {
	body := map[string]string{"__type": e.Code, "message": e.Message}
	for _, f := range e.Fields {
		body[f.Name] = f.Value
	}
	b, _ := json.Marshal(body)
	w.Header().Set("x-amzn-ErrorType", e.Code)
	e.Write(w, contentType, requestID, b)
}
