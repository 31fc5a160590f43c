package trail

import (
	"encoding/binary"
	"time"

	"github.com/xacct/xacct/policy"
)

// A record is kept in the ring as one byte slice, reused slot by slot:
// the ring then holds one pointer per record instead of some thirty
// (strings, times, slices), which the garbage collector would otherwise
// scan on every cycle — the trail's main cost on a busy emulator. Records
// are decoded only when read.

// encode appends r, with its statements taken from d (or from
// r.Statements when d is nil), to b.
func encode(b []byte, r *Record, d *policy.Decision) []byte {
	b = binary.AppendUvarint(b, r.Seq)
	b = binary.AppendVarint(b, timeNanos(r.Time))
	b = binary.AppendVarint(b, timeNanos(r.SessionIssued))
	var flags uint64
	if r.Missing {
		flags = 1
	}
	b = binary.AppendUvarint(b, flags)
	for _, s := range []string{r.RequestID, r.Service, r.Operation, r.Region, r.Principal, r.PrincipalType, r.Role, r.AccessKeyID,
		r.SessionName, r.CallerAccount, r.ResourceAccount, r.Action, r.Resource, r.Decision, r.Diagnosis, r.Function, r.InvocationID,
		r.SourceIP, r.UserAgent} {
		b = appendString(b, s)
	}
	st := func(policyName, kind, sid string, index int, effect, match, cond string) {
		for _, s := range []string{policyName, kind, sid, effect, match, cond} {
			b = appendString(b, s)
		}
		b = binary.AppendUvarint(b, uint64(index))
	}
	if d != nil {
		b = binary.AppendUvarint(b, uint64(len(d.Matched)+len(d.NearMisses)))
		for _, m := range d.Matched {
			st(m.Policy, string(m.Source), m.Sid, m.Index, effect(m.Effect), "matched", "")
		}
		for _, n := range d.NearMisses {
			cond := n.Operator + " " + n.Key
			if !n.Present {
				cond += " (the request has no " + n.Key + ")"
			}
			st(n.Policy, string(n.Source), n.Sid, n.Index, "Allow", "near miss", cond)
		}
		return b
	}
	b = binary.AppendUvarint(b, uint64(len(r.Statements)))
	for _, s := range r.Statements {
		st(s.Policy, s.Kind, s.Sid, s.Index, s.Effect, s.Match, s.Condition)
	}
	return b
}

// decode reads a record encode wrote.
func decode(b []byte) Record {
	var r Record
	dec := decoder{b: b}
	r.Seq = dec.uvarint()
	r.Time = fromNanos(dec.varint())
	r.SessionIssued = fromNanos(dec.varint())
	r.Missing = dec.uvarint()&1 != 0
	for _, p := range []*string{&r.RequestID, &r.Service, &r.Operation, &r.Region, &r.Principal, &r.PrincipalType, &r.Role, &r.AccessKeyID,
		&r.SessionName, &r.CallerAccount, &r.ResourceAccount, &r.Action, &r.Resource, &r.Decision, &r.Diagnosis, &r.Function, &r.InvocationID,
		&r.SourceIP, &r.UserAgent} {
		*p = dec.string()
	}
	n := dec.uvarint()
	for i := uint64(0); i < n && dec.ok(); i++ {
		var s Statement
		for _, p := range []*string{&s.Policy, &s.Kind, &s.Sid, &s.Effect, &s.Match, &s.Condition} {
			*p = dec.string()
		}
		s.Index = int(dec.uvarint())
		r.Statements = append(r.Statements, s)
	}
	return r
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func timeNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) ok() bool { return !d.bad }

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)) {
		d.bad = true
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
