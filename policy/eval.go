package policy

// This file decides requests: which statements apply, and how the policy
// types combine (IAM User Guide, "Policy evaluation logic", "How AWS
// enforcement code logic evaluates requests to allow or deny access" and
// "Cross-account policy evaluation logic"): an explicit deny in any policy
// (SCPs and RCPs included) decides; then the RCPs must allow, then the SCPs,
// each at every level of the organization path; then resource-based,
// identity-based, boundary and session policies as below.

// evaluator holds one request while its statements are checked.
type evaluator struct {
	req     *Request
	scratch [1]string
}

// principal match strength in a resource-based policy, weakest first.
type grant int

const (
	grantNone    grant = iota
	grantAccount       // the caller's account: access is delegated to its identity policies
	grantRole          // the caller's role ARN: limited by boundary and session policies
	grantDirect        // the caller itself (user, session, "*", service)
)

// principalGrant returns how a statement's principal list matches the
// request's principal.
func (ev *evaluator) principalGrant(pats []principalPat) grant {
	pr := &ev.req.Principal
	best := grantNone
	for _, p := range pats {
		g := grantNone
		switch p.kind {
		case pStar:
			g = grantDirect
		case pAccount:
			if pr.Account != "" && pr.Account == p.value {
				g = grantAccount
				if pr.Type == PrincipalRoot {
					g = grantDirect
				}
			}
		case pRole:
			if pr.Type == PrincipalAssumedRole && pr.RoleARN == p.value {
				g = grantRole
			}
		case pUser, pSession, pFederated:
			if pr.ARN == p.value && pr.Type != PrincipalService {
				g = grantDirect
			}
		case pUniqueID:
			if id := pr.UniqueID; id == p.value || (len(id) > len(p.value) && id[:len(p.value)] == p.value && id[len(p.value)] == ':') {
				if pr.Type == PrincipalAssumedRole {
					g = grantRole
				} else {
					g = grantDirect
				}
			}
		case pService:
			if pr.Type == PrincipalService && equalFold(pr.Service, p.value) {
				g = grantDirect
			}
		}
		if g > best {
			best = g
		}
	}
	return best
}

// notPrincipalExempts reports whether a NotPrincipal list that matched the
// caller with strength g leaves the caller out of the statement. AWS checks
// NotPrincipal at each level of the caller (account, role, session), so
// only the caller's own identity exempts it: naming a role does not exempt
// its sessions and naming an account does not exempt its users and roles
// (IAM User Guide, "AWS JSON policy elements: NotPrincipal", the
// assumed-role example names the session ARN, the role and the account).
func notPrincipalExempts(g grant) bool { return g == grantDirect }

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if foldByte(a[i]) != foldByte(b[i]) {
			return false
		}
	}
	return true
}

// matches reports whether st applies to the request (ignoring its
// principal) and, for resource-based policies, how its principal matches.
func (ev *evaluator) matches(c *compiled, withPrincipal bool) (bool, grant) {
	g := grantDirect
	if withPrincipal && c.hasPrinc {
		g = ev.principalGrant(c.principals)
		if c.notPrinc {
			if notPrincipalExempts(g) {
				return false, grantNone
			}
			g = grantDirect
		} else if g == grantNone {
			return false, grantNone
		}
	}
	if !ev.matchActions(c) || !ev.matchResources(c) {
		return false, grantNone
	}
	for i := range c.conds {
		if !ev.condition(&c.conds[i]) {
			return false, grantNone
		}
	}
	return true, g
}

func (ev *evaluator) matchActions(c *compiled) bool {
	hit := false
	for i := range c.actions {
		if matchAction(&c.actions[i], ev.req.Action) {
			hit = true
			break
		}
	}
	return hit != c.notAction
}

func (ev *evaluator) matchResources(c *compiled) bool {
	if !c.hasResource {
		return true
	}
	hit := false
	for i := range c.resources {
		t := &c.resources[i]
		pat, ok := t.expand(ev)
		if !ok {
			// A resource whose variable has no value matches nothing, so
			// for NotResource the statement does not apply either.
			return false
		}
		if ArnMatch(pat, ev.req.Resource) {
			hit = true
			break
		}
	}
	return hit != c.notResource
}

// source is one policy of a Set being evaluated.
type source struct {
	src    Source
	named  *Named
	isRes  bool
	policy *Policy
	target string // where an SCP or RCP is attached
}

// Evaluate decides req against the policies in set.
func Evaluate(req *Request, set *Set) Decision {
	var d Decision
	EvaluateInto(req, set, &d)
	return d
}

