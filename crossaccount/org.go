package crossaccount

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// ListAccountsAPI is the one AWS Organizations operation OrgAccounts
// needs; *organizations.Client implements it.
type ListAccountsAPI interface {
	ListAccounts(ctx context.Context, in *organizations.ListAccountsInput, optFns ...func(*organizations.Options)) (*organizations.ListAccountsOutput, error)
}

// OrgAccounts returns the ids of the organization's active accounts, in
// the order ListAccounts gives them, leaving out those in exclude (the
// management account, which has no OrganizationAccountAccessRole, for
// instance). ListAccounts must be called from the management account or a
// delegated administrator (AWS Organizations API Reference,
// "ListAccounts"); accounts suspended or pending closure are left out.
func OrgAccounts(ctx context.Context, api ListAccountsAPI, exclude ...string) ([]string, error) {
	var ids []string
	p := organizations.NewListAccountsPaginator(api, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the organization's accounts: %w", err)
		}
		for _, a := range page.Accounts {
			id := ""
			if a.Id != nil {
				id = *a.Id
			}
			active := a.Status == orgtypes.AccountStatusActive || a.State == orgtypes.AccountStateActive
			if active && id != "" && !slices.Contains(exclude, id) {
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

// ForEachOrgAccount runs fn, at most limit at a time, for every active
// account of the organization except those in exclude (see OrgAccounts),
// and returns each account's result in ListAccounts' order. One account's
// failure does not stop the others: its Result carries the error, and
// Result.Explain says why (for a refused AssumeRole, which setup step or
// organization policy is missing).
func ForEachOrgAccount[T any](ctx context.Context, api ListAccountsAPI, limit int, exclude []string, fn func(ctx context.Context, account string) (T, error)) ([]Result[T], error) {
	ids, err := OrgAccounts(ctx, api, exclude...)
	if err != nil {
		return nil, err
	}
	return ForEachAccount(ctx, ids, limit, fn), nil
}

// Explain says why the account failed ("" when it succeeded): Explain of
// its error.
func (r Result[T]) Explain() string {
	if r.Err == nil {
		return ""
	}
	return Explain(r.Err)
}
