// Package sts is the emulated AWS Security Token Service: AssumeRole
// authorized by the caller's identity policies and the role's trust policy,
// GetSessionToken, GetCallerIdentity, and the temporary credentials it
// issues.
package sts

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/iam"
	"github.com/xacct/xacct/emulator/protocol/query"
	"github.com/xacct/xacct/emulator/service"
)

// Namespace is the XML namespace of STS responses.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// Options configures the STS service.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// DataDir, when set, journals issued sessions under DataDir/sts.
	DataDir string
	// Log receives what opening the data directory recovered or dropped;
	// nil discards.
	Log *slog.Logger
}

// Service is the emulated STS.
type Service struct {
	iam      *iam.Service
	now      func() time.Time
	sessions *sessions
}

// New returns the STS service issuing sessions for roles held by iamSvc.
func New(iamSvc *iam.Service, opts Options) (*Service, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	ss, err := newSessions(opts.DataDir, now(), opts.Log)
	if err != nil {
		return nil, err
	}
	return &Service{iam: iamSvc, now: now, sessions: ss}, nil
}

// Close releases the session journal.
func (s *Service) Close() error { return s.sessions.close() }

// Session returns the session issued with this access key id.
func (s *Service) Session(accessKeyID string) (*Session, bool) {
	return s.sessions.get(accessKeyID)
}

// Tag is a session tag.
type Tag struct {
	Key   string
	Value string
}

// PolicyDescriptor names a managed session policy.
type PolicyDescriptor struct {
	Arn string `query:"name=arn"`
}

// AssumeRoleIn is AssumeRole's input.
type AssumeRoleIn struct {
	RoleArn           string
	RoleSessionName   string
	DurationSeconds   *int32
	ExternalId        *string
	Policy            *string
	PolicyArns        []PolicyDescriptor
	Tags              []Tag
	TransitiveTagKeys []string
	SourceIdentity    *string
	SerialNumber      string
	TokenCode         string
}

// Credentials is the Credentials shape.
type Credentials struct {
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// AssumedRoleUser is the AssumedRoleUser shape.
type AssumedRoleUser struct {
	AssumedRoleId string
	Arn           string
}

// AssumeRoleOut is AssumeRole's output.
type AssumeRoleOut struct {
	Credentials      Credentials
	AssumedRoleUser  AssumedRoleUser
	PackedPolicySize *int32
	SourceIdentity   string
}

// GetCallerIdentityIn is GetCallerIdentity's (empty) input.
type GetCallerIdentityIn struct{}

// GetCallerIdentityOut is GetCallerIdentity's output.
type GetCallerIdentityOut struct {
	UserId  string
	Account string
	Arn     string
}

// GetAccessKeyInfoIn is GetAccessKeyInfo's input.
type GetAccessKeyInfoIn struct{ AccessKeyId string }

// GetAccessKeyInfoOut is GetAccessKeyInfo's output.
type GetAccessKeyInfoOut struct{ Account string }

// Mux returns STS's operation table.
func (s *Service) Mux() *query.Mux {
	m := query.NewMux(Namespace)
	query.Register(m, service.Op[AssumeRoleIn, AssumeRoleOut]{Name: "AssumeRole", Run: s.AssumeRole})
	query.Register(m, service.Op[GetCallerIdentityIn, GetCallerIdentityOut]{Name: "GetCallerIdentity", Run: s.GetCallerIdentity})
	// GetSessionToken needs no permission (IAM User Guide, "Permissions
	// for GetSessionToken").
	query.Register(m, service.Op[GetSessionTokenIn, GetSessionTokenOut]{Name: "GetSessionToken", Run: s.GetSessionToken})
	query.Register(m, service.Op[GetAccessKeyInfoIn, GetAccessKeyInfoOut]{Name: "GetAccessKeyInfo", Run: s.GetAccessKeyInfo,
		Check: func(c *service.Call, in *GetAccessKeyInfoIn) service.Check {
			return service.Check{Action: "sts:GetAccessKeyInfo", Resource: "*"}
		}})
	return m
}

// GetCallerIdentity returns who the caller is. No permission is needed:
// it succeeds even when an explicit deny covers sts:GetCallerIdentity (STS
// API Reference, GetCallerIdentity).
func (s *Service) GetCallerIdentity(ctx context.Context, _ *GetCallerIdentityIn) (*GetCallerIdentityOut, error) {
	c := service.FromContext(ctx).Caller
	return &GetCallerIdentityOut{UserId: c.Principal.UniqueID, Account: c.Account(), Arn: c.Principal.ARN}, nil
}

// GetAccessKeyInfo returns the account that owns an access key.
func (s *Service) GetAccessKeyInfo(ctx context.Context, in *GetAccessKeyInfoIn) (*GetAccessKeyInfoOut, error) {
	id := in.AccessKeyId
	if len(id) == 12 && isDigits(id) {
		return &GetAccessKeyInfoOut{Account: id}, nil
	}
	if o, ok := s.iam.LookupAccessKey(id); ok {
		return &GetAccessKeyInfoOut{Account: o.Key.Account}, nil
	}
	if sess, ok := s.sessions.get(id); ok {
		return &GetAccessKeyInfoOut{Account: sess.Account}, nil
	}
	return nil, validationError("accessKeyId", id, "satisfy constraint: the access key must exist")
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func validationError(member, value, constraint string) error {
	return awserr.New(http.StatusBadRequest, "ValidationError",
		"1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must %s", value, member, constraint)
}

// checkChars reports whether every byte of v is a word character or in extra.
func checkChars(v, extra string) bool {
	for _, r := range v {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || strings.ContainsRune(extra, r))) {
			return false
		}
	}
	return true
}

// denied is STS's AccessDenied for AssumeRole (STS API Reference, AssumeRole
// errors; the message names the caller and the role).
func denied(callerARN, roleARN string) *awserr.Error {
	return awserr.AccessDenied("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", callerARN, roleARN)
}

// packedSize is the packed size of session policies and tags as a
// percentage of STS's limit (STS API Reference, AssumeRole:
// PackedPolicySize). The limit is an approximation of AWS's compressed
// binary format: 2,048 characters of policy text without whitespace.
func packedSize(policyText string, arns []string, tags []Tag) int32 {
	n := 0
	for _, r := range policyText {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	for _, a := range arns {
		n += len(a)
	}
	for _, t := range tags {
		n += len(t.Key) + len(t.Value)
	}
	// Rounded up: anything packed uses at least 1%.
	return int32((n*100 + 2047) / 2048)
}

// roleFromARN splits arn:PARTITION:iam::ACCOUNT:role/PATH/NAME.
func roleFromARN(arn string) (acct, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
		return "", "", false
	}
	if len(parts[4]) != 12 || !isDigits(parts[4]) {
		return "", "", false
	}
	res := parts[5]
	name = res[strings.LastIndexByte(res, '/')+1:]
	return parts[4], name, name != ""
}
