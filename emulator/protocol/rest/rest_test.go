package rest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/protocol/rest"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// allowOnly allows one action and records what it was asked.
type allowOnly struct {
	action string
	asked  []service.Check
}

func (a *allowOnly) Decide(_ context.Context, _ *service.Call, chk service.Check) policy.Decision {
	a.asked = append(a.asked, chk)
	if chk.Action == a.action {
		return policy.Decision{Effect: policy.Allow}
	}
	return policy.Decision{Effect: policy.ImplicitDeny}
}

type getIn struct {
	Name  string `json:"-" rest:"label"`
	Limit *int32 `json:"-" rest:"query=MaxItems"`
	Mode  string `json:"-" rest:"header=X-Mode"`
	Body  string
}

type getOut struct {
	Name  string `json:"Name"`
	Limit int32  `json:"Limit"`
	Mode  string `json:"Mode"`
	Body  string `json:"Body"`
	Extra string `json:"-" rest:"header=X-Extra"`
}

type rawIn struct {
	Name    string `json:"-" rest:"label"`
	Payload []byte `json:"-" rest:"payload"`
}

type rawOut struct {
	Status  int    `json:"-" rest:"status"`
	Payload []byte `json:"-" rest:"payload"`
}

func (in *getIn) Validate() error {
	if strings.ContainsAny(in.Name, "!") {
		return awserr.New(http.StatusBadRequest, "ValidationException", "bad name %s", in.Name)
	}
	return nil
}

func newMux() *rest.Mux {
	m := rest.NewMux(rest.Config{WriteError: func(w http.ResponseWriter, call *service.Call, e *awserr.Error) {
		w.Header().Set("X-Code", e.Code)
		w.WriteHeader(e.StatusCode)
		io.WriteString(w, e.Message)
	}, MaxBody: 64})
	rest.Register(m, "POST /things/{Name}", http.StatusCreated, service.Op[getIn, getOut]{
		Name: "MakeThing",
		Check: func(_ *service.Call, in *getIn) service.Check {
			return service.Check{Action: "x:MakeThing", Resource: "thing/" + in.Name}
		},
		Run: func(_ context.Context, in *getIn) (*getOut, error) {
			out := &getOut{Name: in.Name, Mode: in.Mode, Body: in.Body, Extra: "yes"}
			if in.Limit != nil {
				out.Limit = *in.Limit
			}
			return out, nil
		},
	})
	rest.Register(m, "GET /things/", http.StatusOK, service.Op[getIn, getOut]{
		Name: "ListThings",
		Run:  func(context.Context, *getIn) (*getOut, error) { return &getOut{Name: "list"}, nil },
	})
	rest.Register(m, "GET /things/?find=One", http.StatusOK, service.Op[getIn, getOut]{
		Name: "FindThing",
		Run:  func(context.Context, *getIn) (*getOut, error) { return &getOut{Name: "found"}, nil },
	})
	rest.Register(m, "PUT /things/{Name}/raw", http.StatusOK, service.Op[rawIn, rawOut]{
		Name: "Raw",
		Run: func(_ context.Context, in *rawIn) (*rawOut, error) {
			if len(in.Payload) == 0 {
				return &rawOut{Status: http.StatusAccepted}, nil
			}
			return &rawOut{Payload: append([]byte(in.Name+":"), in.Payload...)}, nil
		},
	})
	return m
}

func serve(t *testing.T, m *rest.Mux, authz service.Authorizer, r *http.Request) (*httptest.ResponseRecorder, *service.Call) {
	t.Helper()
	call := &service.Call{RequestID: "req-1", Caller: &service.Caller{}, Authz: authz}
	w := httptest.NewRecorder()
	m.ServeAWS(w, r, call)
	return w, call
}

