// This file builds the authorizer's view of the organizations
// (auth.Organizations): for each account, its organization id, its path
// (aws:PrincipalOrgPaths, aws:ResourceOrgPaths) and the SCPs and RCPs of
// each level from the root to the account.

package organizations

import (
	"slices"

	"github.com/xacct/xacct/emulator/auth"
	"github.com/xacct/xacct/policy"
)

// OrgAccount implements auth.Organizations: acct's place in its
// organization, read without locking from the view rebuilt after each
// change.
func (s *Service) OrgAccount(acct string) (auth.OrgAccount, bool) {
	v := s.store.view.Load()
	if v == nil {
		return auth.OrgAccount{}, false
	}
	a, ok := (*v)[acct]
	return a, ok
}

// buildView computes every account's auth.OrgAccount.
func buildView(st *state) map[string]auth.OrgAccount {
	v := map[string]auth.OrgAccount{}
	for _, o := range st.Orgs {
		for id, a := range o.Accounts {
			chain := o.chain(a.Parent) // root first
			path := o.ID + "/"
			for _, n := range chain {
				path += n + "/"
			}
			oa := auth.OrgAccount{OrgID: o.ID, Management: id == o.Management, Path: path}
			if !oa.Management {
				levels := append(slices.Clone(chain), id)
				oa.SCP = o.levels(levels, typeSCP)
				oa.RCP = o.levels(levels, typeRCP)
			}
			v[id] = oa
		}
	}
	return v
}

// chain returns the ids from the root down to parent.
func (o *organization) chain(parent string) []string {
	var ids []string
	for id := parent; id != ""; {
		ids = append(ids, id)
		if u := o.OUs[id]; u != nil {
			id = u.Parent
		} else {
			break
		}
	}
	slices.Reverse(ids)
	return ids
}

// levels returns the policies of typ attached to each of ids, or nil when
// typ is not enabled in the root.
func (o *organization) levels(ids []string, typ string) []policy.OrgLevel {
	if !o.enabled(typ) {
		return nil
	}
	out := make([]policy.OrgLevel, 0, len(ids))
	for _, id := range ids {
		l := policy.OrgLevel{Target: o.targetName(id)}
		for _, pid := range o.Attached[id] {
			if p := o.policy(pid); p != nil && p.Type == typ && p.parsed != nil {
				l.Policies = append(l.Policies, policy.Named{Name: p.Name, Policy: p.parsed, ARN: o.policyARN(p)})
			}
		}
		out = append(out, l)
	}
	return out
}

// targetName is how explanations name a root, OU or account: "root
// `r-ab12`", "OU `Workloads`", "account `222222222222`".
func (o *organization) targetName(id string) string {
	switch {
	case id == o.Root.ID:
		return "root `" + id + "`"
	case o.OUs[id] != nil:
		return "OU `" + o.OUs[id].Name + "`"
	}
	return "account `" + id + "`"
}
