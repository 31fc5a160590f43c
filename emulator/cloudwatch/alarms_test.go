package cloudwatch

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xacct/xacct/emulator/internal/servicetest"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulator/sns"
)

// recorder is a Notifier that records what alarms publish.
type recorder struct {
	mu   sync.Mutex
	sent []sns.ServicePublish
	err  error
}

func (r *recorder) PublishFromService(_ context.Context, p sns.ServicePublish) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return "", r.err
	}
	r.sent = append(r.sent, p)
	return fmt.Sprintf("msg-%d", len(r.sent)), nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sent)
}

const topicArn = "arn:aws:sns:us-east-1:111111111111:alarms"

func baseAlarm() PutMetricAlarmIn {
	return PutMetricAlarmIn{AlarmName: "errors", Namespace: "App", MetricName: "Errors", Statistic: "Sum", Period: i32(60),
		EvaluationPeriods: i32(1), Threshold: f64(0), ComparisonOperator: "GreaterThanThreshold", AlarmActions: []string{topicArn}}
}

// TestPutMetricAlarmValidation covers the PutMetricAlarm API reference's
// rules: Period 10, 20, 30 or a multiple of 60; Period × EvaluationPeriods
// at most a day (a week from one-hour periods); Statistic or
// ExtendedStatistic; TreatMissingData values; SNS actions in the alarm's
// region ("Invalid region eu-central-1 specified. Only us-east-1 is
// supported.", as CloudWatch answers).
func TestPutMetricAlarmValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*PutMetricAlarmIn)
		code   string
		msg    string
	}{
		{"no name", func(in *PutMetricAlarmIn) { in.AlarmName = "" }, "MissingParameter", "The parameter AlarmName is required."},
		{"non-ASCII name", func(in *PutMetricAlarmIn) { in.AlarmName = "エラー" }, "InvalidParameterValue", ""},
		{"period 45", func(in *PutMetricAlarmIn) { in.Period = i32(45) }, "InvalidParameterValue", "The parameter Period must be 10, 20, 30, or a multiple of 60."},
		{"no period", func(in *PutMetricAlarmIn) { in.Period = nil }, "MissingParameter", "The parameter Period is required."},
		{"over a day", func(in *PutMetricAlarmIn) { in.Period, in.EvaluationPeriods = i32(600), i32(145) }, "ValidationError",
			"Metrics cannot be checked across more than a day (EvaluationPeriods * Period must be <= 86400)."},
		{"over a week", func(in *PutMetricAlarmIn) { in.Period, in.EvaluationPeriods = i32(3600), i32(169) }, "ValidationError", ""},
		{"no evaluation periods", func(in *PutMetricAlarmIn) { in.EvaluationPeriods = nil }, "MissingParameter", "The parameter EvaluationPeriods is required."},
		{"datapoints above periods", func(in *PutMetricAlarmIn) { in.EvaluationPeriods, in.DatapointsToAlarm = i32(3), i32(4) }, "ValidationError", ""},
		{"both statistics", func(in *PutMetricAlarmIn) { in.ExtendedStatistic = "p99" }, "InvalidParameterCombination",
			"The parameters Statistic and ExtendedStatistic are mutually exclusive and you have specified both."},
		{"no statistic", func(in *PutMetricAlarmIn) { in.Statistic = "" }, "InvalidParameterCombination", ""},
		{"unknown statistic", func(in *PutMetricAlarmIn) { in.Statistic = "Median" }, "InvalidParameterValue",
			"The parameter Statistic must be a value in the set [ SampleCount, Average, Sum, Minimum, Maximum ]."},
		{"unsupported extended statistic", func(in *PutMetricAlarmIn) { in.Statistic, in.ExtendedStatistic = "", "tm90" }, "InvalidParameterValue",
			"The value tm90 for parameter ExtendedStatistic is not supported."},
		{"no comparison", func(in *PutMetricAlarmIn) { in.ComparisonOperator = "" }, "MissingParameter", ""},
		{"bad comparison", func(in *PutMetricAlarmIn) { in.ComparisonOperator = "Bigger" }, "InvalidParameterValue", ""},
		{"no threshold", func(in *PutMetricAlarmIn) { in.Threshold = nil }, "MissingParameter", "The parameter Threshold is required."},
		{"bad treat missing data", func(in *PutMetricAlarmIn) { in.TreatMissingData = "skip" }, "ValidationError",
			"Option skip is not supported. Supported options for parameter TreatMissingData are breaching, notBreaching, ignore, and missing."},
		{"topic in another region", func(in *PutMetricAlarmIn) { in.AlarmActions = []string{"arn:aws:sns:eu-central-1:111111111111:alarms"} },
			"ValidationError", "Invalid region eu-central-1 specified. Only us-east-1 is supported."},
		{"not an ARN", func(in *PutMetricAlarmIn) { in.OKActions = []string{"alarms"} }, "ValidationError", "Invalid arn syntax: alarms"},
		{"six actions", func(in *PutMetricAlarmIn) {
			in.AlarmActions = []string{topicArn, topicArn + "2", topicArn + "3", topicArn + "4", topicArn + "5", topicArn + "6"}
		}, "InvalidParameterValue", "The collection AlarmActions must not have a size greater than 5."},
		{"invalid dimension", func(in *PutMetricAlarmIn) { in.Dimensions = []Dimension{{Name: "FunctionName"}} }, "MissingParameter",
			"The parameter Dimensions.member.1.Value is required."},
		{"metrics and metric name", func(in *PutMetricAlarmIn) {
			in.Metrics = []MetricDataQuery{{Id: "m1", MetricStat: &MetricStat{Metric: &Metric{Namespace: "App", MetricName: "Errors"}, Period: i32(60), Stat: "Sum"}}}
		}, "InvalidParameterCombination", ""},
		{"anomaly band", func(in *PutMetricAlarmIn) { in.ComparisonOperator = "LessThanLowerOrGreaterThanUpperThreshold" }, "ValidationError", ""},
	}
	s := newService(t, func() time.Time { return t0 }, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := baseAlarm()
			tc.mutate(&in)
			_, err := s.PutMetricAlarm(ctxFor("111111111111", nil), &in)
			wantErr(t, err, tc.code, tc.msg)
		})
	}
}

