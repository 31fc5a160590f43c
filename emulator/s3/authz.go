package s3

import (
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
// policy and the caller's policies, the bucket owner deciding the account
// situation; it returns S3's AccessDenied when AWS would refuse.
func (s *Service) authorize(q *request, action string, b Bucket, pol *policy.Policy, key string, cx map[string][]string) error {
	chk := service.Check{
		Action:          action,
		Resource:        resourceARN(b.Name, key),
		ResourceAccount: b.Owner,
		Context:         cx,
	}
	if rp := s.withGrants(b, pol, key); rp != nil {
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
