package kms

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/xacct/xacct/emulator/protocol/awsjson"
	"github.com/xacct/xacct/emulator/service"
)

// SigningName is the SigV4 signing name of AWS KMS requests.
const SigningName = "kms"

// Options configures the service.
type Options struct {
	// Now is the clock; time.Now when nil. Keys scheduled for deletion
	// are deleted when it passes their deletion date.
	Now func() time.Time
	// DataDir, when set, keeps keys (their material included), aliases
	// and grants under DataDir/kms.
	DataDir string
	// Log receives what the service could not save; nil discards.
	Log *slog.Logger
}

// Service is the emulated AWS KMS.
type Service struct {
	now   func() time.Time
	store *store
}

// New returns the service, reading DataDir/kms when DataDir is set.
func New(opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	st, err := newStore(opts.DataDir, opts.Log)
	if err != nil {
		return nil, fmt.Errorf("kms: %w", err)
	}
	return &Service{now: opts.Now, store: st}, nil
}

// Close releases the service's resources; its state file is written
// after every change, so there is nothing to flush.
func (s *Service) Close() error { return nil }

// op registers an operation. Every KMS operation authorizes inside Run:
// the decision depends on the key's policy and grants, read from the
// store (docs/architecture.md, "The service.Op table entry").
func op[I, O any](m *awsjson.Mux, name string, run func(context.Context, *I) (*O, error)) {
	awsjson.Register(m, service.Op[I, O]{Name: name, Run: run})
}

// Mux returns the operation table: the JSON 1.1 protocol with the
// X-Amz-Target prefix TrentService (AWS KMS API Reference, "Common
// Parameters").
func (s *Service) Mux() *awsjson.Mux {
	m := awsjson.NewMux("TrentService", "application/x-amz-json-1.1")
	op(m, "CreateKey", s.CreateKey)
	op(m, "DescribeKey", s.DescribeKey)
	op(m, "ListKeys", s.ListKeys)
	op(m, "EnableKey", s.EnableKey)
	op(m, "DisableKey", s.DisableKey)
	op(m, "ScheduleKeyDeletion", s.ScheduleKeyDeletion)
	op(m, "CancelKeyDeletion", s.CancelKeyDeletion)
	op(m, "GetKeyPolicy", s.GetKeyPolicy)
	op(m, "PutKeyPolicy", s.PutKeyPolicy)
	op(m, "ListKeyPolicies", s.ListKeyPolicies)
	op(m, "EnableKeyRotation", s.EnableKeyRotation)
	op(m, "DisableKeyRotation", s.DisableKeyRotation)
	op(m, "GetKeyRotationStatus", s.GetKeyRotationStatus)
	op(m, "UpdateKeyDescription", s.UpdateKeyDescription)
	op(m, "CreateAlias", s.CreateAlias)
	op(m, "UpdateAlias", s.UpdateAlias)
	op(m, "DeleteAlias", s.DeleteAlias)
	op(m, "ListAliases", s.ListAliases)
	op(m, "Encrypt", s.Encrypt)
	op(m, "Decrypt", s.Decrypt)
	op(m, "GenerateDataKey", s.GenerateDataKey)
	op(m, "GenerateDataKeyWithoutPlaintext", s.GenerateDataKeyWithoutPlaintext)
	op(m, "ReEncrypt", s.ReEncrypt)
	op(m, "CreateGrant", s.CreateGrant)
	op(m, "ListGrants", s.ListGrants)
	op(m, "RetireGrant", s.RetireGrant)
	op(m, "RevokeGrant", s.RevokeGrant)
	op(m, "TagResource", s.TagResource)
	op(m, "UntagResource", s.UntagResource)
	op(m, "ListResourceTags", s.ListResourceTags)
	return m
}
