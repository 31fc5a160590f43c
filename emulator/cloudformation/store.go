package cloudformation

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/internal/fsutil"
	"github.com/xacct/xacct/emulator/service"
)

// store holds every account's stacks with their resources, events and
// change sets, persisted (with a data directory) as
// DataDir/cloudformation/stacks.json, rewritten whole by save.
//
// The store does its own locking. Stacks change in place: a stack
// operation's goroutine changes its stack while DescribeStacks reads it, so
// every field of a stack other than ID, Name, Account and Region is read
// and written only inside the store: through view and update, which run a
// function on the stacks under mu, the generic withStack and withChangeSet
// for operations on one stack or change set, and the engine's small
// methods (resource, putResource, removeResource, stackEvent, resEvent).
// The operations never lock.
type store struct {
	mu     sync.Mutex
	stacks stacks
	path   string           // "" without a data directory
	now    func() time.Time // event and resource times
}

// stacks are the stacks by id; only the store's methods hand them out,
// with its lock held.
type stacks map[string]*stack

type persisted struct {
	Stacks []*stack
}

// newStore returns the store, loading path when it is set.
func newStore(path string, now func() time.Time) (*store, error) {
	s := &store{stacks: stacks{}, path: path, now: now}
	if path == "" {
		return s, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	var p persisted
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, st := range p.Stacks {
		if strings.HasSuffix(st.Status, "_IN_PROGRESS") {
			// The emulator stopped during the operation.
			st.Status = strings.TrimSuffix(st.Status, "_IN_PROGRESS") + "_FAILED"
			st.Reason = "The xacct emulator stopped while the operation was in progress."
		}
		s.stacks[st.ID] = st
	}
	return s, nil
}

// save writes every stack and returns what went wrong.
func (s *store) save() error {
	if s.path == "" {
		return nil
	}
	s.mu.Lock()
	p := persisted{}
	for _, st := range s.stacks {
		p.Stacks = append(p.Stacks, st)
	}
	sort.Slice(p.Stacks, func(i, j int) bool { return p.Stacks[i].Created.Before(p.Stacks[j].Created) })
	b, err := json.Marshal(p)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return fsutil.WriteFile(s.path, b)
}

// view runs fn on the stacks under the lock; fn only reads.
func (s *store) view(fn func(all stacks)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.stacks)
}

// update runs fn on the stacks under the lock; fn may change them (and the
// stacks it holds), and saving is the caller's (save, or the end of a
// stack operation).
func (s *store) update(fn func(all stacks)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.stacks)
}

// viewStack runs fn on the caller's stack ref (live name or id) under the
// store's lock; a missing stack is errNoStack.
func withStack[T any](s *store, call *service.Call, ref string, fn func(st *stack) (T, error)) (T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.stacks.stack(call, ref)
	if err != nil {
		var none T
		return none, err
	}
	return fn(st)
}

// viewChangeSet runs fn on the change set ref and its stack under the
// store's lock; a missing one is errNoChangeSet (or errNoStack).
func withChangeSet[T any](s *store, call *service.Call, ref ChangeSetRef, fn func(st *stack, c *changeSet) (T, error)) (T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, c, err := s.stacks.changeSet(call, ref)
	if err != nil {
		var none T
		return none, err
	}
	return fn(st, c)
}

// add stores the new stack st with its first event, status (User
// Initiated), or returns AlreadyExistsException when the caller has a live
// stack of that name.
func (s *store) add(call *service.Call, st *stack, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stacks.lookup(call, st.Name) != nil {
		return awserr.New(http.StatusBadRequest, "AlreadyExistsException", "Stack [%s] already exists", st.Name)
	}
	s.stacks[st.ID] = st
	s.event(st, st.Name, "AWS::CloudFormation::Stack", st.ID, status, "User Initiated")
	return nil
}

// viewOwn runs fn on the caller's stacks in the region, newest first,
// under the lock.
func (s *store) viewOwn(call *service.Call, fn func(own []*stack)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.stacks.sorted(call))
}

// lookup finds the caller's stack by name (the live one) or id.
func (all stacks) lookup(call *service.Call, ref string) *stack {
	if strings.HasPrefix(ref, "arn:") {
		st := all[ref]
		if st != nil && st.Account == call.Caller.Account() {
			return st
		}
		return nil
	}
	var best *stack
	for _, st := range all {
		if st.Name == ref && st.Account == call.Caller.Account() && st.Region == call.Region && st.Status != "DELETE_COMPLETE" {
			best = st
		}
	}
	return best
}

