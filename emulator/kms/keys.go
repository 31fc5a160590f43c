// This file holds the key operations: create, describe, list, enable and
// disable, deletion, key policies, rotation, description; and the AWS
// managed keys (aws/s3, ...).

package kms

import (
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/internal/paging"
	"github.com/xacct/xacct/policy"
	"github.com/xacct/xacct/policy/awsmanaged"
)

// DefaultKeyPolicy is the key policy AWS KMS gives a key created without
// one (awsmanaged.DefaultKeyPolicy: the account root, kms:*, which
// delegates the key to the account's IAM policies).
func DefaultKeyPolicy(acct string) string { return awsmanaged.DefaultKeyPolicy(acct) }

// managedServices are the services whose AWS managed key the emulator
// creates on first use of their predefined alias (alias/aws/SERVICE).
var managedServices = map[string]bool{"s3": true, "lambda": true, "sns": true, "logs": true, "ebs": true,
	"rds": true, "sqs": true, "ssm": true, "secretsmanager": true, "dynamodb": true}

// managedService returns SERVICE for a predefined alias alias/aws/SERVICE.
func managedService(aliasName string) string {
	svc, ok := strings.CutPrefix(aliasName, "alias/aws/")
	if !ok || !managedServices[svc] {
		return ""
	}
	return svc
}

// managedKeyPolicy is the key policy of an AWS managed key: principals of
// the account may use it only through the service (kms:ViaService) and
// only from the account (kms:CallerAccount); the account may read its
// metadata. This is what makes an AWS managed key unusable from another
// account (AWS KMS Developer Guide, "AWS managed keys": "you cannot ...
// use them in cryptographic operations directly"; "Allowing users in
// other accounts to use a KMS key": AWS managed keys cannot be shared).
func managedKeyPolicy(acct, region, svc string) string {
	return `{
  "Version" : "2012-10-17",
  "Id" : "auto-` + svc + `-2",
  "Statement" : [ {
    "Sid" : "Allow access through ` + svc + ` for all principals in the account that are authorized to use ` + svc + `",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "*"
    },
    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey" ],
    "Resource" : "*",
    "Condition" : {
      "StringEquals" : {
        "kms:CallerAccount" : "` + acct + `",
        "kms:ViaService" : "` + svc + `.` + region + `.amazonaws.com"
      }
    }
  }, {
    "Sid" : "Allow direct access to key metadata to the account",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::` + acct + `:root"
    },
    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*" ],
    "Resource" : "*"
  } ]
}`
}

func newKeyID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func newMaterial() []byte {
	m := make([]byte, 32)
	rand.Read(m)
	return m
}

// createManaged creates the AWS managed key of a predefined alias in
// acct/region, unless another request just did.
func (s *Service) createManaged(acct, region, aliasName string) error {
	svc := managedService(aliasName)
	now := s.now()
	return s.store.write(now, func(st *state) error {
		if st.Aliases[aliasKey(acct, region, aliasName)] != nil {
			return nil
		}
		text := managedKeyPolicy(acct, region, svc)
		p, err := policy.Parse(text, policy.KindKey)
		if err != nil {
			return err
		}
		k := &key{ID: newKeyID(), Account: acct, Region: region, Created: now, State: stateEnabled, Policy: text, parsed: p,
			Manager: "AWS", ManagedAlias: aliasName, Rotation: true, Material: newMaterial(),
			Description: "Default key that protects my " + svc + " resources when no other key is defined"}
		st.Keys[k.ID] = k
		st.Aliases[aliasKey(acct, region, aliasName)] = &alias{Name: aliasName, Account: acct, Region: region, Target: k.ID, Created: now, Updated: now}
		return nil
	})
}

// parseKeyPolicy validates a key policy and, unless bypass, the policy
// lockout safety check: the caller must still be allowed PutKeyPolicy by
// it (AWS KMS API Reference, CreateKey: BypassPolicyLockoutSafetyCheck).
// Identity-based policies are assumed to allow where the policy delegates
// to the account.
func parseKeyPolicy(ctx context.Context, text string, bypass bool) (*policy.Policy, error) {
	if len(text) > 32768 {
		return nil, errValidation("1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 32768")
	}
	p, err := policy.Parse(text, policy.KindKey)
	if err != nil {
		return nil, errMalformedPolicy("%s", policyMessage(err))
	}
	if bypass {
		return p, nil
	}
	call := callOf(ctx)
	if call.Caller == nil {
		return p, nil
	}
	req := policy.Request{Action: "kms:PutKeyPolicy", Resource: "*", Principal: call.Caller.Principal, ResourceAccount: call.Caller.Account()}
	allowAll, _ := policy.Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, policy.KindIdentity)
	d := policy.Evaluate(&req, &policy.Set{Identity: []policy.Named{{Name: "identity", Policy: allowAll}}, Resource: &policy.Named{Name: "key policy", Policy: p}})
	if !d.Allowed() {
		return nil, errMalformedPolicy("The new key policy will not allow you to update the key policy in the future.")
	}
	return p, nil
}

