package emulator_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulator/internal/journal"
	"github.com/xacct/xacct/emulatortest"
)

func rootOf(acct string) aws.Credentials {
	return aws.Credentials{AccessKeyID: acct, SecretAccessKey: emulator.RootSecret}
}

func putEvent(ctx context.Context, c *cloudwatchlogs.Client, msg string) error {
	_, err := c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("big"), LogStreamName: aws.String("s"),
		LogEvents: []cwltypes.InputLogEvent{{Message: aws.String(msg), Timestamp: aws.Int64(time.Now().UnixMilli())}}})
	return err
}

func allEvents(ctx context.Context, t *testing.T, c *cloudwatchlogs.Client) []string {
	t.Helper()
	out, err := c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("big"), LogStreamName: aws.String("s"), StartFromHead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, e := range out.Events {
		msgs = append(msgs, *e.Message)
	}
	return msgs
}

// TestLogsOversizedEvent sends events of '<' (which encoding/json would
// escape six-fold) at and over CloudWatch Logs' size limit: the batch is
// at most 1,048,576 bytes, counted as the messages' UTF-8 bytes plus 26
// bytes per event (Amazon CloudWatch Logs API Reference, PutLogEvents), so
// one event of 1,048,550 bytes is the largest accepted. Accepted events
// persist and the data dir reopens with them; a larger one gets AWS's
// InvalidParameterException.
func TestLogsOversizedEvent(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := emulatortest.New(t, emulator.WithDataDir(dir))
	c := cloudwatchlogs.NewFromConfig(s.ConfigWith(rootOf(home)))
	if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("big")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("big"), LogStreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	million := strings.Repeat("<", 1_000_000)
	largest := strings.Repeat("<", 1_048_576-26)
	for _, m := range []string{million, largest} {
		if err := putEvent(ctx, c, m); err != nil {
			t.Fatalf("PutLogEvents of %d bytes: %v", len(m), err)
		}
	}
	err := putEvent(ctx, c, largest+"<")
	if apiCode(err) != "InvalidParameterException" {
		t.Errorf("an event of %d bytes: got %v, want InvalidParameterException", len(largest)+1, err)
	}
	s.Close()

	s2 := emulatortest.New(t, emulator.WithDataDir(dir))
	got := allEvents(ctx, t, cloudwatchlogs.NewFromConfig(s2.ConfigWith(rootOf(home))))
	if len(got) != 2 || got[0] != million || got[1] != largest {
		lens := []int{}
		for _, m := range got {
			lens = append(lens, len(m))
		}
		t.Errorf("after a restart: events of %v bytes, want [1000000 1048550]", lens)
	}
}

