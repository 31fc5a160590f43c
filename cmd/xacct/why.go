package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// decision is one record of the emulator's decision trail as GET
// /_xacct/decisions serves it (docs/emulator.md, "The decision trail").
type decision struct {
	Time            time.Time `json:"time"`
	RequestID       string    `json:"requestId"`
	Service         string    `json:"service"`
	Operation       string    `json:"operation"`
	Principal       string    `json:"principal"`
	CallerAccount   string    `json:"callerAccount"`
	ResourceAccount string    `json:"resourceAccount"`
	Action          string    `json:"action"`
	Resource        string    `json:"resource"`
	Decision        string    `json:"decision"`
	Missing         bool      `json:"missingTarget"`
	Diagnosis       string    `json:"diagnosis"`
	Function        string    `json:"function"`
	InvocationID    string    `json:"invocationId"`
	Statements      []struct {
		Policy    string `json:"policy"`
		Kind      string `json:"kind"`
		Sid       string `json:"sid"`
		Index     int    `json:"index"`
		Effect    string `json:"effect"`
		Match     string `json:"match"`
		Condition string `json:"condition"`
	} `json:"statements"`
}

// errTrailOff means the emulator runs with --decisions 0.
var errTrailOff = errors.New("decision trail off")

// fetchDecisions asks the emulator at endpoint for the trail's records q
// selects.
func fetchDecisions(ctx context.Context, endpoint string, q url.Values) ([]decision, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u := strings.TrimRight(endpoint, "/") + "/_xacct/decisions?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("endpoint %q: %w", endpoint, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if isDialError(err) {
			return nil, noEmulatorError(endpoint)
		}
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
			return nil, fmt.Errorf("the emulator refused the query: %s", e.Error.Message)
		}
		return nil, fmt.Errorf("the server at %s did not serve the decision trail (%s): is it an xacct emulator of this version?", endpoint, resp.Status)
	}
	var out struct {
		Decisions []decision `json:"decisions"`
		Capacity  int        `json:"capacity"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("the decision trail at %s: %w", endpoint, err)
	}
	if out.Capacity == 0 {
		return nil, fmt.Errorf("the emulator at %s records no decisions (it runs with --decisions 0): %w", endpoint, errTrailOff)
	}
	return out.Decisions, nil
}

// printDecision writes one refusal: what was refused, who asked (and from
// which function invocation), and the diagnosis.
func printDecision(w io.Writer, d decision, indent string) {
	verdict := "refused"
	if d.Decision == "allowed" {
		verdict = "allowed"
	}
	fmt.Fprintf(w, "%s%s %s on %s %s (%s)\n", indent, d.Time.UTC().Format(time.RFC3339), d.Action, d.Resource, verdict, d.Decision)
	by := d.Principal
	if d.Function != "" {
		by += " (function " + d.Function
		if d.InvocationID != "" {
			by += ", invocation " + d.InvocationID
		}
		by += ")"
	}
	fmt.Fprintf(w, "%s  by:      %s\n", indent, by)
	fmt.Fprintf(w, "%s  request: %s %s %s", indent, d.Service, d.Operation, d.RequestID)
	if d.CallerAccount != "" && d.ResourceAccount != "" && d.CallerAccount != d.ResourceAccount {
		fmt.Fprintf(w, " (cross-account: %s -> %s)", d.CallerAccount, d.ResourceAccount)
	}
	fmt.Fprintln(w)
	if d.Diagnosis != "" {
		fmt.Fprintf(w, "%s  why:     %s\n", indent, d.Diagnosis)
	}
	for _, s := range d.Statements {
		id := "statement " + strconv.Itoa(s.Index)
		if s.Sid != "" {
			id = fmt.Sprintf("statement %q", s.Sid)
		}
		line := fmt.Sprintf("%s %s of %s %q", s.Match, id, s.Kind, s.Policy)
		if s.Condition != "" {
			line += ": condition " + s.Condition + " not met"
		}
		fmt.Fprintf(w, "%s  %s\n", indent, line)
	}
}

func runWhy(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("why", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	endpoint := fs.String("endpoint", defaultEndpoint(), "emulator `URL`")
	function := fs.String("function", "", "the refusals of requests made by function `NAME`'s execution role")
	last := fs.Int("last", 10, "show the last `N` refusals")
	all := fs.Bool("all", false, "show allowed decisions too")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: xacct why [REQUEST_ID | --function NAME | --last N]

Shows the recent refused requests of a running emulator with their
diagnosis: which of the three cross-account setup steps is missing (the
identity permission, the trust policy, the role's permissions or the bucket
policy), or which boundary, session policy or explicit deny refused it, or
which role, bucket or function does not exist. REQUEST_ID is a request's id
or a Lambda invocation's (xacct invoke prints it). It reads the emulator's
decision trail (GET /_xacct/decisions).

flags:`)
		fs.PrintDefaults()
	}
	id, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, rest = args[0], args[1:]
	}
	if err := m.parse(fs, rest); err != nil {
		return err
	}
	extra := fs.Args()
	if id == "" && len(extra) > 0 {
		id, extra = extra[0], extra[1:]
	}
	if len(extra) > 0 {
		return usagef("why: unexpected argument %q (one request id, then flags)", extra[0])
	}
	if *last < 1 {
		return usagef("why: --last must be at least 1 (got %d)", *last)
	}
	q := url.Values{"limit": {strconv.Itoa(*last)}}
	if !*all {
		q.Set("decision", "denied")
	}
	if id != "" {
		q.Set("request_id", id)
	}
	if *function != "" {
		q.Set("function", *function)
	}
	recs, err := fetchDecisions(ctx, *endpoint, q)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		what := "no refused request"
		if *all {
			what = "no decision"
		}
		switch {
		case id != "":
			what += " with request id " + id
		case *function != "":
			what += " made by function " + *function
		}
		fmt.Fprintf(m.Stdout, "%s in the emulator's decision trail\n", what)
		return nil
	}
	for i, d := range recs {
		if i > 0 {
			fmt.Fprintln(m.Stdout)
		}
		printDecision(m.Stdout, d, "")
	}
	return nil
}

// printInvocationDenials writes, after an invocation's logs, every request
// the invocation made that was refused, with its diagnosis. It says
// nothing when there were none, and only notes a trail it cannot read.
func printInvocationDenials(ctx context.Context, m *Main, endpoint, invocationID string) {
	if invocationID == "" {
		return
	}
	recs, err := fetchDecisions(ctx, endpoint, url.Values{"decision": {"denied"}, "request_id": {invocationID}, "limit": {"100"}})
	if errors.Is(err, errTrailOff) {
		return // the user turned it off
	}
	if err != nil {
		fmt.Fprintf(m.Stderr, "xacct: the refused requests of the invocation are not shown: %v\n", err)
		return
	}
	if len(recs) == 0 {
		return
	}
	fmt.Fprintf(m.Stdout, "\nrefused requests of invocation %s:\n", invocationID)
	for _, d := range recs {
		printDecision(m.Stdout, d, "  ")
	}
}
