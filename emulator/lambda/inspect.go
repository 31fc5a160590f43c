package lambda

import "sort"

// Functions returns every function of every account and region, sorted by
// account, region and name, for the web console (emulator/console). The
// values are copies.
func (s *Service) Functions() []Function {
	st := s.store
	st.mu.RLock()
	out := make([]Function, 0, len(st.fns))
	for _, f := range st.fns {
		out = append(out, *f)
	}
	st.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Account != b.Account {
			return a.Account < b.Account
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		return a.Name < b.Name
	})
	return out
}
