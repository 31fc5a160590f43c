package cloudwatch

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkPutMetricData stores batches of 20 data points in memory.
func BenchmarkPutMetricData(b *testing.B) {
	s, _ := New(Options{Now: func() time.Time { return t0 }})
	ctx := ctxFor("111111111111", nil)
	in := &PutMetricDataIn{Namespace: "App"}
	for i := 0; i < 20; i++ {
		in.MetricData = append(in.MetricData, MetricDatum{MetricName: "Errors", Value: f64(1), Dimensions: []Dimension{{"FunctionName", fmt.Sprintf("f%d", i)}}})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.PutMetricData(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTick evaluates 1,000 alarms over a day of minute data each.
func BenchmarkTick(b *testing.B) {
	now := t0.Add(24 * time.Hour)
	s, _ := New(Options{Now: func() time.Time { return now }})
	ctx := ctxFor("111111111111", nil)
	for i := 0; i < 1000; i++ {
		name := fmt.Sprintf("f%d", i)
		var data []MetricDatum
		for m := 0; m < 1440; m += 10 {
			data = append(data, MetricDatum{MetricName: "Errors", Value: f64(float64(m % 2)), Dimensions: []Dimension{{"FunctionName", name}}, Timestamp: tm(t0.Add(time.Duration(m) * time.Minute))})
		}
		s.PutMetricData(ctx, &PutMetricDataIn{Namespace: "App", MetricData: data})
		in := baseAlarm()
		in.AlarmName, in.Dimensions, in.EvaluationPeriods, in.AlarmActions = name, []Dimension{{"FunctionName", name}}, i32(5), nil
		s.PutMetricAlarm(ctx, &in)
	}
	b.ResetTimer()
	for b.Loop() {
		s.Tick(context.Background(), now)
	}
}
