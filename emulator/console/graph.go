package console

import (
	"context"
	"html/template"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/iam"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/internal/check"
	"github.com/xacct/xacct/policy"
)

// The trust graph: who may assume which role, decided by the policy
// engine on the emulator's live state with the questions `xacct check`
// asks of templates (internal/check: IdentityStep, TrustStep, Assume).

// gnode is a principal or role in the graph.
type gnode struct {
	ID      string // ARN, or the service principal's name
	Account string // "" for service principals
	Name    string
	Kind    string // "role", "user" or "service"
	X, Y    int
}

// gstmt is a statement that takes part in an edge.
type gstmt struct {
	Ref  string
	HTML template.HTML
}

// gedge is "From may assume To": both the identity side and the trust
// policy allow sts:AssumeRole (for a service principal, the trust policy
// alone).
type gedge struct {
	N        int
	From, To *gnode
	// Conditions are the condition keys the caller must present for the
	// trust policy to allow it (sts:ExternalId, aws:MultiFactorAuthPresent,
	// aws:PrincipalOrgID, ...); Class colours the edge: "plain",
	// "externalid", "org", "mfa" or "other".
	Conditions []string
	Class      string
	Identity   policy.Decision // step 1 (zero for a service)
	Trust      policy.Decision // step 2
	Statements []gstmt
	Path       string // SVG path data
}

type graph struct {
	Accounts []gaccount
	Services []*gnode
	Edges    []*gedge
	W, H     int
}

type gaccount struct {
	ID         string
	Nodes      []*gnode
	X, Y, W, H int
}

// principal is a candidate caller with its policies.
type principal struct {
	node     *gnode
	p        policy.Principal
	ids      []policy.Named
	boundary *policy.Named
	caller   *service.Caller // as the emulator's authorizer sees it
}

// buildGraph decides every edge on the current state.
func (c *Console) buildGraph() *graph {
	g := &graph{}
	if c.o.IAM == nil {
		return g
	}
	type roleInfo struct {
		node  *gnode
		trust *policy.Named
	}
	var roles []roleInfo
	byAccount := map[string][]*principal{}
	byARN := map[string]*principal{}
	var all []*principal
	for _, acct := range c.accounts() {
		ga := gaccount{ID: acct}
		for _, u := range c.o.IAM.Users(acct) {
			n := &gnode{ID: u.ARN, Account: acct, Name: u.Name, Kind: "user"}
			ids, b := c.o.IAM.UserPolicies(acct, u.Name)
			pr := &principal{node: n, ids: ids, boundary: b, p: policy.Principal{Type: policy.PrincipalUser, ARN: u.ARN, Account: acct, UniqueID: u.ID, Tags: iam.Tags(u.Tags)}}
			pr.caller = &service.Caller{Principal: pr.p, UserName: u.Name}
			ga.Nodes = append(ga.Nodes, n)
			byAccount[acct] = append(byAccount[acct], pr)
			byARN[u.ARN] = pr
			all = append(all, pr)
		}
		for _, r := range c.o.IAM.Roles(acct) {
			n := &gnode{ID: r.ARN, Account: acct, Name: r.Name, Kind: "role"}
			ids, b := c.o.IAM.RolePolicies(acct, r.Name)
			pr := &principal{node: n, ids: ids, boundary: b, p: policy.Principal{Type: policy.PrincipalAssumedRole, Account: acct, RoleARN: r.ARN,
				ARN: "arn:aws:sts::" + acct + ":assumed-role/" + r.Name + "/console", UniqueID: r.ID + ":console", Tags: iam.Tags(r.Tags)}}
			now := c.o.Now()
			pr.caller = &service.Caller{Principal: pr.p, RoleName: r.Name, SessionName: "console", Issued: now, Expires: now.Add(time.Hour)}
			ga.Nodes = append(ga.Nodes, n)
			byAccount[acct] = append(byAccount[acct], pr)
			byARN[r.ARN] = pr
			all = append(all, pr)
			if r.TrustPolicy != nil {
				roles = append(roles, roleInfo{node: n, trust: &policy.Named{Name: "trust policy of " + r.ARN, Policy: r.TrustPolicy}})
			}
		}
		g.Accounts = append(g.Accounts, ga)
	}
	services := map[string]*gnode{}
	for _, ri := range roles {
		cands, svcs := candidates(ri.trust.Policy, byAccount, byARN, all)
		for _, pr := range cands {
			if pr.node == ri.node {
				continue
			}
			if e := c.decideEdge(pr, ri.node, ri.trust); e != nil {
				g.Edges = append(g.Edges, e)
			}
		}
		for _, name := range svcs {
			sp := policy.Principal{Type: policy.PrincipalService, Service: name, ARN: name}
			d := trustOnly(check.TrustStep(sp, ri.node.ID, ri.node.Account, ri.trust, policy.Context{}))
			if !d.Allowed() {
				continue
			}
			n := services[name]
			if n == nil {
				n = &gnode{ID: name, Name: name, Kind: "service"}
				services[name] = n
				g.Services = append(g.Services, n)
			}
			e := &gedge{From: n, To: ri.node, Class: "service", Trust: d}
			e.Statements = statements(d, nil, ri.trust)
			g.Edges = append(g.Edges, e)
		}
	}
	sort.Slice(g.Services, func(i, j int) bool { return g.Services[i].ID < g.Services[j].ID })
	for i, e := range g.Edges {
		e.N = i + 1
	}
	layout(g)
	return g
}

