package cloudwatch

import (
	"context"
	"math"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// agg accumulates the points of one period.
type agg struct {
	count, sum, min, max float64
	values               []float64 // raw values, with counts, for percentiles
	counts               []float64
	rawOK                bool // every point carried its raw values
	n                    int
}

func (a *agg) add(p point) {
	if a.n == 0 {
		a.min, a.max, a.rawOK = p.Min, p.Max, true
	}
	a.n++
	a.count += p.Count
	a.sum += p.Sum
	a.min = math.Min(a.min, p.Min)
	a.max = math.Max(a.max, p.Max)
	if p.Values == nil {
		a.rawOK = false
	} else {
		a.values = append(a.values, p.Values...)
		a.counts = append(a.counts, p.Counts...)
	}
}

var percentileRE = regexp.MustCompile(`^p(\d{1,3}(\.\d{1,2})?)$`)

// parsePercentile returns the percentile of a "pNN" or "pNN.NN" statistic.
func parsePercentile(stat string) (float64, bool) {
	m := percentileRE.FindStringSubmatch(stat)
	if m == nil {
		return 0, false
	}
	p, err := strconv.ParseFloat(m[1], 64)
	if err != nil || p < 0 || p > 100 {
		return 0, false
	}
	return p, true
}

// validStat reports whether stat is a statistic the emulator computes.
func validStat(stat string) bool {
	if oneOf(stat, statistics) {
		return true
	}
	_, ok := parsePercentile(stat)
	return ok
}

// value returns the statistic of the period and whether it is available.
// Percentiles are the nearest-rank percentile of the raw values; they are
// unavailable when a point was a statistic set without raw values or any
// value is negative (GetMetricStatistics API reference).
func (a *agg) value(stat string) (float64, bool) {
	if a.n == 0 {
		return 0, false
	}
	switch stat {
	case "SampleCount":
		return a.count, true
	case "Sum":
		return a.sum, true
	case "Average":
		return a.sum / a.count, true
	case "Minimum":
		return a.min, true
	case "Maximum":
		return a.max, true
	}
	p, ok := parsePercentile(stat)
	if !ok || !a.rawOK || a.min < 0 {
		return 0, false
	}
	idx := make([]int, len(a.values))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool { return a.values[idx[i]] < a.values[idx[j]] })
	rank := math.Ceil(p / 100 * a.count)
	if rank < 1 {
		rank = 1
	}
	seen := 0.0
	for _, i := range idx {
		seen += a.counts[i]
		if seen >= rank {
			return a.values[i], true
		}
	}
	return a.values[idx[len(idx)-1]], true
}

// bucketKey identifies a period, and for GetMetricStatistics a unit.
type bucketKey struct {
	start time.Time
	unit  string
}

// aggregate groups the points of m in [start, end) into periods of length
// period counted from start; byUnit keeps units apart; unit filters.
func aggregate(m *series, start, end time.Time, period time.Duration, unit string, byUnit bool, into map[bucketKey]*agg) {
	if m == nil {
		return
	}
	i := sort.Search(len(m.Points), func(i int) bool { return !m.Points[i].T.Before(start) })
	for ; i < len(m.Points) && m.Points[i].T.Before(end); i++ {
		p := m.Points[i]
		if unit != "" && p.Unit != unit {
			continue
		}
		k := bucketKey{start: start.Add(p.T.Sub(start) / period * period)}
		if byUnit {
			k.unit = p.Unit
		}
		a := into[k]
		if a == nil {
			a = &agg{}
			into[k] = a
		}
		a.add(p)
	}
}

// roundStart applies GetMetricStatistics' rounding of StartTime: to the
// minute for data less than 15 days old, to 5 minutes up to 63 days, to the
// hour beyond; sub-minute periods round to their own multiple.
func roundStart(t, now time.Time, period time.Duration) time.Time {
	age := now.Sub(t)
	switch {
	case period < time.Minute:
		return t.Truncate(period)
	case age > 63*24*time.Hour:
		return t.Truncate(time.Hour)
	case age > 15*24*time.Hour:
		return t.Truncate(5 * time.Minute)
	}
	return t.Truncate(time.Minute)
}

// checkPeriod validates a query period: 1, 5, 10, 20, 30 or a multiple of 60.
func checkPeriod(param string, p *int32) error {
	if p == nil {
		return missingParam(param)
	}
	switch v := *p; {
	case v <= 0:
		return invalidValue("The parameter %s must be greater than 0.", param)
	case v < 60 && !oneOf(strconv.Itoa(int(v)), []string{"1", "5", "10", "20", "30"}):
		return invalidValue("The parameter %s must be 1, 5, 10, 20, 30, or a multiple of 60.", param)
	case v >= 60 && v%60 != 0:
		return invalidValue("The parameter %s must be a multiple of 60.", param)
	}
	return nil
}

