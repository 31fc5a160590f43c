package check

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/xacct/xacct/policy"
)

// OrganizationFile is the organization description `xacct check
// --organization FILE` reads: the outputs of the aws CLI's organizations
// commands, combined in one JSON document (docs/cli.md shows how).
//
//	{"Organization": describe-organization's Organization,
//	 "Roots": list-roots' Roots,
//	 "OrganizationalUnits": [list-organizational-units-for-parent's
//	   OrganizationalUnits, each with "ParentId"],
//	 "Accounts": [list-accounts-for-parent's Accounts, each with "ParentId"],
//	 "Policies": [describe-policy's Policy, each with "Targets":
//	   list-targets-for-policy's Targets (or their TargetIds)]}
type OrganizationFile struct {
	Organization struct {
		Id              string
		MasterAccountId string
	}
	Roots []struct {
		Id          string
		Name        string
		PolicyTypes []struct{ Type, Status string }
	}
	OrganizationalUnits []struct {
		Id, Name, ParentId string
	}
	Accounts []struct {
		Id, Name, Status, State, ParentId string
	}
	Policies []struct {
		PolicySummary struct {
			Id, Name, Type, Arn string
		}
		Content string
		Targets []PolicyTarget
	}
}

// PolicyTarget is a policy's target: an id, or list-targets-for-policy's
// object with TargetId.
type PolicyTarget string

// UnmarshalJSON reads "r-…" or {"TargetId": "r-…", …}.
func (t *PolicyTarget) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = PolicyTarget(s)
		return nil
	}
	var o struct{ TargetId string }
	if err := json.Unmarshal(b, &o); err != nil || o.TargetId == "" {
		return fmt.Errorf("a policy target must be an id or an object with TargetId, got %s", truncate(string(b)))
	}
	*t = PolicyTarget(o.TargetId)
	return nil
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// Organization is an organization as the check evaluates it: where each
// account is and which SCPs and RCPs are attached where.
type Organization struct {
	ID, Management, Root string
	rootName             string
	ous                  map[string]ouNode
	accounts             map[string]string // account → parent
	names                map[string]string // account → name
	attached             map[string][]orgPolicy
	enabled              map[string]bool // policy type → enabled
}

type ouNode struct{ name, parent string }

type orgPolicy struct {
	typ   string
	named policy.Named
}

// The policy types the check evaluates.
const (
	typeSCP = "SERVICE_CONTROL_POLICY"
	typeRCP = "RESOURCE_CONTROL_POLICY"
)

var (
	orgIDRe   = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	rootIDRe  = regexp.MustCompile(`^r-[0-9a-z]{4,32}$`)
	ouIDRe    = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
	acctIDRe  = regexp.MustCompile(`^\d{12}$`)
	policyIDR = regexp.MustCompile(`^p-[0-9a-zA-Z_]{8,128}$`)
)

// ParseOrganization reads an OrganizationFile. Every error says what is
// wrong and where (the JSON offset, the account or policy concerned).
func ParseOrganization(b []byte) (*Organization, error) {
	var f OrganizationFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			return nil, fmt.Errorf("organization file is not JSON: it ends before the document does")
		case errors.As(err, &se):
			return nil, fmt.Errorf("organization file is not JSON: %v (at byte %d)", err, se.Offset)
		case errors.As(err, &te):
			return nil, fmt.Errorf("organization file: %s must be %s, not a JSON %s (at byte %d)", te.Field, te.Type, te.Value, te.Offset)
		}
		return nil, fmt.Errorf("organization file: %v", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("organization file: more than one JSON document")
	}
	return f.Build()
}