func policyMessage(err error) string {
	if e, ok := err.(*policy.Error); ok {
		return e.Message
	}
	return err.Error()
}

// CreateKey creates a symmetric encryption key (SYMMETRIC_DEFAULT,
// AES-256-GCM), with the default key policy when none is given.
func (s *Service) CreateKey(ctx context.Context, in *CreateKeyIn) (*KeyMetadataOut, error) {
	spec := in.KeySpec
	if spec == "" {
		spec = in.CustomerMasterKeySpec
	}
	if spec == "" {
		spec = "SYMMETRIC_DEFAULT"
	}
	usage := in.KeyUsage
	if usage == "" {
		usage = "ENCRYPT_DECRYPT"
	}
	origin := in.Origin
	if origin == "" {
		origin = "AWS_KMS"
	}
	if err := s.authorizeAccount(ctx, "kms:CreateKey", map[string][]string{
		"kms:KeySpec": {spec}, "kms:KeyUsage": {usage}, "kms:KeyOrigin": {origin}, "kms:MultiRegion": {strconv.FormatBool(in.MultiRegion)},
	}); err != nil {
		return nil, err
	}
	if spec != "SYMMETRIC_DEFAULT" || usage != "ENCRYPT_DECRYPT" || origin != "AWS_KMS" || in.MultiRegion {
		return nil, errUnsupported("the emulator creates only single-Region SYMMETRIC_DEFAULT keys for ENCRYPT_DECRYPT with origin AWS_KMS (got KeySpec %s, KeyUsage %s, Origin %s, MultiRegion %t)", spec, usage, origin, in.MultiRegion)
	}
	if len(in.Description) > 8192 {
		return nil, errValidation("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192")
	}
	call := callOf(ctx)
	acct, region := call.Caller.Account(), call.Region
	text := in.Policy
	if text == "" {
		text = DefaultKeyPolicy(acct)
	}
	p, err := parseKeyPolicy(ctx, text, in.BypassPolicyLockoutSafetyCheck || in.Policy == "")
	if err != nil {
		return nil, err
	}
	tags, err := tagMap(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	now := s.now()
	k := &key{ID: newKeyID(), Account: acct, Region: region, Description: in.Description, Created: now, State: stateEnabled,
		Policy: text, parsed: p, Manager: "CUSTOMER", Tags: tags, Material: newMaterial()}
	if err := s.store.write(now, func(st *state) error {
		st.Keys[k.ID] = k
		return nil
	}); err != nil {
		return nil, err
	}
	return &KeyMetadataOut{KeyMetadata: metadata(k)}, nil
}

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func metadata(k *key) KeyMetadata {
	m := KeyMetadata{AWSAccountId: k.Account, KeyId: k.ID, Arn: k.arn(), CreationDate: epoch(k.Created),
		Enabled: k.State == stateEnabled, Description: k.Description, KeyUsage: "ENCRYPT_DECRYPT", KeyState: k.State,
		Origin: "AWS_KMS", KeyManager: k.Manager, CustomerMasterKeySpec: "SYMMETRIC_DEFAULT", KeySpec: "SYMMETRIC_DEFAULT",
		EncryptionAlgorithms: []string{"SYMMETRIC_DEFAULT"}}
	if k.State == statePendingDeletion {
		d := epoch(k.DeletionDate)
		m.DeletionDate = &d
	}
	return m
}

// DescribeKey describes a key. Describing a predefined alias of an AWS
// managed key (alias/aws/s3) that has no key yet creates the key (AWS KMS
// API Reference, DescribeKey: "If you call the DescribeKey operation on a
// predefined AWS alias ... AWS KMS creates an AWS managed key").
func (s *Service) DescribeKey(ctx context.Context, in *KeyIDIn) (*KeyMetadataOut, error) {
	t, err := s.resolve(ctx, "DescribeKey", in.KeyId, true)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, "kms:DescribeKey", nil, nil); err != nil {
		return nil, err
	}
	return &KeyMetadataOut{KeyMetadata: metadata(t.k)}, nil
}

