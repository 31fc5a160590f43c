package cloudwatch

import (
	"math"
	"strings"
	"time"
)

// Alarm states.
const (
	StateOK               = "OK"
	StateAlarm            = "ALARM"
	StateInsufficientData = "INSUFFICIENT_DATA"
)

// TreatMissingData values.
const (
	treatMissing      = "missing"
	treatIgnore       = "ignore"
	treatBreaching    = "breaching"
	treatNotBreaching = "notBreaching"
)

// slot is one period of an alarm's evaluation range.
type slot struct {
	Start       time.Time
	Has         bool
	Value       float64
	SampleCount float64
}

// evalParams is what evaluating an alarm needs besides its data.
type evalParams struct {
	Now               time.Time
	Period            time.Duration
	N                 int  // EvaluationPeriods
	M                 int  // DatapointsToAlarm, or N
	MofN              bool // DatapointsToAlarm was set
	Threshold         float64
	Operator          string
	Treat             string
	Stat              string // Statistic or ExtendedStatistic
	Unit              string
	IgnoreLowSamples  bool // EvaluateLowSampleCountPercentile=ignore
	LowSampleRequired float64
}

// outcome is the state an evaluation arrives at.
type outcome struct {
	State      string
	Reason     string
	ReasonData string
	// Retain is true when the alarm keeps its current state (missing data
	// treated as ignore, or too few samples for a percentile).
	Retain bool
}

// evaluationRange is how many periods an evaluation retrieves: more than
// EvaluationPeriods, so that missing data can be filled in ("How alarm state
// is evaluated when data is missing": 5 data points for 3 evaluation
// periods). The emulator always retrieves N+2.
func evaluationRange(n int) int { return n + 2 }

// evaluationEnd is where an evaluation's last period ends: alarms evaluate
// on the minute (every 10 seconds for high-resolution alarms), over periods
// that have fully elapsed.
func evaluationEnd(now time.Time, period time.Duration) time.Time {
	if period < time.Minute {
		return now.Truncate(10 * time.Second)
	}
	return now.Truncate(time.Minute)
}

// breaches reports whether v crosses the threshold for the operator.
func breaches(op string, v, threshold float64) bool {
	switch op {
	case "GreaterThanThreshold":
		return v > threshold
	case "GreaterThanOrEqualToThreshold":
		return v >= threshold
	case "LessThanThreshold":
		return v < threshold
	case "LessThanOrEqualToThreshold":
		return v <= threshold
	}
	return false
}

// evaluate decides an alarm's state from its evaluation range (oldest slot
// first), following "Evaluating an alarm" and "How alarm state is evaluated
// when data is missing" in the CloudWatch User Guide:
//
//   - With at least N real data points in the range, the N most recent are
//     evaluated and missing data is ignored.
//   - With fewer, the real points are evaluated together with N-k missing
//     ones, the most recent missing periods, filled per TreatMissingData.
//     breaching/notBreaching count them as such. missing/ignore leave them
//     unknown: the alarm goes to ALARM when M real points breach, to OK
//     when a real point does not breach; otherwise, with missing, to ALARM
//     when the oldest evaluated point is a real breaching one (the metric
//     stopped while breaching) or else to INSUFFICIENT_DATA, and with
//     ignore it keeps its state.
//   - ALARM needs M breaching points of the N evaluated; otherwise OK.
func evaluate(p evalParams, slots []slot) outcome {
	treat := p.Treat
	if treat == "" {
		treat = treatMissing
	}
	var real []int
	for i, s := range slots {
		if s.Has {
			real = append(real, i)
		}
	}
	if p.IgnoreLowSamples && p.LowSampleRequired > 0 {
		for _, i := range lastN(real, p.N) {
			if slots[i].SampleCount < p.LowSampleRequired {
				return outcome{Retain: true}
			}
		}
	}
	br := func(i int) bool { return breaches(p.Operator, slots[i].Value, p.Threshold) }
	if len(real) >= p.N {
		eval := lastN(real, p.N)
		b := count(eval, br)
		state := StateOK
		if b >= p.M {
			state = StateAlarm
		}
		return p.crossed(state, slots, eval, nil, "")
	}
	// Fewer real points than evaluation periods: fill the most recent
	// missing periods.
	fill := missingSlots(slots, p.N-len(real))
	evalSet := merge(real, fill)
	switch treat {
	case treatBreaching, treatNotBreaching:
		b := count(real, br)
		if treat == treatBreaching {
			b += len(fill)
		}
		state := StateOK
		if b >= p.M {
			state = StateAlarm
		}
		return p.crossed(state, slots, evalSet, fill, treat)
	}
	if len(real) == 0 {
		if treat == treatIgnore {
			return outcome{Retain: true}
		}
		return p.insufficient(slots, evalSet, len(fill))
	}
	b := count(real, br)
	switch {
	case b >= p.M:
		return p.crossed(StateAlarm, slots, evalSet, nil, "")
	case count(real, func(i int) bool { return !br(i) }) > 0:
		return p.crossed(StateOK, slots, evalSet, nil, "")
	case slots[evalSet[0]].Has && treat == treatMissing:
		return p.crossed(StateAlarm, slots, evalSet, nil, "")
	case treat == treatIgnore:
		return outcome{Retain: true}
	}
	return p.insufficient(slots, evalSet, len(fill))
}

// lastN returns the last n elements of idx.
func lastN(idx []int, n int) []int {
	if len(idx) <= n {
		return idx
	}
	return idx[len(idx)-n:]
}

func count(idx []int, f func(int) bool) int {
	n := 0
	for _, i := range idx {
		if f(i) {
			n++
		}
	}
	return n
}