// candidates returns the principals a trust policy's Allow statements for
// sts:AssumeRole could name (by ARN, by account, or any), and the service
// principals it names. The engine decides each; this only avoids asking
// about principals no statement names.
func candidates(p *policy.Policy, byAccount map[string][]*principal, byARN map[string]*principal, all []*principal) ([]*principal, []string) {
	seen := map[*principal]bool{}
	var out []*principal
	var svcs []string
	add := func(pr *principal) {
		if pr != nil && !seen[pr] {
			seen[pr] = true
			out = append(out, pr)
		}
	}
	for _, st := range p.Statements() {
		if st.Effect != "Allow" || !st.MatchesAction("sts:AssumeRole") {
			continue
		}
		if len(st.NotPrincipal) > 0 {
			for _, pr := range all {
				add(pr)
			}
			continue
		}
		for typ, vals := range st.Principal {
			for _, v := range vals {
				switch {
				case typ == "Service":
					svcs = append(svcs, v)
				case typ != "AWS" && typ != "*":
				case v == "*" || strings.ContainsAny(v, "*?"):
					for _, pr := range all {
						add(pr)
					}
				case len(v) == 12:
					for _, pr := range byAccount[v] {
						add(pr)
					}
				case strings.HasSuffix(v, ":root"):
					parts := strings.Split(v, ":")
					if len(parts) == 6 {
						for _, pr := range byAccount[parts[4]] {
							add(pr)
						}
					}
				default:
					add(byARN[v])
				}
			}
		}
	}
	return out, svcs
}

// callerKey classifies a condition key a trust policy tests: keys the
// caller presents with its AssumeRole (sts:ExternalId, MFA, tags, session
// name) can be retried with the values the policy wants; organization
// keys are facts of the principal (the authorizer sets them from the
// emulator's Organizations), only coloured.
func callerKey(key string) (class string, presented bool) {
	k := strings.ToLower(key)
	switch {
	case k == "sts:externalid":
		return "externalid", true
	case strings.HasPrefix(k, "aws:principalorg") || strings.HasPrefix(k, "aws:sourceorg"):
		return "org", false
	case strings.HasPrefix(k, "aws:multifactorauth"):
		return "mfa", true
	case strings.HasPrefix(k, "sts:") || strings.HasPrefix(k, "aws:requesttag/") || k == "aws:tagkeys" || k == "aws:sourceidentity":
		return "other", true
	}
	return "", false
}

