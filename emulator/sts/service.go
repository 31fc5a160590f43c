package sts

import (
	"log/slog"
	"time"

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
