package sts

import (
	"sync"
	"time"

	"github.com/xacct/xacct/policy"
)

// Session is a set of temporary credentials STS issued for a role.
type Session struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expires         time.Time
	// Account, RoleName, RoleARN and RoleID describe the assumed role.
	Account  string
	RoleName string
	RoleARN  string
	RoleID   string
	// SessionName is the RoleSessionName.
	SessionName string
	// Policy is the inline session policy text, PolicyArns the managed
	// session policies.
	Policy     string
	PolicyArns []string
	// Tags are the session's principal tags (role tags overridden by session
	// tags and transitive tags); TransitiveTagKeys pass on to chained
	// sessions.
	Tags              map[string]string
	TransitiveTagKeys []string
	SourceIdentity    string
	// Chained is true when a role session assumed this role.
	Chained bool
	// Service is set when an AWS service (lambda.amazonaws.com) assumed the
	// role on a function's behalf.
	Service string
	// Issued is when STS issued the session (aws:TokenIssueTime). It is
	// zero for sessions journaled before it was recorded.
	Issued time.Time `json:",omitzero"`
	// UserName, UserARN and UserID describe the IAM user (or, with
	// UserName empty, the root user) whose GetSessionToken issued the
	// session; RoleARN is empty then.
	UserName string `json:",omitempty"`
	UserARN  string `json:",omitempty"`
	UserID   string `json:",omitempty"`

	once   sync.Once
	parsed *policy.Policy
}

// InlinePolicy returns the parsed inline session policy (nil if none). It
// is parsed once per session.
func (s *Session) InlinePolicy() *policy.Policy {
	s.once.Do(func() {
		if s.Policy != "" {
			s.parsed, _ = policy.Parse(s.Policy, policy.KindSession)
		}
	})
	return s.parsed
}

// ARN returns the assumed-role ARN: arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION,
// or, for a GetSessionToken session, the user's own ARN.
func (s *Session) ARN() string {
	if s.UserSession() {
		return s.UserARN
	}
	return "arn:aws:sts::" + s.Account + ":assumed-role/" + s.RoleName + "/" + s.SessionName
}

// UniqueID returns aws:userid for the session: ROLEID:SESSION, or the
// user's unique id for a GetSessionToken session.
func (s *Session) UniqueID() string {
	if s.UserSession() {
		return s.UserID
	}
	return s.RoleID + ":" + s.SessionName
}

// UserSession reports whether GetSessionToken issued the session: it acts
// as the IAM user (or root user) that asked for it, not as a role.
func (s *Session) UserSession() bool { return s.UserARN != "" }

func secondsDuration(n int32) time.Duration { return time.Duration(n) * time.Second }
