package s3

// ACL grants on buckets and objects whose ACLs are enabled (Object
// Ownership ObjectWriter or BucketOwnerPreferred): kept from canned ACLs,
// x-amz-grant-* headers and AccessControlPolicy bodies (on CreateBucket,
// PutBucketAcl, PutObject, CopyObject, CreateMultipartUpload, POST object
// and PutObjectAcl), returned by GetBucketAcl/GetObjectAcl and enforced
// as S3 maps ACL permissions to policy actions (Amazon S3 User Guide,
// "Access control list (ACL) overview": "Mapping of ACL permissions and
// access policy permissions"). A grant is enforced as a resource-based
// policy statement naming the grantee's account, everyone (AllUsers) or
// every signed request (AuthenticatedUsers); grants to LogDelivery are
// kept and shown but grant nothing, as server access logging is not
// emulated. authz.go decides in whose context they count.

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/policy"
)

// The predefined groups of S3 ACLs (Amazon S3 User Guide, "Access control
// list (ACL) overview": "Amazon S3 predefined groups").
const (
	allUsersURI    = "http://acs.amazonaws.com/groups/global/AllUsers"
	authUsersURI   = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
	logDeliveryURI = "http://acs.amazonaws.com/groups/s3/LogDelivery"
)

// Grant is one ACL grant beyond the owner's own full control.
type Grant struct {
	// Account is the grantee account of a CanonicalUser grant; URI the
	// group of a Group grant.
	Account    string `json:",omitempty"`
	URI        string `json:",omitempty"`
	Permission string
}

// aclActions are the actions each permission grants (Amazon S3 User Guide,
// "Mapping of ACL permissions and access policy permissions"); objects
// under a bucket's WRITE.
var bucketACLActions = map[string][]string{
	"READ":      {"s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"},
	"WRITE":     {"s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"},
	"READ_ACP":  {"s3:GetBucketAcl"},
	"WRITE_ACP": {"s3:PutBucketAcl"},
}

var objectACLActions = map[string][]string{
	"READ":      {"s3:GetObject", "s3:GetObjectVersion"},
	"READ_ACP":  {"s3:GetObjectAcl", "s3:GetObjectVersionAcl"},
	"WRITE_ACP": {"s3:PutObjectAcl", "s3:PutObjectVersionAcl"},
}

func errInvalidGrantID(id string) *awserr.Error {
	return errInvalidArgument("Invalid id", "CanonicalUser/ID", id)
}

// accountOf maps a canonical user id to its account among the accounts
// the emulator knows (IAM's and every bucket owner).
func (s *Service) accountOf(id string) (string, bool) {
	accts := map[string]bool{}
	if s.opts.Accounts != nil {
		for _, a := range s.opts.Accounts() {
			accts[a] = true
		}
	}
	for _, b := range s.store.allBuckets() {
		accts[b.Owner] = true
	}
	for a := range accts {
		if canonicalID(a) == id {
			return a, true
		}
	}
	return "", false
}

// cannedGrants are the grants a canned ACL adds beyond the owner's full
// control (Amazon S3 User Guide, "Canned ACL"): on a bucket,
// log-delivery-write gives the LogDelivery group WRITE and READ_ACP, and
// bucket-owner-read and bucket-owner-full-control are ignored ("If you
// specify this canned ACL when creating a bucket, Amazon S3 ignores it");
// on an object they grant the bucket owner READ or FULL_CONTROL.
// aws-exec-read's grant to Amazon EC2 is not modelled.
func cannedGrants(acl, bucketOwner string, onBucket bool) []Grant {
	switch acl {
	case "public-read":
		return []Grant{{URI: allUsersURI, Permission: "READ"}}
	case "public-read-write":
		return []Grant{{URI: allUsersURI, Permission: "READ"}, {URI: allUsersURI, Permission: "WRITE"}}
	case "authenticated-read":
		return []Grant{{URI: authUsersURI, Permission: "READ"}}
	case "log-delivery-write":
		if onBucket {
			return []Grant{{URI: logDeliveryURI, Permission: "WRITE"}, {URI: logDeliveryURI, Permission: "READ_ACP"}}
		}
	case "bucket-owner-read":
		if !onBucket {
			return []Grant{{Account: bucketOwner, Permission: "READ"}}
		}
	case "bucket-owner-full-control":
		if !onBucket {
			return []Grant{{Account: bucketOwner, Permission: "FULL_CONTROL"}}
		}
	}
	return nil
}

// withoutOwner drops the grants of owner's full control, which every ACL
// shows first anyway.
func withoutOwner(grants []Grant, owner string) []Grant {
	out := grants[:0:0]
	for _, g := range grants {
		if g.Account == owner && g.Permission == "FULL_CONTROL" {
			continue
		}
		out = append(out, g)
	}
	return out
}

