// Package switchaccount is the switch-account Lambda function: given an
// account id, it assumes the configured role there and works in that
// account (its caller identity and bucket list), answering
// {statusCode, body} as the Classmethod article's function does.
package switchaccount

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/xacct/xacct/crossaccount"
)

// Event is the function's input: {"account_id": "222222222222"} for one
// account, or {"organization": true} (with optional "roleName" and
// "maxConcurrency") for every active account of the organization.
type Event struct {
	AccountID string `json:"account_id"`
	// Organization asks for every active account of the organization
	// (ListAccounts, from the management account or a delegated
	// administrator), except the function's own.
	Organization bool `json:"organization,omitempty"`
	// RoleName is the role assumed in each account of the organization
	// (default: the function's ORGANIZATION_ROLE_NAME, else ROLE_NAME).
	RoleName string `json:"roleName,omitempty"`
	// MaxConcurrency bounds how many accounts are worked on at once
	// (default DefaultConcurrency, at most MaxConcurrency).
	MaxConcurrency int `json:"maxConcurrency,omitempty"`
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
	if v, ok := fields["organization"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &e.Organization); err != nil {
			e.invalid = "Invalid organization: must be a boolean, got " + jsonKind(v)
			return nil
		}
	}
	if v, ok := fields["roleName"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &e.RoleName); err != nil {
			e.invalid = "Invalid roleName: must be a string, got " + jsonKind(v)
			return nil
		}
	}
	if v, ok := fields["maxConcurrency"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &e.MaxConcurrency); err != nil {
			e.invalid = fmt.Sprintf("Invalid maxConcurrency: must be an integer from 1 to %d, got %s", MaxConcurrency, jsonKind(v))
			return nil
		}
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
	// OrgRoleName is the role an {"organization": true} event assumes in
	// each account when the event names none.
	OrgRoleName string
	// Org lists the organization's accounts; nil: organization events
	// answer 400.
	Org crossaccount.ListAccountsAPI
	// Self returns the function's own account, left out of the fan-out
	// (the management account has no OrganizationAccountAccessRole).
	Self func(ctx context.Context) (string, error)
}

// Concurrency of an organization event.
const (
	DefaultConcurrency = 4
	MaxConcurrency     = 50
)

// Config is the environment the function reads (ROLE_NAME, EXTERNAL_ID,
// SESSION_NAME, ORGANIZATION_ROLE_NAME).
type Config struct {
	RoleName    string
	ExternalID  string
	SessionName string
	// OrgRoleName is the role assumed in every account of the
	// organization (default RoleName).
	OrgRoleName string
}

// ConfigFromEnv reads the function's environment; ROLE_NAME defaults to
// "external-role" and SESSION_NAME to "switch-account" as in the seed.
func ConfigFromEnv() Config {
	c := Config{RoleName: os.Getenv("ROLE_NAME"), ExternalID: os.Getenv("EXTERNAL_ID"), SessionName: os.Getenv("SESSION_NAME"),
		OrgRoleName: os.Getenv("ORGANIZATION_ROLE_NAME")}
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
	orgRole := c.OrgRoleName
	if orgRole == "" {
		orgRole = c.RoleName
	}
	self := sts.NewFromConfig(base)
	return &Handler{Assumer: a, RoleName: c.RoleName, Log: log, OrgRoleName: orgRole, Org: organizations.NewFromConfig(base),
		Self: func(ctx context.Context) (string, error) {
			out, err := self.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.Account), nil
		}}
}

type body struct {
	Message     string   `json:"message"`
	Accounts    []result `json:"accounts,omitempty"`
	Succeeded   *int     `json:"succeeded,omitempty"`
	Failed      *int     `json:"failed,omitempty"`
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
// credentials); it returns no Go error, as the seed's function does. An
// {"organization": true} event works in every active account of the
// organization (see HandleOrganization).
func (h *Handler) Handle(ctx context.Context, ev Event) (Response, error) {
	if ev.invalid != "" {
		h.Log.ErrorContext(ctx, "invalid event", slog.String("error", ev.invalid))
		return respond(http.StatusBadRequest, body{Message: ev.invalid}), nil
	}
	if ev.Organization {
		return h.HandleOrganization(ctx, ev), nil
	}
	if ev.AccountID == "" {
		h.Log.ErrorContext(ctx, "missing account_id in event")
		return respond(http.StatusBadRequest, body{Message: "Missing account_id"}), nil
	}
	if err := crossaccount.ValidateAccountID(ev.AccountID); err != nil {
		h.Log.ErrorContext(ctx, "invalid account_id", slog.String("account_id", ev.AccountID))
		return respond(http.StatusBadRequest, body{Message: "Invalid account_id: " + err.Error()}), nil
	}
	id, names, op, err := h.work(ctx, ev.AccountID, h.RoleName)
	if err != nil {
		return h.awsError(ctx, ev, op, err), nil
	}
	h.Log.InfoContext(ctx, "processed request", slog.String("account_id", ev.AccountID), slog.String("caller_arn", id), slog.Int("buckets", len(names)))
	return respond(http.StatusOK, body{Message: "Successfully processed request", AccountID: ev.AccountID, CallerArn: id, Buckets: names}), nil
}

// work assumes roleName in account and works there: its caller identity
// and bucket list. On failure it names the operation that failed.
func (h *Handler) work(ctx context.Context, account, roleName string) (callerARN string, buckets []string, op string, err error) {
	cfg, err := h.Assumer.ConfigForAccount(ctx, account, roleName)
	if err != nil {
		return "", nil, "assume role", err
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", nil, "get caller identity", err
	}
	lb, err := s3.NewFromConfig(cfg).ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		return "", nil, "list buckets", err
	}
	names := []string{}
	for _, b := range lb.Buckets {
		names = append(names, aws.ToString(b.Name))
	}
	return aws.ToString(id.Arn), names, "", nil
}

