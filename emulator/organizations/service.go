package organizations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/protocol/awsjson"
	"github.com/xacct/xacct/emulator/service"
)

// SigningName is the SigV4 signing name of AWS Organizations, a global
// service whose requests are signed for us-east-1.
const SigningName = "organizations"

// AccessRoleMaker creates, in the new account acct, the role name with
// AdministratorAccess trusting the management account mgmt
// (OrganizationAccountAccessRole). The emulator implements it over IAM.
type AccessRoleMaker func(ctx context.Context, acct, name, mgmt string) error

// Options configures the service.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// DataDir, when set, keeps the organizations under
	// DataDir/organizations.
	DataDir string
	// Log receives what the service could not do on its own (creating a
	// new account's role); nil discards.
	Log *slog.Logger
	// AccessRoles, when set, creates each new account's access role.
	AccessRoles AccessRoleMaker
}

// Service is the emulated AWS Organizations.
type Service struct {
	now   func() time.Time
	store *store
	roles AccessRoleMaker
	log   *slog.Logger
}

// New returns the service, with the organizations saved in opts.DataDir.
func New(opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	st, err := newStore(opts.DataDir, opts.Log)
	if err != nil {
		return nil, fmt.Errorf("organizations: %w", err)
	}
	return &Service{now: opts.Now, store: st, roles: opts.AccessRoles, log: opts.Log}, nil
}

// Close releases nothing: the state file is written whole at each change.
func (s *Service) Close() error { return nil }

// caller is the account a call acts from.
func caller(ctx context.Context) string {
	return service.FromContext(ctx).Caller.Account()
}

// register adds an operation authorized with check before run. IAM's
// refusal is Organizations' AccessDeniedException (AWS Organizations API
// Reference, "Common Errors"), so the check runs here rather than in
// service.Op.Check, whose refusal is the query services' AccessDenied.
func register[I, O any](m *awsjson.Mux, name string, check func(c *service.Call, in *I) service.Check, run func(context.Context, *I) (*O, error)) {
	awsjson.Register(m, service.Op[I, O]{Name: name, Run: func(ctx context.Context, in *I) (*O, error) {
		if err := service.Authorize(ctx, check(service.FromContext(ctx), in)); err != nil {
			var e *awserr.Error
			if errors.As(err, &e) && e.Code == "AccessDenied" {
				c := *e
				c.Code = "AccessDeniedException"
				return nil, &c
			}
			return nil, err
		}
		return run(ctx, in)
	}})
}

