package lambda

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// pool holds a function's execution environments.
type pool struct {
	svc    *Service
	fn     *Function
	idle   []*instance
	busy   int
	closed bool
}

func (s *Service) poolFor(f *Function) *pool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pools[f.ARN()]
	if p == nil || p.fn != f {
		if p != nil {
			go p.shutdown()
		}
		p = &pool{svc: s, fn: f}
		s.pools[f.ARN()] = p
	}
	return p
}

// dropPool retires a function's environments (after an update or delete).
func (s *Service) dropPool(arn string) {
	s.mu.Lock()
	p := s.pools[arn]
	delete(s.pools, arn)
	s.mu.Unlock()
	if p != nil {
		p.shutdown()
	}
}

func (p *pool) shutdown() {
	p.svc.mu.Lock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.svc.mu.Unlock()
	for _, in := range idle {
		in.close()
	}
}

// acquire returns a warm environment, or reserves a slot for a cold one;
// errThrottled when the function's concurrency is used up.
func (p *pool) acquire() (*instance, bool, int, error) {
	s := p.svc
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(p.idle) > 0 {
		in := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		// Recycle environments whose credentials are about to expire.
		if in.dead.Load() || time.Until(in.creds.Expires) < 5*time.Minute {
			go in.close()
			continue
		}
		p.busy++
		return in, false, p.busy, nil
	}
	if p.busy >= s.opts.Concurrency {
		return nil, false, p.busy, errThrottled
	}
	p.busy++
	return nil, true, p.busy, nil
}

func (p *pool) release(in *instance) {
	s := p.svc
	s.mu.Lock()
	p.busy--
	keep := in != nil && !in.dead.Load() && !p.closed
	if keep {
		p.idle = append(p.idle, in)
	}
	s.mu.Unlock()
	if in != nil && !keep {
		in.close()
	}
}

// Result is the outcome of one invocation.
type Result struct {
	RequestID string
	Payload   []byte
	// FunctionError is "Unhandled" when the function failed.
	FunctionError string
	LogTail       []byte
	Cold          bool
	Duration      time.Duration
}

func errorPayload(typ, msg string) []byte {
	b, _ := json.Marshal(map[string]string{"errorType": typ, "errorMessage": msg})
	return b
}

