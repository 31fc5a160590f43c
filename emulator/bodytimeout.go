package emulator

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
)

// DefaultBodyReadTimeout is how long a request body may send nothing
// before the request fails with RequestTimeout, about what S3 allows.
const DefaultBodyReadTimeout = 20 * time.Second

// errRequestTimeout is S3's answer to a request body that stops sending
// (Amazon S3 API Reference, Error responses: RequestTimeout, 400).
func errRequestTimeout() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "RequestTimeout",
		"Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.")
}

// idleBody makes every Read of a request body wait at most timeout for
// data, through the connection's read deadline: a body that stalls (or
// trickles slower than one read per timeout) fails with RequestTimeout
// instead of holding its handler forever. Reads that make progress are
// never cut short, however large the body.
type idleBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
	armed   bool // a deadline is set on the connection
	err     error
}

// wrapBody returns r with its body an idleBody, and a func that clears the
// deadline once the handler is done, so it never outlives the request.
// The copy leaves the server's own request untouched: net/http looks at
// that request's body after the handler to decide whether to read what is
// left of it or close the connection.
func wrapBody(w http.ResponseWriter, r *http.Request, timeout time.Duration) (*http.Request, func()) {
	if timeout <= 0 || r.Body == nil || r.Body == http.NoBody {
		return r, func() {}
	}
	b := &idleBody{ReadCloser: r.Body, rc: http.NewResponseController(w), timeout: timeout}
	r = r.WithContext(r.Context())
	r.Body = b
	return r, b.disarm
}

func (b *idleBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if err := b.rc.SetReadDeadline(time.Now().Add(b.timeout)); err == nil {
		b.armed = true
	}
	n, err := b.ReadCloser.Read(p)
	switch {
	case err == nil:
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The expired deadline stays: the server's own read of the rest
		// of the body after the response fails at once and it closes
		// the connection, as S3 does, instead of waiting on the stalled
		// client forever.
		b.armed = false
		b.err = errRequestTimeout()
		return n, b.err
	default:
		// The body is done (EOF) or broken: no later read needs the
		// deadline, and the server's own read after the body must not
		// inherit it.
		b.disarm()
	}
	return n, err
}

func (b *idleBody) disarm() {
	if b.armed {
		b.rc.SetReadDeadline(time.Time{})
		b.armed = false
	}
}