func TestRoutesBindAndAuthorize(t *testing.T) {
	m := newMux()
	authz := &allowOnly{action: "x:MakeThing"}
	r := httptest.NewRequest("POST", "/things/a%3Ab?MaxItems=7", strings.NewReader(`{"body":"hi"}`))
	r.Header.Set("X-Mode", "fast")
	w, call := serve(t, m, authz, r)
	if w.Code != http.StatusCreated {
		t.Fatalf("got %d %s, want 201", w.Code, w.Body)
	}
	var out map[string]any
	json.Unmarshal(w.Body.Bytes(), &out)
	want := map[string]any{"Name": "a:b", "Limit": float64(7), "Mode": "fast", "Body": "hi"}
	for k, v := range want {
		if out[k] != v {
			t.Errorf("%s: got %v, want %v", k, out[k], v)
		}
	}
	if w.Header().Get("X-Extra") != "yes" || w.Header().Get("X-Amzn-RequestId") != "req-1" {
		t.Errorf("headers: got %v", w.Header())
	}
	if call.Operation != "MakeThing" || len(authz.asked) != 1 || authz.asked[0].Resource != "thing/a:b" {
		t.Errorf("got operation %q, checks %v", call.Operation, authz.asked)
	}

	// Denied by the Check: Run never happens.
	authz.action = "x:Other"
	w, _ = serve(t, m, authz, httptest.NewRequest("POST", "/things/a", nil))
	if w.Code != http.StatusForbidden || w.Header().Get("X-Code") != "AccessDenied" {
		t.Errorf("denied: got %d %s", w.Code, w.Header().Get("X-Code"))
	}
}

func TestRouteErrors(t *testing.T) {
	m := newMux()
	authz := &allowOnly{action: "x:MakeThing"}
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"unknown path", "GET", "/nothing", "", 404, "UnknownOperationException"},
		{"known path, other method", "DELETE", "/things/a", "", 404, "UnknownOperationException"},
		{"empty label", "POST", "/things//raw", "", 404, "UnknownOperationException"},
		{"dot segment", "POST", "/things/../things/a", "", 404, "UnknownOperationException"},
		{"bad json", "POST", "/things/a", "{", 400, "SerializationException"},
		{"bad integer", "POST", "/things/a?MaxItems=x", "", 400, "SerializationException"},
		{"too large", "POST", "/things/a", strings.Repeat(" ", 65), 413, "RequestEntityTooLargeException"},
		{"invalid input", "POST", "/things/a!", "", 400, "ValidationException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := serve(t, m, authz, httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)))
			if w.Code != tc.status || w.Header().Get("X-Code") != tc.code {
				t.Errorf("got %d %s (%s), want %d %s", w.Code, w.Header().Get("X-Code"), w.Body, tc.status, tc.code)
			}
		})
	}
	if len(authz.asked) != 0 {
		t.Errorf("refused requests were authorized: %v", authz.asked)
	}
}

func TestQueryDiscriminatedRoutesAndPayloads(t *testing.T) {
	m := newMux()
	for _, tc := range []struct{ path, want string }{
		{"/things/", "list"},
		{"/things/?find=One", "found"},
		{"/things/?find=Other", "list"},
	} {
		w, _ := serve(t, m, nil, httptest.NewRequest("GET", tc.path, nil))
		var out getOut
		json.Unmarshal(w.Body.Bytes(), &out)
		if w.Code != 200 || out.Name != tc.want {
			t.Errorf("%s: got %d %s, want %s", tc.path, w.Code, w.Body, tc.want)
		}
	}
	w, _ := serve(t, m, nil, httptest.NewRequest("PUT", "/things/n/raw", strings.NewReader("not json")))
	if w.Code != 200 || w.Body.String() != "n:not json" {
		t.Errorf("raw payload: got %d %q", w.Code, w.Body)
	}
	w, _ = serve(t, m, nil, httptest.NewRequest("PUT", "/things/n/raw", nil))
	if w.Code != http.StatusAccepted || w.Body.Len() != 0 {
		t.Errorf("status field: got %d %q, want 202 and no body", w.Code, w.Body)
	}
}