// headerGrants parses x-amz-grant-* headers: comma-separated id="…",
// uri="…" or emailAddress="…" grantees. An id that is no known account's
// canonical id is InvalidArgument "Invalid id"; email grantees are
// refused as S3 refuses them outside the regions that took them.
func (s *Service) headerGrants(h http.Header) ([]Grant, error) {
	var out []Grant
	for _, perm := range []string{"read", "write", "read-acp", "write-acp", "full-control"} {
		for _, v := range h.Values("X-Amz-Grant-" + perm) {
			for _, g := range strings.Split(v, ",") {
				kind, val, ok := strings.Cut(strings.TrimSpace(g), "=")
				if !ok {
					return nil, errInvalidArgument("Invalid grant", "x-amz-grant-"+perm, v)
				}
				val = strings.Trim(strings.TrimSpace(val), `"`)
				p := strings.ToUpper(strings.ReplaceAll(perm, "-", "_"))
				switch strings.ToLower(strings.TrimSpace(kind)) {
				case "id":
					acct, ok := s.accountOf(val)
					if !ok {
						return nil, errInvalidGrantID(val)
					}
					out = append(out, Grant{Account: acct, Permission: p})
				case "uri":
					if !strings.HasPrefix(val, "http://acs.amazonaws.com/groups/") {
						return nil, errInvalidArgument("Invalid group uri", "uri", val)
					}
					out = append(out, Grant{URI: val, Permission: p})
				case "emailaddress":
					return nil, awserr.New(http.StatusBadRequest, "UnresolvableGrantByEmailAddress",
						"The e-mail address you provided does not match any account on record.").With("EmailAddress", val)
				default:
					return nil, errInvalidArgument("Invalid grant", "x-amz-grant-"+perm, v)
				}
			}
		}
	}
	return out, nil
}

// bodyGrants resolves the grants of an AccessControlPolicy body, except
// the owner's and the bucket owner's own.
func (s *Service) bodyGrants(x aclBodyXML, owner string) ([]Grant, error) {
	var out []Grant
	for _, g := range x.Grants {
		gt := g.Grantee
		switch gt.Type {
		case "CanonicalUser":
			acct, ok := s.accountOf(gt.ID)
			if !ok {
				return nil, errInvalidGrantID(gt.ID)
			}
			if acct == owner && g.Permission == "FULL_CONTROL" {
				continue
			}
			out = append(out, Grant{Account: acct, Permission: g.Permission})
		case "Group":
			out = append(out, Grant{URI: gt.URI, Permission: g.Permission})
		case "AmazonCustomerByEmail":
			return nil, awserr.New(http.StatusBadRequest, "UnresolvableGrantByEmailAddress",
				"The e-mail address you provided does not match any account on record.").With("EmailAddress", gt.EmailAddress)
		}
	}
	return out, nil
}

// grantsXML renders an ACL: the owner's full control, then the grants.
func grantsXML(owner string, grants []Grant) accessControlPolicy {
	acl := ownerACL(owner)
	for _, g := range grants {
		ge := grantee{XMLNS: "http://www.w3.org/2001/XMLSchema-instance", Type: "CanonicalUser", ID: canonicalID(g.Account)}
		if g.URI != "" {
			ge = grantee{XMLNS: "http://www.w3.org/2001/XMLSchema-instance", Type: "Group", URI: g.URI}
		}
		acl.Grants = append(acl.Grants, grant{Grantee: ge, Permission: g.Permission})
	}
	return acl
}

// grantStatements turns grants into policy statements on resources. With
// ignorePublic (IgnorePublicAcls) grants to AllUsers and
// AuthenticatedUsers, the public ones, grant nothing.
func grantStatements(sid string, grants []Grant, actions map[string][]string, resources []string, ignorePublic bool) []map[string]any {
	var out []map[string]any
	for i, g := range grants {
		var acts []string
		if g.Permission == "FULL_CONTROL" {
			for _, a := range []string{"READ", "WRITE", "READ_ACP", "WRITE_ACP"} {
				acts = append(acts, actions[a]...)
			}
		} else {
			acts = actions[g.Permission]
		}
		if len(acts) == 0 {
			continue
		}
		// Statement ids are unique in a policy: one per grant.
		st := map[string]any{"Sid": sid + strconv.Itoa(i+1), "Effect": "Allow", "Action": acts, "Resource": resources}
		switch {
		case g.Account != "":
			st["Principal"] = map[string]any{"AWS": "arn:aws:iam::" + g.Account + ":root"}
		case g.URI == allUsersURI && !ignorePublic:
			st["Principal"] = "*"
		case g.URI == authUsersURI && !ignorePublic:
			// Every signed request, from any account, and no anonymous one
			// (Amazon S3 User Guide, "Access control list (ACL) overview":
			// the Authenticated Users group stands for all AWS accounts,
			// and its requests must be signed); a principal of another
			// account still needs its own account's permission.
			st["Principal"] = "*"
			st["Condition"] = map[string]any{"StringNotEquals": map[string]any{"aws:PrincipalType": "Anonymous"}}
		default:
			// LogDelivery: server access logging is not emulated.
			continue
		}
		out = append(out, st)
	}
	return out
}

