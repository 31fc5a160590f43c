package cloudwatch

import (
	"context"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/internal/paging"
)

// Retention of the emulator: data points are kept at full resolution for 15
// days (no rollups); ListMetrics shows metrics with data in the last two
// weeks (ListMetrics API reference).
const (
	retention      = 15 * 24 * time.Hour
	listWindow     = 14 * 24 * time.Hour
	recentlyActive = 3 * time.Hour
	maxPast        = 14 * 24 * time.Hour
	maxFuture      = 2 * time.Hour
	maxValues      = 150
	maxMetricData  = 1000
	// valueLimit is 2^360: "Values must be in the range of -2^360 to 2^360".
	valueLimit = 2.348542582773833e108
)

// series is one metric: namespace, name and a set of dimensions.
type series struct {
	Namespace string
	Name      string
	Dims      []Dimension // sorted by name
	Points    []point     // sorted by time
	LastPut   time.Time   // when data last arrived
}

// point is one datum as stored: its aggregate and, when CloudWatch keeps
// them, the raw values percentiles are computed from.
type point struct {
	T       time.Time
	Unit    string    `json:",omitempty"`
	Count   float64   `json:"N"`
	Sum     float64   `json:"S"`
	Min     float64   `json:"Lo"`
	Max     float64   `json:"Hi"`
	Values  []float64 `json:"V,omitempty"`
	Counts  []float64 `json:"C,omitempty"`
	HighRes bool      `json:"H,omitempty"`
}

// metricKey identifies a series: namespace, name and sorted dimensions.
func metricKey(ns, name string, dims []Dimension) string {
	var b strings.Builder
	b.WriteString(ns)
	b.WriteByte(0)
	b.WriteString(name)
	for _, d := range dims {
		b.WriteByte(0)
		b.WriteString(d.Name)
		b.WriteByte(1)
		b.WriteString(d.Value)
	}
	return b.String()
}

func sortedDims(dims []Dimension) []Dimension {
	out := append([]Dimension(nil), dims...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// insert adds p keeping Points sorted by time.
func (m *series) insert(p point) {
	i := sort.Search(len(m.Points), func(i int) bool { return m.Points[i].T.After(p.T) })
	m.Points = append(m.Points, point{})
	copy(m.Points[i+1:], m.Points[i:])
	m.Points[i] = p
}

// prune drops points older than before.
func (m *series) prune(before time.Time) {
	i := sort.Search(len(m.Points), func(i int) bool { return !m.Points[i].T.Before(before) })
	if i > 0 {
		m.Points = append([]point(nil), m.Points[i:]...)
	}
}

// metricBatch is one validated PutMetricData call, ready to store.
type metricBatch struct {
	Account   string
	Region    string
	Namespace string
	Data      []storedDatum
}

type storedDatum struct {
	Name  string
	Dims  []Dimension
	Point point
}

func finite(v float64) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && math.Abs(v) <= valueLimit
}

// buildBatch validates a PutMetricData request as CloudWatch does (PutMetricData
// API reference) and converts it into stored points.
func buildBatch(sc scope, namespace string, data []MetricDatum, now time.Time, allowAWS bool) (*metricBatch, error) {
	if err := checkNamespace("Namespace", namespace, allowAWS); err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, missingParam("MetricData")
	}
	if len(data) > maxMetricData {
		return nil, tooMany("MetricData", maxMetricData)
	}
	b := &metricBatch{Account: sc.Account, Region: sc.Region, Namespace: namespace}
	for i, d := range data {
		p := member("MetricData", i)
		sd, err := buildDatum(p, d, now)
		if err != nil {
			return nil, err
		}
		b.Data = append(b.Data, sd)
	}
	return b, nil
}

