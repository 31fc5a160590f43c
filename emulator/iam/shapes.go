package iam

import "time"

// Input and output shapes of the IAM API. Field names are IAM's member
// names; the query protocol encodes them.

// BoundaryOut is AttachedPermissionsBoundary.
type BoundaryOut struct {
	PermissionsBoundaryType string
	PermissionsBoundaryArn  string
}

// RoleOut is the Role shape.
type RoleOut struct {
	Path                     string
	RoleName                 string
	RoleId                   string
	Arn                      string
	CreateDate               time.Time
	AssumeRolePolicyDocument string
	Description              string
	MaxSessionDuration       int32
	PermissionsBoundary      *BoundaryOut
	Tags                     []Tag
	RoleLastUsed             *RoleLastUsedOut
}

// RoleLastUsedOut is the RoleLastUsed shape.
type RoleLastUsedOut struct {
	LastUsedDate *time.Time
	Region       string
}

// UserOut is the User shape.
type UserOut struct {
	Path                string
	UserName            string
	UserId              string
	Arn                 string
	CreateDate          time.Time
	PermissionsBoundary *BoundaryOut
	Tags                []Tag
}

// PolicyOut is the Policy shape.
type PolicyOut struct {
	PolicyName                    string
	PolicyId                      string
	Arn                           string
	Path                          string
	DefaultVersionId              string
	AttachmentCount               int32
	PermissionsBoundaryUsageCount int32
	IsAttachable                  bool
	Description                   string
	CreateDate                    time.Time
	UpdateDate                    time.Time
	Tags                          []Tag
}

// PolicyVersionOut is the PolicyVersion shape.
type PolicyVersionOut struct {
	Document         string
	VersionId        string
	IsDefaultVersion bool
	CreateDate       time.Time
}

// AttachedPolicyOut is the AttachedPolicy shape.
type AttachedPolicyOut struct {
	PolicyName string
	PolicyArn  string
}

// AccessKeyOut is the AccessKey shape (with its secret, returned once).
type AccessKeyOut struct {
	UserName        string
	AccessKeyId     string
	Status          string
	SecretAccessKey string
	CreateDate      time.Time
}

// AccessKeyMetadataOut is the AccessKeyMetadata shape.
type AccessKeyMetadataOut struct {
	UserName    string
	AccessKeyId string
	Status      string
	CreateDate  time.Time
}

// Page holds the paging members shared by List operations' inputs.
type Page struct {
	Marker   string
	MaxItems *int32
}

// RoleNameIn is the input of operations that name just a role.
type RoleNameIn struct{ RoleName string }

// UserNameIn is the input of operations that name just a user.
type UserNameIn struct{ UserName string }

// PolicyArnIn is the input of operations that name just a managed policy.
type PolicyArnIn struct{ PolicyArn string }

// EntityIn is the input of operations on a role or a user: the role when
// RoleName is set or UserName is not.
type EntityIn struct {
	RoleName string
	UserName string
}

// CreateRoleIn is CreateRole's input.
type CreateRoleIn struct {
	Path                     string
	RoleName                 string
	AssumeRolePolicyDocument string
	Description              string
	MaxSessionDuration       *int32
	PermissionsBoundary      string
	Tags                     []Tag
}

// RoleResult wraps a Role.
type RoleResult struct{ Role RoleOut }

// ListRolesIn is ListRoles' input.
type ListRolesIn struct {
	PathPrefix string
	Page
}

// ListRolesOut is ListRoles' output.
type ListRolesOut struct {
	Roles       []RoleOut
	IsTruncated bool
	Marker      string
}

// UpdateRoleIn is UpdateRole's input.
type UpdateRoleIn struct {
	RoleNameIn
	Description        *string
	MaxSessionDuration *int32
}

// UpdateRoleDescriptionIn is UpdateRoleDescription's input.
type UpdateRoleDescriptionIn struct {
	RoleNameIn
	Description string
}

// UpdateAssumeRolePolicyIn is UpdateAssumeRolePolicy's input.
type UpdateAssumeRolePolicyIn struct {
	RoleNameIn
	PolicyDocument string
}

// Empty is the output of operations with no output members.
type Empty struct{}

// TagRoleIn is TagRole's input.
type TagRoleIn struct {
	RoleNameIn
	Tags []Tag
}

// UntagRoleIn is UntagRole's input.
type UntagRoleIn struct {
	RoleNameIn
	TagKeys []string
}

// TagUserIn is TagUser's input.
type TagUserIn struct {
	UserNameIn
	Tags []Tag
}

