package sigv4

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/xacct/xacct/emulator/awserr"
)

// maxChunkLine bounds a chunk header or trailer line.
const maxChunkLine = 4096

// chunkSigner chains chunk signatures from the seed signature (Amazon S3
// API Reference, "Signature Calculations for the Authorization Header:
// Transferring Payload in Multiple Chunks").
type chunkSigner struct {
	key   []byte
	date  string
	scope string
	prev  string
}

func (s *chunkSigner) next(dataHash string) string {
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + s.date + "\n" + s.scope + "\n" + s.prev + "\n" + emptySHA256 + "\n" + dataHash
	s.prev = hex.EncodeToString(hmacSHA256(s.key, sts))
	return s.prev
}

func (s *chunkSigner) trailer(canonical string) string {
	sts := "AWS4-HMAC-SHA256-TRAILER\n" + s.date + "\n" + s.scope + "\n" + s.prev + "\n" + hexSHA256(canonical)
	return hex.EncodeToString(hmacSHA256(s.key, sts))
}

// chunkedReader decodes an aws-chunked body, verifying chunk signatures
// (signed modes), the trailer signature, and the decoded length.
type chunkedReader struct {
	body     io.ReadCloser
	br       *bufio.Reader
	signed   bool
	trailing bool
	signer   chunkSigner
	declared int64

	remaining int64  // bytes left in the current chunk
	inChunk   bool   // a chunk's data has started and its CRLF is due
	chunkSig  string // signature announced for the current chunk
	h         hash.Hash
	total     int64
	err       error

	mu      sync.Mutex
	trailer http.Header
}

func errIncomplete() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "IncompleteBody", "The request body terminated unexpectedly")
}

func errChunk(msg string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidChunkSizeError", "%s", msg)
}

func newChunkedReader(r *http.Request, s chunkSigner, mode string) (*chunkedReader, error) {
	d := r.Header.Get("X-Amz-Decoded-Content-Length")
	n, err := strconv.ParseInt(d, 10, 64)
	if d == "" || err != nil || n < 0 {
		return nil, awserr.New(http.StatusLengthRequired, "MissingContentLength", "You must provide the Content-Length HTTP header.")
	}
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	return &chunkedReader{
		body:     body,
		br:       bufio.NewReaderSize(body, 64<<10),
		signed:   mode != StreamingUnsignedTrailer,
		trailing: mode != StreamingPayload,
		signer:   s,
		declared: n,
		h:        sha256.New(),
	}, nil
}

func (c *chunkedReader) Close() error { return c.body.Close() }

// trailers returns the trailing headers once the body has been read to EOF.
func (c *chunkedReader) trailers() http.Header {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.trailer
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	for c.remaining == 0 {
		if err := c.nextChunk(); err != nil {
			c.err = err
			return 0, err
		}
	}
	if int64(len(p)) > c.remaining {
		p = p[:c.remaining]
	}
	n, err := c.br.Read(p)
	c.remaining -= int64(n)
	c.total += int64(n)
	if c.signed {
		c.h.Write(p[:n])
	}
	if c.total > c.declared {
		c.err = errIncomplete()
		return n, c.err
	}
	if err == io.EOF {
		c.err = errIncomplete()
		return n, c.err
	}
	return n, err
}

func (c *chunkedReader) readLine() (string, error) {
	line, err := c.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) || len(line) > maxChunkLine {
		return "", errChunk("chunk header too long")
	}
	if e, ok := awserr.As(err); ok {
		return "", e // the body stalled (RequestTimeout), not ended early
	}
	if err != nil {
		return "", errIncomplete()
	}
	s := string(line)
	if !strings.HasSuffix(s, "\r\n") {
		return "", errChunk("chunk line not terminated by CRLF")
	}
	return s[:len(s)-2], nil
}

// finishChunk consumes the CRLF after a chunk's data and checks its
// signature.
func (c *chunkedReader) finishChunk() error {
	if !c.inChunk {
		return nil
	}
	c.inChunk = false
	line, err := c.readLine()
	if err != nil {
		return err
	}
	if line != "" {
		return errChunk("chunk data not followed by CRLF")
	}
	return c.checkSig(hex.EncodeToString(c.h.Sum(nil)))
}

func (c *chunkedReader) checkSig(dataHash string) error {
	if !c.signed {
		return nil
	}
	want := c.signer.next(dataHash)
	c.h.Reset()
	if !equalSig(want, c.chunkSig) {
		return awserr.New(http.StatusForbidden, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	}
	return nil
}

// nextChunk reads the next chunk header; at the final chunk it reads the
// trailers and returns io.EOF.
func (c *chunkedReader) nextChunk() error {
	if err := c.finishChunk(); err != nil {
		return err
	}
	line, err := c.readLine()
	if err != nil {
		return err
	}
	sizeStr, ext, _ := strings.Cut(line, ";")
	size, err := strconv.ParseInt(sizeStr, 16, 64)
	if err != nil || size < 0 || sizeStr == "" || len(sizeStr) > 16 {
		return errChunk("invalid chunk size " + strconvQuote(sizeStr))
	}
	c.chunkSig = ""
	if c.signed {
		sig, ok := strings.CutPrefix(ext, "chunk-signature=")
		if !ok {
			return errChunk("chunk is missing its chunk-signature")
		}
		c.chunkSig = sig
	}
	if size > 0 {
		if c.total+size > c.declared {
			return errIncomplete()
		}
		c.remaining, c.inChunk = size, true
		return nil
	}
	// The final, empty chunk.
	if err := c.checkSig(emptySHA256); err != nil {
		return err
	}
	if err := c.readTrailers(); err != nil {
		return err
	}
	if c.total != c.declared {
		return errIncomplete()
	}
	return io.EOF
}

func (c *chunkedReader) readTrailers() error {
	if !c.trailing {
		line, err := c.readLine()
		if err != nil {
			return err
		}
		if line != "" {
			return errChunk("unexpected data after the final chunk")
		}
		return nil
	}
	tr := http.Header{}
	var canonical strings.Builder
	var sig string
	for n := 0; ; n++ {
		if n > 32 {
			return errChunk("too many trailing headers")
		}
		line, err := c.readLine()
		if err != nil {
			return err
		}
		if line == "" {
			break
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return errChunk("malformed trailing header")
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if k == "x-amz-trailer-signature" {
			sig = v
			continue
		}
		tr.Add(k, v)
		canonical.WriteString(k + ":" + v + "\n")
	}
	if c.signed && !equalSig(c.signer.trailer(canonical.String()), sig) {
		return awserr.New(http.StatusForbidden, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	}
	c.mu.Lock()
	c.trailer = tr
	c.mu.Unlock()
	return nil
}

func strconvQuote(s string) string {
	if len(s) > 32 {
		s = s[:32]
	}
	return strconv.Quote(s)
}
