package check

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/xacct/xacct/policy"
)

// bucketUse is a bucket a function uses and how the check knows.
type bucketUse struct {
	name, why string
}

// s3Calls maps the S3 calls of the AWS SDKs (boto3, the JavaScript SDKs
// v2 and v3, aws-sdk-go-v2) to the IAM actions they need.
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
var s3Calls = []struct {
	re      *regexp.Regexp
	actions []string
}{
	{regexp.MustCompile(`\.(put_object|upload_file|upload_fileobj|putObject|PutObject)\(|\bnew\s+PutObjectCommand\(|\bNewUploader\(`), []string{"s3:PutObject"}},
	{regexp.MustCompile(`\.(get_object|download_file|download_fileobj|head_object|getObject|headObject|GetObject|HeadObject)\(|\bnew\s+(Get|Head)ObjectCommand\(|\bNewDownloader\(`), []string{"s3:GetObject"}},
	{regexp.MustCompile(`\.(list_objects|list_objects_v2|listObjects|listObjectsV2|ListObjects|ListObjectsV2)\(|['"]list_objects(_v2)?['"]|\bnew\s+ListObjects(V2)?Command\(|\bNewListObjectsV2Paginator\(`), []string{"s3:ListBucket"}},
	{regexp.MustCompile(`\.(delete_object|delete_objects|deleteObject|deleteObjects|DeleteObject|DeleteObjects)\(|\bnew\s+DeleteObjects?Command\(`), []string{"s3:DeleteObject"}},
	{regexp.MustCompile(`\.(copy_object|copyObject|CopyObject)\(|\bnew\s+CopyObjectCommand\(`), []string{"s3:GetObject", "s3:PutObject"}},
}

// skipDirs are directories of installed dependencies, not the function's
// own code.
var skipDirs = map[string]bool{"node_modules": true, "vendor": true, ".git": true, "__pycache__": true, ".aws-sam": true,
	"boto3": true, "botocore": true, "s3transfer": true}

// scanCode returns the S3 actions the function's code calls, each with
// the first place it is called (file:line), and whether the code could be
// read at all.
func scanCode(f *function) (map[string]string, bool) {
	calls := map[string]string{}
	scan := func(name string, text string) {
		sc := bufio.NewScanner(strings.NewReader(text))
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for line := 1; sc.Scan(); line++ {
			for _, c := range s3Calls {
				if c.re.MatchString(sc.Text()) {
					for _, act := range c.actions {
						if _, ok := calls[act]; !ok {
							calls[act] = fmt.Sprintf("%s:%d", name, line)
						}
					}
				}
			}
		}
	}
	if f.inline != "" {
		scan("InlineCode", f.inline)
		return calls, true
	}
	if f.code == "" {
		return nil, false
	}
	info, err := os.Stat(f.code)
	if err != nil {
		return nil, false
	}
	if !info.IsDir() {
		if b, err := os.ReadFile(f.code); err == nil && filepath.Ext(f.code) != ".zip" {
			scan(filepath.Base(f.code), string(b))
			return calls, true
		}
		return nil, false
	}
	filepath.WalkDir(f.code, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if p != f.code && (skipDirs[d.Name()] || strings.HasSuffix(d.Name(), ".dist-info")) {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(p) {
		case ".py", ".js", ".mjs", ".cjs", ".ts", ".go":
		default:
			return nil
		}
		if strings.HasSuffix(p, "_test.go") {
			return nil
		}
		if info, err := d.Info(); err != nil || info.Size() > 1<<20 {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(f.code, p)
		scan(filepath.ToSlash(rel), string(b))
		return nil
	})
	return calls, true
}

var bucketNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// s3ARNBucket returns the bucket an S3 resource ARN names, "" for a
// pattern or another service.
func s3ARNBucket(res string) string {
	rest, ok := strings.CutPrefix(res, "arn:aws:s3:::")
	if !ok {
		for _, p := range []string{"arn:aws-cn:s3:::", "arn:aws-us-gov:s3:::"} {
			if r, ok2 := strings.CutPrefix(res, p); ok2 {
				rest, ok = r, true
			}
		}
	}
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	if strings.ContainsAny(name, "*?$") || name == "" {
		return ""
	}
	return name
}

// usedBuckets lists the buckets a function uses: the templates' buckets
// its environment names, environment variables whose name says BUCKET,
// and the buckets its roles' policies name.
func (a *analysis) usedBuckets(f *function, roles []*role) []bucketUse {
	var out []bucketUse
	seen := map[string]bool{}
	add := func(name, why string) {
		if !seen[name] {
			seen[name] = true
			out = append(out, bucketUse{name, why})
		}
	}
	keys := make([]string, 0, len(f.env))
	for k := range f.env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := f.env[k]
		if a.m.buckets[v] != nil || (strings.Contains(strings.ToUpper(k), "BUCKET") && bucketNameRE.MatchString(v)) {
			add(v, "environment variable "+k)
		}
	}
	for _, r := range roles {
		var docs []string
		for _, d := range r.inline {
			docs = append(docs, d.doc)
		}
		for _, arn := range r.managed {
			if doc, ok := a.m.managed[arn]; ok {
				docs = append(docs, doc)
			}
		}
		for _, doc := range docs {
			for _, st := range statements(doc) {
				s3 := false
				for _, act := range strs(st["Action"]) {
					if strings.HasPrefix(strings.ToLower(act), "s3:") || act == "*" {
						s3 = true
					}
				}
				if !s3 {
					continue
				}
				for _, res := range strs(st["Resource"]) {
					if name := s3ARNBucket(res); name != "" {
						add(name, "a policy of "+r.arn)
					}
				}
			}
		}
	}
	return out
}

