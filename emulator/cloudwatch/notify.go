package cloudwatch

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/sns"
)

// ServicePrincipal is the principal CloudWatch alarms publish to SNS as.
const ServicePrincipal = "cloudwatch.amazonaws.com"

// actionTask is a state change whose actions are to run.
type actionTask struct {
	scope scope
	alarm string
	arns  []string
	at    time.Time
	note  notification
}

// notification is what an alarm publishes to SNS.
type notification struct {
	Subject string
	JSON    string // the message subscribers other than email receive
	Email   string // the text email subscribers receive
	ARN     string
}

// regionNames are the display names CloudWatch puts in notifications.
var regionNames = map[string]string{
	"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)", "us-west-1": "US West (N. California)",
	"us-west-2": "US West (Oregon)", "af-south-1": "Africa (Cape Town)", "ap-east-1": "Asia Pacific (Hong Kong)",
	"ap-south-1": "Asia Pacific (Mumbai)", "ap-northeast-1": "Asia Pacific (Tokyo)", "ap-northeast-2": "Asia Pacific (Seoul)",
	"ap-northeast-3": "Asia Pacific (Osaka)", "ap-southeast-1": "Asia Pacific (Singapore)", "ap-southeast-2": "Asia Pacific (Sydney)",
	"ca-central-1": "Canada (Central)", "eu-central-1": "EU (Frankfurt)", "eu-west-1": "EU (Ireland)", "eu-west-2": "EU (London)",
	"eu-west-3": "EU (Paris)", "eu-north-1": "EU (Stockholm)", "eu-south-1": "EU (Milan)", "me-south-1": "Middle East (Bahrain)",
	"sa-east-1": "South America (Sao Paulo)",
}

// RegionName returns the display name of a region ("US East (N.
// Virginia)"), or the code for regions it does not know.
func RegionName(code string) string {
	if n, ok := regionNames[code]; ok {
		return n
	}
	return code
}

// alarmMessage is the JSON CloudWatch publishes for a state change, members
// in CloudWatch's order.
type alarmMessage struct {
	AlarmName                          string
	AlarmDescription                   *string
	AWSAccountId                       string
	AlarmConfigurationUpdatedTimestamp string
	NewStateValue                      string
	NewStateReason                     string
	StateChangeTime                    string
	Region                             string
	AlarmArn                           string
	OldStateValue                      string
	OKActions                          []string
	AlarmActions                       []string
	InsufficientDataActions            []string
	Trigger                            trigger
}

type trigger struct {
	MetricName                       string
	Namespace                        string
	StatisticType                    string
	Statistic                        string `json:",omitempty"`
	ExtendedStatistic                string `json:",omitempty"`
	Unit                             *string
	Dimensions                       []triggerDim
	Period                           int32
	EvaluationPeriods                int32
	DatapointsToAlarm                *int32 `json:",omitempty"`
	ComparisonOperator               string
	Threshold                        javaDouble
	TreatMissingData                 string
	EvaluateLowSampleCountPercentile string
}

type triggerDim struct {
	Value string `json:"value"`
	Name  string `json:"name"`
}

// statisticNames are the Trigger's spellings of statistics.
var statisticNames = map[string]string{"SampleCount": "SAMPLE_COUNT", "Average": "AVERAGE", "Sum": "SUM", "Minimum": "MINIMUM", "Maximum": "MAXIMUM"}