// Build checks the description and makes it an Organization.
func (f *OrganizationFile) Build() (*Organization, error) {
	o := &Organization{ID: f.Organization.Id, Management: f.Organization.MasterAccountId, ous: map[string]ouNode{},
		accounts: map[string]string{}, names: map[string]string{}, attached: map[string][]orgPolicy{}, enabled: map[string]bool{}}
	if !orgIDRe.MatchString(o.ID) {
		return nil, fmt.Errorf("organization file: Organization.Id %q is not an organization id (o-…)", o.ID)
	}
	if !acctIDRe.MatchString(o.Management) {
		return nil, fmt.Errorf("organization file: Organization.MasterAccountId %q is not a 12-digit account id", o.Management)
	}
	if len(f.Roots) != 1 || !rootIDRe.MatchString(f.Roots[0].Id) {
		return nil, fmt.Errorf("organization file: Roots must hold the one root of the organization (r-…)")
	}
	o.Root, o.rootName = f.Roots[0].Id, f.Roots[0].Name
	typesGiven := f.Roots[0].PolicyTypes != nil
	for _, pt := range f.Roots[0].PolicyTypes {
		o.enabled[pt.Type] = pt.Status == "ENABLED"
	}
	for _, u := range f.OrganizationalUnits {
		if !ouIDRe.MatchString(u.Id) {
			return nil, fmt.Errorf("organization file: OU id %q is not an OU id (ou-…)", u.Id)
		}
		if _, dup := o.ous[u.Id]; dup {
			return nil, fmt.Errorf("organization file: OU %s is listed twice", u.Id)
		}
		o.ous[u.Id] = ouNode{name: u.Name, parent: u.ParentId}
	}
	for _, a := range f.Accounts {
		if !acctIDRe.MatchString(a.Id) {
			return nil, fmt.Errorf("organization file: account id %q is not a 12-digit account id", a.Id)
		}
		if _, dup := o.accounts[a.Id]; dup {
			return nil, fmt.Errorf("organization file: account %s is listed twice", a.Id)
		}
		if a.ParentId == "" {
			return nil, fmt.Errorf("organization file: account %s has no ParentId (its root or OU)", a.Id)
		}
		o.accounts[a.Id], o.names[a.Id] = a.ParentId, a.Name
	}
	if _, ok := o.accounts[o.Management]; !ok {
		return nil, fmt.Errorf("organization file: the management account %s is not among Accounts", o.Management)
	}
	// Every parent exists and the OUs form a tree under the root.
	for id, u := range o.ous {
		seen := map[string]bool{id: true}
		for p := u.parent; p != o.Root; p = o.ous[p].parent {
			if _, ok := o.ous[p]; !ok {
				return nil, fmt.Errorf("organization file: OU %s has parent %q, which is neither the root nor an OU", id, p)
			}
			if seen[p] {
				return nil, fmt.Errorf("organization file: OU %s is its own ancestor", id)
			}
			seen[p] = true
		}
	}
	for id, p := range o.accounts {
		if _, ok := o.ous[p]; !ok && p != o.Root {
			return nil, fmt.Errorf("organization file: account %s has parent %q, which is neither the root nor an OU", id, p)
		}
	}
	for _, p := range f.Policies {
		s := p.PolicySummary
		if !policyIDR.MatchString(s.Id) {
			return nil, fmt.Errorf("organization file: policy id %q is not a policy id (p-…)", s.Id)
		}
		if s.Type != typeSCP && s.Type != typeRCP {
			continue // other policy types do not take part in authorization
		}
		if !typesGiven {
			o.enabled[s.Type] = true
		}
		kind := policy.KindIdentity
		if s.Type == typeRCP {
			kind = policy.KindResource
		}
		parsed, err := policy.Parse(p.Content, kind)
		if err != nil {
			return nil, fmt.Errorf("organization file: policy %s (%s): %v", s.Name, s.Id, err)
		}
		name := s.Name
		if name == "" {
			name = s.Id
		}
		for _, t := range p.Targets {
			id := string(t)
			if _, ok := o.ous[id]; !ok && id != o.Root {
				if _, ok := o.accounts[id]; !ok {
					return nil, fmt.Errorf("organization file: policy %s is attached to %q, which is not the root, an OU or an account of the organization", name, id)
				}
			}
			o.attached[id] = append(o.attached[id], orgPolicy{typ: s.Type, named: policy.Named{Name: name, Policy: parsed, ARN: s.Arn}})
		}
	}
	return o, nil
}

// member reports whether acct is an account of o other than its
// management account (the accounts SCPs and RCPs restrict).
func (o *Organization) member(acct string) bool {
	_, ok := o.accounts[acct]
	return ok && acct != o.Management
}

// chain is the ids from the root down to acct's parent.
func (o *Organization) chain(acct string) []string {
	var ids []string
	for id := o.accounts[acct]; id != "" && id != o.Root; id = o.ous[id].parent {
		ids = append(ids, id)
		if len(ids) > len(o.ous) {
			break
		}
	}
	ids = append(ids, o.Root)
	for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
		ids[i], ids[j] = ids[j], ids[i]
	}
	return ids
}

// target names a node as explanations do: "root `r-…`", "OU `Workloads`",
// "account `222222222222`".
func (o *Organization) target(id string) string {
	switch {
	case id == o.Root:
		return "root `" + id + "`"
	case o.ous[id].name != "":
		return "OU `" + o.ous[id].name + "`"
	}
	return "account `" + id + "`"
}

// Path is acct's place for people: "root `r-ab12` / OU `Workloads` /
// account `111111111111`".
func (o *Organization) Path(acct string) string {
	var parts []string
	for _, id := range o.chain(acct) {
		parts = append(parts, o.target(id))
	}
	return strings.Join(append(parts, o.target(acct)), " / ")
}

// orgPath is aws:PrincipalOrgPaths / aws:ResourceOrgPaths: "o-…/r-…/ou-…/".
func (o *Organization) orgPath(acct string) string {
	p := o.ID + "/"
	for _, id := range o.chain(acct) {
		p += id + "/"
	}
	return p
}

// levels are the policies of typ at each level of acct's path, nil when
// typ is not enabled or acct is not a member account.
func (o *Organization) levels(acct, typ string) []policy.OrgLevel {
	if !o.enabled[typ] || !o.member(acct) {
		return nil
	}
	var out []policy.OrgLevel
	for _, id := range append(o.chain(acct), acct) {
		l := policy.OrgLevel{Target: o.target(id)}
		for _, p := range o.attached[id] {
			if p.typ == typ {
				l.Policies = append(l.Policies, p.named)
			}
		}
		out = append(out, l)
	}
	return out
}

// Accounts lists the organization's account ids, sorted.
func (o *Organization) Accounts() []string {
	ids := make([]string, 0, len(o.accounts))
	for id := range o.accounts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