// buckets decides the S3 access of any function: for each bucket it uses,
// each S3 action its code calls is decided with the policy engine for its
// execution role and the roles it assumes (the bucket's policy included,
// cross-account as AWS decides). What cannot be decided is listed as not
// checked.
func (a *analysis) buckets(f *function) {
	exec := a.m.roles[f.roleARN]
	if exec == nil {
		a.notChecked("%s: its S3 access (its execution role %s is not defined in these templates)", f.name, f.roleARN)
		return
	}
	ids, _ := a.identity(exec)
	roles := []*role{exec}
	for _, t := range a.targets(f, exec, ids) {
		if r := a.m.roles[t]; r != nil {
			roles = append(roles, r)
		}
	}
	used := a.usedBuckets(f, roles)
	calls, readable := scanCode(f)
	var actions []string
	for act := range calls {
		actions = append(actions, act)
	}
	sort.Strings(actions)
	if len(used) == 0 {
		if len(actions) > 0 {
			a.notChecked("%s calls %s (%s) but names no bucket (no environment variable or policy names one): not checked", f.name, strings.Join(actions, ", "), calls[actions[0]])
		}
		return
	}
	for _, u := range used {
		bk := a.m.buckets[u.name]
		if bk == nil {
			a.notChecked("%s: bucket %s (%s) is not defined in these templates: its policy and account are unknown, access to it was not checked", f.name, u.name, u.why)
			continue
		}
		if !readable {
			a.notChecked("%s: which S3 actions it calls on %s (%s): its code is not in a local directory or InlineCode", f.name, u.name, u.why)
			continue
		}
		if len(actions) == 0 {
			a.notChecked("%s: which S3 actions it calls on %s (%s): no S3 call found in %s", f.name, u.name, u.why, codeName(f))
			continue
		}
		for _, act := range actions {
			a.decideBucket(f, roles, bk, u, act, calls[act], len(used) == 1)
		}
	}
}

func codeName(f *function) string {
	if f.inline != "" {
		return "its InlineCode"
	}
	return f.code
}

