// This file holds grants (AWS KMS Developer Guide, "Grants in AWS KMS";
// AWS KMS API Reference, CreateGrant, ListGrants, RetireGrant,
// RevokeGrant). A grant is kept as a policy the evaluator reads beside
// the key policy (policy.Set.Grants): one Allow statement naming the
// grantee, the grant's operations, and its encryption context
// constraint as conditions.

package kms

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"

	"github.com/xacct/xacct/emulator/internal/paging"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// grantOperations are the operations a grant may allow (AWS KMS
// Developer Guide, "Grant operations").
var grantOperations = map[string]bool{
	"Decrypt": true, "Encrypt": true, "GenerateDataKey": true, "GenerateDataKeyWithoutPlaintext": true,
	"ReEncryptFrom": true, "ReEncryptTo": true, "Sign": true, "Verify": true, "GetPublicKey": true,
	"CreateGrant": true, "RetireGrant": true, "DescribeKey": true, "GenerateDataKeyPair": true,
	"GenerateDataKeyPairWithoutPlaintext": true, "GenerateMac": true, "VerifyMac": true, "DeriveSharedSecret": true,
}

// principalElement is the Principal of a policy naming p: an AWS
// principal (ARN or account id) or a service principal.
func principalElement(p string) map[string]string {
	if strings.HasSuffix(p, ".amazonaws.com") {
		return map[string]string{"Service": p}
	}
	return map[string]string{"AWS": p}
}

// policyText is the grant as a policy document. An
// EncryptionContextSubset constraint requires each of its pairs; an
// EncryptionContextEquals constraint also allows no other key.
func (g *grant) policyText() string {
	actions := make([]string, len(g.Operations))
	for i, op := range g.Operations {
		actions[i] = "kms:" + op
	}
	st := map[string]any{"Sid": "grant" + g.ID[:16], "Effect": "Allow", "Principal": principalElement(g.Grantee), "Action": actions, "Resource": "*"}
	if c := g.Constraints; c != nil {
		cond := map[string]any{}
		eq := map[string]string{}
		pairs := c.EncryptionContextSubset
		if c.EncryptionContextEquals != nil {
			pairs = c.EncryptionContextEquals
			keys := make([]string, 0, len(pairs))
			for k := range pairs {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			cond["ForAllValues:StringEquals"] = map[string]any{"kms:EncryptionContextKeys": keys}
		}
		for k, v := range pairs {
			eq["kms:EncryptionContext:"+k] = v
		}
		if len(eq) > 0 {
			cond["StringEquals"] = eq
		}
		if len(cond) > 0 {
			st["Condition"] = cond
		}
	}
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{st}})
	return string(b)
}

