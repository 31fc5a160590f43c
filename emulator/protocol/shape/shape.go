// Package shape converts between Go structs whose field names are AWS
// member names and a generic document tree (maps, lists, strings, numbers,
// booleans, times), so one set of shapes can be carried by several
// protocols: CBOR (smithy RPC v2), AWS JSON and query.
package shape

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

var timeType = reflect.TypeOf(time.Time{})

// Encode turns a struct (or pointer) into a generic tree: map[string]any,
// []any, string, float64, int64, bool, []byte and time.Time. Nil pointers,
// nil slices and nil maps are left out.
func Encode(v any) any {
	return encode(reflect.ValueOf(v))
}

func encode(v reflect.Value) any {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Type() == timeType {
		return v.Interface().(time.Time)
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(v.Uint())
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Bytes()
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = encode(v.Index(i))
		}
		return out
	case reflect.Map:
		out := map[string]any{}
		for _, k := range v.MapKeys() {
			out[k.String()] = encode(v.MapIndex(k))
		}
		return out
	case reflect.Struct:
		out := map[string]any{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			fv := v.Field(i)
			if (fv.Kind() == reflect.Pointer || fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map || fv.Kind() == reflect.Interface) && fv.IsNil() {
				continue
			}
			out[f.Name] = encode(fv)
		}
		return out
	}
	return nil
}

// Decode fills the struct pointed to by out from a generic tree. Member
// names match field names exactly, then case-insensitively. Numbers may be
// float64, int64, uint64 or json.Number; times may be time.Time or epoch
// seconds.
func Decode(tree any, out any) error {
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("shape.Decode: want a pointer, got %T", out)
	}
	return decode(tree, rv.Elem(), "")
}

// Error is a type mismatch at a member path.
type Error struct {
	Path string
	Want string
}

func (e *Error) Error() string {
	return fmt.Sprintf("expected %s at %s", e.Want, strings.TrimPrefix(e.Path, "."))
}

func number(x any) (float64, bool) {
	switch n := x.(type) {
	case float64:
		return n, true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func decode(x any, v reflect.Value, path string) error {
	if x == nil {
		return nil
	}
	if v.Kind() == reflect.Pointer {
		nv := reflect.New(v.Type().Elem())
		if err := decode(x, nv.Elem(), path); err != nil {
			return err
		}
		v.Set(nv)
		return nil
	}
	if v.Type() == timeType {
		switch t := x.(type) {
		case time.Time:
			v.Set(reflect.ValueOf(t))
			return nil
		case string:
			p, err := time.Parse(time.RFC3339Nano, t)
			if err != nil {
				return &Error{path, "a timestamp"}
			}
			v.Set(reflect.ValueOf(p))
			return nil
		}
		f, ok := number(x)
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e12 {
			return &Error{path, "a timestamp"}
		}
		sec, frac := math.Modf(f)
		v.Set(reflect.ValueOf(time.Unix(int64(sec), int64(frac*1e9)).UTC()))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		s, ok := x.(string)
		if !ok {
			return &Error{path, "a string"}
		}
		v.SetString(s)
	case reflect.Bool:
		b, ok := x.(bool)
		if !ok {
			return &Error{path, "a boolean"}
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		f, ok := number(x)
		if !ok || f != math.Trunc(f) || v.OverflowInt(int64(f)) {
			return &Error{path, "an integer"}
		}
		v.SetInt(int64(f))
	case reflect.Float32, reflect.Float64:
		f, ok := number(x)
		if !ok {
			if s, isStr := x.(string); isStr {
				// JSON carries NaN and Infinity as strings.
				if g, err := strconv.ParseFloat(s, 64); err == nil {
					v.SetFloat(g)
					return nil
				}
			}
			return &Error{path, "a number"}
		}
		v.SetFloat(f)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if b, ok := x.([]byte); ok {
				v.SetBytes(b)
				return nil
			}
		}
		list, ok := x.([]any)
		if !ok {
			return &Error{path, "a list"}
		}
		s := reflect.MakeSlice(v.Type(), len(list), len(list))
		for i, e := range list {
			if err := decode(e, s.Index(i), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.Map:
		m, ok := x.(map[string]any)
		if !ok {
			return &Error{path, "a map"}
		}
		out := reflect.MakeMapWithSize(v.Type(), len(m))
		for k, e := range m {
			ev := reflect.New(v.Type().Elem()).Elem()
			if err := decode(e, ev, path+"."+k); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), ev)
		}
		v.Set(out)
	case reflect.Struct:
		m, ok := x.(map[string]any)
		if !ok {
			return &Error{path, "a structure"}
		}
		t := v.Type()
		for k, e := range m {
			f, found := t.FieldByName(k)
			if !found {
				f, found = t.FieldByNameFunc(func(n string) bool { return strings.EqualFold(n, k) })
			}
			if !found || !f.IsExported() {
				continue
			}
			if err := decode(e, v.FieldByIndex(f.Index), path+"."+k); err != nil {
				return err
			}
		}
	default:
		return &Error{path, "a supported type"}
	}
	return nil
}