// assume decides sts:AssumeRole by pr on role with the caller-presented
// keys cx: with the emulator's authorizer when the console has it (the
// decision its STS makes, organizations' SCPs and RCPs and global keys
// included, nothing recorded), else with check.Assume.
func (c *Console) assume(pr *principal, role *gnode, trust *policy.Named, cx policy.Context, keys map[string][]string) policy.Decision {
	if c.o.Authz == nil {
		return check.Assume(pr.p, pr.ids, pr.boundary, role.ID, role.Account, trust, cx)
	}
	chkCx := map[string][]string{"sts:RoleSessionName": {"console"}}
	for k, v := range keys {
		chkCx[k] = v
	}
	call := &service.Call{Caller: pr.caller, Time: c.o.Now(), Region: c.o.Region, Service: "sts", Operation: "AssumeRole"}
	return c.o.Authz.Decide(context.Background(), call, service.Check{Action: "sts:AssumeRole", Resource: role.ID, ResourceAccount: role.Account, ResourcePolicy: trust, Context: chkCx})
}

// decideEdge asks whether pr may assume role; when the trust policy
// refuses for want of caller-presented keys only, it asks again with the
// values the policy tests. The edge is coloured by the condition keys of
// the trust statements that allow it.
func (c *Console) decideEdge(pr *principal, role *gnode, trust *policy.Named) *gedge {
	var cx policy.Context
	keys := map[string][]string{}
	d := c.assume(pr, role, trust, cx, keys)
	if !d.Allowed() && len(d.NearMisses) > 0 {
		seen := map[string]bool{}
		for _, st := range trust.Policy.Statements() {
			if st.Effect != "Allow" {
				continue
			}
			for _, cond := range st.Conditions {
				if _, ok := callerKey(cond.Key); !ok || seen[strings.ToLower(cond.Key)] || len(cond.Values) == 0 {
					continue
				}
				seen[strings.ToLower(cond.Key)] = true
				cx.Set(cond.Key, sample(cond))
				keys[cond.Key] = []string{sample(cond)}
			}
		}
		if len(keys) == 0 {
			return nil
		}
		d = c.assume(pr, role, trust, cx, keys)
	}
	if !d.Allowed() {
		return nil
	}
	e := &gedge{From: pr.node, To: role, Class: "plain"}
	seen := map[string]bool{}
	for _, ref := range d.Matched {
		if ref.Source != policy.SourceResource || ref.Index >= len(trust.Policy.Statements()) {
			continue
		}
		for _, cond := range trust.Policy.Statements()[ref.Index].Conditions {
			class, _ := callerKey(cond.Key)
			if class == "" || seen[strings.ToLower(cond.Key)] {
				continue
			}
			seen[strings.ToLower(cond.Key)] = true
			e.Conditions = append(e.Conditions, cond.Key)
			if e.Class == "plain" || rank[class] > rank[e.Class] {
				e.Class = class
			}
		}
	}
	e.Identity = check.IdentityStep(pr.p, pr.ids, pr.boundary, role.ID)
	e.Trust = trustOnly(check.TrustStep(pr.p, role.ID, role.Account, trust, cx))
	e.Statements = statements(e.Identity, append(append([]policy.Named{}, pr.ids...), boundaryList(pr.boundary)...), nil)
	e.Statements = append(e.Statements, statements(e.Trust, nil, trust)...)
	return e
}

var rank = map[string]int{"other": 1, "org": 2, "mfa": 3, "externalid": 4}

func boundaryList(b *policy.Named) []policy.Named {
	if b == nil {
		return nil
	}
	return []policy.Named{*b}
}

// sample is a value that meets a condition as written: the first value,
// with wildcards of a Like operator filled, "true" for Bool, 0 for an age
// that must be less than a number.
func sample(c policy.Condition) string {
	op := strings.ToLower(c.Operator)
	v := c.Values[0]
	switch {
	case strings.Contains(op, "numericless") || strings.Contains(op, "numericlessthanequals"):
		return "0"
	case strings.Contains(op, "like"):
		return strings.NewReplacer("*", "x", "?", "x").Replace(v)
	case strings.Contains(op, "not"):
		return v + "-other"
	}
	return v
}

