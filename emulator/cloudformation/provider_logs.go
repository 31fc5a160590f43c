// This file provisions CloudWatch Logs resources: AWS::Logs::LogGroup.

package cloudformation

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

func init() {
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
