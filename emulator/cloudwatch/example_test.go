package cloudwatch_test

import (
	"context"
	"fmt"
	"time"

	"github.com/xacct/xacct/emulator/cloudwatch"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulator/sns"
	"github.com/xacct/xacct/policy"
)

// allowAll stands in for the emulator's policy-engine authorizer.
type allowAll struct{}

func (allowAll) Decide(context.Context, *service.Call, service.Check) policy.Decision {
	return policy.Decision{Effect: policy.Allow}
}

// Example wires CloudWatch to SNS as the emulator does and lets a failing
// Lambda function raise an alarm whose notification lands in the outbox.
func Example() {
	now := time.Date(2024, 11, 26, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	topics, _ := sns.New(sns.Options{Now: clock, Authorizer: allowAll{}, AutoConfirmEmail: true})
	defer topics.Close()
	cw, _ := cloudwatch.New(cloudwatch.Options{Now: clock, Notifier: topics})
	defer cw.Close()

	// Requests arrive with a Call naming the caller; here the root user.
	ctx := service.WithCall(context.Background(), &service.Call{Region: "us-east-1", Authz: allowAll{},
		Caller: &service.Caller{Principal: policy.Principal{Type: policy.PrincipalRoot, Account: "111111111111", ARN: "arn:aws:iam::111111111111:root"}}})
	topic, _ := topics.CreateTopic(ctx, &sns.CreateTopicIn{Name: "copy-alarms"})
	topics.Subscribe(ctx, &sns.SubscribeIn{TopicArn: topic.TopicArn, Protocol: "email", Endpoint: "ops@example.com"})
	period, one, zero := int32(60), int32(1), 0.0
	cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmIn{AlarmName: "s3-copy-errors", Namespace: "AWS/Lambda", MetricName: "Errors",
		Dimensions: []cloudwatch.Dimension{{Name: "FunctionName", Value: "s3-copy"}}, Statistic: "Sum", Period: &period,
		EvaluationPeriods: &one, Threshold: &zero, ComparisonOperator: "GreaterThanThreshold", AlarmActions: []string{topic.TopicArn}})

	// The Lambda service reports a failed invocation.
	errs := 1.0
	cw.PutServiceMetrics(ctx, "111111111111", "us-east-1", "AWS/Lambda", []cloudwatch.MetricDatum{
		{MetricName: "Errors", Dimensions: []cloudwatch.Dimension{{Name: "FunctionName", Value: "s3-copy"}}, Value: &errs}})
	now = now.Add(time.Minute)
	cw.Tick(ctx, now)

	mail, _ := topics.ListOutbox()
	fmt.Println(mail[0].To, mail[0].Subject)
	// Output: <ops@example.com> ALARM: "s3-copy-errors" in US East (N. Virginia)
}