// missingSlots returns the n most recent slots without data, oldest first.
func missingSlots(slots []slot, n int) []int {
	var out []int
	for i := len(slots) - 1; i >= 0 && len(out) < n; i-- {
		if !slots[i].Has {
			out = append(out, i)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// merge returns the sorted union of two sorted index lists.
func merge(a, b []int) []int {
	out := make([]int, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if j >= len(b) || (i < len(a) && a[i] < b[j]) {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	return out
}

// crossed builds a "Threshold Crossed" outcome. fill lists the evaluated
// missing periods counted as treat.
func (p evalParams) crossed(state string, slots []slot, eval, fill []int, treat string) outcome {
	wantBreach := state == StateAlarm
	var listed []int // real points matching the new state, newest first
	for k := len(eval) - 1; k >= 0; k-- {
		i := eval[k]
		if slots[i].Has && breaches(p.Operator, slots[i].Value, p.Threshold) == wantBreach {
			listed = append(listed, i)
		}
	}
	fillCounts := len(fill) > 0 && (treat == treatBreaching) == wantBreach
	label := "Breaching"
	if treat == treatNotBreaching {
		label = "NonBreaching"
	}
	var b strings.Builder
	b.WriteString("Threshold Crossed: ")
	if len(listed) == 0 && fillCounts {
		b.WriteString("no datapoints were received for " + plural(len(fill), "period", "periods") + " and " +
			plural(len(fill), "missing datapoint was", "missing datapoints were") + " treated as [" + label + "].")
		return outcome{State: state, Reason: b.String(), ReasonData: p.reasonData(slots, eval)}
	}
	if p.MofN {
		b.WriteString(itoa(len(listed)) + " out of the last " + itoa(p.N) + " datapoints ")
	} else {
		b.WriteString(plural(len(listed), "datapoint ", "datapoints "))
	}
	b.WriteString("[")
	for k, i := range listed {
		if k > 0 {
			b.WriteString(", ")
		}
		b.WriteString(fmtValue(slots[i].Value) + " (" + slots[i].Start.UTC().Format("02/01/06 15:04:05") + ")")
	}
	b.WriteString("] ")
	if len(listed) == 1 {
		b.WriteString("was ")
	} else {
		b.WriteString("were ")
	}
	if !wantBreach {
		b.WriteString("not ")
	}
	b.WriteString(relation(p.Operator) + " the threshold (" + fmtValue(p.Threshold) + ")")
	if fillCounts {
		b.WriteString(" and " + plural(len(fill), "missing datapoint was", "missing datapoints were") + " treated as [" + label + "]")
	}
	if p.MofN {
		if wantBreach {
			b.WriteString(" (minimum " + plural(p.M, "datapoint", "datapoints") + " for OK -> ALARM transition)")
		} else {
			b.WriteString(" (minimum " + plural(p.N-p.M+1, "datapoint", "datapoints") + " for ALARM -> OK transition)")
		}
	}
	b.WriteString(".")
	return outcome{State: state, Reason: b.String(), ReasonData: p.reasonData(slots, eval)}
}

func (p evalParams) insufficient(slots []slot, eval []int, unknown int) outcome {
	return outcome{
		State:      StateInsufficientData,
		Reason:     "Insufficient Data: " + plural(unknown, "datapoint was", "datapoints were") + " unknown.",
		ReasonData: p.reasonData(slots, eval),
	}
}

// relation is how CloudWatch words an operator in state reasons.
func relation(op string) string {
	switch op {
	case "GreaterThanThreshold":
		return "greater than"
	case "GreaterThanOrEqualToThreshold":
		return "greater than or equal to"
	case "LessThanThreshold":
		return "less than"
	case "LessThanOrEqualToThreshold":
		return "less than or equal to"
	}
	return op
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}

// reasonData is the StateReasonData JSON of an evaluation.
func (p evalParams) reasonData(slots []slot, eval []int) string {
	var w jsonWriter
	w.obj()
	w.key("version").str("1.0")
	w.key("queryDate").str(cwTime(p.Now))
	if len(eval) > 0 {
		w.key("startDate").str(cwTime(slots[eval[0]].Start))
	}
	if p.Unit != "" {
		w.key("unit").str(p.Unit)
	}
	if _, pct := parsePercentile(p.Stat); pct {
		w.key("extendedStatistic").str(p.Stat)
	} else {
		w.key("statistic").str(p.Stat)
	}
	w.key("period").num(int64(p.Period / time.Second))
	w.key("recentDatapoints").arr()
	for _, i := range eval {
		if slots[i].Has {
			w.double(slots[i].Value)
		}
	}
	w.end(']')
	w.key("threshold").double(p.Threshold)
	w.key("evaluatedDatapoints").arr()
	for k := len(eval) - 1; k >= 0; k-- {
		s := slots[eval[k]]
		w.obj()
		w.key("timestamp").str(cwTime(s.Start))
		if s.Has {
			w.key("sampleCount").double(s.SampleCount)
			w.key("value").double(s.Value)
		}
		w.end('}')
	}
	w.end(']')
	w.end('}')
	return w.String()
}

// lowSampleRequirement is the sample count below which a percentile is
// "low samples": 10/(1-p) for p in [0.5, 1), 10/p below 0.5 ("Percentile-based
// alarms and low data samples").
func lowSampleRequirement(stat string) float64 {
	pct, ok := parsePercentile(stat)
	if !ok {
		return 0
	}
	q := pct / 100
	switch {
	case q >= 1 || q <= 0:
		return 0
	case q >= 0.5:
		return math.Ceil(10/(1-q) - 1e-9)
	}
	return math.Ceil(10/q - 1e-9)
}