// buildNotification renders the SNS notification of a's change from old.
func buildNotification(a *alarm, old string, at time.Time) notification {
	m := alarmMessage{
		AlarmName: a.Name, AlarmDescription: a.Description, AWSAccountId: a.Scope.Account,
		AlarmConfigurationUpdatedTimestamp: cwTime(a.ConfigUpdated), NewStateValue: a.State, NewStateReason: a.StateReason,
		StateChangeTime: cwTime(at), Region: RegionName(a.Scope.Region), AlarmArn: a.ARN(), OldStateValue: old,
		OKActions: nonNil(a.OKActions), AlarmActions: nonNil(a.AlarmActions), InsufficientDataActions: nonNil(a.InsufficientDataActions),
		Trigger: trigger{
			MetricName: a.MetricName, Namespace: a.Namespace, StatisticType: "Statistic", Statistic: statisticNames[a.Statistic],
			Dimensions: []triggerDim{}, Period: a.Period, EvaluationPeriods: a.EvaluationPeriods, DatapointsToAlarm: a.DatapointsToAlarm,
			ComparisonOperator: a.ComparisonOperator, Threshold: javaDouble(a.Threshold), TreatMissingData: a.TreatMissingData,
			EvaluateLowSampleCountPercentile: a.EvaluateLowSampleCountPercentile,
		},
	}
	if a.ExtendedStatistic != "" {
		m.Trigger.StatisticType, m.Trigger.ExtendedStatistic = "ExtendedStatistic", a.ExtendedStatistic
	}
	if a.Unit != "" {
		u := a.Unit
		m.Trigger.Unit = &u
	}
	if m.Trigger.TreatMissingData == "" {
		m.Trigger.TreatMissingData = treatMissing
	}
	for _, d := range a.Dimensions {
		m.Trigger.Dimensions = append(m.Trigger.Dimensions, triggerDim{Value: d.Value, Name: d.Name})
	}
	js, _ := marshalNoEscape(m)
	return notification{
		Subject: a.State + `: "` + a.Name + `" in ` + RegionName(a.Scope.Region),
		JSON:    js,
		Email:   emailText(a, old, at),
		ARN:     a.ARN(),
	}
}

// emailText is the human-readable message CloudWatch sends to email
// subscriptions in place of the JSON.
func emailText(a *alarm, old string, at time.Time) string {
	when := at.UTC().Format("Monday 02 January, 2006 15:04:05 UTC")
	region := RegionName(a.Scope.Region)
	desc := ""
	if a.Description != nil {
		desc = *a.Description
	}
	var b strings.Builder
	line := func(label, value string) { b.WriteString("- " + pad(label+":", 28) + value + "\n") }
	mline := func(label, value string) { b.WriteString("- " + pad(label+":", 37) + value + "\n") }
	b.WriteString(`You are receiving this email because your Amazon CloudWatch Alarm "` + a.Name + `" in the ` + region +
		` region has entered the ` + a.State + ` state, because "` + a.StateReason + `" at "` + when + "\".\n\n")
	b.WriteString("View this alarm in the AWS Management Console:\n")
	b.WriteString("https://" + a.Scope.Region + ".console.aws.amazon.com/cloudwatch/deeplink.js?region=" + a.Scope.Region +
		"#alarmsV2:alarm/" + a.Name + "\n\n")
	b.WriteString("Alarm Details:\n")
	line("Name", a.Name)
	line("Description", desc)
	line("State Change", old+" -> "+a.State)
	line("Reason for State Change", a.StateReason)
	line("Timestamp", when)
	line("AWS Account", a.Scope.Account)
	line("Alarm Arn", a.ARN())
	b.WriteString("\nThreshold:\n")
	m := a.EvaluationPeriods
	if a.DatapointsToAlarm != nil {
		m = *a.DatapointsToAlarm
	}
	b.WriteString("- The alarm is in the ALARM state when the metric is " + a.ComparisonOperator + " " + fmtValue(a.Threshold) +
		" for at least " + strconv.Itoa(int(m)) + " of the last " + strconv.Itoa(int(a.EvaluationPeriods)) +
		" period(s) of " + strconv.Itoa(int(a.Period)) + " seconds.\n\n")
	b.WriteString("Monitored Metric:\n")
	dims := make([]string, len(a.Dimensions))
	for i, d := range a.Dimensions {
		dims[i] = d.Name + " = " + d.Value
	}
	unit, treat := a.Unit, a.TreatMissingData
	if unit == "" {
		unit = "not specified"
	}
	if treat == "" {
		treat = treatMissing
	}
	mline("MetricNamespace", a.Namespace)
	mline("MetricName", a.MetricName)
	mline("Dimensions", "["+strings.Join(dims, ", ")+"]")
	mline("Period", strconv.Itoa(int(a.Period))+" seconds")
	mline("Statistic", a.stat())
	mline("Unit", unit)
	mline("TreatMissingData", treat)
	b.WriteString("\n\nState Change Actions:\n")
	b.WriteString("- OK: " + actionList(a.OKActions) + "\n")
	b.WriteString("- ALARM: " + actionList(a.AlarmActions) + "\n")
	b.WriteString("- INSUFFICIENT_DATA: " + actionList(a.InsufficientDataActions) + "\n")
	return b.String()
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s + " "
	}
	return s + strings.Repeat(" ", n-len(s))
}

