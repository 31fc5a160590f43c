// This file holds GetCallerIdentity and GetAccessKeyInfo.

package sts

import (
	"context"

	"github.com/xacct/xacct/emulator/service"
)

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
