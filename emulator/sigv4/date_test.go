package sigv4

import (
	"net/http"
	"testing"
	"time"
)

// TestRequestTimeDateForms: the Date header is read in HTTP's form and in
// the RFC 1123 form with a numeric zone that botocore sends when it signs
// with Date instead of X-Amz-Date (Python's email.utils.formatdate).
func TestRequestTimeDateForms(t *testing.T) {
	want := time.Date(2026, 12, 6, 8, 0, 1, 0, time.UTC)
	for _, d := range []string{"Sun, 06 Dec 2026 08:00:01 GMT", "Sun, 06 Dec 2026 08:00:01 -0000", "Sun, 06 Dec 2026 09:00:01 +0100", "Sunday, 06-Dec-26 08:00:01 GMT"} {
		r, _ := http.NewRequest(http.MethodGet, "http://localhost/", nil)
		r.Header.Set("Date", d)
		got, ok := requestTime(r)
		if !ok || !got.Equal(want) {
			t.Errorf("Date %q: got %v, %v; want %v", d, got, ok, want)
		}
	}
	r, _ := http.NewRequest(http.MethodGet, "http://localhost/", nil)
	r.Header.Set("Date", "yesterday")
	if _, ok := requestTime(r); ok {
		t.Error(`Date "yesterday" accepted`)
	}
}
