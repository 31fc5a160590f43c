// Package cbor implements the server side of the Smithy RPC v2 CBOR protocol
// (smithy.protocols#rpcv2Cbor), which current AWS SDKs use for CloudWatch:
// POST /service/{Service}/operation/{Operation} with a CBOR body, responses
// with a Smithy-Protocol header, and errors carrying the error's shape id in
// "__type".
//
// Inputs and outputs are plain Go structs whose field names are the Smithy
// member names (a `cbor:"name"` tag overrides the name, `cbor:"-"` skips the
// field), the same shapes the query protocol decodes. Timestamps are
// time.Time, encoded as CBOR tag 1 around epoch seconds.
//
//	m := cbor.NewMux("com.amazonaws.cloudwatch", "GraniteServiceVersion20100801")
//	cbor.Register(m, service.Op[PutMetricDataIn, struct{}]{Name: "PutMetricData", Run: svc.PutMetricData})
//
// The low-level encoding is smithy-go's encoding/cbor; this package maps its
// data items to and from Go values by reflection.
package cbor

import (
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"
)

// tagEpoch is the CBOR tag for an epoch-based date/time (RFC 8949, 3.4.2).
const tagEpoch = 1

var timeType = reflect.TypeOf(time.Time{})

// Unmarshal decodes the CBOR document data into the value v points to.
// Unknown map keys are ignored and null or undefined values leave the target
// unset, as the protocol requires of servers. The error, if any, is a
// *DecodeError naming the member that did not match its shape.
func Unmarshal(data []byte, v any) error {
	item, err := smithycbor.Decode(data)
	if err != nil {
		return &DecodeError{Msg: err.Error()}
	}
	return DecodeValue(item, v)
}

// DecodeValue stores the decoded CBOR data item in the value v points to.
// Besides the shapes the protocol sends, it accepts what a JSON document
// converts to: numbers for timestamps (epoch seconds) and RFC 3339 strings,
// integral floats for integers, and base64 strings for blobs.
func DecodeValue(item smithycbor.Value, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("cbor.DecodeValue: want non-nil pointer, got %T", v)
	}
	return decode(item, rv.Elem(), "")
}

// DecodeError reports CBOR that does not match the target shape.
type DecodeError struct {
	// Path is the member path, e.g. "MetricData[0].Value".
	Path string
	Msg  string
}

// Error returns the message with its path.
func (e *DecodeError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func mismatch(path string, want string, got smithycbor.Value) error {
	return &DecodeError{Path: path, Msg: fmt.Sprintf("expected %s, got %s", want, kindName(got))}
}

func kindName(v smithycbor.Value) string {
	switch v.(type) {
	case smithycbor.Uint, smithycbor.NegInt:
		return "integer"
	case smithycbor.Float32, smithycbor.Float64:
		return "float"
	case smithycbor.String:
		return "text string"
	case smithycbor.Slice:
		return "byte string"
	case smithycbor.List:
		return "array"
	case smithycbor.Map:
		return "map"
	case *smithycbor.Tag:
		return "tag"
	case smithycbor.Bool:
		return "boolean"
	}
	return "simple value"
}

func isNull(item smithycbor.Value) bool {
	switch item.(type) {
	case nil, *smithycbor.Nil, *smithycbor.Undefined:
		return true
	}
	return false
}

func member(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func decode(item smithycbor.Value, v reflect.Value, path string) error {
	if isNull(item) {
		return nil
	}
	if v.Type() == timeType {
		t, err := asTime(item, path)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(t))
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		nv := reflect.New(v.Type().Elem())
		if err := decode(item, nv.Elem(), path); err != nil {
			return err
		}
		v.Set(nv)
	case reflect.Interface:
		if v.NumMethod() != 0 {
			return &DecodeError{Path: path, Msg: "unsupported interface target"}
		}
		v.Set(reflect.ValueOf(item))
	case reflect.String:
		s, ok := item.(smithycbor.String)
		if !ok {
			return mismatch(path, "text string", item)
		}
		v.SetString(string(s))
	case reflect.Bool:
		b, ok := item.(smithycbor.Bool)
		if !ok {
			return mismatch(path, "boolean", item)
		}
		v.SetBool(bool(b))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := asInt(item, v.Type().Bits(), path)
		if err != nil {
			return err
		}
		v.SetInt(n)
	case reflect.Float32, reflect.Float64:
		f, err := asFloat(item, path)
		if err != nil {
			return err
		}
		v.SetFloat(f)
	case reflect.Slice:
		return decodeSlice(item, v, path)
	case reflect.Map:
		return decodeMap(item, v, path)
	case reflect.Struct:
		return decodeStruct(item, v, path)
	default:
		return &DecodeError{Path: path, Msg: "unsupported target type " + v.Type().String()}
	}
	return nil
}

func asInt(item smithycbor.Value, bits int, path string) (int64, error) {
	var n int64
	switch x := item.(type) {
	case smithycbor.Uint:
		if uint64(x) > math.MaxInt64 {
			return 0, &DecodeError{Path: path, Msg: "integer out of range"}
		}
		n = int64(x)
	case smithycbor.NegInt:
		// NegInt(k) is -k; NegInt(0) stands for -2^64.
		if x == 0 || uint64(x) > 1<<63 {
			return 0, &DecodeError{Path: path, Msg: "integer out of range"}
		}
		n = -int64(uint64(x)-1) - 1
	case smithycbor.Float32, smithycbor.Float64:
		f, _ := asFloat(item, path)
		if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
			return 0, &DecodeError{Path: path, Msg: "expected integer, got non-integral float"}
		}
		n = int64(f)
	default:
		return 0, mismatch(path, "integer", item)
	}
	if bits < 64 {
		lo, hi := int64(-1)<<(bits-1), int64(1)<<(bits-1)-1
		if n < lo || n > hi {
			return 0, &DecodeError{Path: path, Msg: fmt.Sprintf("integer %d out of range", n)}
		}
	}
	return n, nil
}

