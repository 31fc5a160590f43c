package s3

import (
	"sort"

	"github.com/xacct/xacct/policy"
)

// BucketSummary is a bucket's configuration with the number and total
// size of its objects, for the web console (emulator/console).
type BucketSummary struct {
	Bucket
	// PolicyParsed is the bucket policy as evaluated, nil for none.
	PolicyParsed *policy.Policy
	Objects      int
	Bytes        int64
}

// Buckets returns every bucket of every account, sorted by name.
func (s *Service) Buckets() []BucketSummary {
	st := s.store
	st.mu.RLock()
	out := make([]BucketSummary, 0, len(st.buckets))
	for _, b := range st.buckets {
		sum := BucketSummary{Bucket: b.Bucket, PolicyParsed: b.policy, Objects: len(b.objects)}
		for _, o := range b.objects {
			sum.Bytes += o.Size
		}
		out = append(out, sum)
	}
	st.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