// TestDataDirOfEarlierVersion opens a data dir as earlier versions wrote
// it (JSON lines), including what a full disk left there: a record cut
// short with the next acknowledged record appended onto it, and a torn
// last line. Every acknowledged record is kept, the files are converted
// to journals, and the server says what it dropped.
func TestDataDirOfEarlierVersion(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := emulatortest.New(t, emulator.WithDataDir(dir))
	cfg := s.ConfigWith(rootOf(home))
	lc := cloudwatchlogs.NewFromConfig(cfg)
	if _, err := lc.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("big")}); err != nil {
		t.Fatal(err)
	}
	if _, err := lc.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("big"), LogStreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	cw := cloudwatch.NewFromConfig(cfg)
	ic := iam.NewFromConfig(cfg)
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	key, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("u")})
	if err != nil {
		t.Fatal(err)
	}
	user := aws.Credentials{AccessKeyID: *key.AccessKey.AccessKeyId, SecretAccessKey: *key.AccessKey.SecretAccessKey}
	var sessions []aws.Credentials
	for i := range 3 {
		if err := putEvent(ctx, lc, strings.Repeat("x", i+1)); err != nil {
			t.Fatal(err)
		}
		if _, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("Old"),
			MetricData: []cwtypes.MetricDatum{{MetricName: aws.String(strings.Repeat("m", i+1)), Value: aws.Float64(1)}}}); err != nil {
			t.Fatal(err)
		}
		out, err := sts.NewFromConfig(s.ConfigWith(user)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/r"), RoleSessionName: aws.String("old-session")})
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey, SessionToken: *out.Credentials.SessionToken})
	}
	s.Close()

	// Rewrite every journal as the JSON lines of earlier versions, with a
	// torn write before the last record and a torn line after it.
	var converted int
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(path, ".journal") || !hadJSONLines(dir, path) {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		var lines [][]byte
		if _, _, err := journal.Read(f, func(p []byte) error { lines = append(lines, bytes.Clone(p)); return nil }); err != nil {
			return err
		}
		var b bytes.Buffer
		for i, l := range lines {
			if i == len(lines)-1 {
				b.Write(l[:len(l)/2]) // cut short by ENOSPC, no newline
			}
			b.Write(l)
			b.WriteByte('\n')
		}
		b.Write(lines[0][:len(lines[0])/2]) // a torn last line
		converted++
		if err := os.WriteFile(strings.TrimSuffix(path, ".journal")+".jsonl", b.Bytes(), 0o644); err != nil {
			return err
		}
		return os.Remove(path)
	})
	if err != nil || converted != 3 {
		t.Fatalf("rewrote %d journals as JSON lines (want 3: metrics, sessions, a stream): %v", converted, err)
	}

	s2 := emulatortest.New(t, emulator.WithDataDir(dir))
	cfg2 := s2.ConfigWith(rootOf(home))
	if got := allEvents(ctx, t, cloudwatchlogs.NewFromConfig(cfg2)); strings.Join(got, ",") != "x,xx,xxx" {
		t.Errorf("log events after conversion: got %q, want x, xx, xxx", got)
	}
	lm, err := cloudwatch.NewFromConfig(cfg2).ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("Old")})
	if err != nil || len(lm.Metrics) != 3 {
		t.Errorf("metrics after conversion: %d (%v), want 3", len(lm.Metrics), err)
	}
	for i, c := range sessions {
		if _, err := sts.NewFromConfig(s2.ConfigWith(c)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Errorf("session %d after conversion: %v", i, err)
		}
	}
	var jsonl, journals int
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		switch filepath.Ext(path) {
		case ".jsonl":
			jsonl++
		case ".journal":
			if hadJSONLines(dir, path) {
				journals++
			}
		}
		return nil
	})
	if jsonl != 0 || journals != 3 {
		t.Errorf("after conversion: %d .jsonl and %d .journal files of CloudWatch, STS and Logs, want 0 and 3", jsonl, journals)
	}
	if log := s2.Logs.String(); !strings.Contains(log, "recovered a record appended onto a torn line") || !strings.Contains(log, "dropped torn lines") {
		t.Errorf("the server did not say what it recovered and dropped; log:\n%s", log)
	}
}

// hadJSONLines reports whether a journal under dir is one whose earlier
// versions wrote JSON lines: CloudWatch's, STS's and Logs' (not S3's,
// whose earlier layout was JSON files, nor the decision trail's).
func hadJSONLines(dir, path string) bool {
	for _, svc := range []string{"cloudwatch", "sts", "logs"} {
		if strings.HasPrefix(path, filepath.Join(dir, svc)+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// TestLogsDeletesSurviveRestart deletes a stream that was loaded from the
// data dir (its journal not yet reopened) and a whole group twice over:
// after a restart neither comes back.
func TestLogsDeletesSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := emulatortest.New(t, emulator.WithDataDir(dir))
	c := cloudwatchlogs.NewFromConfig(s.ConfigWith(rootOf(home)))
	for _, g := range []string{"big", "gone"} {
		if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(g)}); err != nil {
			t.Fatal(err)
		}
		for _, st := range []string{"s", "t"} {
			if _, err := c.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(g), LogStreamName: aws.String(st)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := putEvent(ctx, c, "kept"); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s2 := emulatortest.New(t, emulator.WithDataDir(dir))
	c = cloudwatchlogs.NewFromConfig(s2.ConfigWith(rootOf(home)))
	if _, err := c.DeleteLogStream(ctx, &cloudwatchlogs.DeleteLogStreamInput{LogGroupName: aws.String("big"), LogStreamName: aws.String("t")}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := c.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String("gone")}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("gone")}); err != nil {
			t.Fatal(err)
		}
	}
	s2.Close()

	s3 := emulatortest.New(t, emulator.WithDataDir(dir))
	c = cloudwatchlogs.NewFromConfig(s3.ConfigWith(rootOf(home)))
	for g, want := range map[string]string{"big": "s", "gone": ""} {
		out, err := c.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String(g)})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, st := range out.LogStreams {
			got = append(got, *st.LogStreamName)
		}
		if strings.Join(got, ",") != want {
			t.Errorf("group %s after restart: streams %q, want %q", g, got, want)
		}
	}
	if got := allEvents(ctx, t, c); strings.Join(got, ",") != "kept" {
		t.Errorf("events after restart: %q, want [kept]", got)
	}
}
