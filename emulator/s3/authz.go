package s3

import (
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// resourceARN is the ARN of a bucket, or of an object when key is set.
func resourceARN(bucket, key string) string {
	if key == "" {
		return "arn:aws:s3:::" + bucket
	}
	return "arn:aws:s3:::" + bucket + "/" + key
}

// authorize decides action on the bucket (or object key) with the bucket's
// policy and ACLs and the caller's policies; it returns S3's AccessDenied
// when AWS would refuse. An action S3 decides in the object's context (a
// read of the object or of its ACL or tags) is decided on the object key
// names — the version ?versionId= names, for the request's own key — as
// authorizeObject decides it.
func (s *Service) authorize(q *request, action string, b Bucket, pol *policy.Policy, key string, cx map[string][]string) error {
	var o *Object
	if key != "" && b.Ownership != OwnershipEnforced && objectContext[action] {
		ref := versionRef{}
		if key == q.key && q.has("versionId") {
			ref = versionRef{storedVersionID(q.get("versionId")), true}
		}
		if v, ok := s.store.lookup(b.Name, key, ref); ok && !v.DeleteMarker {
			o = v
		}
	}
	return s.authorizeObject(q, action, b, pol, key, o, cx)
}

// objectContext are the actions on an existing object that S3 decides
// with the object owner's permissions (Amazon S3 User Guide, "How Amazon
// S3 authorizes a request for an object operation"). Writing and deleting
// an object are the bucket's: the bucket owner decides them whoever owns
// the object.
var objectContext = map[string]bool{
	"s3:GetObject": true, "s3:GetObjectVersion": true,
	"s3:GetObjectAcl": true, "s3:GetObjectVersionAcl": true,
	"s3:PutObjectAcl": true, "s3:PutObjectVersionAcl": true,
	"s3:GetObjectTagging": true, "s3:GetObjectVersionTagging": true,
	"s3:PutObjectTagging": true, "s3:PutObjectVersionTagging": true,
	"s3:DeleteObjectTagging": true, "s3:DeleteObjectVersionTagging": true,
	"s3:GetObjectAttributes": true, "s3:GetObjectVersionAttributes": true,
	"s3:RestoreObject": true,
}

// authorizeObject decides action on key, whose object (the version the
// request is about) is o, nil when there is none or the action is not on
// an object. An object owned by the bucket owner is decided with the
// bucket policy and the bucket's and the object's ACLs, in the bucket
// owner's account. One another account owns — written by it under
// ObjectWriter, or under BucketOwnerPreferred without the
// bucket-owner-full-control canned ACL — is decided in its owner's
// account with its ACL and only the Deny statements of the bucket policy
// (Amazon S3 User Guide, "How Amazon S3 authorizes a request for an
// object operation": the bucket context can only deny, "If the owners are
// different, the object owners must use an object ACL to grant
// permissions"): the bucket owner's principals, root included, read it
// only as far as its ACL grants their account.
func (s *Service) authorizeObject(q *request, action string, b Bucket, pol *policy.Policy, key string, o *Object, cx map[string][]string) error {
	chk := service.Check{
		Action:          action,
		Resource:        resourceARN(b.Name, key),
		ResourceAccount: b.Owner,
		Context:         cx,
	}
	if o != nil && o.Owner != "" && o.Owner != b.Owner && b.Ownership != OwnershipEnforced && objectContext[action] {
		chk.ResourceAccount = o.Owner
		if rp := objectOwnerPolicy(b, key, o); rp != nil {
			chk.ResourcePolicy = &policy.Named{Name: "ACL of object " + key + " (owned by account " + o.Owner + ") with the bucket policy's Deny statements", Policy: rp}
		}
		chk.Diagnose = foreignObjectDiagnosis(q.call.Caller, chk, b, o)
	} else if rp := withGrants(b, pol, key, o); rp != nil {
		chk.ResourcePolicy = &policy.Named{Name: "bucket policy of " + b.Name, Policy: rp}
	}
	d := q.call.Authz.Decide(q.ctx, q.call, chk)
	if !d.Allowed() {
		return denied(q.call, chk, d)
	}
	if restricted(q.call.Caller, b, pol) {
		return service.Explained(errAccessDenied("Access Denied"), chk.Action+" on "+chk.Resource+
			": the bucket policy is public and the RestrictPublicBuckets block public access setting limits access to AWS service principals and the bucket owner's account")
	}
	return nil
}

// foreignObjectDiagnosis explains a refused request for object o, owned
// by another account than bucket b's owner — the classic cross-account
// upload whose bucket owner then cannot read what was written into its
// own bucket. It leaves the object owner's own principals to the generic
// diagnosis.
func foreignObjectDiagnosis(c *service.Caller, chk service.Check, b Bucket, o *Object) func(policy.Decision) string {
	return func(d policy.Decision) string {
		if c != nil && !c.Anonymous() && c.Account() == o.Owner {
			return ""
		}
		what := chk.Action + " on " + chk.Resource
		if d.Effect == policy.ExplicitDeny {
			return "explicit deny: the bucket policy of " + b.Name + " denies " + what +
				" (a Deny of the bucket owner applies to every object in the bucket, whoever owns it)"
		}
		who, acct := "an anonymous caller", "anonymous callers"
		if c != nil && !c.Anonymous() {
			who, acct = c.ARN(), "account "+c.Account()
			if c.Principal.RoleARN != "" {
				who = c.Principal.RoleARN
			}
		}
		ownership := "ObjectWriter"
		if b.Ownership == OwnershipPreferred {
			ownership = "BucketOwnerPreferred, which gives the bucket owner only the objects written with the bucket-owner-full-control canned ACL"
		}
		why := "object ownership: " + chk.Resource + " is owned by account " + o.Owner + ", not by the bucket owner " + b.Owner +
			" (an object another account writes into a bucket whose Object Ownership is " + ownership + " stays the writer's); " +
			"S3 decides " + chk.Action + " on it in the object owner's context: the bucket policy of " + b.Name +
			" does not apply to objects other accounts own (it can only deny), so only the object's ACL can grant access"
		var parts []string
		for _, m := range d.Missing {
			switch m {
			case policy.SourceResource:
				parts = append(parts, why+", and it grants "+acct+" nothing covering "+chk.Action+
					"; fix: the writer uploads with the bucket-owner-full-control canned ACL (x-amz-acl: bucket-owner-full-control; with BucketOwnerPreferred the bucket owner then owns the object) or grants access with PutObjectAcl, "+
					"or the bucket owner sets Object Ownership to BucketOwnerEnforced, which disables ACLs and makes it the owner of every object in the bucket")
			case policy.SourceIdentity:
				parts = append(parts, "no identity-based policy of "+who+" allows "+what+
					" (the object is account "+o.Owner+"'s: a principal of another account needs its own account's permission besides the object's ACL grant)")
			case policy.SourceBoundary:
				parts = append(parts, "the permissions boundary of "+who+" does not allow "+what)
			case policy.SourceSession:
				parts = append(parts, "the session policy of "+c.ARN()+" does not allow "+what)
			}
		}
		if len(parts) == 0 {
			return ""
		}
		return strings.Join(parts, "; ") + " (" + d.Explain() + ")"
	}
}

// restricted reports whether RestrictPublicBuckets keeps the caller out:
// with a public bucket policy, only AWS service principals and principals
// of the bucket owner's account are served; anonymous and cross-account
// access through that policy, even to specific accounts it names, is
// blocked (Amazon S3 API Reference, PublicAccessBlockConfiguration:
// RestrictPublicBuckets).
func restricted(c *service.Caller, b Bucket, pol *policy.Policy) bool {
	pab := b.PublicAccessBlock
	if pab == nil || !pab.RestrictPublicBuckets || pol == nil {
		return false
	}
	if !c.Anonymous() && (c.Principal.Type == policy.PrincipalService || c.Account() == b.Owner) {
		return false
	}
	return isPublic(pol)
}

// denied is S3's AccessDenied: with the caller, action, resource and reason
// for requests inside the bucket owner's account, and for requests from
// the bucket owner's organization that an SCP or RCP refused; a bare
// "Access Denied" otherwise (Amazon S3 User Guide, "Troubleshoot access
// denied (403 Forbidden) errors": the additional context is given "for
// requests made to resources within the same AWS account or same
// organization in AWS Organizations").
func denied(call *service.Call, chk service.Check, d policy.Decision) *awserr.Error {
	c := call.Caller
	why := service.Diagnose(call, chk, d)
	if c.Anonymous() {
		return service.Explained(errAccessDenied("Access Denied"), why)
	}
	reason := service.Reason(call, chk, d)
	if reason == "" && chk.ResourceAccount != "" && chk.ResourceAccount != c.Account() {
		return service.Explained(errAccessDenied("Access Denied"), why)
	}
	return service.Explained(errAccessDenied("User: "+c.ARN()+" is not authorized to perform: "+chk.Action+
		" on resource: \""+chk.Resource+"\""+reason), why)
}

// requireBucket loads a bucket or fails with NoSuchBucket.
func (s *Service) requireBucket(name string) (Bucket, *policy.Policy, error) {
	if !validBucketName(name) && !legacyBucketName(name) {
		return Bucket{}, nil, errInvalidBucketName(name)
	}
	b, pol, ok := s.store.bucket(name)
	if !ok {
		return Bucket{}, nil, errNoSuchBucket(name)
	}
	if s.opts.Principals != nil && len(b.PolicyRefs) > 0 {
		// A role or user the policy names was deleted: the policy reads,
		// and is evaluated, with its unique id in its place.
		if text, changed := s.opts.Principals.ResolvePrincipals(b.Policy, b.PolicyRefs); changed {
			if p, err := policy.Parse(text, policy.KindResource); err == nil {
				b.Policy, pol = text, p
			}
		}
	}
	return b, pol, nil
}
