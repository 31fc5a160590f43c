package cloudwatch

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/internal/paging"
)

// historyRetention is how long alarm history is kept: "CloudWatch preserves
// alarm history for two weeks".
const historyRetention = 14 * 24 * time.Hour

// historyItem is one entry of an alarm's history.
type historyItem struct {
	Alarm   string
	Time    time.Time
	Type    string // ConfigurationUpdate, StateUpdate, Action
	Summary string
	Data    string
}

// addHistory appends h to r's history.
func (r *region) addHistory(h historyItem) {
	if len(h.Summary) > 255 {
		h.Summary = h.Summary[:255]
	}
	r.history = append(r.history, h)
}

// configHistory is the HistoryData of a ConfigurationUpdate item.
func configHistory(typ string, old, cur *alarm) string {
	var w jsonWriter
	w.obj().key("version").str("1.0").key("type").str(typ)
	if old != nil {
		w.key("originalAlarm").raw(alarmJSON(old))
		w.key("updatedAlarm").raw(alarmJSON(cur))
	} else {
		w.key("createdAlarm").raw(alarmJSON(cur))
	}
	w.end('}')
	return w.String()
}

func alarmJSON(a *alarm) string {
	d := a.describe()
	d.StateReason, d.StateReasonData = "", ""
	s, _ := marshalNoEscape(jsonOut{v: d})
	return s
}

func isJSON(s string) bool {
	var v any
	return json.Unmarshal([]byte(s), &v) == nil
}

// params returns the evaluation parameters of a at now.
func (a *alarm) params(now time.Time) evalParams {
	p := evalParams{
		Now: now, Period: time.Duration(a.Period) * time.Second, N: int(a.EvaluationPeriods), M: int(a.EvaluationPeriods),
		Threshold: a.Threshold, Operator: a.ComparisonOperator, Treat: a.TreatMissingData, Stat: a.stat(), Unit: a.Unit,
	}
	if a.DatapointsToAlarm != nil {
		p.M, p.MofN = int(*a.DatapointsToAlarm), true
	}
	// "Alarms that evaluate metrics in the AWS/DynamoDB namespace always
	// ignore missing data" (PutMetricAlarm API reference).
	if a.Namespace == "AWS/DynamoDB" {
		p.Treat = treatIgnore
	}
	if a.EvaluateLowSampleCountPercentile == "ignore" {
		p.IgnoreLowSamples, p.LowSampleRequired = true, lowSampleRequirement(a.ExtendedStatistic)
	}
	return p
}

// slots reads a's evaluation range from the stored metric.
func (r *region) slots(a *alarm, p evalParams) []slot {
	n := evaluationRange(p.N)
	end := evaluationEnd(p.Now, p.Period)
	start := end.Add(-time.Duration(n) * p.Period)
	buckets := map[bucketKey]*agg{}
	aggregate(r.metrics[metricKey(a.Namespace, a.MetricName, sortedDims(a.Dimensions))], start, end, p.Period, a.Unit, false, buckets)
	slots := make([]slot, n)
	for i := range slots {
		slots[i].Start = start.Add(time.Duration(i) * p.Period)
		if b := buckets[bucketKey{start: slots[i].Start}]; b != nil {
			if v, ok := b.value(p.Stat); ok {
				slots[i].Has, slots[i].Value, slots[i].SampleCount = true, v, b.count
			}
		}
	}
	return slots
}

