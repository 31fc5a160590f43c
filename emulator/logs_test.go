package emulator_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/xacct/xacct/emulatortest"
)

// TestLogs covers groups, streams, PutLogEvents, GetLogEvents paging and
// FilterLogEvents with text and JSON patterns (Amazon CloudWatch Logs API
// Reference; "Filter pattern syntax").
func TestLogs(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := cloudwatchlogs.NewFromConfig(srv.Config(home))
	g := aws.String("/aws/lambda/xacct-s3-copy")
	if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: g}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: g})
	if apiCode(err) != "ResourceAlreadyExistsException" {
		t.Errorf("duplicate group: got %v", err)
	}
	if _, err := c.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: g, RetentionInDays: aws.Int32(14)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: g, RetentionInDays: aws.Int32(15)}); apiCode(err) != "InvalidParameterException" {
		t.Errorf("bad retention: got %v", err)
	}
	for _, s := range []string{"2026/11/24/[$LATEST]aaa", "2026/11/24/[$LATEST]bbb"} {
		if _, err := c.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: g, LogStreamName: aws.String(s)}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UnixMilli()
	var evs []cwltypes.InputLogEvent
	for i := 0; i < 30; i++ {
		msg := fmt.Sprintf(`{"level":"INFO","message":"copied object %d","latency":%d}`, i, i*10)
		if i%10 == 3 {
			msg = fmt.Sprintf(`{"level":"ERROR","message":"failed to copy object %d","latency":%d}`, i, i*10)
		}
		evs = append(evs, cwltypes.InputLogEvent{Timestamp: aws.Int64(now + int64(i)), Message: aws.String(msg)})
	}
	if _, err := c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: g, LogStreamName: aws.String("2026/11/24/[$LATEST]aaa"), LogEvents: evs}); err != nil {
		t.Fatal(err)
	}
	c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: g, LogStreamName: aws.String("2026/11/24/[$LATEST]bbb"),
		LogEvents: []cwltypes.InputLogEvent{{Timestamp: aws.Int64(now + 5), Message: aws.String("START RequestId: 1 Version: $LATEST")}, {Timestamp: aws.Int64(now + 6), Message: aws.String("plain ERROR line")}}})
	_, err = c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: g, LogStreamName: aws.String("nope"), LogEvents: evs[:1]})
	if apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("missing stream: got %v", err)
	}
	_, err = c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: g, LogStreamName: aws.String("2026/11/24/[$LATEST]aaa"), LogEvents: []cwltypes.InputLogEvent{evs[2], evs[1]}})
	if apiCode(err) != "InvalidParameterException" {
		t.Errorf("unordered batch: got %v", err)
	}

	ge, err := c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: g, LogStreamName: aws.String("2026/11/24/[$LATEST]aaa"), StartFromHead: aws.Bool(true), Limit: aws.Int32(20)})
	if err != nil || len(ge.Events) != 20 || !strings.Contains(*ge.Events[0].Message, "object 0") {
		t.Fatalf("GetLogEvents: %v %d", err, len(ge.Events))
	}
	ge2, _ := c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: g, LogStreamName: aws.String("2026/11/24/[$LATEST]aaa"), NextToken: ge.NextForwardToken})
	if len(ge2.Events) != 10 || !strings.Contains(*ge2.Events[9].Message, "object 29") {
		t.Errorf("second page: %d events", len(ge2.Events))
	}

	for _, tc := range []struct {
		pattern string
		want    int
	}{
		{"", 32},
		{"ERROR", 4},
		{`"failed to copy"`, 3},
		{"copied -object", 0},
		{"?ERROR ?START", 5},
		{`{ $.level = "ERROR" }`, 3},
		{`{ $.latency > 200 }`, 9},
		{`{ ($.level = "INFO") && ($.latency >= 270) }`, 3},
		{`{ $.level = "ERR*" || $.latency = 0 }`, 4},
		{`{ $.missing NOT EXISTS && $.level = "ERROR" }`, 3},
	} {
		p := s3CollectFilter(t, c, g, tc.pattern)
		if p != tc.want {
			t.Errorf("filter %q: got %d events, want %d", tc.pattern, p, tc.want)
		}
	}
	_, err = c.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: g, FilterPattern: aws.String(`{ $.level = }`)})
	if apiCode(err) != "InvalidParameterException" {
		t.Errorf("bad pattern: got %v", err)
	}
	dg, _ := c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/")})
	if len(dg.LogGroups) != 1 || *dg.LogGroups[0].RetentionInDays != 14 {
		t.Errorf("DescribeLogGroups: %+v", dg.LogGroups)
	}
	ds, _ := c.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g, OrderBy: cwltypes.OrderByLastEventTime, Descending: aws.Bool(true)})
	if len(ds.LogStreams) != 2 || *ds.LogStreams[0].LogStreamName != "2026/11/24/[$LATEST]aaa" {
		t.Errorf("DescribeLogStreams: %+v", ds.LogStreams)
	}
	if _, err := c.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: g}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: g}); apiCode(err) != "ResourceNotFoundException" || apiMessage(err) != "The specified log group does not exist." {
		t.Errorf("deleted group: %v", err)
	}
}

func s3CollectFilter(t *testing.T, c *cloudwatchlogs.Client, g *string, pattern string) int {
	t.Helper()
	n := 0
	p := cloudwatchlogs.NewFilterLogEventsPaginator(c, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: g, FilterPattern: aws.String(pattern), Limit: aws.Int32(7)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("filter %q: %v", pattern, err)
		}
		n += len(page.Events)
	}
	return n
}
