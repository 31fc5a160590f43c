package sigv4

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

const upperHex = "0123456789ABCDEF"

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

// escape URI-encodes s as SigV4 requires: every byte except the unreserved
// characters (and '/' when keepSlash) as %XX with upper-case hex.
func escape(s string, keepSlash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && !(keepSlash && s[i] == '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (keepSlash && c == '/') {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
	return b.String()
}

// canonicalURI returns the request path as it enters the canonical request.
// S3 uses the path as sent; every other service URI-encodes the (already
// encoded) path once more.
func canonicalURI(r *http.Request, s3 bool) string {
	p := r.URL.EscapedPath()
	if r.URL.Opaque != "" {
		p = r.URL.Opaque
	}
	if p == "" {
		p = "/"
	}
	if s3 {
		return p
	}
	return escape(p, true)
}

type pair struct{ k, v string }

// canonicalQuery sorts and re-encodes the query string, leaving out
// X-Amz-Signature for presigned requests.
func canonicalQuery(raw string, presigned bool) string {
	if raw == "" {
		return ""
	}
	var ps []pair
	for _, kv := range strings.Split(raw, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		ps = append(ps, pair{escape(k, false), escape(v, false)})
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].k != ps[j].k {
			return ps[i].k < ps[j].k
		}
		return ps[i].v < ps[j].v
	})
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// headerValue returns the canonical value of one signed header: values
// joined with commas, trimmed, inner runs of spaces collapsed.
func headerValue(r *http.Request, name string) string {
	var vals []string
	switch name {
	case "host":
		vals = []string{r.Host}
	case "content-length":
		vals = r.Header.Values("Content-Length")
		if len(vals) == 0 && r.ContentLength >= 0 {
			vals = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	case "transfer-encoding":
		vals = r.TransferEncoding
	default:
		vals = r.Header.Values(name)
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = collapseSpaces(strings.TrimSpace(v))
	}
	return strings.Join(out, ",")
}

func collapseSpaces(s string) string {
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	space := false
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// canonicalRequest builds the canonical request.
func canonicalRequest(r *http.Request, a auth, payloadHash string, s3 bool) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r, s3))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery, a.presigned))
	b.WriteByte('\n')
	for _, h := range a.signed {
		b.WriteString(h)
		b.WriteByte(':')
		b.WriteString(headerValue(r, h))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(a.signed, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// stringToSign builds the string to sign for a canonical request.
func stringToSign(date string, s Scope, canonical string) string {
	return Algorithm + "\n" + date + "\n" + s.String() + "\n" + hexSHA256(canonical)
}