// TestMetricsArrayAlarm: an alarm on a single MetricStat query evaluates
// like one on MetricName.
func TestMetricsArrayAlarm(t *testing.T) {
	c := servicetest.NewClock(t0)
	s := newService(t, c.Now, nil)
	ctx := ctxFor("111111111111", nil)
	in := PutMetricAlarmIn{AlarmName: "q", EvaluationPeriods: i32(1), Threshold: f64(5), ComparisonOperator: "GreaterThanThreshold",
		Metrics: []MetricDataQuery{{Id: "m1", MetricStat: &MetricStat{Metric: &Metric{Namespace: "App", MetricName: "Latency"}, Period: i32(60), Stat: "Maximum"}}}}
	if _, err := s.PutMetricAlarm(ctx, &in); err != nil {
		t.Fatal(err)
	}
	s.PutMetricData(ctx, &PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "Latency", Values: []float64{1, 9}}}})
	c.Set(t0.Add(time.Minute))
	s.Tick(context.Background(), c.Now())
	out, _ := s.DescribeAlarms(ctx, &DescribeAlarmsIn{})
	if a := out.MetricAlarms[0]; a.StateValue != StateAlarm || len(a.Metrics) != 1 || a.MetricName != "" {
		t.Errorf("got %+v", a)
	}
}

