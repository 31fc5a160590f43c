package sts

import (
	"context"
	"strconv"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/iam"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// Limits of GetSessionToken (STS API Reference, GetSessionToken:
// DurationSeconds).
const (
	sessionTokenMin     = 900
	sessionTokenMax     = 129600
	sessionTokenDefault = 43200
	sessionTokenRootMax = 3600
)

// GetSessionToken issues temporary credentials for the calling IAM user (or
// root user): they act as the user, with its current permissions (STS API
// Reference, GetSessionToken). Role sessions and GetSessionToken sessions
// may not call it. MFA is not modelled: SerialNumber and TokenCode are
// accepted and ignored.
func (s *Service) GetSessionToken(ctx context.Context, in *GetSessionTokenIn) (*GetSessionTokenOut, error) {
	caller := service.FromContext(ctx).Caller
	if caller.Temporary() {
		return nil, awserr.AccessDenied("Cannot call GetSessionToken with session credentials")
	}
	duration := int32(sessionTokenDefault)
	if d := in.DurationSeconds; d != nil {
		if *d < sessionTokenMin {
			return nil, validationError("durationSeconds", strconv.Itoa(int(*d)), "have value greater than or equal to 900")
		}
		if *d > sessionTokenMax {
			return nil, validationError("durationSeconds", strconv.Itoa(int(*d)), "have value less than or equal to 129600")
		}
		duration = *d
	}
	root := caller.Principal.Type == policy.PrincipalRoot
	if root && duration > sessionTokenRootMax {
		// "Sessions for AWS account owners are restricted to a maximum of
		// 3,600 seconds": longer requests get one hour.
		duration = sessionTokenRootMax
	}
	now := s.now().UTC().Truncate(time.Second)
	sess := &Session{
		AccessKeyID:     iam.NewSessionKeyID(),
		SecretAccessKey: iam.NewSecret(),
		SessionToken:    newToken(),
		Expires:         now.Add(secondsDuration(duration)),
		Issued:          now,
		Account:         caller.Account(),
		UserARN:         caller.Principal.ARN,
		UserID:          caller.Principal.UniqueID,
		Tags:            caller.Principal.Tags,
	}
	if !root {
		sess.UserName = caller.UserName
	}
	if err := s.sessions.add(sess); err != nil {
		return nil, err
	}
	return &GetSessionTokenOut{Credentials: Credentials{AccessKeyId: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: sess.SessionToken, Expiration: sess.Expires}}, nil
}