// stack is lookup for operations on an existing stack: a missing one is
// errNoStack.
func (all stacks) stack(call *service.Call, ref string) (*stack, error) {
	st := all.lookup(call, ref)
	if st == nil {
		return nil, errNoStack(ref)
	}
	return st, nil
}

// sorted returns the caller's stacks in the region, newest first.
func (all stacks) sorted(call *service.Call) []*stack {
	var out []*stack
	for _, st := range all {
		if st.Account == call.Caller.Account() && st.Region == call.Region {
			out = append(out, st)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out
}

// changeSet finds a change set by ARN, or by name within a stack.
func (all stacks) changeSet(call *service.Call, ref ChangeSetRef) (*stack, *changeSet, error) {
	if strings.HasPrefix(ref.ChangeSetName, "arn:") {
		for _, st := range all {
			if st.Account != call.Caller.Account() {
				continue
			}
			if c := findChangeSet(st, ref.ChangeSetName); c != nil {
				return st, c, nil
			}
		}
		return nil, nil, errNoChangeSet(ref.ChangeSetName)
	}
	name := aws.ToString(ref.StackName)
	if name == "" {
		return nil, nil, awserr.Validation("StackName must be specified if ChangeSetName is not specified as an ARN.")
	}
	st, err := all.stack(call, name)
	if err != nil {
		return nil, nil, err
	}
	c := findChangeSet(st, ref.ChangeSetName)
	if c == nil {
		return nil, nil, errNoChangeSet(ref.ChangeSetName)
	}
	return st, c, nil
}

// importer names a live stack other than st that imports export, or "".
func (all stacks) importer(st *stack, export string) string {
	for _, o := range all {
		if o != st && o.Account == st.Account && o.Region == st.Region && o.Status != "DELETE_COMPLETE" && slices.Contains(o.Imports, export) {
			return o.Name
		}
	}
	return ""
}

// resource returns st's resource id, or nil.
func (s *store) resource(st *stack, id string) *resource {
	s.mu.Lock()
	defer s.mu.Unlock()
	return st.Resources[id]
}

// putResource makes r st's resource r.LogicalID.
func (s *store) putResource(st *stack, r *resource) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st.Resources[r.LogicalID] = r
}

// removeResource removes st's resource id.
func (s *store) removeResource(st *stack, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(st.Resources, id)
}

// stackEvent records an event of the stack itself and sets its status.
func (s *store) stackEvent(st *stack, status, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.event(st, st.Name, "AWS::CloudFormation::Stack", st.ID, status, reason)
}

// resEvent records a resource event and sets the resource's status.
func (s *store) resEvent(st *stack, id, typ, phys, status, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.event(st, id, typ, phys, status, reason)
	if r := st.Resources[id]; r != nil && (phys == "" || r.PhysicalID == phys) {
		r.Status, r.Reason, r.Updated = status, reason, s.now()
	}
}

// event records a stack or resource event; a stack event sets the stack's
// status. Callers hold mu.
func (s *store) event(st *stack, logicalID, typ, phys, status, reason string) {
	// Each event is at least a millisecond after the stack's previous one:
	// clients that follow a deployment (sam deploy) skip events not newer
	// than the last one they saw, and the newest-first order stays exact.
	at := s.now()
	if n := len(st.Events); n > 0 && !at.After(st.Events[n-1].Timestamp) {
		at = st.Events[n-1].Timestamp.Add(time.Millisecond)
	}
	ev := StackEvent{
		StackId: st.ID, StackName: st.Name, EventId: newUUID(), LogicalResourceId: logicalID,
		PhysicalResourceId: phys, ResourceType: typ, Timestamp: at, ResourceStatus: status,
	}
	if reason != "" {
		ev.ResourceStatusReason = aws.String(reason)
	}
	if logicalID == st.Name && typ == "AWS::CloudFormation::Stack" {
		ev.EventId = newUUID()
		ev.PhysicalResourceId = st.ID
		st.Status, st.Reason = status, reason
	} else {
		ev.EventId = logicalID + "-" + status + "-" + ev.Timestamp.Format("2006-01-02T15:04:05.000Z")
	}
	st.Events = append(st.Events, ev)
}
