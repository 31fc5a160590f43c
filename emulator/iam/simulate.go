package iam

import (
	"context"
	"net/http"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/protocol/query"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// ContextEntry is one condition key given to the simulator.
type ContextEntry struct {
	ContextKeyName   string
	ContextKeyValues []string
	ContextKeyType   string
}

// SimulateIn is the input of SimulatePrincipalPolicy and SimulateCustomPolicy.
type SimulateIn struct {
	PolicySourceArn                    string
	PolicyInputList                    []string
	PermissionsBoundaryPolicyInputList []string
	ActionNames                        []string
	ResourceArns                       []string
	ResourcePolicy                     string
	ResourceOwner                      string
	CallerArn                          string
	ContextEntries                     []ContextEntry
	ResourceHandlingOption             string
	Page
}

// Position is a line and column in a policy document.
type Position struct {
	Line   int32
	Column int32
}

// StatementOut is the simulator's Statement shape.
type StatementOut struct {
	SourcePolicyId   string
	SourcePolicyType string
	StartPosition    *Position
	EndPosition      *Position
}

// BoundaryDetail is PermissionsBoundaryDecisionDetail.
type BoundaryDetail struct {
	AllowedByPermissionsBoundary bool
}

// EvaluationResult is one action/resource outcome.
type EvaluationResult struct {
	EvalActionName                    string
	EvalResourceName                  string
	EvalDecision                      string
	MatchedStatements                 []StatementOut
	MissingContextValues              []string
	EvalDecisionDetails               map[string]string
	PermissionsBoundaryDecisionDetail *BoundaryDetail
	OrganizationsDecisionDetail       *OrganizationsDetail
	ResourceSpecificResults           []ResourceSpecificResult
}

// OrganizationsDetail is OrganizationsDecisionDetail: whether the SCPs of
// the simulated entity's organization allow the request.
type OrganizationsDetail struct {
	AllowedByOrganizations bool
}

// ResourceSpecificResult is the outcome for one of the ResourceArns.
type ResourceSpecificResult struct {
	EvalResourceName                  string
	EvalResourceDecision              string
	MatchedStatements                 []StatementOut
	MissingContextValues              []string
	PermissionsBoundaryDecisionDetail *BoundaryDetail
}

// SimulateOut is the simulators' output.
type SimulateOut struct {
	EvaluationResults []EvaluationResult
	IsTruncated       bool
	Marker            string
}

func (s *Service) registerSimulate(m *query.Mux) {
	query.Register(m, service.Op[SimulateIn, SimulateOut]{Name: "SimulatePrincipalPolicy", Run: s.SimulatePrincipalPolicy,
		Check: func(c *service.Call, in *SimulateIn) service.Check {
			return service.Check{Action: "iam:SimulatePrincipalPolicy", Resource: in.PolicySourceArn}
		}})
	query.Register(m, service.Op[SimulateIn, SimulateOut]{Name: "SimulateCustomPolicy", Run: s.SimulateCustomPolicy,
		Check: func(c *service.Call, in *SimulateIn) service.Check {
			return service.Check{Action: "iam:SimulateCustomPolicy", Resource: "*"}
		}})
}

// simInput holds what both simulators evaluate.
type simInput struct {
	principal policy.Principal
	set       policy.Set
	idSource  map[string]string // policy name → SourcePolicyType
	member    bool              // the entity's account is a member account of an organization
}

// SimulatePrincipalPolicy evaluates the policies of a user or role (plus
// any extra policies given) for each action and resource.
func (s *Service) SimulatePrincipalPolicy(ctx context.Context, in *SimulateIn) (*SimulateOut, error) {
	acct, kind, name, ok := entityARN(in.PolicySourceArn)
	if !ok {
		return nil, invalidInput("Invalid Entity Arn: %s does not clearly define entity type and name.", in.PolicySourceArn)
	}
	var sim simInput
	sim.idSource = map[string]string{}
	switch kind {
	case "role":
		r, found := s.RoleByARN(in.PolicySourceArn)
		if !found {
			return nil, noSuchEntity("The role with name %s cannot be found.", name)
		}
		sim.principal = policy.Principal{Type: policy.PrincipalAssumedRole, ARN: r.ARN, Account: acct, RoleARN: r.ARN, UniqueID: r.ID, Tags: Tags(r.Tags)}
		sim.set.Identity, sim.set.Boundary = s.RolePolicies(acct, r.Name)
		for _, n := range sim.set.Identity {
			sim.idSource[n.Name] = sourceType(n.Name, "role")
		}
	case "user":
		u, err := view(s.store, func(st *state) (*User, error) { return st.user(acct, name) })
		if err != nil {
			return nil, err
		}
		sim.principal = policy.Principal{Type: policy.PrincipalUser, ARN: u.ARN, Account: acct, UniqueID: u.ID, Tags: Tags(u.Tags)}
		sim.set.Identity, sim.set.Boundary = s.UserPolicies(acct, u.Name)
		for _, n := range sim.set.Identity {
			sim.idSource[n.Name] = sourceType(n.Name, "user")
		}
	}
	// The SCPs of a member account's organization take part, as in IAM's
	// simulator (IAM User Guide, "Testing IAM policies with the IAM policy
	// simulator": "If your account is a member of an organization in AWS
	// Organizations, the simulator includes the SCPs"; API Reference,
	// EvaluationResult: OrganizationsDecisionDetail). Service-linked roles
	// are exempt, as SCPs do not restrict them.
	if s.scps != nil && !strings.Contains(sim.principal.RoleARN, ":role/aws-service-role/") {
		sim.set.SCP, sim.member = s.scps(acct)
	}
	return s.simulate(ctx, in, sim)
}

// SimulateCustomPolicy evaluates the given policies for each action and
// resource, as if attached to the caller (CallerArn, when given).
func (s *Service) SimulateCustomPolicy(ctx context.Context, in *SimulateIn) (*SimulateOut, error) {
	if len(in.PolicyInputList) == 0 {
		return nil, validationError("policyInputList", "null", "not be null")
	}
	sim := simInput{idSource: map[string]string{}}
	acct := callerAccount(ctx)
	if in.CallerArn != "" {
		a, kind, _, ok := entityARN(in.CallerArn)
		if !ok || kind != "user" {
			return nil, invalidInput("Invalid value for CallerArn: %s. Only IAM user ARNs are supported.", in.CallerArn)
		}
		acct = a
		sim.principal = policy.Principal{Type: policy.PrincipalUser, ARN: in.CallerArn, Account: a}
	} else {
		sim.principal = policy.Principal{Type: policy.PrincipalUser, ARN: "arn:aws:iam::" + acct + ":user/simulated-user", Account: acct}
	}
	return s.simulate(ctx, in, sim)
}

func sourceType(name, entity string) string {
	switch {
	case strings.HasPrefix(name, "arn:aws:iam::aws:"):
		return "aws-managed"
	case strings.HasPrefix(name, "arn:"):
		return "user-managed"
	}
	return entity
}

func (s *Service) simulate(ctx context.Context, in *SimulateIn, sim simInput) (*SimulateOut, error) {
	if len(in.ActionNames) == 0 {
		return nil, validationError("actionNames", "null", "not be null")
	}
	for i, text := range in.PolicyInputList {
		doc, err := parseDoc(text, policy.KindIdentity)
		if err != nil {
			return nil, err
		}
		name := "PolicyInputList." + itoa(i+1)
		sim.set.Identity = append(sim.set.Identity, policy.Named{Name: name, Policy: doc.parsed})
		sim.idSource[name] = "IAM Policy"
	}
	for i, text := range in.PermissionsBoundaryPolicyInputList {
		doc, err := parseDoc(text, policy.KindBoundary)
		if err != nil {
			return nil, err
		}
		sim.set.Boundary = &policy.Named{Name: "PermissionsBoundaryPolicyInputList." + itoa(i+1), Policy: doc.parsed}
	}
	if in.ResourcePolicy != "" {
		doc, err := parseDoc(in.ResourcePolicy, policy.KindResource)
		if err != nil {
			return nil, err
		}
		sim.set.Resource = &policy.Named{Name: "ResourcePolicy", Policy: doc.parsed}
	}
	owner := ""
	if in.ResourceOwner != "" {
		a, _, ok := strings.Cut(strings.TrimPrefix(in.ResourceOwner, "arn:aws:iam::"), ":")
		if !ok || len(a) != 12 {
			return nil, invalidInput("Invalid value for ResourceOwner: %s.", in.ResourceOwner)
		}
		owner = a
	}
	var cx policy.Context
	given := map[string]bool{}
	for _, e := range in.ContextEntries {
		if e.ContextKeyName == "" {
			return nil, awserr.New(http.StatusBadRequest, "InvalidInput", "Context key name must not be empty.")
		}
		cx.Set(e.ContextKeyName, e.ContextKeyValues...)
		given[strings.ToLower(e.ContextKeyName)] = true
	}
	var all []policy.Named
	all = append(all, sim.set.Identity...)
	if sim.set.Boundary != nil {
		all = append(all, *sim.set.Boundary)
	}
	if sim.set.Resource != nil {
		all = append(all, *sim.set.Resource)
	}
	resources := in.ResourceArns
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	byName := map[string]*policy.Policy{}
	for _, n := range sim.set.Identity {
		byName[n.Name] = n.Policy
	}
	if sim.set.Boundary != nil {
		byName[sim.set.Boundary.Name] = sim.set.Boundary.Policy
	}
	if sim.set.Resource != nil {
		byName[sim.set.Resource.Name] = sim.set.Resource.Policy
	}
	var results []EvaluationResult
	for _, action := range in.ActionNames {
		for _, res := range resources {
			// ContextEntries supply every key the policies use, those
			// otherwise derived from the principal included (IAM API
			// Reference, SimulatePrincipalPolicy: ContextEntries).
			req := &policy.Request{Principal: sim.principal, Action: action, Resource: res, ResourceAccount: owner, Context: cx, ContextOnly: true}
			d := policy.Evaluate(req, &sim.set)
			r := EvaluationResult{EvalActionName: action, EvalResourceName: res, EvalDecision: d.Effect.String(), MatchedStatements: []StatementOut{},
				MissingContextValues: missingContext(all, action, given)}
			for _, m := range d.Matched {
				typ := "resource"
				switch m.Source {
				case policy.SourceIdentity:
					typ = sim.idSource[m.Policy]
				case policy.SourceBoundary:
					typ = "permissions boundary"
				case policy.SourceSession:
					typ = "session"
				case policy.SourceSCP:
					// PolicySourceType has no value for an SCP.
					typ = "none"
				}
				so := StatementOut{SourcePolicyId: m.Policy, SourcePolicyType: typ}
				if p := byName[m.Policy]; p != nil && m.Index < len(p.Statements()) {
					st := p.Statements()[m.Index]
					so.StartPosition = &Position{Line: int32(st.Start.Line), Column: int32(st.Start.Column)}
					so.EndPosition = &Position{Line: int32(st.End.Line), Column: int32(st.End.Column)}
				}
				r.MatchedStatements = append(r.MatchedStatements, so)
			}
			if sim.member {
				od := policy.Evaluate(req, &policy.Set{Identity: []policy.Named{{Name: "all", Policy: allowAll}}, SCP: sim.set.SCP})
				r.OrganizationsDecisionDetail = &OrganizationsDetail{AllowedByOrganizations: od.Allowed()}
			}
			if sim.set.Boundary != nil {
				bd := policy.Evaluate(req, &policy.Set{Identity: []policy.Named{*sim.set.Boundary}})
				r.PermissionsBoundaryDecisionDetail = &BoundaryDetail{AllowedByPermissionsBoundary: bd.Allowed()}
			}
			if len(in.ResourceArns) > 0 {
				// The API Reference reads per-resource decisions and
				// missing context values from ResourceSpecificResults.
				r.ResourceSpecificResults = []ResourceSpecificResult{{EvalResourceName: res, EvalResourceDecision: r.EvalDecision,
					MatchedStatements: r.MatchedStatements, MissingContextValues: r.MissingContextValues, PermissionsBoundaryDecisionDetail: r.PermissionsBoundaryDecisionDetail}}
			}
			results = append(results, r)
		}
	}
	page, trunc, next, err := paginate(results, in.Page)
	if err != nil {
		return nil, err
	}
	return &SimulateOut{EvaluationResults: page, IsTruncated: trunc, Marker: next}, nil
}

// allowAll stands for every other policy when the simulator asks whether
// the SCPs alone allow a request.
var allowAll = func() *policy.Policy {
	p, err := policy.Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, policy.KindIdentity)
	if err != nil {
		panic(err)
	}
	return p
}()

// missingContext returns the context keys that statements of policies
// covering action use and given does not supply (IAM API Reference,
// EvaluationResult: MissingContextValues).
func missingContext(policies []policy.Named, action string, given map[string]bool) []string {
	missing := []string{}
	seen := map[string]bool{}
	for _, n := range policies {
		if n.Policy == nil {
			continue
		}
		for _, st := range n.Policy.Statements() {
			if !st.MatchesAction(action) {
				continue
			}
			for _, k := range st.ContextKeys() {
				l := strings.ToLower(k)
				if !given[l] && !seen[l] {
					seen[l] = true
					missing = append(missing, k)
				}
			}
		}
	}
	return missing
}
