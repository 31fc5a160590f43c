// This file provisions CloudWatch resources: AWS::CloudWatch::Alarm.

package cloudformation

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

func init() {
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