func asFloat(item smithycbor.Value, path string) (float64, error) {
	switch x := item.(type) {
	case smithycbor.Float64:
		return float64(x), nil
	case smithycbor.Float32:
		return float64(x), nil
	case smithycbor.Uint:
		return float64(x), nil
	case smithycbor.NegInt:
		if x == 0 {
			return -math.Pow(2, 64), nil
		}
		return -float64(x), nil
	}
	return 0, mismatch(path, "number", item)
}

func asTime(item smithycbor.Value, path string) (time.Time, error) {
	if tag, ok := item.(*smithycbor.Tag); ok {
		if tag.ID != tagEpoch {
			return time.Time{}, &DecodeError{Path: path, Msg: fmt.Sprintf("expected tag 1 for timestamp, got tag %d", tag.ID)}
		}
		item = tag.Value
	}
	if s, ok := item.(smithycbor.String); ok {
		t, err := time.Parse(time.RFC3339Nano, string(s))
		if err != nil {
			return time.Time{}, &DecodeError{Path: path, Msg: "invalid timestamp " + string(s)}
		}
		return t.UTC(), nil
	}
	f, err := asFloat(item, path)
	if err != nil {
		return time.Time{}, mismatch(path, "epoch timestamp", item)
	}
	// Year 1 to 9999: what a timestamp can mean, and safe to convert.
	if math.IsNaN(f) || f < -62135596800 || f > 253402300799 {
		return time.Time{}, &DecodeError{Path: path, Msg: "timestamp out of range"}
	}
	sec := math.Floor(f)
	ms := math.Round((f - sec) * 1000)
	return time.Unix(int64(sec), int64(ms)*int64(time.Millisecond)).UTC(), nil
}

func decodeSlice(item smithycbor.Value, v reflect.Value, path string) error {
	if v.Type().Elem().Kind() == reflect.Uint8 {
		switch x := item.(type) {
		case smithycbor.Slice:
			v.SetBytes(append([]byte(nil), x...))
			return nil
		case smithycbor.String:
			b, err := base64.StdEncoding.DecodeString(string(x))
			if err != nil {
				return &DecodeError{Path: path, Msg: "invalid base64 blob"}
			}
			v.SetBytes(b)
			return nil
		}
		return mismatch(path, "byte string", item)
	}
	list, ok := item.(smithycbor.List)
	if !ok {
		return mismatch(path, "array", item)
	}
	s := reflect.MakeSlice(v.Type(), 0, len(list))
	for i, e := range list {
		ev := reflect.New(v.Type().Elem()).Elem()
		if err := decode(e, ev, fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
		s = reflect.Append(s, ev)
	}
	v.Set(s)
	return nil
}

func decodeMap(item smithycbor.Value, v reflect.Value, path string) error {
	if v.Type().Key().Kind() != reflect.String {
		return &DecodeError{Path: path, Msg: "map keys must be strings"}
	}
	m, ok := item.(smithycbor.Map)
	if !ok {
		return mismatch(path, "map", item)
	}
	out := reflect.MakeMapWithSize(v.Type(), len(m))
	for k, e := range m {
		ev := reflect.New(v.Type().Elem()).Elem()
		if err := decode(e, ev, member(path, k)); err != nil {
			return err
		}
		out.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), ev)
	}
	v.Set(out)
	return nil
}

