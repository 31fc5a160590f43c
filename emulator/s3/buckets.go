package s3

import (
	"encoding/base64"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/policy"
)

// validBucketName applies S3's general purpose bucket naming rules (Amazon
// S3 User Guide, "General purpose bucket naming rules").
func validBucketName(n string) bool {
	if len(n) < 3 || len(n) > 63 {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	first, last := n[0], n[len(n)-1]
	if first == '.' || first == '-' || last == '.' || last == '-' || strings.Contains(n, "..") {
		return false
	}
	if net.ParseIP(n) != nil {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(n, p) {
			return false
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(n, s) {
			return false
		}
	}
	return true
}

// legacyBucketName is always false: the emulator creates only names valid
// under today's rules.
func legacyBucketName(string) bool { return false }

func (s *Service) listBuckets(q *request) error {
	c := q.call.Caller
	if c.Anonymous() {
		return errAccessDenied("Access Denied")
	}
	acct := c.Account()
	if err := s.authorize(q, "s3:ListAllMyBuckets", Bucket{Name: "*", Owner: acct}, nil, "", nil); err != nil {
		return err
	}
	// Paging (Amazon S3 API Reference, ListBuckets): max-buckets 1 to
	// 10,000 (without it every bucket is listed), an opaque
	// continuation-token, prefix and bucket-region filters.
	limit := -1
	if v := q.get("max-buckets"); v != "" || q.has("max-buckets") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return errInvalidArgument("Invalid max-buckets value, it must be between 1 and 10000", "max-buckets", v)
		}
		limit = n
	}
	after := ""
	if tok := q.get("continuation-token"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || !strings.HasPrefix(string(raw), "b:") {
			return errInvalidArgument("The continuation token provided is incorrect", "continuation-token", tok)
		}
		after = string(raw[2:])
	}
	prefix, region := q.get("prefix"), q.get("bucket-region")
	var out []bucketXML
	for _, b := range s.store.allBuckets() {
		if b.Owner == acct && b.Name > after && strings.HasPrefix(b.Name, prefix) && (region == "" || b.Region == region) {
			out = append(out, bucketXML{Name: b.Name, CreationDate: isoTime(b.Created), BucketRegion: b.Region})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	res := listAllMyBucketsResult{Xmlns: xmlns, Owner: ownerXML{ID: canonicalID(acct)}, Prefix: prefix}
	if limit >= 0 && len(out) > limit {
		out = out[:limit]
		res.ContinuationToken = base64.RawURLEncoding.EncodeToString([]byte("b:" + out[len(out)-1].Name))
	}
	res.Buckets = out
	return q.writeXML(http.StatusOK, res)
}

func (s *Service) createBucket(q *request) error {
	c := q.call.Caller
	if c.Anonymous() {
		return errAccessDenied("Access Denied")
	}
	if !validBucketName(q.bucket) {
		return errInvalidBucketName(q.bucket)
	}
	region := q.call.Region
	body, err := io.ReadAll(io.LimitReader(q.r.Body, 64<<10))
	if err != nil {
		return bodyError(err)
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		var cfg createBucketConfiguration
		if err := xml.Unmarshal(body, &cfg); err != nil {
			return errMalformedXML()
		}
		if lc := cfg.LocationConstraint; lc != "" {
			// us-east-1 is named by leaving the constraint out; naming it
			// is refused like any unknown region (Amazon S3 API
			// Reference, CreateBucket).
			if !locationConstraints[lc] {
				return errInvalidLocationConstraint(lc)
			}
			region = lc
			if lc == "EU" {
				region = "eu-west-1"
			}
		}
	}
	ownership := OwnershipEnforced
	if o := q.r.Header.Get("X-Amz-Object-Ownership"); o != "" {
		if o != OwnershipEnforced && o != OwnershipPreferred && o != OwnershipWriter {
			return errInvalidArgument("Invalid x-amz-object-ownership header", "x-amz-object-ownership", o)
		}
		ownership = o
	}
	// With ACLs disabled a bucket takes no ACL but the owner's own
	// (Amazon S3 API Reference, CreateBucket: "If your CreateBucket
	// request sets BucketOwnerEnforced … and specifies a bucket ACL that
	// provides access to an external AWS account, your request fails with
	// a 400 error and returns the InvalidBucketAclWithObjectOwnership
	// error code").
	if acl := q.r.Header.Get("X-Amz-Acl"); ownership == OwnershipEnforced && ((acl != "" && acl != "private") || hasGrantHeaders(q.r.Header)) {
		return awserr.New(http.StatusBadRequest, "InvalidBucketAclWithObjectOwnership", "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
	}
	// A new bucket has Block Public Access on, so a public ACL cannot be
	// set with it ("If you try to create a bucket with a public ACL, the
	// request will fail": Amazon S3 API Reference, CreateBucket).
	if ownership != OwnershipEnforced && publicACLHeaders(q.r.Header) {
		return awserr.New(http.StatusBadRequest, "InvalidBucketAclWithBlockPublicAccessError", "Bucket cannot have public ACLs set with BlockPublicAccess enabled")
	}
	acct := c.Account()
	if err := s.authorize(q, "s3:CreateBucket", Bucket{Name: q.bucket, Owner: acct}, nil, "", nil); err != nil {
		return err
	}
	// With ACLs enabled the bucket keeps the ACL the request gives it
	// (grants.go).
	var grants []Grant
	if ownership != OwnershipEnforced {
		if acl := q.r.Header.Get("X-Amz-Acl"); !knownCannedACL(acl) {
			return errInvalidArgument("", "x-amz-acl", acl)
		}
		if grants, err = s.requestGrants(q.r.Header, acct, true); err != nil {
			return err
		}
		grants = withoutOwner(grants, acct)
	}
	b := &bucketState{
		// Block Public Access is on, all four settings, for every new bucket
		// (Amazon S3 User Guide, "Blocking public access to your Amazon S3
		// storage": the default since April 2023).
		Bucket: Bucket{Name: q.bucket, Owner: acct, Region: region, Created: s.opts.Now().UTC(), Ownership: ownership, ACL: grants,
			PublicAccessBlock: &PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true}},
		objects: map[string]*Object{},
	}
	prev, err := s.store.addBucket(b)
	if err != nil {
		return err
	}
	if prev != nil {
		if prev.Owner != acct {
			return errBucketExists(q.bucket)
		}
		// In us-east-1 S3 answers 200 OK when you recreate a bucket you
		// own; elsewhere BucketAlreadyOwnedByYou (Amazon S3 API Reference,
		// CreateBucket).
		if prev.Region == "us-east-1" && region == "us-east-1" {
			// … and resets the bucket's ACL (Amazon S3 API Reference,
			// BucketAlreadyOwnedByYou) to the one this request gives.
			if prev.Ownership != OwnershipEnforced {
				if err := s.store.updateBucket(q.bucket, func(bs *bucketState) { bs.ACL = grants }); err != nil {
					return err
				}
			}
			q.w.Header().Set("Location", "/"+q.bucket)
			return q.noContent(http.StatusOK)
		}
		return errBucketOwned(q.bucket)
	}
	q.w.Header().Set("Location", "/"+q.bucket)
	return q.noContent(http.StatusOK)
}

func (s *Service) headBucket(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:ListBucket", b, pol, "", nil); err != nil {
		return err
	}
	q.w.Header().Set("x-amz-bucket-region", b.Region)
	return q.noContent(http.StatusOK)
}

func (s *Service) deleteBucket(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:DeleteBucket", b, pol, "", nil); err != nil {
		return err
	}
	if err := s.store.deleteBucket(q.bucket); err != nil {
		return err
	}
	return q.noContent(http.StatusNoContent)
}

