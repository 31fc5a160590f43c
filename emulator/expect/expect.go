// Package expect lets an HTTP/1.1 server built on net/http answer a request
// whose Expect header holds something other than 100-continue as Amazon S3
// does: by ignoring the expectation and processing the request.
//
// net/http answers any such request with a bare "417 Expectation Failed"
// and closes the connection before a handler runs (RFC 9110 section 10.1.1
// allows that, it does not require it). S3 instead accepts the request:
// ceph's s3-tests (s3tests_boto3/functional/test_headers.py,
// test_object_create_bad_expect_mismatch, "Expect: 200", "garbage, but S3
// succeeds!", and test_bucket_create_bad_expect_mismatch) pass against AWS
// with a PutObject and a CreateBucket carrying "Expect: 200". As net/http
// decides before any handler, the fix sits below it: Listener wraps each
// connection so that, in a request head whose Expect header net/http would
// refuse, the header's name is changed to Header before net/http parses the
// head. The handler calls Restore to put the header back where the request
// signature expects it.
//
//	ln, _ := net.Listen("tcp", addr)
//	srv := &http.Server{Handler: h} // h calls expect.Restore(r) first
//	srv.Serve(expect.Listener(ln))
//
// The connection follows HTTP/1.1 framing exactly as net/http does (the
// request head is parsed by net/http's own http.ReadRequest; bodies are
// delimited by Content-Length or by chunked transfer coding), so a rewrite
// happens only inside a request head, never inside a body, on keep-alive and
// pipelined connections alike. Anything it cannot follow — a head net/http
// would refuse, a malformed chunked body, an Upgrade, CONNECT or HTTP/2
// preface, a head larger than net/http's default limit — turns the
// connection into a plain pass-through for the rest of its life: the bytes
// are handed on untouched and net/http answers as it would without
// Listener (including its 417).
//
// TLS: net/http fills in Request.TLS (and negotiates HTTP/2) only for a
// connection that is a *tls.Conn, so a wrapped TLS connection would lose
// both. Listener therefore never wraps a *tls.Conn: wrap the plain listener
// inside tls.NewListener and the wrapper would see only ciphertext, which
// it detects (the first byte of a TLS handshake is not that of an HTTP
// method) and passes through. Over TLS, an unknown Expect value still gets
// net/http's 417.
package expect

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/textproto"
	"strings"
)

// Header is the name an unmet Expect header travels under between the
// connection and the handler.
const Header = "X-Xacct-Unmet-Expect"

// maxHead is the largest request head followed: net/http's default limit
// (http.DefaultMaxHeaderBytes plus the 4 KiB it allows beyond it). A larger
// head is refused by net/http with 431 anyway; a server configured for
// larger heads gets them passed through, without the rewrite.
const maxHead = http.DefaultMaxHeaderBytes + 4096

// readSize is how much is read from the connection at a time while a head
// is looked for (net/http's own read buffer size).
const readSize = 4096

// Restore moves the Expect header that Listener renamed back to Expect in
// r.Header, so that signature checks and the handler see the request as
// sent. It does nothing to a request Listener did not change. A client that
// itself sends a header named Header has it treated as Expect.
func Restore(r *http.Request) {
	v, ok := r.Header[Header]
	if !ok {
		return
	}
	delete(r.Header, Header)
	if _, has := r.Header["Expect"]; !has {
		r.Header["Expect"] = v
	}
}

// Listener returns ln with each accepted connection rewriting an Expect
// header that net/http would answer with 417 (see the package comment). A
// *tls.Conn is returned unwrapped.
func Listener(ln net.Listener) net.Listener { return listener{ln} }

type listener struct{ net.Listener }

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if _, ok := c.(*tls.Conn); ok {
		return c, nil
	}
	return NewConn(c), nil
}

// NewConn returns c rewriting unmet Expect headers in the requests read
// from it. Writes, deadlines and everything else go to c unchanged.
func NewConn(c net.Conn) net.Conn { return &conn{Conn: c} }

// conn is a server-side connection whose reads pass through a framer.
type conn struct {
	net.Conn
	f   framer
	buf []byte // read buffer while looking for a head
}