// evaluateAlarms evaluates the alarms selected by match at now and applies
// their state changes, returning the actions to run once the store's lock
// is released.
func (st *state) evaluateAlarms(now time.Time, match func(*alarm) bool) []actionTask {
	var tasks []actionTask
	changed := false
	for _, sc := range st.scopes() {
		r := st.regions[sc]
		names := make([]string, 0, len(r.alarms))
		for n, a := range r.alarms {
			if match(a) {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			a := r.alarms[n]
			p := a.params(now)
			o := evaluate(p, r.slots(a, p))
			if o.Retain || o.State == a.State {
				continue
			}
			changed = true
			if t := r.transition(a, now, o.State, o.Reason, o.ReasonData); t != nil {
				tasks = append(tasks, *t)
			}
		}
	}
	if changed {
		if err := st.save(); err != nil {
			st.log.Error("cloudwatch: saving alarm state", "error", err)
		}
	}
	return tasks
}

// transition moves a to state, records the StateUpdate history item and
// returns the notification to send, if the new state has actions.
func (r *region) transition(a *alarm, now time.Time, state, reason, data string) *actionTask {
	old := a.State
	oldReason, oldData := a.StateReason, a.StateReasonData
	a.State, a.StateReason, a.StateReasonData, a.StateUpdated, a.StateTransitioned = state, reason, data, now, now
	var w jsonWriter
	w.obj().key("version").str("1.0")
	w.key("oldState").obj().key("stateValue").str(old).key("stateReason").str(oldReason)
	if isJSON(oldData) {
		w.key("stateReasonData").raw(oldData)
	}
	w.end('}')
	w.key("newState").obj().key("stateValue").str(state).key("stateReason").str(reason)
	if isJSON(data) {
		w.key("stateReasonData").raw(data)
	}
	w.end('}').end('}')
	r.addHistory(historyItem{Alarm: a.Name, Time: now, Type: "StateUpdate",
		Summary: "Alarm updated from " + old + " to " + state, Data: w.String()})
	var arns []string
	switch state {
	case StateAlarm:
		arns = a.AlarmActions
	case StateOK:
		arns = a.OKActions
	case StateInsufficientData:
		arns = a.InsufficientDataActions
	}
	if !a.ActionsEnabled || len(arns) == 0 {
		return nil
	}
	return &actionTask{scope: a.Scope, alarm: a.Name, arns: append([]string(nil), arns...), at: now,
		note: buildNotification(a, old, now)}
}

// Tick evaluates every alarm at now, prunes data older than the retention
// periods and runs the actions of the alarms that changed state. The
// emulator calls it as its clock advances; tests call it with an injected
// time.
func (s *Service) Tick(ctx context.Context, now time.Time) {
	var actions []actionTask
	s.store.update(func(st *state) error {
		for _, r := range st.regions {
			for _, m := range r.metrics {
				m.prune(now.Add(-retention))
			}
			i := sort.Search(len(r.history), func(i int) bool { return !r.history[i].Time.Before(now.Add(-historyRetention)) })
			r.history = r.history[i:]
		}
		actions = st.evaluateAlarms(now, func(*alarm) bool { return true })
		return nil // evaluateAlarms logs a failed save
	})
	s.runActions(ctx, actions)
}

// Run calls Tick with the service's clock every interval until ctx is done.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Tick(ctx, s.now())
		}
	}
}

var historyTypes = []string{"ConfigurationUpdate", "StateUpdate", "Action"}

// DescribeAlarmHistory returns alarm history items, newest first unless
// ScanBy is TimestampAscending; history outlives deleted alarms.
func (s *Service) DescribeAlarmHistory(ctx context.Context, in *DescribeAlarmHistoryIn) (*DescribeAlarmHistoryOut, error) {
	if in.HistoryItemType != "" && !oneOf(in.HistoryItemType, historyTypes) {
		return nil, notInSet("HistoryItemType", historyTypes)
	}
	if in.ScanBy != "" && in.ScanBy != "TimestampDescending" && in.ScanBy != "TimestampAscending" {
		return nil, notInSet("ScanBy", []string{"TimestampDescending", "TimestampAscending"})
	}
	limit, err := maxRecords(in.MaxRecords, 100)
	if err != nil {
		return nil, err
	}
	start, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, invalidNextToken()
	}
	metricOnly := len(in.AlarmTypes) == 0 || oneOf("MetricAlarm", in.AlarmTypes)
	sc := callScope(ctx)
	var items []AlarmHistoryItem
	s.store.view(func(st *state) {
		if !metricOnly {
			return
		}
		for _, h := range st.region(sc).history {
			if (in.AlarmName != "" && h.Alarm != in.AlarmName) || (in.HistoryItemType != "" && h.Type != in.HistoryItemType) ||
				(in.StartDate != nil && h.Time.Before(*in.StartDate)) || (in.EndDate != nil && !h.Time.Before(*in.EndDate)) {
				continue
			}
			t := h.Time
			items = append(items, AlarmHistoryItem{AlarmName: h.Alarm, AlarmType: "MetricAlarm", Timestamp: &t,
				HistoryItemType: h.Type, HistorySummary: h.Summary, HistoryData: h.Data})
		}
	})
	if in.ScanBy != "TimestampAscending" {
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
		}
	}
	if start > len(items) {
		return nil, invalidNextToken()
	}
	out := &DescribeAlarmHistoryOut{AlarmHistoryItems: []AlarmHistoryItem{}}
	page, next := paging.Page(items, start, limit)
	out.AlarmHistoryItems = append(out.AlarmHistoryItems, page...)
	out.NextToken = next
	return out, nil
}

// truncate shortens s to n bytes for summaries.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
