package cloudwatch

import (
	"strings"
	"testing"
	"time"
)

// slotsFrom turns a docs-style row ("0 - X - X": 0 not breaching, X
// breaching, - missing) into an evaluation range with threshold 1 and
// GreaterThanThreshold.
func slotsFrom(row string, start time.Time, period time.Duration) []slot {
	var out []slot
	for i, f := range strings.Fields(row) {
		s := slot{Start: start.Add(time.Duration(i) * period)}
		switch f {
		case "0":
			s.Has, s.Value, s.SampleCount = true, 0, 1
		case "X":
			s.Has, s.Value, s.SampleCount = true, 5, 1
		}
		out = append(out, s)
	}
	return out
}

// TestEvaluateMissingDataTables replays the two tables of "How alarm state
// is evaluated when data is missing" (CloudWatch User Guide, "Configuring
// how CloudWatch alarms treat missing data"): 5 retrieved data points, 3
// evaluation periods, 3 (first table) or 2 (second table) datapoints to
// alarm. "retain" means the alarm keeps its current state.
func TestEvaluateMissingDataTables(t *testing.T) {
	tests := []struct {
		row                                      string
		m                                        int
		missing, ignore, breaching, notBreaching string
	}{
		{"0 - X - X", 3, "OK", "OK", "OK", "OK"},
		{"0 - - - -", 3, "OK", "OK", "OK", "OK"},
		{"- - - - -", 3, "INSUFFICIENT_DATA", "retain", "ALARM", "OK"},
		{"0 X X - X", 3, "ALARM", "ALARM", "ALARM", "ALARM"},
		{"- - - - X", 3, "INSUFFICIENT_DATA", "retain", "ALARM", "OK"},
		{"X - - - -", 3, "ALARM", "retain", "ALARM", "OK"},
		{"0 - X - X", 2, "ALARM", "ALARM", "ALARM", "ALARM"},
		{"0 0 X 0 X", 2, "ALARM", "ALARM", "ALARM", "ALARM"},
		{"0 - X - -", 2, "OK", "OK", "ALARM", "OK"},
		{"- - - - 0", 2, "OK", "OK", "ALARM", "OK"},
		{"- - - - X", 2, "INSUFFICIENT_DATA", "retain", "ALARM", "OK"},
	}
	start := time.Date(2024, 11, 26, 10, 0, 0, 0, time.UTC)
	for _, tc := range tests {
		for treat, want := range map[string]string{"missing": tc.missing, "ignore": tc.ignore, "breaching": tc.breaching, "notBreaching": tc.notBreaching} {
			t.Run(tc.row+"/M="+itoa(tc.m)+"/"+treat, func(t *testing.T) {
				p := evalParams{Now: start.Add(5 * time.Minute), Period: time.Minute, N: 3, M: tc.m, MofN: tc.m != 3,
					Threshold: 1, Operator: "GreaterThanThreshold", Treat: treat, Stat: "Sum"}
				o := evaluate(p, slotsFrom(tc.row, start, time.Minute))
				got := o.State
				if o.Retain {
					got = "retain"
				}
				if got != want {
					t.Errorf("got %s, want %s (reason %q)", got, want, o.Reason)
				}
			})
		}
	}
}

func TestBreaches(t *testing.T) {
	tests := []struct {
		op   string
		v    float64
		want bool
	}{
		{"GreaterThanThreshold", 1, false},
		{"GreaterThanThreshold", 1.5, true},
		{"GreaterThanOrEqualToThreshold", 1, true},
		{"LessThanThreshold", 1, false},
		{"LessThanThreshold", 0.5, true},
		{"LessThanOrEqualToThreshold", 1, true},
		{"LessThanOrEqualToThreshold", 2, false},
	}
	for _, tc := range tests {
		t.Run(tc.op, func(t *testing.T) {
			if got := breaches(tc.op, tc.v, 1); got != tc.want {
				t.Errorf("breaches(%s, %v, 1): got %v, want %v", tc.op, tc.v, got, tc.want)
			}
		})
	}
}