func buildDatum(p string, d MetricDatum, now time.Time) (storedDatum, error) {
	var sd storedDatum
	if err := checkMetricName(p+".MetricName", d.MetricName); err != nil {
		return sd, err
	}
	if err := checkDimensions(p+".Dimensions", d.Dimensions); err != nil {
		return sd, err
	}
	if err := checkUnit(p+".Unit", d.Unit); err != nil {
		return sd, err
	}
	highRes := false
	if d.StorageResolution != nil {
		switch *d.StorageResolution {
		case 1:
			highRes = true
		case 60:
		default:
			return sd, invalidValue("The value %d for parameter %s.StorageResolution is invalid. Valid values are 1 and 60.", *d.StorageResolution, p)
		}
	}
	t := now
	if d.Timestamp != nil {
		t = *d.Timestamp
		if t.Before(now.Add(-maxPast)) {
			return sd, invalidValue("The parameter %s.Timestamp must specify a time no more than two weeks in the past.", p)
		}
		if t.After(now.Add(maxFuture)) {
			return sd, invalidValue("The parameter %s.Timestamp must specify a time no more than two hours in the future.", p)
		}
	}
	// Standard resolution is stored per minute, high resolution per second.
	if highRes {
		t = t.Truncate(time.Second)
	} else {
		t = t.Truncate(time.Minute)
	}
	pt := point{T: t.UTC(), Unit: d.Unit, HighRes: highRes}
	if pt.Unit == "" {
		pt.Unit = "None"
	}
	kinds := 0
	if d.Value != nil {
		kinds++
	}
	if d.StatisticValues != nil {
		kinds++
	}
	if d.Values != nil {
		kinds++
	}
	switch {
	case d.Value != nil && d.StatisticValues != nil:
		return sd, exclusive(p+".Value", p+".StatisticValues")
	case d.Value != nil && d.Values != nil:
		return sd, exclusive(p+".Value", p+".Values")
	case d.StatisticValues != nil && d.Values != nil:
		return sd, exclusive(p+".StatisticValues", p+".Values")
	case kinds == 0:
		return sd, combination("At least one of the parameters %s.Value, %s.StatisticValues or %s.Values must be specified.", p, p, p)
	case d.Counts != nil && d.Values == nil:
		return sd, combination("The parameter %s.Counts can only be specified together with %s.Values.", p, p)
	}
	switch {
	case d.Value != nil:
		v := *d.Value
		if !finite(v) {
			return sd, invalidValue("The value %s for parameter %s.Value is invalid.", fmtValue(v), p)
		}
		pt.Count, pt.Sum, pt.Min, pt.Max = 1, v, v, v
		pt.Values, pt.Counts = []float64{v}, []float64{1}
	case d.StatisticValues != nil:
		if err := statSetPoint(p+".StatisticValues", d.StatisticValues, &pt); err != nil {
			return sd, err
		}
	default:
		if err := valuesPoint(p, d.Values, d.Counts, &pt); err != nil {
			return sd, err
		}
	}
	sd = storedDatum{Name: d.MetricName, Dims: sortedDims(d.Dimensions), Point: pt}
	return sd, nil
}

func statSetPoint(p string, s *StatisticSet, pt *point) error {
	for _, f := range []struct {
		name string
		v    *float64
	}{{"SampleCount", s.SampleCount}, {"Sum", s.Sum}, {"Minimum", s.Minimum}, {"Maximum", s.Maximum}} {
		if f.v == nil {
			return missingParam(p + "." + f.name)
		}
		if !finite(*f.v) {
			return invalidValue("The value %s for parameter %s.%s is invalid.", fmtValue(*f.v), p, f.name)
		}
	}
	n, sum, lo, hi := *s.SampleCount, *s.Sum, *s.Minimum, *s.Maximum
	if n <= 0 {
		return invalidValue("The parameter %s.SampleCount must be greater than 0.", p)
	}
	if lo > hi {
		return invalidValue("The parameter %s.Minimum must be less than or equal to %s.Maximum.", p, p)
	}
	pt.Count, pt.Sum, pt.Min, pt.Max = n, sum, lo, hi
	// Percentiles need raw values; a statistic set stands for them only when
	// every value is the same (PutMetricData API reference).
	if (n == 1 && lo == hi && sum == lo) || (lo == hi && sum == lo*n) {
		pt.Values, pt.Counts = []float64{lo}, []float64{n}
	}
	return nil
}

func valuesPoint(p string, values, counts []float64, pt *point) error {
	if len(values) == 0 {
		return missingParam(p + ".Values")
	}
	if len(values) > maxValues {
		return tooMany(p+".Values", maxValues)
	}
	if counts != nil && len(counts) != len(values) {
		return invalidValue("The parameters %s.Values and %s.Counts must be of the same size.", p, p)
	}
	pt.Min, pt.Max = math.Inf(1), math.Inf(-1)
	for i, v := range values {
		if !finite(v) {
			return invalidValue("The value %s for parameter %s.Values.member.%d is invalid.", fmtValue(v), p, i+1)
		}
		c := 1.0
		if counts != nil {
			c = counts[i]
			if !finite(c) || c < 0 {
				return invalidValue("The value %s for parameter %s.Counts.member.%d is invalid.", fmtValue(c), p, i+1)
			}
		}
		if c == 0 {
			continue
		}
		pt.Count += c
		pt.Sum += v * c
		pt.Min = math.Min(pt.Min, v)
		pt.Max = math.Max(pt.Max, v)
		pt.Values = append(pt.Values, v)
		pt.Counts = append(pt.Counts, c)
	}
	if pt.Count == 0 {
		return invalidValue("The parameter %s.Counts must contain at least one count greater than 0.", p)
	}
	return nil
}

