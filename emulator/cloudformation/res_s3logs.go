package cloudformation

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func init() {
	register("AWS::S3::Bucket", provider{
		known:     []string{"BucketName", "OwnershipControls", "PublicAccessBlockConfiguration", "Tags"},
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
	register("AWS::Logs::LogGroup", provider{
		known:     []string{"LogGroupName", "RetentionInDays", "Tags"},
		replaceOn: []string{"LogGroupName"},
		create: func(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
			name := p.str("LogGroupName")
			if name == "" {
				name = genName(st, id, 512, false)
			}
			_, err := d.logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: &name})
			if errCode(err) == "ResourceAlreadyExistsException" {
				return "", nil, alreadyExists("AWS::Logs::LogGroup", name)
			}
			if err != nil {
				return "", nil, err
			}
			if err := putRetention(ctx, d, name, p); err != nil {
				d.logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: &name})
				return "", nil, err
			}
			return name, map[string]any{"Arn": fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:*", d.region, d.account, name)}, nil
		},
		update: func(ctx context.Context, d *deployer, st *stack, r *resource, p props) (map[string]any, error) {
			return nil, putRetention(ctx, d, r.PhysicalID, p)
		},
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			_, err := d.logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(r.PhysicalID)})
			return ignoreCodes(err, "ResourceNotFoundException")
		},
	})
	register("AWS::CloudWatch::Alarm", provider{
		known: []string{"AlarmName", "AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions",
			"MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit", "EvaluationPeriods",
			"DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData", "EvaluateLowSampleCountPercentile"},
		required:  []string{"ComparisonOperator", "EvaluationPeriods"},
		replaceOn: []string{"AlarmName"},
		create: func(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
			name := p.str("AlarmName")
			if name == "" {
				name = genName(st, id, 255, false)
			}
			if out, err := d.cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{name}}); err == nil && len(out.MetricAlarms) > 0 {
				return "", nil, alreadyExists("AWS::CloudWatch::Alarm", name)
			}
			if err := putAlarm(ctx, d, name, p); err != nil {
				return "", nil, err
			}
			return name, map[string]any{"Arn": fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", d.region, d.account, name)}, nil
		},
		update: func(ctx context.Context, d *deployer, st *stack, r *resource, p props) (map[string]any, error) {
			return nil, putAlarm(ctx, d, r.PhysicalID, p)
		},
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			_, err := d.cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{r.PhysicalID}})
			return ignoreCodes(err, "ResourceNotFound")
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

// bucketSettings applies OwnershipControls and the public access block.
func bucketSettings(ctx context.Context, d *deployer, name string, old, p props) error {
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

func putRetention(ctx context.Context, d *deployer, name string, p props) error {
	days, err := p.i32p("RetentionInDays")
	if err != nil {
		return err
	}
	if days == nil {
		_, err = d.logs.DeleteRetentionPolicy(ctx, &cloudwatchlogs.DeleteRetentionPolicyInput{LogGroupName: &name})
		return ignoreCodes(err, "ResourceNotFoundException")
	}
	_, err = d.logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: &name, RetentionInDays: days})
	return err
}

func putAlarm(ctx context.Context, d *deployer, name string, p props) error {
	in := &cloudwatch.PutMetricAlarmInput{
		AlarmName: &name, AlarmDescription: p.strp("AlarmDescription"), AlarmActions: p.strs("AlarmActions"),
		OKActions: p.strs("OKActions"), InsufficientDataActions: p.strs("InsufficientDataActions"),
		MetricName: p.strp("MetricName"), Namespace: p.strp("Namespace"), ExtendedStatistic: p.strp("ExtendedStatistic"),
		ComparisonOperator: cwtypes.ComparisonOperator(p.str("ComparisonOperator")), TreatMissingData: p.strp("TreatMissingData"),
		EvaluateLowSampleCountPercentile: p.strp("EvaluateLowSampleCountPercentile"),
		Statistic:                        cwtypes.Statistic(p.str("Statistic")), Unit: cwtypes.StandardUnit(p.str("Unit")),
	}
	var err error
	if in.ActionsEnabled, err = p.boolp("ActionsEnabled"); err != nil {
		return err
	}
	if in.Period, err = p.i32p("Period"); err != nil {
		return err
	}
	if in.EvaluationPeriods, err = p.i32p("EvaluationPeriods"); err != nil {
		return err
	}
	if in.DatapointsToAlarm, err = p.i32p("DatapointsToAlarm"); err != nil {
		return err
	}
	if in.Threshold, err = p.f64p("Threshold"); err != nil {
		return err
	}
	for _, dim := range p.objs("Dimensions") {
		in.Dimensions = append(in.Dimensions, cwtypes.Dimension{Name: aws.String(dim.str("Name")), Value: aws.String(dim.str("Value"))})
	}
	_, err = d.cw.PutMetricAlarm(ctx, in)
	return err
}