// TestStateReasons checks the reason texts against ones CloudWatch wrote
// in real notifications: "Threshold Crossed: 1 out of the last 1 datapoints
// [6.046241709654764 (15/08/18 21:15:00)] was less than or equal to the
// threshold (70.0) (minimum 1 datapoint for OK -> ALARM transition)." for
// M-out-of-N alarms, "Threshold Crossed: 1 datapoint [3.0 (26/10/24
// 18:59:00)] was greater than or equal to the threshold (1.0)." otherwise
// (CloudWatch User Guide, "Alarm events and EventBridge"), and the missing
// data forms "no datapoints were received for 1 period and 1 missing
// datapoint was treated as [NonBreaching]." and "Insufficient Data: 1
// datapoint was unknown."
func TestStateReasons(t *testing.T) {
	start := time.Date(2024, 10, 26, 18, 57, 0, 0, time.UTC)
	one := func(v float64) []slot {
		return []slot{{Start: start}, {Start: start.Add(time.Minute)}, {Start: start.Add(2 * time.Minute), Has: true, Value: v, SampleCount: 3}}
	}
	tests := []struct {
		name  string
		p     evalParams
		slots []slot
		want  string
	}{
		{"single datapoint alarm", evalParams{N: 1, M: 1, Threshold: 1, Operator: "GreaterThanOrEqualToThreshold"}, one(3),
			"Threshold Crossed: 1 datapoint [3.0 (26/10/24 18:59:00)] was greater than or equal to the threshold (1.0)."},
		{"M out of N alarm", evalParams{N: 1, M: 1, MofN: true, Threshold: 70, Operator: "LessThanOrEqualToThreshold"}, one(6.046241709654764),
			"Threshold Crossed: 1 out of the last 1 datapoints [6.046241709654764 (26/10/24 18:59:00)] was less than or equal to the threshold (70.0) (minimum 1 datapoint for OK -> ALARM transition)."},
		{"M out of N back to OK", evalParams{N: 1, M: 1, MofN: true, Threshold: 0.059, Operator: "GreaterThanThreshold"}, one(0.05164275070031484),
			"Threshold Crossed: 1 out of the last 1 datapoints [0.05164275070031484 (26/10/24 18:59:00)] was not greater than the threshold (0.059) (minimum 1 datapoint for ALARM -> OK transition)."},
		{"three datapoints newest first", evalParams{N: 3, M: 3, Threshold: 0, Operator: "GreaterThanThreshold"},
			[]slot{{Start: start, Has: true, Value: 1}, {Start: start.Add(time.Minute), Has: true, Value: 3}, {Start: start.Add(2 * time.Minute), Has: true, Value: 2}},
			"Threshold Crossed: 3 datapoints [2.0 (26/10/24 18:59:00), 3.0 (26/10/24 18:58:00), 1.0 (26/10/24 18:57:00)] were greater than the threshold (0.0)."},
		{"missing treated as not breaching", evalParams{N: 1, M: 1, Threshold: 0, Operator: "GreaterThanThreshold", Treat: "notBreaching"},
			[]slot{{Start: start}, {Start: start.Add(time.Minute)}, {Start: start.Add(2 * time.Minute)}},
			"Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching]."},
		{"missing treated as breaching", evalParams{N: 3, M: 3, Threshold: 0, Operator: "GreaterThanThreshold", Treat: "breaching"},
			[]slot{{Start: start}, {Start: start.Add(time.Minute)}, {Start: start.Add(2 * time.Minute)}, {Start: start.Add(3 * time.Minute)}, {Start: start.Add(4 * time.Minute)}},
			"Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching]."},
		{"insufficient data", evalParams{N: 1, M: 1, Threshold: 0, Operator: "GreaterThanThreshold"},
			[]slot{{Start: start}, {Start: start.Add(time.Minute)}, {Start: start.Add(2 * time.Minute)}},
			"Insufficient Data: 1 datapoint was unknown."},
		{"large and small numbers", evalParams{N: 1, M: 1, Threshold: 1e7, Operator: "GreaterThanThreshold"}, one(1.5e8),
			"Threshold Crossed: 1 datapoint [1.5E8 (26/10/24 18:59:00)] was greater than the threshold (1.0E7)."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.p.Now, tc.p.Period, tc.p.Stat = start.Add(3*time.Minute), time.Minute, "Sum"
			o := evaluate(tc.p, tc.slots)
			if o.Reason != tc.want {
				t.Errorf("got reason\n%q\nwant\n%q", o.Reason, tc.want)
			}
			if !isJSON(o.ReasonData) {
				t.Errorf("reason data is not JSON: %s", o.ReasonData)
			}
		})
	}
}

func TestReasonData(t *testing.T) {
	start := time.Date(2024, 10, 26, 18, 59, 0, 0, time.UTC)
	p := evalParams{Now: time.Date(2024, 10, 26, 19, 0, 38, 853e6, time.UTC), Period: time.Minute, N: 1, M: 1,
		Threshold: 1, Operator: "GreaterThanOrEqualToThreshold", Stat: "Sum"}
	o := evaluate(p, []slot{{Start: start.Add(-2 * time.Minute)}, {Start: start.Add(-time.Minute)}, {Start: start, Has: true, Value: 3, SampleCount: 3}})
	// The reasonData of the EventBridge example in "Alarm events and
	// EventBridge" (CloudWatch User Guide).
	want := `{"version":"1.0","queryDate":"2024-10-26T19:00:38.853+0000","startDate":"2024-10-26T18:59:00.000+0000","statistic":"Sum","period":60,"recentDatapoints":[3.0],"threshold":1.0,"evaluatedDatapoints":[{"timestamp":"2024-10-26T18:59:00.000+0000","sampleCount":3.0,"value":3.0}]}`
	if o.ReasonData != want {
		t.Errorf("got\n%s\nwant\n%s", o.ReasonData, want)
	}
}

func TestFmtValue(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.0"}, {1, "1.0"}, {70, "70.0"}, {0.059, "0.059"}, {-2.5, "-2.5"},
		{1e7, "1.0E7"}, {1.5e8, "1.5E8"}, {1e-4, "1.0E-4"}, {0.001, "0.001"}, {9999999, "9999999.0"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := fmtValue(tc.in); got != tc.want {
				t.Errorf("fmtValue(%v): got %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestLowSampleRequirement(t *testing.T) {
	// "Percentile-based alarms and low data samples": fewer than 10/(1-p)
	// samples for p >= 0.5 (1000 for p99), 10/p below.
	for stat, want := range map[string]float64{"p99": 1000, "p90": 100, "p50": 20, "p10": 100, "Sum": 0} {
		if got := lowSampleRequirement(stat); got != want {
			t.Errorf("lowSampleRequirement(%s): got %v, want %v", stat, got, want)
		}
	}
}
