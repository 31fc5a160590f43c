package trail

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/xacct/xacct/policy"
)

func rec(i int) Record {
	return Record{Time: time.Unix(int64(i), 0).UTC(), RequestID: fmt.Sprint("req-", i), Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k",
		Principal: "arn:aws:iam::111111111111:root", CallerAccount: "111111111111", ResourceAccount: "111111111111", Decision: "allowed"}
}

// TestRingBounded: the ring keeps the newest Capacity records, oldest
// first, and a query returns the newest Limit matches.
func TestRingBounded(t *testing.T) {
	tr, err := Open(Options{Capacity: 5})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 12; i++ {
		tr.Add(rec(i), policy.Decision{Effect: policy.Allow})
	}
	got := tr.Query(Filter{Limit: 100})
	if len(got) != 5 || got[0].RequestID != "req-8" || got[4].RequestID != "req-12" || got[4].Seq != 12 {
		t.Fatalf("got %+v, want req-8..req-12", got)
	}
	got = tr.Query(Filter{Limit: 2, Since: time.Unix(9, 0), Until: time.Unix(11, 0)})
	if len(got) != 2 || got[0].RequestID != "req-10" || got[1].RequestID != "req-11" {
		t.Errorf("since/until/limit: got %+v, want req-10, req-11", got)
	}
	if got := tr.Query(Filter{Decision: "denied"}); len(got) != 0 {
		t.Errorf("denied: got %d records, want 0", len(got))
	}
}

// TestDisabled: capacity below zero keeps nothing.
func TestDisabled(t *testing.T) {
	tr, err := Open(Options{Capacity: -1, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	tr.Add(rec(1), policy.Decision{})
	if got := tr.Query(Filter{}); len(got) != 0 {
		t.Errorf("got %d records, want none", len(got))
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestPersistBounded: records are written in the background, read back
// after a restart with their sequence numbers going on, and the file is
// compacted so it never holds more than twice the capacity.
func TestPersistBounded(t *testing.T) {
	dir := t.TempDir()
	tr, err := Open(Options{Capacity: 10, Dir: dir, FlushEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 250; i++ {
				tr.Add(rec(i), policy.Decision{Effect: policy.Allow})
			}
		}()
	}
	wg.Wait()
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if tr.onDisk > 20 {
		t.Errorf("the file holds %d records, want at most 20", tr.onDisk)
	}
	fi, err := os.Stat(filepath.Join(dir, "decisions.journal"))
	if err != nil {
		t.Fatal(err)
	}
	tr2, err := Open(Options{Capacity: 10, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer tr2.Close()
	got := tr2.Query(Filter{})
	if len(got) != 10 || got[9].Seq != 1000 || got[0].Seq != 991 {
		t.Fatalf("after restart (file %d bytes): got %d records, seqs %d..%d; want 991..1000", fi.Size(), len(got), got[0].Seq, got[len(got)-1].Seq)
	}
	if s := tr2.Add(rec(0), policy.Decision{}); s != 1001 {
		t.Errorf("next seq %d, want 1001", s)
	}
}
