package iam

import (
	"context"
	"net/http"
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

// entity resolves the role or user named in an input. Exactly one of
// roleName and userName is set by the operation's protocol input.
func (s *Service) entity(ctx context.Context, roleName, userName string) principalEntity {
	if roleName != "" || userName == "" {
		return policyEntity(ctx, "role", roleName, s.role, s.updateRoleLocked)
	}
	return policyEntity(ctx, "user", userName, s.user, s.updateUserLocked)
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
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entity(ctx, in.RoleName, in.UserName)
	inline, attached, err := e.get()
	if err != nil {
		return nil, err
	}
	next := make([]InlinePolicy, 0, len(inline)+1)
	size := packedLen(in.PolicyDocument)
	for _, p := range inline {
		if p.Name != in.PolicyName {
			next = append(next, p)
			size += packedLen(p.Doc.Text)
		}
	}
	next = append(next, InlinePolicy{Name: in.PolicyName, Doc: doc})
	limit := maxInlineRole
	if e.kind == "user" {
		limit = maxInlineUser
	}
	if size > limit {
		return nil, limitExceeded("Maximum policy size of %d bytes exceeded for %s %s", limit, e.kind, e.name)
	}
	sort.Slice(next, func(i, j int) bool { return next[i].Name < next[j].Name })
	return nil, e.store(next, attached)
}

func (s *Service) findInline(e principalEntity, name string) (*InlinePolicy, []InlinePolicy, []string, error) {
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
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, _, _, err := s.findInline(s.entity(ctx, in.RoleName, in.UserName), in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &GetInlinePolicyOut{RoleName: in.RoleName, UserName: in.UserName, PolicyName: p.Name, PolicyDocument: encodeDoc(p.Doc.Text)}, nil
}

// DeletePolicyInline deletes an inline policy of a role or user.
func (s *Service) DeletePolicyInline(ctx context.Context, in *InlinePolicyIn) (*Empty, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entity(ctx, in.RoleName, in.UserName)
	_, inline, attached, err := s.findInline(e, in.PolicyName)
	if err != nil {
		return nil, err
	}
	var next []InlinePolicy
	for _, p := range inline {
		if p.Name != in.PolicyName {
			next = append(next, p)
		}
	}
	return nil, e.store(next, attached)
}

// ListPoliciesInline lists the inline policy names of a role or user.
func (s *Service) ListPoliciesInline(ctx context.Context, in *ListInlineIn) (*ListInlineOut, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	inline, _, err := s.entity(ctx, in.RoleName, in.UserName).get()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(inline))
	for _, p := range inline {
		names = append(names, p.Name)
	}
	page, trunc, next, err := paginate(names, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListInlineOut{PolicyNames: page, IsTruncated: trunc, Marker: next}, nil
}

// attachable returns the managed policy arn if acct may attach it: an AWS
// managed policy or a customer managed policy of acct. Callers hold s.mu.
func (s *Service) attachable(acct, arn string) (*ManagedPolicy, error) {
	if mp := s.managed[arn]; mp != nil {
		return mp, nil
	}
	if mp := s.peek(acct).Policies[arn]; mp != nil {
		return mp, nil
	}
	if !strings.HasPrefix(arn, "arn:") || strings.Count(arn, ":") < 5 {
		return nil, invalidInput("ARN %s is not valid.", arn)
	}
	return nil, noSuchEntity("Policy %s does not exist or is not attachable.", arn)
}

// Attach attaches a managed policy to a role or user.
func (s *Service) Attach(ctx context.Context, in *AttachIn) (*Empty, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.attachable(callerAccount(ctx), in.PolicyArn); err != nil {
		return nil, err
	}
	e := s.entity(ctx, in.RoleName, in.UserName)
	inline, attached, err := e.get()
	if err != nil {
		return nil, err
	}
	for _, a := range attached {
		if a == in.PolicyArn {
			return nil, nil
		}
	}
	if len(attached) >= 10 {
		return nil, limitExceeded("Cannot exceed quota for PoliciesPerRole: 10")
	}
	return nil, e.store(inline, append(append([]string(nil), attached...), in.PolicyArn))
}

// Detach detaches a managed policy from a role or user.
func (s *Service) Detach(ctx context.Context, in *AttachIn) (*Empty, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entity(ctx, in.RoleName, in.UserName)
	inline, attached, err := e.get()
	if err != nil {
		return nil, err
	}
	var next []string
	found := false
	for _, a := range attached {
		if a == in.PolicyArn {
			found = true
			continue
		}
		next = append(next, a)
	}
	if !found {
		return nil, noSuchEntity("Policy %s was not found.", in.PolicyArn)
	}
	return nil, e.store(inline, next)
}

// ListAttached lists the managed policies attached to a role or user.
func (s *Service) ListAttached(ctx context.Context, in *ListAttachedIn) (*ListAttachedOut, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, attached, err := s.entity(ctx, in.RoleName, in.UserName).get()
	if err != nil {
		return nil, err
	}
	acct := callerAccount(ctx)
	out := make([]AttachedPolicyOut, 0, len(attached))
	for _, arn := range attached {
		mp, err := s.attachable(acct, arn)
		if err != nil || !strings.HasPrefix(mp.Path, normPath(in.PathPrefix)) {
			continue
		}
		out = append(out, AttachedPolicyOut{PolicyName: mp.Name, PolicyArn: mp.ARN})
	}
	page, trunc, next, err := paginate(out, in.Page)
	if err != nil {
		return nil, err
	}
	return &ListAttachedOut{AttachedPolicies: page, IsTruncated: trunc, Marker: next}, nil
}
