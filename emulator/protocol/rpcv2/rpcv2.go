// Package rpcv2 implements smithy RPC v2 CBOR, the protocol current SDKs
// use for CloudWatch: POST /service/SERVICE/operation/OPERATION with a CBOR
// map body, CBOR responses with the smithy-protocol header, and errors as
// CBOR maps with __type (plus the x-amzn-query-error header of
// awsQueryCompatible services).
package rpcv2

import (
	"errors"
	"math"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// FromCBOR converts a CBOR value to the generic tree of package shape:
// epoch-seconds tags (tag 1) become time.Time.
func FromCBOR(v cbor.Value) (any, error) {
	switch x := v.(type) {
	case cbor.Uint:
		return uint64(x), nil
	case cbor.NegInt:
		if uint64(x) > math.MaxInt64 {
			return nil, errors.New("integer out of range")
		}
		return -int64(x), nil
	case cbor.Float32:
		return float64(x), nil
	case cbor.Float64:
		return float64(x), nil
	case cbor.String:
		return string(x), nil
	case cbor.Slice:
		return []byte(x), nil
	case cbor.Bool:
		return bool(x), nil
	case *cbor.Nil, cbor.Nil, *cbor.Undefined, cbor.Undefined:
		return nil, nil
	case cbor.List:
		out := make([]any, 0, len(x))
		for _, e := range x {
			g, err := FromCBOR(e)
			if err != nil {
				return nil, err
			}
			if g != nil {
				out = append(out, g)
			}
		}
		return out, nil
	case cbor.Map:
		out := make(map[string]any, len(x))
		for k, e := range x {
			g, err := FromCBOR(e)
			if err != nil {
				return nil, err
			}
			if g != nil {
				out[k] = g
			}
		}
		return out, nil
	case *cbor.Tag:
		if x.ID == 1 {
			t, err := cbor.AsTime(x)
			if err != nil {
				return nil, err
			}
			return t, nil
		}
		return nil, errors.New("unsupported CBOR tag")
	}
	return nil, errors.New("unsupported CBOR value")
}

// ToCBOR converts a generic tree to CBOR: time.Time becomes tag 1 with
// epoch seconds.
func ToCBOR(v any) cbor.Value {
	switch x := v.(type) {
	case nil:
		return &cbor.Nil{}
	case string:
		return cbor.String(x)
	case bool:
		return cbor.Bool(x)
	case int64:
		if x < 0 {
			return cbor.NegInt(uint64(-x))
		}
		return cbor.Uint(uint64(x))
	case float64:
		return cbor.Float64(x)
	case []byte:
		return cbor.Slice(x)
	case time.Time:
		return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(x.UnixMilli()) / 1000)}
	case []any:
		out := make(cbor.List, len(x))
		for i, e := range x {
			out[i] = ToCBOR(e)
		}
		return out
	case map[string]any:
		out := make(cbor.Map, len(x))
		for k, e := range x {
			out[k] = ToCBOR(e)
		}
		return out
	}
	return &cbor.Nil{}
}