// lookup returns the stored series of a metric, or nil.
func (st *state) lookup(sc scope, ns, name string, dims []Dimension) *series {
	return st.region(sc).metrics[metricKey(ns, name, sortedDims(dims))]
}

// GetMetricStatistics returns a metric's statistics per period.
func (s *Service) GetMetricStatistics(ctx context.Context, in *GetMetricStatisticsIn) (*GetMetricStatisticsOut, error) {
	if err := checkNamespace("Namespace", in.Namespace, true); err != nil {
		return nil, err
	}
	if err := checkMetricName("MetricName", in.MetricName); err != nil {
		return nil, err
	}
	if err := checkDimensions("Dimensions", in.Dimensions); err != nil {
		return nil, err
	}
	if in.StartTime == nil {
		return nil, missingParam("StartTime")
	}
	if in.EndTime == nil {
		return nil, missingParam("EndTime")
	}
	if err := checkPeriod("Period", in.Period); err != nil {
		return nil, err
	}
	if err := checkUnit("Unit", in.Unit); err != nil {
		return nil, err
	}
	switch {
	case len(in.Statistics) > 0 && len(in.ExtendedStatistics) > 0:
		return nil, exclusive("Statistics", "ExtendedStatistics")
	case len(in.Statistics) == 0 && len(in.ExtendedStatistics) == 0:
		return nil, missingParam("Statistics or ExtendedStatistics")
	case len(in.Statistics) > 5:
		return nil, tooMany("Statistics", 5)
	case len(in.ExtendedStatistics) > 10:
		return nil, tooMany("ExtendedStatistics", 10)
	}
	for i, st := range in.Statistics {
		if !oneOf(st, statistics) {
			return nil, notInSet(member("Statistics", i), statistics)
		}
	}
	for i, st := range in.ExtendedStatistics {
		if _, ok := parsePercentile(st); !ok {
			return nil, invalidValue("The value %s for parameter %s is invalid.", st, member("ExtendedStatistics", i))
		}
	}
	now := s.now()
	period := time.Duration(*in.Period) * time.Second
	start, end := roundStart(in.StartTime.UTC(), now, period), in.EndTime.UTC()
	if !start.Before(end) {
		return nil, invalidValue("The parameter StartTime must be less than the parameter EndTime.")
	}
	if n := (end.Sub(start) + period - 1) / period; n > 1440 {
		return nil, combination("You have requested up to %s datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.", thousands(int64(n)))
	}
	buckets := map[bucketKey]*agg{}
	sc := callScope(ctx)
	s.store.view(func(st *state) {
		aggregate(st.lookup(sc, in.Namespace, in.MetricName, in.Dimensions), start, end, period, in.Unit, true, buckets)
	})
	out := &GetMetricStatisticsOut{Label: in.MetricName, Datapoints: []Datapoint{}}
	keys := make([]bucketKey, 0, len(buckets))
	for k := range buckets {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if !keys[i].start.Equal(keys[j].start) {
			return keys[i].start.Before(keys[j].start)
		}
		return keys[i].unit < keys[j].unit
	})
	for _, k := range keys {
		a := buckets[k]
		dp := Datapoint{Timestamp: &k.start, Unit: k.unit}
		for _, st := range in.Statistics {
			v, _ := a.value(st)
			switch st {
			case "SampleCount":
				dp.SampleCount = &v
			case "Average":
				dp.Average = &v
			case "Sum":
				dp.Sum = &v
			case "Minimum":
				dp.Minimum = &v
			case "Maximum":
				dp.Maximum = &v
			}
		}
		if len(in.ExtendedStatistics) > 0 {
			dp.ExtendedStatistics = map[string]float64{}
			for _, st := range in.ExtendedStatistics {
				if v, ok := a.value(st); ok {
					dp.ExtendedStatistics[st] = v
				}
			}
		}
		out.Datapoints = append(out.Datapoints, dp)
	}
	return out, nil
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