func (s *Service) getBucketLocation(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:GetBucketLocation", b, pol, "", nil); err != nil {
		return err
	}
	loc := b.Region
	if loc == "us-east-1" {
		loc = ""
	}
	return q.writeXML(http.StatusOK, locationConstraint{Xmlns: xmlns, Value: loc})
}

// ownerOnly enforces that bucket-policy operations come from the bucket
// owner's account: others get 405 MethodNotAllowed once authorized, and the
// owner account's root user is allowed even when the policy denies it
// (Amazon S3 API Reference, PutBucketPolicy).
func (s *Service) ownerOnly(q *request, action string, b Bucket, pol *policy.Policy) error {
	c := q.call.Caller
	if c.Account() == b.Owner && c.Principal.Type == policy.PrincipalRoot {
		return nil
	}
	if err := s.authorize(q, action, b, pol, "", nil); err != nil {
		return err
	}
	if c.Account() != b.Owner {
		return errMethodNotAllowed(q.r.Method, "BUCKET")
	}
	return nil
}

func (s *Service) putBucketPolicy(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.ownerOnly(q, "s3:PutBucketPolicy", b, pol); err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(q.r.Body, 20*1024+1))
	if err != nil {
		return bodyError(err)
	}
	text := string(body)
	parsed, err := s.validateBucketPolicy(q.bucket, text)
	if err != nil {
		return err
	}
	if b.PublicAccessBlock != nil && b.PublicAccessBlock.BlockPublicPolicy && isPublic(parsed) {
		return errAccessDenied("User: " + q.call.Caller.ARN() + " is not authorized to perform: s3:PutBucketPolicy on resource: \"" +
			resourceARN(q.bucket, "") + "\" because public policies are blocked by the BlockPublicPolicy block public access setting.")
	}
	var refs map[string]string
	if s.opts.Principals != nil {
		refs = s.opts.Principals.BindPrincipals(text)
	}
	return s.updateBucket(q, func(bs *bucketState) {
		bs.Policy, bs.policy, bs.PolicyRefs = text, parsed, refs
	}, http.StatusNoContent)
}

