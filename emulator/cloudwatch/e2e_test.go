package cloudwatch

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/xacct/xacct/emulator/internal/servicetest"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulator/sns"
	"github.com/xacct/xacct/policy"
)

// policyBook stands in for the policy engine in these tests: it keeps the
// text of each parsed topic policy so the authorizer below can refuse the
// CloudWatch service principal when the topic policy denies it.
type policyBook struct {
	mu   sync.Mutex
	docs map[*policy.Policy]string
}

func (b *policyBook) parse(doc string) (*policy.Policy, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.docs == nil {
		b.docs = map[*policy.Policy]string{}
	}
	p := &policy.Policy{}
	b.docs[p] = doc
	return p, nil
}

// policyAuthz allows every request except a service principal's under a
// topic policy with a Deny statement naming it.
type policyAuthz struct{ book *policyBook }

func (a policyAuthz) Decide(_ context.Context, call *service.Call, chk service.Check) policy.Decision {
	if chk.ResourcePolicy != nil && call.Caller.Principal.Type == policy.PrincipalService {
		a.book.mu.Lock()
		doc := a.book.docs[chk.ResourcePolicy.Policy]
		a.book.mu.Unlock()
		if strings.Contains(doc, `"Effect":"Deny"`) && strings.Contains(doc, call.Caller.Principal.Service) {
			return policy.Decision{Effect: policy.ExplicitDeny}
		}
	}
	return policy.Decision{Effect: policy.Allow}
}

// stack is CloudWatch and SNS wired as the emulator wires them, each on its
// own loopback server, on one injected clock.
type stack struct {
	clock  *servicetest.Clock
	cw     *Service
	sns    *sns.Service
	cwURL  string
	snsURL string
}

func newStack(t *testing.T, dataDir string) *stack {
	t.Helper()
	st := &stack{clock: servicetest.NewClock(t0.Add(10 * time.Second))}
	book := &policyBook{}
	authz := policyAuthz{book: book}
	var snsURL string
	snsSvc, err := sns.New(sns.Options{Now: st.clock.Now, DataDir: dataDir, BaseURL: func() string { return snsURL },
		Authorizer: authz, ParsePolicy: book.parse})
	if err != nil {
		t.Fatal(err)
	}
	snsSrv := httptest.NewServer(&servicetest.Harness{Handler: snsSvc, Service: sns.SigningName, Authz: authz, Now: st.clock.Now})
	snsURL = snsSrv.URL
	cwSvc, err := New(Options{Now: st.clock.Now, DataDir: dataDir, Notifier: snsSvc})
	if err != nil {
		t.Fatal(err)
	}
	cwSrv, _ := testServer(t, cwSvc, authz, st.clock.Now)
	t.Cleanup(func() {
		snsSrv.Close()
		cwSvc.Close()
		snsSvc.Close()
	})
	st.cw, st.sns, st.cwURL, st.snsURL = cwSvc, snsSvc, cwSrv.URL, snsSrv.URL
	return st
}

func (st *stack) snsClient() *awssns.Client {
	return awssns.NewFromConfig(servicetest.Config(st.snsURL, "111111111111"))
}

