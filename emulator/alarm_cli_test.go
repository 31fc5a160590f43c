package emulator_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xacct/xacct/emulator"
	emusns "github.com/xacct/xacct/emulator/sns"
	"github.com/xacct/xacct/emulatortest"
)

// TestAlarmCLI drives issue 7's scenario with the aws CLI through the whole
// emulator (SigV4 verified, every call authorized): a topic with an
// email-json subscription confirmed from its confirmation email, an alarm
// with EvaluationPeriods=3, failing periods put with put-metric-data, the
// alarm in ALARM after the third, the alarm JSON in the outbox, then OK;
// and AWS's errors for bad input.
func TestAlarmCLI(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not on PATH")
	}
	clock := newStepClock()
	srv := emulatortest.New(t, emulator.WithClock(clock.Now))
	dir := t.TempDir()
	env := append(os.Environ(), "HOME="+dir, "AWS_ACCESS_KEY_ID="+home, "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE="+filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "creds"), "AWS_PAGER=")
	aws := func(args ...string) (string, error) {
		cmd := exec.Command("aws", append([]string{"--endpoint-url", srv.URL, "--output", "json"}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(v any, args ...string) {
		t.Helper()
		out, err := aws(args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if v != nil {
			if err := json.Unmarshal([]byte(out), v); err != nil {
				t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
	}
	var topic struct{ TopicArn string }
	must(&topic, "sns", "create-topic", "--name", "cli-alarms")
	must(nil, "sns", "subscribe", "--topic-arn", topic.TopicArn, "--protocol", "email-json", "--notification-endpoint", "ops@example.com")
	srv.Emulator.SNS().Drain()
	msgs, err := emusns.ListOutbox(srv.Emulator.SNS().OutboxDir())
	if err != nil || len(msgs) != 1 || msgs[0].Token == "" {
		t.Fatalf("confirmation email: %v %+v", err, msgs)
	}
	must(nil, "sns", "confirm-subscription", "--topic-arn", topic.TopicArn, "--token", msgs[0].Token)
	must(nil, "cloudwatch", "put-metric-alarm", "--alarm-name", "cli-errors", "--namespace", "App", "--metric-name", "Failures",
		"--dimensions", "Name=Job,Value=copy", "--statistic", "Sum", "--period", "60", "--evaluation-periods", "3", "--threshold", "1",
		"--comparison-operator", "GreaterThanOrEqualToThreshold", "--treat-missing-data", "notBreaching",
		"--alarm-actions", topic.TopicArn, "--ok-actions", topic.TopicArn)
	state := func() string {
		srv.Emulator.CloudWatch().Tick(t.Context(), clock.Now())
		var out struct{ MetricAlarms []struct{ StateValue string } }
		must(&out, "cloudwatch", "describe-alarms", "--alarm-names", "cli-errors")
		return out.MetricAlarms[0].StateValue
	}
	put := func(v string) {
		must(nil, "cloudwatch", "put-metric-data", "--namespace", "App", "--metric-name", "Failures", "--dimensions", "Job=copy",
			"--value", v, "--timestamp", clock.Now().UTC().Format(time.RFC3339))
	}
	for period := 1; period <= 3; period++ {
		put("1")
		clock.Add(time.Minute)
		got := state()
		if (period < 3 && got == "ALARM") || (period == 3 && got != "ALARM") {
			t.Fatalf("after %d failing periods the alarm is %s", period, got)
		}
	}
	put("0")
	clock.Add(time.Minute)
	if got := state(); got != "OK" {
		t.Fatalf("after a good period the alarm is %s", got)
	}
	srv.Emulator.SNS().Drain()
	msgs, _ = emusns.ListOutbox(srv.Emulator.SNS().OutboxDir())
	var states []string
	for _, m := range msgs {
		if m.Type != "Notification" {
			continue
		}
		var envl struct{ Message string }
		var alarm struct {
			AlarmName, NewStateValue string
			Trigger                  struct{ EvaluationPeriods int }
		}
		if json.Unmarshal([]byte(m.Body), &envl) != nil || json.Unmarshal([]byte(envl.Message), &alarm) != nil || alarm.AlarmName != "cli-errors" || alarm.Trigger.EvaluationPeriods != 3 {
			t.Fatalf("notification body: %s", m.Body)
		}
		states = append(states, alarm.NewStateValue)
	}
	// INSUFFICIENT_DATA -> OK at the first evaluation also runs the OK
	// actions, as in AWS.
	if strings.Join(states, ",") != "OK,ALARM,OK" {
		t.Errorf("notifications: %v", states)
	}

	// Bad input gets AWS's errors.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"cloudwatch", "put-metric-data", "--namespace", "App", "--metric-name", "M", "--value", "1", "--dimensions", "Job=a,Job=b"}, "InvalidParameterValue"},
		{[]string{"cloudwatch", "put-metric-alarm", "--alarm-name", "bad", "--namespace", "App", "--metric-name", "M", "--statistic", "Sum",
			"--period", "7", "--evaluation-periods", "1", "--threshold", "1", "--comparison-operator", "GreaterThanThreshold"}, "InvalidParameterValue"},
		{[]string{"sns", "publish", "--topic-arn", "arn:aws:sns:us-east-1:" + home + ":no-such-topic", "--message", "x"}, "NotFound"},
		{[]string{"cloudwatch", "put-metric-data", "--namespace", "AWS/Lambda", "--metric-name", "M", "--value", "1"}, "InvalidParameterValue"},
	} {
		out, err := aws(c.args...)
		if err == nil || !strings.Contains(out, c.want) {
			t.Errorf("aws %s: %v\n%s (want %s)", strings.Join(c.args, " "), err, out, c.want)
		}
	}
}