// validateBucketPolicy refuses policies S3 refuses: invalid JSON or
// grammar, resources outside the bucket, non-S3 actions, principals that do
// not exist.
func (s *Service) validateBucketPolicy(bucket, text string) (*policy.Policy, error) {
	if len(text) > 20*1024 {
		return nil, errMalformedPolicy("Policies must be less than 20 KB")
	}
	p, err := policy.Parse(text, policy.KindResource)
	if err != nil {
		if pe, ok := err.(*policy.Error); ok {
			return nil, errMalformedPolicy(pe.Message)
		}
		return nil, errMalformedPolicy(err.Error())
	}
	prefix := "arn:aws:s3:::" + bucket
	for _, st := range p.Statements() {
		for _, r := range append(append([]string(nil), st.Resource...), st.NotResource...) {
			if r != prefix && !strings.HasPrefix(r, prefix+"/") && !policy.Glob(r, prefix, false) && !policy.Glob(r, prefix+"/x", false) {
				return nil, errMalformedPolicy("Policy has invalid resource")
			}
		}
		for _, a := range append(append([]string(nil), st.Action...), st.NotAction...) {
			if a != "*" && !strings.HasPrefix(strings.ToLower(a), "s3:") {
				return nil, errMalformedPolicy("Policy has invalid action")
			}
		}
		if s.opts.PrincipalExists != nil {
			for _, pr := range []policy.Principals{st.Principal, st.NotPrincipal} {
				for _, v := range pr["AWS"] {
					if (strings.Contains(v, ":role/") || strings.Contains(v, ":user/")) && !s.opts.PrincipalExists(v) {
						return nil, errMalformedPolicy("Invalid principal in policy")
					}
				}
			}
		}
	}
	return p, nil
}

func (s *Service) updateBucket(q *request, change func(bs *bucketState), status int) error {
	if err := s.store.updateBucket(q.bucket, change); err != nil {
		return err
	}
	return q.noContent(status)
}

func (s *Service) getBucketPolicy(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.ownerOnly(q, "s3:GetBucketPolicy", b, pol); err != nil {
		return err
	}
	if b.Policy == "" {
		return errNoSuchBucketPolicy(q.bucket)
	}
	q.commonHeaders()
	q.w.Header().Set("Content-Type", "application/json")
	q.w.Header().Set("Content-Length", strconv.Itoa(len(b.Policy)))
	q.w.WriteHeader(http.StatusOK)
	io.WriteString(q.w, b.Policy)
	return nil
}

func (s *Service) deleteBucketPolicy(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.ownerOnly(q, "s3:DeleteBucketPolicy", b, pol); err != nil {
		return err
	}
	return s.updateBucket(q, func(bs *bucketState) { bs.Policy, bs.policy, bs.PolicyRefs = "", nil, nil }, http.StatusNoContent)
}

func (s *Service) getOwnershipControls(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:GetBucketOwnershipControls", b, pol, "", nil); err != nil {
		return err
	}
	if b.Ownership == "" {
		return awserr.New(http.StatusNotFound, "OwnershipControlsNotFoundError", "The bucket ownership controls were not found").With("BucketName", b.Name)
	}
	oc := ownershipControls{Xmlns: xmlns}
	oc.Rules = append(oc.Rules, struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	}{b.Ownership})
	return q.writeXML(http.StatusOK, oc)
}

func (s *Service) putOwnershipControls(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:PutBucketOwnershipControls", b, pol, "", nil); err != nil {
		return err
	}
	var oc ownershipControls
	if err := decodeXMLBody(q, &oc); err != nil {
		return err
	}
	if len(oc.Rules) != 1 {
		return errMalformedXML()
	}
	o := oc.Rules[0].ObjectOwnership
	if o != OwnershipEnforced && o != OwnershipPreferred && o != OwnershipWriter {
		return errMalformedXML()
	}
	if o == OwnershipEnforced {
		if err := s.takeOwnership(q.bucket); err != nil {
			return err
		}
	}
	return s.updateBucket(q, func(bs *bucketState) { bs.Ownership = o }, http.StatusOK)
}

// takeOwnership makes the bucket owner the owner of every object in the
// bucket, as applying BucketOwnerEnforced does (Amazon S3 User Guide,
// "Controlling ownership of objects and disabling ACLs for your bucket":
// the bucket owner automatically owns and has full control over every
// object in the bucket). The change is kept when ACLs are enabled again.
func (s *Service) takeOwnership(bucket string) error {
	return s.store.takeOwnership(bucket)
}

