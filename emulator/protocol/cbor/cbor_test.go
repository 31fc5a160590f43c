package cbor

import (
	"bytes"
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
)

type testDim struct {
	Name  string
	Value string
}

type testShape struct {
	Namespace string
	Period    *int32
	Count     int64
	Value     *float64
	Values    []float64
	Dims      []testDim
	When      *time.Time
	Tags      map[string]string
	Blob      []byte
	Flag      *bool
	Renamed   string `cbor:"other"`
	Skip      string `cbor:"-"`
}

func ptr[T any](v T) *T { return &v }

func tag1(v smithycbor.Value) *smithycbor.Tag { return &smithycbor.Tag{ID: 1, Value: v} }

func TestDecodeValue(t *testing.T) {
	when := time.Date(2024, 11, 26, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   smithycbor.Value
		want testShape
	}{
		// Smithy RPC v2 CBOR protocol, "Shape serialization": structures
		// are maps keyed by member name.
		{"members by name", smithycbor.Map{
			"Namespace": smithycbor.String("App"),
			"Period":    smithycbor.Uint(60),
			"Count":     smithycbor.NegInt(5),
			"Value":     smithycbor.Float64(1.5),
			"Values":    smithycbor.List{smithycbor.Float64(1), smithycbor.Uint(2), smithycbor.Float32(0.5)},
			"Dims":      smithycbor.List{smithycbor.Map{"Name": smithycbor.String("FunctionName"), "Value": smithycbor.String("copy")}},
			"Tags":      smithycbor.Map{"k": smithycbor.String("v")},
			"Blob":      smithycbor.Slice("raw"),
			"Flag":      smithycbor.Bool(true),
			"other":     smithycbor.String("renamed"),
		}, testShape{
			Namespace: "App", Period: ptr(int32(60)), Count: -5, Value: ptr(1.5),
			Values: []float64{1, 2, 0.5}, Dims: []testDim{{"FunctionName", "copy"}},
			Tags: map[string]string{"k": "v"}, Blob: []byte("raw"), Flag: ptr(true), Renamed: "renamed",
		}},
		// "Timestamp type serialization": tag 1 around an integer or a float.
		{"timestamp integer seconds", smithycbor.Map{"When": tag1(smithycbor.Uint(when.Unix()))}, testShape{When: &when}},
		{"timestamp float seconds", smithycbor.Map{"When": tag1(smithycbor.Float64(float64(when.Unix()) + 0.25))},
			testShape{When: ptr(when.Add(250 * time.Millisecond))}},
		// "Values that are null MUST be omitted"; servers MUST deserialize
		// undefined to null.
		{"null and undefined are absent", smithycbor.Map{"Period": &smithycbor.Nil{}, "Value": &smithycbor.Undefined{}}, testShape{}},
		{"unknown members ignored", smithycbor.Map{"Future": smithycbor.String("x"), "Skip": smithycbor.String("no")}, testShape{}},
		// "Numeric type serialization": floats may arrive as integers.
		{"integral float into integer", smithycbor.Map{"Count": smithycbor.Float64(42)}, testShape{Count: 42}},
		{"min int64", smithycbor.Map{"Count": smithycbor.NegInt(1 << 63)}, testShape{Count: math.MinInt64}},
		{"JSON-style epoch number", smithycbor.Map{"When": smithycbor.Uint(when.Unix())}, testShape{When: &when}},
		{"RFC 3339 string", smithycbor.Map{"When": smithycbor.String("2024-11-26T10:00:00Z")}, testShape{When: &when}},
		{"base64 blob", smithycbor.Map{"Blob": smithycbor.String("cmF3")}, testShape{Blob: []byte("raw")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got testShape
			if err := DecodeValue(tc.in, &got); err != nil {
				t.Fatalf("DecodeValue: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("got/want diff (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeValueErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       smithycbor.Value
		wantPath string
	}{
		{"string for integer", smithycbor.Map{"Period": smithycbor.String("60")}, "Period"},
		{"integer overflows int32", smithycbor.Map{"Period": smithycbor.Uint(1 << 40)}, "Period"},
		{"fractional float for integer", smithycbor.Map{"Count": smithycbor.Float64(1.5)}, "Count"},
		{"uint above int64", smithycbor.Map{"Count": smithycbor.Uint(math.MaxUint64)}, "Count"},
		{"negint below int64", smithycbor.Map{"Count": smithycbor.NegInt(0)}, "Count"},
		{"map for list", smithycbor.Map{"Values": smithycbor.Map{}}, "Values"},
		{"bad list element", smithycbor.Map{"Dims": smithycbor.List{smithycbor.Map{"Name": smithycbor.Uint(1)}}}, "Dims[0].Name"},
		{"wrong tag", smithycbor.Map{"When": &smithycbor.Tag{ID: 0, Value: smithycbor.String("x")}}, "When"},
		{"timestamp out of range", smithycbor.Map{"When": tag1(smithycbor.Float64(1e300))}, "When"},
		{"NaN timestamp", smithycbor.Map{"When": tag1(smithycbor.Float64(math.NaN()))}, "When"},
		{"top level not a map", smithycbor.List{}, ""},
		{"bool for string", smithycbor.Map{"Namespace": smithycbor.Bool(true)}, "Namespace"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got testShape
			err := DecodeValue(tc.in, &got)
			de, ok := err.(*DecodeError)
			if !ok {
				t.Fatalf("got error %v (%T), want *DecodeError", err, err)
			}
			if de.Path != tc.wantPath {
				t.Errorf("got path %q, want %q (error %v)", de.Path, tc.wantPath, err)
			}
		})
	}
}

func TestEncodeValue(t *testing.T) {
	when := time.Date(2024, 11, 26, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   any
		want smithycbor.Value
	}{
		{"absent members omitted", testShape{}, smithycbor.Map{"Count": smithycbor.Uint(0)}},
		{"scalars", testShape{Namespace: "App", Period: ptr(int32(60)), Count: -2, Value: ptr(2.0), Flag: ptr(false), Renamed: "r", Skip: "s"},
			smithycbor.Map{"Namespace": smithycbor.String("App"), "Period": smithycbor.Uint(60), "Count": smithycbor.NegInt(2),
				"Value": smithycbor.Float64(2), "Flag": smithycbor.Bool(false), "other": smithycbor.String("r")}},
		// Timestamps: tag 1, epoch seconds, millisecond resolution.
		{"whole-second timestamp", testShape{When: &when}, smithycbor.Map{"Count": smithycbor.Uint(0), "When": tag1(smithycbor.Uint(when.Unix()))}},
		{"fractional timestamp", testShape{When: ptr(when.Add(1500 * time.Microsecond))},
			smithycbor.Map{"Count": smithycbor.Uint(0), "When": tag1(smithycbor.Float64(float64(when.Unix()) + 0.001))}},
		{"empty list kept", testShape{Values: []float64{}}, smithycbor.Map{"Count": smithycbor.Uint(0), "Values": smithycbor.List{}}},
		{"nil pointer to struct", (*testShape)(nil), smithycbor.Map{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EncodeValue(tc.in)
			if err != nil {
				t.Fatalf("EncodeValue: %v", err)
			}
			if !bytes.Equal(smithycbor.Encode(got), smithycbor.Encode(tc.want)) && !cmp.Equal(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	when := time.Date(2024, 11, 26, 10, 0, 0, 123_000_000, time.UTC)
	in := testShape{Namespace: "App", Period: ptr(int32(-60)), Count: math.MaxInt64, Value: ptr(math.Inf(-1)),
		Values: []float64{1e-300, 0}, Dims: []testDim{{"A", "b"}}, When: &when, Tags: map[string]string{"": ""},
		Blob: []byte{0, 1}, Flag: ptr(true), Renamed: "r"}
	b, err := Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var got testShape
	if err := Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, got); diff != "" {
		t.Errorf("round trip diff (-want +got):\n%s", diff)
	}
}

type echoOut struct {
	Namespace string
	Sum       float64
	At        time.Time
}

func newTestMux() *Mux {
	m := NewMux("com.example", "TestService")
	m.QueryCompatible = true
	m.ErrorShape = func(code string) string {
		if code == "InvalidParameterValue" {
			return "InvalidParameterValueException"
		}
		return ""
	}
	Register(m, service.Op[testShape, echoOut]{Name: "Echo", Run: func(ctx context.Context, in *testShape) (*echoOut, error) {
		if in.Namespace == "bad" {
			return nil, awserr.New(400, "InvalidParameterValue", "The value bad for parameter Namespace is invalid.")
		}
		if in.Namespace == "boom" {
			return nil, io.ErrUnexpectedEOF
		}
		out := &echoOut{Namespace: in.Namespace, At: time.Unix(1700000000, 0)}
		for _, v := range in.Values {
			out.Sum += v
		}
		return out, nil
	}})
	Register(m, service.Op[testShape, struct{}]{Name: "Put", Run: func(ctx context.Context, in *testShape) (*struct{}, error) {
		return nil, nil
	}})
	return m
}

func serve(m *Mux, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	call := &service.Call{RequestID: "req-1"}
	m.ServeAWS(rec, req.WithContext(service.WithCall(req.Context(), call)), call)
	return rec
}

func cborRequest(path string, body []byte) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
	req.Header.Set("Content-Type", "application/cbor")
	req.Header.Set("Accept", "application/cbor")
	return req
}

func responseMap(t *testing.T, b []byte) smithycbor.Map {
	t.Helper()
	v, err := smithycbor.Decode(b)
	if err != nil {
		t.Fatalf("response is not CBOR: %v", err)
	}
	m, ok := v.(smithycbor.Map)
	if !ok {
		t.Fatalf("response is %T, want map", v)
	}
	return m
}

func TestMux(t *testing.T) {
	body, _ := Marshal(testShape{Namespace: "App", Values: []float64{1, 2}})
	bad, _ := Marshal(testShape{Namespace: "bad"})
	boom, _ := Marshal(testShape{Namespace: "boom"})
	tests := []struct {
		name       string
		req        func() *http.Request
		wantStatus int
		wantType   string // __type of an error, "" for success
		wantQuery  string
		wantBody   bool
	}{
		{"success", func() *http.Request { return cborRequest("/service/TestService/operation/Echo", body) }, 200, "", "", true},
		// "Service implementations SHOULD accept an absolute shape ID".
		{"absolute service id", func() *http.Request { return cborRequest("/service/com.example.TestService/operation/Echo", body) }, 200, "", "", true},
		// "will only use the last four segments of the URL".
		{"path prefix", func() *http.Request { return cborRequest("/v1/service/TestService/operation/Echo", body) }, 200, "", "", true},
		// Unit output: "MUST NOT contain bodies".
		{"unit output", func() *http.Request { return cborRequest("/service/TestService/operation/Put", body) }, 200, "", "", false},
		{"empty body is empty input", func() *http.Request { return cborRequest("/service/TestService/operation/Echo", nil) }, 200, "", "", true},
		{"modeled error", func() *http.Request { return cborRequest("/service/TestService/operation/Echo", bad) }, 400,
			"com.example#InvalidParameterValueException", "InvalidParameterValue;Sender", true},
		{"internal error", func() *http.Request { return cborRequest("/service/TestService/operation/Echo", boom) }, 500,
			"com.example#InternalError", "InternalError;Receiver", true},
		{"unknown operation", func() *http.Request { return cborRequest("/service/TestService/operation/Nope", body) }, 400,
			"com.example#UnknownOperationException", "UnknownOperationException;Sender", true},
		{"operation name must not be absolute", func() *http.Request {
			return cborRequest("/service/TestService/operation/com.example.Echo", body)
		}, 400, "com.example#UnknownOperationException", "UnknownOperationException;Sender", true},
		{"other service", func() *http.Request { return cborRequest("/service/Other/operation/Echo", body) }, 404,
			"com.example#UnknownOperationException", "UnknownOperationException;Sender", true},
		// "Every request ... MUST be sent using the HTTP POST method".
		{"GET refused", func() *http.Request {
			r := cborRequest("/service/TestService/operation/Echo", nil)
			r.Method = http.MethodGet
			return r
		}, 405, "com.example#UnknownOperationException", "UnknownOperationException;Sender", true},
		// "MUST contain a Smithy-Protocol header".
		{"missing protocol header", func() *http.Request {
			r := cborRequest("/service/TestService/operation/Echo", body)
			r.Header.Del("Smithy-Protocol")
			return r
		}, 400, "com.example#SerializationException", "SerializationException;Sender", true},
		// "Server-side implementations MUST reject such requests".
		{"X-Amz-Target refused", func() *http.Request {
			r := cborRequest("/service/TestService/operation/Echo", body)
			r.Header.Set("X-Amz-Target", "TestService.Echo")
			return r
		}, 400, "com.example#SerializationException", "SerializationException;Sender", true},
		{"JSON body refused", func() *http.Request {
			r := cborRequest("/service/TestService/operation/Echo", []byte(`{}`))
			r.Header.Set("Content-Type", "application/json")
			return r
		}, 415, "com.example#UnsupportedMediaTypeException", "UnsupportedMediaTypeException;Sender", true},
		{"malformed CBOR", func() *http.Request { return cborRequest("/service/TestService/operation/Echo", []byte{0xbf}) }, 400,
			"com.example#SerializationException", "SerializationException;Sender", true},
		{"shape mismatch", func() *http.Request {
			b := smithycbor.Encode(smithycbor.Map{"Values": smithycbor.String("x")})
			return cborRequest("/service/TestService/operation/Echo", b)
		}, 400, "com.example#SerializationException", "SerializationException;Sender", true},
	}
	m := newTestMux()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := serve(m, tc.req())
			if rec.Code != tc.wantStatus {
				t.Fatalf("got status %d, want %d (body %x)", rec.Code, tc.wantStatus, rec.Body.Bytes())
			}
			if got := rec.Header().Get("Smithy-Protocol"); got != "rpc-v2-cbor" {
				t.Errorf("got Smithy-Protocol %q, want rpc-v2-cbor", got)
			}
			if got := rec.Header().Get("x-amzn-query-error"); got != tc.wantQuery {
				t.Errorf("got x-amzn-query-error %q, want %q", got, tc.wantQuery)
			}
			if !tc.wantBody {
				if rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
					t.Errorf("got body %x with Content-Type %q, want none", rec.Body.Bytes(), rec.Header().Get("Content-Type"))
				}
				return
			}
			if got := rec.Header().Get("Content-Type"); got != "application/cbor" {
				t.Errorf("got Content-Type %q, want application/cbor", got)
			}
			resp := responseMap(t, rec.Body.Bytes())
			typ, _ := resp["__type"].(smithycbor.String)
			if string(typ) != tc.wantType {
				t.Errorf("got __type %q, want %q", typ, tc.wantType)
			}
			if tc.wantType != "" {
				if msg, _ := resp["message"].(smithycbor.String); msg == "" {
					t.Errorf("error without message: %v", resp)
				}
			}
		})
	}
}

func TestMuxSuccessBody(t *testing.T) {
	body, _ := Marshal(testShape{Namespace: "App", Values: []float64{1, 2.5}})
	rec := serve(newTestMux(), cborRequest("/service/TestService/operation/Echo", body))
	var out echoOut
	if err := Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	want := echoOut{Namespace: "App", Sum: 3.5, At: time.Unix(1700000000, 0).UTC()}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("got/want diff (-want +got):\n%s", diff)
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name string
		path string
		hdr  string
		want bool
	}{
		{"operation path", "/service/X/operation/Y", "", true},
		{"protocol header", "/", "rpc-v2-cbor", true},
		{"query path", "/", "", false},
		{"too short", "/service/X/operation", "", false},
		{"empty segments", "/service//operation/Y", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(""))
			if tc.hdr != "" {
				r.Header.Set("Smithy-Protocol", tc.hdr)
			}
			if got := Match(r); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// equateShapes compares decoded shapes, treating NaN as equal to NaN.
var equateShapes = cmpopts.EquateNaNs()