// UntagUserIn is UntagUser's input.
type UntagUserIn struct {
	UserNameIn
	TagKeys []string
}

// ListTagsIn is the input of ListRoleTags and ListUserTags.
type ListTagsIn struct {
	EntityIn
	Page
}

// ListTagsOut is the output of ListRoleTags and ListUserTags.
type ListTagsOut struct {
	Tags        []Tag
	IsTruncated bool
	Marker      string
}

// PutPolicyIn is the input of PutRolePolicy and PutUserPolicy.
type PutPolicyIn struct {
	EntityIn
	PolicyName     string
	PolicyDocument string
}

// InlinePolicyIn names an inline policy of a role or user.
type InlinePolicyIn struct {
	EntityIn
	PolicyName string
}

// GetInlinePolicyOut is the output of GetRolePolicy and GetUserPolicy.
type GetInlinePolicyOut struct {
	RoleName       string
	UserName       string
	PolicyName     string
	PolicyDocument string
}

// ListInlineIn is the input of ListRolePolicies and ListUserPolicies.
type ListInlineIn struct {
	EntityIn
	Page
}

// ListInlineOut is the output of ListRolePolicies and ListUserPolicies.
type ListInlineOut struct {
	PolicyNames []string
	IsTruncated bool
	Marker      string
}

// AttachIn is the input of Attach/Detach Role/User Policy.
type AttachIn struct {
	EntityIn
	PolicyArn string
}

// ListAttachedIn is the input of ListAttachedRolePolicies and ListAttachedUserPolicies.
type ListAttachedIn struct {
	EntityIn
	PathPrefix string
	Page
}

// ListAttachedOut is the output of ListAttached*Policies.
type ListAttachedOut struct {
	AttachedPolicies []AttachedPolicyOut
	IsTruncated      bool
	Marker           string
}

// BoundaryIn is the input of Put*PermissionsBoundary.
type BoundaryIn struct {
	EntityIn
	PermissionsBoundary string
}

// CreateUserIn is CreateUser's input.
type CreateUserIn struct {
	Path                string
	UserName            string
	PermissionsBoundary string
	Tags                []Tag
}

// UserResult wraps a User.
type UserResult struct{ User UserOut }

// ListUsersIn is ListUsers' input.
type ListUsersIn struct {
	PathPrefix string
	Page
}

// ListUsersOut is ListUsers' output.
type ListUsersOut struct {
	Users       []UserOut
	IsTruncated bool
	Marker      string
}

// AccessKeyResult wraps a new AccessKey.
type AccessKeyResult struct{ AccessKey AccessKeyOut }

// AccessKeyIn names a user's access key.
type AccessKeyIn struct {
	UserNameIn
	AccessKeyId string
	Status      string
}

// ListAccessKeysIn is ListAccessKeys' input.
type ListAccessKeysIn struct {
	UserNameIn
	Page
}

// ListAccessKeysOut is ListAccessKeys' output.
type ListAccessKeysOut struct {
	AccessKeyMetadata []AccessKeyMetadataOut
	IsTruncated       bool
	Marker            string
}

// CreatePolicyIn is CreatePolicy's input.
type CreatePolicyIn struct {
	PolicyName     string
	Path           string
	PolicyDocument string
	Description    string
	Tags           []Tag
}

// PolicyResult wraps a Policy.
type PolicyResult struct{ Policy PolicyOut }

// ListPoliciesIn is ListPolicies' input.
type ListPoliciesIn struct {
	Scope             string
	OnlyAttached      bool
	PathPrefix        string
	PolicyUsageFilter string
	Page
}

// ListPoliciesOut is ListPolicies' output.
type ListPoliciesOut struct {
	Policies    []PolicyOut
	IsTruncated bool
	Marker      string
}

// CreatePolicyVersionIn is CreatePolicyVersion's input.
type CreatePolicyVersionIn struct {
	PolicyArnIn
	PolicyDocument string
	SetAsDefault   bool
}

// PolicyVersionIn names a version of a managed policy.
type PolicyVersionIn struct {
	PolicyArnIn
	VersionId string
}

// PolicyVersionResult wraps a PolicyVersion.
type PolicyVersionResult struct{ PolicyVersion PolicyVersionOut }

// ListPolicyVersionsOut is ListPolicyVersions' output.
type ListPolicyVersionsOut struct {
	Versions    []PolicyVersionOut
	IsTruncated bool
	Marker      string
}

// ListPolicyVersionsIn is ListPolicyVersions' input.
type ListPolicyVersionsIn struct {
	PolicyArnIn
	Page
}
