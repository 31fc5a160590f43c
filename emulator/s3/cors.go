package s3

// Cross-origin resource sharing (Amazon S3 User Guide, "Using
// cross-origin resource sharing (CORS)", "Elements of a CORS
// configuration" and "How does Amazon S3 evaluate the CORS configuration
// on a bucket?"; Amazon S3 API Reference, PutBucketCors, GetBucketCors,
// DeleteBucketCors and OPTIONS object).

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
)

// MaxCORSRules is the most rules a CORS configuration holds (Amazon S3
// User Guide, "Elements of a CORS configuration": up to 100 rules).
const MaxCORSRules = 100

// CORSRule is one rule of a bucket's CORS configuration.
type CORSRule struct {
	ID             string `json:",omitempty"`
	AllowedOrigins []string
	AllowedMethods []string
	AllowedHeaders []string `json:",omitempty"`
	ExposeHeaders  []string `json:",omitempty"`
	// MaxAgeSeconds is nil when the rule has none.
	MaxAgeSeconds *int `json:",omitempty"`
}

type corsRuleXML struct {
	ID             string   `xml:"ID,omitempty"`
	AllowedHeaders []string `xml:"AllowedHeader"`
	AllowedMethods []string `xml:"AllowedMethod"`
	AllowedOrigins []string `xml:"AllowedOrigin"`
	ExposeHeaders  []string `xml:"ExposeHeader"`
	MaxAgeSeconds  *int     `xml:"MaxAgeSeconds"`
}

type corsConfigurationXML struct {
	XMLName xml.Name      `xml:"CORSConfiguration"`
	Xmlns   string        `xml:"xmlns,attr,omitempty"`
	Rules   []corsRuleXML `xml:"CORSRule"`
}

var corsMethods = map[string]bool{"GET": true, "PUT": true, "HEAD": true, "POST": true, "DELETE": true}

// parseCORS validates a CORSConfiguration as S3 does: one to 100 rules,
// each with an origin and a method; methods among GET, PUT, HEAD, POST
// and DELETE; at most one "*" in an origin or a header.
func parseCORS(x corsConfigurationXML) ([]CORSRule, error) {
	if len(x.Rules) == 0 || len(x.Rules) > MaxCORSRules {
		return nil, errMalformedXML()
	}
	rules := make([]CORSRule, 0, len(x.Rules))
	for _, r := range x.Rules {
		if len(r.AllowedOrigins) == 0 || len(r.AllowedMethods) == 0 || len(r.ID) > 255 {
			return nil, errMalformedXML()
		}
		for _, m := range r.AllowedMethods {
			if !corsMethods[m] {
				return nil, errInvalidRequest("Found unsupported HTTP method in CORS config. Unsupported method is " + m)
			}
		}
		for _, o := range r.AllowedOrigins {
			if strings.Count(o, "*") > 1 {
				return nil, errInvalidRequest("AllowedOrigin \"" + o + "\" can not have more than one wildcard.")
			}
		}
		for _, h := range r.AllowedHeaders {
			if strings.Count(h, "*") > 1 {
				return nil, errInvalidRequest("AllowedHeader \"" + h + "\" can not have more than one wildcard.")
			}
		}
		if r.MaxAgeSeconds != nil && *r.MaxAgeSeconds < 0 {
			return nil, errMalformedXML()
		}
		rules = append(rules, CORSRule{ID: r.ID, AllowedOrigins: r.AllowedOrigins, AllowedMethods: r.AllowedMethods,
			AllowedHeaders: r.AllowedHeaders, ExposeHeaders: r.ExposeHeaders, MaxAgeSeconds: r.MaxAgeSeconds})
	}
	return rules, nil
}

func (s *Service) putBucketCors(q *request) error {
	if _, err := s.bucketConfig(q, "s3:PutBucketCORS"); err != nil {
		return err
	}
	var x corsConfigurationXML
	if err := decodeXMLBody(q, &x); err != nil {
		return err
	}
	rules, err := parseCORS(x)
	if err != nil {
		return err
	}
	return s.updateBucket(q, func(bs *bucketState) { bs.CORS = rules }, http.StatusOK)
}

func (s *Service) getBucketCors(q *request) error {
	b, err := s.bucketConfig(q, "s3:GetBucketCORS")
	if err != nil {
		return err
	}
	if len(b.CORS) == 0 {
		return awserr.New(http.StatusNotFound, "NoSuchCORSConfiguration", "The CORS configuration does not exist").With("BucketName", b.Name)
	}
	x := corsConfigurationXML{Xmlns: xmlns}
	for _, r := range b.CORS {
		x.Rules = append(x.Rules, corsRuleXML{ID: r.ID, AllowedHeaders: r.AllowedHeaders, AllowedMethods: r.AllowedMethods,
			AllowedOrigins: r.AllowedOrigins, ExposeHeaders: r.ExposeHeaders, MaxAgeSeconds: r.MaxAgeSeconds})
	}
	return q.writeXML(http.StatusOK, x)
}