// pageOf reads a Limit/Marker pair (1–1000, default 100).
func pageOf(limit int, marker string) (start, size int, err error) {
	if limit < 0 || limit > 1000 {
		return 0, 0, errValidation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000", limit)
	}
	if limit == 0 {
		limit = 100
	}
	start, ok := paging.Offset(marker)
	if !ok {
		return 0, 0, errInvalidMarker()
	}
	return start, limit, nil
}

// ListKeys lists the keys of the caller's account and region.
func (s *Service) ListKeys(ctx context.Context, in *ListIn) (*ListKeysOut, error) {
	if err := s.authorizeAccount(ctx, "kms:ListKeys", nil); err != nil {
		return nil, err
	}
	start, size, err := pageOf(in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	call := callOf(ctx)
	acct, region := call.Caller.Account(), call.Region
	out := &ListKeysOut{Keys: []KeyListEntry{}}
	err = s.store.read(s.now(), func(st *state) error {
		var all []KeyListEntry
		for _, k := range st.Keys {
			if k.Account == acct && k.Region == region {
				all = append(all, KeyListEntry{KeyId: k.ID, KeyArn: k.arn()})
			}
		}
		sortBy(all, func(e KeyListEntry) string { return e.KeyId })
		page, next := paging.Page(all, start, size)
		out.Keys = append(out.Keys, page...)
		out.NextMarker, out.Truncated = next, next != ""
		return nil
	})
	return out, err
}

// change resolves ref for operation opName, authorizes action and runs
// fn on the stored key under the write lock.
func (s *Service) change(ctx context.Context, opName, ref, action string, fn func(k *key) error) (*key, error) {
	return s.changeWith(ctx, opName, ref, action, nil, fn)
}

// changeWith is change with extra condition keys.
func (s *Service) changeWith(ctx context.Context, opName, ref, action string, extra map[string][]string, fn func(k *key) error) (*key, error) {
	t, err := s.resolve(ctx, opName, ref, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, action, nil, extra); err != nil {
		return nil, err
	}
	var out *key
	err = s.store.write(s.now(), func(st *state) error {
		k := st.Keys[t.k.ID]
		if k == nil {
			return errKeyNotFound(t.k.arn())
		}
		if err := fn(k); err != nil {
			return err
		}
		out = k.clone()
		return nil
	})
	return out, err
}

// EnableKey sets a disabled key's state to Enabled.
func (s *Service) EnableKey(ctx context.Context, in *KeyIDIn) (*struct{}, error) {
	_, err := s.change(ctx, "EnableKey", in.KeyId, "kms:EnableKey", func(k *key) error {
		if k.State == statePendingDeletion {
			return errPendingDeletion(k.arn())
		}
		k.State = stateEnabled
		return nil
	})
	return nil, err
}

// DisableKey sets a key's state to Disabled: cryptographic operations
// with it are refused with DisabledException.
func (s *Service) DisableKey(ctx context.Context, in *KeyIDIn) (*struct{}, error) {
	_, err := s.change(ctx, "DisableKey", in.KeyId, "kms:DisableKey", func(k *key) error {
		if k.State == statePendingDeletion {
			return errPendingDeletion(k.arn())
		}
		k.State = stateDisabled
		return nil
	})
	return nil, err
}

// ScheduleKeyDeletion puts a key in PendingDeletion for 7–30 days (30 by
// default); when the emulator's clock passes the deletion date the key,
// its aliases and grants are deleted (AWS KMS API Reference,
// ScheduleKeyDeletion: PendingWindowInDays).
func (s *Service) ScheduleKeyDeletion(ctx context.Context, in *ScheduleDeletionIn) (*ScheduleDeletionOut, error) {
	days := 30
	if in.PendingWindowInDays != nil {
		days = *in.PendingWindowInDays
		if days < 7 {
			return nil, errValidation("1 validation error detected: Value '%d' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 7", days)
		}
		if days > 30 {
			return nil, errValidation("1 validation error detected: Value '%d' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 30", days)
		}
	}
	now := s.now()
	k, err := s.change(ctx, "ScheduleKeyDeletion", in.KeyId, "kms:ScheduleKeyDeletion", func(k *key) error {
		if k.State == statePendingDeletion {
			return errPendingDeletion(k.arn())
		}
		k.State = statePendingDeletion
		k.DeletionDate = now.Add(time.Duration(days) * 24 * time.Hour)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ScheduleDeletionOut{KeyId: k.arn(), DeletionDate: epoch(k.DeletionDate), KeyState: k.State, PendingWindowInDays: days}, nil
}

// CancelKeyDeletion takes a key out of PendingDeletion; it is Disabled,
// as AWS leaves it (AWS KMS API Reference, CancelKeyDeletion: "the KMS key
// is in the Disabled state").
func (s *Service) CancelKeyDeletion(ctx context.Context, in *KeyIDIn) (*KeyIDOut, error) {
	k, err := s.change(ctx, "CancelKeyDeletion", in.KeyId, "kms:CancelKeyDeletion", func(k *key) error {
		if k.State != statePendingDeletion {
			return errNotPendingDeletion(k.arn())
		}
		k.State, k.DeletionDate = stateDisabled, time.Time{}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &KeyIDOut{KeyId: k.arn()}, nil
}

func checkPolicyName(name string) error {
	if name != "" && name != "default" {
		return kmsErr("NotFoundException", "No such policy exists")
	}
	return nil
}

// GetKeyPolicy returns the key policy ("default", the only name).
func (s *Service) GetKeyPolicy(ctx context.Context, in *KeyPolicyIn) (*GetKeyPolicyOut, error) {
	t, err := s.resolve(ctx, "GetKeyPolicy", in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, "kms:GetKeyPolicy", nil, nil); err != nil {
		return nil, err
	}
	if err := checkPolicyName(in.PolicyName); err != nil {
		return nil, err
	}
	return &GetKeyPolicyOut{Policy: t.k.Policy, PolicyName: "default"}, nil
}

// ListKeyPolicies returns the key's policy names: "default".
func (s *Service) ListKeyPolicies(ctx context.Context, in *ListIn) (*struct {
	PolicyNames []string `json:"PolicyNames"`
	Truncated   bool     `json:"Truncated"`
}, error) {
	t, err := s.resolve(ctx, "ListKeyPolicies", in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, "kms:ListKeyPolicies", nil, nil); err != nil {
		return nil, err
	}
	return &struct {
		PolicyNames []string `json:"PolicyNames"`
		Truncated   bool     `json:"Truncated"`
	}{PolicyNames: []string{"default"}}, nil
}

// PutKeyPolicy replaces the key policy, after the policy lockout safety
// check unless BypassPolicyLockoutSafetyCheck.
func (s *Service) PutKeyPolicy(ctx context.Context, in *KeyPolicyIn) (*struct{}, error) {
	if err := checkPolicyName(in.PolicyName); err != nil {
		return nil, err
	}
	if in.Policy == "" {
		return nil, errValidation("1 validation error detected: Value null at 'policy' failed to satisfy constraint: Member must not be null")
	}
	_, err := s.change(ctx, "PutKeyPolicy", in.KeyId, "kms:PutKeyPolicy", func(k *key) error {
		p, err := parseKeyPolicy(ctx, in.Policy, in.BypassPolicyLockoutSafetyCheck)
		if err != nil {
			return err
		}
		k.Policy, k.parsed = in.Policy, p
		return nil
	})
	return nil, err
}

// EnableKeyRotation records that the key's material rotates yearly. The
// emulator stores the setting; it does not rotate material.
func (s *Service) EnableKeyRotation(ctx context.Context, in *KeyIDIn) (*struct{}, error) {
	return nil, s.setRotation(ctx, "EnableKeyRotation", in.KeyId, true)
}

// DisableKeyRotation records that the key's material does not rotate.
func (s *Service) DisableKeyRotation(ctx context.Context, in *KeyIDIn) (*struct{}, error) {
	return nil, s.setRotation(ctx, "DisableKeyRotation", in.KeyId, false)
}

func (s *Service) setRotation(ctx context.Context, opName, ref string, on bool) error {
	_, err := s.change(ctx, opName, ref, "kms:"+opName, func(k *key) error {
		if err := usable(k); err != nil {
			return err
		}
		k.Rotation = on
		return nil
	})
	return err
}

// GetKeyRotationStatus reports the rotation setting.
func (s *Service) GetKeyRotationStatus(ctx context.Context, in *KeyIDIn) (*RotationOut, error) {
	t, err := s.resolve(ctx, "GetKeyRotationStatus", in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, "kms:GetKeyRotationStatus", nil, nil); err != nil {
		return nil, err
	}
	return &RotationOut{KeyRotationEnabled: t.k.Rotation, KeyId: t.k.arn()}, nil
}

// UpdateKeyDescription replaces the key's description.
func (s *Service) UpdateKeyDescription(ctx context.Context, in *struct{ KeyId, Description string }) (*struct{}, error) {
	_, err := s.change(ctx, "UpdateKeyDescription", in.KeyId, "kms:UpdateKeyDescription", func(k *key) error {
		if k.State == statePendingDeletion {
			return errPendingDeletion(k.arn())
		}
		k.Description = in.Description
		return nil
	})
	return nil, err
}
