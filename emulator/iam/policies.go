package iam

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/policy"
)

func awserr400Malformed(msg string) error {
	return awserr.New(http.StatusBadRequest, "MalformedPolicyDocument", "%s", msg)
}

func itoa(n int) string { return strconv.Itoa(n) }

// Inline policy quotas (IAM User Guide, "IAM and AWS STS quotas": the
// aggregate size of inline policies, whitespace not counted).
const (
	maxInlineRole = 10240
	maxInlineUser = 2048
	maxVersions   = 5
)

func packedLen(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// principalEntity is a role or a user seen through what policies need.
type principalEntity struct {
	kind  string // "role" or "user"
	name  string
	get   func() (inline []InlinePolicy, attached []string, err error)
	store func(inline []InlinePolicy, attached []string) error
}

// entity resolves the role or user an input names (EntityIn): the role
// when RoleName is set or UserName is not.
func (st *state) entity(acct string, in EntityIn) principalEntity {
	if in.RoleName != "" || in.UserName == "" {
		return roleOps.policies(st, acct, in.RoleName)
	}
	return userOps.policies(st, acct, in.UserName)
}

// viewEntity runs fn on the role or user in names under the store's read
// lock.
func viewEntity[T any](ctx context.Context, s *Service, in EntityIn, fn func(st *state, e principalEntity) (T, error)) (T, error) {
	acct := callerAccount(ctx)
	return view(s.store, func(st *state) (T, error) { return fn(st, st.entity(acct, in)) })
}

// updateEntity runs fn on the role or user in names under the store's
// write lock; fn stores what it changes with e.store.
func updateEntity(ctx context.Context, s *Service, in EntityIn, fn func(st *state, e principalEntity) error) error {
	acct := callerAccount(ctx)
	_, err := update(s.store, func(st *state) (*Empty, error) { return nil, fn(st, st.entity(acct, in)) })
	return err
}

// PutPolicy adds or replaces an inline policy of a role or user.
func (s *Service) PutPolicy(ctx context.Context, in *PutPolicyIn) (*Empty, error) {
	if err := checkName("policyName", in.PolicyName, 128); err != nil {
		return nil, err
	}
	doc, err := parseDoc(in.PolicyDocument, policy.KindIdentity)
	if err != nil {
		return nil, err
	}
	return nil, updateEntity(ctx, s, in.EntityIn, func(_ *state, e principalEntity) error {
		return putInline(e, in.PolicyName, in.PolicyDocument, doc)
	})
}

// putInline adds or replaces the inline policy name of e, within the
// aggregate size quota of a role's or user's inline policies.
func putInline(e principalEntity, name, text string, doc Doc) error {
	inline, attached, err := e.get()
	if err != nil {
		return err
	}
	next := make([]InlinePolicy, 0, len(inline)+1)
	size := packedLen(text)
	for _, p := range inline {
		if p.Name != name {
			next = append(next, p)
			size += packedLen(p.Doc.Text)
		}
	}
	next = append(next, InlinePolicy{Name: name, Doc: doc})
	limit := maxInlineRole
	if e.kind == "user" {
		limit = maxInlineUser
	}
	if size > limit {
		return limitExceeded("Maximum policy size of %d bytes exceeded for %s %s", limit, e.kind, e.name)
	}
	sort.Slice(next, func(i, j int) bool { return next[i].Name < next[j].Name })
	return e.store(next, attached)
}

func findInline(e principalEntity, name string) (*InlinePolicy, []InlinePolicy, []string, error) {
	inline, attached, err := e.get()
	if err != nil {
		return nil, nil, nil, err
	}
	for i := range inline {
		if inline[i].Name == name {
			return &inline[i], inline, attached, nil
		}
	}
	return nil, nil, nil, noSuchEntity("The %s policy with name %s cannot be found.", e.kind, name)
}

// GetPolicyInline returns an inline policy of a role or user.
func (s *Service) GetPolicyInline(ctx context.Context, in *InlinePolicyIn) (*GetInlinePolicyOut, error) {
	return viewEntity(ctx, s, in.EntityIn, func(_ *state, e principalEntity) (*GetInlinePolicyOut, error) {
		p, _, _, err := findInline(e, in.PolicyName)
		if err != nil {
			return nil, err
		}
		return &GetInlinePolicyOut{RoleName: in.RoleName, UserName: in.UserName, PolicyName: p.Name, PolicyDocument: encodeDoc(p.Doc.Text)}, nil
	})
}

// DeletePolicyInline deletes an inline policy of a role or user.
func (s *Service) DeletePolicyInline(ctx context.Context, in *InlinePolicyIn) (*Empty, error) {
	return nil, updateEntity(ctx, s, in.EntityIn, func(_ *state, e principalEntity) error {
		_, inline, attached, err := findInline(e, in.PolicyName)
		if err != nil {
			return err
		}
		var next []InlinePolicy
		for _, p := range inline {
			if p.Name != in.PolicyName {
				next = append(next, p)
			}
		}
		return e.store(next, attached)
	})
}

// ListPoliciesInline lists the inline policy names of a role or user.
func (s *Service) ListPoliciesInline(ctx context.Context, in *ListInlineIn) (*ListInlineOut, error) {
	names, err := viewEntity(ctx, s, in.EntityIn, func(_ *state, e principalEntity) ([]string, error) {
		inline, _, err := e.get()
		if err != nil {
			return nil, err
		}
		names := make([]string, 0, len(inline))
		for _, p := range inline {
			names = append(names, p.Name)
		}
		return names, nil
	})
	if err != nil {
		return nil, err
	}
	page, trunc, next, err := paginate(names, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListInlineOut{PolicyNames: page, IsTruncated: trunc, Marker: next}, nil
}

// attachable returns the managed policy arn if acct may attach it: an AWS
// managed policy or a customer managed policy of acct.
func (st *state) attachable(acct, arn string) (*ManagedPolicy, error) {
	if mp := st.managed[arn]; mp != nil {
		return mp, nil
	}
	if mp := st.peek(acct).Policies[arn]; mp != nil {
		return mp, nil
	}
	if !strings.HasPrefix(arn, "arn:") || strings.Count(arn, ":") < 5 {
		return nil, invalidInput("ARN %s is not valid.", arn)
	}
	return nil, noSuchEntity("Policy %s does not exist or is not attachable.", arn)
}

// Attach attaches a managed policy to a role or user.
func (s *Service) Attach(ctx context.Context, in *AttachIn) (*Empty, error) {
	acct := callerAccount(ctx)
	return nil, updateEntity(ctx, s, in.EntityIn, func(st *state, e principalEntity) error {
		if _, err := st.attachable(acct, in.PolicyArn); err != nil {
			return err
		}
		inline, attached, err := e.get()
		if err != nil {
			return err
		}
		if slices.Contains(attached, in.PolicyArn) {
			return nil
		}
		if len(attached) >= 10 {
			return limitExceeded("Cannot exceed quota for PoliciesPerRole: 10")
		}
		return e.store(inline, append(slices.Clip(attached), in.PolicyArn))
	})
}

// Detach detaches a managed policy from a role or user.
func (s *Service) Detach(ctx context.Context, in *AttachIn) (*Empty, error) {
	return nil, updateEntity(ctx, s, in.EntityIn, func(_ *state, e principalEntity) error {
		inline, attached, err := e.get()
		if err != nil {
			return err
		}
		i := slices.Index(attached, in.PolicyArn)
		if i < 0 {
			return noSuchEntity("Policy %s was not found.", in.PolicyArn)
		}
		return e.store(inline, slices.Delete(slices.Clone(attached), i, i+1))
	})
}

// ListAttached lists the managed policies attached to a role or user.
func (s *Service) ListAttached(ctx context.Context, in *ListAttachedIn) (*ListAttachedOut, error) {
	acct := callerAccount(ctx)
	out, err := viewEntity(ctx, s, in.EntityIn, func(st *state, e principalEntity) ([]AttachedPolicyOut, error) {
		_, attached, err := e.get()
		if err != nil {
			return nil, err
		}
		out := make([]AttachedPolicyOut, 0, len(attached))
		for _, arn := range attached {
			mp, err := st.attachable(acct, arn)
			if err != nil || !strings.HasPrefix(mp.Path, normPath(in.PathPrefix)) {
				continue
			}
			out = append(out, AttachedPolicyOut{PolicyName: mp.Name, PolicyArn: mp.ARN})
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	page, trunc, next, err := paginate(out, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListAttachedOut{AttachedPolicies: page, IsTruncated: trunc, Marker: next}, nil
}