// EvaluateInto is Evaluate writing into d, reusing d's slices: callers that
// keep a Decision between requests evaluate without allocating.
func EvaluateInto(req *Request, set *Set, d *Decision) {
	d.Effect = ImplicitDeny
	d.Matched = d.Matched[:0]
	d.Missing = d.Missing[:0]
	d.NearMisses = d.NearMisses[:0]
	ev := evaluator{req: req}

	// 1. An explicit deny in any policy decides.
	denied := false
	each(set, func(s source) {
		for i := range s.policy.stmts {
			st := &s.policy.stmts[i]
			if !st.c.deny {
				continue
			}
			if ok, _ := ev.matches(&st.c, s.isRes); ok {
				denied = true
				d.Matched = append(d.Matched, ref(s, st, ExplicitDeny))
			}
		}
	})
	if denied {
		d.Effect = ExplicitDeny
		return
	}

	// 2. RCPs, then SCPs: every level of the organization path needs an
	// allow; the first type missing one decides (evaluation stops there).
	d.Gaps = d.Gaps[:0]
	for _, org := range [...]struct {
		levels []OrgLevel
		src    Source
	}{{set.RCP, SourceRCP}, {set.SCP, SourceSCP}} {
		if ev.orgGaps(org.levels, org.src, d) {
			d.Missing = append(d.Missing, org.src)
			return
		}
	}

	// 3. Which of the other policy types allow.
	mark := len(d.Matched)
	idAllow := ev.allows(set.Identity, SourceIdentity, d)
	bAllow := true
	if set.Boundary != nil {
		bAllow = ev.allowsOne(set.Boundary, SourceBoundary, false, d) != grantNone
	}
	sAllow := true
	if len(set.Session) > 0 {
		sAllow = ev.allows(set.Session, SourceSession, d)
	}
	rGrant := grantNone
	if set.Resource != nil && set.Resource.Policy != nil {
		rGrant = ev.allowsOne(set.Resource, SourceResource, true, d)
	}
	trust := set.Resource != nil && set.Resource.Policy != nil && set.Resource.Policy.kind == KindTrust
	// A key policy is, like a trust policy, required in the key's own
	// account: without a statement for the caller or its account, no
	// identity-based policy counts.
	key := set.Resource != nil && set.Resource.Policy != nil && set.Resource.Policy.kind == KindKey

	pr := &req.Principal
	cross := req.ResourceAccount != "" && req.ResourceAccount != pr.Account
	allowed := false
	switch {
	case pr.Type == PrincipalService || pr.Type == PrincipalAnonymous:
		// Services and anonymous callers have no identity policies: the
		// resource-based policy alone decides.
		allowed = rGrant != grantNone
		if !allowed {
			d.Missing = append(d.Missing, SourceResource)
		}
	case cross:
		// Cross-account: the caller's account must allow (identity,
		// boundary, session) and the resource's policy must allow.
		allowed = idAllow && bAllow && sAllow && rGrant != grantNone
		if !allowed {
			if !idAllow {
				d.Missing = append(d.Missing, SourceIdentity)
			}
			if !bAllow {
				d.Missing = append(d.Missing, SourceBoundary)
			}
			if !sAllow {
				d.Missing = append(d.Missing, SourceSession)
			}
			if rGrant == grantNone {
				d.Missing = append(d.Missing, SourceResource)
			}
		}
	default:
		// Same account: a resource-based policy naming the caller itself
		// allows on its own; naming the caller's role ARN is limited by
		// boundary and session policies; naming the account delegates to
		// the identity-based policies. Trust policies must always allow.
		switch {
		case rGrant == grantDirect:
			allowed = true
		case rGrant == grantRole:
			allowed = bAllow && sAllow
		case (trust || key) && rGrant == grantNone:
			allowed = false
		default:
			allowed = idAllow && bAllow && sAllow
		}
		if !allowed {
			if (trust || key) && rGrant == grantNone {
				d.Missing = append(d.Missing, SourceResource)
			}
			// Without the key policy's delegation, identity-based
			// policies do not count: only the key policy is missing.
			if !idAllow && rGrant < grantRole && !(key && rGrant == grantNone) {
				d.Missing = append(d.Missing, SourceIdentity)
			}
			if !bAllow {
				d.Missing = append(d.Missing, SourceBoundary)
			}
			if !sAllow {
				d.Missing = append(d.Missing, SourceSession)
			}
		}
	}
	if !allowed && len(set.Grants) > 0 && pr.Type != PrincipalAnonymous {
		allowed = ev.grantAllows(set.Grants, idAllow, bAllow, sAllow, d)
		if allowed {
			d.Missing = d.Missing[:0]
		}
	}
	if allowed {
		d.Effect = Allow
		return
	}
	d.Matched = d.Matched[:mark]
	d.NearMisses = d.NearMisses[:0]
	each(set, func(s source) { ev.nearMisses(s, d) })
}

