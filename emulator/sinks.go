package emulator

import (
	"context"
	"sort"
	"time"

	"github.com/xacct/xacct/emulator/cloudwatch"
	"github.com/xacct/xacct/emulator/lambda"
	"github.com/xacct/xacct/emulator/logs"
	"github.com/xacct/xacct/emulator/sns"
)

// logSink adapts CloudWatch Logs to where Lambda writes function output.
type logSink struct{ l *logs.Service }

func (s logSink) CreateGroup(acct, region, name string, retention int32, tags map[string]string) error {
	return s.l.CreateGroup(acct, region, name, retention, tags)
}

func (s logSink) CreateStream(acct, region, group, stream string) error {
	return s.l.CreateStream(acct, region, group, stream)
}

func (s logSink) Append(acct, region, group, stream string, events []lambda.LogEvent) error {
	in := make([]logs.InputEvent, len(events))
	for i, e := range events {
		in[i] = logs.InputEvent{Timestamp: e.Timestamp, Message: e.Message}
	}
	_, err := s.l.Append(acct, region, group, stream, in)
	return err
}

// ZipDir packs a directory as a Lambda deployment package (the bootstrap
// stays executable).
func ZipDir(dir string) ([]byte, error) { return lambda.ZipDir(dir) }

// metricSink adapts CloudWatch to where Lambda records AWS/Lambda metrics.
type metricSink struct{ cw *cloudwatch.Service }

func (m metricSink) PutMetric(ctx context.Context, acct, region, namespace, name string, dims map[string]string, value float64, unit string, at time.Time) {
	d := cloudwatch.MetricDatum{MetricName: name, Value: &value, Unit: unit, Timestamp: &at}
	keys := make([]string, 0, len(dims))
	for k := range dims {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d.Dimensions = append(d.Dimensions, cloudwatch.Dimension{Name: k, Value: dims[k]})
	}
	m.cw.PutServiceMetrics(ctx, acct, region, namespace, []cloudwatch.MetricDatum{d})
}

// snsInvoker delivers SNS lambda subscriptions through Lambda's
// service-principal invoke (authorized by the function policy). SNS is
// built before Lambda, so it reaches Lambda through the emulator.
type snsInvoker struct{ e *Emulator }

func (i snsInvoker) InvokeFromService(ctx context.Context, inv sns.LambdaInvocation) error {
	return i.e.lambda.InvokeFromService(ctx, lambda.ServiceInvocation{
		Service: inv.Service, FunctionArn: inv.FunctionArn, SourceArn: inv.SourceArn,
		SourceAccount: inv.SourceAccount, Payload: inv.Payload,
	})
}
