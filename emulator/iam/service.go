package iam

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/protocol/query"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// Options configures the IAM service.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// DataDir, when set, keeps IAM state on disk under DataDir/iam.
	DataDir string
	// SCPs, when set, returns the service control policies of each level
	// of acct's organization path (member is false when acct is in no
	// organization or is its management account), for the simulator.
	SCPs func(acct string) (levels []policy.OrgLevel, member bool)
}

// Service is the emulated IAM: roles, users, managed policies and access
// keys of every account, and the queries other services make of them.
type Service struct {
	now   func() time.Time
	store *store
	scps  func(acct string) ([]policy.OrgLevel, bool)
}

// New returns the IAM service, loading state from opts.DataDir if set.
func New(opts Options) (*Service, error) {
	clock := opts.Now
	if clock == nil {
		clock = time.Now
	}
	// IAM's dates are whole seconds (CreateDate 2012-05-08T23:34:01Z).
	now := func() time.Time { return clock().Truncate(time.Second) }
	dir := ""
	if opts.DataDir != "" {
		dir = filepath.Join(opts.DataDir, "iam")
	}
	st, err := newStore(dir, awsManagedPolicies())
	if err != nil {
		return nil, err
	}
	return &Service{now: now, store: st, scps: opts.SCPs}, nil
}

// Namespace is the XML namespace of IAM responses.
const Namespace = "https://iam.amazonaws.com/doc/2010-05-08/"

// resource is the ARN IAM authorizes an operation on a role or user of
// acct against: its own ARN (with its path) when it exists.
func (s *Service) resource(acct, kind, name string) string {
	arn := ""
	s.store.read(func(st *state) {
		a := st.peek(acct)
		switch kind {
		case "role":
			if r := a.Roles[strings.ToLower(name)]; r != nil {
				arn = r.ARN
			}
		case "user":
			if u := a.Users[strings.ToLower(name)]; u != nil {
				arn = u.ARN
			}
		}
	})
	if arn != "" {
		return arn
	}
	if kind == "role" {
		return roleARN(acct, "/", name)
	}
	return userARN(acct, "/", name)
}

func tagKeys(tags []Tag) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.Key
	}
	return out
}

// requestTags adds aws:RequestTag/KEY and aws:TagKeys for tagging operations.
func requestTags(chk service.Check, tags []Tag) service.Check {
	if len(tags) == 0 {
		return chk
	}
	chk.Context = map[string][]string{"aws:TagKeys": tagKeys(tags)}
	for _, t := range tags {
		chk.Context["aws:RequestTag/"+t.Key] = []string{t.Value}
	}
	return chk
}

// named is an input that names a role or a user (RoleNameIn, UserNameIn,
// EntityIn, embedded). only keeps the name of one kind (the role's for a
// Role operation) and requires it, as the operation's API model does.
type named interface {
	names() (role, user string)
	only(role bool) error
}

func (in *RoleNameIn) names() (string, string) { return in.RoleName, "" }
func (in *UserNameIn) names() (string, string) { return "", in.UserName }
func (in *EntityIn) names() (string, string)   { return in.RoleName, in.UserName }

func (in *RoleNameIn) only(bool) error { return nil }
func (in *UserNameIn) only(bool) error { return nil }

// only drops the member the operation does not have: PutRolePolicy has no
// UserName, PutUserPolicy no RoleName (IAM API Reference), so a request
// naming only a user to a Role operation is refused for its missing
// RoleName instead of acting on the user.
func (in *EntityIn) only(role bool) error {
	if role {
		in.UserName = ""
		if in.RoleName == "" {
			return missingMember("roleName")
		}
		return nil
	}
	in.RoleName = ""
	if in.UserName == "" {
		return missingMember("userName")
	}
	return nil
}

// target is what an operation on a role or user acts on.
type target int

const (
	onRole   target = iota // the role named
	onUser                 // the user named
	onCaller               // the user named, else the calling user
	onEither               // the role named, else the user named (Put/Get/Delete/List/Attach/Detach Role|User Policy)
)