// decideBucket decides one S3 action of f on bucket bk. With one bucket
// in use, a denial is an error; with several the call may be meant for
// another one, so it is a warning.
func (a *analysis) decideBucket(f *function, roles []*role, bk *bucket, u bucketUse, action, where string, only bool) {
	resource := "arn:aws:s3:::" + bk.name
	if action != "s3:ListBucket" {
		resource += "/xacct-check-object"
	}
	var denied policy.Decision
	for i, r := range roles {
		ids, _ := a.identity(r)
		set := &policy.Set{Identity: ids}
		if bk.policy != "" {
			if p, err := policy.Parse(bk.policy, policy.KindResource); err == nil {
				set.Resource = &policy.Named{Name: "bucket policy of " + bk.name, Policy: p}
			}
		}
		req := &policy.Request{Principal: session(r, f.name), Action: action, Resource: resource, ResourceAccount: bk.account}
		a.orgKeys(&req.Context, r.account, bk.account)
		d := policy.Evaluate(req, set)
		if d.Allowed() {
			a.record(allowedReq{f: f, what: f.name + " calls " + action + " (" + where + ") on bucket " + bk.name, req: *req, set: *set, file: r.file, res: r.id})
			a.ok("%s: %s may %s on %s (the code calls it at %s)", f.name, r.arn, action, bk.name, where)
			a.decideKey(f, r, bk, action, where)
			return
		}
		if i == 0 {
			denied = d
		}
	}
	sev, code := Error, "MissingBucketAccess"
	if !only {
		sev = Warning
	}
	exec := roles[0]
	tmpl, res := exec.file, exec.id
	if bk.account != exec.account && len(denied.Missing) > 0 && denied.Missing[0] == policy.SourceResource {
		code, tmpl, res = "MissingBucketPolicy", bk.file, bk.id
	}
	a.add(Finding{Severity: sev, Code: code, Function: f.name, Role: exec.arn, Template: tmpl, Resource: res,
		Message: fmt.Sprintf("%s calls %s (%s) on bucket %s (%s), but its execution role %s may not: %s", f.name, action, where, bk.name, u.why, exec.arn, denied.Explain())})
}

func (a *analysis) notChecked(format string, args ...any) {
	a.rep.NotChecked = append(a.rep.NotChecked, fmt.Sprintf(format, args...))
}

// kmsActionFor is the KMS action S3 calls on the caller's behalf for an
// object action on an SSE-KMS bucket: GenerateDataKey to write, Decrypt to
// read (Amazon S3 User Guide, "Using server-side encryption with AWS KMS
// keys (SSE-KMS)": "Permissions").
var kmsActionFor = map[string]string{"s3:GetObject": "kms:Decrypt", "s3:PutObject": "kms:GenerateDataKey"}

// decideKey is step 4: when bk encrypts with SSE-KMS, role r (allowed the
// S3 action) also needs the KMS action, by the key's policy and, where it
// delegates or the key is in another account, r's own policies. The AWS
// managed key aws/s3 cannot be used from another account at all.
func (a *analysis) decideKey(f *function, r *role, bk *bucket, action, where string) {
	kmsAction := kmsActionFor[action]
	if kmsAction == "" || !strings.HasPrefix(bk.sse, "aws:kms") {
		return
	}
	a.decideKMS(f, r, bk, bk.kmsKey, bk.account, action, kmsAction, where)
}