// statements returns the statements behind a decision, with their text:
// from the identity-side policies ids or the resource policy res.
func statements(d policy.Decision, ids []policy.Named, res *policy.Named) []gstmt {
	var out []gstmt
	for _, ref := range d.Matched {
		var p *policy.Policy
		if ref.Source == policy.SourceResource && res != nil && res.Name == ref.Policy {
			p = res.Policy
		}
		for _, n := range ids {
			if p == nil && n.Name == ref.Policy {
				p = n.Policy
			}
		}
		s := gstmt{Ref: ref.String()}
		if p != nil && ref.Index < len(p.Statements()) {
			s.HTML = highlightJSON(statementText(p, ref.Index))
		}
		out = append(out, s)
	}
	return out
}

// statementText is the text of statement i as written in the document.
func statementText(p *policy.Policy, i int) string {
	st := p.Statements()[i]
	text := p.Text()
	off := func(pos policy.Position) int {
		line, o := 1, 0
		for o < len(text) && line < pos.Line {
			if text[o] == '\n' {
				line++
			}
			o++
		}
		return min(o+pos.Column-1, len(text))
	}
	a, b := off(st.Start), off(st.End)
	if a < 0 || b <= a {
		return ""
	}
	if b < len(text) && text[b] == '}' {
		b++
	}
	return text[a:b]
}

// Layout: one column per account (services first, on the left), its
// users then its roles stacked; edges are curves between the columns.
const (
	colW    = 260
	colGap  = 170
	nodeH   = 22
	nodeGap = 8
	headH   = 34
	margin  = 16
)

func layout(g *graph) {
	x := margin
	maxH := 0
	if len(g.Services) > 0 {
		y := margin + headH
		for _, n := range g.Services {
			n.X, n.Y = x+10, y
			y += nodeH + nodeGap
		}
		maxH = y
		x += colW + colGap
	}
	for i := range g.Accounts {
		a := &g.Accounts[i]
		a.X, a.Y, a.W = x, margin, colW
		y := margin + headH
		for _, n := range a.Nodes {
			n.X, n.Y = x+10, y
			y += nodeH + nodeGap
		}
		a.H = y - margin
		maxH = max(maxH, y)
		x += colW + colGap
	}
	g.W, g.H = max(x-colGap+margin, 400), maxH+margin
	for _, e := range g.Edges {
		e.Path = edgePath(e.From, e.To)
	}
}

func edgePath(a, b *gnode) string {
	w := colW - 20
	y1, y2 := a.Y+nodeH/2, b.Y+nodeH/2
	itoa := strconv.Itoa
	switch {
	case a.X == b.X: // same account: an arc on the right
		x := a.X + w
		bend := x + 40 + min(abs(y2-y1)/6, 60)
		return "M" + itoa(x) + "," + itoa(y1) + " C" + itoa(bend) + "," + itoa(y1) + " " + itoa(bend) + "," + itoa(y2) + " " + itoa(x) + "," + itoa(y2)
	case a.X < b.X:
		x1, x2 := a.X+w, b.X
		mid := (x1 + x2) / 2
		return "M" + itoa(x1) + "," + itoa(y1) + " C" + itoa(mid) + "," + itoa(y1) + " " + itoa(mid) + "," + itoa(y2) + " " + itoa(x2) + "," + itoa(y2)
	default:
		x1, x2 := a.X, b.X+w
		mid := (x1 + x2) / 2
		return "M" + itoa(x1) + "," + itoa(y1) + " C" + itoa(mid) + "," + itoa(y1) + " " + itoa(mid) + "," + itoa(y2) + " " + itoa(x2) + "," + itoa(y2)
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// CondClass is the colour class of a condition key, for the template.
func (g *graph) CondClass(key string) string {
	class, _ := callerKey(key)
	return class
}

// trustOnly keeps, of step 2's decision, the trust policy's statements:
// TrustStep grants any identity permission to ask about the trust policy
// alone, and that stand-in is no statement of the user's.
func trustOnly(d policy.Decision) policy.Decision {
	var m []policy.StatementRef
	for _, r := range d.Matched {
		if r.Source == policy.SourceResource {
			m = append(m, r)
		}
	}
	d.Matched = m
	return d
}
