package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/iam"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulator/sigv4"
	"github.com/xacct/xacct/emulator/sts"
	"github.com/xacct/xacct/policy"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// fakeIAM holds one user with one access key and no managed policies.
type fakeIAM struct{}

const userKey = "AKIAUSERKEY000000001"

func (fakeIAM) LookupAccessKey(id string) (iam.AccessKeyOwner, bool) {
	if id != userKey {
		return iam.AccessKeyOwner{}, false
	}
	return iam.AccessKeyOwner{
		Key:  iam.AccessKey{ID: id, Secret: "user-secret", Account: "111111111111", UserName: "alice", Status: "Active"},
		User: iam.User{Account: "111111111111", Name: "alice", ID: "AIDAALICE", ARN: "arn:aws:iam::111111111111:user/alice"},
	}, true
}

func (fakeIAM) ManagedPolicy(acct, arn string) (policy.Named, error) {
	return policy.Named{}, errors.New("no such policy")
}

func (fakeIAM) UserPolicies(acct, name string) ([]policy.Named, *policy.Named) {
	p, err := policy.Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`, policy.KindIdentity)
	if err != nil {
		panic(err)
	}
	return []policy.Named{{Name: "read", Policy: p}}, nil
}

func (fakeIAM) RolePolicies(acct, name string) ([]policy.Named, *policy.Named) { return nil, nil }

// fakeSTS holds sessions by access key id.
type fakeSTS map[string]*sts.Session

func (f fakeSTS) Session(id string) (*sts.Session, bool) {
	s, ok := f[id]
	return s, ok
}

func testKeys() *Keys {
	return &Keys{Users: fakeIAM{}, Sessions: fakeSTS{
		// A GetSessionToken session of alice.
		"ASIAUSERSESSION00001": {AccessKeyID: "ASIAUSERSESSION00001", SecretAccessKey: "us-secret", SessionToken: "us-token",
			Expires: t0.Add(time.Hour), Account: "111111111111", UserName: "alice",
			UserARN: "arn:aws:iam::111111111111:user/alice", UserID: "AIDAALICE", Issued: t0},
		// A role session limited by a managed policy that is gone.
		"ASIAROLESESSION00001": {AccessKeyID: "ASIAROLESESSION00001", SecretAccessKey: "rs-secret", SessionToken: "rs-token",
			Expires: t0.Add(time.Hour), Account: "111111111111", RoleName: "r", RoleARN: "arn:aws:iam::111111111111:role/r",
			RoleID: "AROAR", SessionName: "s", PolicyArns: []string{"arn:aws:iam::111111111111:policy/gone"}, Issued: t0},
	}}
}

func TestKeysLookup(t *testing.T) {
	k := testKeys()
	tests := []struct {
		name, id, secret, arn string
		err                   error
	}{
		{"root", "222222222222", RootSecret, "arn:aws:iam::222222222222:root", nil},
		{"user key", userKey, "user-secret", "arn:aws:iam::111111111111:user/alice", nil},
		{"user session", "ASIAUSERSESSION00001", "us-secret", "arn:aws:iam::111111111111:user/alice", nil},
		{"role session", "ASIAROLESESSION00001", "rs-secret", "arn:aws:sts::111111111111:assumed-role/r/s", nil},
		{"unknown user key", "AKIAOTHER0000000000", "", "", ErrUnknownKey},
		{"unknown session", "ASIAOTHER0000000000", "", "", ErrUnknownKey},
		{"not a key", "11111111111", "", "", ErrUnknownKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := k.Lookup(tc.id)
			if !errors.Is(err, tc.err) {
				t.Fatalf("got error %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if c.Secret != tc.secret || c.Caller.ARN() != tc.arn {
				t.Errorf("got secret %q caller %s, want %q %s", c.Secret, c.Caller.ARN(), tc.secret, tc.arn)
			}
		})
	}
	c, _ := k.Lookup("ASIAROLESESSION00001")
	if len(c.Caller.SessionPolicies) != 1 || c.Caller.SessionPolicies[0].Policy.Statements()[0].Effect != "Deny" {
		t.Errorf("a session whose managed session policy is gone: got session policies %+v, want one denying everything", c.Caller.SessionPolicies)
	}
}

// signed returns a request for svc signed at t0 with the credentials.
func signed(t *testing.T, svc string, creds aws.Credentials) *http.Request {
	t.Helper()
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	r := httptest.NewRequest("POST", "http://127.0.0.1:4566/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(h[:]), svc, "us-east-1", t0); err != nil {
		t.Fatal(err)
	}
	return r
}

func testAuthenticator() *Authenticator {
	return NewAuthenticator(testKeys(), AuthenticatorOptions{
		Now: func() time.Time { return t0 },
		Flavor: func(svc string) sigv4.Flavor {
			if svc == "s3" {
				return sigv4.FlavorS3
			}
			return sigv4.FlavorQuery
		},
		Anonymous: func(svc string) bool { return svc == "s3" },
	})
}

func TestAuthenticate(t *testing.T) {
	a := testAuthenticator()
	user := aws.Credentials{AccessKeyID: userKey, SecretAccessKey: "user-secret"}
	userSession := aws.Credentials{AccessKeyID: "ASIAUSERSESSION00001", SecretAccessKey: "us-secret", SessionToken: "us-token"}
	tests := []struct {
		name, svc string
		req       func(t *testing.T) *http.Request
		arn, code string
	}{
		{"user key", "sts", func(t *testing.T) *http.Request { return signed(t, "sts", user) }, "arn:aws:iam::111111111111:user/alice", ""},
		{"wrong secret", "sts", func(t *testing.T) *http.Request {
			return signed(t, "sts", aws.Credentials{AccessKeyID: userKey, SecretAccessKey: "nope"})
		}, "anonymous", "SignatureDoesNotMatch"},
		{"user session calls STS", "sts", func(t *testing.T) *http.Request { return signed(t, "sts", userSession) }, "arn:aws:iam::111111111111:user/alice", ""},
		// IAM User Guide, "Comparing the AWS STS API operations":
		// GetSessionToken credentials without MFA cannot call IAM.
		{"user session calls IAM", "iam", func(t *testing.T) *http.Request { return signed(t, "iam", userSession) }, "arn:aws:iam::111111111111:user/alice", "InvalidClientTokenId"},
		{"user key calls IAM", "iam", func(t *testing.T) *http.Request { return signed(t, "iam", user) }, "arn:aws:iam::111111111111:user/alice", ""},
		{"unsigned for S3", "s3", func(t *testing.T) *http.Request { return httptest.NewRequest("GET", "http://127.0.0.1:4566/b/k", nil) }, "anonymous", ""},
		{"unsigned for STS", "sts", func(t *testing.T) *http.Request {
			return httptest.NewRequest("GET", "http://127.0.0.1:4566/?Action=GetCallerIdentity", nil)
		}, "anonymous", "MissingAuthenticationToken"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			call := &service.Call{Service: tc.svc}
			caller, _, err := a.Authenticate(tc.req(t), call)
			if got := code(err); got != tc.code {
				t.Errorf("got error %v, want code %q", err, tc.code)
			}
			if caller.ARN() != tc.arn {
				t.Errorf("got caller %s, want %s", caller.ARN(), tc.arn)
			}
		})
	}
}

func code(err error) string {
	if err == nil {
		return ""
	}
	var e *awserr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return err.Error()
}

// recorder keeps what it is shown.
type recorder struct {
	mu   sync.Mutex
	seen []policy.Decision
	chks []service.Check
}

func (r *recorder) Record(_ *service.Call, chk service.Check, d policy.Decision, _ string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, d)
	r.chks = append(r.chks, chk)
}

func TestRecorderSeesEveryDecision(t *testing.T) {
	rec := &recorder{}
	a := &Authorizer{Policies: fakeIAM{}, Recorder: rec}
	user, err := testKeys().CallerFor(userKey)
	if err != nil {
		t.Fatal(err)
	}
	call := &service.Call{Caller: user, Time: t0, Region: "us-east-1"}
	allow := a.Decide(context.Background(), call, service.Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: "111111111111"})
	deny := a.Decide(context.Background(), call, service.Check{Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: "111111111111"})
	root := a.Decide(context.Background(), &service.Call{Caller: RootCaller("111111111111"), Time: t0},
		service.Check{Action: "iam:CreateRole", Resource: "*", ResourceAccount: "111111111111"})
	if !allow.Allowed() || deny.Allowed() || !root.Allowed() {
		t.Fatalf("got allowed %v, %v, %v; want true, false, true", allow.Allowed(), deny.Allowed(), root.Allowed())
	}
	if len(rec.seen) != 3 {
		t.Fatalf("recorder saw %d decisions, want 3", len(rec.seen))
	}
	for i, want := range []policy.Decision{allow, deny, root} {
		if rec.seen[i].Allowed() != want.Allowed() {
			t.Errorf("decision %d: recorder saw allowed %v, Decide returned %v", i, rec.seen[i].Allowed(), want.Allowed())
		}
	}
	if rec.chks[1].Action != "s3:PutObject" {
		t.Errorf("recorder saw check %+v, want the s3:PutObject one", rec.chks[1])
	}
	// Off by default.
	if d := (&Authorizer{Policies: fakeIAM{}}).Decide(context.Background(), call, service.Check{Action: "s3:GetObject", Resource: "*"}); !d.Allowed() {
		t.Errorf("without a recorder: got %v, want allowed", d)
	}
}