func TestDescribeAlarms(t *testing.T) {
	s := newService(t, func() time.Time { return t0 }, nil)
	ctx := ctxFor("111111111111", nil)
	for i := 0; i < 120; i++ {
		in := baseAlarm()
		in.AlarmName = fmt.Sprintf("app-%03d", i)
		if i%2 == 0 {
			in.AlarmActions = []string{"arn:aws:sns:us-east-1:111111111111:other"}
		}
		if _, err := s.PutMetricAlarm(ctx, &in); err != nil {
			t.Fatal(err)
		}
	}
	s.SetAlarmState(ctx, &SetAlarmStateIn{AlarmName: "app-007", StateValue: "ALARM", StateReason: "test"})
	s.PutMetricAlarm(ctxFor("222222222222", nil), &PutMetricAlarmIn{AlarmName: "app-x", Namespace: "App", MetricName: "Errors", Statistic: "Sum",
		Period: i32(60), EvaluationPeriods: i32(1), Threshold: f64(0), ComparisonOperator: "GreaterThanThreshold"})
	all := func(in DescribeAlarmsIn) []string {
		var names []string
		for {
			out, err := s.DescribeAlarms(ctx, &in)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range out.MetricAlarms {
				names = append(names, a.AlarmName)
			}
			if out.NextToken == "" {
				return names
			}
			in.NextToken = out.NextToken
		}
	}
	tests := []struct {
		name string
		in   DescribeAlarmsIn
		want int
	}{
		{"all, paged by 50", DescribeAlarmsIn{}, 120},
		{"page size", DescribeAlarmsIn{MaxRecords: i32(7)}, 120},
		{"names", DescribeAlarmsIn{AlarmNames: []string{"app-001", "app-002", "nope"}}, 2},
		{"prefix", DescribeAlarmsIn{AlarmNamePrefix: "app-11"}, 10},
		{"state", DescribeAlarmsIn{StateValue: "ALARM"}, 1},
		{"action prefix", DescribeAlarmsIn{ActionPrefix: "arn:aws:sns:us-east-1:111111111111:other"}, 60},
		{"composite only", DescribeAlarmsIn{AlarmTypes: []string{"CompositeAlarm"}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := all(tc.in); len(got) != tc.want {
				t.Errorf("got %d alarms, want %d", len(got), tc.want)
			}
		})
	}
	_, err := s.DescribeAlarms(ctx, &DescribeAlarmsIn{AlarmNames: []string{"a"}, AlarmNamePrefix: "a"})
	wantErr(t, err, "InvalidParameterCombination", "")
	_, err = s.DescribeAlarms(ctx, &DescribeAlarmsIn{MaxRecords: i32(101)})
	wantErr(t, err, "InvalidParameterValue", "")
	_, err = s.DescribeAlarms(ctx, &DescribeAlarmsIn{NextToken: "bogus"})
	wantErr(t, err, "InvalidNextToken", "")
	fm, _ := s.DescribeAlarmsForMetric(ctx, &DescribeAlarmsForMetricIn{Namespace: "App", MetricName: "Errors", Statistic: "Sum"})
	if len(fm.MetricAlarms) != 120 {
		t.Errorf("DescribeAlarmsForMetric: got %d, want 120", len(fm.MetricAlarms))
	}
}

// TestSetAlarmState: the set state runs its actions and lasts until the
// next evaluation (SetAlarmState API reference).
func TestSetAlarmState(t *testing.T) {
	c := servicetest.NewClock(t0)
	rec := &recorder{}
	s := newService(t, c.Now, rec)
	ctx := ctxFor("111111111111", nil)
	in := baseAlarm()
	in.TreatMissingData = "notBreaching"
	in.OKActions = []string{topicArn}
	s.PutMetricAlarm(ctx, &in) // evaluates at once: INSUFFICIENT_DATA -> OK
	if rec.count() != 1 {
		t.Fatalf("got %d notifications after creation, want the OK one", rec.count())
	}
	if _, err := s.SetAlarmState(ctx, &SetAlarmStateIn{AlarmName: "errors", StateValue: "ALARM", StateReason: "testing", StateReasonData: str(`{"k":1}`)}); err != nil {
		t.Fatal(err)
	}
	out, _ := s.DescribeAlarms(ctx, &DescribeAlarmsIn{})
	if a := out.MetricAlarms[0]; a.StateValue != "ALARM" || a.StateReason != "testing" || a.StateReasonData != `{"k":1}` {
		t.Errorf("got %+v", a)
	}
	if rec.count() != 2 || rec.sent[1].Subject != `ALARM: "errors" in US East (N. Virginia)` || rec.sent[1].Service != "cloudwatch.amazonaws.com" ||
		rec.sent[1].SourceArn != "arn:aws:cloudwatch:us-east-1:111111111111:alarm:errors" || rec.sent[1].SourceAccount != "111111111111" {
		t.Errorf("got notifications %+v", rec.sent)
	}
	if !strings.HasPrefix(rec.sent[1].ProtocolMessages["email"], "You are receiving this email because your Amazon CloudWatch Alarm") {
		t.Errorf("email text: %q", rec.sent[1].ProtocolMessages["email"])
	}
	c.Set(t0.Add(time.Minute))
	s.Tick(context.Background(), c.Now())
	out, _ = s.DescribeAlarms(ctx, &DescribeAlarmsIn{})
	if out.MetricAlarms[0].StateValue != "OK" {
		t.Errorf("after the next evaluation: got %s, want OK", out.MetricAlarms[0].StateValue)
	}
	tests := []struct {
		name string
		in   SetAlarmStateIn
		code string
		msg  string
	}{
		{"unknown alarm", SetAlarmStateIn{AlarmName: "nope", StateValue: "OK", StateReason: "x"}, "ResourceNotFound", ""},
		{"bad state", SetAlarmStateIn{AlarmName: "errors", StateValue: "RED", StateReason: "x"}, "ValidationError", ""},
		{"bad reason data", SetAlarmStateIn{AlarmName: "errors", StateValue: "OK", StateReason: "x", StateReasonData: str("{")}, "InvalidFormat", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.SetAlarmState(ctx, &tc.in)
			wantErr(t, err, tc.code, tc.msg)
		})
	}
}