// add adds a validated batch to memory.
func (st *state) add(b *metricBatch, now time.Time) {
	r := st.region(scope{b.Account, b.Region})
	for _, d := range b.Data {
		k := metricKey(b.Namespace, d.Name, d.Dims)
		m := r.metrics[k]
		if m == nil {
			m = &series{Namespace: b.Namespace, Name: d.Name, Dims: d.Dims}
			r.metrics[k] = m
		}
		m.insert(d.Point)
		if now.After(m.LastPut) {
			m.LastPut = now
		}
	}
}

// PutMetricData stores metric data and evaluates the alarms watching it.
func (s *Service) PutMetricData(ctx context.Context, in *PutMetricDataIn) (*struct{}, error) {
	data := in.MetricData
	for _, e := range in.EntityMetricData {
		data = append(data, e.MetricData...)
	}
	return nil, s.put(ctx, callScope(ctx), in.Namespace, data, false)
}

// PutServiceMetrics stores metric data published by an AWS service running
// in the emulator (Lambda's Invocations, Errors, Duration in AWS/Lambda),
// validated as PutMetricData validates it except that AWS/ namespaces are
// allowed, and evaluates the alarms watching it. It returns an
// *awserr.Error for invalid data.
func (s *Service) PutServiceMetrics(ctx context.Context, account, region, namespace string, data []MetricDatum) error {
	return s.put(ctx, scope{Account: account, Region: region}, namespace, data, true)
}

func (s *Service) put(ctx context.Context, sc scope, namespace string, data []MetricDatum, allowAWS bool) error {
	now := s.now()
	b, err := buildBatch(sc, namespace, data, now, allowAWS)
	if err != nil {
		return err
	}
	var actions []actionTask
	err = s.store.update(func(st *state) error {
		if err := st.appendBatch(b, now); err != nil {
			return err
		}
		st.add(b, now)
		actions = st.evaluateAlarms(now, func(a *alarm) bool {
			return a.Scope == sc && a.Namespace == namespace
		})
		return nil
	})
	if err != nil {
		return err
	}
	s.runActions(ctx, actions)
	return nil
}

// ListMetrics lists the metrics with data in the last two weeks, filtered by
// namespace, name and dimensions, 500 per page.
func (s *Service) ListMetrics(ctx context.Context, in *ListMetricsIn) (*ListMetricsOut, error) {
	if in.RecentlyActive != "" && in.RecentlyActive != "PT3H" {
		return nil, notInSet("RecentlyActive", []string{"PT3H"})
	}
	if len(in.Dimensions) > 10 {
		return nil, tooMany("Dimensions", 10)
	}
	for i, f := range in.Dimensions {
		if f.Name == "" {
			return nil, missingParam(member("Dimensions", i) + ".Name")
		}
	}
	start, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, invalidValue("The service returned an invalid NextToken.")
	}
	now := s.now()
	since := now.Add(-listWindow)
	if in.RecentlyActive != "" {
		since = now.Add(-recentlyActive)
	}
	sc := callScope(ctx)
	var all []Metric
	s.store.view(func(st *state) {
		for _, m := range st.region(sc).metrics {
			if m.LastPut.Before(since) || (in.Namespace != "" && m.Namespace != in.Namespace) ||
				(in.MetricName != "" && m.Name != in.MetricName) || !matchFilters(m.Dims, in.Dimensions) {
				continue
			}
			all = append(all, Metric{Namespace: m.Namespace, MetricName: m.Name, Dimensions: append([]Dimension{}, m.Dims...)})
		}
	})
	sort.Slice(all, func(i, j int) bool {
		return metricKey(all[i].Namespace, all[i].MetricName, all[i].Dimensions) < metricKey(all[j].Namespace, all[j].MetricName, all[j].Dimensions)
	})
	out := &ListMetricsOut{Metrics: []Metric{}}
	if start > len(all) {
		return nil, invalidValue("The service returned an invalid NextToken.")
	}
	page, next := paging.Page(all, start, 500)
	out.Metrics = append(out.Metrics, page...)
	out.NextToken = next
	return out, nil
}

func matchFilters(dims []Dimension, filters []DimensionFilter) bool {
	for _, f := range filters {
		ok := false
		for _, d := range dims {
			if d.Name == f.Name && (f.Value == nil || *f.Value == d.Value) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// decodeToken returns the offset a NextToken points at.
func decodeToken(tok string) (int, error) {
	n, ok := paging.Offset(tok)
	if !ok {
		return 0, strconv.ErrSyntax
	}
	return n, nil
}
