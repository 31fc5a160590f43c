package cloudwatch

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/protocol/awsjson"
	"github.com/xacct/xacct/emulator/protocol/cbor"
	"github.com/xacct/xacct/emulator/protocol/query"
	"github.com/xacct/xacct/emulator/service"
)

// Protocol constants of the CloudWatch API.
const (
	// Namespace is the XML namespace of query responses.
	Namespace = "http://monitoring.amazonaws.com/doc/2010-08-01/"
	// SmithyNamespace is the namespace of the service's Smithy shapes.
	SmithyNamespace = "com.amazonaws.cloudwatch"
	// ServiceName is the Smithy service name, used in RPC v2 CBOR paths and
	// as the JSON X-Amz-Target prefix.
	ServiceName = "GraniteServiceVersion20100801"
	// SigningName is the SigV4 signing name requests are routed by.
	SigningName = "monitoring"
)

// maxInflated bounds a gzip-compressed request body after decompression.
const maxInflated = 16 << 20

// errorShapes maps the query error codes of modeled errors to their Smithy
// shape names (botocore's cloudwatch service-2.json, "error" traits).
var errorShapes = map[string]string{
	"InvalidParameterValue":       "InvalidParameterValueException",
	"MissingParameter":            "MissingRequiredParameterException",
	"InvalidParameterCombination": "InvalidParameterCombinationException",
	"LimitExceeded":               "LimitExceededFault",
	"ResourceNotFound":            "ResourceNotFound",
	"InvalidNextToken":            "InvalidNextToken",
	"InvalidFormat":               "InvalidFormatFault",
	"InternalServiceError":        "InternalServiceFault",
}

func errorShape(code string) string { return errorShapes[code] }

// protocols holds the three dispatchers over one operation table.
type protocols struct {
	query *query.Mux
	json  *awsjson.Mux
	cbor  *cbor.Mux
}

// operation registers op with every protocol.
func operation[I, O any](p *protocols, op service.Op[I, O]) {
	query.Register(p.query, op)
	cbor.Register(p.cbor, op)
	awsjson.Register(p.json, service.Op[jsonIn[I], jsonOut]{
		Name: op.Name,
		Run: func(ctx context.Context, in *jsonIn[I]) (*jsonOut, error) {
			out, err := op.Invoke(ctx, &in.v)
			if err != nil {
				return nil, jsonError(err)
			}
			if out == nil {
				return nil, nil
			}
			return &jsonOut{v: out}, nil
		},
	})
}

// ServeAWS serves a CloudWatch request in whichever protocol it uses: RPC v2
// CBOR (the Smithy-Protocol header or a /service/… path; botocore 1.43 and
// aws-sdk-go-v2's service/cloudwatch), AWS JSON 1.0 (X-Amz-Target) or query
// (Action=…). Bodies sent with Content-Encoding: gzip (the SDKs' request
// compression for PutMetricData) are inflated first.
func (s *Service) ServeAWS(w http.ResponseWriter, r *http.Request, call *service.Call) {
	if err := inflate(r); err != nil {
		s.WriteError(w, r, call, err)
		return
	}
	switch {
	case cbor.Match(r):
		s.proto.cbor.ServeAWS(w, r, call)
	case r.Header.Get("X-Amz-Target") != "":
		s.proto.json.ServeAWS(w, r, call)
	default:
		s.proto.query.ServeAWS(w, r, call)
	}
}

// WriteError renders err in the protocol of r.
func (s *Service) WriteError(w http.ResponseWriter, r *http.Request, call *service.Call, err *awserr.Error) {
	switch {
	case cbor.Match(r):
		s.proto.cbor.WriteError(w, r, call, err)
	case r.Header.Get("X-Amz-Target") != "":
		s.proto.json.WriteError(w, r, call, jsonError(err).(*awserr.Error))
	default:
		s.proto.query.WriteError(w, r, call, err)
	}
}

