package cloudwatch

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/internal/servicetest"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

var t0 = time.Date(2024, 11, 26, 10, 0, 0, 0, time.UTC)

// ctxFor is a request context of the root user of acct in us-east-1.
func ctxFor(acct string, authz service.Authorizer) context.Context {
	if authz == nil {
		authz = &servicetest.Authorizer{}
	}
	return service.WithCall(context.Background(), &service.Call{RequestID: "r", Region: "us-east-1",
		Caller: &service.Caller{Principal: policy.Principal{Type: policy.PrincipalRoot, Account: acct, ARN: "arn:aws:iam::" + acct + ":root"}},
		Authz:  authz})
}

func f64(v float64) *float64 { return &v }
func i32(v int32) *int32     { return &v }
func str(v string) *string   { return &v }
func tm(t time.Time) *time.Time {
	return &t
}

func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	e, ok := awserr.As(err)
	if !ok {
		t.Fatalf("got error %v, want %s", err, code)
	}
	if e.Code != code {
		t.Errorf("got code %s (%s), want %s", e.Code, e.Message, code)
	}
	if msg != "" && e.Message != msg {
		t.Errorf("got message %q, want %q", e.Message, msg)
	}
}

// TestPutMetricDataValidation covers the constraints of the PutMetricData
// API reference (MetricDatum: name 1-255, up to 30 dimensions, Value or
// StatisticValues or Values, 150 values, units, StorageResolution 1 or 60,
// timestamps up to two weeks back and two hours ahead) and the reserved
// AWS/ namespace.
func TestPutMetricDataValidation(t *testing.T) {
	dims := func(n int) []Dimension {
		var d []Dimension
		for i := 0; i < n; i++ {
			d = append(d, Dimension{Name: fmt.Sprintf("d%d", i), Value: "v"})
		}
		return d
	}
	tests := []struct {
		name string
		in   PutMetricDataIn
		code string
		msg  string
	}{
		{"missing namespace", PutMetricDataIn{MetricData: []MetricDatum{{MetricName: "m", Value: f64(1)}}}, "MissingParameter", "The parameter Namespace is required."},
		{"reserved namespace", PutMetricDataIn{Namespace: "AWS/Lambda", MetricData: []MetricDatum{{MetricName: "m", Value: f64(1)}}}, "InvalidParameterValue", "The value AWS/ for parameter Namespace is invalid."},
		{"namespace starting with colon", PutMetricDataIn{Namespace: ":x", MetricData: []MetricDatum{{MetricName: "m", Value: f64(1)}}}, "InvalidParameterValue", ""},
		{"no metric data", PutMetricDataIn{Namespace: "App"}, "MissingParameter", "The parameter MetricData is required."},
		{"missing metric name", PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{Value: f64(1)}}}, "MissingParameter", "The parameter MetricData.member.1.MetricName is required."},
		{"second datum missing name", PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "m", Value: f64(1)}, {Value: f64(1)}}}, "MissingParameter", "The parameter MetricData.member.2.MetricName is required."},
		{"dimension without value", PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "m", Value: f64(1), Dimensions: []Dimension{{Name: "FunctionName"}}}}},
			"MissingParameter", "The parameter MetricData.member.1.Dimensions.member.1.Value is required."},
		{"31 dimensions", PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "m", Value: f64(1), Dimensions: dims(31)}}},
			"InvalidParameterValue", "The collection MetricData.member.1.Dimensions must not have a size greater than 30."},
		{"duplicate dimension", PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "m", Value: f64(1), Dimensions: []Dimension{{"a", "1"}, {"a", "2"}}}}}, "InvalidParameterValue", ""},
		{"value and statistic set", PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "m", Value: f64(1),
			StatisticValues: &StatisticSet{SampleCount: f64(1), Sum: f64(1), Minimum: f64(1), Maximum: f64(1)}}}},
			"InvalidParameterCombination", "The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are mutually exclusive and you have specified both."},
		{"no value at all", PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "m"}}}, "InvalidParameterCombination", ""},
		{"NaN value", PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "m", Value: f64(math.NaN())}}}, "InvalidParameterValue", "The value NaN for parameter MetricData.member.1.Value is invalid."},
		{"value beyond 2^360", PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "m", Value: f64(1e120)}}}, "InvalidParameterValue", ""},
		{"values and counts differ", PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "m", Values: []float64{1, 2}, Counts: []float64{1}}}},
			"InvalidParameterValue", "The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the same size."},
		{"151 values", PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "m", Values: make([]float64, 151)}}}, "InvalidParameterValue", ""},
		{"statistic set without sum", PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "m",
			StatisticValues: &StatisticSet{SampleCount: f64(1), Minimum: f64(1), Maximum: f64(1)}}}}, "MissingParameter", "The parameter MetricData.member.1.StatisticValues.Sum is required."},
		{"statistic set min above max", PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "m",
			StatisticValues: &StatisticSet{SampleCount: f64(2), Sum: f64(3), Minimum: f64(2), Maximum: f64(1)}}}}, "InvalidParameterValue", ""},
		{"unknown unit", PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "m", Value: f64(1), Unit: "Furlongs"}}}, "InvalidParameterValue", ""},
		{"storage resolution 5", PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "m", Value: f64(1), StorageResolution: i32(5)}}}, "InvalidParameterValue", ""},
		{"three weeks old", PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "m", Value: f64(1), Timestamp: tm(t0.Add(-21 * 24 * time.Hour))}}}, "InvalidParameterValue", ""},
		{"three hours ahead", PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "m", Value: f64(1), Timestamp: tm(t0.Add(3 * time.Hour))}}}, "InvalidParameterValue", ""},
		{"1001 metrics", PutMetricDataIn{Namespace: "App", MetricData: make([]MetricDatum, 1001)}, "InvalidParameterValue", "The collection MetricData must not have a size greater than 1000."},
	}
	s := newService(t, func() time.Time { return t0 }, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.PutMetricData(ctxFor("111111111111", nil), &tc.in)
			wantErr(t, err, tc.code, tc.msg)
		})
	}
	// Unit errors list the StandardUnit set, as CloudWatch does.
	_, err := s.PutMetricData(ctxFor("111111111111", nil), &PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "m", Value: f64(1), Unit: "x"}}})
	if e, _ := awserr.As(err); e == nil || !contains(e.Message, "The parameter MetricData.member.1.Unit must be a value in the set [ Seconds, ") {
		t.Errorf("got %v, want the unit set", err)
	}
}

