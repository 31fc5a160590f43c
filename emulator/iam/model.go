package iam

import (
	"time"

	"github.com/xacct/xacct/policy"
)

// Tag is an IAM tag.
type Tag struct {
	Key   string
	Value string
}

// Doc is a stored policy document: the text as the caller sent it and its
// parsed form.
type Doc struct {
	Text   string
	parsed *policy.Policy
}

// Policy returns the parsed document.
func (d *Doc) Policy() *policy.Policy { return d.parsed }

// InlinePolicy is a named policy embedded in a role or user.
type InlinePolicy struct {
	Name string
	Doc  Doc
}

// Role is an IAM role. Stored roles are never modified in place: updates
// store a changed copy, so a *Role read under the lock stays consistent.
type Role struct {
	Account            string
	Path               string
	Name               string
	ID                 string
	ARN                string
	Description        string
	CreateDate         time.Time
	MaxSessionDuration int32
	Trust              Doc
	// TrustRefs maps each role/user ARN named as a principal in Trust to the
	// unique id that entity had when the policy was written. IAM binds
	// principals to unique ids: a deleted and recreated role with the same
	// name does not match (IAM User Guide, "AWS JSON policy elements:
	// Principal", IAM role principals).
	TrustRefs   map[string]string
	Boundary    string
	Tags        []Tag
	Inline      []InlinePolicy
	Attached    []string
	LastUsed    time.Time
	LastUsedRgn string
}

// User is an IAM user.
type User struct {
	Account    string
	Path       string
	Name       string
	ID         string
	ARN        string
	CreateDate time.Time
	Boundary   string
	Tags       []Tag
	Inline     []InlinePolicy
	Attached   []string
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	ID         string
	Doc        Doc
	IsDefault  bool
	CreateDate time.Time
}

// ManagedPolicy is a customer or AWS managed policy.
type ManagedPolicy struct {
	Account     string // "aws" for AWS managed policies
	Path        string
	Name        string
	ID          string
	ARN         string
	Description string
	CreateDate  time.Time
	UpdateDate  time.Time
	Versions    []PolicyVersion
	NextVersion int
	Tags        []Tag
}

// Default returns the default version.
func (p *ManagedPolicy) Default() *PolicyVersion {
	for i := range p.Versions {
		if p.Versions[i].IsDefault {
			return &p.Versions[i]
		}
	}
	return nil
}

// AccessKey is a user's long-term access key.
type AccessKey struct {
	ID         string
	Secret     string
	Account    string
	UserName   string
	Status     string // Active or Inactive
	CreateDate time.Time
}