// withGrants returns the bucket policy combined with statements for the
// bucket's grants and, for an object request, the grants of the object o
// (nil: none); pol itself when there are none.
func withGrants(b Bucket, pol *policy.Policy, key string, o *Object) *policy.Policy {
	if b.Ownership == OwnershipEnforced || (len(b.ACL) == 0 && (o == nil || len(o.ACL) == 0)) {
		return pol
	}
	ignore := b.PublicAccessBlock != nil && b.PublicAccessBlock.IgnorePublicAcls
	arn := resourceARN(b.Name, "")
	stmts := grantStatements("XacctBucketAclGrant", b.ACL, bucketACLActions, []string{arn, arn + "/*"}, ignore)
	if key != "" && o != nil {
		stmts = append(stmts, grantStatements("XacctObjectAclGrant", o.ACL, objectACLActions, []string{resourceARN(b.Name, key)}, ignore)...)
	}
	if len(stmts) == 0 {
		return pol
	}
	return combined(b.Policy, func(map[string]any) bool { return true }, stmts, pol)
}

// objectOwnerPolicy is the resource-based policy an object another account
// owns is decided with: its ACL's statements, and the Deny statements of
// the bucket policy, the only part of it that applies to objects the
// bucket owner does not own (Amazon S3 User Guide, "How Amazon S3
// authorizes a request for an object operation": in the bucket context S3
// checks only whether the bucket owner explicitly denied access; "Bucket
// policies for Amazon S3": the permissions of a bucket policy "don't apply
// to objects that are owned by other AWS accounts"). It is nil when there
// is neither.
func objectOwnerPolicy(b Bucket, key string, o *Object) *policy.Policy {
	ignore := b.PublicAccessBlock != nil && b.PublicAccessBlock.IgnorePublicAcls
	stmts := grantStatements("XacctObjectAclGrant", o.ACL, objectACLActions, []string{resourceARN(b.Name, key)}, ignore)
	deny := func(st map[string]any) bool { return st["Effect"] == "Deny" }
	return combined(b.Policy, deny, stmts, nil)
}

// combined parses a resource policy made of the statements of text that
// keep selects, followed by stmts; fallback when there are none or they
// do not parse.
func combined(text string, keep func(map[string]any) bool, stmts []map[string]any, fallback *policy.Policy) *policy.Policy {
	var all []any
	if text != "" {
		var doc map[string]any
		if json.Unmarshal([]byte(text), &doc) == nil {
			var list []any
			switch st := doc["Statement"].(type) {
			case []any:
				list = st
			case map[string]any:
				list = []any{st}
			}
			for _, st := range list {
				if m, ok := st.(map[string]any); ok && keep(m) {
					all = append(all, m)
				}
			}
		}
	}
	for _, st := range stmts {
		all = append(all, st)
	}
	if len(all) == 0 {
		return fallback
	}
	out, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": all})
	if err != nil {
		return fallback
	}
	p, err := policy.Parse(string(out), policy.KindResource)
	if err != nil {
		return fallback
	}
	return p
}

// objectGrants is the grants an object write or PutObjectAcl sets: the
// canned ACL's and the grant headers', or the body's when there is one.
func (s *Service) objectGrants(q *request, b Bucket, x aclBodyXML, hasBody bool) ([]Grant, error) {
	if hasBody {
		return s.bodyGrants(x, q.call.Caller.Account())
	}
	return s.requestGrants(q.r.Header, b.Owner, false)
}

// requestGrants is the grants of a request's x-amz-acl and x-amz-grant-*
// headers.
func (s *Service) requestGrants(h http.Header, bucketOwner string, onBucket bool) ([]Grant, error) {
	grants := cannedGrants(h.Get("X-Amz-Acl"), bucketOwner, onBucket)
	hg, err := s.headerGrants(h)
	if err != nil {
		return nil, err
	}
	return append(grants, hg...), nil
}

// writeGrants is the ACL a new object written by q gets (PutObject,
// CopyObject, CreateMultipartUpload, POST object): none with ACLs
// disabled; otherwise the request's grants beyond the full control of
// owner, the object's owner. A copy does not take its source's ACL
// (Amazon S3 API Reference, CopyObject: by default the new object is
// private).
func (s *Service) writeGrants(h http.Header, b Bucket, owner string) ([]Grant, error) {
	if b.Ownership == OwnershipEnforced || (h.Get("X-Amz-Acl") == "" && !hasGrantHeaders(h)) {
		return nil, nil
	}
	g, err := s.requestGrants(h, b.Owner, false)
	if err != nil {
		return nil, err
	}
	return withoutOwner(g, owner), nil
}

// hasAccountGrant reports whether grants give acct permission.
func hasAccountGrant(grants []Grant, acct, permission string) bool {
	for _, g := range grants {
		if g.Account == acct && g.Permission == permission {
			return true
		}
	}
	return false
}
