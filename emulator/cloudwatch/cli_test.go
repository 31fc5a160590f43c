package cloudwatch

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xacct/xacct/emulator/internal/servicetest"
)

// cli runs the aws CLI against the test servers as the root user of
// 111111111111 (the harness ignores signatures), isolated from the user's
// configuration.
type cli struct {
	t   *testing.T
	env []string
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not on PATH")
	}
	home := t.TempDir()
	return &cli{t: t, env: append(os.Environ(), "HOME="+home, "AWS_ACCESS_KEY_ID=111111111111", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE="+filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "creds"),
		"AWS_PAGER=")}
}

func (c *cli) run(endpoint string, args ...string) (string, error) {
	c.t.Helper()
	cmd := exec.Command("aws", append([]string{"--endpoint-url", endpoint, "--output", "json"}, args...)...)
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (c *cli) json(endpoint string, v any, args ...string) {
	c.t.Helper()
	out, err := c.run(endpoint, args...)
	if err != nil {
		c.t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(out), v); err != nil {
			c.t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestAWSCLI drives the scenario with the aws CLI (v1, botocore 1.43, which
// sends CloudWatch requests as AWS JSON 1.0 and SNS as query): topic, email
// subscription confirmed with the token from the outbox, alarm, failing
// periods, the alarm in ALARM, the email in the outbox, a direct publish,
// and AWS's error for a reserved namespace.
func TestAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the aws CLI a dozen times")
	}
	c := newCLI(t)
	st := newStack(t, t.TempDir())
	var topic struct{ TopicArn string }
	c.json(st.snsURL, &topic, "sns", "create-topic", "--name", "cli-alarms")
	c.json(st.snsURL, nil, "sns", "subscribe", "--topic-arn", topic.TopicArn, "--protocol", "email", "--notification-endpoint", "ops@example.com")
	msgs, _ := st.sns.ListOutbox()
	if len(msgs) != 1 || msgs[0].Token == "" {
		t.Fatalf("got outbox %+v, want the confirmation", msgs)
	}
	var confirmed struct{ SubscriptionArn string }
	c.json(st.snsURL, &confirmed, "sns", "confirm-subscription", "--topic-arn", topic.TopicArn, "--token", msgs[0].Token)
	if !strings.HasPrefix(confirmed.SubscriptionArn, topic.TopicArn+":") {
		t.Fatalf("confirm-subscription: %+v", confirmed)
	}
	c.json(st.cwURL, nil, "cloudwatch", "put-metric-alarm", "--alarm-name", "cli-errors", "--namespace", "S3Copy", "--metric-name", "Errors",
		"--dimensions", "Name=FunctionName,Value=s3-copy", "--statistic", "Sum", "--period", "60", "--evaluation-periods", "3",
		"--threshold", "0", "--comparison-operator", "GreaterThanThreshold", "--alarm-actions", topic.TopicArn)
	for i := 0; i < 3; i++ {
		st.clock.Set(t0.Add(time.Duration(i)*time.Minute + 30*time.Second))
		c.json(st.cwURL, nil, "cloudwatch", "put-metric-data", "--namespace", "S3Copy", "--metric-name", "Errors",
			"--dimensions", "FunctionName=s3-copy", "--value", "1", "--unit", "Count")
		st.clock.Set(t0.Add(time.Duration(i+1) * time.Minute))
		st.cw.Tick(context.Background(), st.clock.Now())
	}
	var alarms struct {
		MetricAlarms []struct{ AlarmName, StateValue, StateReason string }
	}
	c.json(st.cwURL, &alarms, "cloudwatch", "describe-alarms", "--alarm-names", "cli-errors")
	if len(alarms.MetricAlarms) != 1 || alarms.MetricAlarms[0].StateValue != "ALARM" ||
		!strings.HasPrefix(alarms.MetricAlarms[0].StateReason, "Threshold Crossed: 3 datapoints [1.0 (26/11/24 10:02:00)") {
		t.Errorf("describe-alarms: %+v", alarms)
	}
	var stats struct {
		Datapoints []struct{ Sum float64 }
	}
	c.json(st.cwURL, &stats, "cloudwatch", "get-metric-statistics", "--namespace", "S3Copy", "--metric-name", "Errors",
		"--dimensions", "Name=FunctionName,Value=s3-copy", "--start-time", "2024-11-26T10:00:00Z", "--end-time", "2024-11-26T10:03:00Z",
		"--period", "180", "--statistics", "Sum")
	if len(stats.Datapoints) != 1 || stats.Datapoints[0].Sum != 3 {
		t.Errorf("get-metric-statistics: %+v", stats)
	}
	var pub struct{ MessageId string }
	c.json(st.snsURL, &pub, "sns", "publish", "--topic-arn", topic.TopicArn, "--subject", "manual", "--message", "hello from the CLI",
		"--message-attributes", `{"origin":{"DataType":"String","StringValue":"cli"}}`)
	mail := notifications(t, st.sns, "ops@example.com")
	if len(mail) != 2 || mail[0].Subject != `ALARM: "cli-errors" in US East (N. Virginia)` || mail[1].MessageID != pub.MessageId ||
		!strings.HasPrefix(mail[1].Body, "hello from the CLI") {
		t.Errorf("outbox: %+v", mail)
	}
	out, err := c.run(st.cwURL, "cloudwatch", "put-metric-data", "--namespace", "AWS/Lambda", "--metric-name", "Errors", "--value", "1")
	if err == nil || !strings.Contains(out, "An error occurred (InvalidParameterValue) when calling the PutMetricData operation: The value AWS/ for parameter Namespace is invalid.") {
		t.Errorf("reserved namespace: %v %s", err, out)
	}
	out, err = c.run(st.snsURL, "sns", "publish", "--topic-arn", "arn:aws:sns:us-east-1:111111111111:nope", "--message", "x")
	if err == nil || !strings.Contains(out, "(NotFound) when calling the Publish operation: Topic does not exist") {
		t.Errorf("unknown topic: %v %s", err, out)
	}
}

// botoScript forces botocore to pick RPC v2 CBOR for CloudWatch (botocore
// 1.43 prefers JSON 1.0 when a service offers both) and exercises it.
const botoScript = `
import sys, datetime, botocore.model
botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS = ('smithy-rpc-v2-cbor',) + tuple(
    p for p in botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS if p != 'smithy-rpc-v2-cbor')
import boto3
from botocore.exceptions import ClientError
cw = boto3.client('cloudwatch', endpoint_url=sys.argv[1], region_name='us-east-1',
                  aws_access_key_id='111111111111', aws_secret_access_key='test')
assert cw.meta.service_model.resolved_protocol == 'smithy-rpc-v2-cbor', cw.meta.service_model.resolved_protocol
t0 = datetime.datetime(2024, 11, 26, 10, 0, 0, tzinfo=datetime.timezone.utc)
cw.put_metric_data(Namespace='Boto', MetricData=[{'MetricName': 'Latency', 'Timestamp': t0, 'Values': [1.0, 3.0], 'Counts': [1.0, 1.0]}])
dp = cw.get_metric_statistics(Namespace='Boto', MetricName='Latency', StartTime=t0, EndTime=t0 + datetime.timedelta(minutes=1),
                              Period=60, Statistics=['Average'])['Datapoints']
assert len(dp) == 1 and dp[0]['Average'] == 2.0 and dp[0]['Timestamp'] == t0, dp
cw.put_metric_alarm(AlarmName='boto', Namespace='Boto', MetricName='Latency', Statistic='Maximum', Period=60,
                    EvaluationPeriods=1, Threshold=2.0, ComparisonOperator='GreaterThanThreshold')
a = cw.describe_alarms(AlarmNames=['boto'])['MetricAlarms'][0]
assert a['StateValue'] == 'ALARM' and a['Threshold'] == 2.0, a
try:
    cw.put_metric_data(Namespace='AWS/EC2', MetricData=[{'MetricName': 'm', 'Value': 1.0}])
    raise SystemExit('no error')
except ClientError as e:
    assert e.response['Error']['Code'] == 'InvalidParameterValue', e.response
print('ok')
`

// TestBoto3CBOR: botocore's own RPC v2 CBOR client against the CBOR
// protocol layer.
func TestBoto3CBOR(t *testing.T) {
	py, err := exec.LookPath("python3.11")
	if err != nil {
		t.Skip("python3.11 not on PATH")
	}
	if exec.Command(py, "-c", "import boto3").Run() != nil {
		t.Skip("boto3 not installed")
	}
	now := func() time.Time { return t0.Add(90 * time.Second) }
	s := newService(t, now, nil)
	srv, h := testServer(t, s, &servicetest.Authorizer{}, now)
	cmd := exec.Command(py, "-c", botoScript, srv.URL)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
	if got := h.Last().Header.Get("Smithy-Protocol"); got != "rpc-v2-cbor" {
		t.Errorf("boto3 request used Smithy-Protocol %q", got)
	}
}
