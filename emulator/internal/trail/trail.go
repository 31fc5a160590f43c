// Package trail is the emulator's decision trail: a bounded ring of every
// authorization decision (allowed and denied) with its diagnosis, kept
// under the data directory across restarts and served, filtered, at
// GET /_xacct/decisions.
//
//	t, err := trail.Open(trail.Options{Capacity: 10000, Dir: dataDir})
//	...
//	t.Add(rec, decision)        // never blocks on I/O
//	recs := t.Query(filter)     // oldest first
//	t.Close()                   // writes what is not on disk yet
package trail

import (
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/xacct/xacct/emulator/internal/journal"
	"github.com/xacct/xacct/policy"
)

// DefaultCapacity is how many decisions the trail keeps unless told.
const DefaultCapacity = 10000

// Record is one authorization decision. It carries no secret: the access
// key id (not secret, CloudTrail shows it too) but never a secret key or a
// session token.
type Record struct {
	// Seq numbers records in the order they were added, across restarts.
	Seq       uint64    `json:"seq"`
	Time      time.Time `json:"time"`
	RequestID string    `json:"requestId"`
	Service   string    `json:"service"`
	Operation string    `json:"operation,omitempty"`
	Region    string    `json:"region,omitempty"`
	// Principal is the caller's ARN ("anonymous" for unsigned requests);
	// Role, for a role session, the role's ARN.
	Principal     string    `json:"principal"`
	PrincipalType string    `json:"principalType,omitempty"`
	Role          string    `json:"role,omitempty"`
	AccessKeyID   string    `json:"accessKeyId,omitempty"`
	SessionName   string    `json:"sessionName,omitempty"`
	SessionIssued time.Time `json:"sessionIssued,omitzero"`
	// CallerAccount and ResourceAccount are the two sides; they differ
	// for a cross-account request.
	CallerAccount   string `json:"callerAccount,omitempty"`
	ResourceAccount string `json:"resourceAccount,omitempty"`
	Action          string `json:"action"`
	Resource        string `json:"resource"`
	// Decision is "allowed", "explicitDeny" or "implicitDeny".
	Decision string `json:"decision"`
	// Missing is set when the target (role, bucket, function) does not
	// exist: no policy was evaluated.
	Missing bool `json:"missingTarget,omitempty"`
	// Statements are the statements that decided (matched) or nearly
	// matched (an Allow defeated by one condition).
	Statements []Statement `json:"statements,omitempty"`
	// Diagnosis says, for a refusal, what is missing in users' terms.
	Diagnosis string `json:"diagnosis,omitempty"`
	// Function and InvocationID name the Lambda function whose
	// execution-role session made the request, and the invocation it was
	// running.
	Function     string `json:"function,omitempty"`
	InvocationID string `json:"invocationId,omitempty"`
	SourceIP     string `json:"sourceIp,omitempty"`
	UserAgent    string `json:"userAgent,omitempty"`
}

// Statement is one statement that took part in a decision.
type Statement struct {
	// Policy is the policy's name ("trust policy of ARN", "bucket policy
	// of B", "ROLE/INLINE", a managed policy ARN); Kind its place in the
	// evaluation ("identity-based policy", "permissions boundary",
	// "session policy", "resource-based policy").
	Policy string `json:"policy"`
	Kind   string `json:"kind"`
	Sid    string `json:"sid,omitempty"`
	Index  int    `json:"index"`
	Effect string `json:"effect"`
	// Match is "matched" or "near miss"; Condition says, for a near
	// miss, which condition failed.
	Match     string `json:"match"`
	Condition string `json:"condition,omitempty"`
}

// Denied reports whether the record is a refusal.
func (r *Record) Denied() bool { return r.Decision != policy.Allow.String() }

// Options configures a Trail.
type Options struct {
	// Capacity is how many records are kept (DefaultCapacity when 0;
	// negative keeps none, and Add does nothing).
	Capacity int
	// Dir, when set, keeps the trail in Dir/decisions.journal across
	// restarts.
	Dir string
	// FlushEvery is how often new records are written to Dir (one
	// append, one fsync); default one second.
	FlushEvery time.Duration
	Log        *slog.Logger
}

// item is a record as held in the ring: encoded in a buffer the slot
// reuses (compact.go).
type item struct {
	seq uint64
	buf []byte
}

// Trail is the bounded ring. Add takes a mutex for a constant time and
// never waits for the disk; a background writer appends new records every
// FlushEvery and compacts the file when it holds twice the capacity. It is
// safe for concurrent use.
type Trail struct {
	mu      sync.Mutex
	ring    []item
	next    int    // where the next record goes once the ring is full
	seq     uint64 // last Seq given
	flushed uint64 // last Seq on disk

	cap     int
	j       *journal.Journal
	onDisk  int // records in the journal file
	log     *slog.Logger
	wmu     sync.Mutex // serializes writes to the journal
	stop    chan struct{}
	done    chan struct{}
	closeMu sync.Once
}

