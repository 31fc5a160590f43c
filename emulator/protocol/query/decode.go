// Package query implements the AWS query protocol used by STS, IAM, SNS,
// CloudFormation and CloudWatch's legacy API: form-encoded requests with an
// Action parameter, XML responses and <ErrorResponse> errors.
//
// Inputs and outputs are plain Go structs: a field's name is the AWS member
// name. Lists are encoded as Name.member.N, maps as Name.entry.N.key and
// Name.entry.N.value; a `query:"entry,Name,Value"` tag names other map key
// and value members (SNS MessageAttributes); a `query:"name=arn"` tag gives
// a member whose wire name differs from the field's (STS PolicyArns'
// members are PolicyArns.member.N.arn). The members of an embedded struct
// are decoded as the embedding struct's own.
package query

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
)

// Decode fills the struct pointed to by v from form values.
func Decode(form url.Values, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("query.Decode: want pointer to struct, got %T", v)
	}
	d := decoder{form: form, prefixes: prefixSet(form)}
	return d.decodeStruct("", rv.Elem())
}

type decoder struct {
	form     url.Values
	prefixes map[string]bool
}

// prefixSet records every dotted prefix of every key, so the decoder can tell
// cheaply whether any value exists below a path.
func prefixSet(form url.Values) map[string]bool {
	p := make(map[string]bool, len(form)*2)
	for k := range form {
		for i := 0; i < len(k); i++ {
			if k[i] == '.' {
				p[k[:i]] = true
			}
		}
		p[k] = true
	}
	return p
}

var timeType = reflect.TypeOf(time.Time{})

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func (d *decoder) decodeStruct(prefix string, v reflect.Value) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("query")
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			// An embedded struct (IAM's Page: Marker, MaxItems) contributes
			// its members at the embedding struct's level.
			if err := d.decodeStruct(prefix, v.Field(i)); err != nil {
				return err
			}
			continue
		}
		wire := f.Name
		if n, ok := strings.CutPrefix(tag, "name="); ok {
			wire, tag = n, ""
		}
		name := join(prefix, wire)
		if !d.prefixes[name] {
			continue
		}
		if err := d.decodeValue(name, tag, v.Field(i)); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) decodeValue(name, tag string, v reflect.Value) error {
	switch {
	case v.Type() == timeType:
		s := d.form.Get(name)
		tm, err := parseTime(s)
		if err != nil {
			return invalid(name, s)
		}
		v.Set(reflect.ValueOf(tm))
		return nil
	case v.Kind() == reflect.Pointer:
		nv := reflect.New(v.Type().Elem())
		if err := d.decodeValue(name, tag, nv.Elem()); err != nil {
			return err
		}
		v.Set(nv)
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(d.form.Get(name))
	case reflect.Bool:
		s := d.form.Get(name)
		b, err := strconv.ParseBool(s)
		if err != nil {
			return invalid(name, s)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int32, reflect.Int64:
		s := d.form.Get(name)
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return invalid(name, s)
		}
		v.SetInt(n)
	case reflect.Float64, reflect.Float32:
		s := d.form.Get(name)
		n, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			return invalid(name, s)
		}
		v.SetFloat(n)
	case reflect.Struct:
		return d.decodeStruct(name, v)
	case reflect.Slice:
		return d.decodeList(name, v)
	case reflect.Map:
		return d.decodeMap(name, tag, v)
	default:
		return fmt.Errorf("query: unsupported field type %s", v.Type())
	}
	return nil
}

// indexes returns the sorted N of every key "prefix.N" or "prefix.N.*".
func (d *decoder) indexes(prefix string) []int {
	seen := map[int]bool{}
	p := prefix + "."
	for k := range d.form {
		if !strings.HasPrefix(k, p) {
			continue
		}
		rest := k[len(p):]
		if i := strings.IndexByte(rest, '.'); i >= 0 {
			rest = rest[:i]
		}
		if n, err := strconv.Atoi(rest); err == nil && n > 0 {
			seen[n] = true
		}
	}
	out := make([]int, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

func (d *decoder) decodeList(name string, v reflect.Value) error {
	prefix := name + ".member"
	// An explicitly empty list is sent as "Name=" with no members.
	idx := d.indexes(prefix)
	s := reflect.MakeSlice(v.Type(), 0, len(idx))
	for _, n := range idx {
		ev := reflect.New(v.Type().Elem()).Elem()
		if err := d.decodeValue(prefix+"."+strconv.Itoa(n), "", ev); err != nil {
			return err
		}
		s = reflect.Append(s, ev)
	}
	v.Set(s)
	return nil
}

func (d *decoder) decodeMap(name, tag string, v reflect.Value) error {
	keyName, valName := "key", "value"
	if parts := strings.Split(tag, ","); len(parts) == 3 && parts[0] == "entry" {
		keyName, valName = parts[1], parts[2]
	}
	prefix := name + ".entry"
	m := reflect.MakeMap(v.Type())
	for _, n := range d.indexes(prefix) {
		p := prefix + "." + strconv.Itoa(n)
		k := reflect.New(v.Type().Key()).Elem()
		if err := d.decodeValue(p+"."+keyName, "", k); err != nil {
			return err
		}
		ev := reflect.New(v.Type().Elem()).Elem()
		if err := d.decodeValue(p+"."+valName, "", ev); err != nil {
			return err
		}
		m.SetMapIndex(k, ev)
	}
	v.Set(m)
	return nil
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("bad time %q", s)
}

func invalid(name, value string) error {
	return awserr.New(http.StatusBadRequest, "ValidationError",
		"Value '%s' at '%s' failed to satisfy constraint: Member must be of the right type", value, lowerFirst(name))
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
