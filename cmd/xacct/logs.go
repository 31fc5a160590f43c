package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// logsPoll is how often `xacct logs --follow` asks for new events.
var logsPoll = time.Second

// logsLookback is how far behind the newest event seen --follow searches
// again: an invocation's lines reach CloudWatch Logs when it ends, with
// the timestamps they were written at, so a slow invocation's lines can
// arrive after a later, faster one's. Events already printed are skipped
// by their event id.
const logsLookback = 30 * time.Second

func runLogs(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("logs", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	endpoint := fs.String("endpoint", defaultEndpoint(), "emulator `URL`")
	account := fs.String("account", "111111111111", "account `ID` the function is in (its root credentials are used)")
	region := fs.String("region", "us-east-1", "region")
	follow := fs.Bool("follow", false, "keep printing new events until Ctrl-C (sam logs --tail)")
	since := fs.String("since", "10m", "print events from `WHEN` on: a duration ago (30s, 10m, 1h, 2d) or an RFC 3339 time")
	filter := fs.String("filter", "", "CloudWatch Logs filter `PATTERN` (terms, \"quoted phrases\", -excluded, { $.level = \"ERROR\" })")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: xacct logs NAME|ARN|STACK/LOGICAL_ID [--follow] [--since 10m] [--filter PATTERN]

Prints a function's CloudWatch Logs events (the log group /aws/lambda/NAME,
or the one its LoggingConfig names) through FilterLogEvents, oldest first, as
TIME STREAM MESSAGE. --follow keeps polling every second for new events, as
"sam logs --tail" does, until Ctrl-C.

flags:`)
		fs.PrintDefaults()
	}
	pos, err := m.parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	switch len(pos) {
	case 0:
		return usagef("logs: the function name is missing: xacct logs NAME [--follow] (xacct help logs)")
	case 1:
	default:
		return usagef("logs: unexpected argument %q (one function, then flags)", pos[1])
	}
	if !accountIDRE.MatchString(*account) {
		return usagef("logs: --account must be a 12-digit account id, not %q", *account)
	}
	start, err := parseSince(*since, time.Now())
	if err != nil {
		return usagef("logs: --since: %v", err)
	}
	if err := probeEmulator(ctx, *endpoint); err != nil {
		return err
	}
	d := &deployTarget{endpoint: *endpoint, account: *account, region: *region}
	name, err := resolveStackFunction(ctx, d, pos[0])
	if err != nil {
		return err
	}
	group := logGroupOf(ctx, d, name)
	c := cloudwatchlogs.NewFromConfig(d.config())
	t := &logTail{c: c, group: group, filter: *filter, since: start.UnixMilli(), seen: map[string]int64{}}
	if !*follow {
		err := t.poll(ctx, m)
		var nf *logtypes.ResourceNotFoundException
		if errors.As(err, &nf) {
			return fmt.Errorf("no logs for %s: the log group %s does not exist (has the function run in account %s, %s?)", pos[0], group, *account, *region)
		}
		return err
	}
	fmt.Fprintf(m.Stderr, "following %s (Ctrl-C to stop)\n", group)
	waiting := false
	for {
		err := t.poll(ctx, m)
		var nf *logtypes.ResourceNotFoundException
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.As(err, &nf):
			if !waiting {
				fmt.Fprintf(m.Stderr, "%s does not exist yet: waiting for the function's first invocation\n", group)
				waiting = true
			}
		case err != nil:
			return err
		}
		if sleepCtx(ctx, logsPoll) != nil {
			return nil
		}
	}
}

// logGroupOf is the function's log group: its LoggingConfig.LogGroup, else
// /aws/lambda/NAME (also when the function is gone: its logs stay).
func logGroupOf(ctx context.Context, d *deployTarget, name string) string {
	fn := name
	if strings.HasPrefix(fn, "arn:") {
		// arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
		if parts := strings.Split(fn, ":"); len(parts) >= 7 {
			fn = parts[6]
		}
	}
	out, err := lambda.NewFromConfig(d.config()).GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: &name})
	if err == nil {
		if out.LoggingConfig != nil && aws.ToString(out.LoggingConfig.LogGroup) != "" {
			return aws.ToString(out.LoggingConfig.LogGroup)
		}
		fn = aws.ToString(out.FunctionName)
	}
	return "/aws/lambda/" + fn
}

// logTail prints a log group's new events.
type logTail struct {
	c      *cloudwatchlogs.Client
	group  string
	filter string
	since  int64            // ms: the next search starts here
	seen   map[string]int64 // event id -> timestamp, of events printed since since
	newest int64
}

// poll prints the events since t.since not printed yet, oldest first.
func (t *logTail) poll(ctx context.Context, m *Main) error {
	in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: &t.group, StartTime: aws.Int64(t.since)}
	if t.filter != "" {
		in.FilterPattern = &t.filter
	}
	p := cloudwatchlogs.NewFilterLogEventsPaginator(t.c, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return endpointError(err)
		}
		for _, e := range out.Events {
			id, ts := aws.ToString(e.EventId), aws.ToInt64(e.Timestamp)
			if _, ok := t.seen[id]; ok {
				continue
			}
			t.seen[id] = ts
			if ts > t.newest {
				t.newest = ts
			}
			fmt.Fprintf(m.Stdout, "%s %s %s\n", time.UnixMilli(ts).UTC().Format("2006-01-02T15:04:05.000Z"),
				aws.ToString(e.LogStreamName), strings.TrimRight(aws.ToString(e.Message), "\r\n"))
		}
	}
	if next := t.newest - logsLookback.Milliseconds(); next > t.since {
		t.since = next
		for id, ts := range t.seen {
			if ts < t.since {
				delete(t.seen, id)
			}
		}
	}
	return nil
}

// parseSince reads --since: a duration before now (Go's units, plus d for
// days) or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.ParseFloat(days, 64); err == nil && n >= 0 {
			return now.Add(-time.Duration(n * float64(24*time.Hour))), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return time.Time{}, fmt.Errorf("%q is neither a duration (30s, 10m, 1h, 2d) nor an RFC 3339 time (2006-01-02T15:04:05Z)", s)
	}
	return now.Add(-d), nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