func getStats(t *testing.T, s *Service, in GetMetricStatisticsIn) []Datapoint {
	t.Helper()
	out, err := s.GetMetricStatistics(ctxFor("111111111111", nil), &in)
	if err != nil {
		t.Fatalf("GetMetricStatistics: %v", err)
	}
	return out.Datapoints
}

// TestStatistics: values, statistic sets and Values/Counts arrays aggregate
// into the same per-period statistics; units are kept apart unless asked
// for (GetMetricStatistics API reference, "Unit").
func TestStatistics(t *testing.T) {
	s := newService(t, func() time.Time { return t0.Add(10 * time.Minute) }, nil)
	ctx := ctxFor("111111111111", nil)
	dims := []Dimension{{"FunctionName", "copy"}}
	put := func(d MetricDatum) {
		t.Helper()
		d.MetricName, d.Dimensions = "Duration", dims
		if _, err := s.PutMetricData(ctx, &PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{d}}); err != nil {
			t.Fatal(err)
		}
	}
	put(MetricDatum{Value: f64(10), Timestamp: tm(t0.Add(5 * time.Second)), Unit: "Milliseconds"})
	put(MetricDatum{Values: []float64{20, 30}, Counts: []float64{2, 1}, Timestamp: tm(t0.Add(30 * time.Second)), Unit: "Milliseconds"})
	put(MetricDatum{StatisticValues: &StatisticSet{SampleCount: f64(4), Sum: f64(400), Minimum: f64(50), Maximum: f64(150)}, Timestamp: tm(t0.Add(90 * time.Second)), Unit: "Milliseconds"})
	put(MetricDatum{Value: f64(7), Timestamp: tm(t0.Add(20 * time.Second)), Unit: "Count"})

	got := getStats(t, s, GetMetricStatisticsIn{Namespace: "App", MetricName: "Duration", Dimensions: dims, StartTime: tm(t0), EndTime: tm(t0.Add(5 * time.Minute)),
		Period: i32(60), Statistics: []string{"SampleCount", "Sum", "Average", "Minimum", "Maximum"}, Unit: "Milliseconds"})
	want := []Datapoint{
		{Timestamp: tm(t0), SampleCount: f64(4), Sum: f64(80), Average: f64(20), Minimum: f64(10), Maximum: f64(30), Unit: "Milliseconds"},
		{Timestamp: tm(t0.Add(time.Minute)), SampleCount: f64(4), Sum: f64(400), Average: f64(100), Minimum: f64(50), Maximum: f64(150), Unit: "Milliseconds"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Milliseconds (-want +got):\n%s", diff)
	}
	all := getStats(t, s, GetMetricStatisticsIn{Namespace: "App", MetricName: "Duration", Dimensions: dims, StartTime: tm(t0), EndTime: tm(t0.Add(5 * time.Minute)),
		Period: i32(300), Statistics: []string{"SampleCount"}})
	if len(all) != 2 || all[0].Unit != "Count" || *all[0].SampleCount != 1 || all[1].Unit != "Milliseconds" || *all[1].SampleCount != 8 {
		t.Errorf("without Unit: got %+v, want one Count and one Milliseconds datapoint", all)
	}
	// Dimensions must match exactly: the metric without dimensions has no data.
	if dp := getStats(t, s, GetMetricStatisticsIn{Namespace: "App", MetricName: "Duration", StartTime: tm(t0), EndTime: tm(t0.Add(5 * time.Minute)),
		Period: i32(60), Statistics: []string{"Sum"}}); len(dp) != 0 {
		t.Errorf("got %d datapoints for the dimensionless metric, want 0", len(dp))
	}
}

