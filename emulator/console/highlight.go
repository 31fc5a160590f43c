package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/logs"
)

// highlightJSON returns text, indented when it is valid JSON, as HTML
// with its keys, strings, numbers and literals in spans the stylesheet
// colours (classes k, s, n, l). Whatever it is given comes out escaped.
func highlightJSON(text string) template.HTML {
	if text == "" {
		return ""
	}
	src := []byte(text)
	var ind bytes.Buffer
	if json.Indent(&ind, src, "", "  ") == nil {
		src = ind.Bytes()
	}
	var b strings.Builder
	b.Grow(len(src) * 2)
	esc := func(s []byte) { template.HTMLEscape(&writer{&b}, s) }
	span := func(class string, s []byte) {
		b.WriteString(`<span class="` + class + `">`)
		esc(s)
		b.WriteString("</span>")
	}
	for i := 0; i < len(src); {
		switch ch := src[i]; {
		case ch == '"':
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(src))
			// A string followed by a colon is a key.
			k := j
			for k < len(src) && (src[k] == ' ' || src[k] == '\n' || src[k] == '\t' || src[k] == '\r') {
				k++
			}
			if k < len(src) && src[k] == ':' {
				span("k", src[i:j])
			} else {
				span("s", src[i:j])
			}
			i = j
		case ch == '-' || (ch >= '0' && ch <= '9'):
			j := i + 1
			for j < len(src) && strings.IndexByte("0123456789.eE+-", src[j]) >= 0 {
				j++
			}
			span("n", src[i:j])
			i = j
		case ch == 't' || ch == 'f' || ch == 'n':
			j := i
			for j < len(src) && src[j] >= 'a' && src[j] <= 'z' {
				j++
			}
			span("l", src[i:j])
			i = j
		default:
			j := i + 1
			for j < len(src) && strings.IndexByte(`"-0123456789tfn`, src[j]) < 0 {
				j++
			}
			esc(src[i:j])
			i = j
		}
	}
	return template.HTML(b.String())
}

type writer struct{ b *strings.Builder }

func (w *writer) Write(p []byte) (int, error) { return w.b.Write(p) }

// invocations reads a function's invocations from its log events (oldest
// first): a START line opens one, a REPORT line closes it, and the
// emulator's "XACCT ... refused" lines between them are its refusals.
// Text and JSON log formats (AWS Lambda Developer Guide, "Lambda function
// logs") are both read. The newest maxInvocations are returned, newest
// first.
func invocations(events []logs.FilteredEvent) []invocation {
	var out []invocation
	open := map[string]int{}       // request id → index in out
	current := map[string]string{} // log stream → request id running
	for _, e := range events {
		msg := strings.TrimRight(e.Message, "\n")
		at := time.UnixMilli(e.Timestamp).UTC()
		id, kind := systemLine(msg)
		switch kind {
		case "START":
			open[id] = len(out)
			current[e.LogStreamName] = id
			out = append(out, invocation{RequestID: id, Start: at, Status: "running"})
		case "REPORT":
			i, ok := open[id]
			if !ok {
				open[id] = len(out)
				i = len(out)
				out = append(out, invocation{RequestID: id, Start: at})
			}
			out[i].Report, out[i].Status = msg, "done"
			if strings.Contains(msg, "timeout") {
				out[i].Status = "timeout"
			}
			delete(current, e.LogStreamName)
		default:
			if strings.HasPrefix(msg, "XACCT ") && strings.Contains(msg, " refused ") {
				if i, ok := open[current[e.LogStreamName]]; ok {
					out[i].Refusals = append(out[i].Refusals, msg)
				}
			}
		}
	}
	out = lastN(out, maxInvocations)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// systemLine returns the request id and kind (START, REPORT) of a Lambda
// platform line, or "" for other lines.
func systemLine(msg string) (id, kind string) {
	for _, k := range []string{"START", "REPORT"} {
		if rest, ok := strings.CutPrefix(msg, k+" RequestId: "); ok {
			id, _, _ = strings.Cut(rest, " ")
			id, _, _ = strings.Cut(id, "\t")
			return id, k
		}
	}
	if strings.HasPrefix(msg, "{") && strings.Contains(msg, `"platform.`) {
		var rec struct {
			Type   string `json:"type"`
			Record struct {
				RequestID string `json:"requestId"`
			} `json:"record"`
		}
		if json.Unmarshal([]byte(msg), &rec) == nil {
			switch rec.Type {
			case "platform.start":
				return rec.Record.RequestID, "START"
			case "platform.report":
				return rec.Record.RequestID, "REPORT"
			}
		}
	}
	return "", ""
}

var funcs = template.FuncMap{
	"json": highlightJSON,
	"time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"ptime": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"millis": func(ms int64) string { return time.UnixMilli(ms).UTC().Format("15:04:05.000") },
	"bytes": func(n int64) string {
		switch {
		case n >= 1<<30:
			return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
		case n >= 1<<20:
			return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
		case n >= 1<<10:
			return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
		}
		return fmt.Sprintf("%d B", n)
	},
	"deref": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	"lower": strings.ToLower,
}