// grantAllows reports whether a KMS grant allows the request: one naming
// the caller itself allows on its own, one naming its role as far as the
// boundary and session policies allow, one naming its account as far as
// its identity-based policies do too.
func (ev *evaluator) grantAllows(grants []Named, idAllow, bAllow, sAllow bool, d *Decision) bool {
	for i := range grants {
		switch ev.allowsOne(&grants[i], SourceGrant, true, d) {
		case grantDirect:
			return true
		case grantRole:
			if bAllow && sAllow {
				return true
			}
		case grantAccount:
			if idAllow && bAllow && sAllow {
				return true
			}
		}
	}
	return false
}

// nearMisses records the Allow statements of s that failed only on a
// condition. It runs on the deny path, off the hot path of allowed
// requests.
func (ev *evaluator) nearMisses(s source, d *Decision) {
	if s.src == SourceSCP || s.src == SourceRCP {
		return
	}
	for i := range s.policy.stmts {
		st := &s.policy.stmts[i]
		c := &st.c
		if c.deny || len(c.conds) == 0 {
			continue
		}
		if s.isRes && c.hasPrinc {
			g := ev.principalGrant(c.principals)
			if c.notPrinc && notPrincipalExempts(g) || !c.notPrinc && g == grantNone {
				continue
			}
		}
		if !ev.matchActions(c) || !ev.matchResources(c) {
			continue
		}
		for j := range c.conds {
			if !ev.condition(&c.conds[j]) {
				_, present := ev.lookupValues(c.conds[j].key)
				cd := st.Conditions[j]
				d.NearMisses = append(d.NearMisses, NearMiss{StatementRef: ref(s, st, Allow), Operator: cd.Operator, Key: cd.Key, Present: present})
				break
			}
		}
	}
}

// allows reports whether any policy in list has an Allow statement that
// matches, recording the matches in d.
func (ev *evaluator) allows(list []Named, src Source, d *Decision) bool {
	any := false
	for i := range list {
		if ev.allowsOne(&list[i], src, false, d) != grantNone {
			any = true
		}
	}
	return any
}

func (ev *evaluator) allowsOne(n *Named, src Source, isRes bool, d *Decision) grant {
	if n == nil || n.Policy == nil {
		return grantNone
	}
	best := grantNone
	s := source{src: src, named: n, isRes: isRes, policy: n.Policy}
	for i := range n.Policy.stmts {
		st := &n.Policy.stmts[i]
		if st.c.deny {
			continue
		}
		if ok, g := ev.matches(&st.c, isRes); ok {
			d.Matched = append(d.Matched, ref(s, st, Allow))
			if g > best {
				best = g
			}
		}
	}
	return best
}

// orgGaps records in d.Gaps each level of levels where no policy has an
// Allow statement matching the request, and reports whether there was one.
// RCPs (src SourceRCP) match their Principal element like resource-based
// policies.
func (ev *evaluator) orgGaps(levels []OrgLevel, src Source, d *Decision) bool {
	gap := false
	for i := range levels {
		if !ev.levelAllows(&levels[i], src == SourceRCP) {
			d.Gaps = append(d.Gaps, OrgGap{Source: src, Target: levels[i].Target})
			gap = true
		}
	}
	return gap
}

func (ev *evaluator) levelAllows(l *OrgLevel, isRes bool) bool {
	for _, n := range l.Policies {
		if n.Policy == nil {
			continue
		}
		for i := range n.Policy.stmts {
			st := &n.Policy.stmts[i]
			if st.c.deny {
				continue
			}
			if ok, _ := ev.matches(&st.c, isRes); ok {
				return true
			}
		}
	}
	return false
}

func ref(s source, st *Statement, e Effect) StatementRef {
	return StatementRef{Source: s.src, Policy: s.named.Name, Sid: st.Sid, Index: st.c.index, Effect: e, Target: s.target, PolicyARN: s.named.ARN}
}

// each calls f for every policy in set.
func each(set *Set, f func(source)) {
	for i := range set.Identity {
		if p := set.Identity[i].Policy; p != nil {
			f(source{src: SourceIdentity, named: &set.Identity[i], policy: p})
		}
	}
	if set.Boundary != nil && set.Boundary.Policy != nil {
		f(source{src: SourceBoundary, named: set.Boundary, policy: set.Boundary.Policy})
	}
	for i := range set.Session {
		if p := set.Session[i].Policy; p != nil {
			f(source{src: SourceSession, named: &set.Session[i], policy: p})
		}
	}
	if set.Resource != nil && set.Resource.Policy != nil {
		f(source{src: SourceResource, named: set.Resource, isRes: true, policy: set.Resource.Policy})
	}
	for _, org := range [...]struct {
		levels []OrgLevel
		src    Source
	}{{set.RCP, SourceRCP}, {set.SCP, SourceSCP}} {
		for i := range org.levels {
			l := &org.levels[i]
			for j := range l.Policies {
				if p := l.Policies[j].Policy; p != nil {
					f(source{src: org.src, named: &l.Policies[j], isRes: org.src == SourceRCP, policy: p, target: l.Target})
				}
			}
		}
	}
}
