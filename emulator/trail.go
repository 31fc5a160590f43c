package emulator

import (
	"net/http"
	"path/filepath"
	"strings"
	"sync"

	"github.com/xacct/xacct/emulator/auth"
	"github.com/xacct/xacct/emulator/console"
	"github.com/xacct/xacct/emulator/internal/trail"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// This file keeps the decision trail: every authorization decision is
// recorded, with the Lambda function and invocation behind an
// execution-role session, and served at GET /_xacct/decisions.

// WithDecisions sets how many authorization decisions the trail keeps
// (default trail.DefaultCapacity); 0 or less turns recording off.
func WithDecisions(n int) Option {
	return func(o *Options) {
		if n <= 0 {
			n = -1
		}
		o.Decisions = n
	}
}

// openTrail opens the decision trail, under DataDir/trail when the
// emulator keeps its state on disk.
func (e *Emulator) openTrail() error {
	dir := ""
	if e.opts.DataDir != "" {
		dir = filepath.Join(e.opts.DataDir, "trail")
	}
	t, err := trail.Open(trail.Options{Capacity: e.opts.Decisions, Dir: dir, Log: e.log})
	if err != nil {
		return err
	}
	e.trail = t
	return nil
}

// Record implements service.Recorder: it adds one decision to the trail
// with diagnosis (computed here when empty and the decision refused).
func (e *Emulator) Record(call *service.Call, chk service.Check, d policy.Decision, diagnosis string) {
	if call != nil {
		// The request's CloudTrail event names what was authorized, and
		// the refusal (the front door prefers the error the client got).
		account := chk.ResourceAccount
		if account == "" {
			account = call.Caller.Account()
		}
		call.Audit.AddResource(chk.Resource, account)
		if d.Effect != policy.Allow && call.Caller != nil {
			call.Audit.Refused("AccessDenied", service.DenyMessage(call, chk, d))
		}
	}
	if !e.trail.Enabled() {
		return
	}
	r := trail.Record{
		Action:          chk.Action,
		Resource:        chk.Resource,
		ResourceAccount: chk.ResourceAccount,
		Decision:        d.Effect.String(),
		Diagnosis:       diagnosis,
	}
	if call != nil {
		r.Time, r.RequestID, r.Service, r.Operation, r.Region = call.Time, call.RequestID, call.Service, call.Operation, call.Region
		r.SourceIP, r.UserAgent = call.SourceIP, call.UserAgent
		if c := call.Caller; c != nil {
			r.Principal, r.CallerAccount = c.ARN(), c.Account()
			r.PrincipalType, r.Role, r.AccessKeyID = principalType(c), c.Principal.RoleARN, c.AccessKeyID
			r.SessionName, r.SessionIssued = c.SessionName, c.Issued
			if c.Principal.Type == policy.PrincipalAssumedRole && e.lambda != nil {
				r.Function, r.InvocationID, _ = e.lambda.Invocation(c.AccessKeyID)
			}
		} else {
			r.Principal = "anonymous"
		}
	}
	if r.ResourceAccount == "" {
		r.ResourceAccount = r.CallerAccount
	}
	if d.Effect != policy.Allow && diagnosis == "" {
		r.Diagnosis = service.Diagnose(call, chk, d)
	}
	if len(d.Matched) == 0 && len(d.NearMisses) == 0 && d.Effect != policy.Allow && diagnosis != "" {
		// A refusal no policy saw: the target does not exist.
		r.Missing = true
	}
	e.trail.Add(r, d)
	if r.InvocationID != "" && d.Effect != policy.Allow {
		e.refusals.add(r.InvocationID, "XACCT "+r.RequestID+" refused "+r.Action+" on "+r.Resource+": "+r.Diagnosis)
	}
}

// refusals holds, per Lambda invocation still running, the lines its
// refused requests add to the function's log. At most maxInvocations
// invocations are held (the oldest dropped first), so one whose lines are
// never taken cannot make it grow.
type refusals struct {
	mu    sync.Mutex
	lines map[string][]string
	order []string
}

const maxInvocations = 1024

func (f *refusals) add(invocation, line string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lines == nil {
		f.lines = map[string][]string{}
	}
	if _, ok := f.lines[invocation]; !ok {
		if len(f.order) >= maxInvocations {
			delete(f.lines, f.order[0])
			f.order = f.order[1:]
		}
		f.order = append(f.order, invocation)
	}
	if len(f.lines[invocation]) < 100 {
		f.lines[invocation] = append(f.lines[invocation], line)
	}
}

// take returns and forgets the invocation's lines.
func (f *refusals) take(invocation string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	lines, ok := f.lines[invocation]
	if !ok {
		return nil
	}
	delete(f.lines, invocation)
	for i, id := range f.order {
		if id == invocation {
			f.order = append(f.order[:i], f.order[i+1:]...)
			break
		}
	}
	return lines
}

// principalType is CloudTrail's userIdentity.type for the caller.
func principalType(c *service.Caller) string {
	switch c.Principal.Type {
	case policy.PrincipalRoot:
		return "Root"
	case policy.PrincipalUser:
		return "IAMUser"
	case policy.PrincipalAssumedRole:
		return "AssumedRole"
	case policy.PrincipalService:
		return "AWSService"
	case policy.PrincipalFederatedUser:
		return "FederatedUser"
	}
	return "AWSAccount"
}

// Trail returns the decision trail, for in-process inspection.
func (e *Emulator) Trail() *trail.Trail { return e.trail }

// serveReserved serves the emulator's own endpoints under /_xacct/ and
// reports whether r was one. They exist only on the emulator's listener
// (not on a function's Runtime API) and carry no secret.
func (e *Emulator) serveReserved(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case r.URL.Path == trail.Path:
		e.trail.ServeHTTP(w, r)
	case r.URL.Path == "/_xacct" || strings.HasPrefix(r.URL.Path, console.Prefix):
		e.console.ServeHTTP(w, r)
	default:
		return false
	}
	return true
}

// openConsole builds the web console (emulator/console) over the
// services, read-only; it is served at console.Prefix.
func (e *Emulator) openConsole() {
	o := console.Options{IAM: e.iam, S3: e.s3, Lambda: e.lambda, Stacks: e.cfn, Alarms: e.cw, Logs: e.logs, Outbox: e.sns,
		Region: e.opts.Region, Now: e.opts.Now, Log: e.log,
		// The graph's questions are the authorizer's, minus the trail.
		Authz: &auth.Authorizer{Policies: e.authz.Policies, Orgs: e.authz.Orgs}}
	if e.trail.Enabled() {
		o.Trail = e.trail
	}
	e.console = console.New(o)
}
