package cloudwatch

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xacct/xacct/emulator/internal/servicetest"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	smithycbor "github.com/aws/smithy-go/encoding/cbor"

	"github.com/xacct/xacct/emulator/protocol/cbor"
)

func deleteInput(names ...string) *cw.DeleteAlarmsInput {
	return &cw.DeleteAlarmsInput{AlarmNames: names}
}

func putInput(ns, name string, v float64) *cw.PutMetricDataInput {
	return &cw.PutMetricDataInput{Namespace: aws.String(ns), MetricData: []types.MetricDatum{{MetricName: aws.String(name), Value: aws.Float64(v)}}}
}

func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func signedHeader(req *http.Request) {
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=111111111111/20241126/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=00")
}

// TestSDKSpeaksCBOR: aws-sdk-go-v2's CloudWatch client sends RPC v2 CBOR,
// gzip-compressed (the requestCompression trait of PutMetricData), and
// reads the responses.
func TestSDKSpeaksCBOR(t *testing.T) {
	now := func() time.Time { return t0.Add(10 * time.Minute) }
	s := newService(t, now, nil)
	srv, h := testServer(t, s, &servicetest.Authorizer{}, now)
	c := cwClient(srv.URL, "111111111111")
	ctx := context.Background()
	_, err := c.PutMetricData(ctx, &cw.PutMetricDataInput{Namespace: aws.String("App"), MetricData: []types.MetricDatum{{
		MetricName: aws.String("Duration"), Dimensions: []types.Dimension{{Name: aws.String("FunctionName"), Value: aws.String("copy")}},
		Timestamp: aws.Time(t0.Add(1500 * time.Millisecond)), Values: []float64{1, 2}, Counts: []float64{3, 1}, Unit: types.StandardUnitMilliseconds,
		StorageResolution: aws.Int32(1),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	last := h.Last()
	if last.URL.Path != "/service/GraniteServiceVersion20100801/operation/PutMetricData" || last.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" ||
		last.Header.Get("Content-Type") != "application/cbor" {
		t.Errorf("SDK request: %s %v", last.URL.Path, last.Header)
	}
	out, err := c.GetMetricStatistics(ctx, &cw.GetMetricStatisticsInput{Namespace: aws.String("App"), MetricName: aws.String("Duration"),
		Dimensions: []types.Dimension{{Name: aws.String("FunctionName"), Value: aws.String("copy")}},
		StartTime:  aws.Time(t0), EndTime: aws.Time(t0.Add(time.Minute)), Period: aws.Int32(1),
		Statistics: []types.Statistic{types.StatisticSum, types.StatisticSampleCount}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Datapoints) != 1 || *out.Datapoints[0].Sum != 5 || *out.Datapoints[0].SampleCount != 4 ||
		!out.Datapoints[0].Timestamp.Equal(t0.Add(time.Second)) || out.Datapoints[0].Unit != types.StandardUnitMilliseconds {
		t.Errorf("got %+v", out.Datapoints)
	}
	md, err := c.GetMetricData(ctx, &cw.GetMetricDataInput{StartTime: aws.Time(t0), EndTime: aws.Time(t0.Add(time.Minute)),
		MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("d"), MetricStat: &types.MetricStat{Stat: aws.String("Maximum"), Period: aws.Int32(60),
			Metric: &types.Metric{Namespace: aws.String("App"), MetricName: aws.String("Duration"),
				Dimensions: []types.Dimension{{Name: aws.String("FunctionName"), Value: aws.String("copy")}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if r := md.MetricDataResults; len(r) != 1 || len(r[0].Values) != 1 || r[0].Values[0] != 2 || !r[0].Timestamps[0].Equal(t0) {
		t.Errorf("GetMetricData: %+v", r)
	}
}

// TestErrorsInEveryProtocol: an invalid request gets the same AWS error
// code in each protocol: RPC v2 CBOR (__type with the shape id and the
// x-amzn-query-error header of query-compatible services), JSON 1.0 and
// query.
func TestErrorsInEveryProtocol(t *testing.T) {
	now := func() time.Time { return t0 }
	s := newService(t, now, nil)
	srv, _ := testServer(t, s, &servicetest.Authorizer{}, now)
	// aws-sdk-go-v2 (CBOR): typed error, query code.
	_, err := cwClient(srv.URL, "111111111111").PutMetricData(context.Background(), &cw.PutMetricDataInput{Namespace: aws.String("App"),
		MetricData: []types.MetricDatum{{MetricName: aws.String("m"), Values: []float64{1, 2}, Counts: []float64{1}}}})
	var invalid *types.InvalidParameterValueException
	if !errors.As(err, &invalid) || invalid.ErrorCode() != "InvalidParameterValue" ||
		invalid.ErrorMessage() != "The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the same size." {
		t.Errorf("SDK: got %v (%T)", err, errors.Unwrap(err))
	}
	var ae smithy.APIError
	_, err = cwClient(srv.URL, "111111111111").PutMetricAlarm(context.Background(), &cw.PutMetricAlarmInput{AlarmName: aws.String("a"),
		Namespace: aws.String("App"), MetricName: aws.String("m"), Statistic: types.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1),
		Threshold: aws.Float64(1), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold, TreatMissingData: aws.String("skip")})
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationError" {
		t.Errorf("SDK unmodeled error: got %v", err)
	}

	tests := []struct {
		name      string
		req       func() *http.Request
		status    int
		code      string
		queryCode string
	}{
		{"cbor", func() *http.Request {
			body := smithycbor.Encode(smithycbor.Map{"Namespace": smithycbor.String("AWS/EC2"), "MetricData": smithycbor.List{
				smithycbor.Map{"MetricName": smithycbor.String("m"), "Value": smithycbor.Float64(1)}}})
			req, _ := http.NewRequest("POST", srv.URL+"/service/GraniteServiceVersion20100801/operation/PutMetricData", bytes.NewReader(body))
			req.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
			req.Header.Set("Content-Type", "application/cbor")
			return req
		}, 400, "com.amazonaws.cloudwatch#InvalidParameterValueException", "InvalidParameterValue;Sender"},
		{"json 1.0", func() *http.Request {
			req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader(`{"Namespace":"AWS/EC2","MetricData":[{"MetricName":"m","Value":1}]}`))
			req.Header.Set("X-Amz-Target", "GraniteServiceVersion20100801.PutMetricData")
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			return req
		}, 400, "com.amazonaws.cloudwatch#InvalidParameterValueException", "InvalidParameterValue;Sender"},
		{"query", func() *http.Request {
			form := url.Values{"Action": {"PutMetricData"}, "Version": {"2010-08-01"}, "Namespace": {"AWS/EC2"},
				"MetricData.member.1.MetricName": {"m"}, "MetricData.member.1.Value": {"1"}}
			req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return req
		}, 400, "<Code>InvalidParameterValue</Code>", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req()
			signedHeader(req)
			resp, body := do(t, req)
			if resp.StatusCode != tc.status || resp.Header.Get("x-amzn-query-error") != tc.queryCode {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, resp.Header.Get("x-amzn-query-error"), tc.status, tc.queryCode)
			}
			text := string(body)
			if tc.name == "cbor" {
				v, _ := smithycbor.Decode(body)
				m, _ := v.(smithycbor.Map)
				text = string(m["__type"].(smithycbor.String)) + " " + string(m["message"].(smithycbor.String))
			}
			if !strings.Contains(text, tc.code) || !strings.Contains(text, "The value AWS/ for parameter Namespace is invalid.") {
				t.Errorf("got body %s, want %s", text, tc.code)
			}
		})
	}
}

// TestJSONAndQueryRoundTrip: the JSON 1.0 protocol takes and returns epoch
// seconds; query takes ISO 8601; both see the same data as CBOR.
func TestJSONAndQueryRoundTrip(t *testing.T) {
	now := func() time.Time { return t0.Add(10 * time.Minute) }
	s := newService(t, now, nil)
	srv, _ := testServer(t, s, &servicetest.Authorizer{}, now)
	jsonCall := func(op, body string) map[string]any {
		req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "GraniteServiceVersion20100801."+op)
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		signedHeader(req)
		resp, b := do(t, req)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", op, resp.StatusCode, b)
		}
		var out map[string]any
		json.Unmarshal(b, &out)
		return out
	}
	jsonCall("PutMetricData", `{"Namespace":"App","MetricData":[{"MetricName":"Errors","Value":2,"Timestamp":`+itoa(int(t0.Unix()))+`}]}`)
	form := url.Values{"Action": {"PutMetricData"}, "Version": {"2010-08-01"}, "Namespace": {"App"},
		"MetricData.member.1.MetricName": {"Errors"}, "MetricData.member.1.Value": {"3"}, "MetricData.member.1.Timestamp": {"2024-11-26T10:00:30Z"}}
	req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	signedHeader(req)
	if resp, b := do(t, req); resp.StatusCode != 200 || !strings.Contains(string(b), "<PutMetricDataResponse") {
		t.Fatalf("query PutMetricData: %d %s", resp.StatusCode, b)
	}
	out := jsonCall("GetMetricStatistics", `{"Namespace":"App","MetricName":"Errors","StartTime":`+itoa(int(t0.Unix()))+
		`,"EndTime":`+itoa(int(t0.Add(time.Minute).Unix()))+`,"Period":60,"Statistics":["Sum"]}`)
	dps, _ := out["Datapoints"].([]any)
	if len(dps) != 1 {
		t.Fatalf("got %v", out)
	}
	dp := dps[0].(map[string]any)
	if dp["Sum"] != 5.0 || dp["Timestamp"] != float64(t0.Unix()) || dp["Unit"] != "None" {
		t.Errorf("JSON datapoint: %v", dp)
	}
	// Query: XML with ISO 8601 timestamps.
	form = url.Values{"Action": {"GetMetricStatistics"}, "Version": {"2010-08-01"}, "Namespace": {"App"}, "MetricName": {"Errors"},
		"StartTime": {"2024-11-26T10:00:00Z"}, "EndTime": {"2024-11-26T10:01:00Z"}, "Period": {"60"}, "Statistics.member.1": {"Sum"}}
	req, _ = http.NewRequest("POST", srv.URL+"/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	signedHeader(req)
	resp, b := do(t, req)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "<Timestamp>2024-11-26T10:00:00Z</Timestamp>") || !strings.Contains(string(b), "<Sum>5</Sum>") {
		t.Errorf("query GetMetricStatistics: %s", b)
	}
}

// TestGzipBody: bodies sent with Content-Encoding: gzip are inflated.
func TestGzipBody(t *testing.T) {
	now := func() time.Time { return t0 }
	s := newService(t, now, nil)
	srv, _ := testServer(t, s, &servicetest.Authorizer{}, now)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	b, _ := cbor.Marshal(PutMetricDataIn{Namespace: "App", MetricData: []MetricDatum{{MetricName: "m", Value: f64(1)}}})
	zw.Write(b)
	zw.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/service/GraniteServiceVersion20100801/operation/PutMetricData", &buf)
	req.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
	req.Header.Set("Content-Type", "application/cbor")
	req.Header.Set("Content-Encoding", "gzip")
	signedHeader(req)
	if resp, body := do(t, req); resp.StatusCode != 200 {
		t.Fatalf("gzip body: %d %x", resp.StatusCode, body)
	}
	req, _ = http.NewRequest("POST", srv.URL+"/service/GraniteServiceVersion20100801/operation/PutMetricData", strings.NewReader("not gzip"))
	req.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
	req.Header.Set("Content-Encoding", "gzip")
	signedHeader(req)
	if resp, _ := do(t, req); resp.StatusCode != 400 {
		t.Errorf("corrupt gzip: got %d, want 400", resp.StatusCode)
	}
}