var queryIDRE = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// GetMetricData returns the values of metric-stat queries. Metric math
// expressions and Metrics Insights queries are not supported.
func (s *Service) GetMetricData(ctx context.Context, in *GetMetricDataIn) (*GetMetricDataOut, error) {
	if len(in.MetricDataQueries) == 0 {
		return nil, missingParam("MetricDataQueries")
	}
	if len(in.MetricDataQueries) > 500 {
		return nil, tooMany("MetricDataQueries", 500)
	}
	if in.StartTime == nil {
		return nil, missingParam("StartTime")
	}
	if in.EndTime == nil {
		return nil, missingParam("EndTime")
	}
	if in.ScanBy != "" && in.ScanBy != "TimestampDescending" && in.ScanBy != "TimestampAscending" {
		return nil, notInSet("ScanBy", []string{"TimestampDescending", "TimestampAscending"})
	}
	if in.NextToken != "" {
		return nil, invalidNextToken()
	}
	if !in.StartTime.Before(*in.EndTime) {
		return nil, validationError("The parameter StartTime must be less than the parameter EndTime.")
	}
	ids := map[string]bool{}
	for i, q := range in.MetricDataQueries {
		p := member("MetricDataQueries", i)
		if err := checkQuery(p, q); err != nil {
			return nil, err
		}
		if ids[q.Id] {
			return nil, validationError("The value %s for parameter %s.Id is not unique.", q.Id, p)
		}
		ids[q.Id] = true
	}
	now := s.now()
	sc := callScope(ctx)
	out := &GetMetricDataOut{MetricDataResults: []MetricDataResult{}}
	for _, q := range in.MetricDataQueries {
		if q.ReturnData != nil && !*q.ReturnData {
			continue
		}
		ms := q.MetricStat
		period := time.Duration(*ms.Period) * time.Second
		start := roundStart(in.StartTime.UTC(), now, period)
		buckets := map[bucketKey]*agg{}
		s.store.view(func(st *state) {
			aggregate(st.lookup(sc, ms.Metric.Namespace, ms.Metric.MetricName, ms.Metric.Dimensions), start, in.EndTime.UTC(), period, ms.Unit, false, buckets)
		})
		res := MetricDataResult{Id: q.Id, Label: q.Label, StatusCode: "Complete", Timestamps: []time.Time{}, Values: []float64{}}
		if res.Label == "" {
			res.Label = ms.Metric.MetricName
		}
		keys := make([]time.Time, 0, len(buckets))
		for k := range buckets {
			keys = append(keys, k.start)
		}
		sort.Slice(keys, func(i, j int) bool {
			if in.ScanBy == "TimestampAscending" {
				return keys[i].Before(keys[j])
			}
			return keys[i].After(keys[j])
		})
		for _, k := range keys {
			if v, ok := buckets[bucketKey{start: k}].value(ms.Stat); ok {
				res.Timestamps = append(res.Timestamps, k)
				res.Values = append(res.Values, v)
			}
		}
		if in.MaxDatapoints != nil && len(res.Values) > int(*in.MaxDatapoints) {
			res.Timestamps, res.Values = res.Timestamps[:*in.MaxDatapoints], res.Values[:*in.MaxDatapoints]
			res.StatusCode = "PartialData"
		}
		out.MetricDataResults = append(out.MetricDataResults, res)
	}
	return out, nil
}

// checkQuery validates one MetricDataQuery holding a MetricStat.
func checkQuery(p string, q MetricDataQuery) error {
	if q.Id == "" {
		return missingParam(p + ".Id")
	}
	if !queryIDRE.MatchString(q.Id) {
		return validationError("The value %s for parameter %s.Id is invalid. It must start with a lowercase letter and contain only letters, numbers and underscores.", q.Id, p)
	}
	switch {
	case q.Expression != "" && q.MetricStat != nil:
		return exclusive(p+".Expression", p+".MetricStat")
	case q.Expression != "":
		return validationError("Metric math expressions and Metrics Insights queries (%s.Expression) are not supported by the xacct emulator.", p)
	case q.MetricStat == nil:
		return missingParam(p + ".MetricStat")
	}
	ms := q.MetricStat
	if ms.Metric == nil {
		return missingParam(p + ".MetricStat.Metric")
	}
	if err := checkNamespace(p+".MetricStat.Metric.Namespace", ms.Metric.Namespace, true); err != nil {
		return err
	}
	if err := checkMetricName(p+".MetricStat.Metric.MetricName", ms.Metric.MetricName); err != nil {
		return err
	}
	if err := checkDimensions(p+".MetricStat.Metric.Dimensions", ms.Metric.Dimensions); err != nil {
		return err
	}
	if err := checkPeriod(p+".MetricStat.Period", ms.Period); err != nil {
		return err
	}
	if ms.Stat == "" {
		return missingParam(p + ".MetricStat.Stat")
	}
	if !validStat(ms.Stat) {
		return invalidValue("The value %s for parameter %s.MetricStat.Stat is invalid.", ms.Stat, p)
	}
	return checkUnit(p+".MetricStat.Unit", ms.Unit)
}