// TestActionsDisabled: with actions disabled, state changes are recorded
// but notify nobody.
func TestActionsDisabled(t *testing.T) {
	rec := &recorder{}
	s := newService(t, func() time.Time { return t0 }, rec)
	ctx := ctxFor("111111111111", nil)
	in := baseAlarm()
	s.PutMetricAlarm(ctx, &in)
	s.DisableAlarmActions(ctx, &AlarmNamesIn{AlarmNames: []string{"errors"}})
	s.SetAlarmState(ctx, &SetAlarmStateIn{AlarmName: "errors", StateValue: "ALARM", StateReason: "x"})
	if rec.count() != 0 {
		t.Errorf("got %d notifications with actions disabled", rec.count())
	}
	s.EnableAlarmActions(ctx, &AlarmNamesIn{AlarmNames: []string{"errors"}})
	s.SetAlarmState(ctx, &SetAlarmStateIn{AlarmName: "errors", StateValue: "OK", StateReason: "x"})
	s.SetAlarmState(ctx, &SetAlarmStateIn{AlarmName: "errors", StateValue: "ALARM", StateReason: "x"})
	if rec.count() != 1 {
		t.Errorf("got %d notifications with actions enabled, want 1", rec.count())
	}
}

// TestDeleteAlarms: unknown names are ignored and history outlives the
// alarm (DeleteAlarms and DescribeAlarmHistory API references).
func TestDeleteAlarms(t *testing.T) {
	s := newService(t, func() time.Time { return t0 }, nil)
	ctx := ctxFor("111111111111", nil)
	in := baseAlarm()
	s.PutMetricAlarm(ctx, &in)
	if _, err := s.DeleteAlarms(ctx, &AlarmNamesIn{AlarmNames: []string{"errors", "never-existed"}}); err != nil {
		t.Fatal(err)
	}
	out, _ := s.DescribeAlarms(ctx, &DescribeAlarmsIn{})
	if len(out.MetricAlarms) != 0 {
		t.Errorf("got %d alarms after delete", len(out.MetricAlarms))
	}
	h, _ := s.DescribeAlarmHistory(ctx, &DescribeAlarmHistoryIn{AlarmName: "errors"})
	if len(h.AlarmHistoryItems) == 0 {
		t.Error("history deleted with the alarm")
	}
	_, err := s.DeleteAlarms(ctx, &AlarmNamesIn{})
	wantErr(t, err, "MissingParameter", "The parameter AlarmNames is required.")
}

