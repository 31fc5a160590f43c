package check

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/xacct/xacct/crossaccount"
	"github.com/xacct/xacct/policy"
	"github.com/xacct/xacct/policy/awsmanaged"
)

// Severity of a finding: errors block a deployment (xacct check exits 1),
// warnings point at permissions broader than needed.
const (
	Error   = "error"
	Warning = "warning"
)

// Finding is one result of a check.
type Finding struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	// Step is the cross-account setup step concerned (1 identity
	// permission, 2 trust policy, 3 the call, 4 the KMS key of an
	// SSE-KMS bucket: its key policy and the role's KMS permission), 0
	// for others.
	Step     int    `json:"step,omitempty"`
	Function string `json:"function,omitempty"`
	Role     string `json:"role,omitempty"`
	Template string `json:"template"`
	Resource string `json:"resource,omitempty"`
	Message  string `json:"message"`
}

// Report is the result of checking a set of templates.
type Report struct {
	Findings []Finding `json:"findings"`
	// Checked lists what was verified and held, one line each.
	Checked []string `json:"checked"`
	// Ignored lists what the check left aside on purpose: event sources
	// the SAM transform could not translate, resources that are neither
	// IAM, S3 nor Lambda functions.
	Ignored []string `json:"ignored"`
	// NotChecked lists what the check could not decide (a bucket defined
	// elsewhere, code it cannot read): never silently skipped.
	NotChecked []string `json:"not_checked"`
	Summary    struct {
		Errors    int `json:"errors"`
		Warnings  int `json:"warnings"`
		Functions int `json:"functions"`
	} `json:"summary"`
}

// Blocking reports whether any finding is an error.
func (r *Report) Blocking() bool { return r.Summary.Errors > 0 }

// Run checks the templates in files.
func Run(files []string, opts Options) (*Report, error) {
	m, err := load(files, opts)
	if err != nil {
		return nil, err
	}
	rep := &Report{Findings: []Finding{}, Checked: []string{}, Ignored: append([]string{}, m.ignored...), NotChecked: []string{}}
	a := &analysis{m: m, rep: rep}
	a.validate()
	for _, f := range m.functions {
		a.function(f)
		a.buckets(f)
	}
	a.broad()
	a.trustAcrossTemplates()
	a.organization()
	sort.SliceStable(rep.Findings, func(i, j int) bool {
		return rep.Findings[i].Severity == Error && rep.Findings[j].Severity != Error
	})
	for _, f := range rep.Findings {
		if f.Severity == Error {
			rep.Summary.Errors++
		} else {
			rep.Summary.Warnings++
		}
	}
	rep.Summary.Functions = len(m.functions)
	return rep, nil
}

type analysis struct {
	m   *model
	rep *Report
	// allowed are the requests found allowed, for the organization pass.
	allowed []allowedReq
}

func (a *analysis) add(f Finding) { a.rep.Findings = append(a.rep.Findings, f) }
func (a *analysis) ok(format string, args ...any) {
	a.rep.Checked = append(a.rep.Checked, fmt.Sprintf(format, args...))
}

// identity returns a role's identity policies, parsed.
func (a *analysis) identity(r *role) ([]policy.Named, []string) {
	var out []policy.Named
	var unknown []string
	for _, d := range r.inline {
		// A malformed document is reported once, by validate.
		if p, err := policy.Parse(d.doc, policy.KindIdentity); err == nil {
			out = append(out, policy.Named{Name: "inline policy " + d.name + " of " + r.name, Policy: p})
		}
	}
	for _, arn := range r.managed {
		if doc, ok := a.m.managed[arn]; ok {
			if p, err := policy.Parse(doc, policy.KindIdentity); err == nil {
				out = append(out, policy.Named{Name: arn, Policy: p})
			}
			continue
		}
		if m, ok := awsmanaged.Lookup(arn); ok {
			if p, err := policy.Parse(m.Document, policy.KindIdentity); err == nil {
				out = append(out, policy.Named{Name: m.Name, Policy: p})
			}
			continue
		}
		unknown = append(unknown, arn)
	}
	return out, unknown
}

