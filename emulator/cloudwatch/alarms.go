package cloudwatch

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/internal/paging"
)

// alarm is a metric alarm as the service stores it.
type alarm struct {
	Scope                            scope
	Name                             string
	Description                      *string `json:",omitempty"`
	ActionsEnabled                   bool
	OKActions                        []string
	AlarmActions                     []string
	InsufficientDataActions          []string
	Namespace                        string
	MetricName                       string
	Dimensions                       []Dimension
	Statistic                        string `json:",omitempty"`
	ExtendedStatistic                string `json:",omitempty"`
	Period                           int32
	Unit                             string            `json:",omitempty"`
	Metrics                          []MetricDataQuery `json:",omitempty"`
	EvaluationPeriods                int32
	DatapointsToAlarm                *int32 `json:",omitempty"`
	Threshold                        float64
	ComparisonOperator               string
	TreatMissingData                 string `json:",omitempty"`
	EvaluateLowSampleCountPercentile string `json:",omitempty"`
	Tags                             []Tag  `json:",omitempty"`
	ConfigUpdated                    time.Time
	State                            string
	StateReason                      string
	StateReasonData                  string `json:",omitempty"`
	StateUpdated                     time.Time
	StateTransitioned                time.Time
}

// ARN returns the alarm's ARN.
func (a *alarm) ARN() string { return alarmARN(a.Scope, a.Name) }

// stat is the statistic the alarm evaluates.
func (a *alarm) stat() string {
	if a.ExtendedStatistic != "" {
		return a.ExtendedStatistic
	}
	return a.Statistic
}

// watches reports whether the alarm evaluates metric ns/name/dims.
func (a *alarm) watches(ns, name string, dims []Dimension) bool {
	return a.Namespace == ns && a.MetricName == name && metricKey(ns, name, sortedDims(a.Dimensions)) == metricKey(ns, name, sortedDims(dims))
}

