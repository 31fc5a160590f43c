package service

import "sync"

// Audit collects, while a request is served, what its CloudTrail event
// says beyond the request itself: the resources authorization looked at,
// the refusal if there was one, and what the operation chooses to record
// of its parameters and response. The front door gives every request one
// (Call.Audit) and reads it once the response is written. It is safe for
// concurrent use; a nil *Audit ignores everything.
type Audit struct {
	mu        sync.Mutex
	resources []AuditResource
	errCode   string
	errMsg    string
	params    any
	response  any
}

// AuditResource is one resource of a CloudTrail event.
type AuditResource struct {
	ARN     string
	Account string
}

// AddResource records a resource the request acted on (once per ARN).
func (a *Audit) AddResource(arn, account string) {
	if a == nil || arn == "" || arn == "*" {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range a.resources {
		if r.ARN == arn {
			return
		}
	}
	a.resources = append(a.resources, AuditResource{ARN: arn, Account: account})
}

// Refused records the request's refusal (the first one wins).
func (a *Audit) Refused(code, message string) {
	if a == nil {
		return
	}
	a.mu.Lock()
	if a.errCode == "" {
		a.errCode, a.errMsg = code, message
	}
	a.mu.Unlock()
}

// SetParameters records the event's requestParameters: a value
// encoding/json writes as CloudTrail's object (a struct with json tags is
// cheaper per request than a map; it is encoded only when the event is
// read).
func (a *Audit) SetParameters(p any) {
	if a == nil {
		return
	}
	a.mu.Lock()
	a.params = p
	a.mu.Unlock()
}

// SetResponse records the event's responseElements. It must hold no
// secret: the emulator keeps no secret key or session token in its events.
func (a *Audit) SetResponse(p any) {
	if a == nil {
		return
	}
	a.mu.Lock()
	a.response = p
	a.mu.Unlock()
}

// Snapshot returns what was recorded.
func (a *Audit) Snapshot() (resources []AuditResource, errCode, errMsg string, params, response any) {
	if a == nil {
		return nil, "", "", nil, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]AuditResource(nil), a.resources...), a.errCode, a.errMsg, a.params, a.response
}