// result is one account's outcome of an organization event.
type result struct {
	AccountID   string   `json:"account_id"`
	CallerArn   string   `json:"caller_arn,omitempty"`
	Buckets     []string `json:"buckets,omitempty"`
	Operation   string   `json:"operation,omitempty"`
	Error       string   `json:"error,omitempty"`
	Message     string   `json:"error_message,omitempty"`
	Explanation string   `json:"explanation,omitempty"`
}

// HandleOrganization works in every active account of the organization
// but the function's own (crossaccount.ForEachOrgAccount), at most
// ev.MaxConcurrency at a time, and answers each account's result: 200 when
// every account succeeded, 500 when any failed (each failure with its
// error code and, for AccessDenied, crossaccount's diagnosis), 500 with
// the error when the accounts cannot be listed — ListAccounts answers a
// member account that is not a delegated administrator
// AccessDeniedException (AWS Organizations API Reference, ListAccounts:
// "This operation can be called only from the organization's management
// account or by a member account that is a delegated administrator").
func (h *Handler) HandleOrganization(ctx context.Context, ev Event) Response {
	if h.Org == nil {
		return respond(http.StatusBadRequest, body{Message: "this function is not set up for organization events"})
	}
	limit := ev.MaxConcurrency
	if limit == 0 {
		limit = DefaultConcurrency
	}
	if limit < 1 || limit > MaxConcurrency {
		return respond(http.StatusBadRequest, body{Message: fmt.Sprintf("Invalid maxConcurrency: must be an integer from 1 to %d, got %d", MaxConcurrency, ev.MaxConcurrency)})
	}
	role := ev.RoleName
	if role == "" {
		role = h.OrgRoleName
	}
	if role == "" {
		role = h.RoleName
	}
	if _, err := crossaccount.BuildRoleARN("111111111111", role); err != nil {
		return respond(http.StatusBadRequest, body{Message: "Invalid roleName: " + err.Error()})
	}
	var exclude []string
	if h.Self != nil {
		self, err := h.Self(ctx)
		if err != nil {
			return h.awsError(ctx, ev, "get caller identity", err)
		}
		exclude = append(exclude, self)
	}
	res, err := crossaccount.ForEachOrgAccount(ctx, h.Org, limit, exclude, func(ctx context.Context, acct string) (result, error) {
		arn, names, op, err := h.work(ctx, acct, role)
		return result{AccountID: acct, CallerArn: arn, Buckets: names, Operation: op}, err
	})
	if err != nil {
		code := "InternalError"
		var ae smithy.APIError
		if errors.As(err, &ae) {
			code = ae.ErrorCode()
		}
		msg := "could not list the organization's accounts"
		if code == "AccessDeniedException" || code == "AWSOrganizationsNotInUseException" {
			msg += ": ListAccounts works only from the organization's management account or a delegated administrator"
		}
		h.Log.ErrorContext(ctx, "AWS API error", slog.String("operation", "list accounts"), slog.String("error_code", code), slog.String("error", err.Error()))
		return respond(http.StatusInternalServerError, body{Message: msg, Error: code})
	}
	out := make([]result, 0, len(res))
	ok, failed := 0, 0
	for _, r := range res {
		v := r.Value
		v.AccountID = r.Account
		if r.Err == nil {
			ok++
			v.Operation = ""
			h.Log.InfoContext(ctx, "processed account", slog.String("account_id", r.Account), slog.String("caller_arn", v.CallerArn), slog.Int("buckets", len(v.Buckets)))
		} else {
			failed++
			v.Error = "InternalError"
			var ae smithy.APIError
			if errors.As(r.Err, &ae) {
				v.Error, v.Message = ae.ErrorCode(), ae.ErrorMessage()
			}
			if crossaccount.IsAccessDenied(r.Err) {
				v.Explanation = r.Explain()
			}
			h.Log.ErrorContext(ctx, "AWS API error", slog.String("operation", v.Operation), slog.String("account_id", r.Account), slog.String("error_code", v.Error), slog.String("error", r.Err.Error()))
		}
		out = append(out, v)
	}
	status, msg := http.StatusOK, fmt.Sprintf("Successfully processed %d accounts", ok)
	if failed > 0 {
		status, msg = http.StatusInternalServerError, fmt.Sprintf("%d of %d accounts failed", failed, len(out))
	}
	return respond(status, body{Message: msg, Accounts: out, Succeeded: &ok, Failed: &failed})
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
