// This file provisions S3 resources: AWS::S3::Bucket and AWS::S3::BucketPolicy.

package cloudformation

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func init() {
	register("AWS::S3::Bucket", provider{
		known:     []string{"BucketName", "OwnershipControls", "PublicAccessBlockConfiguration", "Tags", "BucketEncryption"},
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
	return nil
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
