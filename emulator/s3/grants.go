package s3

// ACL grants on buckets and objects whose ACLs are enabled (Object
// Ownership ObjectWriter or BucketOwnerPreferred): kept from canned ACLs,
// x-amz-grant-* headers and AccessControlPolicy bodies, returned by
// GetBucketAcl/GetObjectAcl and enforced as S3 maps ACL permissions to
// policy actions (Amazon S3 User Guide, "Access control list (ACL)
// overview": "Mapping of ACL permissions and access policy permissions").
// A grant is enforced as a resource-based policy statement naming the
// grantee's account (or everyone, for the AllUsers group), evaluated with
// the bucket policy; grants to AuthenticatedUsers and LogDelivery are kept
// and shown but grant nothing in the emulator.

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/policy"
)

const allUsersURI = "http://acs.amazonaws.com/groups/global/AllUsers"

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

// cannedGrants are the grants a canned ACL adds beyond the owner's
// (Amazon S3 User Guide, "Canned ACL").
func cannedGrants(acl, bucketOwner string) []Grant {
	switch acl {
	case "public-read":
		return []Grant{{URI: allUsersURI, Permission: "READ"}}
	case "public-read-write":
		return []Grant{{URI: allUsersURI, Permission: "READ"}, {URI: allUsersURI, Permission: "WRITE"}}
	case "authenticated-read":
		return []Grant{{URI: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers", Permission: "READ"}}
	case "bucket-owner-read":
		return []Grant{{Account: bucketOwner, Permission: "READ"}}
	case "bucket-owner-full-control":
		return []Grant{{Account: bucketOwner, Permission: "FULL_CONTROL"}}
	}
	return nil
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

// grantStatements turns grants into policy statements on resources.
func grantStatements(grants []Grant, actions map[string][]string, resources []string, ignorePublic bool) []map[string]any {
	var out []map[string]any
	for _, g := range grants {
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
		var principal any
		switch {
		case g.Account != "":
			principal = map[string]any{"AWS": "arn:aws:iam::" + g.Account + ":root"}
		case g.URI == allUsersURI && !ignorePublic:
			principal = "*"
		default:
			continue
		}
		out = append(out, map[string]any{"Sid": "AclGrant", "Effect": "Allow", "Principal": principal, "Action": acts, "Resource": resources})
	}
	return out
}

// withGrants returns the bucket policy combined with statements for the
// bucket's grants and, for an object request, the object's; pol itself
// when there are none.
func (s *Service) withGrants(b Bucket, pol *policy.Policy, key string) *policy.Policy {
	if b.Ownership == OwnershipEnforced || (len(b.ACL) == 0 && !b.ObjectACLs) {
		return pol
	}
	ignore := b.PublicAccessBlock != nil && b.PublicAccessBlock.IgnorePublicAcls
	arn := resourceARN(b.Name, "")
	stmts := grantStatements(b.ACL, bucketACLActions, []string{arn, arn + "/*"}, ignore)
	if key != "" && b.ObjectACLs {
		if o, ok := s.store.object(b.Name, key); ok && len(o.ACL) > 0 {
			stmts = append(stmts, grantStatements(o.ACL, objectACLActions, []string{resourceARN(b.Name, key)}, ignore)...)
		}
	}
	if len(stmts) == 0 {
		return pol
	}
	var all []any
	if b.Policy != "" {
		var doc map[string]any
		if json.Unmarshal([]byte(b.Policy), &doc) == nil {
			switch st := doc["Statement"].(type) {
			case []any:
				all = append(all, st...)
			case map[string]any:
				all = append(all, st)
			}
		}
	}
	for _, st := range stmts {
		all = append(all, st)
	}
	text, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": all})
	if err != nil {
		return pol
	}
	p, err := policy.Parse(string(text), policy.KindResource)
	if err != nil {
		return pol
	}
	return p
}

// objectGrants is the grants an object write or PutObjectAcl sets: the
// canned ACL's and the grant headers', or the body's when there is one.
func (s *Service) objectGrants(q *request, b Bucket, x aclBodyXML, hasBody bool) ([]Grant, error) {
	if hasBody {
		return s.bodyGrants(x, q.call.Caller.Account())
	}
	grants := cannedGrants(q.r.Header.Get("X-Amz-Acl"), b.Owner)
	hg, err := s.headerGrants(q.r.Header)
	if err != nil {
		return nil, err
	}
	return append(grants, hg...), nil
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
