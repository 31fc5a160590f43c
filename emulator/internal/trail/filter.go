package trail

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultLimit is how many records a query returns unless told.
const DefaultLimit = 100

// Path is where the emulator serves the trail on its own listener.
const Path = "/_xacct/decisions"

// Filter selects records. Zero fields select everything.
type Filter struct {
	// Account matches the caller's or the resource's account.
	Account string
	// Principal matches the caller's ARN or, for a role session, its
	// role's ARN.
	Principal string
	// Decision is "allowed", "denied" (either deny), "explicitDeny" or
	// "implicitDeny".
	Decision string
	// RequestID matches the request's id or the Lambda invocation's.
	RequestID string
	// Function matches the Lambda function whose execution role called.
	Function string
	// Since and Until bound the time (inclusive).
	Since, Until time.Time
	// Limit is how many of the newest matches to return (DefaultLimit
	// when 0).
	Limit int
}

func (f *Filter) match(r *Record) bool {
	if f.Account != "" && r.CallerAccount != f.Account && r.ResourceAccount != f.Account {
		return false
	}
	if f.Principal != "" && r.Principal != f.Principal && r.Role != f.Principal {
		return false
	}
	switch f.Decision {
	case "":
	case "denied":
		if !r.Denied() {
			return false
		}
	default:
		if r.Decision != f.Decision {
			return false
		}
	}
	if f.RequestID != "" && r.RequestID != f.RequestID && r.InvocationID != f.RequestID {
		return false
	}
	if f.Function != "" && r.Function != f.Function {
		return false
	}
	if !f.Since.IsZero() && r.Time.Before(f.Since) {
		return false
	}
	if !f.Until.IsZero() && r.Time.After(f.Until) {
		return false
	}
	return true
}

var (
	accountRE  = regexp.MustCompile(`^[0-9]{12}$`)
	functionRE = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,64}$`)
)

// filterParams are the query parameters ParseFilter knows.
var filterParams = []string{"account", "principal", "decision", "request_id", "function", "since", "until", "limit"}

// ParseFilter reads a Filter from query parameters, refusing what makes no
// sense (an unknown parameter, a repeated one, an account that is not 12
// digits, a principal that is not an ARN, an unknown decision, a time
// that is not RFC 3339, since after until, a limit outside 1..max) with
// an error that says why.
func ParseFilter(q url.Values, max int) (Filter, error) {
	var f Filter
	for k, v := range q {
		known := false
		for _, p := range filterParams {
			known = known || k == p
		}
		if !known {
			return f, fmt.Errorf("unknown parameter %q (known: %s)", k, strings.Join(filterParams, ", "))
		}
		if len(v) > 1 {
			return f, fmt.Errorf("parameter %q is given %d times; give it once", k, len(v))
		}
	}
	if a := q.Get("account"); a != "" {
		if !accountRE.MatchString(a) {
			return f, fmt.Errorf("account %q is not a 12-digit AWS account id", a)
		}
		f.Account = a
	}
	if p := q.Get("principal"); p != "" {
		if !strings.HasPrefix(p, "arn:") && p != "anonymous" {
			return f, fmt.Errorf("principal %q is not an ARN (arn:aws:iam::ACCOUNT:role/NAME, arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION, ...) or \"anonymous\"", p)
		}
		f.Principal = p
	}
	switch d := q.Get("decision"); d {
	case "", "allowed", "denied", "explicitDeny", "implicitDeny":
		f.Decision = d
	default:
		return f, fmt.Errorf("decision %q is not one of allowed, denied, explicitDeny, implicitDeny", d)
	}
	f.RequestID = q.Get("request_id")
	if fn := q.Get("function"); fn != "" {
		if strings.HasPrefix(fn, "arn:") {
			parts := strings.Split(fn, ":")
			if len(parts) < 7 || parts[2] != "lambda" || parts[5] != "function" {
				return f, fmt.Errorf("function %q is neither a function name nor a Lambda function ARN", fn)
			}
			fn = parts[6]
		}
		if !functionRE.MatchString(fn) {
			return f, fmt.Errorf("function %q is not a Lambda function name (1-64 letters, digits, - and _)", fn)
		}
		f.Function = fn
	}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return f, fmt.Errorf("%s %q is not an RFC 3339 time (2006-01-02T15:04:05Z)", p.name, v)
		}
		*p.t = t
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Since.After(f.Until) {
		return f, fmt.Errorf("since (%s) is after until (%s)", f.Since.Format(time.RFC3339), f.Until.Format(time.RFC3339))
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > max {
			return f, fmt.Errorf("limit %q is not a whole number from 1 to %d", l, max)
		}
		f.Limit = n
	}
	return f, nil
}

// Response is the body of GET /_xacct/decisions.
type Response struct {
	Decisions []Record `json:"decisions"`
	// Capacity is how many records the trail keeps (0: recording is off).
	Capacity int `json:"capacity"`
}

// ErrorResponse is the body of a refused query.
type ErrorResponse struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// ServeHTTP serves GET Path: the records the query's filter selects, as
// JSON, oldest first; 400 with the reason for a filter that makes no
// sense, 405 for another method.
func (t *Trail) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeJSON(w, http.StatusMethodNotAllowed, errorBody("MethodNotAllowed", r.Method+" is not allowed on "+Path+"; use GET"))
		return
	}
	max := DefaultCapacity
	if t.Enabled() {
		max = t.cap
	}
	f, err := ParseFilter(r.URL.Query(), max)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody("InvalidParameterValue", err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, Response{Decisions: t.Query(f), Capacity: t.Capacity()})
}

func errorBody(code, msg string) ErrorResponse {
	var e ErrorResponse
	e.Error.Code, e.Error.Message = code, msg
	return e
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.MarshalIndent(v, "", "  ")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
