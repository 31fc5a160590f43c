// Package lambdalog writes log/slog records in AWS Lambda's JSON log
// format — {"timestamp", "level", "message", "requestId", …} — so a Go
// function's logs read like a managed runtime's when LoggingConfig's
// LogFormat is JSON (AWS Lambda Developer Guide, "Configuring advanced
// logging controls for Lambda functions").
package lambdalog

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Level parses AWS_LAMBDA_LOG_LEVEL (TRACE, DEBUG, INFO, WARN, ERROR,
// FATAL); INFO when unset or unknown.
func Level(s string) slog.Level {
	switch strings.ToUpper(s) {
	case "TRACE", "DEBUG":
		return slog.LevelDebug
	case "WARN":
		return slog.LevelWarn
	case "ERROR", "FATAL":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// New returns a logger writing JSON records to w at the level named by
// AWS_LAMBDA_LOG_LEVEL. Records logged with a context carrying a Lambda
// request get its requestId.
func New(w io.Writer) *slog.Logger {
	return NewWithLevel(w, Level(os.Getenv("AWS_LAMBDA_LOG_LEVEL")))
}

// NewWithLevel is New with an explicit level.
func NewWithLevel(w io.Writer, level slog.Level) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				return slog.String("timestamp", a.Value.Time().UTC().Format(time.RFC3339Nano))
			case slog.MessageKey:
				a.Key = "message"
			}
			return a
		},
	})
	return slog.New(requestHandler{h})
}

// requestHandler adds the Lambda request id from the context.
type requestHandler struct{ slog.Handler }

func (h requestHandler) Handle(ctx context.Context, r slog.Record) error {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		r.AddAttrs(slog.String("requestId", lc.AwsRequestID))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestHandler{h.Handler.WithAttrs(as)}
}

func (h requestHandler) WithGroup(name string) slog.Handler {
	return requestHandler{h.Handler.WithGroup(name)}
}
