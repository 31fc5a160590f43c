package lambda

import (
	"context"
	"encoding/json"
	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
	"log/slog"
	"strings"
)

// This file tells the decision trail which function and invocation a
// request comes from, and explains Invoke of a function that does not
// exist.

// Invocation reports whether accessKeyID belongs to the execution-role
// session of a live execution environment and, if so, the function's name
// and the request id of the invocation it is running ("" between
// invocations). A warm environment keeps its session across invocations,
// so the invocation id is read when the request arrives. It is safe for
// concurrent use and does not block.
func (s *Service) Invocation(accessKeyID string) (function, requestID string, ok bool) {
	v, ok := s.byKey.Load(accessKeyID)
	if !ok {
		return "", "", false
	}
	in := v.(*instance)
	if inv := in.cur.Load(); inv != nil {
		requestID = inv.id
	}
	return in.fn.Name, requestID, true
}

// missingFunction explains, and records in the trail, a request for a
// function that does not exist: which functions the account has in the
// region, nearest names first.
func (s *Service) missingFunction(ctx context.Context, acct, region, name, arn string) error {
	var names []string
	for _, f := range s.store.functions(acct, region) {
		names = append(names, f.Name)
	}
	why := "no function `" + name + "` in account " + acct + " (" + region + "); " + service.Listing("functions there", name, names)
	action := "lambda:" + callerOf(ctx).Operation
	if action == "lambda:Invoke" {
		action = "lambda:InvokeFunction"
	}
	service.RecordMissing(ctx, service.Check{Action: action, Resource: arn, ResourceAccount: acct}, why)
	return service.Explained(errNotFound(arn).(*awserr.Error), why)
}

// logFunctionError logs, for `xacct serve`, one line for an Invoke whose
// function returned an error: the function, the invocation's request id
// and the error it returned.
func logFunctionError(call *service.Call, ref string, res *Result) {
	if call == nil || call.Log == nil {
		return
	}
	var fe struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	msg := string(res.Payload)
	if json.Unmarshal(res.Payload, &fe) == nil && (fe.ErrorType != "" || fe.ErrorMessage != "") {
		msg = fe.ErrorType + ": " + fe.ErrorMessage
	}
	if len(msg) > 1024 {
		msg = msg[:1024] + "..."
	}
	call.Log.Warn("function error", slog.String("function", ref), slog.String("invocation_id", res.RequestID),
		slog.String("request_id", call.RequestID), slog.String("error", strings.ReplaceAll(msg, "\n", " ")))
}