// TestAlarmAuthorization: alarm operations are checked per alarm ARN and
// refused with IAM's AccessDenied message.
func TestAlarmAuthorization(t *testing.T) {
	authz := &servicetest.Authorizer{Deny: func(_ *service.Call, chk service.Check) bool {
		return chk.Action == "cloudwatch:DeleteAlarms" && strings.HasSuffix(chk.Resource, ":alarm:protected")
	}}
	s := newService(t, func() time.Time { return t0 }, nil)
	srv, _ := testServer(t, s, authz, func() time.Time { return t0 })
	c := cwClient(srv.URL, "111111111111")
	_, err := c.DeleteAlarms(context.Background(), deleteInput("other", "protected"))
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") ||
		!strings.Contains(err.Error(), "User: arn:aws:iam::111111111111:root is not authorized to perform: cloudwatch:DeleteAlarms on resource: arn:aws:cloudwatch:us-east-1:111111111111:alarm:protected") {
		t.Errorf("got %v", err)
	}
	var sawNamespace bool
	c.PutMetricData(context.Background(), putInput("App", "m", 1))
	for _, chk := range authz.Checks() {
		if chk.Action == "cloudwatch:PutMetricData" && chk.Resource == "*" && len(chk.Context["cloudwatch:namespace"]) == 1 && chk.Context["cloudwatch:namespace"][0] == "App" {
			sawNamespace = true
		}
	}
	if !sawNamespace {
		t.Errorf("PutMetricData was not checked with cloudwatch:namespace: %+v", authz.Checks())
	}
}

// TestHighResolutionAlarm: a 10-second alarm evaluates every 10 seconds
// on high-resolution data ("High-resolution alarms").
func TestHighResolutionAlarm(t *testing.T) {
	c := servicetest.NewClock(t0)
	s := newService(t, c.Now, nil)
	ctx := ctxFor("111111111111", nil)
	in := baseAlarm()
	in.Period, in.EvaluationPeriods = i32(10), i32(2)
	s.PutMetricAlarm(ctx, &in)
	for i := 0; i < 2; i++ {
		c.Set(t0.Add(time.Duration(i*10+5) * time.Second))
		s.PutMetricData(ctx, &PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "Errors", Value: f64(1), StorageResolution: i32(1)}}})
	}
	c.Set(t0.Add(20 * time.Second))
	s.Tick(context.Background(), c.Now())
	out, _ := s.DescribeAlarms(ctx, &DescribeAlarmsIn{})
	if out.MetricAlarms[0].StateValue != StateAlarm {
		t.Errorf("got %s (%s), want ALARM after two 10-second periods", out.MetricAlarms[0].StateValue, out.MetricAlarms[0].StateReason)
	}
}

// TestDynamoDBIgnoresMissingData: "Alarms that evaluate metrics in the
// AWS/DynamoDB namespace always ignore missing data" (PutMetricAlarm API
// reference).
func TestDynamoDBIgnoresMissingData(t *testing.T) {
	c := servicetest.NewClock(t0)
	s := newService(t, c.Now, nil)
	ctx := ctxFor("111111111111", nil)
	in := baseAlarm()
	in.Namespace, in.MetricName, in.TreatMissingData = "AWS/DynamoDB", "ThrottledRequests", "breaching"
	s.PutMetricAlarm(ctx, &in)
	c.Set(t0.Add(10 * time.Minute))
	s.Tick(context.Background(), c.Now())
	out, _ := s.DescribeAlarms(ctx, &DescribeAlarmsIn{})
	if out.MetricAlarms[0].StateValue != StateInsufficientData {
		t.Errorf("got %s, want the state kept", out.MetricAlarms[0].StateValue)
	}
}

// TestRun: Run evaluates alarms on the service clock, so an alarm set by
// SetAlarmState returns to its actual state without a call to Tick.
func TestRun(t *testing.T) {
	c := servicetest.NewClock(t0)
	s := newService(t, c.Now, nil)
	ctx := ctxFor("111111111111", nil)
	in := baseAlarm()
	in.TreatMissingData = "notBreaching"
	s.PutMetricAlarm(ctx, &in)
	s.SetAlarmState(ctx, &SetAlarmStateIn{AlarmName: "errors", StateValue: "ALARM", StateReason: "drill"})
	c.Set(t0.Add(time.Minute))
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(runCtx, time.Millisecond); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _ := s.DescribeAlarms(ctx, &DescribeAlarmsIn{})
		if out.MetricAlarms[0].StateValue == StateOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Run did not re-evaluate: state %s", out.MetricAlarms[0].StateValue)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
}
