package iam

import (
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/xacct/xacct/emulator/protocol/query"
	"github.com/xacct/xacct/emulator/service"
)

// Options configures the IAM service.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// DataDir, when set, keeps IAM state on disk under DataDir/iam.
	DataDir string
}

// Service is the emulated IAM: roles, users, managed policies and access
// keys of every account, and the queries other services make of them.
type Service struct {
	now     func() time.Time
	dir     string
	mu      sync.RWMutex
	acct    map[string]*account
	managed map[string]*ManagedPolicy // AWS managed policies by ARN
}

// New returns the IAM service, loading state from opts.DataDir if set.
func New(opts Options) (*Service, error) {
	clock := opts.Now
	if clock == nil {
		clock = time.Now
	}
	// IAM's dates are whole seconds (CreateDate 2012-05-08T23:34:01Z).
	now := func() time.Time { return clock().Truncate(time.Second) }
	s := &Service{now: now, acct: make(map[string]*account), managed: awsManagedPolicies()}
	if opts.DataDir != "" {
		s.dir = filepath.Join(opts.DataDir, "iam")
		if err := s.load(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Namespace is the XML namespace of IAM responses.
const Namespace = "https://iam.amazonaws.com/doc/2010-05-08/"

// roleResource is the ARN IAM authorizes an operation on a role against:
// the role's own ARN (with its path) when it exists.
func (s *Service) roleResource(acct, name string) string {
	if r, ok := s.Role(acct, name); ok {
		return r.ARN
	}
	return roleARN(acct, "/", name)
}

func (s *Service) userResource(acct, name string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if u := s.peek(acct).Users[strings.ToLower(name)]; u != nil {
		return u.ARN
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

// Mux returns IAM's operation table.
func (s *Service) Mux() *query.Mux {
	m := query.NewMux(Namespace)
	role := func(action string) func(c *service.Call, name string) service.Check {
		return func(c *service.Call, name string) service.Check {
			return service.Check{Action: action, Resource: s.roleResource(c.Caller.Account(), name)}
		}
	}
	user := func(action string) func(c *service.Call, name string) service.Check {
		return func(c *service.Call, name string) service.Check {
			return service.Check{Action: action, Resource: s.userResource(c.Caller.Account(), name)}
		}
	}
	entity := func(roleAction, userAction string) func(c *service.Call, roleName, userName string) service.Check {
		return func(c *service.Call, roleName, userName string) service.Check {
			if roleName != "" || userName == "" {
				return role(roleAction)(c, roleName)
			}
			return user(userAction)(c, userName)
		}
	}
	pol := func(action string) func(c *service.Call, arn string) service.Check {
		return func(c *service.Call, arn string) service.Check {
			return service.Check{Action: action, Resource: arn}
		}
	}
	all := func(action string) service.Check { return service.Check{Action: action, Resource: "*"} }

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
	query.Register(m, service.Op[RoleNameIn, RoleResult]{Name: "GetRole", Run: s.GetRole,
		Check: func(c *service.Call, in *RoleNameIn) service.Check { return role("iam:GetRole")(c, in.RoleName) }})
	query.Register(m, service.Op[RoleNameIn, Empty]{Name: "DeleteRole", Run: s.DeleteRole,
		Check: func(c *service.Call, in *RoleNameIn) service.Check { return role("iam:DeleteRole")(c, in.RoleName) }})
	query.Register(m, service.Op[ListRolesIn, ListRolesOut]{Name: "ListRoles", Run: s.ListRoles,
		Check: func(c *service.Call, in *ListRolesIn) service.Check { return all("iam:ListRoles") }})
	query.Register(m, service.Op[UpdateRoleIn, Empty]{Name: "UpdateRole", Run: s.UpdateRole,
		Check: func(c *service.Call, in *UpdateRoleIn) service.Check { return role("iam:UpdateRole")(c, in.RoleName) }})
	query.Register(m, service.Op[UpdateRoleDescriptionIn, RoleResult]{Name: "UpdateRoleDescription", Run: s.UpdateRoleDescription,
		Check: func(c *service.Call, in *UpdateRoleDescriptionIn) service.Check {
			return role("iam:UpdateRoleDescription")(c, in.RoleName)
		}})
	query.Register(m, service.Op[UpdateAssumeRolePolicyIn, Empty]{Name: "UpdateAssumeRolePolicy", Run: s.UpdateAssumeRolePolicy,
		Check: func(c *service.Call, in *UpdateAssumeRolePolicyIn) service.Check {
			return role("iam:UpdateAssumeRolePolicy")(c, in.RoleName)
		}})
	query.Register(m, service.Op[TagRoleIn, Empty]{Name: "TagRole", Run: s.TagRole,
		Check: func(c *service.Call, in *TagRoleIn) service.Check {
			return requestTags(role("iam:TagRole")(c, in.RoleName), in.Tags)
		}})
	query.Register(m, service.Op[UntagRoleIn, Empty]{Name: "UntagRole", Run: s.UntagRole,
		Check: func(c *service.Call, in *UntagRoleIn) service.Check {
			chk := role("iam:UntagRole")(c, in.RoleName)
			chk.Context = map[string][]string{"aws:TagKeys": in.TagKeys}
			return chk
		}})
	query.Register(m, service.Op[ListTagsIn, ListTagsOut]{Name: "ListRoleTags", Run: s.ListRoleTags,
		Check: func(c *service.Call, in *ListTagsIn) service.Check { return role("iam:ListRoleTags")(c, in.RoleName) }})
	query.Register(m, service.Op[BoundaryIn, Empty]{Name: "PutRolePermissionsBoundary", Run: s.PutRolePermissionsBoundary,
		Check: func(c *service.Call, in *BoundaryIn) service.Check {
			chk := role("iam:PutRolePermissionsBoundary")(c, in.RoleName)
			chk.Context = map[string][]string{"iam:PermissionsBoundary": {in.PermissionsBoundary}}
			return chk
		}})
	query.Register(m, service.Op[RoleNameIn, Empty]{Name: "DeleteRolePermissionsBoundary", Run: s.DeleteRolePermissionsBoundary,
		Check: func(c *service.Call, in *RoleNameIn) service.Check {
			return role("iam:DeleteRolePermissionsBoundary")(c, in.RoleName)
		}})

	// Inline and attached policies of roles and users.
	for _, kind := range []string{"Role", "User"} {
		query.Register(m, service.Op[PutPolicyIn, Empty]{Name: "Put" + kind + "Policy", Run: s.PutPolicy,
			Check: func(c *service.Call, in *PutPolicyIn) service.Check {
				return entity("iam:PutRolePolicy", "iam:PutUserPolicy")(c, in.RoleName, in.UserName)
			}})
		query.Register(m, service.Op[InlinePolicyIn, GetInlinePolicyOut]{Name: "Get" + kind + "Policy", Run: s.GetPolicyInline,
			Check: func(c *service.Call, in *InlinePolicyIn) service.Check {
				return entity("iam:GetRolePolicy", "iam:GetUserPolicy")(c, in.RoleName, in.UserName)
			}})
		query.Register(m, service.Op[InlinePolicyIn, Empty]{Name: "Delete" + kind + "Policy", Run: s.DeletePolicyInline,
			Check: func(c *service.Call, in *InlinePolicyIn) service.Check {
				return entity("iam:DeleteRolePolicy", "iam:DeleteUserPolicy")(c, in.RoleName, in.UserName)
			}})
		query.Register(m, service.Op[ListInlineIn, ListInlineOut]{Name: "List" + kind + "Policies", Run: s.ListPoliciesInline,
			Check: func(c *service.Call, in *ListInlineIn) service.Check {
				return entity("iam:ListRolePolicies", "iam:ListUserPolicies")(c, in.RoleName, in.UserName)
			}})
		attach := func(roleAction, userAction string) func(c *service.Call, in *AttachIn) service.Check {
			return func(c *service.Call, in *AttachIn) service.Check {
				chk := entity(roleAction, userAction)(c, in.RoleName, in.UserName)
				chk.Context = map[string][]string{"iam:PolicyARN": {in.PolicyArn}}
				return chk
			}
		}
		query.Register(m, service.Op[AttachIn, Empty]{Name: "Attach" + kind + "Policy", Run: s.Attach,
			Check: attach("iam:AttachRolePolicy", "iam:AttachUserPolicy")})
		query.Register(m, service.Op[AttachIn, Empty]{Name: "Detach" + kind + "Policy", Run: s.Detach,
			Check: attach("iam:DetachRolePolicy", "iam:DetachUserPolicy")})
		query.Register(m, service.Op[ListAttachedIn, ListAttachedOut]{Name: "ListAttached" + kind + "Policies", Run: s.ListAttached,
			Check: func(c *service.Call, in *ListAttachedIn) service.Check {
				return entity("iam:ListAttachedRolePolicies", "iam:ListAttachedUserPolicies")(c, in.RoleName, in.UserName)
			}})
	}

	// Users and access keys.
	query.Register(m, service.Op[CreateUserIn, UserResult]{Name: "CreateUser", Run: s.CreateUser,
		Check: func(c *service.Call, in *CreateUserIn) service.Check {
			return requestTags(service.Check{Action: "iam:CreateUser", Resource: userARN(c.Caller.Account(), in.Path, in.UserName)}, in.Tags)
		}})
	query.Register(m, service.Op[UserNameIn, UserResult]{Name: "GetUser", Run: s.GetUser,
		Check: func(c *service.Call, in *UserNameIn) service.Check {
			name := in.UserName
			if name == "" {
				name = c.Caller.UserName
			}
			return user("iam:GetUser")(c, name)
		}})
	query.Register(m, service.Op[UserNameIn, Empty]{Name: "DeleteUser", Run: s.DeleteUser,
		Check: func(c *service.Call, in *UserNameIn) service.Check { return user("iam:DeleteUser")(c, in.UserName) }})
	query.Register(m, service.Op[ListUsersIn, ListUsersOut]{Name: "ListUsers", Run: s.ListUsers,
		Check: func(c *service.Call, in *ListUsersIn) service.Check { return all("iam:ListUsers") }})
	query.Register(m, service.Op[TagUserIn, Empty]{Name: "TagUser", Run: s.TagUser,
		Check: func(c *service.Call, in *TagUserIn) service.Check {
			return requestTags(user("iam:TagUser")(c, in.UserName), in.Tags)
		}})
	query.Register(m, service.Op[UntagUserIn, Empty]{Name: "UntagUser", Run: s.UntagUser,
		Check: func(c *service.Call, in *UntagUserIn) service.Check { return user("iam:UntagUser")(c, in.UserName) }})
	query.Register(m, service.Op[ListTagsIn, ListTagsOut]{Name: "ListUserTags", Run: s.ListUserTags,
		Check: func(c *service.Call, in *ListTagsIn) service.Check { return user("iam:ListUserTags")(c, in.UserName) }})
	query.Register(m, service.Op[BoundaryIn, Empty]{Name: "PutUserPermissionsBoundary", Run: s.PutUserPermissionsBoundary,
		Check: func(c *service.Call, in *BoundaryIn) service.Check {
			chk := user("iam:PutUserPermissionsBoundary")(c, in.UserName)
			chk.Context = map[string][]string{"iam:PermissionsBoundary": {in.PermissionsBoundary}}
			return chk
		}})
	query.Register(m, service.Op[UserNameIn, Empty]{Name: "DeleteUserPermissionsBoundary", Run: s.DeleteUserPermissionsBoundary,
		Check: func(c *service.Call, in *UserNameIn) service.Check {
			return user("iam:DeleteUserPermissionsBoundary")(c, in.UserName)
		}})
	keyUser := func(action string) func(c *service.Call, name string) service.Check {
		return func(c *service.Call, name string) service.Check {
			if name == "" {
				name = c.Caller.UserName
			}
			return user(action)(c, name)
		}
	}
	query.Register(m, service.Op[UserNameIn, AccessKeyResult]{Name: "CreateAccessKey", Run: s.CreateAccessKey,
		Check: func(c *service.Call, in *UserNameIn) service.Check {
			return keyUser("iam:CreateAccessKey")(c, in.UserName)
		}})
	query.Register(m, service.Op[AccessKeyIn, Empty]{Name: "DeleteAccessKey", Run: s.DeleteAccessKey,
		Check: func(c *service.Call, in *AccessKeyIn) service.Check {
			return keyUser("iam:DeleteAccessKey")(c, in.UserName)
		}})
	query.Register(m, service.Op[AccessKeyIn, Empty]{Name: "UpdateAccessKey", Run: s.UpdateAccessKey,
		Check: func(c *service.Call, in *AccessKeyIn) service.Check {
			return keyUser("iam:UpdateAccessKey")(c, in.UserName)
		}})
	query.Register(m, service.Op[ListAccessKeysIn, ListAccessKeysOut]{Name: "ListAccessKeys", Run: s.ListAccessKeys,
		Check: func(c *service.Call, in *ListAccessKeysIn) service.Check {
			return keyUser("iam:ListAccessKeys")(c, in.UserName)
		}})

	// Managed policies.
	query.Register(m, service.Op[CreatePolicyIn, PolicyResult]{Name: "CreatePolicy", Run: s.CreatePolicy,
		Check: func(c *service.Call, in *CreatePolicyIn) service.Check {
			return requestTags(service.Check{Action: "iam:CreatePolicy", Resource: policyARN(c.Caller.Account(), in.Path, in.PolicyName)}, in.Tags)
		}})
	query.Register(m, service.Op[PolicyArnIn, PolicyResult]{Name: "GetPolicy", Run: s.GetPolicy,
		Check: func(c *service.Call, in *PolicyArnIn) service.Check { return pol("iam:GetPolicy")(c, in.PolicyArn) }})
	query.Register(m, service.Op[PolicyArnIn, Empty]{Name: "DeletePolicy", Run: s.DeletePolicy,
		Check: func(c *service.Call, in *PolicyArnIn) service.Check { return pol("iam:DeletePolicy")(c, in.PolicyArn) }})
	query.Register(m, service.Op[ListPoliciesIn, ListPoliciesOut]{Name: "ListPolicies", Run: s.ListPolicies,
		Check: func(c *service.Call, in *ListPoliciesIn) service.Check { return all("iam:ListPolicies") }})
	query.Register(m, service.Op[CreatePolicyVersionIn, PolicyVersionResult]{Name: "CreatePolicyVersion", Run: s.CreatePolicyVersion,
		Check: func(c *service.Call, in *CreatePolicyVersionIn) service.Check {
			return pol("iam:CreatePolicyVersion")(c, in.PolicyArn)
		}})
	query.Register(m, service.Op[PolicyVersionIn, PolicyVersionResult]{Name: "GetPolicyVersion", Run: s.GetPolicyVersion,
		Check: func(c *service.Call, in *PolicyVersionIn) service.Check {
			return pol("iam:GetPolicyVersion")(c, in.PolicyArn)
		}})
	query.Register(m, service.Op[ListPolicyVersionsIn, ListPolicyVersionsOut]{Name: "ListPolicyVersions", Run: s.ListPolicyVersions,
		Check: func(c *service.Call, in *ListPolicyVersionsIn) service.Check {
			return pol("iam:ListPolicyVersions")(c, in.PolicyArn)
		}})
	query.Register(m, service.Op[PolicyVersionIn, Empty]{Name: "DeletePolicyVersion", Run: s.DeletePolicyVersion,
		Check: func(c *service.Call, in *PolicyVersionIn) service.Check {
			return pol("iam:DeletePolicyVersion")(c, in.PolicyArn)
		}})
	query.Register(m, service.Op[PolicyVersionIn, Empty]{Name: "SetDefaultPolicyVersion", Run: s.SetDefaultPolicyVersion,
		Check: func(c *service.Call, in *PolicyVersionIn) service.Check {
			return pol("iam:SetDefaultPolicyVersion")(c, in.PolicyArn)
		}})

	s.registerSimulate(m)
	return m
}
