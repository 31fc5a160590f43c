package console

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/xacct/xacct/emulator/auth"
	"github.com/xacct/xacct/emulator/cloudformation"
	"github.com/xacct/xacct/emulator/cloudwatch"
	"github.com/xacct/xacct/emulator/iam"
	"github.com/xacct/xacct/emulator/internal/trail"
	"github.com/xacct/xacct/emulator/lambda"
	"github.com/xacct/xacct/emulator/logs"
	"github.com/xacct/xacct/emulator/s3"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulator/sns"
	"github.com/xacct/xacct/policy"
)

// Prefix is where the console is served on the emulator's listener.
const Prefix = "/_xacct/"

// IAM is what the console reads of IAM. *iam.Service implements it.
type IAM interface {
	Accounts() []string
	Roles(acct string) []iam.RoleView
	Users(acct string) []iam.User
	RolePolicies(acct, name string) (identity []policy.Named, boundary *policy.Named)
	UserPolicies(acct, name string) (identity []policy.Named, boundary *policy.Named)
}

// S3 is what the console reads of S3. *s3.Service implements it.
type S3 interface {
	Buckets() []s3.BucketSummary
}

// Lambda is what the console reads of Lambda. *lambda.Service implements it.
type Lambda interface {
	Functions() []lambda.Function
}

// Stacks is what the console reads of CloudFormation, asked as the root
// user of an account in a region (the context's service.Call).
// *cloudformation.Service implements it.
type Stacks interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksIn) (*cloudformation.DescribeStacksOut, error)
	DescribeStackEvents(ctx context.Context, in *cloudformation.DescribeStackEventsIn) (*cloudformation.DescribeStackEventsOut, error)
}

// Alarms is what the console reads of CloudWatch. *cloudwatch.Service
// implements it.
type Alarms interface {
	DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsIn) (*cloudwatch.DescribeAlarmsOut, error)
	DescribeAlarmHistory(ctx context.Context, in *cloudwatch.DescribeAlarmHistoryIn) (*cloudwatch.DescribeAlarmHistoryOut, error)
}

// Logs is what the console reads of CloudWatch Logs. *logs.Service
// implements it.
type Logs interface {
	FilterLogEvents(ctx context.Context, in *logs.FilterIn) (*logs.FilterOut, error)
}

// Outbox lists the email SNS delivered. *sns.Service implements it.
type Outbox interface {
	ListOutbox() ([]sns.OutboxMessage, error)
}

// Trail is the decision trail. *trail.Trail implements it.
type Trail interface {
	Query(f trail.Filter) []trail.Record
	After(seq uint64, f trail.Filter) ([]trail.Record, uint64)
	Last() uint64
	Capacity() int
}

// Options are the services the console reads. A nil service shows as
// empty.
type Options struct {
	IAM    IAM
	S3     S3
	Lambda Lambda
	Stacks Stacks
	Alarms Alarms
	Logs   Logs
	Outbox Outbox
	Trail  Trail
	// Authz, when set, decides the trust graph's edges as the emulator's
	// STS would (organizations included); it must record nothing (no
	// decision trail). Nil decides them with internal/check alone.
	Authz service.Authorizer
	// Region is the emulator's default region: stacks, alarms and logs are
	// read in it and in the regions of the functions and buckets.
	Region string
	// Now is the emulator's clock (time.Now when nil).
	Now func() time.Time
	// PollEvery is how often the live trail looks for new decisions
	// (default 250 ms).
	PollEvery time.Duration
	Log       *slog.Logger
}

// Console serves the web console. It is safe for concurrent use.
type Console struct {
	o      Options
	mux    *http.ServeMux
	tmpl   *template.Template
	done   chan struct{}
	closed sync.Once
}

//go:embed assets
var assets embed.FS