// session is the principal of a session of role r.
func session(r *role, name string) policy.Principal {
	return policy.Principal{
		Type: policy.PrincipalAssumedRole, Account: r.account, RoleARN: r.arn,
		ARN:      "arn:aws:sts::" + r.account + ":assumed-role/" + r.name + "/" + name,
		UniqueID: "AROAXACCTCHECK:" + name,
	}
}

var allowAll = func() policy.Named {
	p, _ := policy.Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, policy.KindIdentity)
	return policy.Named{Name: "(any identity permission)", Policy: p}
}()

// targets lists the role ARNs a function assumes: environment values that
// are role ARNs, ROLE_NAME in every other account of the templates, roles
// in other accounts its execution role may assume, and roles in other
// accounts whose trust policy names its account or execution role (the
// templates were given together for a reason).
func (a *analysis) targets(f *function, exec *role, ids []policy.Named) []string {
	seen := map[string]bool{}
	var out []string
	add := func(arn string) {
		if !seen[arn] {
			seen[arn] = true
			out = append(out, arn)
		}
	}
	keys := make([]string, 0, len(f.env))
	for k := range f.env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, err := crossaccount.ParseRoleARN(f.env[k]); err == nil {
			add(f.env[k])
		}
	}
	arns := make([]string, 0, len(a.m.roles))
	for arn := range a.m.roles {
		arns = append(arns, arn)
	}
	sort.Strings(arns)
	for _, arn := range arns {
		r := a.m.roles[arn]
		if r.account == f.account {
			continue
		}
		if name := f.env["ROLE_NAME"]; name != "" && r.name == name {
			add(arn)
		}
	}
	if len(out) > 0 {
		return out
	}
	sess := session(exec, f.name)
	for _, arn := range arns {
		r := a.m.roles[arn]
		if r.account == f.account {
			continue
		}
		req := &policy.Request{Principal: sess, Action: "sts:AssumeRole", Resource: arn, ResourceAccount: exec.account}
		if policy.Evaluate(req, &policy.Set{Identity: ids}).Allowed() || strings.Contains(r.trust, exec.arn) || strings.Contains(r.trust, f.account) {
			add(arn)
		}
	}
	return out
}

func (a *analysis) function(f *function) {
	exec := a.m.roles[f.roleARN]
	if exec == nil {
		a.add(Finding{Severity: Warning, Code: "RoleNotInTemplates", Function: f.name, Template: f.file, Resource: f.id,
			Message: fmt.Sprintf("the execution role %s is not defined in these templates: its permissions were not checked", f.roleARN)})
		return
	}
	ids, unknown := a.identity(exec)
	for _, u := range unknown {
		a.add(Finding{Severity: Warning, Code: "ManagedPolicyNotEvaluated", Function: f.name, Role: exec.arn, Template: exec.file, Resource: exec.id,
			Message: fmt.Sprintf("managed policy %s, attached to %s, is not known to xacct; it was not evaluated", u, exec.arn)})
	}
	sess := session(exec, f.name)
	externalID := ""
	for k, v := range f.env {
		if strings.Contains(strings.ToUpper(k), "EXTERNAL_ID") {
			externalID = v
		}
	}
	targets := a.targets(f, exec, ids)
	if len(targets) == 0 {
		a.ok("%s: assumes no role in another account", f.name)
	}
	for _, t := range targets {
		tr := a.m.roles[t]
		// Step 1: the execution role's own policies.
		if d := IdentityStep(sess, ids, nil, t); !d.Allowed() {
			a.add(Finding{Severity: Error, Code: "MissingIdentityPermission", Step: 1, Function: f.name, Role: t, Template: exec.file, Resource: exec.id,
				Message: fmt.Sprintf("step 1 (identity permission): %s may not call sts:AssumeRole on %s: %s", exec.arn, t, d.Explain())})
		} else {
			a.ok("%s: step 1: %s may call sts:AssumeRole on %s", f.name, exec.arn, t)
		}
		if tr == nil {
			a.add(Finding{Severity: Warning, Code: "RoleNotInTemplates", Function: f.name, Role: t, Template: f.file, Resource: f.id,
				Message: fmt.Sprintf("%s is not defined in these templates: its trust policy (steps 2 and 3) was not checked", t)})
			continue
		}
		a.trust(f, exec, tr, sess, externalID)
		if tp, err := policy.Parse(tr.trust, policy.KindTrust); err == nil {
			req := policy.Request{Principal: sess, Action: "sts:AssumeRole", Resource: tr.arn, ResourceAccount: tr.account}
			if externalID != "" {
				req.Context.Set("sts:ExternalId", externalID)
			}
			a.record(allowedReq{f: f, what: "step 1 (sts:AssumeRole)", step: 1, req: req, file: exec.file, res: exec.id,
				set: policy.Set{Identity: ids, Resource: &policy.Named{Name: "trust policy of " + tr.arn, Policy: tp}}})
		}
		a.reach(f, tr)
	}
}

