package expect

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// echo answers with what the handler saw: method, path, the Expect
// values and the body.
func echo(w http.ResponseWriter, r *http.Request) {
	Restore(r)
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "%s %s expect=%q tls=%v body=%q", r.Method, r.URL.Path, r.Header.Values("Expect"), r.TLS != nil, b)
}

// start serves echo on a loopback port, through Listener if wrap.
func start(t *testing.T, wrap bool) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(echo))
	if wrap {
		srv.Listener = Listener(srv.Listener)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// exchange writes raw to a new connection and reads n responses.
func exchange(t *testing.T, addr, raw string, n int) []string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	var out []string
	for range n {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v (got so far %q)", len(out), err, out)
		}
		b, _ := io.ReadAll(resp.Body)
		out = append(out, fmt.Sprintf("%d %s", resp.StatusCode, b))
	}
	return out
}

// TestUnknownExpectProcessed: S3 processes a request whose Expect header
// is neither empty nor 100-continue (ceph s3-tests
// test_object_create_bad_expect_mismatch sends "Expect: 200" with a
// PutObject; "garbage, but S3 succeeds!"); net/http alone answers 417.
func TestUnknownExpectProcessed(t *testing.T) {
	put := func(expect, body string) string {
		return fmt.Sprintf("PUT /b/k HTTP/1.1\r\nHost: h\r\n%sContent-Length: %d\r\n\r\n%s", expect, len(body), body)
	}
	tests := []struct {
		name, raw string
		n         int
		want      []string
	}{
		{"Expect: 200", put("Expect: 200\r\n", "bar"), 1, []string{`200 PUT /b/k expect=["200"] tls=false body="bar"`}},
		{"empty Expect", put("Expect: \r\n", "bar"), 1, []string{`200 PUT /b/k expect=[""] tls=false body="bar"`}},
		{"no Expect", put("", "bar"), 1, []string{`200 PUT /b/k expect=[] tls=false body="bar"`}},
		{"lower case, two lines", put("expect: 200\r\nEXPECT: 100-continue\r\n", "bar"), 1,
			[]string{`200 PUT /b/k expect=["200" "100-continue"] tls=false body="bar"`}},
		{"unreadable", put("Expect: \x07\r\n", "bar"), 1, nil}, // net/http: invalid header value, 400
		{"chunked body holding a head", "PUT /c HTTP/1.1\r\nHost: h\r\nExpect: 200\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"29\r\nGET /x HTTP/1.1\r\nHost: h\r\nExpect: 200\r\n\r\n\r\n0\r\n\r\n", 1,
			[]string{`200 PUT /c expect=["200"] tls=false body="GET /x HTTP/1.1\r\nHost: h\r\nExpect: 200\r\n\r\n"`}},
		{"pipelined", put("Expect: 200\r\n", "Expect: 201\r\n\r\n") + "GET /two HTTP/1.1\r\nHost: h\r\nExpect: 202\r\n\r\n" +
			"POST /three HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc\r\nGET /four HTTP/1.1\r\nHost: h\r\nExpect: 203\r\n\r\n", 4,
			[]string{
				`200 PUT /b/k expect=["200"] tls=false body="Expect: 201\r\n\r\n"`,
				`200 GET /two expect=["202"] tls=false body=""`,
				`200 POST /three expect=[] tls=false body="abc"`,
				`200 GET /four expect=["203"] tls=false body=""`,
			}},
	}
	addr := start(t, true)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := exchange(t, addr, tt.raw, tt.n)
			if tt.want == nil {
				if !strings.HasPrefix(got[0], "400 ") {
					t.Errorf("got %q, want net/http's 400", got)
				}
				return
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
	// Without Listener, net/http refuses: the test above fails without it.
	if got := exchange(t, start(t, false), put("Expect: 200\r\n", "bar"), 1); !strings.HasPrefix(got[0], "417 ") {
		t.Errorf("plain net/http: got %q, want 417", got)
	}
}

// TestContinueStillWorks: Expect: 100-continue gets its interim 100 and
// the body sent after it is read, on a connection that then carries
// another request.
func TestContinueStillWorks(t *testing.T) {
	c, err := net.Dial("tcp", start(t, true))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	io.WriteString(c, "PUT /k HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		t.Fatalf("interim answer %q, %v; want 100 Continue", line, err)
	}
	br.ReadString('\n') // the empty line after it
	io.WriteString(c, "hello")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if want := `PUT /k expect=["100-continue"] tls=false body="hello"`; string(b) != want {
		t.Errorf("got %q, want %q", b, want)
	}
	io.WriteString(c, "GET /after HTTP/1.1\r\nHost: h\r\nExpect: 200\r\n\r\n")
	resp, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	if want := `GET /after expect=["200"] tls=false body=""`; string(b) != want {
		t.Errorf("next request: got %q, want %q", b, want)
	}
}

// TestTLS: over TLS, net/http still sets Request.TLS — a wrapped plain
// listener under tls.NewListener sees ciphertext and passes it through,
// and Listener over a TLS listener leaves the *tls.Conn unwrapped.
func TestTLS(t *testing.T) {
	under := httptest.NewUnstartedServer(http.HandlerFunc(echo))
	under.Listener = Listener(under.Listener)
	under.StartTLS()
	defer under.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	over := &http.Server{Handler: http.HandlerFunc(echo)}
	go over.Serve(Listener(tls.NewListener(ln, under.TLS.Clone())))
	defer over.Close()

	for name, url := range map[string]string{"under TLS": under.URL, "over TLS": "https://" + ln.Addr().String()} {
		resp, err := under.Client().Post(url+"/p", "text/plain", strings.NewReader("x"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := `POST /p expect=[] tls=true body="x"`; string(b) != want {
			t.Errorf("%s: got %q, want %q", name, b, want)
		}
	}
}
