// This file provisions S3 resources: AWS::S3::Bucket and AWS::S3::BucketPolicy.

package cloudformation

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func init() {
	register("AWS::S3::Bucket", provider{
		known: []string{"BucketName", "OwnershipControls", "PublicAccessBlockConfiguration", "Tags", "BucketEncryption",
			"LifecycleConfiguration", "CorsConfiguration", "VersioningConfiguration"},
		replaceOn: []string{"BucketName"},
		create:    createBucket, update: updateBucket,
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			_, err := d.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(r.PhysicalID)})
			return ignoreCodes(err, "NoSuchBucket")
		},
	})
	register("AWS::S3::BucketPolicy", provider{
		known:     []string{"Bucket", "PolicyDocument"},
		required:  []string{"Bucket", "PolicyDocument"},
		replaceOn: []string{"Bucket"},
		create: func(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
			_, err := d.s3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(p.str("Bucket")), Policy: aws.String(p.doc("PolicyDocument"))})
			return p.str("Bucket"), map[string]any{}, err
		},
		update: func(ctx context.Context, d *deployer, st *stack, r *resource, p props) (map[string]any, error) {
			_, err := d.s3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(p.str("Bucket")), Policy: aws.String(p.doc("PolicyDocument"))})
			return nil, err
		},
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			_, err := d.s3.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(r.PhysicalID)})
			return ignoreCodes(err, "NoSuchBucket", "NoSuchBucketPolicy")
		},
	})
}

func createBucket(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
	name := p.str("BucketName")
	if name == "" {
		name = genName(st, id, 63, true)
	}
	if _, err := d.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &name}); err == nil {
		return "", nil, alreadyExists("AWS::S3::Bucket", name)
	}
	in := &s3.CreateBucketInput{Bucket: &name}
	if d.region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(d.region)}
	}
	if _, err := d.s3.CreateBucket(ctx, in); err != nil {
		return "", nil, err
	}
	if err := bucketSettings(ctx, d, name, nil, p); err != nil {
		d.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &name})
		return "", nil, err
	}
	return name, map[string]any{
		"Arn":                 "arn:aws:s3:::" + name,
		"DomainName":          name + ".s3.amazonaws.com",
		"RegionalDomainName":  name + ".s3." + d.region + ".amazonaws.com",
		"DualStackDomainName": name + ".s3.dualstack." + d.region + ".amazonaws.com",
		"WebsiteURL":          "http://" + name + ".s3-website-" + d.region + ".amazonaws.com",
	}, nil
}

func updateBucket(ctx context.Context, d *deployer, st *stack, r *resource, p props) (map[string]any, error) {
	return nil, bucketSettings(ctx, d, r.PhysicalID, props(r.Props), p)
}

// bucketSettings applies OwnershipControls, the public access block and
// BucketEncryption.
func bucketSettings(ctx context.Context, d *deployer, name string, old, p props) error {
	if err := bucketEncryption(ctx, d, name, old, p); err != nil {
		return err
	}
	if err := bucketConfiguration(ctx, d, name, old, p); err != nil {
		return err
	}
	if changed(old, p, "OwnershipControls") {
		var err error
		if oc := p.obj("OwnershipControls"); oc != nil {
			var rules []s3types.OwnershipControlsRule
			for _, r := range oc.objs("Rules") {
				rules = append(rules, s3types.OwnershipControlsRule{ObjectOwnership: s3types.ObjectOwnership(r.str("ObjectOwnership"))})
			}
			_, err = d.s3.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: &name, OwnershipControls: &s3types.OwnershipControls{Rules: rules}})
		} else if old != nil {
			_, err = d.s3.DeleteBucketOwnershipControls(ctx, &s3.DeleteBucketOwnershipControlsInput{Bucket: &name})
		}
		if err != nil {
			return err
		}
	}
	if changed(old, p, "PublicAccessBlockConfiguration") {
		if pab := p.obj("PublicAccessBlockConfiguration"); pab != nil {
			c := &s3types.PublicAccessBlockConfiguration{}
			var err error
			if c.BlockPublicAcls, err = pab.boolp("BlockPublicAcls"); err != nil {
				return err
			}
			if c.BlockPublicPolicy, err = pab.boolp("BlockPublicPolicy"); err != nil {
				return err
			}
			if c.IgnorePublicAcls, err = pab.boolp("IgnorePublicAcls"); err != nil {
				return err
			}
			if c.RestrictPublicBuckets, err = pab.boolp("RestrictPublicBuckets"); err != nil {
				return err
			}
			if _, err := d.s3.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: &name, PublicAccessBlockConfiguration: c}); err != nil {
				return err
			}
		} else if old != nil {
			if _, err := d.s3.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: &name}); err != nil {
				return err
			}
		}
	}
	return bucketVersioning(ctx, d, name, old, p)
}