// Open returns a Trail, replaying what Dir holds.
func Open(o Options) (*Trail, error) {
	if o.Capacity == 0 {
		o.Capacity = DefaultCapacity
	}
	if o.Capacity < 0 {
		o.Capacity = 0
	}
	if o.FlushEvery <= 0 {
		o.FlushEvery = time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	t := &Trail{cap: o.Capacity, log: o.Log}
	if o.Dir == "" || t.cap == 0 {
		return t, nil
	}
	j, err := journal.Open(filepath.Join(o.Dir, "decisions.journal"), journal.Options{Log: o.Log}, func(p []byte) error {
		var r Record
		if err := jsonUnmarshal(p, &r); err != nil {
			// A record this version cannot read is skipped, not fatal:
			// the trail is a diagnostic.
			return nil
		}
		t.onDisk++
		t.push(&r, nil)
		if r.Seq > t.seq {
			t.seq = r.Seq
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.j, t.flushed = j, t.seq
	t.stop, t.done = make(chan struct{}), make(chan struct{})
	go t.writer(o.FlushEvery)
	return t, nil
}

// Capacity returns how many records the trail keeps.
func (t *Trail) Capacity() int {
	if t == nil {
		return 0
	}
	return t.cap
}

// Enabled reports whether Add keeps anything.
func (t *Trail) Enabled() bool { return t != nil && t.cap > 0 }

// push encodes r (its statements from d, or its own when d is nil) into
// the next slot, reusing the slot's buffer once the ring is full. Callers
// hold t.mu (or own t).
func (t *Trail) push(r *Record, d *policy.Decision) {
	var slot *item
	if len(t.ring) < t.cap {
		t.ring = append(t.ring, item{})
		slot = &t.ring[len(t.ring)-1]
	} else {
		slot = &t.ring[t.next]
		t.next = (t.next + 1) % t.cap
	}
	slot.seq = r.Seq
	slot.buf = encode(slot.buf[:0], r, d)
}

// Add records r with the decision d it came from (its statements are
// taken from d) and returns r's Seq. It does no I/O and, once the ring is
// full, allocates nothing.
func (t *Trail) Add(r Record, d policy.Decision) uint64 {
	if !t.Enabled() {
		return 0
	}
	t.mu.Lock()
	t.seq++
	r.Seq = t.seq
	t.push(&r, &d)
	t.mu.Unlock()
	return r.Seq
}

// each calls f with every item, oldest first. Callers hold t.mu.
func (t *Trail) each(f func(*item) bool) {
	n := len(t.ring)
	start := 0
	if n == t.cap {
		start = t.next
	}
	for i := 0; i < n; i++ {
		if !f(&t.ring[(start+i)%n]) {
			return
		}
	}
}

// snapshot copies the encoded records newer than seq, oldest first. It
// holds the lock only to copy bytes: decoding happens outside it, so a
// query or a flush keeps requests waiting for a memory copy at most.
func (t *Trail) snapshot(after uint64) [][]byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out [][]byte
	t.each(func(it *item) bool {
		if it.seq > after {
			out = append(out, append([]byte(nil), it.buf...))
		}
		return true
	})
	return out
}

func effect(e policy.Effect) string {
	if e == policy.ExplicitDeny {
		return "Deny"
	}
	return "Allow"
}

// Query returns the records f selects, oldest first: the newest f.Limit
// of them.
func (t *Trail) Query(f Filter) []Record {
	if !t.Enabled() {
		return []Record{}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	var out []Record
	for _, b := range t.snapshot(0) {
		if r := decode(b); f.match(&r) {
			out = append(out, r)
		}
	}
	if len(out) > limit {
		out = out[len(out)-limit:]
	}
	if out == nil {
		out = []Record{}
	}
	return out
}

// Close writes the records not yet on disk and closes the file.
func (t *Trail) Close() error {
	if t == nil || t.j == nil {
		return nil
	}
	var err error
	t.closeMu.Do(func() {
		close(t.stop)
		<-t.done
		err = t.flush()
		if cerr := t.j.Close(); err == nil {
			err = cerr
		}
	})
	return err
}

func (t *Trail) writer(every time.Duration) {
	defer close(t.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
			if err := t.flush(); err != nil {
				t.log.Warn("decision trail: writing to the data directory failed; the records stay in memory", slog.Any("error", err))
			}
		}
	}
}

// flush appends the records added since the last flush (at most the
// capacity: older ones already left the ring) in one append, and compacts
// the file to the ring's contents once it holds twice the capacity, so the
// file stays bounded.
func (t *Trail) flush() error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	t.mu.Lock()
	last := t.seq
	t.mu.Unlock()
	var pending []Record
	for _, b := range t.snapshot(t.flushed) {
		if r := decode(b); r.Seq <= last {
			pending = append(pending, r)
		}
	}
	if len(pending) == 0 {
		return nil
	}
	if t.onDisk+len(pending) > 2*t.cap {
		var all []Record
		for _, b := range t.snapshot(0) {
			if r := decode(b); r.Seq <= last {
				all = append(all, r)
			}
		}
		err := t.j.Rewrite(func(add func([]byte) error) error {
			for i := range all {
				b, err := journal.Marshal(&all[i])
				if err != nil {
					return err
				}
				if err := add(b); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		t.onDisk, t.flushed = len(all), last
		return nil
	}
	vs := make([]any, len(pending))
	for i := range pending {
		vs[i] = &pending[i]
	}
	if err := t.j.AppendJSON(vs...); err != nil {
		return err
	}
	t.onDisk += len(pending)
	t.flushed = last
	return nil
}
