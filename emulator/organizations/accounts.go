// This file holds the accounts: CreateAccount (which completes at once),
// DescribeCreateAccountStatus, DescribeAccount, ListAccounts,
// ListAccountsForParent, MoveAccount, ListParents, ListChildren and
// RemoveAccountFromOrganization.

package organizations

import (
	"context"
	"regexp"
	"sort"
	"strings"

	"github.com/xacct/xacct/emulator/internal/paging"
)

// DefaultAccessRole is the role CreateAccount creates in the new account
// when RoleName is not given (AWS Organizations API Reference,
// "CreateAccount": RoleName).
const DefaultAccessRole = "OrganizationAccountAccessRole"

// Patterns of CreateAccount's parameters (AWS Organizations API Reference,
// "CreateAccount", "Request Parameters").
var (
	emailPattern    = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)
	roleNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	accountPattern  = regexp.MustCompile(`^\d{12}$`)
)

func (o *organization) accountOut(a *accountNode) AccountOut {
	return AccountOut{Arn: o.accountARN(a.ID), Email: a.Email, Id: a.ID, JoinedMethod: a.JoinedMethod,
		JoinedTimestamp: Epoch(a.Joined), Name: a.Name, Status: a.Status, State: a.Status}
}

func (r *createRequest) out() CreateAccountStatusOut {
	out := CreateAccountStatusOut{AccountId: r.AccountID, AccountName: r.AccountName, FailureReason: r.FailureReason,
		Id: r.ID, RequestedTimestamp: Epoch(r.Requested), State: r.State}
	if !r.Completed.IsZero() {
		c := Epoch(r.Completed)
		out.CompletedTimestamp = &c
	}
	return out
}

// CreateAccount creates a member account in the root. It completes before
// it returns (State SUCCEEDED, where AWS answers IN_PROGRESS and finishes
// later), having created in the new account the role RoleName
// (OrganizationAccountAccessRole by default) with AdministratorAccess,
// trusting the management account, as AWS does. An email already used in
// the organization fails the request with EMAIL_ALREADY_EXISTS.
func (s *Service) CreateAccount(ctx context.Context, in *CreateAccountIn) (*CreateAccountOut, error) {
	acct := caller(ctx)
	if len(in.Email) < 6 || len(in.Email) > 64 || !emailPattern.MatchString(in.Email) {
		return nil, errInvalid("INVALID_EMAIL_ADDRESS_TARGET", "You provided an invalid email address.")
	}
	if in.AccountName == "" || len(in.AccountName) > 50 {
		return nil, errInvalid("INPUT_REQUIRED", "You must provide an account name between 1 and 50 characters long.")
	}
	role := in.RoleName
	if role == "" {
		role = DefaultAccessRole
	}
	if !roleNamePattern.MatchString(role) {
		return nil, errInvalid("INVALID_ROLE_NAME", "You provided a role name that isn't valid.")
	}
	var req createRequest
	var mgmt string
	err := s.store.changeOrg(acct, func(o *organization) error {
		now := s.now().UTC()
		req = createRequest{ID: "car-" + randString(32, lowerDigits), AccountName: in.AccountName, State: "SUCCEEDED", Requested: now, Completed: now}
		for _, a := range o.Accounts {
			if strings.EqualFold(a.Email, in.Email) {
				req.State, req.FailureReason = "FAILED", "EMAIL_ALREADY_EXISTS"
			}
		}
		if req.State == "SUCCEEDED" {
			req.AccountID = s.store.newAccountID()
			o.Accounts[req.AccountID] = &accountNode{ID: req.AccountID, Name: in.AccountName, Email: in.Email, Parent: o.Root.ID,
				Status: "ACTIVE", JoinedMethod: "CREATED", Joined: now, Tags: in.Tags}
			o.attachDefaults(req.AccountID)
		}
		o.Requests[req.ID] = &req
		mgmt = o.Management
		return nil
	})
	if err != nil {
		return nil, err
	}
	if req.State == "SUCCEEDED" && s.roles != nil {
		if err := s.roles(ctx, req.AccountID, role, mgmt); err != nil {
			s.log.Error("organizations: creating the access role of a new account", "account", req.AccountID, "role", role, "err", err)
		}
	}
	return &CreateAccountOut{CreateAccountStatus: req.out()}, nil
}