func actionList(arns []string) string {
	if len(arns) == 0 {
		return ""
	}
	return "[" + strings.Join(arns, ", ") + "]"
}

// runActions executes state-change actions outside the service lock and
// records each outcome in the alarm's history. SNS topics are published to
// through the Notifier as the CloudWatch service principal; other action
// types are recorded as failed, the emulator does not run them.
func (s *Service) runActions(ctx context.Context, tasks []actionTask) {
	for _, t := range tasks {
		for _, arn := range t.arns {
			msgID, err := s.execute(ctx, t, arn)
			s.recordAction(t, arn, msgID, err)
		}
	}
}

func (s *Service) execute(ctx context.Context, t actionTask, arn string) (string, error) {
	if !strings.HasPrefix(arn, "arn:aws:sns:") {
		return "", errors.New("the xacct emulator only runs SNS actions")
	}
	if s.notifier == nil {
		return "", errors.New("no SNS service is connected to CloudWatch")
	}
	return s.notifier.PublishFromService(ctx, sns.ServicePublish{
		Service:          ServicePrincipal,
		DisplayName:      "CloudWatch Alarms",
		SourceAccount:    t.scope.Account,
		SourceArn:        t.note.ARN,
		TopicArn:         arn,
		Subject:          t.note.Subject,
		Message:          t.note.JSON,
		ProtocolMessages: map[string]string{"email": t.note.Email},
	})
}

func (s *Service) recordAction(t actionTask, arn, msgID string, err error) {
	var w jsonWriter
	w.obj()
	h := historyItem{Alarm: t.alarm, Time: t.at, Type: "Action"}
	if err != nil {
		msg := err.Error()
		if e, ok := awserr.As(err); ok {
			msg = e.Message
		}
		h.Summary = truncate("Failed to execute action "+arn+". Received error: \""+msg+"\"", 255)
		w.key("actionState").str("Failed")
		w.key("stateUpdateTimestamp").num(t.at.UnixMilli())
		w.key("notificationResource").str(arn)
		w.key("error").str(msg)
	} else {
		h.Summary = "Successfully executed action " + arn
		w.key("actionState").str("Succeeded")
		w.key("stateUpdateTimestamp").num(t.at.UnixMilli())
		w.key("notificationResource").str(arn)
		w.key("publishedMessage").obj().key("messageId").str(msgID)
		// HistoryData holds at most 4095 characters.
		if len(t.note.JSON) < 3000 {
			w.key("default").str(t.note.JSON)
		}
		w.end('}')
	}
	w.end('}')
	h.Data = w.String()
	if err := s.store.update(func(st *state) error {
		st.region(t.scope).addHistory(h)
		return st.save()
	}); err != nil {
		s.log.Error("cloudwatch: saving alarm history", "error", err)
	}
	if err != nil {
		s.log.Warn("cloudwatch: alarm action failed", "alarm", t.alarm, "action", arn, "error", h.Summary)
	}
}