func (c *conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if n := c.f.output(p); n > 0 {
			return n, nil
		}
		if c.f.err != nil {
			return 0, c.f.err
		}
		// Nothing ready: read more. While a head or a chunk line is
		// wanted, read into our own buffer; in a body or pass-through,
		// straight into p, bounded so the body's end is not overrun.
		if want, direct := c.f.wantDirect(len(p)); direct {
			n, err := c.Conn.Read(p[:want])
			n = c.f.consumedDirect(p[:n])
			if n > 0 {
				if err != nil && !isTimeout(err) {
					c.f.noteErr(err)
				}
				return n, nil
			}
			if err != nil {
				if !isTimeout(err) {
					c.f.noteErr(err)
				}
				return 0, err
			}
			continue
		}
		if c.buf == nil {
			c.buf = make([]byte, readSize)
		}
		n, err := c.Conn.Read(c.buf)
		c.f.feed(c.buf[:n])
		if err != nil {
			if isTimeout(err) {
				// A deadline (net/http's background read, the body
				// idle timeout) is not the end of the connection:
				// keep the state and let the caller read again.
				if n := c.f.output(p); n > 0 {
					return n, nil
				}
				return 0, err
			}
			c.f.eof()
			c.f.noteErr(err)
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// state is where the framer is in the request stream.
type state int

const (
	stHead        state = iota // looking for the end of a request head
	stBody                     // in a body of known length (remain bytes left)
	stChunkLine                // at a chunk-size line
	stChunkData                // in chunk data (remain bytes left)
	stChunkCRLF                // at the CRLF after chunk data
	stTrailer                  // after the last chunk: trailer fields or the final CRLF
	stPassthrough              // no longer following: bytes pass untouched
)

// framer splits the bytes read from a connection into request heads
// (rewritten if needed) and everything else (handed on untouched). It
// holds in the bytes read but not yet classified and out those ready to be
// returned. It is not safe for concurrent use (net/http reads a connection
// from one goroutine at a time).
type framer struct {
	st       state
	remain   uint64
	in       []byte
	out      []byte
	lastPost bool          // the previous request was a POST: net/http skips CR/LF before the next
	excess   int64         // chunk overhead, tracked as net/http does
	ended    bool          // the connection reached EOF or failed
	err      error         // returned once in and out are drained
	inBuf    []byte        // in's buffer, reused once in is drained
	outBuf   []byte        // out's buffer, likewise
	hr       bytes.Reader  // the head being parsed
	br       *bufio.Reader // reads hr, kept for the connection's next heads
}

// noteErr remembers the connection's first error, returned after the
// bytes already classified.
func (f *framer) noteErr(err error) {
	if err != nil && f.err == nil {
		f.err = err
	}
}

// eof marks the end of input: an incomplete head or chunk line is handed
// on as it is, for net/http to refuse.
func (f *framer) eof() {
	f.ended = true
	f.appendOut(f.in)
	f.in = nil
	f.st = stPassthrough
}

// feed takes bytes read from the connection.
func (f *framer) feed(b []byte) {
	if len(b) == 0 {
		return
	}
	// Move what is left to the front of the buffer, so reads reuse it
	// (after the append, in starts at its array's start either way).
	if cap(f.inBuf) >= len(f.in)+len(b) {
		f.in = f.inBuf[:copy(f.inBuf[:len(f.in)], f.in)]
	}
	f.in = append(f.in, b...)
	f.inBuf = keep(f.in)
	f.step()
}

// output copies ready bytes into p. Once out is empty it classifies what
// is left in in.
func (f *framer) output(p []byte) int {
	if len(f.out) == 0 {
		f.step()
	}
	n := copy(p, f.out)
	f.out = f.out[n:]
	if len(f.out) == 0 {
		f.out = nil
	}

	return n
}

// wantDirect reports whether the next read may go straight into the
// caller's buffer (nothing is pending and the framer is in a body or
// passing through) and how many bytes it may take.
func (f *framer) wantDirect(n int) (int, bool) {
	if len(f.in) > 0 || len(f.out) > 0 {
		return 0, false
	}
	switch f.st {
	case stPassthrough:
		return n, true
	case stBody, stChunkData:
		if f.remain < uint64(n) {
			n = int(f.remain)
		}
		return n, true
	}
	return 0, false
}

// consumedDirect accounts for bytes read straight into the caller's
// buffer by wantDirect's read and returns how many of them may be
// returned (all of them: the read was bounded).
func (f *framer) consumedDirect(b []byte) int {
	switch f.st {
	case stBody:
		f.remain -= uint64(len(b))
		if f.remain == 0 {
			f.st = stHead
		}
	case stChunkData:
		f.remain -= uint64(len(b))
		if f.remain == 0 {
			f.st = stChunkCRLF
		}
	}
	return len(b)
}

// step moves bytes from in to out as far as they can be classified.
func (f *framer) step() {
	for len(f.in) > 0 {
		switch f.st {
		case stPassthrough:
			f.appendOut(f.in)
			f.in = nil
			return
		case stBody, stChunkData:
			n := uint64(len(f.in))
			if n > f.remain {
				n = f.remain
			}
			f.pass(int(n))
			f.remain -= n
			if f.remain == 0 {
				if f.st == stBody {
					f.st = stHead
				} else {
					f.st = stChunkCRLF
				}
			}
		case stHead:
			if !f.head() {
				return
			}
		case stChunkLine:
			if !f.chunkLine() {
				return
			}
		case stChunkCRLF:
			if len(f.in) < 2 {
				return
			}
			if f.in[0] != '\r' || f.in[1] != '\n' {
				f.st = stPassthrough // net/http: malformed chunked encoding
				continue
			}
			f.pass(2)
			f.st = stChunkLine
		case stTrailer:
			if !f.trailer() {
				return
			}
		}
	}
}

// appendOut appends b to out, reusing out's buffer once it was drained.
func (f *framer) appendOut(b []byte) {
	if len(f.out) == 0 {
		f.out = f.outBuf[:0]
	}
	c := cap(f.out)
	start := len(f.out) == 0
	f.out = append(f.out, b...)
	if start || cap(f.out) != c { // out starts at its array's start
		f.outBuf = keep(f.out)
	}
}

// keep returns b's buffer, empty, for reuse, unless it grew past 64 KiB
// (a long head): an idle connection does not hold on to that.
func keep(b []byte) []byte {
	if cap(b) > 64<<10 {
		return nil
	}
	return b[:0]
}

// pass moves n bytes from in to out untouched.
func (f *framer) pass(n int) {
	f.appendOut(f.in[:n])
	f.in = f.in[n:]
	if len(f.in) == 0 {
		f.in = nil
	}
}

// head looks for a complete request head in in and, if there is one,
// moves it (rewritten if needed) to out and sets the body's framing. It
// reports whether it made progress.
func (f *framer) head() bool {
	if f.lastPost {
		// net/http, after a POST, discards the CR and LF bytes among the
		// next four (RFC 7230 section 3's tolerance for old clients).
		if len(f.in) < 4 && !f.ended {
			return false
		}
		n := 0
		for n < len(f.in) && n < 4 && (f.in[n] == '\r' || f.in[n] == '\n') {
			n++
		}
		f.pass(n)
		f.lastPost = false
		if len(f.in) == 0 {
			return false
		}
	}
	if !isTokenChar(f.in[0]) {
		// Not an HTTP/1 request line (a TLS handshake, binary data):
		// stop following.
		f.st = stPassthrough
		return true
	}
	end := headEnd(f.in)
	if end < 0 {
		if len(f.in) > maxHead {
			f.st = stPassthrough
			return true
		}
		return false
	}
	head := f.in[:end]
	f.hr.Reset(head)
	if f.br == nil {
		f.br = bufio.NewReaderSize(&f.hr, readSize)
	}
	f.br.Reset(&f.hr)
	req, err := http.ReadRequest(f.br)
	if err == nil && (f.br.Buffered() != 0 || f.hr.Len() != 0) {
		err = errors.New("head not read to its end") // never expected
	}
	if err != nil || req.ProtoMajor != 1 || req.Method == "CONNECT" || req.Header.Get("Upgrade") != "" {
		// net/http refuses the head (and closes the connection), or
		// what follows is not HTTP/1 requests: hand on and stop.
		f.st = stPassthrough
		return true
	}
	if unmet(req.Header.Get("Expect")) {
		f.appendOut(renameExpect(head))
		f.in = f.in[end:]
	} else {
		f.pass(end)
	}
	f.lastPost = req.Method == "POST"
	switch {
	case len(req.TransferEncoding) > 0:
		// net/http accepts only "chunked" (anything else it refuses
		// while reading the head).
		f.st, f.excess = stChunkLine, 0
	case req.ContentLength > 0:
		f.st, f.remain = stBody, uint64(req.ContentLength)
	case req.ContentLength == 0:
		f.st = stHead
	default:
		f.st = stPassthrough
	}
	return true
}

// headEnd returns the length of the request head at the start of b,
// through the empty line that ends it (a line of "\r\n" or "\n", as
// net/textproto reads lines), or -1 if b holds no complete head. The
// head's first line is never the end.
func headEnd(b []byte) int { return blankLineEnd(b, 1) }

// trailerEnd returns the length of the trailer fields at the start of b,
// through the first empty line, or -1.
func trailerEnd(b []byte) int { return blankLineEnd(b, 0) }

// blankLineEnd returns the offset just past the first empty line ("\r\n"
// or "\n") of b at or after line number first, or -1 if there is none.
func blankLineEnd(b []byte, first int) int {
	for i, n := 0, 0; i < len(b); n++ {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		line := b[i : i+j]
		next := i + j + 1
		if n >= first && (len(line) == 0 || (len(line) == 1 && line[0] == '\r')) {
			return next
		}
		i = next
	}
	return -1
}

// unmet reports whether net/http would answer an Expect header value
// with 417: it is neither empty nor holds the token 100-continue.
func unmet(v string) bool {
	return v != "" && !hasToken(v, "100-continue")
}

// hasToken reports whether token appears in v as a comma-, space- or
// tab-delimited token, case-insensitively (net/http's own test).
func hasToken(v, token string) bool {
	for sp := 0; sp+len(token) <= len(v); sp++ {
		if sp > 0 && !isTokenBoundary(v[sp-1]) {
			continue
		}
		if end := sp + len(token); end != len(v) && !isTokenBoundary(v[end]) {
			continue
		}
		if strings.EqualFold(v[sp:sp+len(token)], token) {
			return true
		}
	}
	return false
}

func isTokenBoundary(b byte) bool { return b == ' ' || b == ',' || b == '\t' }

// isTokenChar reports whether b may start an HTTP method (RFC 9110 tchar).
func isTokenChar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}

// renameExpect returns head with the name of every Expect field line
// changed to Header. The request line and other lines are unchanged.
func renameExpect(head []byte) []byte {
	out := make([]byte, 0, len(head)+32)
	first := true
	for len(head) > 0 {
		j := bytes.IndexByte(head, '\n')
		line := head
		if j >= 0 {
			line = head[:j+1]
		}
		head = head[len(line):]
		if !first && len(line) > 7 && strings.EqualFold(string(line[:7]), "expect:") {
			out = append(out, Header...)
			out = append(out, line[6:]...)
		} else {
			out = append(out, line...)
		}
		first = false
	}
	return out
}

// chunkLine consumes a chunk-size line as net/http's chunked reader does
// (CRLF-terminated, no other CR, shorter than 4 KiB, hex size up to 16
// digits, extensions after ';' ignored). It reports whether it made
// progress.
func (f *framer) chunkLine() bool {
	j := bytes.IndexByte(f.in, '\n')
	if j < 0 {
		if len(f.in) >= readSize {
			f.st = stPassthrough // net/http: line too long
			return true
		}
		return false
	}
	line := f.in[:j+1]
	if j >= readSize || len(line) < 2 || bytes.IndexByte(line, '\r') != len(line)-2 {
		f.st = stPassthrough // bare LF, stray CR or too long: net/http refuses
		return true
	}
	size, ok := chunkSize(line[:len(line)-2])
	f.excess += int64(len(line))
	f.excess -= 16 + 2*int64(size)
	f.excess = max(f.excess, 0)
	if !ok || f.excess > 16*1024 {
		f.st = stPassthrough
		return true
	}
	f.pass(len(line))
	if size == 0 {
		f.st = stTrailer
	} else {
		f.st, f.remain = stChunkData, size
	}
	return true
}

// chunkSize parses a chunk-size line's content (without CRLF).
func chunkSize(line []byte) (uint64, bool) {
	line, _, _ = bytes.Cut(bytes.TrimRight(line, " \t"), []byte(";"))
	if len(line) == 0 || len(line) > 16 {
		return 0, false
	}
	var n uint64
	for _, b := range line {
		switch {
		case '0' <= b && b <= '9':
			b -= '0'
		case 'a' <= b && b <= 'f':
			b -= 'a' - 10
		case 'A' <= b && b <= 'F':
			b -= 'A' - 10
		default:
			return 0, false
		}
		n = n<<4 | uint64(b)
	}
	return n, true
}

// trailer consumes what follows the last chunk: a bare CRLF, or trailer
// fields ending in an empty line, which net/http reads only when a
// "\r\n\r\n" follows within its 4 KiB read buffer. It reports whether it
// made progress.
func (f *framer) trailer() bool {
	if len(f.in) < 2 {
		if f.ended {
			f.st = stPassthrough
			return true
		}
		return false
	}
	if f.in[0] == '\r' && f.in[1] == '\n' {
		f.pass(2)
		f.st = stHead
		return true
	}
	window := f.in[:min(len(f.in), readSize)]
	if bytes.Index(window, []byte("\r\n\r\n")) < 0 {
		if len(f.in) >= readSize || f.ended {
			f.st = stPassthrough // net/http: suspiciously long trailer
			return true
		}
		return false
	}
	end := trailerEnd(f.in)
	if end < 0 {
		f.st = stPassthrough
		return true
	}
	// Trailer fields net/http refuses end the connection; a stray
	// request head here would be one net/http never reads.
	if _, err := textproto.NewReader(bufio.NewReaderSize(bytes.NewReader(f.in[:end]), readSize)).ReadMIMEHeader(); err != nil {
		f.st = stPassthrough
		return true
	}
	f.pass(end)
	f.st = stHead
	return true
}
