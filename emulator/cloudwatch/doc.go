// Package cloudwatch is the emulated Amazon CloudWatch (metrics and metric
// alarms): PutMetricData, GetMetricStatistics, GetMetricData, ListMetrics,
// and alarms evaluated as CloudWatch evaluates them, whose state changes
// notify SNS topics. It serves the RPC v2 CBOR protocol current SDKs send
// (aws-sdk-go-v2), AWS JSON 1.0 (what botocore 1.43 and the aws CLI v1
// send) and query, on one handler.
//
//	cw, err := cloudwatch.New(cloudwatch.Options{Now: clock, DataDir: dir, Notifier: snsService})
//	cw.ServeAWS(w, r, call)                    // requests signed for "monitoring"
//	go cw.Run(ctx, 10*time.Second)              // evaluate alarms as time passes
//
// Alarm evaluation follows "Evaluating an alarm" in the CloudWatch User
// Guide: at each evaluation (Tick, and after PutMetricData and
// PutMetricAlarm) an alarm looks at the periods that have fully elapsed, the
// last ending on the current minute (10 seconds for high-resolution
// alarms); it retrieves EvaluationPeriods+2 of them (the evaluation range),
// evaluates the most recent EvaluationPeriods data points, filling missing
// ones per TreatMissingData, and goes to ALARM when DatapointsToAlarm of
// them breach. A change of state runs the new state's actions: SNS topics
// receive CloudWatch's notification JSON (and its text for email
// subscribers) through the Notifier, published as cloudwatch.amazonaws.com
// under the topic policy; every outcome is in DescribeAlarmHistory.
//
// AWS services running in the emulator (Lambda's Invocations and Errors)
// publish through PutServiceMetrics.
//
// service.go holds Options, New, Close and the operation table;
// protocols.go serves it over query, JSON 1.0 and RPC v2 CBOR; shapes.go
// the wire shapes; metrics.go and stats.go the metric operations;
// alarms.go, evaluate.go, engine.go and notify.go the alarms, their
// evaluation, history and SNS notifications; store.go the metrics and
// alarms of every scope behind the store's lock (operations go through
// view and update, never locking themselves), the metric journal and
// alarms.json with its undo; errors.go the error codes.
package cloudwatch