// subscribeConfirmed subscribes an email endpoint and confirms it from the
// outbox, as `xacct` does.
func (st *stack) subscribeConfirmed(t *testing.T, topic, protocol, address string) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.snsClient().Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &topic, Protocol: aws.String(protocol), Endpoint: aws.String(address)}); err != nil {
		t.Fatal(err)
	}
	msgs, _ := st.sns.ListOutbox()
	for _, m := range msgs {
		if m.Type == "SubscriptionConfirmation" && strings.Contains(m.To, address) {
			if _, err := st.sns.ConfirmFromOutbox(ctx, m.Path); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no confirmation email for %s", address)
}

func notifications(t *testing.T, s *sns.Service, to string) []sns.OutboxMessage {
	t.Helper()
	msgs, err := s.ListOutbox()
	if err != nil {
		t.Fatal(err)
	}
	var out []sns.OutboxMessage
	for _, m := range msgs {
		if m.Type == "Notification" && strings.Contains(m.To, to) {
			out = append(out, m)
		}
	}
	return out
}

// TestAlarmNotifiesEmail is the scenario of the Qiita article's last step
// (seed 003): the copy function's Errors metric drives an alarm with
// EvaluationPeriods=3 that notifies an SNS topic with email subscriptions.
// Over aws-sdk-go-v2 (CBOR for CloudWatch, query for SNS) and an injected
// clock: the alarm fires on the third failing period, the notification
// reaches the outbox (CloudWatch's text for email, its JSON for
// email-json), and a successful period returns the alarm to OK.
func TestAlarmNotifiesEmail(t *testing.T) {
	st := newStack(t, t.TempDir())
	ctx := context.Background()
	topic := createTopicSDK(t, st.snsClient(), "copy-alarms")
	st.subscribeConfirmed(t, topic, "email", "ops@example.com")
	st.subscribeConfirmed(t, topic, "email-json", "bot@example.com")
	c := cwClient(st.cwURL, "111111111111")
	dims := []types.Dimension{{Name: aws.String("FunctionName"), Value: aws.String("s3-copy")}}
	_, err := c.PutMetricAlarm(ctx, &cw.PutMetricAlarmInput{
		AlarmName: aws.String("s3-copy-errors"), AlarmDescription: aws.String("The copy function failed"),
		Namespace: aws.String("S3Copy"), MetricName: aws.String("Errors"), Dimensions: dims,
		Statistic: types.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(3),
		Threshold: aws.Float64(0), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold,
		AlarmActions: []string{topic}, OKActions: []string{topic},
	})
	if err != nil {
		t.Fatalf("PutMetricAlarm: %v", err)
	}
	state := func() string {
		out, err := c.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{AlarmNames: []string{"s3-copy-errors"}})
		if err != nil || len(out.MetricAlarms) != 1 {
			t.Fatalf("DescribeAlarms: %v %v", out, err)
		}
		return string(out.MetricAlarms[0].StateValue)
	}
	if got := state(); got != "INSUFFICIENT_DATA" {
		t.Fatalf("new alarm: got %s, want INSUFFICIENT_DATA", got)
	}
	// One failing invocation per minute; the alarm is evaluated as each
	// minute ends.
	wantStates := []string{"INSUFFICIENT_DATA", "INSUFFICIENT_DATA", "ALARM"}
	for i, want := range wantStates {
		st.clock.Set(t0.Add(time.Duration(i)*time.Minute + 30*time.Second))
		if _, err := c.PutMetricData(ctx, &cw.PutMetricDataInput{Namespace: aws.String("S3Copy"),
			MetricData: []types.MetricDatum{{MetricName: aws.String("Errors"), Dimensions: dims, Value: aws.Float64(1), Unit: types.StandardUnitCount}}}); err != nil {
			t.Fatal(err)
		}
		st.clock.Set(t0.Add(time.Duration(i+1) * time.Minute))
		st.cw.Tick(ctx, st.clock.Now())
		if got := state(); got != want {
			t.Fatalf("after failing period %d: got %s, want %s", i+1, got, want)
		}
	}
	mail := notifications(t, st.sns, "ops@example.com")
	if len(mail) != 1 {
		t.Fatalf("got %d emails, want 1", len(mail))
	}
	reason := "Threshold Crossed: 3 datapoints [1.0 (26/11/24 10:02:00), 1.0 (26/11/24 10:01:00), 1.0 (26/11/24 10:00:00)] were greater than the threshold (0.0)."
	if mail[0].Subject != `ALARM: "s3-copy-errors" in US East (N. Virginia)` ||
		!strings.Contains(mail[0].Body, `You are receiving this email because your Amazon CloudWatch Alarm "s3-copy-errors" in the US East (N. Virginia) region has entered the ALARM state, because "`+reason+`"`) {
		t.Errorf("email: subject %q body %q", mail[0].Subject, mail[0].Body)
	}
	jsonMail := notifications(t, st.sns, "bot@example.com")
	if len(jsonMail) != 1 {
		t.Fatalf("got %d email-json messages, want 1", len(jsonMail))
	}
	var env struct{ Type, Subject, Message, TopicArn string }
	if err := json.Unmarshal([]byte(jsonMail[0].Body), &env); err != nil {
		t.Fatal(err)
	}
	var alarm map[string]any
	if err := json.Unmarshal([]byte(env.Message), &alarm); err != nil {
		t.Fatalf("alarm message is not JSON: %v\n%s", err, env.Message)
	}
	for k, want := range map[string]any{"AlarmName": "s3-copy-errors", "AlarmDescription": "The copy function failed", "AWSAccountId": "111111111111",
		"NewStateValue": "ALARM", "OldStateValue": "INSUFFICIENT_DATA", "NewStateReason": reason, "Region": "US East (N. Virginia)",
		"AlarmArn": "arn:aws:cloudwatch:us-east-1:111111111111:alarm:s3-copy-errors", "StateChangeTime": "2024-11-26T10:03:00.000+0000",
		"AlarmConfigurationUpdatedTimestamp": "2024-11-26T10:00:10.000+0000"} {
		if alarm[k] != want {
			t.Errorf("%s: got %v, want %v", k, alarm[k], want)
		}
	}
	trig, _ := alarm["Trigger"].(map[string]any)
	for k, want := range map[string]any{"MetricName": "Errors", "Namespace": "S3Copy", "StatisticType": "Statistic", "Statistic": "SUM",
		"Period": 60.0, "EvaluationPeriods": 3.0, "ComparisonOperator": "GreaterThanThreshold", "Threshold": 0.0, "TreatMissingData": "missing"} {
		if trig[k] != want {
			t.Errorf("Trigger.%s: got %v, want %v", k, trig[k], want)
		}
	}
	if !strings.Contains(env.Message, `"Dimensions":[{"value":"s3-copy","name":"FunctionName"}]`) || !strings.Contains(env.Message, `"Threshold":0.0`) ||
		!strings.Contains(env.Message, `"Unit":null`) {
		t.Errorf("Trigger as CloudWatch writes it: %s", env.Message)
	}
	// A successful invocation: Errors=0 for the fourth minute.
	st.clock.Set(t0.Add(3*time.Minute + 30*time.Second))
	c.PutMetricData(ctx, &cw.PutMetricDataInput{Namespace: aws.String("S3Copy"),
		MetricData: []types.MetricDatum{{MetricName: aws.String("Errors"), Dimensions: dims, Value: aws.Float64(0), Unit: types.StandardUnitCount}}})
	st.clock.Set(t0.Add(4 * time.Minute))
	st.cw.Tick(ctx, st.clock.Now())
	if got := state(); got != "OK" {
		t.Fatalf("after a successful period: got %s, want OK", got)
	}
	mail = notifications(t, st.sns, "ops@example.com")
	if len(mail) != 2 || mail[1].Subject != `OK: "s3-copy-errors" in US East (N. Virginia)` {
		t.Fatalf("got %d emails (%v), want the OK notification", len(mail), mail)
	}
	hist, err := c.DescribeAlarmHistory(ctx, &cw.DescribeAlarmHistoryInput{AlarmName: aws.String("s3-copy-errors"), ScanBy: types.ScanByTimestampAscending})
	if err != nil {
		t.Fatal(err)
	}
	var summaries []string
	for _, h := range hist.AlarmHistoryItems {
		summaries = append(summaries, string(h.HistoryItemType)+": "+*h.HistorySummary)
	}
	want := []string{
		`ConfigurationUpdate: Alarm "s3-copy-errors" created`,
		"StateUpdate: Alarm updated from INSUFFICIENT_DATA to ALARM",
		"Action: Successfully executed action " + topic,
		"StateUpdate: Alarm updated from ALARM to OK",
		"Action: Successfully executed action " + topic,
	}
	if strings.Join(summaries, "\n") != strings.Join(want, "\n") {
		t.Errorf("history:\n%s\nwant:\n%s", strings.Join(summaries, "\n"), strings.Join(want, "\n"))
	}
}

