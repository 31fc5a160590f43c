// This file holds the alias operations (AWS KMS Developer Guide, "Aliases
// in AWS KMS"; AWS KMS API Reference, CreateAlias, UpdateAlias,
// DeleteAlias, ListAliases).

package kms

import (
	"context"
	"sort"
	"strings"

	"github.com/xacct/xacct/emulator/internal/paging"
	"github.com/xacct/xacct/emulator/service"
)

// checkAliasName validates a new alias name: "alias/" then letters,
// digits, '/', '_', '-', at most 256 characters, not in the reserved
// alias/aws/ namespace.
func checkAliasName(name string) error {
	if name == "" {
		return errValidation("1 validation error detected: Value null at 'aliasName' failed to satisfy constraint: Member must not be null")
	}
	if len(name) > 256 {
		return errValidation("1 validation error detected: Value '%s' at 'aliasName' failed to satisfy constraint: Member must have length less than or equal to 256", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/_-", r)) {
			return errValidation("1 validation error detected: Value '%s' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9/_-]+$", name)
		}
	}
	if !strings.HasPrefix(name, "alias/") || len(name) == len("alias/") {
		return errAliasPrefix()
	}
	if strings.HasPrefix(name, "alias/aws/") {
		return kmsErr("NotAuthorizedException", "Cannot create alias with prefix 'alias/aws/'")
	}
	return nil
}

// aliasTarget resolves a TargetKeyId: a key id or key ARN of the caller's
// account (an alias cannot point at an alias).
func (s *Service) aliasTarget(ctx context.Context, opName, ref string) (*target, error) {
	if strings.HasPrefix(ref, "alias/") || strings.Contains(ref, ":alias/") {
		return nil, errValidation("Aliases must refer to keys. Not aliases")
	}
	t, err := s.resolve(ctx, opName, ref, false)
	if err != nil {
		return nil, err
	}
	if t.k.Manager == "AWS" {
		return nil, errUnsupported("The target key %s is an AWS managed key: its alias is reserved", t.k.arn())
	}
	return t, nil
}

// authorizeAlias decides action on the alias itself: IAM policies alone
// (AWS KMS Developer Guide, "Controlling access to aliases").
func (s *Service) authorizeAlias(ctx context.Context, action, name string) error {
	call := callOf(ctx)
	arn := aliasARN(call.Region, call.Caller.Account(), name)
	call.Audit.AddResource(arn, call.Caller.Account())
	return accessDenied(service.Authorize(ctx, service.Check{Action: action, Resource: arn,
		Context: map[string][]string{"kms:CallerAccount": {call.Caller.Account()}}}))
}

// CreateAlias creates an alias for a key of the caller's account.
func (s *Service) CreateAlias(ctx context.Context, in *AliasIn) (*struct{}, error) {
	if err := checkAliasName(in.AliasName); err != nil {
		return nil, err
	}
	if err := s.authorizeAlias(ctx, "kms:CreateAlias", in.AliasName); err != nil {
		return nil, err
	}
	t, err := s.aliasTarget(ctx, "CreateAlias", in.TargetKeyId)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, "kms:CreateAlias", nil, nil); err != nil {
		return nil, err
	}
	call := callOf(ctx)
	acct, region := call.Caller.Account(), call.Region
	now := s.now()
	return nil, s.store.write(now, func(st *state) error {
		k := st.Keys[t.k.ID]
		if k == nil {
			return errKeyNotFound(t.k.arn())
		}
		if k.State == statePendingDeletion {
			return errPendingDeletion(k.arn())
		}
		ak := aliasKey(acct, region, in.AliasName)
		if st.Aliases[ak] != nil {
			return errAlreadyExists(aliasARN(region, acct, in.AliasName))
		}
		st.Aliases[ak] = &alias{Name: in.AliasName, Account: acct, Region: region, Target: k.ID, Created: now, Updated: now}
		return nil
	})
}

