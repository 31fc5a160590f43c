package emulator_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/xacct/xacct/emulator"
	emusns "github.com/xacct/xacct/emulator/sns"
	"github.com/xacct/xacct/emulatortest"
)

// stepClock is a clock tests move by hand; it starts a few seconds into
// the current minute so metric periods line up with the steps.
type stepClock struct{ ns atomic.Int64 }

func newStepClock() *stepClock {
	c := &stepClock{}
	c.ns.Store(time.Now().Truncate(time.Minute).Add(5 * time.Second).UnixNano())
	return c
}

func (c *stepClock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *stepClock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// TestFailingCopyRaisesAlarm is the Qiita article's monitoring loop: the
// real s3-copy binary runs in Lambda and fails because its execution role
// may not assume the target role; each failure is an AWS/Lambda Errors
// datapoint; the alarm (EvaluationPeriods=3) fires on the third failing
// period and SNS writes the notification into the outbox; once the
// missing permission is granted the copy succeeds and the alarm returns to
// OK.
func TestFailingCopyRaisesAlarm(t *testing.T) {
	t.Parallel()
	clock := newStepClock()
	srv := emulatortest.New(t, emulator.WithClock(clock.Now))
	ctx := context.Background()

	// Target account: the cross-account role and the target bucket.
	ti := iam.NewFromConfig(srv.Config(target))
	execRole(t, ti, "copy-target",
		fmt.Sprintf(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"}}`, home))
	emulatortest.Must(ti.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("copy-target"), PolicyName: aws.String("copy"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":["arn:aws:s3:::alarm-src","arn:aws:s3:::alarm-dst"]},{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::alarm-src/*"},{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:PutObjectAcl"],"Resource":"arn:aws:s3:::alarm-dst/*"}]}`)}))(t)
	if _, err := s3.NewFromConfig(srv.Config(target)).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("alarm-dst")}); err != nil {
		t.Fatal(err)
	}

	// Home account: source bucket with its policy, execution role
	// without sts:AssumeRole (step 1 missing), the function.
	hs := s3.NewFromConfig(srv.Config(home))
	if _, err := hs.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("alarm-src")}); err != nil {
		t.Fatal(err)
	}
	if _, err := hs.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("alarm-src"), Key: aws.String("in/a.txt"), Body: strings.NewReader("a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := hs.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("alarm-src"), Policy: aws.String(fmt.Sprintf(
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:role/copy-target"},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::alarm-src","arn:aws:s3:::alarm-src/*"]}}`, target))}); err != nil {
		t.Fatal(err)
	}
	hi := iam.NewFromConfig(srv.Config(home))
	role := execRole(t, hi, "copy-exec", lambdaTrust, basicExecution)
	lc := lambda.NewFromConfig(srv.Config(home))
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("s3-copy"), Runtime: lambdatypes.RuntimeProvidedal2023,
		Role: aws.String(role), Handler: aws.String("bootstrap"), Code: &lambdatypes.FunctionCode{ZipFile: buildFunction(t, "../cmd/s3-copy")},
		Timeout: aws.Int32(30), Environment: &lambdatypes.Environment{Variables: map[string]string{
			"s3_bucket": "alarm-src", "s3_key": "in/", "target_s3_bucket": "alarm-dst",
			"target_account_role_arn": "arn:aws:iam::" + target + ":role/copy-target"}}}); err != nil {
		t.Fatal(err)
	}

	// The topic with an email and an email-json subscription, each
	// confirmed through the link in its confirmation email.
	nc := sns.NewFromConfig(srv.Config(home))
	topic, err := nc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("copy-alarms")})
	if err != nil {
		t.Fatal(err)
	}
	for _, proto := range []string{"email", "email-json"} {
		if _, err := nc.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String(proto), Endpoint: aws.String("ops@example.com")}); err != nil {
			t.Fatal(err)
		}
	}
	confirmAll(t, srv, nc, *topic.TopicArn)

	cw := cloudwatch.NewFromConfig(srv.Config(home))
	if _, err := cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("s3-copy-errors"), Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Errors"),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String("s3-copy")}},
		Statistic:  cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(3), Threshold: aws.Float64(1),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold, TreatMissingData: aws.String("notBreaching"),
		AlarmActions: []string{*topic.TopicArn}, OKActions: []string{*topic.TopicArn},
	}); err != nil {
		t.Fatal(err)
	}

	state := func() cwtypes.StateValue {
		t.Helper()
		srv.Emulator.CloudWatch().Tick(ctx, clock.Now())
		out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"s3-copy-errors"}})
		if err != nil || len(out.MetricAlarms) != 1 {
			t.Fatalf("DescribeAlarms: %v %+v", err, out)
		}
		return out.MetricAlarms[0].StateValue
	}
	invoke := func() string {
		t.Helper()
		out, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("s3-copy"), Payload: []byte(`{}`), LogType: lambdatypes.LogTypeTail})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("s3-copy: %s\n%s", out.Payload, decodeTail(out.LogResult))
		return aws.ToString(out.FunctionError)
	}

	for period := 1; period <= 3; period++ {
		if fe := invoke(); fe == "" {
			t.Fatalf("period %d: the copy succeeded without the sts:AssumeRole permission", period)
		}
		clock.Add(time.Minute)
		got := state()
		if period < 3 && got == cwtypes.StateValueAlarm {
			t.Fatalf("alarm fired after %d failing periods", period)
		}
		if period == 3 && got != cwtypes.StateValueAlarm {
			t.Fatalf("after 3 failing periods the alarm is %s", got)
		}
	}
	srv.Emulator.SNS().Drain()
	mail := outboxWith(t, srv, "ALARM")
	// email-json carries SNS's JSON envelope, whose Message is the alarm
	// JSON; plain email carries CloudWatch's text, as in AWS.
	var alarmJSON map[string]any
	for _, m := range mail {
		if body := strings.TrimSpace(m.Body); strings.HasPrefix(body, "{") {
			var env struct{ Type, Message string }
			if err := json.Unmarshal([]byte(body), &env); err != nil {
				t.Fatalf("email-json body: %v\n%s", err, body)
			}
			if err := json.Unmarshal([]byte(env.Message), &alarmJSON); err != nil {
				t.Fatalf("alarm JSON: %v\n%s", err, env.Message)
			}
		} else if !strings.Contains(body, "s3-copy-errors") {
			t.Fatalf("email text does not name the alarm:\n%s", body)
		}
	}
	if alarmJSON == nil {
		t.Fatalf("no email-json notification in the outbox: %+v", mail)
	}
	if alarmJSON["AlarmName"] != "s3-copy-errors" || alarmJSON["NewStateValue"] != "ALARM" || alarmJSON["OldStateValue"] == nil {
		t.Fatalf("alarm JSON: %v", alarmJSON)
	}
	trig, _ := alarmJSON["Trigger"].(map[string]any)
	if trig["MetricName"] != "Errors" || trig["Namespace"] != "AWS/Lambda" || trig["EvaluationPeriods"] != float64(3) {
		t.Fatalf("Trigger: %v", trig)
	}

	// Step 1 fixed: the copy succeeds, Errors is 0, the alarm returns to OK.
	if _, err := hi.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("copy-exec"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(fmt.Sprintf(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::%s:role/copy-target"}}`, target))}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3 && state() != cwtypes.StateValueOk; i++ {
		if fe := invoke(); fe != "" {
			t.Fatalf("copy still fails after the fix: %s", fe)
		}
		clock.Add(time.Minute)
	}
	if got := state(); got != cwtypes.StateValueOk {
		t.Fatalf("alarm did not return to OK: %s", got)
	}
	if _, err := s3.NewFromConfig(srv.Config(target)).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("alarm-dst"), Key: aws.String("in/a.txt")}); err != nil {
		t.Fatalf("copied object: %v", err)
	}
	srv.Emulator.SNS().Drain()
	outboxWith(t, srv, "OK")
}

// confirmAll follows the SubscribeURL of every confirmation email in the
// outbox, as a recipient clicking the link would.
func confirmAll(t *testing.T, srv *emulatortest.Server, nc *sns.Client, topicArn string) {
	t.Helper()
	srv.Emulator.SNS().Drain()
	msgs, err := emusns.ListOutbox(srv.Emulator.SNS().OutboxDir())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.Token == "" {
			continue
		}
		if _, err := nc.ConfirmSubscription(context.Background(), &sns.ConfirmSubscriptionInput{TopicArn: aws.String(topicArn), Token: aws.String(m.Token)}); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no confirmation email in the outbox")
	}
}

// outboxWith returns the outbox messages whose subject names state.
func outboxWith(t *testing.T, srv *emulatortest.Server, state string) []emusns.OutboxMessage {
	t.Helper()
	msgs, err := emusns.ListOutbox(srv.Emulator.SNS().OutboxDir())
	if err != nil {
		t.Fatal(err)
	}
	var out []emusns.OutboxMessage
	for _, m := range msgs {
		if strings.HasPrefix(m.Subject, state+": ") {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		var subjects []string
		for _, m := range msgs {
			subjects = append(subjects, m.Subject)
		}
		t.Fatalf("no %s notification in the outbox; subjects: %q", state, subjects)
	}
	return out
}

func decodeTail(s *string) string {
	b, _ := base64.StdEncoding.DecodeString(aws.ToString(s))
	return string(b)
}