// onEntity registers the IAM operation name on a role or user, authorized
// as iam:NAME on the role's or user's ARN; for onEither, the Role operation
// reads only RoleName and the User operation only UserName. keys, if set,
// returns the request's condition keys.
func onEntity[I, O any, P interface {
	*I
	named
}](m *query.Mux, s *Service, on target, name string, run func(context.Context, *I) (*O, error), keys func(*I) map[string][]string) {
	if on == onEither {
		// The Role and User operations share an input; each reads only
		// its own member. The check below sees the input after this.
		roleOp, inner := strings.Contains(name, "Role"), run
		run = func(ctx context.Context, in *I) (*O, error) {
			if err := P(in).only(roleOp); err != nil {
				return nil, err
			}
			return inner(ctx, in)
		}
	}
	query.Register(m, service.Op[I, O]{Name: name, Run: run,
		Check: func(c *service.Call, in *I) service.Check {
			role, user := P(in).names()
			kind, action := "role", "iam:"+name
			switch {
			case on == onUser || on == onCaller:
				kind, role = "user", user
				if role == "" && on == onCaller {
					role = c.Caller.UserName
				}
			case on == onEither && !strings.Contains(name, "Role"):
				kind, role = "user", user
			}
			chk := service.Check{Action: action, Resource: s.resource(c.Caller.Account(), kind, role)}
			if keys != nil {
				chk.Context = keys(in)
			}
			return chk
		}})
}

// onPolicy registers the IAM operation name on a managed policy, authorized
// as iam:NAME on the policy's ARN.
func onPolicy[I, O any, P interface {
	*I
	arn() string
}](m *query.Mux, name string, run func(context.Context, *I) (*O, error)) {
	query.Register(m, service.Op[I, O]{Name: name, Run: run,
		Check: func(c *service.Call, in *I) service.Check {
			return service.Check{Action: "iam:" + name, Resource: P(in).arn()}
		}})
}

func (in *PolicyArnIn) arn() string { return in.PolicyArn }

// onAll registers the IAM operation name, authorized as iam:NAME on "*".
func onAll[I, O any](m *query.Mux, name string, run func(context.Context, *I) (*O, error)) {
	query.Register(m, service.Op[I, O]{Name: name, Run: run,
		Check: func(*service.Call, *I) service.Check { return service.Check{Action: "iam:" + name, Resource: "*"} }})
}

