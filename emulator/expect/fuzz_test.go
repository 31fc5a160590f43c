package expect

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// pieceConn is a net.Conn whose reads return src in pieces of the sizes
// in sizes (cycled), as a socket returns what has arrived.
type pieceConn struct {
	net.Conn
	src   []byte
	sizes []byte
	i     int
}

func (c *pieceConn) Read(p []byte) (int, error) {
	if len(c.src) == 0 {
		return 0, io.EOF
	}
	n := len(p)
	if len(c.sizes) > 0 {
		n = min(n, int(c.sizes[c.i%len(c.sizes)])+1)
		c.i++
	}
	n = copy(p, c.src[:min(n, len(c.src))])
	c.src = c.src[n:]
	return n, nil
}

// rewrite returns what a server reading stream through a wrapped
// connection sees, with the socket delivering it in pieces of sizes and
// the reader asking for reads of readSizes.
func rewrite(stream, sizes, readSizes []byte) []byte {
	c := NewConn(&pieceConn{src: stream, sizes: sizes})
	var out []byte
	for i := 0; ; i++ {
		n := 4096
		if len(readSizes) > 0 {
			n = int(readSizes[i%len(readSizes)]) + 1
		}
		p := make([]byte, n)
		k, err := c.Read(p)
		out = append(out, p[:k]...)
		if err != nil {
			return out
		}
		if i > 1<<20 {
			panic("no progress")
		}
	}
}

// parsed is one request as net/http's server reads it.
type parsed struct {
	Method, URI, Proto string
	Header             http.Header
	Body               []byte
	Trailer            http.Header
}

// serverRead reads requests from stream as net/http's server does (the
// CR/LF tolerance after a POST, its checks after ReadRequest, the body to
// its end) and returns them, stopping at the first request the server
// would refuse or that ends the HTTP/1 exchange, and whether it stopped
// at an error.
func serverRead(stream []byte) ([]parsed, bool) {
	br := bufio.NewReader(bytes.NewReader(stream))
	var out []parsed
	lastPost := false
	for {
		if lastPost {
			peek, _ := br.Peek(4)
			n := 0
			for n < len(peek) && (peek[n] == '\r' || peek[n] == '\n') {
				n++
			}
			br.Discard(n)
		}
		if _, err := br.Peek(1); err == io.EOF {
			return out, false
		}
		req, err := http.ReadRequest(br)
		if err != nil {
			return out, true
		}
		if req.ProtoMajor != 1 || req.Method == "CONNECT" || req.Header.Get("Upgrade") != "" {
			return out, true
		}
		lastPost = req.Method == "POST"
		body, err := io.ReadAll(req.Body)
		p := parsed{req.Method, req.RequestURI, req.Proto, req.Header, body, req.Trailer}
		if err != nil {
			p.Body = append(p.Body, "<error>"...)
			return append(out, p), true
		}
		out = append(out, p)
	}
}

