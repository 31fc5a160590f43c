package main

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// measure warms up with a few calls, then makes n calls of call from
// clients goroutines (call numbers 0..n-1, each once) and prints the
// throughput and latency percentiles after label.
func measure(label string, n, clients int, call func(i int) error) error {
	for i := 0; i < min(20, n); i++ {
		if err := call(-1 - i); err != nil {
			return err
		}
	}
	clients = max(1, min(clients, n))
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, clients)
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t := time.Now()
				if err := call(i); err != nil {
					errs[c] = err
					next.Store(int64(n))
					return
				}
				lat[i] = time.Since(t)
			}
		}()
	}
	wg.Wait()
	total := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if clients > 1 {
		label += fmt.Sprintf(" clients=%d", clients)
	}
	fmt.Printf("%s calls=%d ops/s=%.1f p50=%s p99=%s\n", label, n, float64(n)/total.Seconds(), lat[n/2], lat[n*99/100])
	return nil
}
