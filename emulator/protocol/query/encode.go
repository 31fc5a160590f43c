package query

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
)

// TimeFormat is how timestamps are written in query responses (ISO 8601, UTC).
// A time with a fractional second is written with milliseconds
// (TimeFormatMillis), as CloudFormation writes its event times; a service
// whose times AWS writes to the second (IAM, STS) truncates them itself.
const (
	TimeFormat       = "2006-01-02T15:04:05Z"
	TimeFormatMillis = "2006-01-02T15:04:05.000Z"
)

// WriteResponse writes a successful response for op:
//
//	<OpResponse xmlns="ns"><OpResult>…</OpResult><ResponseMetadata>…</ResponseMetadata></OpResponse>
//
// A nil result writes no OpResult element, as AWS does for operations
// without output members.
func WriteResponse(w http.ResponseWriter, ns, op, requestID string, result any) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<" + op + "Response xmlns=\"" + ns + "\">")
	if result != nil {
		b.WriteString("<" + op + "Result>")
		encodeFields(&b, reflect.ValueOf(result))
		b.WriteString("</" + op + "Result>")
	}
	b.WriteString("<ResponseMetadata><RequestId>" + requestID + "</RequestId></ResponseMetadata>")
	b.WriteString("</" + op + "Response>")
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	h.Set("x-amzn-RequestId", requestID)
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}

// WriteError writes e as a query-protocol <ErrorResponse>.
func WriteError(w http.ResponseWriter, ns, requestID string, e *awserr.Error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<ErrorResponse xmlns=\"" + ns + "\"><Error><Type>")
	if e.Receiver() {
		b.WriteString("Receiver")
	} else {
		b.WriteString("Sender")
	}
	b.WriteString("</Type><Code>")
	escape(&b, e.Code)
	b.WriteString("</Code><Message>")
	escape(&b, e.Message)
	b.WriteString("</Message>")
	for _, f := range e.Fields {
		b.WriteString("<" + f.Name + ">")
		escape(&b, f.Value)
		b.WriteString("</" + f.Name + ">")
	}
	b.WriteString("</Error><RequestId>" + requestID + "</RequestId></ErrorResponse>")
	e.Write(w, "text/xml", requestID, b.Bytes())
}

func escape(b *bytes.Buffer, s string) {
	xml.EscapeText(b, []byte(s))
}

// encodeFields writes the members of struct v (or *struct) as elements.
func encodeFields(b *bytes.Buffer, v reflect.Value) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		encodeMember(b, f.Name, f.Tag.Get("query"), v.Field(i))
	}
}

func encodeMember(b *bytes.Buffer, name, tag string, v reflect.Value) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.String && v.Len() == 0 {
		return
	}
	if (v.Kind() == reflect.Map || v.Kind() == reflect.Slice) && v.IsNil() {
		return
	}
	b.WriteString("<" + name + ">")
	encodeValue(b, tag, v)
	b.WriteString("</" + name + ">")
}

func encodeValue(b *bytes.Buffer, tag string, v reflect.Value) {
	if v.Type() == timeType {
		t := v.Interface().(time.Time).UTC()
		if t.Nanosecond() != 0 {
			b.WriteString(t.Format(TimeFormatMillis))
		} else {
			b.WriteString(t.Format(TimeFormat))
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			encodeValue(b, tag, v.Elem())
		}
	case reflect.String:
		escape(b, v.String())
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Float32, reflect.Float64:
		b.WriteString(strconv.FormatFloat(v.Float(), 'f', -1, 64))
	case reflect.Struct:
		encodeFields(b, v)
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			b.WriteString("<member>")
			encodeValue(b, "", v.Index(i))
			b.WriteString("</member>")
		}
	case reflect.Map:
		keyName, valName := "key", "value"
		if parts := strings.Split(tag, ","); len(parts) == 3 && parts[0] == "entry" {
			keyName, valName = parts[1], parts[2]
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			b.WriteString("<entry><" + keyName + ">")
			encodeValue(b, "", k)
			b.WriteString("</" + keyName + "><" + valName + ">")
			encodeValue(b, "", v.MapIndex(k))
			b.WriteString("</" + valName + "></entry>")
		}
	}
}