func decodeStruct(item smithycbor.Value, v reflect.Value, path string) error {
	m, ok := item.(smithycbor.Map)
	if !ok {
		return mismatch(path, "map", item)
	}
	for _, f := range fields(v.Type()) {
		e, ok := m[f.name]
		if !ok {
			continue
		}
		if err := decode(e, v.Field(f.index), member(path, f.name)); err != nil {
			return err
		}
	}
	return nil
}

type field struct {
	name  string
	index int
}

// fields lists the members of struct type t in declaration order.
func fields(t reflect.Type) []field {
	out := make([]field, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("cbor"); ok {
			tag, _, _ = strings.Cut(tag, ",")
			if tag == "-" {
				continue
			}
			if tag != "" {
				name = tag
			}
		}
		out = append(out, field{name: name, index: i})
	}
	return out
}

// Marshal encodes v (a struct or pointer to one) as a CBOR document.
func Marshal(v any) ([]byte, error) {
	item, err := EncodeValue(v)
	if err != nil {
		return nil, err
	}
	return smithycbor.Encode(item), nil
}

// EncodeValue converts v into a CBOR data item. Nil pointers, slices and
// maps, empty strings and zero times are omitted from structures (the
// protocol omits null members); integers are CBOR integers, floats 64-bit
// floats, timestamps tag 1 around epoch seconds with millisecond precision.
func EncodeValue(v any) (smithycbor.Value, error) {
	item, ok, err := encode(reflect.ValueOf(v))
	if err != nil {
		return nil, err
	}
	if !ok {
		return smithycbor.Map{}, nil
	}
	return item, nil
}

// encode returns the item for v and whether v is present (false for nil).
func encode(v reflect.Value) (smithycbor.Value, bool, error) {
	if !v.IsValid() {
		return nil, false, nil
	}
	if v.Type() == timeType {
		t := v.Interface().(time.Time)
		if t.IsZero() {
			return nil, false, nil
		}
		return EpochTag(t), true, nil
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, false, nil
		}
		if item, ok := v.Interface().(smithycbor.Value); ok && v.Kind() == reflect.Interface {
			return item, true, nil
		}
		return encode(v.Elem())
	case reflect.String:
		return smithycbor.String(v.String()), true, nil
	case reflect.Bool:
		return smithycbor.Bool(v.Bool()), true, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return Int(v.Int()), true, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return smithycbor.Uint(v.Uint()), true, nil
	case reflect.Float32, reflect.Float64:
		return smithycbor.Float64(v.Float()), true, nil
	case reflect.Slice:
		if v.IsNil() {
			return nil, false, nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return smithycbor.Slice(append([]byte(nil), v.Bytes()...)), true, nil
		}
		list := make(smithycbor.List, 0, v.Len())
		for i := 0; i < v.Len(); i++ {
			item, ok, err := encode(v.Index(i))
			if err != nil {
				return nil, false, err
			}
			if !ok {
				item = &smithycbor.Nil{}
			}
			list = append(list, item)
		}
		return list, true, nil
	case reflect.Map:
		if v.IsNil() {
			return nil, false, nil
		}
		if v.Type().Key().Kind() != reflect.String {
			return nil, false, fmt.Errorf("cbor: map key type %s is not a string", v.Type().Key())
		}
		m := make(smithycbor.Map, v.Len())
		it := v.MapRange()
		for it.Next() {
			item, ok, err := encode(it.Value())
			if err != nil {
				return nil, false, err
			}
			if ok {
				m[it.Key().String()] = item
			}
		}
		return m, true, nil
	case reflect.Struct:
		m := smithycbor.Map{}
		for _, f := range fields(v.Type()) {
			fv := v.Field(f.index)
			if fv.Kind() == reflect.String && fv.Len() == 0 {
				continue
			}
			item, ok, err := encode(fv)
			if err != nil {
				return nil, false, err
			}
			if ok {
				m[f.name] = item
			}
		}
		return m, true, nil
	}
	return nil, false, fmt.Errorf("cbor: unsupported type %s", v.Type())
}

// Int returns the CBOR integer for n.
func Int(n int64) smithycbor.Value {
	if n < 0 {
		return smithycbor.NegInt(uint64(-(n + 1)) + 1)
	}
	return smithycbor.Uint(n)
}

// EpochTag returns t as CBOR tag 1 around epoch seconds: an integer when t
// falls on a whole second, otherwise a float with millisecond precision.
func EpochTag(t time.Time) *smithycbor.Tag {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return &smithycbor.Tag{ID: tagEpoch, Value: Int(ms / 1000)}
	}
	return &smithycbor.Tag{ID: tagEpoch, Value: smithycbor.Float64(float64(ms) / 1000)}
}
