package cloudwatch

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

func itoa(n int) string { return strconv.Itoa(n) }

// fmtValue formats a number as CloudWatch writes numbers in state reasons
// and notification JSON (Java's Double.toString): "1.0", "0.059",
// "6.046241709654764", "1.0E7", "1.0E-4".
func fmtValue(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // e.g. 1.2345E+07, 1E-05
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// cwTime formats a time as CloudWatch does in notifications and history
// data: 2024-10-26T19:00:38.853+0000.
func cwTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }

// javaDouble marshals a float64 to JSON in fmtValue's form (0.0, not 0).
type javaDouble float64

// MarshalJSON implements json.Marshaler.
func (d javaDouble) MarshalJSON() ([]byte, error) {
	f := float64(d)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return json.Marshal(fmtValue(f))
	}
	return []byte(fmtValue(f)), nil
}

// jsonWriter builds small JSON documents whose member order and number
// format must match CloudWatch's.
type jsonWriter struct {
	b     strings.Builder
	comma []bool // per open container: a member was written
	key_  bool   // a key was just written
}

func (w *jsonWriter) sep() {
	if w.key_ {
		w.key_ = false
		return
	}
	if n := len(w.comma); n > 0 {
		if w.comma[n-1] {
			w.b.WriteByte(',')
		}
		w.comma[n-1] = true
	}
}

func (w *jsonWriter) obj() *jsonWriter {
	w.sep()
	w.b.WriteByte('{')
	w.comma = append(w.comma, false)
	return w
}

func (w *jsonWriter) arr() *jsonWriter {
	w.sep()
	w.b.WriteByte('[')
	w.comma = append(w.comma, false)
	return w
}

func (w *jsonWriter) end(c byte) *jsonWriter {
	w.b.WriteByte(c)
	w.comma = w.comma[:len(w.comma)-1]
	return w
}

func (w *jsonWriter) key(k string) *jsonWriter {
	w.sep()
	w.writeString(k)
	w.b.WriteByte(':')
	w.key_ = true
	return w
}

func (w *jsonWriter) str(s string) *jsonWriter {
	w.sep()
	w.writeString(s)
	return w
}

func (w *jsonWriter) num(n int64) *jsonWriter {
	w.sep()
	w.b.WriteString(strconv.FormatInt(n, 10))
	return w
}

func (w *jsonWriter) double(f float64) *jsonWriter {
	w.sep()
	b, _ := javaDouble(f).MarshalJSON()
	w.b.Write(b)
	return w
}

func (w *jsonWriter) raw(s string) *jsonWriter {
	w.sep()
	w.b.WriteString(s)
	return w
}

func (w *jsonWriter) writeString(s string) {
	w.b.WriteString(jsonString(s))
}

func (w *jsonWriter) String() string { return w.b.String() }

// jsonString quotes s as JSON without escaping <, > and & (CloudWatch writes
// "OK -> ALARM" as is).
func jsonString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// marshalNoEscape is json.Marshal without HTML escaping.
func marshalNoEscape(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