// trust checks steps 2 and 3 against the target role's trust policy.
func (a *analysis) trust(f *function, exec, tr *role, sess policy.Principal, externalID string) {
	tp, err := policy.Parse(tr.trust, policy.KindTrust)
	if err != nil {
		return // reported by validate
	}
	decide := func(ext string) policy.Decision {
		var cx policy.Context
		if ext != "" {
			cx.Set("sts:ExternalId", ext)
		}
		a.orgKeys(&cx, exec.account, tr.account)
		return TrustStep(sess, tr.arn, tr.account, &policy.Named{Name: "trust policy of " + tr.arn, Policy: tp}, cx)
	}
	d := decide(externalID)
	if d.Allowed() {
		a.ok("%s: step 2: the trust policy of %s allows %s", f.name, tr.arn, exec.arn)
		a.ok("%s: step 3: the call presents what the trust policy requires", f.name)
		return
	}
	// Would the right ExternalId make it pass? Then the call is at fault.
	for _, want := range conditionValues(tr.trust, "sts:externalid") {
		if decide(want).Allowed() {
			msg := "the function sends no sts:ExternalId (set EXTERNAL_ID)"
			if externalID != "" {
				msg = "the function's EXTERNAL_ID differs from the one the trust policy requires"
			}
			a.add(Finding{Severity: Error, Code: "ExternalIdMismatch", Step: 3, Function: f.name, Role: tr.arn, Template: f.file, Resource: f.id,
				Message: fmt.Sprintf("step 3 (the call): the trust policy of %s allows %s only with sts:ExternalId; %s", tr.arn, exec.arn, msg)})
			return
		}
	}
	a.add(Finding{Severity: Error, Code: "TrustPolicyDenies", Step: 2, Function: f.name, Role: tr.arn, Template: tr.file, Resource: tr.id,
		Message: fmt.Sprintf("step 2 (trust policy): the trust policy of %s does not allow %s to call sts:AssumeRole: %s", tr.arn, exec.arn, d.Explain())})
}

