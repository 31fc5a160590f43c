// This file finds the key a request names (key id, key ARN, alias name,
// alias ARN) and authorizes the request as AWS KMS does: the key policy
// is the resource policy (policy.KindKey), the key's grants join it, and
// the KMS condition keys go in the Check's Context, so the decision goes
// through the emulator's authorizer, its decision trail, X-Xacct-Explain
// and CloudTrail like every other.

package kms

import (
	"context"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// crossAccountOps are the operations a principal may call on a key of
// another account, naming it by key ARN or alias ARN (AWS KMS Developer
// Guide, "Allowing users in other accounts to use a KMS key": "Cross-account
// permission is effective only for the following operations"). Other
// operations look the key up in the caller's own account.
var crossAccountOps = map[string]bool{
	"Encrypt": true, "Decrypt": true, "ReEncrypt": true, "GenerateDataKey": true,
	"GenerateDataKeyWithoutPlaintext": true, "DescribeKey": true, "CreateGrant": true,
	"ListGrants": true, "RetireGrant": true, "RevokeGrant": true,
}

// target is a resolved key as a request sees it: a copy of the key, its
// grants as policies, and the alias the request named it by, if any.
type target struct {
	k      *key
	grants []policy.Named
	alias  string
}

type viaKey struct{}

// withVia marks ctx as a request an AWS service (svc, "s3") makes to KMS
// on its caller's behalf: kms:ViaService is svc.REGION.amazonaws.com.
func withVia(ctx context.Context, svc string) context.Context {
	return context.WithValue(ctx, viaKey{}, svc)
}

func viaOf(ctx context.Context) string {
	v, _ := ctx.Value(viaKey{}).(string)
	return v
}

func callOf(ctx context.Context) *service.Call {
	if c := service.FromContext(ctx); c != nil {
		return c
	}
	return &service.Call{}
}

// parsedRef is a key reference taken apart.
type parsedRef struct {
	acct, region string
	keyID        string // for key ids and key ARNs
	alias        string // "alias/…" for alias names and ARNs
	arn          bool   // named by ARN
}

// parseRef reads a KeyId parameter in the caller's account and region
// (AWS KMS API Reference, DescribeKey: KeyId — "Key ID", "Key ARN",
// "Alias name", "Alias ARN").
func parseRef(ref, acct, region string) (parsedRef, error) {
	if ref == "" {
		return parsedRef{}, errValidation("1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	}
	if len(ref) > 2048 {
		return parsedRef{}, errValidation("1 validation error detected: Value '%s' at 'keyId' failed to satisfy constraint: Member must have length less than or equal to 2048", ref)
	}
	if strings.HasPrefix(ref, "arn:") {
		parts := strings.SplitN(ref, ":", 6)
		if len(parts) != 6 || parts[2] != "kms" || parts[3] == "" || len(parts[4]) != 12 {
			return parsedRef{}, errInvalidKeyID(ref)
		}
		p := parsedRef{acct: parts[4], region: parts[3], arn: true}
		switch res := parts[5]; {
		case strings.HasPrefix(res, "key/") && len(res) > 4:
			p.keyID = res[4:]
		case strings.HasPrefix(res, "alias/") && len(res) > 6:
			p.alias = res
		default:
			return parsedRef{}, errInvalidKeyID(ref)
		}
		return p, nil
	}
	if strings.HasPrefix(ref, "alias/") {
		if len(ref) == 6 {
			return parsedRef{}, errInvalidKeyID(ref)
		}
		return parsedRef{acct: acct, region: region, alias: ref}, nil
	}
	if !keyIDPattern.MatchString(ref) {
		// AWS answers a key id that is not a key id's shape so, and one
		// that is but names no key with the key ARN (recorded from AWS in
		// LocalStack's AWS-validated test_get_key_invalid_uuid and
		// test_get_key_does_not_exist snapshots).
		return parsedRef{}, errInvalidKeyID(ref)
	}
	return parsedRef{acct: acct, region: region, keyID: ref}, nil
}

// keyIDPattern is the shape of a key id: a UUID, or mrk- and 32 hex
// digits for a multi-Region key (AWS KMS Developer Guide, "Key
// identifiers (KeyId)").
var keyIDPattern = regexp.MustCompile(`^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})$`)

// resolve finds the key ref names for operation opName, as its caller
// sees it, creating the AWS managed key of a predefined alias
// (alias/aws/s3) in the caller's account when managed is set.
func (s *Service) resolve(ctx context.Context, opName, ref string, managed bool) (*target, error) {
	call := callOf(ctx)
	acct, region := call.Caller.Account(), call.Region
	p, err := parseRef(ref, acct, region)
	if err != nil {
		return nil, err
	}
	if p.acct != acct && !crossAccountOps[opName] {
		if p.alias != "" {
			return nil, errAliasNotFound(aliasARN(p.region, p.acct, p.alias))
		}
		return nil, errKeyNotFound(ref)
	}
	var t *target
	err = s.store.read(s.now(), func(st *state) error {
		var err error
		t, err = lookup(st, p)
		return err
	})
	if err != nil && managed && p.alias != "" && p.acct == acct && managedService(p.alias) != "" && awserr.Is(err, "NotFoundException") {
		if err := s.createManaged(acct, region, p.alias); err != nil {
			return nil, err
		}
		err = s.store.read(s.now(), func(st *state) error {
			var err error
			t, err = lookup(st, p)
			return err
		})
	}
	return t, err
}

// lookup finds p in st. Called with the store's lock held.
func lookup(st *state, p parsedRef) (*target, error) {
	id := p.keyID
	if p.alias != "" {
		a := st.Aliases[aliasKey(p.acct, p.region, p.alias)]
		if a == nil {
			return nil, errAliasNotFound(aliasARN(p.region, p.acct, p.alias))
		}
		id = a.Target
	}
	k := st.Keys[id]
	if k == nil || k.Account != p.acct || k.Region != p.region {
		return nil, errKeyNotFound(keyARN(p.region, p.acct, id))
	}
	t := &target{k: k.clone(), alias: p.alias}
	for _, g := range st.grantsOf(k.ID) {
		if g.parsed != nil {
			t.grants = append(t.grants, policy.Named{Name: "grant " + g.ID + " on " + k.arn(), Policy: g.parsed})
		}
	}
	return t, nil
}

// policyName is the name the key policy is decided under (and the
// diagnosis reads).
func (k *key) policyName() string {
	if k.Manager == "AWS" {
		return service.AWSManagedKeyPolicy + k.ManagedAlias + " (" + k.arn() + ")"
	}
	return "key policy of " + k.arn()
}

// authorize decides action on t's key for the call in ctx, with the key
// policy as its resource policy, the key's grants, and the KMS condition
// keys (AWS KMS Developer Guide, "AWS KMS condition keys"): kms:CallerAccount,
// kms:ViaService for a request an AWS service makes on its caller's
// behalf, kms:EncryptionContext:KEY and kms:EncryptionContextKeys,
// kms:KeySpec, kms:KeyUsage, kms:KeyOrigin, kms:EncryptionAlgorithm for
// cryptographic operations, kms:RequestAlias when named by alias, and
// aws:ResourceTag/KEY. extra adds operation-specific keys. A refusal is
// AccessDeniedException.
func (s *Service) authorize(ctx context.Context, t *target, action string, ec map[string]string, extra map[string][]string) error {
	call := callOf(ctx)
	k := t.k
	cx := map[string][]string{
		"kms:CallerAccount": {call.Caller.Account()},
		"kms:KeySpec":       {"SYMMETRIC_DEFAULT"},
		"kms:KeyUsage":      {"ENCRYPT_DECRYPT"},
		"kms:KeyOrigin":     {"AWS_KMS"},
	}
	if via := viaOf(ctx); via != "" {
		cx["kms:ViaService"] = []string{via + "." + call.Region + ".amazonaws.com"}
	}
	if ec != nil {
		keys := make([]string, 0, len(ec))
		for ek, ev := range ec {
			keys = append(keys, ek)
			cx["kms:EncryptionContext:"+ek] = []string{ev}
		}
		sort.Strings(keys)
		if len(keys) > 0 {
			cx["kms:EncryptionContextKeys"] = keys
		}
	}
	if t.alias != "" {
		cx["kms:RequestAlias"] = []string{t.alias}
	}
	for tk, tv := range k.Tags {
		cx["aws:ResourceTag/"+tk] = []string{tv}
	}
	for ek, ev := range extra {
		cx[ek] = ev
	}
	call.Audit.AddResource(k.arn(), k.Account)
	chk := service.Check{
		Action: action, Resource: k.arn(), ResourceAccount: k.Account,
		ResourcePolicy: &policy.Named{Name: k.policyName(), Policy: k.parsed},
		Grants:         t.grants, Context: cx,
	}
	return accessDenied(service.Authorize(ctx, chk))
}

// authorizeAccount decides an action that is not on a key (CreateKey,
// ListKeys, ListAliases): IAM policies alone, resource "*".
func (s *Service) authorizeAccount(ctx context.Context, action string, extra map[string][]string) error {
	call := callOf(ctx)
	cx := map[string][]string{"kms:CallerAccount": {call.Caller.Account()}}
	for k, v := range extra {
		cx[k] = v
	}
	return accessDenied(service.Authorize(ctx, service.Check{Action: action, Resource: "*", Context: cx}))
}

// usable returns the error a cryptographic operation on k gets in its
// state (AWS KMS Developer Guide, "Key states of AWS KMS keys").
func usable(k *key) error {
	switch k.State {
	case stateDisabled:
		return errDisabled(k.arn())
	case statePendingDeletion:
		return errPendingDeletion(k.arn())
	}
	return nil
}

// checkGrantTokens refuses grant tokens the service did not issue.
func (s *Service) checkGrantTokens(tokens []string) error {
	if len(tokens) == 0 {
		return nil
	}
	if len(tokens) > 10 {
		return errValidation("1 validation error detected: Value at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	return s.store.read(s.now(), func(st *state) error {
		for _, tok := range tokens {
			if _, ok := st.Tokens[tok]; !ok {
				return errInvalidGrantToken()
			}
		}
		return nil
	})
}

func hasOp(ops []string, op string) bool { return slices.Contains(ops, op) }
