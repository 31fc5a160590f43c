package emulator

import (
	"github.com/xacct/xacct/emulator/lambda"
	"github.com/xacct/xacct/emulator/logs"
)

// logSink adapts CloudWatch Logs to where Lambda writes function output.
type logSink struct{ l *logs.Service }

func (s logSink) CreateGroup(acct, region, name string, retention int32, tags map[string]string) error {
	return s.l.CreateGroup(acct, region, name, retention, tags)
}

func (s logSink) CreateStream(acct, region, group, stream string) error {
	return s.l.CreateStream(acct, region, group, stream)
}

func (s logSink) Append(acct, region, group, stream string, events []lambda.LogEvent) error {
	in := make([]logs.InputEvent, len(events))
	for i, e := range events {
		in[i] = logs.InputEvent{Timestamp: e.Timestamp, Message: e.Message}
	}
	_, err := s.l.Append(acct, region, group, stream, in)
	return err
}

// ZipDir packs a directory as a Lambda deployment package (the bootstrap
// stays executable).
func ZipDir(dir string) ([]byte, error) { return lambda.ZipDir(dir) }
