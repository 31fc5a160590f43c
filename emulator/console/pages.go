package console

import (
	"bytes"
	"net/http"
	"sort"
	"strings"

	"github.com/xacct/xacct/emulator/auth"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulator/sns"
	"github.com/xacct/xacct/policy"
)

type outboxView struct {
	Messages []sns.OutboxMessage // newest first
	Error    string
}

func (c *Console) outbox(w http.ResponseWriter, r *http.Request) {
	var v outboxView
	if c.o.Outbox != nil {
		msgs, err := c.o.Outbox.ListOutbox()
		if err != nil {
			v.Error = err.Error()
		}
		for i := len(msgs) - 1; i >= 0; i-- {
			v.Messages = append(v.Messages, msgs[i])
		}
	}
	c.render(w, "outbox.html", "SNS email outbox", v)
}

func (c *Console) graphPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, "graph.html", "Trust graph", c.buildGraph())
}

func (c *Console) graphSVG(w http.ResponseWriter, r *http.Request) {
	var b bytes.Buffer
	if err := c.tmpl.ExecuteTemplate(&b, "svg", c.buildGraph()); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Write(b.Bytes())
}

// simView is the "would this be allowed?" form and its answer.
type simView struct {
	Principal, Action, Resource, Context string
	Principals                           []string
	Asked                                bool
	Error                                string
	Decision                             string
	Explain                              string
	Diagnosis                            string
	ResourcePolicy                       string
	Statements                           []gstmt
}

// simulate answers the form with the policy engine: the principal's
// current identity policies, boundary and the resource's policy (a role's
// trust policy, a bucket policy, a function policy), as the emulator
// would decide the request, with the diagnosis every other place shows.
func (c *Console) simulate(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := simView{Principal: strings.TrimSpace(q.Get("principal")), Action: strings.TrimSpace(q.Get("action")),
		Resource: strings.TrimSpace(q.Get("resource")), Context: q.Get("context")}
	v.Principals = c.principalARNs()
	if v.Principal == "" && v.Action == "" && v.Resource == "" {
		c.render(w, "simulate.html", "Would this be allowed?", v)
		return
	}
	v.Asked = true
	if err := c.answer(&v); err != "" {
		v.Error = err
		w.WriteHeader(http.StatusBadRequest)
	}
	c.render(w, "simulate.html", "Would this be allowed?", v)
}

func (c *Console) principalARNs() []string {
	var out []string
	if c.o.IAM == nil {
		return out
	}
	for _, a := range c.accounts() {
		for _, u := range c.o.IAM.Users(a) {
			out = append(out, u.ARN)
		}
		for _, r := range c.o.IAM.Roles(a) {
			out = append(out, r.ARN)
		}
	}
	sort.Strings(out)
	return out
}

// answer fills v's decision, or returns why the question cannot be asked.
func (c *Console) answer(v *simView) string {
	if v.Principal == "" || v.Action == "" || v.Resource == "" {
		return "give a principal, an action and a resource"
	}
	if !strings.Contains(v.Action, ":") {
		return "action " + v.Action + " is not service:Operation (s3:GetObject, sts:AssumeRole, ...)"
	}
	caller, ids, boundary, err := c.caller(v.Principal)
	if err != "" {
		return err
	}
	var cx policy.Context
	chkCx := map[string][]string{}
	for _, line := range strings.Split(v.Context, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, val, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return "context line " + line + " is not KEY=VALUE (sts:ExternalId=abc; several values: KEY=a,b)"
		}
		vals := strings.Split(strings.TrimSpace(val), ",")
		cx.Set(strings.TrimSpace(k), vals...)
		chkCx[strings.TrimSpace(k)] = vals
	}
	res, resAcct := c.resourcePolicy(v.Action, v.Resource)
	if resAcct == "" {
		resAcct = arnAccount(v.Resource)
	}
	if resAcct == "" {
		resAcct = caller.Principal.Account
	}
	set := &policy.Set{Identity: ids, Boundary: boundary, Resource: res}
	req := &policy.Request{Principal: caller.Principal, Action: v.Action, Resource: v.Resource, ResourceAccount: resAcct, Context: cx}
	d := policy.Evaluate(req, set)
	v.Decision, v.Explain = d.Effect.String(), d.Explain()
	if res != nil {
		v.ResourcePolicy = res.Name
	}
	chk := service.Check{Action: v.Action, Resource: v.Resource, ResourceAccount: resAcct, ResourcePolicy: res, Context: chkCx}
	v.Diagnosis = service.Diagnose(&service.Call{Caller: caller, Time: c.o.Now()}, chk, d)
	all := append(append([]policy.Named{}, ids...), boundaryList(boundary)...)
	v.Statements = statements(d, all, res)
	return ""
}