func (s *Service) deleteOwnershipControls(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:PutBucketOwnershipControls", b, pol, "", nil); err != nil {
		return err
	}
	// Without ownership controls a bucket behaves as ObjectWriter (ACLs
	// enabled); Ownership "" records that there are none, so
	// GetBucketOwnershipControls answers OwnershipControlsNotFoundError.
	return s.updateBucket(q, func(bs *bucketState) { bs.Ownership = "" }, http.StatusNoContent)
}

func (s *Service) getPublicAccessBlock(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:GetBucketPublicAccessBlock", b, pol, "", nil); err != nil {
		return err
	}
	if b.PublicAccessBlock == nil {
		return awserr.New(http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found").With("BucketName", b.Name)
	}
	p := b.PublicAccessBlock
	return q.writeXML(http.StatusOK, publicAccessBlockXML{Xmlns: xmlns, BlockPublicAcls: p.BlockPublicAcls, IgnorePublicAcls: p.IgnorePublicAcls,
		BlockPublicPolicy: p.BlockPublicPolicy, RestrictPublicBuckets: p.RestrictPublicBuckets})
}

func (s *Service) putPublicAccessBlock(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:PutBucketPublicAccessBlock", b, pol, "", nil); err != nil {
		return err
	}
	var x publicAccessBlockXML
	if err := decodeXMLBody(q, &x); err != nil {
		return err
	}
	p := &PublicAccessBlock{BlockPublicAcls: x.BlockPublicAcls, IgnorePublicAcls: x.IgnorePublicAcls, BlockPublicPolicy: x.BlockPublicPolicy, RestrictPublicBuckets: x.RestrictPublicBuckets}
	return s.updateBucket(q, func(bs *bucketState) { bs.PublicAccessBlock = p }, http.StatusOK)
}

func (s *Service) deletePublicAccessBlock(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:PutBucketPublicAccessBlock", b, pol, "", nil); err != nil {
		return err
	}
	return s.updateBucket(q, func(bs *bucketState) { bs.PublicAccessBlock = nil }, http.StatusNoContent)
}

func ownerACL(owner string) accessControlPolicy {
	return accessControlPolicy{
		Xmlns: xmlns,
		Owner: ownerXML{ID: canonicalID(owner)},
		Grants: []grant{{Grantee: grantee{XMLNS: "http://www.w3.org/2001/XMLSchema-instance", Type: "CanonicalUser", ID: canonicalID(owner)},
			Permission: "FULL_CONTROL"}},
	}
}

func (s *Service) getBucketACL(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:GetBucketAcl", b, pol, "", nil); err != nil {
		return err
	}
	return q.writeXML(http.StatusOK, grantsXML(b.Owner, b.ACL))
}

func (s *Service) putBucketACL(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:PutBucketAcl", b, pol, "", nil); err != nil {
		return err
	}
	if acl := q.r.Header.Get("X-Amz-Acl"); b.Ownership == OwnershipEnforced && ((acl != "" && acl != "private" && acl != "bucket-owner-full-control") || hasGrantHeaders(q.r.Header)) {
		return errACLNotSupported()
	}
	body, x, hasBody, err := readACLBodyXML(q, b.Owner, b.Owner)
	if err != nil {
		return err
	}
	if hasBody {
		if err := body.check(b); err != nil {
			return err
		}
	}
	if publicCannedACLs[q.r.Header.Get("X-Amz-Acl")] && blocksPublicACLs(b) {
		return errAccessDenied("Access Denied")
	}
	if b.Ownership == OwnershipEnforced {
		return q.noContent(http.StatusOK)
	}
	// With ACLs enabled the grants are kept and enforced (grants.go).
	if acl := q.r.Header.Get("X-Amz-Acl"); !knownCannedACL(acl) {
		return errInvalidArgument("", "x-amz-acl", acl)
	}
	grants, err := s.requestGrants(q.r.Header, b.Owner, true)
	if err != nil {
		return err
	}
	if hasBody {
		if grants, err = s.bodyGrants(x, b.Owner); err != nil {
			return err
		}
	}
	grants = withoutOwner(grants, b.Owner)
	return s.updateBucket(q, func(bs *bucketState) { bs.ACL = grants }, http.StatusOK)
}

// hasGrantHeaders reports whether a request carries x-amz-grant-* headers.
func hasGrantHeaders(h http.Header) bool {
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-grant-") {
			return true
		}
	}
	return false
}

// decodeXMLBody reads a request's XML body into v: IncompleteBody when the
// body ends before its Content-Length, MalformedXML when it does not parse.
func decodeXMLBody(q *request, v any) error {
	body, err := io.ReadAll(io.LimitReader(q.r.Body, 1<<20))
	if err != nil {
		return bodyError(err)
	}
	if xml.Unmarshal(body, v) != nil {
		return errMalformedXML()
	}
	return nil
}
