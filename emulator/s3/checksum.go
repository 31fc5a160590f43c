package s3

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net/http"
	"strings"
)

// crc64NVME is the CRC-64/NVME polynomial (reflected) S3 uses by default
// (Amazon S3 User Guide, "Checking object integrity").
var crc64NVME = crc64.MakeTable(0x9a6c9329ac4bc9b5)

var crc32c = crc32.MakeTable(crc32.Castagnoli)

// Algorithms S3 accepts, by upper-case name.
var algorithms = []string{"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"}

func newChecksum(alg string) hash.Hash {
	switch alg {
	case "CRC32":
		return crc32.NewIEEE()
	case "CRC32C":
		return crc32.New(crc32c)
	case "CRC64NVME":
		return crc64.New(crc64NVME)
	case "SHA1":
		return sha1.New()
	case "SHA256":
		return sha256.New()
	}
	return nil
}

// hasher computes an upload's MD5 (the ETag) and checksums as the body
// streams through it.
type hasher struct {
	md5  hash.Hash
	sums map[string]hash.Hash
	w    io.Writer
}

func newHasher(algs ...string) *hasher {
	h := &hasher{md5: md5.New(), sums: map[string]hash.Hash{}}
	ws := []io.Writer{h.md5}
	for _, a := range algs {
		if _, ok := h.sums[a]; ok || newChecksum(a) == nil {
			continue
		}
		h.sums[a] = newChecksum(a)
		ws = append(ws, h.sums[a])
	}
	h.w = io.MultiWriter(ws...)
	return h
}

func (h *hasher) Write(p []byte) (int, error) { return h.w.Write(p) }

func (h *hasher) etag() string { return `"` + hex.EncodeToString(h.md5.Sum(nil)) + `"` }

func (h *hasher) sum(alg string) string {
	if s, ok := h.sums[alg]; ok {
		return base64.StdEncoding.EncodeToString(s.Sum(nil))
	}
	return ""
}

// requestedChecksums lists the algorithms a request names: its
// x-amz-checksum-ALG headers, x-amz-sdk-checksum-algorithm, and the
// trailer it announces.
func requestedChecksums(h http.Header) []string {
	var out []string
	for _, a := range algorithms {
		if h.Get("X-Amz-Checksum-"+a) != "" {
			out = append(out, a)
		}
	}
	if a := strings.ToUpper(h.Get("X-Amz-Sdk-Checksum-Algorithm")); a != "" {
		out = append(out, a)
	}
	for _, t := range strings.Split(h.Get("X-Amz-Trailer"), ",") {
		if a, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(t)), "x-amz-checksum-"); ok {
			out = append(out, strings.ToUpper(a))
		}
	}
	return out
}

// verifyChecksums compares the checksums a client sent (in headers, or in
// the aws-chunked trailer) and Content-MD5 with what was computed, and
// returns the object's checksums.
func verifyChecksums(h *hasher, header, trailer http.Header) (Checksums, error) {
	// A Content-MD5 header sent empty is a digest that is not one
	// (InvalidDigest), not an absent digest.
	if _, sent := header["Content-Md5"]; sent {
		want := header.Get("Content-Md5")
		raw, err := base64.StdEncoding.DecodeString(want)
		if err != nil || len(raw) != md5.Size {
			return Checksums{}, errInvalidDigest()
		}
		if hex.EncodeToString(raw) != strings.Trim(h.etag(), `"`) {
			return Checksums{}, errBadDigest("Content-MD5")
		}
	}
	var cs Checksums
	for _, a := range algorithms {
		got := h.sum(a)
		if got == "" {
			continue
		}
		want := header.Get("X-Amz-Checksum-" + a)
		if want == "" && trailer != nil {
			want = trailer.Get("x-amz-checksum-" + strings.ToLower(a))
		}
		if want != "" && want != got {
			return Checksums{}, errBadDigest(a)
		}
		setChecksum(&cs, a, got)
	}
	cs.Type = "FULL_OBJECT"
	return cs, nil
}

func setChecksum(cs *Checksums, alg, v string) {
	switch alg {
	case "CRC32":
		cs.CRC32 = v
	case "CRC32C":
		cs.CRC32C = v
	case "CRC64NVME":
		cs.CRC64NVME = v
	case "SHA1":
		cs.SHA1 = v
	case "SHA256":
		cs.SHA256 = v
	}
}

func getChecksum(cs Checksums, alg string) string {
	switch alg {
	case "CRC32":
		return cs.CRC32
	case "CRC32C":
		return cs.CRC32C
	case "CRC64NVME":
		return cs.CRC64NVME
	case "SHA1":
		return cs.SHA1
	case "SHA256":
		return cs.SHA256
	}
	return ""
}

// multipartETag is S3's ETag of a completed multipart upload: the MD5 of
// the parts' binary MD5s, a dash and the number of parts.
func multipartETag(partETags []string) string {
	h := md5.New()
	for _, e := range partETags {
		raw, _ := hex.DecodeString(strings.Trim(e, `"`))
		h.Write(raw)
	}
	return `"` + hex.EncodeToString(h.Sum(nil)) + "-" + itoa(len(partETags)) + `"`
}

// compositeChecksum is the checksum of the parts' checksums, "-N".
func compositeChecksum(alg string, parts []string) string {
	h := newChecksum(alg)
	if h == nil {
		return ""
	}
	for _, p := range parts {
		raw, _ := base64.StdEncoding.DecodeString(p)
		h.Write(raw)
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil)) + "-" + itoa(len(parts))
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
