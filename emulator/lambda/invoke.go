package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// Invocation types (AWS Lambda API Reference, Invoke).
const (
	RequestResponse = "RequestResponse"
	Event           = "Event"
	DryRun          = "DryRun"
)

// maxSyncPayload and maxAsyncPayload bound request payloads.
const (
	maxSyncPayload  = 6 << 20
	maxAsyncPayload = 1 << 20
)

// invokeAPI runs a function for the Invoke operation, whose Check
// authorized lambda:InvokeFunction with the function's resource-based
// policy deciding cross-account and service callers.
func (s *Service) invokeAPI(ctx context.Context, in *InvokeIn) (*InvokeOut, error) {
	typ := in.InvocationType
	if typ == "" {
		typ = RequestResponse
	}
	if typ != RequestResponse && typ != Event && typ != DryRun {
		return nil, errInvalidParameter("1 validation error detected: Value '%s' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]", typ)
	}
	f, err := s.lookup(ctx, in.FunctionName)
	if err != nil {
		return nil, err
	}
	payload := in.Payload
	limit := maxSyncPayload
	if typ == Event {
		limit = maxAsyncPayload
	}
	if len(payload) > limit {
		return nil, awserr.New(http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", "Request must be smaller than %d bytes for the InvokeFunction operation", limit)
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if !json.Valid(payload) {
		return nil, awserr.New(http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json: Could not parse payload into json")
	}
	switch typ {
	case DryRun:
		return &InvokeOut{StatusCode: http.StatusNoContent, RequestID: newRequestID()}, nil
	case Event:
		id := newRequestID()
		if !s.gate.Enter() {
			return nil, errShuttingDown()
		}
		go func() {
			defer s.gate.Leave()
			s.runAsync(context.WithoutCancel(ctx), f, payload)
		}()
		return &InvokeOut{StatusCode: http.StatusAccepted, RequestID: id}, nil
	}
	if !s.gate.Enter() {
		return nil, errShuttingDown()
	}
	defer s.gate.Leave()
	res, err := s.invoke(ctx, f, payload, in.ClientContext)
	if err != nil {
		return nil, err
	}
	if res.FunctionError != "" {
		logFunctionError(callerOf(ctx), in.FunctionName, res)
	}
	out := &InvokeOut{StatusCode: http.StatusOK, RequestID: res.RequestID, FunctionError: res.FunctionError, ExecutedVersion: "$LATEST", Payload: res.Payload}
	if in.LogType == "Tail" {
		tail := res.LogTail
		if len(tail) > 4096 {
			tail = tail[len(tail)-4096:]
		}
		out.LogResult = base64.StdEncoding.EncodeToString(tail)
	}
	return out, nil
}

// runAsync runs an Event invocation with Lambda's two retries on error
// (AWS Lambda Developer Guide, "Asynchronous invocation"; the delays are
// shortened from minutes to seconds locally).
func (s *Service) runAsync(ctx context.Context, f *Function, payload []byte) {
	for attempt := 0; attempt < 3; attempt++ {
		res, err := s.invoke(ctx, f, payload, "")
		if err == nil && res.FunctionError == "" {
			return
		}
		s.opts.Log.Info("async invocation failed", slog.String("function", f.Name), slog.Int("attempt", attempt+1))
		if attempt < 2 && !s.gate.Sleep(time.Duration(attempt+1)*time.Second) {
			return // shutting down: no more retries
		}
	}
}

// ServiceInvocation is an asynchronous invocation by an AWS service
// principal (SNS delivering to a lambda subscription).
type ServiceInvocation struct {
	// Service is the calling service principal, "sns.amazonaws.com".
	Service string
	// FunctionArn names the function.
	FunctionArn string
	// SourceArn and SourceAccount are the aws:SourceArn and
	// aws:SourceAccount condition keys the function policy may test.
	SourceArn     string
	SourceAccount string
	Payload       []byte
}

// InvokeFromService queues an Event invocation for a service principal. As
// in AWS, only the function's resource-based policy (AddPermission) can
// allow it.
func (s *Service) InvokeFromService(ctx context.Context, inv ServiceInvocation) error {
	parts := strings.SplitN(inv.FunctionArn, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "function" {
		return errInvalidParameter("Invalid function ARN: %s", inv.FunctionArn)
	}
	a := struct{ Region, Account, Resource string }{parts[3], parts[4], parts[6]}
	call := &service.Call{
		RequestID: newRequestID(), Service: "lambda", Operation: "Invoke", Region: a.Region, Time: s.opts.Now(),
		Caller: &service.Caller{Principal: policy.Principal{Type: policy.PrincipalService, ARN: inv.Service, Service: inv.Service}},
		Authz:  s.opts.Authz, Log: s.opts.Log,
	}
	ctx = service.WithCall(ctx, call)
	f := s.store.function(a.Account, a.Region, functionName(a.Resource))
	if f == nil {
		return errNotFound(inv.FunctionArn)
	}
	chk := service.Check{Action: "lambda:InvokeFunction", Resource: f.ARN(), ResourceAccount: f.Account,
		Context: map[string][]string{"aws:SourceArn": {inv.SourceArn}, "aws:SourceAccount": {inv.SourceAccount}}}
	if _, p := s.functionPolicy(f); p != nil {
		chk.ResourcePolicy = &policy.Named{Name: "function policy of " + f.Name, Policy: p}
	}
	if err := service.Authorize(ctx, chk); err != nil {
		return err
	}
	payload := inv.Payload
	if !s.gate.Enter() {
		return errShuttingDown()
	}
	go func() {
		defer s.gate.Leave()
		s.runAsync(context.WithoutCancel(ctx), f, payload)
	}()
	return nil
}

// functionName takes the name out of "NAME[:QUALIFIER]".
func functionName(res string) string {
	if i := strings.IndexByte(res, ':'); i >= 0 {
		res = res[:i]
	}
	return res
}