// FuzzFramer checks, for any byte stream delivered in any pieces, that
// the requests net/http reads through the wrapped connection are those it
// reads from the stream itself — same methods, targets, bodies and
// trailers, byte for byte — except that an Expect header net/http would
// refuse arrives renamed to Header, and that Restore gives it back.
func FuzzFramer(f *testing.F) {
	fake := "GET / HTTP/1.1\r\nHost: h\r\nExpect: bad\r\n\r\n" // a head inside a body
	for _, s := range []string{
		"PUT /b/k HTTP/1.1\r\nHost: h\r\nExpect: 200\r\nContent-Length: 3\r\n\r\nbar",
		"PUT /b/k HTTP/1.1\r\nHost: h\r\nExpect: \r\nContent-Length: 3\r\n\r\nbar",
		"PUT /b/k HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nbar",
		fmt.Sprintf("PUT /b/k HTTP/1.1\r\nHost: h\r\nExpect: 200\r\nContent-Length: %d\r\n\r\n%s", len(fake), fake) + fake,
		fmt.Sprintf("PUT /b/k HTTP/1.1\r\nHost: h\r\nexpect: 200\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\nX-T: 1\r\n\r\n", len(fake), fake) + fake,
		fmt.Sprintf("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n%s\r\n", len(fake), fake) + fake,
		"GET /x HTTP/1.1\r\nHost: h\r\nExpect: x,\r\n 100-continue\r\n\r\n" + fake,
		"GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\nExpect: y\r\n\r\nokGET / HTTP/1.1\nHost: h\nExpect: z\n\n",
		"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
	} {
		f.Add([]byte(s), []byte{}, []byte{})
		f.Add([]byte(s), []byte{0, 3, 17}, []byte{0, 200, 7})
	}
	f.Fuzz(func(t *testing.T, stream, sizes, readSizes []byte) {
		want, wantErr := serverRead(stream)
		got, gotErr := serverRead(rewrite(stream, sizes, readSizes))
		for i := range want {
			if v := want[i].Header.Get("Expect"); unmet(v) {
				want[i].Header[Header] = want[i].Header["Expect"]
				delete(want[i].Header, "Expect")
			}
		}
		if len(got) < len(want) || (!wantErr && len(got) != len(want)) {
			t.Fatalf("got %d requests (error %v), want %d (error %v)\ngot  %q\nwant %q", len(got), gotErr, len(want), wantErr, got, want)
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("request %d:\ngot  %q\nwant %q", i, got[i], want[i])
			}
			r := &http.Request{Header: got[i].Header.Clone()}
			Restore(r)
			if _, renamed := got[i].Header[Header]; renamed && !reflect.DeepEqual(r.Header["Expect"], want[i].Header[Header]) {
				t.Fatalf("request %d: Restore gave Expect %q, want %q", i, r.Header["Expect"], want[i].Header[Header])
			}
		}
	})
}

// TestRewriteKeepsLength checks the wrapper never drops or invents bytes
// beyond the renamed header names.
func TestRewriteKeepsLength(t *testing.T) {
	in := "PUT / HTTP/1.1\r\nHost: h\r\nExpect: 200\r\nContent-Length: 0\r\n\r\n"
	out := rewrite([]byte(in), nil, nil)
	if d := len(out) - len(in); d != len(Header)-len("Expect") {
		t.Errorf("length changed by %d, want %d: %q", d, len(Header)-len("Expect"), out)
	}
}

// BenchmarkConn reads pipelined PutObject-like requests (a SigV4 head of
// about 900 bytes and a 1 KiB body) through a wrapped connection
// ("wrapped") and straight from the socket ("plain"), with net/http's
// 4 KiB reads; the difference per request is the wrapper's cost.
func BenchmarkConn(b *testing.B) {
	head := "PUT /bench/key-000001 HTTP/1.1\r\nHost: 127.0.0.1:4566\r\nUser-Agent: aws-sdk-go-v2/1.30.0 os/linux lang/go#1.26 md/GOOS#linux api/s3#1.58.0\r\n" +
		"Content-Length: 1024\r\nAmz-Sdk-Invocation-Id: 6f1c9a57-3c1e-4b8e-9a59-0d3c7b5a1f2e\r\nAmz-Sdk-Request: attempt=1; max=3\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=111111111111/20261206/us-east-1/s3/aws4_request, SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-md5;content-type;host;x-amz-content-sha256;x-amz-date, Signature=" + strings.Repeat("ab", 32) + "\r\n" +
		"Content-Md5: 1B2M2Y8AsgTpgAmY7PhCfg==\r\nContent-Type: application/octet-stream\r\nX-Amz-Content-Sha256: UNSIGNED-PAYLOAD\r\nX-Amz-Date: 20261206T120000Z\r\nAccept-Encoding: identity\r\n\r\n"
	one := head + strings.Repeat("x", 1024)
	stream := []byte(strings.Repeat(one, 64))
	p := make([]byte, 4096)
	for _, wrap := range []bool{false, true} {
		name := "plain"
		if wrap {
			name = "wrapped"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(one)))
			for i := 0; b.Loop(); {
				var c net.Conn = &pieceConn{src: stream}
				if wrap {
					c = NewConn(c)
				}
				for {
					if _, err := c.Read(p); err != nil {
						break
					}
				}
				i += 64
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*64), "ns/request")
		})
	}
}