// Mux returns the operation table. Each operation is authorized for the
// IAM action organizations:NAME (Service Authorization Reference, "Actions
// defined by AWS Organizations") on the ARN of the entity it names when it
// names one that exists, "*" otherwise; only the management account may
// call the operations other than CreateOrganization and
// DescribeOrganization.
func (s *Service) Mux() *awsjson.Mux {
	m := awsjson.NewMux("AWSOrganizationsV20161128", "application/x-amz-json-1.1")
	any := func(action string) func(*service.Call, any) service.Check {
		return func(*service.Call, any) service.Check {
			return service.Check{Action: "organizations:" + action, Resource: "*"}
		}
	}
	on := func(action string, c *service.Call, id string) service.Check {
		return service.Check{Action: "organizations:" + action, Resource: s.arnOf(c.Caller.Account(), id)}
	}
	register(m, "CreateOrganization", func(c *service.Call, in *CreateOrganizationIn) service.Check { return any("CreateOrganization")(c, in) }, s.CreateOrganization)
	register(m, "DescribeOrganization", func(c *service.Call, in *struct{}) service.Check { return any("DescribeOrganization")(c, in) }, s.DescribeOrganization)
	register(m, "DeleteOrganization", func(c *service.Call, in *struct{}) service.Check { return any("DeleteOrganization")(c, in) }, s.DeleteOrganization)
	register(m, "ListRoots", func(c *service.Call, in *PageIn) service.Check { return any("ListRoots")(c, in) }, s.ListRoots)
	register(m, "EnablePolicyType", func(c *service.Call, in *PolicyTypeIn) service.Check { return on("EnablePolicyType", c, in.RootId) }, s.EnablePolicyType)
	register(m, "DisablePolicyType", func(c *service.Call, in *PolicyTypeIn) service.Check { return on("DisablePolicyType", c, in.RootId) }, s.DisablePolicyType)
	register(m, "CreateAccount", func(c *service.Call, in *CreateAccountIn) service.Check { return any("CreateAccount")(c, in) }, s.CreateAccount)
	register(m, "DescribeCreateAccountStatus", func(c *service.Call, in *DescribeCreateAccountStatusIn) service.Check {
		return any("DescribeCreateAccountStatus")(c, in)
	}, s.DescribeCreateAccountStatus)
	register(m, "DescribeAccount", func(c *service.Call, in *AccountIdIn) service.Check { return on("DescribeAccount", c, in.AccountId) }, s.DescribeAccount)
	register(m, "ListAccounts", func(c *service.Call, in *PageIn) service.Check { return any("ListAccounts")(c, in) }, s.ListAccounts)
	register(m, "ListAccountsForParent", func(c *service.Call, in *ParentIdIn) service.Check {
		return on("ListAccountsForParent", c, in.ParentId)
	}, s.ListAccountsForParent)
	register(m, "MoveAccount", func(c *service.Call, in *MoveAccountIn) service.Check { return on("MoveAccount", c, in.AccountId) }, s.MoveAccount)
	register(m, "RemoveAccountFromOrganization", func(c *service.Call, in *AccountIdIn) service.Check {
		return on("RemoveAccountFromOrganization", c, in.AccountId)
	}, s.RemoveAccountFromOrganization)
	register(m, "ListParents", func(c *service.Call, in *ChildIdIn) service.Check { return on("ListParents", c, in.ChildId) }, s.ListParents)
	register(m, "ListChildren", func(c *service.Call, in *ListChildrenIn) service.Check { return on("ListChildren", c, in.ParentId) }, s.ListChildren)
	register(m, "CreateOrganizationalUnit", func(c *service.Call, in *CreateOUIn) service.Check {
		return on("CreateOrganizationalUnit", c, in.ParentId)
	}, s.CreateOrganizationalUnit)
	register(m, "DescribeOrganizationalUnit", func(c *service.Call, in *OUIdIn) service.Check {
		return on("DescribeOrganizationalUnit", c, in.OrganizationalUnitId)
	}, s.DescribeOrganizationalUnit)
	register(m, "UpdateOrganizationalUnit", func(c *service.Call, in *UpdateOUIn) service.Check {
		return on("UpdateOrganizationalUnit", c, in.OrganizationalUnitId)
	}, s.UpdateOrganizationalUnit)
	register(m, "DeleteOrganizationalUnit", func(c *service.Call, in *OUIdIn) service.Check {
		return on("DeleteOrganizationalUnit", c, in.OrganizationalUnitId)
	}, s.DeleteOrganizationalUnit)
	register(m, "ListOrganizationalUnitsForParent", func(c *service.Call, in *ParentIdIn) service.Check {
		return on("ListOrganizationalUnitsForParent", c, in.ParentId)
	}, s.ListOrganizationalUnitsForParent)
	register(m, "CreatePolicy", func(c *service.Call, in *CreatePolicyIn) service.Check { return any("CreatePolicy")(c, in) }, s.CreatePolicy)
	register(m, "UpdatePolicy", func(c *service.Call, in *UpdatePolicyIn) service.Check { return on("UpdatePolicy", c, in.PolicyId) }, s.UpdatePolicy)
	register(m, "DescribePolicy", func(c *service.Call, in *PolicyIdIn) service.Check { return on("DescribePolicy", c, in.PolicyId) }, s.DescribePolicy)
	register(m, "DeletePolicy", func(c *service.Call, in *PolicyIdIn) service.Check { return on("DeletePolicy", c, in.PolicyId) }, s.DeletePolicy)
	register(m, "ListPolicies", func(c *service.Call, in *ListPoliciesIn) service.Check { return any("ListPolicies")(c, in) }, s.ListPolicies)
	register(m, "AttachPolicy", func(c *service.Call, in *AttachIn) service.Check { return on("AttachPolicy", c, in.PolicyId) }, s.AttachPolicy)
	register(m, "DetachPolicy", func(c *service.Call, in *AttachIn) service.Check { return on("DetachPolicy", c, in.PolicyId) }, s.DetachPolicy)
	register(m, "ListPoliciesForTarget", func(c *service.Call, in *ListPoliciesForTargetIn) service.Check {
		return on("ListPoliciesForTarget", c, in.TargetId)
	}, s.ListPoliciesForTarget)
	register(m, "ListTargetsForPolicy", func(c *service.Call, in *ListTargetsIn) service.Check {
		return on("ListTargetsForPolicy", c, in.PolicyId)
	}, s.ListTargetsForPolicy)
	return m
}

// arnOf returns the ARN of the root, OU, account or policy id in acct's
// organization, "*" when there is none.
func (s *Service) arnOf(acct, id string) string {
	arn := "*"
	s.store.read(acct, func(o *organization) error {
		if a := o.targetARN(id); a != "" {
			arn = a
		} else if p := o.policy(id); p != nil {
			arn = o.policyARN(p)
		}
		return nil
	})
	return arn
}
