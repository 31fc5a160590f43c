// Package switchaccount is the switch-account Lambda function: given an
// account id, it assumes the configured role there and works in that
// account (its caller identity and bucket list), answering
// {statusCode, body} as the Classmethod article's function does.
package switchaccount

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/xacct/xacct/crossaccount"
)

// Event is the function's input: {"account_id": "222222222222"}.
type Event struct {
	AccountID string `json:"account_id"`
	// invalid says what was wrong with an event whose account_id is not a
	// JSON string (a number, say) or that is not a JSON object at all;
	// Handle answers such events 400 instead of failing the invocation.
	invalid string
}

// UnmarshalJSON reads an event. An account_id of another JSON type than
// string, or an event that is not an object, is recorded for Handle to
// answer 400, so a caller's mistake is not a function error (which would
// count in the Errors metric and could fire the alarm).
func (e *Event) UnmarshalJSON(b []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
		e.invalid = "the event must be a JSON object with a string account_id, got " + jsonKind(b)
		return nil
	}
	v, ok := fields["account_id"]
	if !ok || string(v) == "null" {
		return nil
	}
	if err := json.Unmarshal(v, &e.AccountID); err != nil {
		e.invalid = "Invalid account_id: must be a string of 12 digits, got " + jsonKind(v)
	}
	return nil
}

// jsonKind names the JSON type of a value, for error messages.
func jsonKind(v []byte) string {
	for _, c := range v {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return "an object"
		case '[':
			return "an array"
		case '"':
			return "a string"
		case 't', 'f':
			return "a boolean"
		case 'n':
			return "null"
		default:
			return "a number"
		}
	}
	return "nothing"
}

// Response is the function's output; Body is a JSON document as a string.
type Response struct {
	StatusCode int    `json:"statusCode"`
	Body       string `json:"body"`
}

// Assumer returns a config acting in another account.
type Assumer interface {
	ConfigForAccount(ctx context.Context, account, roleName string, optFns ...func(*crossaccount.Options)) (aws.Config, error)
}

// Handler holds the function's dependencies; build it once, outside the
// Lambda invocation, so credentials are reused across warm invocations.
type Handler struct {
	Assumer  Assumer
	RoleName string
	Log      *slog.Logger
}

// Config is the environment the function reads (ROLE_NAME, EXTERNAL_ID,
// SESSION_NAME).
type Config struct {
	RoleName    string
	ExternalID  string
	SessionName string
}

// ConfigFromEnv reads the function's environment; ROLE_NAME defaults to
// "external-role" and SESSION_NAME to "switch-account" as in the seed.
func ConfigFromEnv() Config {
	c := Config{RoleName: os.Getenv("ROLE_NAME"), ExternalID: os.Getenv("EXTERNAL_ID"), SessionName: os.Getenv("SESSION_NAME")}
	if c.RoleName == "" {
		c.RoleName = "external-role"
	}
	if c.SessionName == "" {
		c.SessionName = "switch-account"
	}
	return c
}

// New builds the handler from a base config (the function's own
// credentials) and its environment.
func New(base aws.Config, c Config, log *slog.Logger) *Handler {
	a := crossaccount.New(base, func(o *crossaccount.Options) {
		o.SessionName, o.ExternalID = c.SessionName, c.ExternalID
	})
	return &Handler{Assumer: a, RoleName: c.RoleName, Log: log}
}

type body struct {
	Message     string   `json:"message"`
	AccountID   string   `json:"account_id,omitempty"`
	CallerArn   string   `json:"caller_arn,omitempty"`
	Buckets     []string `json:"buckets,omitempty"`
	Error       string   `json:"error,omitempty"`
	Explanation string   `json:"explanation,omitempty"`
}

func respond(status int, b body) Response {
	out, _ := json.Marshal(b)
	return Response{StatusCode: status, Body: string(out)}
}

// Handle processes one event. Invalid input answers 400, AWS errors 500
// (with the error code and, for AccessDenied, the setup explanation — never
// credentials); it returns no Go error, as the seed's function does.
func (h *Handler) Handle(ctx context.Context, ev Event) (Response, error) {
	if ev.invalid != "" {
		h.Log.ErrorContext(ctx, "invalid event", slog.String("error", ev.invalid))
		return respond(http.StatusBadRequest, body{Message: ev.invalid}), nil
	}
	if ev.AccountID == "" {
		h.Log.ErrorContext(ctx, "missing account_id in event")
		return respond(http.StatusBadRequest, body{Message: "Missing account_id"}), nil
	}
	if err := crossaccount.ValidateAccountID(ev.AccountID); err != nil {
		h.Log.ErrorContext(ctx, "invalid account_id", slog.String("account_id", ev.AccountID))
		return respond(http.StatusBadRequest, body{Message: "Invalid account_id: " + err.Error()}), nil
	}
	cfg, err := h.Assumer.ConfigForAccount(ctx, ev.AccountID, h.RoleName)
	if err != nil {
		return h.awsError(ctx, ev, "assume role", err), nil
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return h.awsError(ctx, ev, "get caller identity", err), nil
	}
	lb, err := s3.NewFromConfig(cfg).ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		return h.awsError(ctx, ev, "list buckets", err), nil
	}
	names := []string{}
	for _, b := range lb.Buckets {
		names = append(names, aws.ToString(b.Name))
	}
	h.Log.InfoContext(ctx, "processed request", slog.String("account_id", ev.AccountID), slog.String("caller_arn", aws.ToString(id.Arn)), slog.Int("buckets", len(names)))
	return respond(http.StatusOK, body{Message: "Successfully processed request", AccountID: ev.AccountID, CallerArn: aws.ToString(id.Arn), Buckets: names}), nil
}

func (h *Handler) awsError(ctx context.Context, ev Event, op string, err error) Response {
	code := "InternalError"
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	b := body{Message: "AWS API error occurred", AccountID: ev.AccountID, Error: code}
	if crossaccount.IsAccessDenied(err) {
		b.Explanation = crossaccount.Explain(err)
	}
	h.Log.ErrorContext(ctx, "AWS API error", slog.String("operation", op), slog.String("account_id", ev.AccountID), slog.String("error_code", code), slog.String("error", err.Error()))
	return respond(http.StatusInternalServerError, b)
}
