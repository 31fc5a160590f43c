package trail

// After returns the records added after seq that f selects, oldest first
// (f.Limit is ignored), and the Seq of the newest record in the trail, for
// a follower that asks again with it: the web console's live trail. Only
// the records newer than seq are copied and decoded.
func (t *Trail) After(seq uint64, f Filter) ([]Record, uint64) {
	if !t.Enabled() {
		return nil, seq
	}
	t.mu.Lock()
	last := t.seq
	t.mu.Unlock()
	if last <= seq {
		return nil, last
	}
	var out []Record
	for _, b := range t.snapshot(seq) {
		if r := decode(b); r.Seq <= last && f.match(&r) {
			out = append(out, r)
		}
	}
	return out, last
}

// Last returns the Seq of the newest record (0 for none).
func (t *Trail) Last() uint64 {
	if !t.Enabled() {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seq
}
