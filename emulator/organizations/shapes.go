package organizations

// This file holds the wire shapes of the operations (AWS Organizations API
// Reference, "Data Types"): JSON 1.1 members named as AWS names them.

import (
	"strconv"
	"time"
)

// Epoch is a timestamp on the wire: seconds since the epoch, as a JSON
// number with fractional seconds (the JSON 1.1 protocol's timestamp).
type Epoch time.Time

// MarshalJSON writes the timestamp as seconds since the epoch.
func (t Epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)), nil
}

// Tag is a key-value tag.
type Tag struct {
	Key   string
	Value string
}

// PolicyTypeSummary is a policy type and its status in a root.
type PolicyTypeSummary struct {
	Type   string
	Status string
}

// OrganizationOut is the Organization data type.
type OrganizationOut struct {
	Arn                  string
	AvailablePolicyTypes []PolicyTypeSummary
	FeatureSet           string
	Id                   string
	MasterAccountArn     string
	MasterAccountEmail   string
	MasterAccountId      string
}

// CreateOrganizationIn is CreateOrganization's input.
type CreateOrganizationIn struct {
	FeatureSet string
}

// OrganizationResult wraps an Organization.
type OrganizationResult struct {
	Organization OrganizationOut
}

// RootOut is the Root data type.
type RootOut struct {
	Arn         string
	Id          string
	Name        string
	PolicyTypes []PolicyTypeSummary
}

// PageIn is the NextToken/MaxResults pair of List operations.
type PageIn struct {
	NextToken  string
	MaxResults int
}

// ListRootsOut is ListRoots' output.
type ListRootsOut struct {
	Roots     []RootOut
	NextToken string `json:",omitempty"`
}

// PolicyTypeIn is EnablePolicyType's and DisablePolicyType's input.
type PolicyTypeIn struct {
	RootId     string
	PolicyType string
}

// RootResult wraps a Root.
type RootResult struct {
	Root RootOut
}

// AccountOut is the Account data type.
type AccountOut struct {
	Arn             string
	Email           string
	Id              string
	JoinedMethod    string
	JoinedTimestamp Epoch
	Name            string
	Status          string
	State           string
}

// CreateAccountIn is CreateAccount's input.
type CreateAccountIn struct {
	Email                  string
	AccountName            string
	RoleName               string
	IamUserAccessToBilling string
	Tags                   []Tag
}

// CreateAccountStatusOut is the CreateAccountStatus data type.
type CreateAccountStatusOut struct {
	AccountId          string `json:",omitempty"`
	AccountName        string
	CompletedTimestamp *Epoch `json:",omitempty"`
	FailureReason      string `json:",omitempty"`
	Id                 string
	RequestedTimestamp Epoch
	State              string
}

// CreateAccountOut is CreateAccount's and DescribeCreateAccountStatus's
// output.
type CreateAccountOut struct {
	CreateAccountStatus CreateAccountStatusOut
}

// DescribeCreateAccountStatusIn is DescribeCreateAccountStatus' input.
type DescribeCreateAccountStatusIn struct {
	CreateAccountRequestId string
}

// AccountIdIn names an account.
type AccountIdIn struct {
	AccountId string
}

// AccountResult wraps an Account.
type AccountResult struct {
	Account AccountOut
}

// ListAccountsOut is ListAccounts' and ListAccountsForParent's output.
type ListAccountsOut struct {
	Accounts  []AccountOut
	NextToken string `json:",omitempty"`
}

// ParentIdIn is the input of the List…ForParent operations.
type ParentIdIn struct {
	ParentId string
	PageIn
}

// MoveAccountIn is MoveAccount's input.
type MoveAccountIn struct {
	AccountId           string
	SourceParentId      string
	DestinationParentId string
}

// ChildIdIn is ListParents' input.
type ChildIdIn struct {
	ChildId string
	PageIn
}

// ParentOut is the Parent data type.
type ParentOut struct {
	Id   string
	Type string
}

// ListParentsOut is ListParents' output.
type ListParentsOut struct {
	Parents   []ParentOut
	NextToken string `json:",omitempty"`
}

// ListChildrenIn is ListChildren's input.
type ListChildrenIn struct {
	ParentId  string
	ChildType string
	PageIn
}

// ChildOut is the Child data type.
type ChildOut struct {
	Id   string
	Type string
}

// ListChildrenOut is ListChildren's output.
type ListChildrenOut struct {
	Children  []ChildOut
	NextToken string `json:",omitempty"`
}

// OUOut is the OrganizationalUnit data type.
type OUOut struct {
	Arn  string
	Id   string
	Name string
}

// CreateOUIn is CreateOrganizationalUnit's input.
type CreateOUIn struct {
	ParentId string
	Name     string
	Tags     []Tag
}

// OUIdIn names an OU.
type OUIdIn struct {
	OrganizationalUnitId string
}

// UpdateOUIn is UpdateOrganizationalUnit's input.
type UpdateOUIn struct {
	OrganizationalUnitId string
	Name                 string
}

// OUResult wraps an OrganizationalUnit.
type OUResult struct {
	OrganizationalUnit OUOut
}

// ListOUsOut is ListOrganizationalUnitsForParent's output.
type ListOUsOut struct {
	OrganizationalUnits []OUOut
	NextToken           string `json:",omitempty"`
}

// PolicySummaryOut is the PolicySummary data type.
type PolicySummaryOut struct {
	Arn         string
	AwsManaged  bool
	Description string
	Id          string
	Name        string
	Type        string
}

// PolicyOut is the Policy data type.
type PolicyOut struct {
	Content       string
	PolicySummary PolicySummaryOut
}

// PolicyResult wraps a Policy.
type PolicyResult struct {
	Policy PolicyOut
}

// CreatePolicyIn is CreatePolicy's input.
type CreatePolicyIn struct {
	Content     string
	Description string
	Name        string
	Type        string
	Tags        []Tag
}

// UpdatePolicyIn is UpdatePolicy's input; nil members are left as they are.
type UpdatePolicyIn struct {
	PolicyId    string
	Content     *string
	Description *string
	Name        *string
}

// PolicyIdIn names a policy.
type PolicyIdIn struct {
	PolicyId string
}

// AttachIn is AttachPolicy's and DetachPolicy's input.
type AttachIn struct {
	PolicyId string
	TargetId string
}

// ListPoliciesIn is ListPolicies' input.
type ListPoliciesIn struct {
	Filter string
	PageIn
}

// ListPoliciesForTargetIn is ListPoliciesForTarget's input.
type ListPoliciesForTargetIn struct {
	TargetId string
	Filter   string
	PageIn
}

// ListPoliciesOut is ListPolicies' and ListPoliciesForTarget's output.
type ListPoliciesOut struct {
	Policies  []PolicySummaryOut
	NextToken string `json:",omitempty"`
}

// PolicyTargetOut is the PolicyTargetSummary data type.
type PolicyTargetOut struct {
	Arn      string
	Name     string
	TargetId string
	Type     string
}

// ListTargetsOut is ListTargetsForPolicy's output.
type ListTargetsOut struct {
	Targets   []PolicyTargetOut
	NextToken string `json:",omitempty"`
}

// ListTargetsIn is ListTargetsForPolicy's input.
type ListTargetsIn struct {
	PolicyId string
	PageIn
}
