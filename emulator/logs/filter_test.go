package logs

import "testing"

func TestFilterTerms(t *testing.T) {
	for _, tc := range []struct {
		pattern, msg string
		want         bool
	}{
		{"ERROR", "an ERROR here", true},
		{"ERROR", "an error here", false},
		{"ERROR timeout", "ERROR: timeout", true},
		{"ERROR timeout", "ERROR: ok", false},
		{`"copy failed"`, "the copy failed badly", true},
		{"ERROR -retry", "ERROR then retry", false},
		{"?WARN ?ERROR", "WARN x", true},
		{"?WARN ?ERROR", "INFO x", false},
		{`{ $.a.b[1] = "x" }`, `{"a":{"b":["w","x"]}}`, true},
		{`{ $.n != 3 }`, `{"n":4}`, true},
		{`{ $.flag IS TRUE }`, `{"flag":true}`, true},
		{`{ $.v IS NULL }`, `{"v":null}`, true},
		{`{ $.level = "ERROR" }`, `not json`, false},
		{`{ $.name = prefix* }`, `{"name":"prefix-value"}`, true},
	} {
		f, err := ParseFilter(tc.pattern)
		if err != nil {
			t.Fatalf("%q: %v", tc.pattern, err)
		}
		if got := f.Match(tc.msg); got != tc.want {
			t.Errorf("%q on %q: got %v, want %v", tc.pattern, tc.msg, got, tc.want)
		}
	}
	for _, bad := range []string{`{ $.a = `, `{ a = 1 }`, `{ $.a > "x" }`, `"unterminated`, `{ ($.a = 1 }`, `[ip, user]`} {
		if _, err := ParseFilter(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"ERROR", `"a b" -c ?d`, `{ $.a.b[0] = "x*" && ($.n > 1 || $.m NOT EXISTS) }`, `{ $.x IS NULL }`, `{`} {
		f.Add(s, `{"a":{"b":["x1"]},"n":2}`)
	}
	f.Fuzz(func(t *testing.T, pattern, msg string) {
		flt, err := ParseFilter(pattern)
		if err != nil {
			return
		}
		flt.Match(msg)
	})
}