// bucketVersioning applies VersioningConfiguration (Status Enabled or
// Suspended; AWS CloudFormation User Guide, AWS::S3::Bucket
// VersioningConfiguration). A bucket's versioning cannot be turned off, so
// removing the property from a versioned bucket suspends it.
func bucketVersioning(ctx context.Context, d *deployer, name string, old, p props) error {
	if !changed(old, p, "VersioningConfiguration") {
		return nil
	}
	status := s3types.BucketVersioningStatusSuspended
	if vc := p.obj("VersioningConfiguration"); vc != nil {
		status = s3types.BucketVersioningStatus(vc.str("Status"))
	} else if old == nil || old.obj("VersioningConfiguration") == nil {
		return nil
	}
	_, err := d.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &name, VersioningConfiguration: &s3types.VersioningConfiguration{Status: status}})
	return err
}

// bucketEncryption applies BucketEncryption (CloudFormation User Guide,
// AWS::S3::Bucket BucketEncryption: ServerSideEncryptionConfiguration
// rules of ServerSideEncryptionByDefault, BucketKeyEnabled and
// BlockedEncryptionTypes) with PutBucketEncryption, which answers for what
// the emulator does not take (SSE-KMS); removing it deletes the
// configuration, back to S3's SSE-S3 default.
func bucketEncryption(ctx context.Context, d *deployer, name string, old, p props) error {
	if !changed(old, p, "BucketEncryption") {
		return nil
	}
	be := p.obj("BucketEncryption")
	if be == nil {
		if old == nil {
			return nil
		}
		_, err := d.s3.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: &name})
		return err
	}
	var rules []s3types.ServerSideEncryptionRule
	for _, r := range be.objs("ServerSideEncryptionConfiguration") {
		rule := s3types.ServerSideEncryptionRule{}
		if def := r.obj("ServerSideEncryptionByDefault"); def != nil {
			rule.ApplyServerSideEncryptionByDefault = &s3types.ServerSideEncryptionByDefault{
				SSEAlgorithm: s3types.ServerSideEncryption(def.str("SSEAlgorithm")), KMSMasterKeyID: def.strp("KMSMasterKeyID")}
		}
		var err error
		if rule.BucketKeyEnabled, err = r.boolp("BucketKeyEnabled"); err != nil {
			return err
		}
		if bt := r.obj("BlockedEncryptionTypes"); bt != nil {
			rule.BlockedEncryptionTypes = &s3types.BlockedEncryptionTypes{}
			for _, t := range bt.strs("EncryptionType") {
				rule.BlockedEncryptionTypes.EncryptionType = append(rule.BlockedEncryptionTypes.EncryptionType, s3types.EncryptionType(t))
			}
		}
		rules = append(rules, rule)
	}
	_, err := d.s3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: &name,
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: rules}})
	return err
}

// bucketConfiguration applies Tags, LifecycleConfiguration and
// CorsConfiguration (CloudFormation User Guide, AWS::S3::Bucket: Tags,
// LifecycleConfiguration Rule, CorsConfiguration CorsRule) with
// Put/DeleteBucketTagging, Put/DeleteBucketLifecycle(Configuration) and
// Put/DeleteBucketCors, so S3 validates them as it validates the API's.
func bucketConfiguration(ctx context.Context, d *deployer, name string, old, p props) error {
	if changed(old, p, "Tags") {
		var tags []s3types.Tag
		for _, t := range p.objs("Tags") {
			tags = append(tags, s3types.Tag{Key: aws.String(t.str("Key")), Value: aws.String(t.str("Value"))})
		}
		var err error
		if len(tags) > 0 {
			_, err = d.s3.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: &name, Tagging: &s3types.Tagging{TagSet: tags}})
		} else if old != nil {
			_, err = d.s3.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: &name})
		}
		if err != nil {
			return err
		}
	}
	if changed(old, p, "LifecycleConfiguration") {
		var err error
		if lc := p.obj("LifecycleConfiguration"); lc != nil {
			var rules []s3types.LifecycleRule
			for _, r := range lc.objs("Rules") {
				rule, err := lifecycleRule(r)
				if err != nil {
					return err
				}
				rules = append(rules, rule)
			}
			_, err = d.s3.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: &name,
				LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: rules}})
		} else if old != nil {
			_, err = d.s3.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: &name})
		}
		if err != nil {
			return err
		}
	}
	if changed(old, p, "CorsConfiguration") {
		var err error
		if cc := p.obj("CorsConfiguration"); cc != nil {
			var rules []s3types.CORSRule
			for _, r := range cc.objs("CorsRules") {
				maxAge, err := r.i32p("MaxAge")
				if err != nil {
					return err
				}
				rules = append(rules, s3types.CORSRule{ID: r.strp("Id"), AllowedHeaders: r.strs("AllowedHeaders"), AllowedMethods: r.strs("AllowedMethods"),
					AllowedOrigins: r.strs("AllowedOrigins"), ExposeHeaders: r.strs("ExposedHeaders"), MaxAgeSeconds: maxAge})
			}
			_, err = d.s3.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: &name, CORSConfiguration: &s3types.CORSConfiguration{CORSRules: rules}})
		} else if old != nil {
			_, err = d.s3.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: &name})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// lifecycleRule converts a LifecycleConfiguration Rule: Prefix, TagFilters