// DescribeCreateAccountStatus returns a CreateAccount request's status.
func (s *Service) DescribeCreateAccountStatus(ctx context.Context, in *DescribeCreateAccountStatusIn) (*CreateAccountOut, error) {
	var out CreateAccountStatusOut
	err := s.store.manage(caller(ctx), func(o *organization) error {
		r := o.Requests[in.CreateAccountRequestId]
		if r == nil {
			return errStatusNotFound()
		}
		out = r.out()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateAccountOut{CreateAccountStatus: out}, nil
}

// DescribeAccount describes an account of the organization.
func (s *Service) DescribeAccount(ctx context.Context, in *AccountIdIn) (*AccountResult, error) {
	var out AccountOut
	err := s.store.manage(caller(ctx), func(o *organization) error {
		a := o.Accounts[in.AccountId]
		if a == nil {
			if !accountPattern.MatchString(in.AccountId) {
				return errInvalid("INVALID_PATTERN", "You provided a value that does not match the required pattern.")
			}
			return errAccountNotFound()
		}
		out = o.accountOut(a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &AccountResult{Account: out}, nil
}

// pageOf returns the start and size of a page (at most 20 items, the
// Organizations maximum for MaxResults).
func pageOf(in PageIn) (start, size int, err error) {
	start, ok := paging.Offset(in.NextToken)
	if !ok {
		return 0, 0, errInvalid("INVALID_NEXT_TOKEN", "You specified an invalid value for nextToken.")
	}
	size = in.MaxResults
	if size <= 0 || size > 20 {
		size = 20
	}
	return start, size, nil
}

// accounts returns o's accounts with parent (every account for ""), by id.
func (o *organization) accounts(parent string) []*accountNode {
	var out []*accountNode
	for _, id := range sortedKeys(o.Accounts) {
		if a := o.Accounts[id]; parent == "" || a.Parent == parent {
			out = append(out, a)
		}
	}
	return out
}

// ListAccounts lists every account of the organization.
func (s *Service) ListAccounts(ctx context.Context, in *PageIn) (*ListAccountsOut, error) {
	return s.listAccounts(ctx, "", *in)
}

// ListAccountsForParent lists the accounts directly in a root or OU.
func (s *Service) ListAccountsForParent(ctx context.Context, in *ParentIdIn) (*ListAccountsOut, error) {
	if in.ParentId == "" {
		return nil, errInvalid("INPUT_REQUIRED", "You must specify a value for ParentId.")
	}
	return s.listAccounts(ctx, in.ParentId, in.PageIn)
}

func (s *Service) listAccounts(ctx context.Context, parent string, pg PageIn) (*ListAccountsOut, error) {
	start, size, err := pageOf(pg)
	if err != nil {
		return nil, err
	}
	out := &ListAccountsOut{Accounts: []AccountOut{}}
	err = s.store.manage(caller(ctx), func(o *organization) error {
		if parent != "" && !o.isParent(parent) {
			return errParentNotFound()
		}
		page, next := paging.Page(o.accounts(parent), start, size)
		for _, a := range page {
			out.Accounts = append(out.Accounts, o.accountOut(a))
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MoveAccount moves an account from its parent to another root or OU.
func (s *Service) MoveAccount(ctx context.Context, in *MoveAccountIn) (*struct{}, error) {
	return nil, s.store.changeOrg(caller(ctx), func(o *organization) error {
		a := o.Accounts[in.AccountId]
		if a == nil {
			return errAccountNotFound()
		}
		if !o.isParent(in.SourceParentId) {
			return errSourceParentNotFound()
		}
		if !o.isParent(in.DestinationParentId) {
			return errDestinationParentNotFound()
		}
		if a.Parent != in.SourceParentId {
			return errAccountNotFound()
		}
		if a.Parent == in.DestinationParentId {
			return errDuplicateAccount()
		}
		a.Parent = in.DestinationParentId
		return nil
	})
}

// RemoveAccountFromOrganization removes a member account (never the
// management account) from the organization, with its policy attachments.
func (s *Service) RemoveAccountFromOrganization(ctx context.Context, in *AccountIdIn) (*struct{}, error) {
	return nil, s.store.changeOrg(caller(ctx), func(o *organization) error {
		if o.Accounts[in.AccountId] == nil {
			return errAccountNotFound()
		}
		if in.AccountId == o.Management {
			return errConstraint("ACCOUNT_CANNOT_LEAVE_ORGANIZATION", "You can't remove the management account from an organization.")
		}
		delete(o.Accounts, in.AccountId)
		delete(o.Attached, in.AccountId)
		return nil
	})
}

// parentType is the Parent/Child Type of id.
func (o *organization) nodeType(id string) string {
	switch {
	case id == o.Root.ID:
		return "ROOT"
	case o.OUs[id] != nil:
		return "ORGANIZATIONAL_UNIT"
	}
	return "ACCOUNT"
}

// ListParents lists the root or OU that directly contains an account or OU.
func (s *Service) ListParents(ctx context.Context, in *ChildIdIn) (*ListParentsOut, error) {
	var out ListParentsOut
	err := s.store.manage(caller(ctx), func(o *organization) error {
		var parent string
		switch {
		case o.Accounts[in.ChildId] != nil:
			parent = o.Accounts[in.ChildId].Parent
		case o.OUs[in.ChildId] != nil:
			parent = o.OUs[in.ChildId].Parent
		default:
			return errChildNotFound()
		}
		out.Parents = []ParentOut{{Id: parent, Type: o.nodeType(parent)}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ListChildren lists the OUs or accounts directly in a root or OU.
func (s *Service) ListChildren(ctx context.Context, in *ListChildrenIn) (*ListChildrenOut, error) {
	if in.ChildType != "ACCOUNT" && in.ChildType != "ORGANIZATIONAL_UNIT" {
		return nil, errInvalid("INVALID_ENUM", "You specified an invalid value for ChildType.")
	}
	start, size, err := pageOf(in.PageIn)
	if err != nil {
		return nil, err
	}
	out := &ListChildrenOut{Children: []ChildOut{}}
	err = s.store.manage(caller(ctx), func(o *organization) error {
		if !o.isParent(in.ParentId) {
			return errParentNotFound()
		}
		var ids []string
		if in.ChildType == "ACCOUNT" {
			for _, a := range o.accounts(in.ParentId) {
				ids = append(ids, a.ID)
			}
		} else {
			for _, u := range o.ous(in.ParentId) {
				ids = append(ids, u.ID)
			}
		}
		sort.Strings(ids)
		page, next := paging.Page(ids, start, size)
		for _, id := range page {
			out.Children = append(out.Children, ChildOut{Id: id, Type: in.ChildType})
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