// TestPercentiles: percentiles come from raw values; a statistic set only
// stands for raw values when all its values are equal, and negative values
// make percentiles unavailable (GetMetricStatistics API reference).
func TestPercentiles(t *testing.T) {
	s := newService(t, func() time.Time { return t0.Add(10 * time.Minute) }, nil)
	ctx := ctxFor("111111111111", nil)
	put := func(name string, d MetricDatum) {
		d.MetricName, d.Timestamp = name, tm(t0)
		if _, err := s.PutMetricData(ctx, &PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{d}}); err != nil {
			t.Fatal(err)
		}
	}
	var values []float64
	for i := 1; i <= 100; i++ {
		values = append(values, float64(i))
	}
	put("Latency", MetricDatum{Values: values})
	put("Sets", MetricDatum{StatisticValues: &StatisticSet{SampleCount: f64(2), Sum: f64(3), Minimum: f64(1), Maximum: f64(2)}})
	put("Equal", MetricDatum{StatisticValues: &StatisticSet{SampleCount: f64(5), Sum: f64(10), Minimum: f64(2), Maximum: f64(2)}})
	put("Negative", MetricDatum{Values: []float64{-1, 5}})
	tests := []struct {
		metric string
		want   map[string]float64
	}{
		{"Latency", map[string]float64{"p50": 50, "p90": 90, "p99.5": 100, "p0": 1, "p100": 100}},
		{"Sets", map[string]float64{}},
		{"Equal", map[string]float64{"p50": 2, "p90": 2, "p99.5": 2, "p0": 2, "p100": 2}},
		{"Negative", map[string]float64{}},
	}
	for _, tc := range tests {
		t.Run(tc.metric, func(t *testing.T) {
			dp := getStats(t, s, GetMetricStatisticsIn{Namespace: "App", MetricName: tc.metric, StartTime: tm(t0), EndTime: tm(t0.Add(time.Minute)),
				Period: i32(60), ExtendedStatistics: []string{"p50", "p90", "p99.5", "p0", "p100"}})
			if len(dp) != 1 {
				t.Fatalf("got %d datapoints, want 1", len(dp))
			}
			if diff := cmp.Diff(tc.want, dp[0].ExtendedStatistics); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestHighResolution: StorageResolution 1 keeps seconds, so 10-second
// periods separate data that standard resolution stores in one minute
// (PutMetricData API reference, "StorageResolution").
func TestHighResolution(t *testing.T) {
	s := newService(t, func() time.Time { return t0.Add(10 * time.Minute) }, nil)
	ctx := ctxFor("111111111111", nil)
	for i, res := range []int32{1, 60} {
		name := []string{"Hi", "Std"}[i]
		var data []MetricDatum
		for _, sec := range []int{3, 15, 27} {
			data = append(data, MetricDatum{MetricName: name, Value: f64(1), Timestamp: tm(t0.Add(time.Duration(sec) * time.Second)), StorageResolution: i32(res)})
		}
		if _, err := s.PutMetricData(ctx, &PutMetricDataIn{Namespace: "App", MetricData: data}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		metric string
		want   []time.Time
	}{
		{"Hi", []time.Time{t0, t0.Add(10 * time.Second), t0.Add(20 * time.Second)}},
		{"Std", []time.Time{t0}},
	}
	for _, tc := range tests {
		t.Run(tc.metric, func(t *testing.T) {
			dp := getStats(t, s, GetMetricStatisticsIn{Namespace: "App", MetricName: tc.metric, StartTime: tm(t0), EndTime: tm(t0.Add(time.Minute)),
				Period: i32(10), Statistics: []string{"Sum"}})
			var got []time.Time
			for _, d := range dp {
				got = append(got, *d.Timestamp)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("timestamps (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGetMetricStatisticsValidation covers the parameter rules of the
// GetMetricStatistics API reference.
func TestGetMetricStatisticsValidation(t *testing.T) {
	base := GetMetricStatisticsIn{Namespace: "App", MetricName: "m", StartTime: tm(t0), EndTime: tm(t0.Add(time.Hour)), Period: i32(60), Statistics: []string{"Sum"}}
	tests := []struct {
		name   string
		mutate func(*GetMetricStatisticsIn)
		code   string
		msg    string
	}{
		{"period 45", func(in *GetMetricStatisticsIn) { in.Period = i32(45) }, "InvalidParameterValue", "The parameter Period must be 1, 5, 10, 20, 30, or a multiple of 60."},
		{"period 90", func(in *GetMetricStatisticsIn) { in.Period = i32(90) }, "InvalidParameterValue", "The parameter Period must be a multiple of 60."},
		{"no period", func(in *GetMetricStatisticsIn) { in.Period = nil }, "MissingParameter", "The parameter Period is required."},
		{"end before start", func(in *GetMetricStatisticsIn) { in.EndTime = tm(t0.Add(-time.Hour)) }, "InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime."},
		{"both statistics kinds", func(in *GetMetricStatisticsIn) { in.ExtendedStatistics = []string{"p90"} }, "InvalidParameterCombination", ""},
		{"bad statistic", func(in *GetMetricStatisticsIn) { in.Statistics = []string{"Median"} }, "InvalidParameterValue",
			"The parameter Statistics.member.1 must be a value in the set [ SampleCount, Average, Sum, Minimum, Maximum ]."},
		{"bad percentile", func(in *GetMetricStatisticsIn) { in.Statistics, in.ExtendedStatistics = nil, []string{"p101"} }, "InvalidParameterValue", ""},
		{"too many datapoints", func(in *GetMetricStatisticsIn) { in.EndTime = tm(t0.Add(48 * time.Hour)) }, "InvalidParameterCombination",
			"You have requested up to 2,880 datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range."},
	}
	s := newService(t, func() time.Time { return t0.Add(2 * time.Hour) }, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := base
			tc.mutate(&in)
			_, err := s.GetMetricStatistics(ctxFor("111111111111", nil), &in)
			wantErr(t, err, tc.code, tc.msg)
		})
	}
}

func TestGetMetricData(t *testing.T) {
	s := newService(t, func() time.Time { return t0.Add(10 * time.Minute) }, nil)
	ctx := ctxFor("111111111111", nil)
	for i := 0; i < 3; i++ {
		s.PutMetricData(ctx, &PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "Errors", Value: f64(float64(i + 1)), Timestamp: tm(t0.Add(time.Duration(i) * time.Minute))}}})
	}
	q := func(id string, ret *bool) MetricDataQuery {
		return MetricDataQuery{Id: id, ReturnData: ret, MetricStat: &MetricStat{Metric: &Metric{Namespace: "App", MetricName: "Errors"}, Period: i32(60), Stat: "Sum"}}
	}
	out, err := s.GetMetricData(ctx, &GetMetricDataIn{StartTime: tm(t0), EndTime: tm(t0.Add(5 * time.Minute)),
		MetricDataQueries: []MetricDataQuery{q("m1", nil), q("hidden", new(bool))}})
	if err != nil {
		t.Fatal(err)
	}
	want := []MetricDataResult{{Id: "m1", Label: "Errors", StatusCode: "Complete",
		Timestamps: []time.Time{t0.Add(2 * time.Minute), t0.Add(time.Minute), t0}, Values: []float64{3, 2, 1}}}
	if diff := cmp.Diff(want, out.MetricDataResults); diff != "" {
		t.Errorf("TimestampDescending (-want +got):\n%s", diff)
	}
	tests := []struct {
		name string
		in   GetMetricDataIn
		code string
	}{
		{"expression", GetMetricDataIn{StartTime: tm(t0), EndTime: tm(t0.Add(time.Hour)), MetricDataQueries: []MetricDataQuery{{Id: "e1", Expression: "m1*2"}}}, "ValidationError"},
		{"bad id", GetMetricDataIn{StartTime: tm(t0), EndTime: tm(t0.Add(time.Hour)), MetricDataQueries: []MetricDataQuery{q("M1", nil)}}, "ValidationError"},
		{"duplicate id", GetMetricDataIn{StartTime: tm(t0), EndTime: tm(t0.Add(time.Hour)), MetricDataQueries: []MetricDataQuery{q("m1", nil), q("m1", nil)}}, "ValidationError"},
		{"no queries", GetMetricDataIn{StartTime: tm(t0), EndTime: tm(t0.Add(time.Hour))}, "MissingParameter"},
		{"bad stat", GetMetricDataIn{StartTime: tm(t0), EndTime: tm(t0.Add(time.Hour)), MetricDataQueries: []MetricDataQuery{{Id: "a",
			MetricStat: &MetricStat{Metric: &Metric{Namespace: "App", MetricName: "Errors"}, Period: i32(60), Stat: "Median"}}}}, "InvalidParameterValue"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.GetMetricData(ctx, &tc.in)
			wantErr(t, err, tc.code, "")
		})
	}
}

func TestListMetrics(t *testing.T) {
	c := servicetest.NewClock(t0)
	s := newService(t, c.Now, nil)
	ctx := ctxFor("111111111111", nil)
	var data []MetricDatum
	for i := 0; i < 600; i++ {
		data = append(data, MetricDatum{MetricName: "Errors", Value: f64(1), Dimensions: []Dimension{{"FunctionName", fmt.Sprintf("f%03d", i)}}})
	}
	if _, err := s.PutMetricData(ctx, &PutMetricDataIn{Namespace: "AppA", MetricData: data}); err != nil {
		t.Fatal(err)
	}
	c.Set(t0.Add(4 * time.Hour))
	s.PutMetricData(ctx, &PutMetricDataIn{Namespace: "AppB", MetricData: []MetricDatum{{MetricName: "Invocations", Value: f64(1), Dimensions: []Dimension{{"FunctionName", "f001"}, {"Resource", "r"}}}}})
	// Another account's metrics are invisible.
	s.PutMetricData(ctxFor("222222222222", nil), &PutMetricDataIn{Namespace: "AppB", MetricData: []MetricDatum{{MetricName: "Other", Value: f64(1)}}})
	count := func(in ListMetricsIn) int {
		n := 0
		for {
			out, err := s.ListMetrics(ctx, &in)
			if err != nil {
				t.Fatal(err)
			}
			n += len(out.Metrics)
			if out.NextToken == "" {
				return n
			}
			in.NextToken = out.NextToken
		}
	}
	tests := []struct {
		name string
		in   ListMetricsIn
		want int
	}{
		{"all, paginated by 500", ListMetricsIn{}, 601},
		{"namespace", ListMetricsIn{Namespace: "AppB"}, 1},
		{"metric name", ListMetricsIn{MetricName: "Errors"}, 600},
		{"dimension with value", ListMetricsIn{Dimensions: []DimensionFilter{{Name: "FunctionName", Value: str("f001")}}}, 2},
		{"dimension name only", ListMetricsIn{Dimensions: []DimensionFilter{{Name: "Resource"}}}, 1},
		{"recently active", ListMetricsIn{RecentlyActive: "PT3H"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := count(tc.in); got != tc.want {
				t.Errorf("got %d metrics, want %d", got, tc.want)
			}
		})
	}
	// ListMetrics shows metrics with data in the past two weeks only.
	c.Set(t0.Add(15 * 24 * time.Hour))
	if got := count(ListMetricsIn{}); got != 0 {
		t.Errorf("after two weeks: got %d metrics, want 0", got)
	}
	_, err := s.ListMetrics(ctx, &ListMetricsIn{NextToken: "garbage"})
	wantErr(t, err, "InvalidParameterValue", "")
}