// and the object size limits become the API's Filter (an And when more
// than one is given), ExpirationInDays/ExpirationDate/
// ExpiredObjectDeleteMarker the Expiration, and Transition(s) and
// NoncurrentVersion* their API counterparts.
func lifecycleRule(r props) (s3types.LifecycleRule, error) {
	rule := s3types.LifecycleRule{ID: r.strp("Id"), Status: s3types.ExpirationStatus(r.str("Status"))}
	var tags []s3types.Tag
	for _, t := range r.objs("TagFilters") {
		tags = append(tags, s3types.Tag{Key: aws.String(t.str("Key")), Value: aws.String(t.str("Value"))})
	}
	gt, err := int64p(r, "ObjectSizeGreaterThan")
	if err != nil {
		return rule, err
	}
	lt, err := int64p(r, "ObjectSizeLessThan")
	if err != nil {
		return rule, err
	}
	n := len(tags)
	for _, set := range []bool{r.has("Prefix"), gt != nil, lt != nil} {
		if set {
			n++
		}
	}
	f := &s3types.LifecycleRuleFilter{}
	switch {
	case n > 1:
		f.And = &s3types.LifecycleRuleAndOperator{Prefix: r.strp("Prefix"), Tags: tags, ObjectSizeGreaterThan: gt, ObjectSizeLessThan: lt}
	case len(tags) == 1:
		f.Tag = &tags[0]
	default:
		f.Prefix, f.ObjectSizeGreaterThan, f.ObjectSizeLessThan = r.strp("Prefix"), gt, lt
		if n == 0 {
			f.Prefix = aws.String("")
		}
	}
	rule.Filter = f
	days, err := r.i32p("ExpirationInDays")
	if err != nil {
		return rule, err
	}
	marker, err := r.boolp("ExpiredObjectDeleteMarker")
	if err != nil {
		return rule, err
	}
	date, err := timep(r, "ExpirationDate")
	if err != nil {
		return rule, err
	}
	if days != nil || marker != nil || date != nil {
		rule.Expiration = &s3types.LifecycleExpiration{Days: days, ExpiredObjectDeleteMarker: marker, Date: date}
	}
	if a := r.obj("AbortIncompleteMultipartUpload"); a != nil {
		d, err := a.i32p("DaysAfterInitiation")
		if err != nil {
			return rule, err
		}
		rule.AbortIncompleteMultipartUpload = &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: d}
	}
	if nv := r.obj("NoncurrentVersionExpiration"); nv != nil {
		d, err := nv.i32p("NoncurrentDays")
		if err != nil {
			return rule, err
		}
		newer, err := nv.i32p("NewerNoncurrentVersions")
		if err != nil {
			return rule, err
		}
		rule.NoncurrentVersionExpiration = &s3types.NoncurrentVersionExpiration{NoncurrentDays: d, NewerNoncurrentVersions: newer}
	} else if r.has("NoncurrentVersionExpirationInDays") {
		d, err := r.i32p("NoncurrentVersionExpirationInDays")
		if err != nil {
			return rule, err
		}
		rule.NoncurrentVersionExpiration = &s3types.NoncurrentVersionExpiration{NoncurrentDays: d}
	}
	transitions := r.objs("Transitions")
	if t := r.obj("Transition"); t != nil {
		transitions = append(transitions, t)
	}
	for _, t := range transitions {
		d, err := t.i32p("TransitionInDays")
		if err != nil {
			return rule, err
		}
		date, err := timep(t, "TransitionDate")
		if err != nil {
			return rule, err
		}
		rule.Transitions = append(rule.Transitions, s3types.Transition{Days: d, Date: date, StorageClass: s3types.TransitionStorageClass(t.str("StorageClass"))})
	}
	nvts := r.objs("NoncurrentVersionTransitions")
	if t := r.obj("NoncurrentVersionTransition"); t != nil {
		nvts = append(nvts, t)
	}
	for _, t := range nvts {
		d, err := t.i32p("TransitionInDays")
		if err != nil {
			return rule, err
		}
		newer, err := t.i32p("NewerNoncurrentVersions")
		if err != nil {
			return rule, err
		}
		rule.NoncurrentVersionTransitions = append(rule.NoncurrentVersionTransitions, s3types.NoncurrentVersionTransition{NoncurrentDays: d,
			NewerNoncurrentVersions: newer, StorageClass: s3types.TransitionStorageClass(t.str("StorageClass"))})
	}
	return rule, nil
}

func int64p(p props, k string) (*int64, error) {
	if !p.has(k) {
		return nil, nil
	}
	n, err := strconv.ParseInt(p.str(k), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("Value of property %s must be of type Long", k)
	}
	return &n, nil
}

// timep reads an ISO 8601 timestamp property ("2030-01-01T00:00:00Z" or a
// bare date).
func timep(p props, k string) (*time.Time, error) {
	if !p.has(k) {
		return nil, nil
	}
	v := p.str(k)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return &t, nil
		}
	}
	return nil, fmt.Errorf("Value of property %s must be of type Timestamp", k)
}