// decideKMS decides kmsAction for role r, which calls the S3 action on
// bucket bk, with the key ref names (empty: the AWS managed key aws/s3),
// looked up in account keyAcct when ref is not an ARN: S3 resolves a
// bucket's default key in the bucket's account and a key id or alias name
// a request sends in the requester's account (Amazon S3 User Guide,
// "Specifying server-side encryption with AWS KMS (SSE-KMS)").
func (a *analysis) decideKMS(f *function, r *role, bk *bucket, ref, keyAcct, action, kmsAction, where string) {
	if ref == "" || ref == "alias/aws/s3" || strings.HasSuffix(ref, ":alias/aws/s3") {
		if r.account != bk.account {
			a.add(Finding{Severity: Error, Code: "AWSManagedKeyAcrossAccounts", Step: 4, Function: f.name, Role: r.arn, Template: bk.file, Resource: bk.id,
				Message: fmt.Sprintf("step 4 (the KMS key): bucket %s (account %s) encrypts with the AWS managed key aws/s3, which no principal of another account can use; %s (account %s) calls %s (%s), which needs %s: encrypt the bucket with a customer managed key whose key policy allows account %s", bk.name, bk.account, r.arn, r.account, action, where, kmsAction, r.account)})
			return
		}
		a.ok("%s: %s may %s with bucket %s's AWS managed key aws/s3 (same account, through S3)", f.name, r.arn, kmsAction, bk.name)
		return
	}
	k := a.key(keyAcct, ref)
	if k == nil {
		a.notChecked("%s: bucket %s's KMS key %s is not defined in these templates: %s by %s was not checked", f.name, bk.name, ref, kmsAction, r.arn)
		return
	}
	kp, err := policy.Parse(k.policy, policy.KindKey)
	if err != nil {
		return // reported by validate
	}
	ids, _ := a.identity(r)
	req := &policy.Request{Principal: session(r, f.name), Action: kmsAction, Resource: k.arn, ResourceAccount: k.account}
	req.Context.Set("kms:ViaService", "s3."+k.region+".amazonaws.com")
	req.Context.Set("kms:CallerAccount", r.account)
	req.Context.Set("kms:EncryptionContext:aws:s3:arn", "arn:aws:s3:::"+bk.name+"/xacct-check-object")
	req.Context.Set("kms:EncryptionContextKeys", "aws:s3:arn")
	d := policy.Evaluate(req, &policy.Set{Identity: ids, Resource: &policy.Named{Name: "key policy of " + k.resource, Policy: kp}})
	if d.Allowed() {
		a.record(allowedReq{f: f, what: "step 4 (the KMS key of bucket " + bk.name + ")", step: 4, req: *req, file: r.file, res: r.id,
			set: policy.Set{Identity: ids, Resource: &policy.Named{Name: "key policy of " + k.resource, Policy: kp}}})
		a.ok("%s: %s may %s with bucket %s's key %s (step 4)", f.name, r.arn, kmsAction, bk.name, k.resource)
		return
	}
	code, tmpl, res := "MissingKMSPermission", r.file, r.id
	what := fmt.Sprintf("no policy of %s allows %s on %s", r.arn, kmsAction, k.arn)
	for _, m := range d.Missing {
		if m == policy.SourceResource {
			code, tmpl, res = "MissingKeyPolicy", k.file, k.resource
			what = fmt.Sprintf("the key policy of %s (%s) does not allow %s %s", k.resource, k.arn, r.arn, kmsAction)
			break
		}
	}
	if code == "MissingKMSPermission" && k.account == r.account {
		// The key policy delegates to the account's IAM policies; a
		// statement of its own naming the role would do as well.
		what = fmt.Sprintf("neither the key policy of %s (%s) names %s for it nor does a policy of the role allow it (the key policy delegates to the account's IAM policies)", k.resource, k.arn, r.arn)
	}
	a.add(Finding{Severity: Error, Code: code, Step: 4, Function: f.name, Role: r.arn, Template: tmpl, Resource: res,
		Message: fmt.Sprintf("step 4: %s calls %s (%s) on bucket %s, encrypted with KMS key %s, so %s needs %s: %s (%s)", f.name, action, where, bk.name, k.arn, r.arn, kmsAction, what, d.Explain())})
}

// key finds the template-defined key ref names (key id, key ARN, alias
// name or alias ARN) in account acct.
func (a *analysis) key(acct, ref string) *kmsKey {
	if k := a.m.keys[ref]; k != nil {
		return k
	}
	name := ref
	if i := strings.Index(ref, ":alias/"); strings.HasPrefix(ref, "arn:") && i > 0 {
		parts := strings.SplitN(ref, ":", 6)
		acct, name = parts[4], ref[i+1:]
	}
	if strings.HasPrefix(name, "alias/") {
		return a.m.keys[a.m.aliases[acct+"/"+name]]
	}
	for _, k := range a.m.keys {
		if k.account == acct && k.id == ref {
			return k
		}
	}
	return nil
}