func (a *alarm) describe() MetricAlarm {
	p, n := a.Period, a.EvaluationPeriods
	th := a.Threshold
	enabled := a.ActionsEnabled
	cfg, upd, tr := a.ConfigUpdated, a.StateUpdated, a.StateTransitioned
	m := MetricAlarm{
		AlarmName: a.Name, AlarmArn: a.ARN(), AlarmDescription: a.Description,
		AlarmConfigurationUpdatedTimestamp: &cfg, ActionsEnabled: &enabled,
		OKActions: nonNil(a.OKActions), AlarmActions: nonNil(a.AlarmActions), InsufficientDataActions: nonNil(a.InsufficientDataActions),
		StateValue: a.State, StateReason: a.StateReason, StateReasonData: a.StateReasonData,
		StateUpdatedTimestamp: &upd, StateTransitionedTimestamp: &tr,
		EvaluationPeriods: &n, DatapointsToAlarm: a.DatapointsToAlarm, Threshold: &th,
		ComparisonOperator: a.ComparisonOperator, TreatMissingData: a.TreatMissingData,
		EvaluateLowSampleCountPercentile: a.EvaluateLowSampleCountPercentile,
	}
	if len(a.Metrics) > 0 {
		m.Metrics = a.Metrics
		return m
	}
	m.MetricName, m.Namespace, m.Statistic, m.ExtendedStatistic = a.MetricName, a.Namespace, a.Statistic, a.ExtendedStatistic
	m.Dimensions, m.Period, m.Unit = nonNil(a.Dimensions), &p, a.Unit
	return m
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

var comparisonOperators = []string{"GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
	"LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold"}

// buildAlarm validates PutMetricAlarm's input (PutMetricAlarm API reference)
// and returns the alarm's configuration.
func buildAlarm(sc scope, in *PutMetricAlarmIn) (*alarm, error) {
	a := &alarm{Scope: sc, Name: in.AlarmName, Description: in.AlarmDescription, ActionsEnabled: true,
		Tags: in.Tags, TreatMissingData: in.TreatMissingData, EvaluateLowSampleCountPercentile: in.EvaluateLowSampleCountPercentile}
	switch {
	case in.AlarmName == "":
		return nil, missingParam("AlarmName")
	case len(in.AlarmName) > 255:
		return nil, tooLong("AlarmName", 255)
	case !isASCII(in.AlarmName):
		return nil, invalidValue("The parameter AlarmName must contain only ASCII characters.")
	case in.AlarmDescription != nil && len(*in.AlarmDescription) > 1024:
		return nil, tooLong("AlarmDescription", 1024)
	}
	if in.ActionsEnabled != nil {
		a.ActionsEnabled = *in.ActionsEnabled
	}
	for _, l := range []struct {
		name string
		arns []string
		dst  *[]string
	}{{"OKActions", in.OKActions, &a.OKActions}, {"AlarmActions", in.AlarmActions, &a.AlarmActions},
		{"InsufficientDataActions", in.InsufficientDataActions, &a.InsufficientDataActions}} {
		if err := checkActions(sc, l.name, l.arns); err != nil {
			return nil, err
		}
		*l.dst = append([]string{}, l.arns...)
	}
	if err := a.setMetric(in); err != nil {
		return nil, err
	}
	if err := a.setThreshold(in); err != nil {
		return nil, err
	}
	if len(in.Tags) > 50 {
		return nil, tooMany("Tags", 50)
	}
	return a, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// checkActions validates alarm action ARNs. CloudWatch does not check that
// an SNS topic exists ("CloudWatch doesn't test or validate the actions that
// you specify"), but refuses topics in other regions.
func checkActions(sc scope, list string, arns []string) error {
	if len(arns) > 5 {
		return tooMany(list, 5)
	}
	for _, arn := range arns {
		parts := strings.SplitN(arn, ":", 6)
		if len(parts) < 6 || parts[0] != "arn" || parts[2] == "" {
			return validationError("Invalid arn syntax: %s", arn)
		}
		if parts[2] == "sns" && parts[3] != sc.Region {
			return validationError("Invalid region %s specified. Only %s is supported.", parts[3], sc.Region)
		}
	}
	return nil
}

func checkAlarmPeriod(p int32) error {
	if p == 10 || p == 20 || p == 30 || (p >= 60 && p%60 == 0) {
		return nil
	}
	return invalidValue("The parameter Period must be 10, 20, 30, or a multiple of 60.")
}

// setMetric takes the watched metric from MetricName… or from a Metrics
// array with a single MetricStat query.
func (a *alarm) setMetric(in *PutMetricAlarmIn) error {
	if len(in.Metrics) > 0 {
		for _, f := range []struct{ name, v string }{{"MetricName", in.MetricName}, {"Namespace", in.Namespace},
			{"Statistic", in.Statistic}, {"ExtendedStatistic", in.ExtendedStatistic}, {"Unit", in.Unit}} {
			if f.v != "" {
				return exclusive("Metrics", f.name)
			}
		}
		if in.Period != nil || len(in.Dimensions) > 0 {
			return exclusive("Metrics", "Period")
		}
		var ret []MetricDataQuery
		for i, q := range in.Metrics {
			if err := checkQuery(member("Metrics", i), q); err != nil {
				return err
			}
			if q.ReturnData == nil || *q.ReturnData {
				ret = append(ret, q)
			}
		}
		if len(in.Metrics) != 1 || len(ret) != 1 {
			return validationError("The xacct emulator supports alarms whose Metrics array holds a single MetricStat query returning data.")
		}
		ms := ret[0].MetricStat
		a.Metrics = in.Metrics
		a.Namespace, a.MetricName, a.Dimensions, a.Period, a.Unit = ms.Metric.Namespace, ms.Metric.MetricName, ms.Metric.Dimensions, *ms.Period, ms.Unit
		if oneOf(ms.Stat, statistics) {
			a.Statistic = ms.Stat
		} else {
			a.ExtendedStatistic = ms.Stat
		}
		return checkAlarmPeriod(a.Period)
	}
	if in.MetricName == "" {
		return validationError("You must specify either MetricName or Metrics.")
	}
	if err := checkMetricName("MetricName", in.MetricName); err != nil {
		return err
	}
	if err := checkNamespace("Namespace", in.Namespace, true); err != nil {
		return err
	}
	if err := checkDimensions("Dimensions", in.Dimensions); err != nil {
		return err
	}
	if err := checkUnit("Unit", in.Unit); err != nil {
		return err
	}
	switch {
	case in.Statistic != "" && in.ExtendedStatistic != "":
		return exclusive("Statistic", "ExtendedStatistic")
	case in.Statistic == "" && in.ExtendedStatistic == "":
		return combination("You must specify either Statistic or ExtendedStatistic.")
	case in.Statistic != "" && !oneOf(in.Statistic, statistics):
		return notInSet("Statistic", statistics)
	case in.ExtendedStatistic != "":
		if _, ok := parsePercentile(in.ExtendedStatistic); !ok {
			return invalidValue("The value %s for parameter ExtendedStatistic is not supported.", in.ExtendedStatistic)
		}
	}
	if in.Period == nil {
		return missingParam("Period")
	}
	if err := checkAlarmPeriod(*in.Period); err != nil {
		return err
	}
	a.Namespace, a.MetricName, a.Dimensions = in.Namespace, in.MetricName, append([]Dimension{}, in.Dimensions...)
	a.Statistic, a.ExtendedStatistic, a.Period, a.Unit = in.Statistic, in.ExtendedStatistic, *in.Period, in.Unit
	return nil
}

func (a *alarm) setThreshold(in *PutMetricAlarmIn) error {
	if in.EvaluationPeriods == nil {
		return missingParam("EvaluationPeriods")
	}
	n := *in.EvaluationPeriods
	if n < 1 {
		return invalidValue("The parameter EvaluationPeriods must be greater than or equal to 1.")
	}
	if in.DatapointsToAlarm != nil && (*in.DatapointsToAlarm < 1 || *in.DatapointsToAlarm > n) {
		return validationError("DatapointsToAlarm must be between 1 and EvaluationPeriods (%d).", n)
	}
	// "An alarm's total current evaluation period can be no longer than
	// seven days"; one day for periods under an hour.
	if total := int64(n) * int64(a.Period); a.Period < 3600 && total > 86400 {
		return validationError("Metrics cannot be checked across more than a day (EvaluationPeriods * Period must be <= 86400).")
	} else if total > 604800 {
		return validationError("Metrics cannot be checked across more than a week (EvaluationPeriods * Period must be <= 604800).")
	}
	if in.ComparisonOperator == "" {
		return missingParam("ComparisonOperator")
	}
	if !oneOf(in.ComparisonOperator, comparisonOperators) {
		return notInSet("ComparisonOperator", comparisonOperators)
	}
	if in.ThresholdMetricId != "" || !oneOf(in.ComparisonOperator, comparisonOperators[:4]) {
		return validationError("Anomaly detection alarms (%s with ThresholdMetricId) are not supported by the xacct emulator.", in.ComparisonOperator)
	}
	if in.Threshold == nil {
		return missingParam("Threshold")
	}
	if in.TreatMissingData != "" && !oneOf(in.TreatMissingData, []string{treatBreaching, treatNotBreaching, treatIgnore, treatMissing}) {
		return validationError("Option %s is not supported. Supported options for parameter TreatMissingData are breaching, notBreaching, ignore, and missing.", in.TreatMissingData)
	}
	if v := in.EvaluateLowSampleCountPercentile; v != "" && v != "evaluate" && v != "ignore" {
		return validationError("Option %s is not supported. Supported options for parameter EvaluateLowSampleCountPercentile are evaluate and ignore.", v)
	}
	a.EvaluationPeriods, a.DatapointsToAlarm, a.Threshold, a.ComparisonOperator = n, in.DatapointsToAlarm, *in.Threshold, in.ComparisonOperator
	return nil
}

// PutMetricAlarm creates or replaces an alarm. A new alarm starts in
// INSUFFICIENT_DATA and is evaluated at once; an updated one keeps its state
// and is re-evaluated (PutMetricAlarm API reference).
func (s *Service) PutMetricAlarm(ctx context.Context, in *PutMetricAlarmIn) (*struct{}, error) {
	sc := callScope(ctx)
	a, err := buildAlarm(sc, in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var actions []actionTask
	err = s.store.update(func(st *state) error {
		r := st.region(sc)
		old := r.alarms[a.Name]
		a.ConfigUpdated = now
		if old == nil {
			a.State, a.StateReason, a.StateUpdated, a.StateTransitioned = StateInsufficientData, "Unchecked: Initial alarm creation", now, now
			r.addHistory(historyItem{Alarm: a.Name, Time: now, Type: "ConfigurationUpdate",
				Summary: `Alarm "` + a.Name + `" created`, Data: configHistory("Create", nil, a)})
		} else {
			a.State, a.StateReason, a.StateReasonData, a.StateUpdated, a.StateTransitioned = old.State, old.StateReason, old.StateReasonData, old.StateUpdated, old.StateTransitioned
			a.Tags = old.Tags
			r.addHistory(historyItem{Alarm: a.Name, Time: now, Type: "ConfigurationUpdate",
				Summary: `Alarm "` + a.Name + `" updated`, Data: configHistory("Update", old, a)})
		}
		r.alarms[a.Name] = a
		err := st.save()
		actions = st.evaluateAlarms(now, func(x *alarm) bool { return x == a })
		return err
	})
	s.runActions(ctx, actions)
	return nil, err
}

// DescribeAlarms lists metric alarms by name, prefix, state or action.
func (s *Service) DescribeAlarms(ctx context.Context, in *DescribeAlarmsIn) (*DescribeAlarmsOut, error) {
	if len(in.AlarmNames) > 0 && in.AlarmNamePrefix != "" {
		return nil, exclusive("AlarmNames", "AlarmNamePrefix")
	}
	if len(in.AlarmNames) > 100 {
		return nil, tooMany("AlarmNames", 100)
	}
	if in.StateValue != "" && !oneOf(in.StateValue, []string{StateOK, StateAlarm, StateInsufficientData}) {
		return nil, notInSet("StateValue", []string{StateOK, StateAlarm, StateInsufficientData})
	}
	limit, err := maxRecords(in.MaxRecords, 50)
	if err != nil {
		return nil, err
	}
	start, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, invalidNextToken()
	}
	metric, composite := len(in.AlarmTypes) == 0, false
	for _, t := range in.AlarmTypes {
		switch t {
		case "MetricAlarm":
			metric = true
		case "CompositeAlarm":
			composite = true
		default:
			return nil, notInSet("AlarmTypes", []string{"CompositeAlarm", "MetricAlarm"})
		}
	}
	names := map[string]bool{}
	for _, n := range in.AlarmNames {
		names[n] = true
	}
	sc := callScope(ctx)
	var all []MetricAlarm
	s.store.view(func(st *state) {
		if !metric {
			return
		}
		for _, a := range st.region(sc).alarms {
			if (len(names) > 0 && !names[a.Name]) || !strings.HasPrefix(a.Name, in.AlarmNamePrefix) ||
				(in.StateValue != "" && a.State != in.StateValue) || !hasActionPrefix(a, in.ActionPrefix) {
				continue
			}
			all = append(all, a.describe())
		}
	})
	sort.Slice(all, func(i, j int) bool { return all[i].AlarmName < all[j].AlarmName })
	if start > len(all) {
		return nil, invalidNextToken()
	}
	out := &DescribeAlarmsOut{MetricAlarms: []MetricAlarm{}}
	if composite {
		out.CompositeAlarms = []CompositeAlarm{}
	}
	page, next := paging.Page(all, start, limit)
	out.MetricAlarms = append(out.MetricAlarms, page...)
	out.NextToken = next
	return out, nil
}

func hasActionPrefix(a *alarm, prefix string) bool {
	if prefix == "" {
		return true
	}
	for _, l := range [][]string{a.AlarmActions, a.OKActions, a.InsufficientDataActions} {
		for _, arn := range l {
			if strings.HasPrefix(arn, prefix) {
				return true
			}
		}
	}
	return false
}

func maxRecords(p *int32, def int) (int, error) {
	if p == nil {
		return def, nil
	}
	if *p < 1 || *p > 100 {
		return 0, invalidValue("The parameter MaxRecords must be between 1 and 100.")
	}
	return int(*p), nil
}

// DescribeAlarmsForMetric lists the alarms watching a metric.
func (s *Service) DescribeAlarmsForMetric(ctx context.Context, in *DescribeAlarmsForMetricIn) (*DescribeAlarmsForMetricOut, error) {
	if err := checkMetricName("MetricName", in.MetricName); err != nil {
		return nil, err
	}
	if err := checkNamespace("Namespace", in.Namespace, true); err != nil {
		return nil, err
	}
	sc := callScope(ctx)
	out := &DescribeAlarmsForMetricOut{MetricAlarms: []MetricAlarm{}}
	s.store.view(func(st *state) {
		for _, a := range st.region(sc).alarms {
			if !a.watches(in.Namespace, in.MetricName, in.Dimensions) ||
				(in.Statistic != "" && a.Statistic != in.Statistic) || (in.ExtendedStatistic != "" && a.ExtendedStatistic != in.ExtendedStatistic) ||
				(in.Period != nil && a.Period != *in.Period) || (in.Unit != "" && a.Unit != in.Unit) {
				continue
			}
			out.MetricAlarms = append(out.MetricAlarms, a.describe())
		}
	})
	sort.Slice(out.MetricAlarms, func(i, j int) bool { return out.MetricAlarms[i].AlarmName < out.MetricAlarms[j].AlarmName })
	return out, nil
}

func checkNames(names []string) error {
	if len(names) == 0 {
		return missingParam("AlarmNames")
	}
	if len(names) > 100 {
		return tooMany("AlarmNames", 100)
	}
	return nil
}

// DeleteAlarms deletes alarms. Names that match no alarm are ignored; the
// alarms' history is kept (DeleteAlarms and DescribeAlarmHistory API
// references).
func (s *Service) DeleteAlarms(ctx context.Context, in *AlarmNamesIn) (*struct{}, error) {
	if err := checkNames(in.AlarmNames); err != nil {
		return nil, err
	}
	if err := authorizeAlarms(ctx, "DeleteAlarms", in.AlarmNames); err != nil {
		return nil, err
	}
	sc := callScope(ctx)
	return nil, s.store.update(func(st *state) error {
		r := st.region(sc)
		for _, n := range in.AlarmNames {
			delete(r.alarms, n)
		}
		return st.save()
	})
}

// EnableAlarmActions turns alarms' actions on.
func (s *Service) EnableAlarmActions(ctx context.Context, in *AlarmNamesIn) (*struct{}, error) {
	return nil, s.setActionsEnabled(ctx, "EnableAlarmActions", in.AlarmNames, true)
}

// DisableAlarmActions turns alarms' actions off: state changes are still
// recorded but notify nobody.
func (s *Service) DisableAlarmActions(ctx context.Context, in *AlarmNamesIn) (*struct{}, error) {
	return nil, s.setActionsEnabled(ctx, "DisableAlarmActions", in.AlarmNames, false)
}

func (s *Service) setActionsEnabled(ctx context.Context, action string, names []string, on bool) error {
	if err := checkNames(names); err != nil {
		return err
	}
	if err := authorizeAlarms(ctx, action, names); err != nil {
		return err
	}
	sc := callScope(ctx)
	now := s.now()
	return s.store.update(func(st *state) error {
		r := st.region(sc)
		for _, n := range names {
			if a := r.alarms[n]; a != nil && a.ActionsEnabled != on {
				old := *a
				a.ActionsEnabled = on
				a.ConfigUpdated = now
				r.addHistory(historyItem{Alarm: a.Name, Time: now, Type: "ConfigurationUpdate",
					Summary: `Alarm "` + a.Name + `" updated`, Data: configHistory("Update", &old, a)})
			}
		}
		return st.save()
	})
}

// SetAlarmState sets an alarm's state until its next evaluation; a change
// runs the new state's actions (SetAlarmState API reference).
func (s *Service) SetAlarmState(ctx context.Context, in *SetAlarmStateIn) (*struct{}, error) {
	switch {
	case in.AlarmName == "":
		return nil, missingParam("AlarmName")
	case in.StateValue == "":
		return nil, missingParam("StateValue")
	case !oneOf(in.StateValue, []string{StateOK, StateAlarm, StateInsufficientData}):
		return nil, validationError("1 validation error detected: Value '%s' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]", in.StateValue)
	case len(in.StateReason) > 1023:
		return nil, tooLong("StateReason", 1023)
	}
	data := ""
	if in.StateReasonData != nil {
		data = *in.StateReasonData
		if !isJSON(data) {
			return nil, awserr.New(400, "InvalidFormat", "Unknown")
		}
	}
	sc := callScope(ctx)
	now := s.now()
	var actions []actionTask
	err := s.store.update(func(st *state) error {
		r := st.region(sc)
		a := r.alarms[in.AlarmName]
		if a == nil {
			return resourceNotFound("Unknown")
		}
		if a.State == in.StateValue {
			a.StateReason, a.StateReasonData, a.StateUpdated = in.StateReason, data, now
		} else if t := r.transition(a, now, in.StateValue, in.StateReason, data); t != nil {
			actions = append(actions, *t)
		}
		return st.save()
	})
	s.runActions(ctx, actions)
	return nil, err
}