// reach checks that the assumed role reaches the buckets the function
// names: s3:ListBucket and s3:GetObject on the source, s3:PutObject on the
// target, each decided with the bucket's policy as AWS decides.
func (a *analysis) reach(f *function, tr *role) {
	ids, _ := a.identity(tr)
	sess := session(tr, "S3CrossAccountRole")
	check := func(action, bucketName, resource, why string) {
		bk := a.m.buckets[bucketName]
		if bk == nil {
			a.add(Finding{Severity: Warning, Code: "BucketNotInTemplates", Function: f.name, Role: tr.arn, Template: f.file, Resource: f.id,
				Message: fmt.Sprintf("bucket %s is not defined in these templates: %s on it was not checked", bucketName, action)})
			return
		}
		set := &policy.Set{Identity: ids}
		if bk.policy != "" {
			if p, err := policy.Parse(bk.policy, policy.KindResource); err == nil {
				set.Resource = &policy.Named{Name: "bucket policy of " + bk.name, Policy: p}
			}
		}
		req := &policy.Request{Principal: sess, Action: action, Resource: resource, ResourceAccount: bk.account}
		a.orgKeys(&req.Context, sess.Account, bk.account)
		a.record(allowedReq{f: f, what: why, req: *req, set: *set, file: tr.file, res: tr.id})
		if d := policy.Evaluate(req, set); !d.Allowed() {
			code := "MissingBucketAccess"
			where := tr.file
			res := tr.id
			if bk.account != tr.account && len(d.Missing) > 0 && d.Missing[0] == policy.SourceResource {
				code, where, res = "MissingBucketPolicy", bk.file, bk.id
			}
			a.add(Finding{Severity: Error, Code: code, Function: f.name, Role: tr.arn, Template: where, Resource: res,
				Message: fmt.Sprintf("%s: %s may not %s on %s: %s", why, tr.arn, action, resource, d.Explain())})
			return
		}
		a.ok("%s: %s may %s on %s", f.name, tr.name, action, resource)
		a.reachKey(f, tr, bk, action, why)
	}
	if src := f.env["s3_bucket"]; src != "" {
		check("s3:ListBucket", src, "arn:aws:s3:::"+src, "the copy lists the source bucket")
		check("s3:GetObject", src, "arn:aws:s3:::"+src+"/"+f.env["s3_key"]+"example", "the copy reads the source objects")
	}
	if dst := f.env["target_s3_bucket"]; dst != "" {
		check("s3:PutObject", dst, "arn:aws:s3:::"+dst+"/"+f.env["s3_key"]+"example", "the copy writes the target bucket")
	}
	if f.env["ROLE_NAME"] != "" {
		ids, _ := a.identity(tr)
		req := &policy.Request{Principal: sess, Action: "s3:ListAllMyBuckets", Resource: "*"}
		if d := policy.Evaluate(req, &policy.Set{Identity: ids}); !d.Allowed() {
			a.add(Finding{Severity: Error, Code: "MissingBucketAccess", Function: f.name, Role: tr.arn, Template: tr.file, Resource: tr.id,
				Message: fmt.Sprintf("the function lists the target account's buckets: %s may not s3:ListAllMyBuckets: %s", tr.arn, d.Explain())})
		} else {
			a.ok("%s: %s may s3:ListAllMyBuckets", f.name, tr.name)
		}
	}
}

// reachKey is step 4 of the copy: reading an SSE-KMS source needs
// kms:Decrypt on its key; writing needs kms:GenerateDataKey on the key the
// copy encrypts with (the function's SSE_KMS_KEY_ID, resolved in the
// writer's account, else the target bucket's default) and, as the copy
// engine switches to a multipart copy for large objects, kms:Decrypt too
// (S3 decrypts the parts to complete the upload: Amazon S3 API Reference,
// CreateMultipartUpload, "Permissions").
func (a *analysis) reachKey(f *function, tr *role, bk *bucket, action, why string) {
	switch action {
	case "s3:GetObject":
		if strings.HasPrefix(bk.sse, "aws:kms") {
			a.decideKMS(f, tr, bk, bk.kmsKey, bk.account, action, "kms:Decrypt", why)
		}
	case "s3:PutObject":
		ref, acct := bk.kmsKey, bk.account
		if id := f.env["SSE_KMS_KEY_ID"]; id != "" {
			ref, acct = id, tr.account
		} else if !strings.HasPrefix(bk.sse, "aws:kms") {
			return
		}
		a.decideKMS(f, tr, bk, ref, acct, action, "kms:GenerateDataKey", why)
		a.decideKMS(f, tr, bk, ref, acct, action+" (multipart)", "kms:Decrypt", why)
	}
}

// Write prints the report as text or JSON.
func (r *Report) Write(w io.Writer, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	for _, c := range r.Checked {
		fmt.Fprintf(w, "ok       %s\n", c)
	}
	for _, c := range r.Ignored {
		fmt.Fprintf(w, "ignored  %s\n", c)
	}
	for _, c := range r.NotChecked {
		fmt.Fprintf(w, "not checked: %s\n", c)
	}
	for _, f := range r.Findings {
		loc := f.Template
		if f.Resource != "" {
			loc += " " + f.Resource
		}
		fmt.Fprintf(w, "%-8s %s [%s] %s\n", f.Severity, loc, f.Code, f.Message)
	}
	fmt.Fprintf(w, "%d functions checked: %d errors, %d warnings\n", r.Summary.Functions, r.Summary.Errors, r.Summary.Warnings)
	return nil
}