// caller resolves a principal ARN (user, role, role session, root) to the
// caller the engine evaluates, with its current policies.
func (c *Console) caller(arn string) (*service.Caller, []policy.Named, *policy.Named, string) {
	if c.o.IAM == nil {
		return nil, nil, nil, "IAM is not available"
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !auth.IsAccountID(parts[4]) {
		return nil, nil, nil, "principal " + arn + " is not an IAM ARN (arn:aws:iam::ACCOUNT:role/NAME, user/NAME, root, or arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION)"
	}
	acct, res := parts[4], parts[5]
	switch {
	case parts[2] == "iam" && res == "root":
		all, _ := policy.Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, policy.KindIdentity)
		return auth.RootCaller(acct), []policy.Named{{Name: "root user", Policy: all}}, nil, ""
	case parts[2] == "iam" && strings.HasPrefix(res, "user/"):
		for _, u := range c.o.IAM.Users(acct) {
			if u.ARN == arn {
				ids, b := c.o.IAM.UserPolicies(acct, u.Name)
				return &service.Caller{UserName: u.Name, Principal: policy.Principal{Type: policy.PrincipalUser, ARN: u.ARN, Account: acct, UniqueID: u.ID}}, ids, b, ""
			}
		}
		return nil, nil, nil, "no user " + arn
	case parts[2] == "iam" && strings.HasPrefix(res, "role/"), parts[2] == "sts" && strings.HasPrefix(res, "assumed-role/"):
		name, session := res[strings.LastIndex(res, "/")+1:], "console"
		if parts[2] == "sts" {
			f := strings.Split(res, "/")
			if len(f) != 3 {
				return nil, nil, nil, "role session " + arn + " is not arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION"
			}
			name, session = f[1], f[2]
		}
		for _, r := range c.o.IAM.Roles(acct) {
			if r.Name == name && (parts[2] == "sts" || r.ARN == arn) {
				ids, b := c.o.IAM.RolePolicies(acct, r.Name)
				return &service.Caller{RoleName: r.Name, SessionName: session, Principal: policy.Principal{Type: policy.PrincipalAssumedRole, Account: acct, RoleARN: r.ARN,
					ARN: "arn:aws:sts::" + acct + ":assumed-role/" + r.Name + "/" + session, UniqueID: r.ID + ":" + session}}, ids, b, ""
			}
		}
		return nil, nil, nil, "no role " + name + " in account " + acct
	}
	return nil, nil, nil, "principal " + arn + " is not a user, role, role session or root user"
}

// resourcePolicy returns the resource-based policy AWS evaluates for the
// action on the resource, and the resource's account when known: a
// role's trust policy (sts:AssumeRole*), a bucket policy, a function
// policy.
func (c *Console) resourcePolicy(action, resource string) (*policy.Named, string) {
	parts := strings.SplitN(resource, ":", 6)
	if len(parts) != 6 {
		return nil, ""
	}
	switch parts[2] {
	case "iam":
		if c.o.IAM == nil || !strings.HasPrefix(strings.ToLower(action), "sts:") {
			return nil, parts[4]
		}
		for _, r := range c.o.IAM.Roles(parts[4]) {
			if r.ARN == resource && r.TrustPolicy != nil {
				return &policy.Named{Name: "trust policy of " + r.ARN, Policy: r.TrustPolicy}, r.Account
			}
		}
	case "s3":
		bucket, _, _ := strings.Cut(parts[5], "/")
		if c.o.S3 == nil {
			return nil, ""
		}
		for _, b := range c.o.S3.Buckets() {
			if b.Name == bucket {
				if b.PolicyParsed == nil {
					return nil, b.Owner
				}
				return &policy.Named{Name: "bucket policy of " + b.Name, Policy: b.PolicyParsed}, b.Owner
			}
		}
	case "lambda":
		if c.o.Lambda == nil {
			return nil, parts[4]
		}
		for _, f := range c.o.Lambda.Functions() {
			if f.ARN() == resource || strings.HasPrefix(resource, f.ARN()+":") {
				if f.Policy == "" {
					return nil, f.Account
				}
				if p, err := policy.Parse(f.Policy, policy.KindResource); err == nil {
					return &policy.Named{Name: "function policy of " + f.Name, Policy: p}, f.Account
				}
				return nil, f.Account
			}
		}
	}
	return nil, parts[4]
}

func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && auth.IsAccountID(parts[4]) {
		return parts[4]
	}
	return ""
}
