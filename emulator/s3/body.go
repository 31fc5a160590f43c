package s3

import (
	"bytes"
	"io"
	"net/http"
)

// staged is a body stored but not yet committed: either a blob of its own
// (memory, or a durable blob file on disk), or, on disk for a body of up to
// inlineMax bytes, the bytes themselves, which go into the journal record
// that commits them.
type staged struct {
	blob   string
	data   []byte
	inline bool
	size   int64
}

// stage stores r's bytes for a commit. On error nothing is kept.
func (s *store) stage(r io.Reader) (staged, error) {
	if s.disk == nil {
		name, n, err := s.blobs.Write(r)
		return staged{blob: name, size: n}, err
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, inlineMax+1))
	if err != nil {
		return staged{}, err
	}
	if n <= inlineMax {
		return staged{data: buf.Bytes(), inline: true, size: n}, nil
	}
	name, size, err := s.disk.Write(io.MultiReader(&buf, r))
	return staged{blob: name, size: size}, err
}

// discard drops a body that will not be committed.
func (s *store) discard(b staged) {
	if b.blob != "" {
		s.blobs.Remove(b.blob)
	}
}

// body is an ingested body: staged in the store, with its digests.
type body struct {
	staged
	h *hasher
	// checksums are the ones the client sent, verified (ingestRequest).
	checksums Checksums
}

// ingest stages r's bytes, hashing them with MD5 (the ETag) and algs. It
// is how every write that stores bytes takes them in: PutObject,
// UploadPart, CopyObject, UploadPartCopy and CompleteMultipartUpload.
func (s *Service) ingest(r io.Reader, algs ...string) (*body, error) {
	h := newHasher(algs...)
	st, err := s.store.stage(io.TeeReader(r, h))
	if err != nil {
		return nil, err
	}
	return &body{staged: st, h: h}, nil
}

// ingestRequest ingests a request body of at most MaxPutSize bytes
// (EntityTooLarge past it) and verifies the digests the client sent in
// headers (Content-MD5, x-amz-checksum-*) or in the aws-chunked trailer.
// On any error nothing is kept.
func (s *Service) ingestRequest(q *request, algs ...string) (*body, error) {
	r := q.r.Body
	if r == nil {
		r = http.NoBody
	}
	b, err := s.ingest(io.LimitReader(r, MaxPutSize+1), algs...)
	if err != nil {
		return nil, bodyError(err)
	}
	if b.size > MaxPutSize {
		s.store.discard(b.staged)
		return nil, errEntityTooLarge()
	}
	var trailer http.Header
	if q.call.Trailer != nil {
		trailer = q.call.Trailer()
	}
	if b.checksums, err = verifyChecksums(b.h, q.r.Header, trailer); err != nil {
		s.store.discard(b.staged)
		return nil, err
	}
	return b, nil
}
