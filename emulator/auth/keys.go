package auth

import (
	"context"
	"errors"
	"time"

	"github.com/xacct/xacct/emulator/iam"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulator/sigv4"
	"github.com/xacct/xacct/emulator/sts"
	"github.com/xacct/xacct/policy"
)

// RootSecret is the secret access key of every account's root credentials
// (the access key id is the 12-digit account id).
const RootSecret = "test"

// ErrUnknownKey means no credential has this access key id.
var ErrUnknownKey = errors.New("unknown access key id")

// Users is the IAM side of the credentials: users' access keys and the
// managed policies an STS session may name. *iam.Service implements it.
type Users interface {
	// LookupAccessKey returns the active key with this id and its user.
	LookupAccessKey(id string) (iam.AccessKeyOwner, bool)
	// ManagedPolicy returns the managed policy arn as account acct sees it.
	ManagedPolicy(acct, arn string) (policy.Named, error)
}

// Sessions is the STS side: the temporary credentials issued.
// *sts.Service implements it.
type Sessions interface {
	// Session returns the session issued with this access key id.
	Session(accessKeyID string) (*sts.Session, bool)
}

// Keys resolves access key ids: a 12-digit account id is the account's
// root user (secret RootSecret), AKIA… an IAM user's access key, ASIA… an
// STS session. It reads IAM and STS at each lookup, so a deleted key, user
// or session stops working at once. Set the fields before the first
// lookup; they do not change after. It is safe for concurrent use.
type Keys struct {
	Users    Users
	Sessions Sessions
}

// Credential is what an access key id stands for: the secret to verify
// the signature with, the session token the request must carry, when it
// expires, and the caller it authenticates.
type Credential struct {
	Secret  string
	Token   string
	Expires time.Time
	Caller  *service.Caller
}

// Lookup resolves an access key id, or returns ErrUnknownKey.
func (k *Keys) Lookup(keyID string) (Credential, error) {
	switch {
	case IsAccountID(keyID):
		return Credential{Secret: RootSecret, Caller: RootCaller(keyID)}, nil
	case len(keyID) > 4 && keyID[:4] == "AKIA":
		o, ok := k.Users.LookupAccessKey(keyID)
		if !ok {
			return Credential{}, ErrUnknownKey
		}
		return Credential{Secret: o.Key.Secret, Caller: userCaller(o)}, nil
	case len(keyID) > 4 && keyID[:4] == "ASIA":
		s, ok := k.Sessions.Session(keyID)
		if !ok {
			return Credential{}, ErrUnknownKey
		}
		return Credential{Secret: s.SecretAccessKey, Token: s.SessionToken, Expires: s.Expires, Caller: k.sessionCaller(s)}, nil
	}
	return Credential{}, ErrUnknownKey
}

// LookupKey implements sigv4.KeyStore: the key carries the caller it
// authenticates, which Verify returns with the verified request.
func (k *Keys) LookupKey(_ context.Context, id string) (sigv4.Key, error) {
	c, err := k.Lookup(id)
	if errors.Is(err, ErrUnknownKey) {
		return sigv4.Key{}, sigv4.ErrKeyNotFound
	}
	if err != nil {
		return sigv4.Key{}, err
	}
	return sigv4.Key{SecretAccessKey: c.Secret, SessionToken: c.Token, Expires: c.Expires, Caller: c.Caller}, nil
}

// CallerFor returns the caller that credentials with this access key id
// authenticate, for in-process use (the Lambda runtime, tests).
func (k *Keys) CallerFor(accessKeyID string) (*service.Caller, error) {
	c, err := k.Lookup(accessKeyID)
	if err != nil {
		return nil, err
	}
	return c.Caller, nil
}

// IsAccountID reports whether s is an AWS account id: 12 decimal digits
// (root credentials use it as their access key id).
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// RootCaller returns the root user of account acct.
func RootCaller(acct string) *service.Caller {
	return &service.Caller{
		AccessKeyID: acct,
		Principal: policy.Principal{
			Type:     policy.PrincipalRoot,
			ARN:      "arn:aws:iam::" + acct + ":root",
			Account:  acct,
			UniqueID: acct,
		},
	}
}

// Anonymous is the caller of an unsigned request.
var Anonymous = &service.Caller{Principal: policy.Principal{Type: policy.PrincipalAnonymous, ARN: "*"}}

func userCaller(o iam.AccessKeyOwner) *service.Caller {
	u := o.User
	return &service.Caller{
		AccessKeyID: o.Key.ID,
		UserName:    u.Name,
		Principal: policy.Principal{
			Type:     policy.PrincipalUser,
			ARN:      u.ARN,
			Account:  u.Account,
			UniqueID: u.ID,
			Tags:     iam.Tags(u.Tags),
		},
	}
}

// sessionCaller builds the caller of an STS session, with its session
// policies resolved.
func (k *Keys) sessionCaller(s *sts.Session) *service.Caller {
	if s.UserSession() {
		return userSessionCaller(s)
	}
	c := &service.Caller{
		Issued:            s.Issued,
		AccessKeyID:       s.AccessKeyID,
		RoleName:          s.RoleName,
		SessionName:       s.SessionName,
		SourceIdentity:    s.SourceIdentity,
		TransitiveTagKeys: s.TransitiveTagKeys,
		Chained:           s.Chained,
		Expires:           s.Expires,
		Principal: policy.Principal{
			Type:     policy.PrincipalAssumedRole,
			ARN:      s.ARN(),
			Account:  s.Account,
			RoleARN:  s.RoleARN,
			UniqueID: s.UniqueID(),
			Tags:     s.Tags,
		},
	}
	if p := s.InlinePolicy(); p != nil {
		c.SessionPolicies = append(c.SessionPolicies, policy.Named{Name: "session policy", Policy: p})
	}
	for _, arn := range s.PolicyArns {
		if n, err := k.Users.ManagedPolicy(s.Account, arn); err == nil {
			c.SessionPolicies = append(c.SessionPolicies, n)
		}
	}
	if (s.Policy != "" || len(s.PolicyArns) > 0) && len(c.SessionPolicies) == 0 {
		// The session was limited by policies that no longer resolve:
		// nothing is allowed rather than everything.
		c.SessionPolicies = []policy.Named{{Name: "session policy", Policy: denyAll}}
	}
	return c
}

// denyAll is the session policy of a session whose policies are gone.
var denyAll = mustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`, policy.KindSession)

func mustParse(doc string, kind policy.Kind) *policy.Policy {
	p, err := policy.Parse(doc, kind)
	if err != nil {
		panic(err)
	}
	return p
}

// userSessionCaller is the caller of a GetSessionToken session: the IAM
// user (or root user) that asked for it, with its current policies and
// tags, signing with temporary credentials.
func userSessionCaller(s *sts.Session) *service.Caller {
	if s.UserName == "" {
		c := RootCaller(s.Account)
		c.AccessKeyID, c.Expires, c.Issued, c.UserSession = s.AccessKeyID, s.Expires, s.Issued, true
		return c
	}
	return &service.Caller{
		AccessKeyID: s.AccessKeyID,
		UserName:    s.UserName,
		Expires:     s.Expires,
		Issued:      s.Issued,
		UserSession: true,
		Principal: policy.Principal{
			Type:     policy.PrincipalUser,
			ARN:      s.UserARN,
			Account:  s.Account,
			UniqueID: s.UserID,
			Tags:     s.Tags,
		},
	}
}
