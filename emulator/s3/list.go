package s3

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// listing is one page of a bucket's keys (Amazon S3 API Reference,
// ListObjectsV2: prefix, delimiter, max-keys, start-after,
// continuation-token; keys in UTF-8 binary order).
type listing struct {
	objects   []Object
	prefixes  []string
	truncated bool
	last      string // last key or common prefix returned
}

func (s *store) list(bucket, prefix, delimiter, after string, maxKeys int) (listing, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := s.buckets[bucket]
	if b == nil {
		return listing{}, errNoSuchBucket(bucket)
	}
	var l listing
	if maxKeys == 0 {
		// MaxKeys=0 returns nothing and is not truncated (no token).
		return l, nil
	}
	start := prefix
	if after > start {
		start = after
	}
	i := sort.SearchStrings(b.keys, start)
	// A token that is a common prefix resumes after every key under it.
	skip := ""
	if delimiter != "" && after != "" && strings.HasSuffix(after, delimiter) && strings.HasPrefix(after, prefix) {
		skip = after
	}
	for ; i < len(b.keys); i++ {
		k := b.keys[i]
		if !strings.HasPrefix(k, prefix) {
			if k > prefix {
				break
			}
			continue
		}
		if k <= after || (skip != "" && strings.HasPrefix(k, skip)) {
			continue
		}
		entry := k
		isPrefix := false
		if delimiter != "" {
			if j := strings.Index(k[len(prefix):], delimiter); j >= 0 {
				entry = k[:len(prefix)+j+len(delimiter)]
				isPrefix = true
			}
		}
		if isPrefix && len(l.prefixes) > 0 && l.prefixes[len(l.prefixes)-1] == entry {
			continue
		}
		if len(l.objects)+len(l.prefixes) >= maxKeys {
			l.truncated = true
			break
		}
		if isPrefix {
			l.prefixes = append(l.prefixes, entry)
			skip = entry
		} else {
			l.objects = append(l.objects, *b.objects[k])
		}
		l.last = entry
	}
	return l, nil
}

func maxKeysParam(q *request) (int, error) {
	v := q.get("max-keys")
	if v == "" {
		return 1000, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errInvalidArgument("Provided max-keys not an integer or within integer range", "max-keys", v)
	}
	return min(n, 1000), nil
}

func encodeKey(enc, s string) string {
	if enc != "url" {
		return s
	}
	// S3 percent-encodes a space as %20, not as a form's "+".
	return strings.ReplaceAll(strings.ReplaceAll(url.QueryEscape(s), "+", "%20"), "%2F", "/")
}

func (s *Service) listAuth(q *request, maxKeys int) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	cx := map[string][]string{"s3:prefix": {q.get("prefix")}, "s3:max-keys": {strconv.Itoa(maxKeys)}}
	if d := q.get("delimiter"); d != "" {
		cx["s3:delimiter"] = []string{d}
	}
	return s.authorize(q, "s3:ListBucket", b, pol, "", cx)
}

func objectsXML(objs []Object, enc string, owner bool) []objectXML {
	out := make([]objectXML, 0, len(objs))
	for _, o := range objs {
		x := objectXML{Key: encodeKey(enc, o.Key), LastModified: isoTime(o.LastModified), ETag: o.ETag, Size: o.Size, StorageClass: o.StorageClass}
		if x.StorageClass == "" {
			x.StorageClass = "STANDARD"
		}
		for _, a := range algorithms {
			if getChecksum(o.Checksums, a) != "" {
				x.ChecksumAlgorithm = append(x.ChecksumAlgorithm, a)
			}
		}
		x.ChecksumType = o.Checksums.Type
		if owner {
			x.Owner = &ownerXML{ID: canonicalID(o.Owner)}
		}
		out = append(out, x)
	}
	return out
}

func prefixesXML(ps []string, enc string) []commonPrefixXML {
	out := make([]commonPrefixXML, 0, len(ps))
	for _, p := range ps {
		out = append(out, commonPrefixXML{Prefix: encodeKey(enc, p)})
	}
	return out
}

func (s *Service) listObjectsV2(q *request) error {
	maxKeys, err := maxKeysParam(q)
	if err != nil {
		return err
	}
	if err := s.listAuth(q, maxKeys); err != nil {
		return err
	}
	enc := q.get("encoding-type")
	if enc != "" && enc != "url" {
		return errInvalidArgument("Invalid Encoding Method specified in Request", "encoding-type", enc)
	}
	after := q.get("start-after")
	token := q.get("continuation-token")
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || !strings.HasPrefix(string(raw), "k:") {
			return errInvalidArgument("The continuation token provided is incorrect", "continuation-token", token)
		}
		after = string(raw[2:])
	}
	prefix, delim := q.get("prefix"), q.get("delimiter")
	l, err := s.store.list(q.bucket, prefix, delim, after, maxKeys)
	if err != nil {
		return err
	}
	res := listBucketResultV2{
		Xmlns: xmlns, Name: q.bucket, Prefix: encodeKey(enc, prefix), Delimiter: encodeKey(enc, delim), MaxKeys: maxKeys, EncodingType: enc,
		KeyCount: len(l.objects) + len(l.prefixes), IsTruncated: l.truncated, ContinuationToken: token, StartAfter: encodeKey(enc, q.get("start-after")),
		Contents: objectsXML(l.objects, enc, q.get("fetch-owner") == "true"), CommonPrefixes: prefixesXML(l.prefixes, enc),
	}
	if l.truncated {
		res.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte("k:" + l.last))
	}
	return q.writeXML(http.StatusOK, res)
}

func (s *Service) listObjectsV1(q *request) error {
	maxKeys, err := maxKeysParam(q)
	if err != nil {
		return err
	}
	if err := s.listAuth(q, maxKeys); err != nil {
		return err
	}
	enc := q.get("encoding-type")
	prefix, delim, marker := q.get("prefix"), q.get("delimiter"), q.get("marker")
	l, err := s.store.list(q.bucket, prefix, delim, marker, maxKeys)
	if err != nil {
		return err
	}
	res := listBucketResultV1{
		Xmlns: xmlns, Name: q.bucket, Prefix: encodeKey(enc, prefix), Marker: encodeKey(enc, marker), MaxKeys: maxKeys, Delimiter: encodeKey(enc, delim),
		EncodingType: enc, IsTruncated: l.truncated, Contents: objectsXML(l.objects, enc, true), CommonPrefixes: prefixesXML(l.prefixes, enc),
	}
	if l.truncated && delim != "" {
		res.NextMarker = encodeKey(enc, l.last)
	}
	return q.writeXML(http.StatusOK, res)
}