func (s *Service) deleteBucketCors(q *request) error {
	// DeleteBucketCors is authorized as s3:PutBucketCORS (Amazon S3 API
	// Reference, DeleteBucketCors: "Permissions").
	if _, err := s.bucketConfig(q, "s3:PutBucketCORS"); err != nil {
		return err
	}
	return s.updateBucket(q, func(bs *bucketState) { bs.CORS = nil }, http.StatusNoContent)
}

// wildcardMatch matches s against a pattern holding at most one "*",
// case-insensitively when fold is set.
func wildcardMatch(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	before, after, star := strings.Cut(pattern, "*")
	if !star {
		return pattern == s
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}

// matchCORS returns the first rule that allows origin, method and every
// requested header, as S3 evaluates them (nil when none does).
func matchCORS(rules []CORSRule, origin, method string, headers []string) *CORSRule {
rules:
	for i := range rules {
		r := &rules[i]
		ok := false
		for _, o := range r.AllowedOrigins {
			if wildcardMatch(o, origin, false) {
				ok = true
				break
			}
		}
		if !ok {
			continue
		}
		ok = false
		for _, m := range r.AllowedMethods {
			if m == method {
				ok = true
				break
			}
		}
		if !ok {
			continue
		}
		for _, h := range headers {
			found := false
			for _, a := range r.AllowedHeaders {
				if wildcardMatch(a, h, true) {
					found = true
					break
				}
			}
			if !found {
				continue rules
			}
		}
		return r
	}
	return nil
}

// setCORSHeaders writes the Access-Control-* headers of a matched rule.
// A rule allowing every origin answers "*"; one naming origins echoes the
// request's and allows credentials, as S3 does.
func setCORSHeaders(h http.Header, r *CORSRule, origin string, requested []string) {
	anyOrigin := false
	for _, o := range r.AllowedOrigins {
		if o == "*" {
			anyOrigin = true
		}
	}
	if anyOrigin {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(r.AllowedMethods, ", "))
	if len(requested) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(requested, ", "))
	}
	if len(r.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(r.ExposeHeaders, ", "))
	}
	if r.MaxAgeSeconds != nil {
		h.Set("Access-Control-Max-Age", strconv.Itoa(*r.MaxAgeSeconds))
	}
	h.Set("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
}

func requestedHeaders(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Access-Control-Request-Headers") {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, strings.ToLower(p))
			}
		}
	}
	return out
}

func errCORSForbidden(msg, method, resource string) *awserr.Error {
	return awserr.New(http.StatusForbidden, "AccessForbidden", "%s", msg).With("Method", method).With("ResourceType", resource)
}

// preflight answers a CORS preflight OPTIONS request. It is not
// authorized (browsers send it without credentials); the bucket's CORS
// configuration alone decides it.
func (s *Service) preflight(q *request) error {
	origin := q.r.Header.Get("Origin")
	if origin == "" {
		return awserr.New(http.StatusBadRequest, "BadRequest", "Insufficient information. Origin request header needed.")
	}
	method := q.r.Header.Get("Access-Control-Request-Method")
	if !corsMethods[method] {
		if method == "" {
			method = "null"
		}
		return awserr.New(http.StatusBadRequest, "BadRequest", "Invalid Access-Control-Request-Method: %s", method)
	}
	resource := "OBJECT"
	if q.key == "" {
		resource = "BUCKET"
	}
	b, ok := s.corsBucket(q.bucket)
	if !ok {
		return errCORSForbidden("CORSResponse: Bucket not found", method, resource)
	}
	if len(b.CORS) == 0 {
		return errCORSForbidden("CORSResponse: CORS is not enabled for this bucket.", method, resource)
	}
	requested := requestedHeaders(q.r.Header)
	r := matchCORS(b.CORS, origin, method, requested)
	if r == nil {
		return errCORSForbidden("CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.", method, resource)
	}
	setCORSHeaders(q.w.Header(), r, origin, requested)
	q.w.Header().Set("Content-Length", "0")
	return q.noContent(http.StatusOK)
}

// corsBucket loads a bucket for CORS evaluation, without authorization.
func (s *Service) corsBucket(name string) (Bucket, bool) {
	if !validBucketName(name) {
		return Bucket{}, false
	}
	b, _, ok := s.store.bucket(name)
	return b, ok
}

// actualCORS adds the CORS response headers to a request (not a
// preflight) that carries Origin, when the bucket's configuration has a
// rule for its origin and method; S3 adds them to errors too.
func (s *Service) actualCORS(q *request) {
	origin := q.r.Header.Get("Origin")
	if origin == "" || q.bucket == "" || q.r.Method == http.MethodOptions {
		return
	}
	b, ok := s.corsBucket(q.bucket)
	if !ok || len(b.CORS) == 0 {
		return
	}
	if r := matchCORS(b.CORS, origin, q.r.Method, nil); r != nil {
		setCORSHeaders(q.w.Header(), r, origin, nil)
	}
}