// New returns the console reading the services in o.
func New(o Options) *Console {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.PollEvery <= 0 {
		o.PollEvery = 250 * time.Millisecond
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	c := &Console{o: o, done: make(chan struct{})}
	c.tmpl = template.Must(template.New("").Funcs(funcs).ParseFS(assets, "assets/*.html"))
	static, _ := fs.Sub(assets, "assets")
	m := http.NewServeMux()
	m.Handle("GET /_xacct/static/", http.StripPrefix("/_xacct/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /_xacct/{$}", c.index)
	m.HandleFunc("GET /_xacct/accounts/{account}", c.account)
	m.HandleFunc("GET /_xacct/functions/{account}/{region}/{name}", c.function)
	m.HandleFunc("GET /_xacct/outbox", c.outbox)
	m.HandleFunc("GET /_xacct/graph", c.graphPage)
	m.HandleFunc("GET /_xacct/graph.svg", c.graphSVG)
	m.HandleFunc("GET /_xacct/trail", c.trailPage)
	m.HandleFunc("GET /_xacct/events", c.events)
	m.HandleFunc("GET /_xacct/simulate", c.simulate)
	c.mux = m
	return c
}

// Close ends the live trail's streams (the emulator stops).
func (c *Console) Close() { c.closed.Do(func() { close(c.done) }) }

// ServeHTTP serves the console's pages; anything but GET or HEAD is 405:
// the console changes nothing (changes go through the AWS APIs).
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "the console is read-only: "+r.Method+" is not allowed; change state through the AWS APIs", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path == "/_xacct" {
		http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
	c.mux.ServeHTTP(w, r)
}

// render writes page name with data, in the layout.
func (c *Console) render(w http.ResponseWriter, name, title string, data any) {
	var b bytes.Buffer
	if err := c.tmpl.ExecuteTemplate(&b, name, page{Title: title, Data: data}); err != nil {
		c.o.Log.Error("console: rendering a page failed", slog.String("page", name), slog.Any("error", err))
		http.Error(w, "rendering "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b.Bytes())
}

// page is what every template gets.
type page struct {
	Title string
	Data  any
}

// asRoot returns a context whose call is account acct's root user in
// region: how the console asks the services whose Go APIs read the
// caller's scope. Nothing is authorized or recorded for it.
func (c *Console) asRoot(ctx context.Context, acct, region string) context.Context {
	return service.WithCall(ctx, &service.Call{Caller: auth.RootCaller(acct), Region: region, Time: c.o.Now(), Operation: "Console"})
}

// accounts returns every account the emulator knows: IAM's, the owners of
// buckets and functions, and the trail's callers.
func (c *Console) accounts() []string {
	seen := map[string]bool{}
	if c.o.IAM != nil {
		for _, a := range c.o.IAM.Accounts() {
			seen[a] = true
		}
	}
	if c.o.S3 != nil {
		for _, b := range c.o.S3.Buckets() {
			seen[b.Owner] = true
		}
	}
	if c.o.Lambda != nil {
		for _, f := range c.o.Lambda.Functions() {
			seen[f.Account] = true
		}
	}
	delete(seen, "")
	out := make([]string, 0, len(seen))
	for a := range seen {
		if auth.IsAccountID(a) {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// regions returns the default region and those of the functions and
// buckets, default first.
func (c *Console) regions() []string {
	out := []string{c.o.Region}
	seen := map[string]bool{c.o.Region: true}
	add := func(r string) {
		if r != "" && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	if c.o.Lambda != nil {
		for _, f := range c.o.Lambda.Functions() {
			add(f.Region)
		}
	}
	if c.o.S3 != nil {
		for _, b := range c.o.S3.Buckets() {
			add(b.Region)
		}
	}
	return out
}

// accountSummary is one row of the index.
type accountSummary struct {
	ID                                          string
	Roles, Users, Buckets, Functions, Decisions int
}

func (c *Console) index(w http.ResponseWriter, r *http.Request) {
	var rows []accountSummary
	buckets := map[string]int{}
	if c.o.S3 != nil {
		for _, b := range c.o.S3.Buckets() {
			buckets[b.Owner]++
		}
	}
	fns := map[string]int{}
	if c.o.Lambda != nil {
		for _, f := range c.o.Lambda.Functions() {
			fns[f.Account]++
		}
	}
	for _, a := range c.accounts() {
		s := accountSummary{ID: a, Buckets: buckets[a], Functions: fns[a]}
		if c.o.IAM != nil {
			s.Roles, s.Users = len(c.o.IAM.Roles(a)), len(c.o.IAM.Users(a))
		}
		rows = append(rows, s)
	}
	c.render(w, "index.html", "Accounts", rows)
}

func validAccount(w http.ResponseWriter, acct string) bool {
	if !auth.IsAccountID(acct) {
		http.Error(w, "account "+template.HTMLEscapeString(acct)+" is not a 12-digit AWS account id", http.StatusBadRequest)
		return false
	}
	return true
}

// trimLines keeps the last n lines of s.
func lastN[T any](s []T, n int) []T {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// redacted hides the values of environment variables whose names say
// they hold a secret.
func redacted(name, value string) string {
	u := strings.ToUpper(name)
	for _, w := range []string{"SECRET", "TOKEN", "PASSWORD", "ACCESS_KEY", "PRIVATE"} {
		if strings.Contains(u, w) {
			return "(hidden)"
		}
	}
	return value
}
