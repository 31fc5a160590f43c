package crossaccount

import (
	"context"
	"sync"
)

// Result is one account's outcome of ForEachAccount.
type Result[T any] struct {
	Account string
	Value   T
	Err     error
}

// ForEachAccount runs fn for every account, at most limit at a time
// (limit < 1 means one at a time), and returns the results in the order of
// accounts. Accounts not started when ctx is cancelled report ctx's error.
func ForEachAccount[T any](ctx context.Context, accounts []string, limit int, fn func(ctx context.Context, account string) (T, error)) []Result[T] {
	if limit < 1 {
		limit = 1
	}
	out := make([]Result[T], len(accounts))
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i, acct := range accounts {
		out[i].Account = acct
		if err := ValidateAccountID(acct); err != nil {
			out[i].Err = err
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			out[i].Err = ctx.Err()
			continue
		}
		wg.Add(1)
		go func(i int, acct string) {
			defer func() { <-sem; wg.Done() }()
			out[i].Value, out[i].Err = fn(ctx, acct)
		}(i, acct)
	}
	wg.Wait()
	return out
}
