package rest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
)

type location int

const (
	inLabel location = iota
	inQuery
	inHeader
	inPayload
	inStatus
)

// field is one struct field bound outside the JSON body.
type field struct {
	index []int
	where location
	name  string
}

// binding is how a shape's fields map onto an HTTP request or response.
type binding struct {
	typ     reflect.Type
	fields  []field
	payload *field
	status  *field
}

// bindingOf reads T's `rest` tags. It panics on a malformed tag: the
// tables are written by hand and checked when a service is built.
func bindingOf[T any]() *binding {
	t := reflect.TypeFor[T]()
	b := &binding{typ: t}
	if t.Kind() != reflect.Struct {
		panic(fmt.Sprintf("rest: %s is not a struct", t))
	}
	for _, sf := range reflect.VisibleFields(t) {
		tag, ok := sf.Tag.Lookup("rest")
		if !ok || !sf.IsExported() {
			continue
		}
		kind, name, _ := strings.Cut(tag, "=")
		f := field{index: sf.Index, name: name}
		switch kind {
		case "label":
			f.where = inLabel
		case "query":
			f.where = inQuery
		case "header":
			f.where = inHeader
		case "payload":
			f.where = inPayload
		case "status":
			f.where = inStatus
		default:
			panic(fmt.Sprintf("rest: %s.%s: unknown binding %q", t, sf.Name, tag))
		}
		if name == "" && (kind == "label" || kind == "query" || kind == "header") {
			f.name = sf.Name
		}
		switch f.where {
		case inPayload:
			if sf.Type != reflect.TypeFor[[]byte]() {
				panic(fmt.Sprintf("rest: %s.%s: a payload is []byte", t, sf.Name))
			}
			b.payload = &f
		case inStatus:
			if sf.Type.Kind() != reflect.Int {
				panic(fmt.Sprintf("rest: %s.%s: a status is an int", t, sf.Name))
			}
			b.status = &f
		default:
			b.fields = append(b.fields, f)
		}
	}
	return b
}

// bind builds the input from r and its body.
func (b *binding) bind(r *http.Request, body []byte) (any, error) {
	v := reflect.New(b.typ)
	if b.payload != nil {
		v.Elem().FieldByIndex(b.payload.index).SetBytes(body)
	} else if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, v.Interface()); err != nil {
			return nil, err
		}
	}
	var query map[string][]string
	for _, f := range b.fields {
		var s string
		switch f.where {
		case inLabel:
			s = r.PathValue(f.name)
		case inQuery:
			if query == nil {
				query = r.URL.Query()
			}
			vs, ok := query[f.name]
			if !ok {
				continue
			}
			s = vs[0]
		case inHeader:
			vs := r.Header.Values(f.name)
			if len(vs) == 0 {
				continue
			}
			s = vs[0]
		}
		if err := setString(v.Elem().FieldByIndex(f.index), s); err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return v.Interface(), nil
}

// setString sets a string, integer or boolean field (or a pointer to one)
// from its text.
func setString(fv reflect.Value, s string) error {
	if fv.Kind() == reflect.Pointer {
		p := reflect.New(fv.Type().Elem())
		if err := setString(p.Elem(), s); err != nil {
			return err
		}
		fv.Set(p)
		return nil
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(s)
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, fv.Type().Bits())
		if err != nil {
			return fmt.Errorf("%q is not an integer", s)
		}
		fv.SetInt(n)
	case reflect.Bool:
		t, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%q is not a boolean", s)
		}
		fv.SetBool(t)
	default:
		return fmt.Errorf("cannot bind %s", fv.Type())
	}
	return nil
}

// write renders out: its header fields, its status (or status), and its
// payload or JSON body. A 204 has no body.
func (b *binding) write(w http.ResponseWriter, requestID string, status int, out any) {
	v := reflect.ValueOf(out)
	if v.IsNil() {
		v = reflect.New(b.typ)
	}
	v = v.Elem()
	h := w.Header()
	h.Set("X-Amzn-RequestId", requestID)
	for _, f := range b.fields {
		if f.where != inHeader {
			continue
		}
		fv := v.FieldByIndex(f.index)
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				continue
			}
			fv = fv.Elem()
		}
		if fv.IsZero() {
			continue
		}
		h.Set(f.name, fmt.Sprint(fv.Interface()))
	}
	if b.status != nil {
		if s := int(v.FieldByIndex(b.status.index).Int()); s != 0 {
			status = s
		}
	}
	switch {
	case status == http.StatusNoContent:
		w.WriteHeader(status)
	case b.payload != nil:
		body := v.FieldByIndex(b.payload.index).Bytes()
		if h.Get("Content-Type") == "" {
			h.Set("Content-Type", "application/json")
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		w.Write(body)
	default:
		WriteJSON(w, h.Get("X-Amzn-RequestId"), status, v.Addr().Interface())
	}
}