func createTopicSDK(t *testing.T, c *awssns.Client, name string) string {
	t.Helper()
	out, err := c.CreateTopic(context.Background(), &awssns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return *out.TopicArn
}

// TestTopicPolicyBlocksAlarm: a topic policy that denies CloudWatch stops
// the notification, and the alarm history records the failed action as
// CloudWatch does ("Failed to execute action arn:aws:sns:…. Received error:
// "CloudWatch Alarms is not authorized to perform: SNS:Publish on
// resource:arn:…""); so does an action on a topic that does not exist,
// which PutMetricAlarm accepts ("CloudWatch doesn't test or validate the
// actions that you specify").
func TestTopicPolicyBlocksAlarm(t *testing.T) {
	st := newStack(t, "")
	ctx := context.Background()
	topic := createTopicSDK(t, st.snsClient(), "locked")
	st.subscribeConfirmed(t, topic, "email", "ops@example.com")
	deny := `{"Version":"2012-10-17","Statement":[{"Sid":"NoAlarms","Effect":"Deny","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":"SNS:Publish","Resource":"` + topic + `"}]}`
	if _, err := st.snsClient().SetTopicAttributes(ctx, &awssns.SetTopicAttributesInput{TopicArn: &topic, AttributeName: aws.String("Policy"), AttributeValue: &deny}); err != nil {
		t.Fatal(err)
	}
	missing := "arn:aws:sns:us-east-1:111111111111:no-such-topic"
	c := cwClient(st.cwURL, "111111111111")
	if _, err := c.PutMetricAlarm(ctx, &cw.PutMetricAlarmInput{AlarmName: aws.String("a"), Namespace: aws.String("App"), MetricName: aws.String("Errors"),
		Statistic: types.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(0),
		ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold, AlarmActions: []string{topic, missing}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetAlarmState(ctx, &cw.SetAlarmStateInput{AlarmName: aws.String("a"), StateValue: types.StateValueAlarm, StateReason: aws.String("testing the path")}); err != nil {
		t.Fatal(err)
	}
	if n := len(notifications(t, st.sns, "ops@example.com")); n != 0 {
		t.Errorf("got %d emails through a topic that denies CloudWatch", n)
	}
	hist, err := c.DescribeAlarmHistory(ctx, &cw.DescribeAlarmHistoryInput{AlarmName: aws.String("a"), HistoryItemType: types.HistoryItemTypeAction})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, h := range hist.AlarmHistoryItems {
		got[*h.HistorySummary] = true
	}
	for _, want := range []string{
		"Failed to execute action " + topic + `. Received error: "CloudWatch Alarms is not authorized to perform: SNS:Publish on resource:` + topic + `"`,
		"Failed to execute action " + missing + `. Received error: "Topic does not exist"`,
	} {
		if !got[want] {
			t.Errorf("history lacks %q; has %v", want, got)
		}
	}
}

// TestLambdaErrorsRaiseAlarm: the Lambda service publishes AWS/Lambda
// metrics in process (PutServiceMetrics, which the API refuses for AWS/
// namespaces); a failing copy function's Errors raise the alarm watching
// them.
func TestLambdaErrorsRaiseAlarm(t *testing.T) {
	st := newStack(t, "")
	ctx := context.Background()
	topic := createTopicSDK(t, st.snsClient(), "copy-alarms")
	st.subscribeConfirmed(t, topic, "email", "ops@example.com")
	c := cwClient(st.cwURL, "111111111111")
	dims := []types.Dimension{{Name: aws.String("FunctionName"), Value: aws.String("s3-copy")}}
	c.PutMetricAlarm(ctx, &cw.PutMetricAlarmInput{AlarmName: aws.String("s3-copy-errors"), Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Errors"),
		Dimensions: dims, Statistic: types.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(0),
		ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold, TreatMissingData: aws.String("notBreaching"), AlarmActions: []string{topic}})
	// A failed invocation as the Lambda service reports it.
	err := st.cw.PutServiceMetrics(ctx, "111111111111", "us-east-1", "AWS/Lambda", []MetricDatum{
		{MetricName: "Invocations", Dimensions: []Dimension{{"FunctionName", "s3-copy"}}, Value: f64(1), Unit: "Count"},
		{MetricName: "Errors", Dimensions: []Dimension{{"FunctionName", "s3-copy"}}, Value: f64(1), Unit: "Count"},
	})
	if err != nil {
		t.Fatal(err)
	}
	st.clock.Set(t0.Add(time.Minute))
	st.cw.Tick(ctx, st.clock.Now())
	out, _ := c.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{})
	if len(out.MetricAlarms) != 1 || out.MetricAlarms[0].StateValue != types.StateValueAlarm {
		t.Fatalf("got %+v, want the alarm in ALARM", out.MetricAlarms)
	}
	if n := len(notifications(t, st.sns, "ops@example.com")); n != 1 {
		t.Errorf("got %d emails, want 1", n)
	}
	// The API keeps AWS/ namespaces for AWS.
	_, err = c.PutMetricData(ctx, &cw.PutMetricDataInput{Namespace: aws.String("AWS/Lambda"),
		MetricData: []types.MetricDatum{{MetricName: aws.String("Errors"), Value: aws.Float64(1)}}})
	if err == nil || !strings.Contains(err.Error(), "InvalidParameterValue") {
		t.Errorf("PutMetricData into AWS/Lambda: got %v, want InvalidParameterValue", err)
	}
}

// TestRestartKeepsAlarmsAndMetrics: with a data directory, acknowledged
// metric data and alarms survive a restart.
func TestRestartKeepsAlarmsAndMetrics(t *testing.T) {
	dir := t.TempDir()
	ctx := ctxFor("111111111111", nil)
	now := func() time.Time { return t0.Add(5 * time.Minute) }
	s1, err := New(Options{Now: now, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s1.PutMetricData(ctx, &PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "Errors", Value: f64(2), Timestamp: tm(t0)}}})
	s1.PutMetricAlarm(ctx, &PutMetricAlarmIn{AlarmName: "a", Namespace: "App", MetricName: "Errors", Statistic: "Sum", Period: i32(60),
		EvaluationPeriods: i32(1), Threshold: f64(0), ComparisonOperator: "GreaterThanThreshold"})
	s1.Close()
	s2, err := New(Options{Now: now, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	dp := getStats(t, s2, GetMetricStatisticsIn{Namespace: "App", MetricName: "Errors", StartTime: tm(t0), EndTime: tm(t0.Add(time.Minute)), Period: i32(60), Statistics: []string{"Sum"}})
	if len(dp) != 1 || *dp[0].Sum != 2 {
		t.Errorf("metrics after restart: %+v", dp)
	}
	out, _ := s2.DescribeAlarms(ctx, &DescribeAlarmsIn{})
	if len(out.MetricAlarms) != 1 || out.MetricAlarms[0].AlarmName != "a" {
		t.Errorf("alarms after restart: %+v", out.MetricAlarms)
	}
	h, _ := s2.DescribeAlarmHistory(ctx, &DescribeAlarmHistoryIn{AlarmName: "a"})
	if len(h.AlarmHistoryItems) == 0 {
		t.Errorf("history lost on restart")
	}
}
