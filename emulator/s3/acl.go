package s3

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
)

// aclBodyXML is the AccessControlPolicy a PutObjectAcl or PutBucketAcl
// body carries (Amazon S3 API Reference, PutObjectAcl: "Request Syntax").
type aclBodyXML struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Owner   *struct {
		ID string `xml:"ID"`
	} `xml:"Owner"`
	Grants []struct {
		Grantee *struct {
			Type         string `xml:"type,attr"`
			ID           string `xml:"ID"`
			URI          string `xml:"URI"`
			EmailAddress string `xml:"EmailAddress"`
		} `xml:"Grantee"`
		Permission string `xml:"Permission"`
	} `xml:"AccessControlList>Grant"`
}

// aclBody is what the emulator keeps of an ACL body: whether it grants to
// the public, to anyone but the owner, and full control to the bucket
// owner.
type aclBody struct {
	public, others, bucketOwnerFull bool
}

// check refuses an ACL body the bucket does not take: grants to others
// under BucketOwnerEnforced, public grants under BlockPublicAcls.
func (a aclBody) check(b Bucket) error {
	if b.Ownership == OwnershipEnforced && a.others {
		return errACLNotSupported()
	}
	if a.public && blocksPublicACLs(b) {
		return errAccessDenied("Access Denied")
	}
	return nil
}

var aclPermissions = map[string]bool{"FULL_CONTROL": true, "READ": true, "WRITE": true, "READ_ACP": true, "WRITE_ACP": true}

// readACLBody parses an ACL body; ok is false when there is none. A body
// that is not a well-formed AccessControlPolicy with known grantee types
// and permissions is MalformedACLError.
func readACLBody(q *request, owner, bucketOwner string) (acl aclBody, ok bool, err error) {
	acl, _, ok, err = readACLBodyXML(q, owner, bucketOwner)
	return acl, ok, err
}

// readACLBodyXML is readACLBody that also returns the parsed body.
func readACLBodyXML(q *request, owner, bucketOwner string) (acl aclBody, x aclBodyXML, ok bool, err error) {
	if q.r.Body == nil {
		return aclBody{}, x, false, nil
	}
	data, err := io.ReadAll(io.LimitReader(q.r.Body, 64<<10+1))
	if err != nil {
		return aclBody{}, x, false, bodyError(err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return aclBody{}, x, false, nil
	}
	if len(data) > 64<<10 || xml.Unmarshal(data, &x) != nil || x.Owner == nil || x.Owner.ID == "" {
		return aclBody{}, x, false, errMalformedACL()
	}
	for _, g := range x.Grants {
		if g.Grantee == nil || !aclPermissions[g.Permission] {
			return aclBody{}, x, false, errMalformedACL()
		}
		switch gt := g.Grantee; gt.Type {
		case "CanonicalUser":
			if gt.ID == "" {
				return aclBody{}, x, false, errMalformedACL()
			}
			if gt.ID == canonicalID(bucketOwner) && g.Permission == "FULL_CONTROL" {
				acl.bucketOwnerFull = true
			}
			if gt.ID != canonicalID(owner) && gt.ID != canonicalID(bucketOwner) {
				acl.others = true
			}
		case "Group":
			if !strings.HasPrefix(gt.URI, "http://acs.amazonaws.com/groups/") {
				return aclBody{}, x, false, errMalformedACL()
			}
			acl.others = true
			acl.public = acl.public || publicGrantee(gt.URI)
		case "AmazonCustomerByEmail":
			if gt.EmailAddress == "" {
				return aclBody{}, x, false, errMalformedACL()
			}
			acl.others = true
		default:
			return aclBody{}, x, false, errMalformedACL()
		}
	}
	return acl, x, true, nil
}
