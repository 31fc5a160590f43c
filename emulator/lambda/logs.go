package lambda

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulator/sts"
)

// logWriter sends an environment's output to its log stream, with the
// execution role's permissions: Lambda writes logs as the function, so a
// role without logs:CreateLogStream and logs:PutLogEvents loses them, as in
// AWS.
type logWriter struct {
	svc     *Service
	fn      *Function
	creds   *sts.Session
	stream  string
	mu      sync.Mutex
	pending []LogEvent
	ready   bool // group and stream exist
	denied  bool // the role may not write logs
	warned  bool
}

func newLogWriter(s *Service, f *Function, creds *sts.Session, stream string) *logWriter {
	return &logWriter{svc: s, fn: f, creds: creds, stream: stream}
}

func (w *logWriter) add(line string) {
	w.mu.Lock()
	last := int64(0)
	if n := len(w.pending); n > 0 {
		last = w.pending[n-1].Timestamp
	}
	ts := max(w.svc.opts.Now().UnixMilli(), last)
	w.pending = append(w.pending, LogEvent{Timestamp: ts, Message: line})
	big := len(w.pending) >= 1000
	w.mu.Unlock()
	if big {
		w.flush()
	}
}

// system writes a START, END or REPORT line in the function's log format
// (AWS Lambda Developer Guide, "Lambda function logs": text lines, or the
// platform.start and platform.report records of the JSON format).
func (w *logWriter) system(f *Function, kind, requestID string, d, initDur time.Duration, memMB int, status string) string {
	ms := func(d time.Duration) float64 { return math.Round(float64(d.Microseconds())/10) / 100 }
	billed := int64(math.Ceil(float64(d.Microseconds()) / 1000))
	if f.Logging.LogFormat == "JSON" {
		if f.Logging.SystemLogLevel == "WARN" || f.Logging.SystemLogLevel == "ERROR" || kind == "END" {
			return ""
		}
		rec := map[string]any{"time": w.svc.opts.Now().UTC().Format("2006-01-02T15:04:05.000Z")}
		switch kind {
		case "START":
			rec["type"] = "platform.start"
			rec["record"] = map[string]any{"requestId": requestID, "version": "$LATEST"}
		case "REPORT":
			m := map[string]any{"durationMs": ms(d), "billedDurationMs": billed, "memorySizeMB": f.MemorySize, "maxMemoryUsedMB": memMB}
			if initDur > 0 {
				m["initDurationMs"] = ms(initDur)
			}
			rec["type"] = "platform.report"
			rec["record"] = map[string]any{"requestId": requestID, "metrics": m, "status": status}
		}
		b, _ := json.Marshal(rec)
		w.add(string(b))
		return string(b)
	}
	switch kind {
	case "START":
		line := "START RequestId: " + requestID + " Version: $LATEST"
		w.add(line)
		return line
	case "END":
		line := "END RequestId: " + requestID
		w.add(line)
		return line
	case "REPORT":
		line := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t",
			requestID, ms(d), billed, f.MemorySize, memMB)
		if initDur > 0 {
			line += fmt.Sprintf("Init Duration: %.2f ms\t", ms(initDur))
		}
		if status == "timeout" {
			line += "Status: timeout"
		}
		w.add(line)
		return line
	}
	return ""
}

// allowed asks the policy engine whether the execution role may act on
// the log group or stream.
func (w *logWriter) allowed(action, resource string) bool {
	s := w.svc
	if s.opts.Callers == nil || s.opts.Authz == nil {
		return true
	}
	caller, err := s.opts.Callers.CallerFor(w.creds.AccessKeyID)
	if err != nil {
		return false
	}
	call := &service.Call{Caller: caller, Region: w.fn.Region, Time: s.opts.Now(), Service: "logs", Authz: s.opts.Authz}
	return s.opts.Authz.Decide(context.Background(), call, service.Check{Action: action, Resource: resource}).Allowed()
}

// flush writes pending lines.
func (w *logWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) == 0 || w.svc.opts.Logs == nil {
		w.pending = nil
		return
	}
	f, s := w.fn, w.svc
	group := f.LogGroup()
	groupARN := "arn:aws:logs:" + f.Region + ":" + f.Account + ":log-group:" + group
	if !w.ready && !w.denied {
		err := s.opts.Logs.CreateGroup(f.Account, f.Region, group, 0, nil)
		if err == nil && !w.allowed("logs:CreateLogGroup", groupARN+":*") {
			// Created by nobody: the role could not have.
			err = awserr.AccessDenied("logs:CreateLogGroup")
		}
		if err == nil || awserr.Is(err, "ResourceAlreadyExistsException") {
			if w.allowed("logs:CreateLogStream", groupARN+":log-stream:"+w.stream) {
				err = s.opts.Logs.CreateStream(f.Account, f.Region, group, w.stream)
				if err == nil || awserr.Is(err, "ResourceAlreadyExistsException") {
					w.ready = true
				}
			} else {
				w.denied = true
			}
		} else {
			w.denied = true
		}
	}
	if w.ready && !w.allowed("logs:PutLogEvents", groupARN+":log-stream:"+w.stream) {
		w.denied = true
	}
	if w.denied || !w.ready {
		if !w.warned {
			w.warned = true
			s.opts.Log.Warn("function logs dropped: the execution role may not write to CloudWatch Logs",
				slog.String("function", f.Name), slog.String("role", f.Role), slog.String("log_group", group))
		}
		w.pending = nil
		return
	}
	if err := s.opts.Logs.Append(f.Account, f.Region, group, w.stream, w.pending); err != nil {
		s.opts.Log.Warn("function logs dropped", slog.String("function", f.Name), slog.Any("error", err))
	}
	w.pending = nil
}
