package emulator

import (
	"errors"
	"time"

	"github.com/xacct/xacct/emulator/iam"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulator/sts"
	"github.com/xacct/xacct/policy"
)

// errUnknownKey means no credential has this access key id.
var errUnknownKey = errors.New("unknown access key id")

// credential is what an access key id stands for: the secret to verify the
// signature with, the session token the request must carry, when it
// expires, and the caller it authenticates.
type credential struct {
	secret  string
	token   string
	expires time.Time
	caller  *service.Caller
}

func isAccountID(s string) bool {
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

// lookup resolves an access key id: an account id (root, secret "test"),
// an IAM user's key, or an STS session.
func (e *Emulator) lookup(keyID string) (credential, error) {
	switch {
	case isAccountID(keyID):
		return credential{secret: RootSecret, caller: RootCaller(keyID)}, nil
	case len(keyID) > 4 && keyID[:4] == "AKIA":
		o, ok := e.iam.LookupAccessKey(keyID)
		if !ok {
			return credential{}, errUnknownKey
		}
		return credential{secret: o.Key.Secret, caller: userCaller(o)}, nil
	case len(keyID) > 4 && keyID[:4] == "ASIA":
		s, ok := e.sts.Session(keyID)
		if !ok {
			return credential{}, errUnknownKey
		}
		return credential{secret: s.SecretAccessKey, token: s.SessionToken, expires: s.Expires, caller: e.sessionCaller(s)}, nil
	}
	return credential{}, errUnknownKey
}

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
func (e *Emulator) sessionCaller(s *sts.Session) *service.Caller {
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
		if n, err := e.iam.ManagedPolicy(s.Account, arn); err == nil {
			c.SessionPolicies = append(c.SessionPolicies, n)
		}
	}
	if (s.Policy != "" || len(s.PolicyArns) > 0) && len(c.SessionPolicies) == 0 {
		// The session was limited by policies that no longer resolve:
		// nothing is allowed rather than everything.
		deny, _ := policy.Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`, policy.KindSession)
		c.SessionPolicies = []policy.Named{{Name: "session policy", Policy: deny}}
	}
	return c
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

// CallerFor returns the caller that credentials with this access key id
// authenticate, for in-process use (the Lambda runtime, tests).
func (e *Emulator) CallerFor(accessKeyID string) (*service.Caller, error) {
	c, err := e.lookup(accessKeyID)
	if err != nil {
		return nil, err
	}
	return c.caller, nil
}
