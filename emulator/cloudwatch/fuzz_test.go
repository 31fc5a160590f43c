package cloudwatch

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"

	"github.com/xacct/xacct/emulator/internal/servicetest"
	"github.com/xacct/xacct/emulator/protocol/cbor"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

var fuzzOps = []string{"PutMetricData", "PutMetricAlarm", "GetMetricStatistics", "GetMetricData", "ListMetrics", "DescribeAlarms", "SetAlarmState", "DescribeAlarmHistory"}

// FuzzOperations sends arbitrary CBOR and JSON bodies to the operations:
// whatever the input, the service answers 200 or a 4xx AWS error in the
// request's protocol, never a 500 or a panic.
func FuzzOperations(f *testing.F) {
	seed := func(op byte, v any) {
		b, _ := cbor.Marshal(v)
		f.Add(op, false, b)
		j, _ := json.Marshal(v)
		f.Add(op, true, j)
	}
	seed(0, PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "Errors", Value: f64(1), Dimensions: []Dimension{{"FunctionName", "f"}},
		Timestamp: tm(t0), StorageResolution: i32(1)}, {MetricName: "Lat", Values: []float64{1, 2}, Counts: []float64{1, 3}, Unit: "Seconds"}}})
	seed(0, PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "S", StatisticValues: &StatisticSet{SampleCount: f64(2), Sum: f64(3), Minimum: f64(1), Maximum: f64(2)}}}})
	seed(1, PutMetricAlarmIn{AlarmName: "a", Namespace: "App", MetricName: "Errors", Statistic: "Sum", Period: i32(60), EvaluationPeriods: i32(3),
		DatapointsToAlarm: i32(2), Threshold: f64(0), ComparisonOperator: "GreaterThanThreshold", TreatMissingData: "breaching",
		AlarmActions: []string{"arn:aws:sns:us-east-1:111111111111:t"}})
	seed(2, GetMetricStatisticsIn{Namespace: "App", MetricName: "Errors", StartTime: tm(t0), EndTime: tm(t0.Add(time.Hour)), Period: i32(60),
		Statistics: []string{"Sum"}, ExtendedStatistics: nil})
	seed(3, GetMetricDataIn{StartTime: tm(t0), EndTime: tm(t0.Add(time.Hour)), MetricDataQueries: []MetricDataQuery{{Id: "m",
		MetricStat: &MetricStat{Metric: &Metric{Namespace: "App", MetricName: "Errors"}, Period: i32(60), Stat: "p99"}}}})
	seed(4, ListMetricsIn{Namespace: "App", Dimensions: []DimensionFilter{{Name: "FunctionName"}}})
	seed(5, DescribeAlarmsIn{AlarmNamePrefix: "a", MaxRecords: i32(2)})
	seed(6, SetAlarmStateIn{AlarmName: "a", StateValue: "ALARM", StateReason: "x", StateReasonData: str("{}")})
	seed(7, DescribeAlarmHistoryIn{AlarmName: "a", HistoryItemType: "StateUpdate"})
	s, err := New(Options{Now: func() time.Time { return t0.Add(30 * time.Minute) }})
	if err != nil {
		f.Fatal(err)
	}
	call := &service.Call{RequestID: "r", Region: "us-east-1", Authz: &servicetest.Authorizer{},
		Caller: &service.Caller{Principal: policy.Principal{Type: policy.PrincipalRoot, Account: "111111111111", ARN: "arn:aws:iam::111111111111:root"}}}
	f.Fuzz(func(t *testing.T, op byte, useJSON bool, body []byte) {
		name := fuzzOps[int(op)%len(fuzzOps)]
		var req *http.Request
		if useJSON {
			req = httptest.NewRequest("POST", "/", bytes.NewReader(body))
			req.Header.Set("X-Amz-Target", ServiceName+"."+name)
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		} else {
			req = httptest.NewRequest("POST", "/service/"+ServiceName+"/operation/"+name, bytes.NewReader(body))
			req.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
			req.Header.Set("Content-Type", "application/cbor")
		}
		rec := httptest.NewRecorder()
		c := *call
		s.ServeAWS(rec, req.WithContext(service.WithCall(req.Context(), &c)), &c)
		if rec.Code != 200 && (rec.Code < 400 || rec.Code >= 500) {
			t.Fatalf("%s: status %d: %s", name, rec.Code, rec.Body.Bytes())
		}
		if useJSON {
			if rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s: invalid JSON response %q", name, rec.Body.Bytes())
			}
		} else if rec.Body.Len() > 0 {
			if _, err := smithycbor.Decode(rec.Body.Bytes()); err != nil {
				t.Fatalf("%s: invalid CBOR response: %v", name, err)
			}
		}
	})
}
