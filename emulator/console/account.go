package console

import (
	"html/template"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/xacct/xacct/emulator/cloudformation"
	"github.com/xacct/xacct/emulator/cloudwatch"
	"github.com/xacct/xacct/emulator/lambda"
	"github.com/xacct/xacct/emulator/logs"
	"github.com/xacct/xacct/policy"
)

// doc is a policy document to show, highlighted.
type doc struct {
	Name string
	Kind string
	HTML template.HTML
}

type principalView struct {
	Name, ARN, Path string
	Created         time.Time
	Trust           template.HTML // roles only
	Policies        []doc
	Boundary        string
}

type bucketView struct {
	Name, Region string
	Created      time.Time
	Objects      int
	Bytes        int64
	Policy       template.HTML
}

type functionView struct {
	Name, Region, Runtime, Role, Handler, LogGroup string
}

type stackView struct {
	Name, Region, Status, Reason string
	Created                      time.Time
	Events                       []cloudformation.StackEvent
}

type alarmView struct {
	Name, Region, State, Reason, Metric string
	History                             []cloudwatch.AlarmHistoryItem
}

type accountView struct {
	ID        string
	Roles     []principalView
	Users     []principalView
	Buckets   []bucketView
	Functions []functionView
	Stacks    []stackView
	Alarms    []alarmView
}

func docsOf(ids []policy.Named, boundary *policy.Named) ([]doc, string) {
	var out []doc
	for _, n := range ids {
		kind := "inline policy"
		if strings.HasPrefix(n.Name, "arn:") {
			kind = "managed policy"
		}
		text := ""
		if n.Policy != nil {
			text = n.Policy.Text()
		}
		out = append(out, doc{Name: n.Name, Kind: kind, HTML: highlightJSON(text)})
	}
	b := ""
	if boundary != nil {
		b = boundary.Name
	}
	return out, b
}

func (c *Console) account(w http.ResponseWriter, r *http.Request) {
	acct := r.PathValue("account")
	if !validAccount(w, acct) {
		return
	}
	v := accountView{ID: acct}
	if c.o.IAM != nil {
		for _, role := range c.o.IAM.Roles(acct) {
			ids, bnd := c.o.IAM.RolePolicies(acct, role.Name)
			p := principalView{Name: role.Name, ARN: role.ARN, Path: role.Path, Created: role.CreateDate, Trust: highlightJSON(role.TrustText)}
			p.Policies, p.Boundary = docsOf(ids, bnd)
			v.Roles = append(v.Roles, p)
		}
		for _, u := range c.o.IAM.Users(acct) {
			ids, bnd := c.o.IAM.UserPolicies(acct, u.Name)
			p := principalView{Name: u.Name, ARN: u.ARN, Path: u.Path, Created: u.CreateDate}
			p.Policies, p.Boundary = docsOf(ids, bnd)
			v.Users = append(v.Users, p)
		}
	}
	if c.o.S3 != nil {
		for _, b := range c.o.S3.Buckets() {
			if b.Owner != acct {
				continue
			}
			bv := bucketView{Name: b.Name, Region: b.Region, Created: b.Created, Objects: b.Objects, Bytes: b.Bytes}
			if b.Policy != "" {
				bv.Policy = highlightJSON(b.Policy)
			}
			v.Buckets = append(v.Buckets, bv)
		}
	}
	if c.o.Lambda != nil {
		for _, f := range c.o.Lambda.Functions() {
			if f.Account == acct {
				v.Functions = append(v.Functions, functionView{Name: f.Name, Region: f.Region, Runtime: f.Runtime, Role: f.Role, Handler: f.Handler, LogGroup: f.LogGroup()})
			}
		}
	}
	for _, region := range c.regions() {
		ctx := c.asRoot(r.Context(), acct, region)
		if c.o.Stacks != nil {
			if out, err := c.o.Stacks.DescribeStacks(ctx, &cloudformation.DescribeStacksIn{}); err == nil {
				for _, st := range out.Stacks {
					sv := stackView{Name: st.StackName, Region: region, Status: st.StackStatus, Reason: aws.ToString(st.StackStatusReason), Created: st.CreationTime}
					if ev, err := c.o.Stacks.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsIn{StackName: st.StackId}); err == nil {
						sv.Events = ev.StackEvents
					}
					v.Stacks = append(v.Stacks, sv)
				}
			}
		}
		if c.o.Alarms != nil {
			var token string
			for {
				out, err := c.o.Alarms.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsIn{NextToken: token})
				if err != nil {
					break
				}
				for _, a := range out.MetricAlarms {
					av := alarmView{Name: a.AlarmName, Region: region, State: a.StateValue, Reason: a.StateReason, Metric: a.Namespace + " " + a.MetricName}
					if h, err := c.o.Alarms.DescribeAlarmHistory(ctx, &cloudwatch.DescribeAlarmHistoryIn{AlarmName: a.AlarmName}); err == nil {
						av.History = h.AlarmHistoryItems
					}
					v.Alarms = append(v.Alarms, av)
				}
				if token = out.NextToken; token == "" {
					break
				}
			}
		}
	}
	c.render(w, "account.html", "Account "+acct, v)
}

// invocation is one Lambda invocation, read from the function's log: its
// START and REPORT lines (text or JSON format).
type invocation struct {
	RequestID string
	Start     time.Time
	Report    string
	Status    string
	Refusals  []string
}

type functionPage struct {
	Account     string
	F           lambda.Function
	Env         [][2]string
	Invocations []invocation
	Events      []logs.FilteredEvent
	LogError    string
}

// maxLogEvents is how many of a function's newest log events its page
// shows; maxInvocations how many invocations.
const (
	maxLogEvents   = 200
	maxInvocations = 20
)

func (c *Console) function(w http.ResponseWriter, r *http.Request) {
	acct, region, name := r.PathValue("account"), r.PathValue("region"), r.PathValue("name")
	if !validAccount(w, acct) {
		return
	}
	var fn *lambda.Function
	if c.o.Lambda != nil {
		for _, f := range c.o.Lambda.Functions() {
			if f.Account == acct && f.Region == region && f.Name == name {
				fn = &f
				break
			}
		}
	}
	if fn == nil {
		http.Error(w, "no function "+name+" in account "+acct+" ("+region+")", http.StatusNotFound)
		return
	}
	p := functionPage{Account: acct, F: *fn}
	keys := make([]string, 0, len(fn.Env))
	for k := range fn.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p.Env = append(p.Env, [2]string{k, redacted(k, fn.Env[k])})
	}
	if c.o.Logs != nil {
		var events []logs.FilteredEvent
		var token string
		for {
			out, err := c.o.Logs.FilterLogEvents(c.asRoot(r.Context(), acct, region), &logs.FilterIn{LogGroupName: fn.LogGroup(), NextToken: token})
			if err != nil {
				p.LogError = err.Error()
				break
			}
			events = append(events, out.Events...)
			if len(events) > 10*maxLogEvents {
				events = lastN(events, maxLogEvents)
			}
			if token = out.NextToken; token == "" {
				break
			}
		}
		sort.SliceStable(events, func(i, j int) bool { return events[i].Timestamp < events[j].Timestamp })
		p.Invocations = invocations(events)
		p.Events = lastN(events, maxLogEvents)
	}
	c.render(w, "function.html", "Function "+name, p)
}