// inflate replaces a gzip-encoded body by its decompressed content.
func inflate(r *http.Request) *awserr.Error {
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	if enc == "" || enc == "identity" {
		return nil
	}
	if enc != "gzip" {
		return awserr.New(http.StatusUnsupportedMediaType, "InvalidParameterValue", "Unsupported Content-Encoding %s", enc)
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		return awserr.New(http.StatusBadRequest, "InvalidParameterValue", "The request body is not valid gzip: %s", err.Error())
	}
	b, err := io.ReadAll(io.LimitReader(zr, maxInflated+1))
	if err != nil {
		return awserr.New(http.StatusBadRequest, "InvalidParameterValue", "The request body is not valid gzip: %s", err.Error())
	}
	if len(b) > maxInflated {
		return awserr.New(http.StatusRequestEntityTooLarge, "InvalidParameterValue", "The decompressed request body is larger than %d bytes", maxInflated)
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
	r.Header.Del("Content-Encoding")
	r.Header.Set("Content-Length", strconv.Itoa(len(b)))
	return nil
}

// jsonError renders an error for the JSON 1.0 protocol of a query-compatible
// service: "__type" names the error shape and x-amzn-query-error carries the
// query code clients report.
func jsonError(err error) error {
	e := awserr.From(err)
	c := *e
	if name := errorShape(e.Code); name != "" {
		c.Code = SmithyNamespace + "#" + name
	}
	fault := "Sender"
	if e.Receiver() {
		fault = "Receiver"
	}
	c.Header = http.Header{}
	for k, v := range e.Header {
		c.Header[k] = v
	}
	c.Header.Set("x-amzn-query-error", e.Code+";"+fault)
	return &c
}

// jsonIn decodes a JSON 1.0 body into the input shape through the same
// reflective decoder as CBOR, so timestamps may be epoch numbers.
type jsonIn[I any] struct{ v I }

// UnmarshalJSON implements json.Unmarshaler.
func (j *jsonIn[I]) UnmarshalJSON(b []byte) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return err
	}
	item, err := jsonToCBOR(doc)
	if err != nil {
		return err
	}
	return cbor.DecodeValue(item, &j.v)
}

// jsonOut encodes an output shape as JSON 1.0: timestamps as epoch seconds,
// blobs as base64.
type jsonOut struct{ v any }

// MarshalJSON implements json.Marshaler.
func (j jsonOut) MarshalJSON() ([]byte, error) {
	item, err := cbor.EncodeValue(j.v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(cborToJSON(item))
}

func jsonToCBOR(v any) (smithycbor.Value, error) {
	switch x := v.(type) {
	case nil:
		return &smithycbor.Nil{}, nil
	case bool:
		return smithycbor.Bool(x), nil
	case string:
		return smithycbor.String(x), nil
	case json.Number:
		if n, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
			return cbor.Int(n), nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("number %s out of range", x)
		}
		return smithycbor.Float64(f), nil
	case []any:
		l := make(smithycbor.List, 0, len(x))
		for _, e := range x {
			item, err := jsonToCBOR(e)
			if err != nil {
				return nil, err
			}
			l = append(l, item)
		}
		return l, nil
	case map[string]any:
		m := make(smithycbor.Map, len(x))
		for k, e := range x {
			item, err := jsonToCBOR(e)
			if err != nil {
				return nil, err
			}
			m[k] = item
		}
		return m, nil
	}
	return nil, fmt.Errorf("unexpected JSON value %T", v)
}

func cborToJSON(v smithycbor.Value) any {
	switch x := v.(type) {
	case smithycbor.Uint:
		return uint64(x)
	case smithycbor.NegInt:
		if x == 0 || uint64(x) > 1<<63 {
			return -float64(x)
		}
		return -int64(uint64(x)-1) - 1
	case smithycbor.Float64:
		return jsonFloat(float64(x))
	case smithycbor.Float32:
		return jsonFloat(float64(x))
	case smithycbor.String:
		return string(x)
	case smithycbor.Slice:
		return base64.StdEncoding.EncodeToString(x)
	case smithycbor.Bool:
		return bool(x)
	case smithycbor.List:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = cborToJSON(e)
		}
		return l
	case smithycbor.Map:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = cborToJSON(e)
		}
		return m
	case *smithycbor.Tag:
		return cborToJSON(x.Value)
	}
	return nil
}

// jsonFloat is a float rendered for JSON: AWS JSON sends NaN and the
// infinities as the strings "NaN", "Infinity" and "-Infinity".
func jsonFloat(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return f
}