// Mux returns IAM's operation table.
func (s *Service) Mux() *query.Mux {
	m := query.NewMux(Namespace)
	tagKeys := func(in *UntagRoleIn) map[string][]string { return map[string][]string{"aws:TagKeys": in.TagKeys} }
	boundary := func(in *BoundaryIn) map[string][]string {
		return map[string][]string{"iam:PermissionsBoundary": {in.PermissionsBoundary}}
	}
	attached := func(in *AttachIn) map[string][]string { return map[string][]string{"iam:PolicyARN": {in.PolicyArn}} }

	// Roles.
	query.Register(m, service.Op[CreateRoleIn, RoleResult]{Name: "CreateRole", Run: s.CreateRole,
		Check: func(c *service.Call, in *CreateRoleIn) service.Check {
			chk := requestTags(service.Check{Action: "iam:CreateRole", Resource: roleARN(c.Caller.Account(), in.Path, in.RoleName)}, in.Tags)
			if in.PermissionsBoundary != "" {
				if chk.Context == nil {
					chk.Context = map[string][]string{}
				}
				chk.Context["iam:PermissionsBoundary"] = []string{in.PermissionsBoundary}
			}
			return chk
		}})
	onEntity(m, s, onRole, "GetRole", s.GetRole, nil)
	onEntity(m, s, onRole, "DeleteRole", s.DeleteRole, nil)
	onAll(m, "ListRoles", s.ListRoles)
	onEntity(m, s, onRole, "UpdateRole", s.UpdateRole, nil)
	onEntity(m, s, onRole, "UpdateRoleDescription", s.UpdateRoleDescription, nil)
	onEntity(m, s, onRole, "UpdateAssumeRolePolicy", s.UpdateAssumeRolePolicy, nil)
	onEntity(m, s, onRole, "TagRole", s.TagRole, func(in *TagRoleIn) map[string][]string {
		return requestTags(service.Check{}, in.Tags).Context
	})
	onEntity(m, s, onRole, "UntagRole", s.UntagRole, tagKeys)
	onEntity(m, s, onRole, "ListRoleTags", s.ListRoleTags, nil)
	onEntity(m, s, onRole, "PutRolePermissionsBoundary", s.PutRolePermissionsBoundary, boundary)
	onEntity(m, s, onRole, "DeleteRolePermissionsBoundary", s.DeleteRolePermissionsBoundary, nil)

	// Inline and attached policies of roles and users.
	for _, kind := range []string{"Role", "User"} {
		onEntity(m, s, onEither, "Put"+kind+"Policy", s.PutPolicy, nil)
		onEntity(m, s, onEither, "Get"+kind+"Policy", s.GetPolicyInline, nil)
		onEntity(m, s, onEither, "Delete"+kind+"Policy", s.DeletePolicyInline, nil)
		onEntity(m, s, onEither, "List"+kind+"Policies", s.ListPoliciesInline, nil)
		onEntity(m, s, onEither, "Attach"+kind+"Policy", s.Attach, attached)
		onEntity(m, s, onEither, "Detach"+kind+"Policy", s.Detach, attached)
		onEntity(m, s, onEither, "ListAttached"+kind+"Policies", s.ListAttached, nil)
	}

	// Users and access keys.
	query.Register(m, service.Op[CreateUserIn, UserResult]{Name: "CreateUser", Run: s.CreateUser,
		Check: func(c *service.Call, in *CreateUserIn) service.Check {
			return requestTags(service.Check{Action: "iam:CreateUser", Resource: userARN(c.Caller.Account(), in.Path, in.UserName)}, in.Tags)
		}})
	onEntity(m, s, onCaller, "GetUser", s.GetUser, nil)
	onEntity(m, s, onUser, "DeleteUser", s.DeleteUser, nil)
	onAll(m, "ListUsers", s.ListUsers)
	onEntity(m, s, onUser, "TagUser", s.TagUser, func(in *TagUserIn) map[string][]string {
		return requestTags(service.Check{}, in.Tags).Context
	})
	onEntity(m, s, onUser, "UntagUser", s.UntagUser, func(in *UntagUserIn) map[string][]string {
		return map[string][]string{"aws:TagKeys": in.TagKeys}
	})
	onEntity(m, s, onUser, "ListUserTags", s.ListUserTags, nil)
	onEntity(m, s, onUser, "PutUserPermissionsBoundary", s.PutUserPermissionsBoundary, boundary)
	onEntity(m, s, onUser, "DeleteUserPermissionsBoundary", s.DeleteUserPermissionsBoundary, nil)
	onEntity(m, s, onCaller, "CreateAccessKey", s.CreateAccessKey, nil)
	onEntity(m, s, onCaller, "DeleteAccessKey", s.DeleteAccessKey, nil)
	onEntity(m, s, onCaller, "UpdateAccessKey", s.UpdateAccessKey, nil)
	onEntity(m, s, onCaller, "ListAccessKeys", s.ListAccessKeys, nil)

	// Managed policies.
	query.Register(m, service.Op[CreatePolicyIn, PolicyResult]{Name: "CreatePolicy", Run: s.CreatePolicy,
		Check: func(c *service.Call, in *CreatePolicyIn) service.Check {
			return requestTags(service.Check{Action: "iam:CreatePolicy", Resource: policyARN(c.Caller.Account(), in.Path, in.PolicyName)}, in.Tags)
		}})
	onPolicy(m, "GetPolicy", s.GetPolicy)
	onPolicy(m, "DeletePolicy", s.DeletePolicy)
	onAll(m, "ListPolicies", s.ListPolicies)
	onPolicy(m, "CreatePolicyVersion", s.CreatePolicyVersion)
	onPolicy(m, "GetPolicyVersion", s.GetPolicyVersion)
	onPolicy(m, "ListPolicyVersions", s.ListPolicyVersions)
	onPolicy(m, "DeletePolicyVersion", s.DeletePolicyVersion)
	onPolicy(m, "SetDefaultPolicyVersion", s.SetDefaultPolicyVersion)

	s.registerSimulate(m)
	return m
}