// UpdateAlias points an alias at another key of the caller's account.
func (s *Service) UpdateAlias(ctx context.Context, in *AliasIn) (*struct{}, error) {
	call := callOf(ctx)
	acct, region := call.Caller.Account(), call.Region
	if err := s.authorizeAlias(ctx, "kms:UpdateAlias", in.AliasName); err != nil {
		return nil, err
	}
	cur, err := s.resolve(ctx, "UpdateAlias", in.AliasName, false)
	if err != nil {
		return nil, err
	}
	if cur.k.Manager == "AWS" {
		return nil, kmsErr("NotAuthorizedException", "Cannot update alias with prefix 'alias/aws/'")
	}
	next, err := s.aliasTarget(ctx, "UpdateAlias", in.TargetKeyId)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, cur, "kms:UpdateAlias", nil, nil); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, next, "kms:UpdateAlias", nil, nil); err != nil {
		return nil, err
	}
	return nil, s.store.write(s.now(), func(st *state) error {
		a := st.Aliases[aliasKey(acct, region, in.AliasName)]
		if a == nil {
			return errAliasNotFound(aliasARN(region, acct, in.AliasName))
		}
		k := st.Keys[next.k.ID]
		if k == nil {
			return errKeyNotFound(next.k.arn())
		}
		if k.State == statePendingDeletion {
			return errPendingDeletion(k.arn())
		}
		a.Target, a.Updated = k.ID, s.now()
		return nil
	})
}

// DeleteAlias deletes an alias; its key is unchanged.
func (s *Service) DeleteAlias(ctx context.Context, in *AliasNameIn) (*struct{}, error) {
	call := callOf(ctx)
	acct, region := call.Caller.Account(), call.Region
	if !strings.HasPrefix(in.AliasName, "alias/") {
		return nil, errAliasPrefix()
	}
	if strings.HasPrefix(in.AliasName, "alias/aws/") {
		return nil, kmsErr("NotAuthorizedException", "Cannot delete alias with prefix 'alias/aws/'")
	}
	if err := s.authorizeAlias(ctx, "kms:DeleteAlias", in.AliasName); err != nil {
		return nil, err
	}
	t, err := s.resolve(ctx, "DeleteAlias", in.AliasName, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, "kms:DeleteAlias", nil, nil); err != nil {
		return nil, err
	}
	return nil, s.store.write(s.now(), func(st *state) error {
		ak := aliasKey(acct, region, in.AliasName)
		if st.Aliases[ak] == nil {
			return errAliasNotFound(aliasARN(region, acct, in.AliasName))
		}
		delete(st.Aliases, ak)
		return nil
	})
}

// ListAliases lists the aliases of the caller's account and region, or
// those of one key.
func (s *Service) ListAliases(ctx context.Context, in *ListIn) (*ListAliasesOut, error) {
	if err := s.authorizeAccount(ctx, "kms:ListAliases", nil); err != nil {
		return nil, err
	}
	start, size, err := pageOf(in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	call := callOf(ctx)
	acct, region := call.Caller.Account(), call.Region
	keyID := ""
	if in.KeyId != "" {
		if strings.HasPrefix(in.KeyId, "alias/") || strings.Contains(in.KeyId, ":alias/") {
			return nil, errInvalidKeyID(in.KeyId)
		}
		t, err := s.resolve(ctx, "ListAliases", in.KeyId, false)
		if err != nil {
			return nil, err
		}
		keyID = t.k.ID
	}
	out := &ListAliasesOut{Aliases: []AliasListEntry{}}
	err = s.store.read(s.now(), func(st *state) error {
		var all []AliasListEntry
		for _, a := range st.Aliases {
			if a.Account != acct || a.Region != region || keyID != "" && a.Target != keyID {
				continue
			}
			all = append(all, AliasListEntry{AliasName: a.Name, AliasArn: a.arn(), TargetKeyId: a.Target,
				CreationDate: epoch(a.Created), LastUpdatedDate: epoch(a.Updated)})
		}
		sortBy(all, func(e AliasListEntry) string { return e.AliasName })
		page, next := paging.Page(all, start, size)
		out.Aliases = append(out.Aliases, page...)
		out.NextMarker, out.Truncated = next, next != ""
		return nil
	})
	return out, err
}

func sortBy[T any](s []T, key func(T) string) {
	sort.Slice(s, func(i, j int) bool { return key(s[i]) < key(s[j]) })
}