// policy parses the grant's policy; nil when it cannot be (it was
// checked at CreateGrant).
func (g *grant) policy() *policy.Policy {
	p, err := policy.Parse(g.policyText(), policy.KindKey)
	if err != nil {
		return nil
	}
	return p
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// CreateGrant adds a grant to a key: its grantee may then call the
// grant's operations on the key, under its constraints, without the key
// policy or an IAM policy allowing them.
func (s *Service) CreateGrant(ctx context.Context, in *CreateGrantIn) (*CreateGrantOut, error) {
	if in.GranteePrincipal == "" {
		return nil, errValidation("1 validation error detected: Value null at 'granteePrincipal' failed to satisfy constraint: Member must not be null")
	}
	if len(in.Operations) == 0 {
		return nil, errValidation("1 validation error detected: Value null at 'operations' failed to satisfy constraint: Member must not be null")
	}
	for _, op := range in.Operations {
		if !grantOperations[op] {
			return nil, errValidation("1 validation error detected: Value '[%s]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [Decrypt, Encrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, ReEncryptFrom, ReEncryptTo, Sign, Verify, GetPublicKey, CreateGrant, RetireGrant, DescribeKey, GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext, GenerateMac, VerifyMac, DeriveSharedSecret]]", strings.Join(in.Operations, ", "))
		}
	}
	if c := in.Constraints; c != nil && c.EncryptionContextEquals != nil && c.EncryptionContextSubset != nil {
		return nil, errValidation("A grant constraint can have EncryptionContextEquals or EncryptionContextSubset, not both")
	}
	if err := s.checkGrantTokens(in.GrantTokens); err != nil {
		return nil, err
	}
	t, err := s.resolve(ctx, "CreateGrant", in.KeyId, false)
	if err != nil {
		return nil, err
	}
	call := callOf(ctx)
	cx := map[string][]string{
		"kms:GranteePrincipal":      {in.GranteePrincipal},
		"kms:GrantOperations":       in.Operations,
		"kms:GrantIsForAWSResource": {boolText(viaOf(ctx) != "")},
	}
	if in.RetiringPrincipal != "" {
		cx["kms:RetiringPrincipal"] = []string{in.RetiringPrincipal}
	}
	if c := in.Constraints; c != nil {
		if c.EncryptionContextEquals != nil {
			cx["kms:GrantConstraintType"] = []string{"EncryptionContextEquals"}
		} else if c.EncryptionContextSubset != nil {
			cx["kms:GrantConstraintType"] = []string{"EncryptionContextSubset"}
		}
	}
	if err := s.authorize(ctx, t, "kms:CreateGrant", nil, cx); err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	now := s.now()
	g := &grant{ID: randomHex(32), KeyID: t.k.ID, Name: in.Name, Grantee: in.GranteePrincipal, Retiring: in.RetiringPrincipal,
		Operations: append([]string(nil), in.Operations...), Constraints: in.Constraints, Issuing: call.Caller.Account(), Created: now}
	g.Token = base64.RawURLEncoding.EncodeToString([]byte(g.ID + ":" + randomHex(32)))
	if g.parsed = g.policy(); g.parsed == nil {
		return nil, errValidation("Invalid principal: %s", in.GranteePrincipal)
	}
	err = s.store.write(now, func(st *state) error {
		k := st.Keys[t.k.ID]
		if k == nil {
			return errKeyNotFound(t.k.arn())
		}
		if k.State == statePendingDeletion {
			return errPendingDeletion(k.arn())
		}
		st.Grants[g.ID] = g
		st.Tokens[g.Token] = g.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateGrantOut{GrantToken: g.Token, GrantId: g.ID}, nil
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// ListGrants lists a key's grants.
func (s *Service) ListGrants(ctx context.Context, in *ListGrantsIn) (*ListGrantsOut, error) {
	t, err := s.resolve(ctx, "ListGrants", in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, "kms:ListGrants", nil, nil); err != nil {
		return nil, err
	}
	start, size, err := pageOf(in.Limit, in.Marker)
	if err != nil {
		return nil, err
	}
	out := &ListGrantsOut{Grants: []GrantListEntry{}}
	err = s.store.read(s.now(), func(st *state) error {
		var all []GrantListEntry
		for _, g := range st.grantsOf(t.k.ID) {
			if in.GrantId != "" && g.ID != in.GrantId || in.GranteePrincipal != "" && g.Grantee != in.GranteePrincipal {
				continue
			}
			all = append(all, GrantListEntry{KeyId: t.k.arn(), GrantId: g.ID, Name: g.Name, CreationDate: epoch(g.Created),
				GranteePrincipal: g.Grantee, RetiringPrincipal: g.Retiring, IssuingAccount: "arn:aws:iam::" + g.Issuing + ":root",
				Operations: g.Operations, Constraints: g.Constraints})
		}
		page, next := paging.Page(all, start, size)
		out.Grants = append(out.Grants, page...)
		out.NextMarker, out.Truncated = next, next != ""
		return nil
	})
	return out, err
}

// RetireGrant deletes a grant, named by its token or by key and grant
// id. The retiring principal, the grantee when RetireGrant is among the
// grant's operations, and the account that created the grant may retire
// it (AWS KMS Developer Guide, "Retiring and revoking grants").
func (s *Service) RetireGrant(ctx context.Context, in *RetireGrantIn) (*struct{}, error) {
	var g *grant
	var keyRef string
	err := s.store.read(s.now(), func(st *state) error {
		switch {
		case in.GrantToken != "":
			id, ok := st.Tokens[in.GrantToken]
			if !ok {
				return errInvalidGrantToken()
			}
			g = st.Grants[id]
		case in.KeyId != "" && in.GrantId != "":
			g = st.Grants[in.GrantId]
			if g == nil {
				return errInvalidGrantID()
			}
		default:
			return errValidation("Either GrantToken or both KeyId and GrantId must be specified")
		}
		if g == nil {
			return errInvalidGrantID()
		}
		k := st.Keys[g.KeyID]
		if k == nil {
			return errInvalidGrantID()
		}
		keyRef = k.arn()
		return nil
	})
	if err != nil {
		return nil, err
	}
	t, err := s.resolve(ctx, "RetireGrant", keyRef, false)
	if err != nil {
		return nil, err
	}
	if in.KeyId != "" && in.GrantToken == "" {
		named, err := s.resolve(ctx, "RetireGrant", in.KeyId, false)
		if err != nil {
			return nil, err
		}
		if named.k.ID != t.k.ID {
			return nil, errInvalidGrantID()
		}
	}
	retirers := []string{"arn:aws:iam::" + g.Issuing + ":root"}
	if g.Retiring != "" {
		retirers = append(retirers, g.Retiring)
	}
	if hasOp(g.Operations, "RetireGrant") {
		retirers = append(retirers, g.Grantee)
	}
	var stmts []any
	for _, r := range retirers {
		stmts = append(stmts, map[string]any{"Effect": "Allow", "Principal": principalElement(r), "Action": "kms:RetireGrant", "Resource": "*"})
	}
	doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
	p, err := policy.Parse(string(doc), policy.KindKey)
	if err != nil {
		return nil, err
	}
	call := callOf(ctx)
	call.Audit.AddResource(t.k.arn(), t.k.Account)
	// The retiring principals are decided as a grant is: naming the
	// caller allows on its own, whatever its account's IAM policies say.
	chk := service.Check{Action: "kms:RetireGrant", Resource: t.k.arn(), ResourceAccount: t.k.Account,
		ResourcePolicy: &policy.Named{Name: t.k.policyName(), Policy: t.k.parsed},
		Grants:         []policy.Named{{Name: "retiring principals of grant " + g.ID, Policy: p}},
		Context:        map[string][]string{"kms:CallerAccount": {call.Caller.Account()}}}
	if err := accessDenied(service.Authorize(ctx, chk)); err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	return nil, s.deleteGrant(g.ID)
}

func (s *Service) deleteGrant(id string) error {
	return s.store.write(s.now(), func(st *state) error {
		g := st.Grants[id]
		if g == nil {
			return errInvalidGrantID()
		}
		delete(st.Grants, id)
		delete(st.Tokens, g.Token)
		return nil
	})
}

// RevokeGrant deletes a grant of a key, with kms:RevokeGrant on the key.
func (s *Service) RevokeGrant(ctx context.Context, in *RevokeGrantIn) (*struct{}, error) {
	t, err := s.resolve(ctx, "RevokeGrant", in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, "kms:RevokeGrant", nil, nil); err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	found := false
	s.store.read(s.now(), func(st *state) error {
		g := st.Grants[in.GrantId]
		found = g != nil && g.KeyID == t.k.ID
		return nil
	})
	if !found {
		return nil, errInvalidGrantID()
	}
	return nil, s.deleteGrant(in.GrantId)
}