// invoke runs one synchronous invocation.
func (s *Service) invoke(ctx context.Context, f *Function, payload []byte, clientContext string) (*Result, error) {
	p := s.poolFor(f)
	in, cold, concurrent, err := p.acquire()
	s.metric(ctx, f, "ConcurrentExecutions", float64(concurrent), "Count")
	if err != nil {
		s.metric(ctx, f, "Throttles", 1, "Count")
		return nil, errThrottledAPI()
	}
	res := &Result{RequestID: newRequestID(), Cold: cold}
	inv := &invocation{id: res.RequestID, payload: payload, clientContext: clientContext, done: make(chan struct{})}
	start := time.Now()
	if cold {
		in, err = p.start(ctx)
		if err != nil {
			p.release(in)
			if se, ok := err.(*startError); ok {
				res.Payload = errorPayload("Runtime.InvalidEntrypoint", fmt.Sprintf("RequestId: %s Error: %v", res.RequestID, se.err))
				res.FunctionError = "Unhandled"
				s.account(ctx, f, res, 0, "error")
				return res, nil
			}
			return nil, err
		}
		if msg, failed := in.awaitInit(); failed {
			in.logs.system(f, "START", res.RequestID, 0, 0, 0, "")
			res.Payload, res.FunctionError = msg, "Unhandled"
			in.kill()
			p.release(in)
			in.logs.system(f, "END", res.RequestID, 0, 0, 0, "")
			s.account(ctx, f, res, time.Since(start), "error")
			return res, nil
		}
	}
	inv.deadline = time.Now().Add(time.Duration(f.Timeout) * time.Second)
	if line := in.logs.system(f, "START", res.RequestID, 0, 0, 0, ""); line != "" {
		inv.addTail(line)
	}
	status := "success"
	timer := time.NewTimer(time.Until(inv.deadline))
	defer timer.Stop()
	select {
	case in.next <- inv:
		select {
		case <-inv.done:
		case <-in.exited:
			inv.finish(errorPayload("Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %v", res.RequestID, exitText(in.exitErr))), true, "Runtime.ExitError")
			in.logs.add(fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %v\nRuntime.ExitError", res.RequestID, exitText(in.exitErr)))
			status = "error"
		case <-timer.C:
			secs := float64(f.Timeout)
			inv.finish(errorPayload("Sandbox.Timedout", fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", res.RequestID, secs)), true, "Sandbox.Timedout")
			in.logs.add(fmt.Sprintf("%s %s Task timed out after %.2f seconds", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), res.RequestID, secs))
			in.kill()
			status = "timeout"
		}
	case <-in.exited:
		inv.finish(errorPayload("Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %v", res.RequestID, exitText(in.exitErr))), true, "Runtime.ExitError")
		status = "error"
	case <-timer.C:
		inv.finish(errorPayload("Sandbox.Timedout", fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", res.RequestID, float64(f.Timeout))), true, "Sandbox.Timedout")
		in.kill()
		status = "timeout"
	}
	res.Duration = time.Since(start)
	in.drain()
	in.cur.Store(nil)
	if cold {
		res.Duration -= in.initDur
	}
	if inv.failed {
		res.FunctionError = "Unhandled"
		if status == "success" {
			status = "error"
		}
	}
	res.Payload = inv.result
	initDur := time.Duration(0)
	if cold && !in.reported {
		initDur, in.reported = in.initDur, true
	}
	if s.opts.Refusals != nil {
		for _, line := range s.opts.Refusals(res.RequestID) {
			in.logs.add(line)
			inv.addTail(line)
		}
	}
	end := in.logs.system(f, "END", res.RequestID, 0, 0, 0, status)
	if end != "" {
		inv.addTail(end)
	}
	if in.interp != nil && in.interp.warning != "" {
		// Beside every REPORT: the function did not run on its runtime.
		in.logs.add(in.interp.warning)
		inv.addTail(in.interp.warning)
	}
	for _, line := range []string{
		in.logs.system(f, "REPORT", res.RequestID, res.Duration, initDur, in.maxMemoryMB(), status),
	} {
		if line != "" {
			inv.addTail(line)
		}
	}
	inv.mu.Lock()
	res.LogTail = append([]byte(nil), inv.tail...)
	inv.mu.Unlock()
	in.logs.flush()
	p.release(in)
	s.account(ctx, f, res, res.Duration, status)
	return res, nil
}

// awaitInit waits for the runtime to ask for its first invocation; it
// returns the error payload when init fails.
func (in *instance) awaitInit() ([]byte, bool) {
	t := time.NewTimer(initTimeout)
	defer t.Stop()
	select {
	case <-in.initDone:
		return nil, false
	case body := <-in.initErr:
		return body, true
	case <-in.exited:
		select {
		case body := <-in.initErr:
			return body, true
		default:
		}
		return errorPayload("Runtime.ExitError", fmt.Sprintf("Error: Runtime exited with error: %v", exitText(in.exitErr))), true
	case <-t.C:
		return errorPayload("Sandbox.Timedout", "Error: init phase timed out after 10.00 seconds"), true
	}
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// account records the AWS/Lambda metrics of an invocation.
func (s *Service) account(ctx context.Context, f *Function, res *Result, d time.Duration, status string) {
	s.metric(ctx, f, "Invocations", 1, "Count")
	if res.FunctionError != "" {
		s.metric(ctx, f, "Errors", 1, "Count")
	} else {
		s.metric(ctx, f, "Errors", 0, "Count")
	}
	s.metric(ctx, f, "Duration", math.Round(float64(d.Microseconds()))/1000, "Milliseconds")
}

func (s *Service) metric(ctx context.Context, f *Function, name string, v float64, unit string) {
	if s.opts.Metrics == nil {
		return
	}
	s.opts.Metrics.PutMetric(ctx, f.Account, f.Region, "AWS/Lambda", name, map[string]string{"FunctionName": f.Name}, v, unit, s.opts.Now())
}
