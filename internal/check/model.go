// Package check is `xacct check`: static analysis of CloudFormation and SAM
// templates with the policy engine. It works out, without deploying, whether
// each Lambda function can assume each role it references (the three setup
// steps), whether it may make the S3 calls its code makes on the buckets it
// uses, whether every policy document is one IAM accepts, and which
// permissions are broader than they need to be.
package check

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/xacct/xacct/cfntemplate"
	"github.com/xacct/xacct/policy"
	"github.com/xacct/xacct/policy/awsmanaged"
)

// Options configure a check.
type Options struct {
	// Params override template parameters (applied to every template that
	// declares them).
	Params map[string]string
	// Accounts gives a template file its account. By default a template
	// with Lambda functions is the home account (111111111111) and one
	// without is the target account (222222222222), the emulator's
	// conventions.
	Accounts map[string]string
	// Region is the region templates are evaluated for (us-east-1).
	Region string
	// Organization, when set, is the AWS Organization the accounts live
	// in: the cross-account steps are decided with its SCPs and RCPs too.
	Organization *Organization
}

// role is an IAM role defined in a template.
type role struct {
	arn, name, account string
	trust              string // JSON
	inline             []namedDoc
	managed            []string
	file, id           string
}

type namedDoc struct{ name, doc string }

// function is a Lambda function defined in a template.
type function struct {
	name, account, roleARN string
	env                    map[string]string
	file, id               string
	// code is the function's local code directory (or file), "" when
	// its code is elsewhere; inline is its InlineCode/ZipFile source.
	code, inline string
}

// policyDoc is a policy document found in a template, validated whether
// or not a function uses it.
type policyDoc struct {
	kind           policy.Kind
	name, doc      string
	role           string // the role ARN it belongs to, if any
	file, resource string
}

// bucket is an S3 bucket (and its policy) defined in a template.
type bucket struct {
	name, account string
	policy        string // JSON, empty without a BucketPolicy
	file, id      string
	// sse is the default encryption's SSEAlgorithm ("aws:kms",
	// "aws:kms:dsse", "AES256"; empty without BucketEncryption) and
	// kmsKey its KMSMasterKeyID (empty: the AWS managed key aws/s3).
	sse, kmsKey string
}

// kmsKey is an AWS::KMS::Key defined in a template.
type kmsKey struct {
	arn, id, account, region string
	policy                   string // the KeyPolicy, or the default key policy
	file, resource           string
}

// model is everything the templates define.
type model struct {
	org       *Organization
	region    string
	roles     map[string]*role // by ARN
	functions []*function
	buckets   map[string]*bucket
	keys      map[string]*kmsKey // by key ARN
	aliases   map[string]string  // "ACCOUNT/alias/NAME" -> key ARN
	managed   map[string]string  // customer managed policy ARN -> document
	accounts  map[string]string  // file -> account
	findings  []Finding
	docs      []policyDoc
	// ignored lists what the check left aside (event sources, resources
	// that are neither IAM, S3 nor Lambda functions).
	ignored []string
	// params are the parameters each template declares.
	declared map[string]bool
}

// load parses, transforms and binds each template and collects its roles,
// functions, buckets and policies with their values resolved as a
// deployment would.
func load(files []string, opts Options) (*model, error) {
	m := &model{org: opts.Organization, roles: map[string]*role{}, buckets: map[string]*bucket{}, keys: map[string]*kmsKey{}, aliases: map[string]string{}, managed: map[string]string{}, accounts: map[string]string{}}
	region := opts.Region
	if region == "" {
		region = "us-east-1"
	}
	m.region = region
	type loaded struct {
		file string
		b    *cfntemplate.Bound
		t    *cfntemplate.Template
	}
	if err := checkAccounts(files, opts.Accounts); err != nil {
		return nil, err
	}
	m.declared = map[string]bool{}
	codeDirs := map[string]map[string]string{} // file -> logical id -> local code path
	var all []loaded
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		t, err := cfntemplate.Parse(body)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		// Local code locations do not matter to the transform: stand in
		// S3 ones, as a package step would, and remember the directories
		// to read the code's S3 calls from.
		dirs := map[string]string{}
		codeDirs[f] = dirs
		t, err = t.PackageArtifacts(context.Background(), func(ctx context.Context, id, prop, path string) (string, string, error) {
			if !filepath.IsAbs(path) {
				path = filepath.Join(filepath.Dir(f), path)
			}
			dirs[id] = path
			return "xacct-check-artifacts", id, nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		pt, ignored, err := transform(t, cfntemplate.TransformOptions{Region: region, Parameters: opts.Params})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, ig := range ignored {
			m.ignored = append(m.ignored, f+": "+ig)
		}
		if err := pt.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		acct := opts.Accounts[f]
		if acct == "" {
			acct = "222222222222"
			for _, r := range pt.Resources() {
				if r.Type == "AWS::Lambda::Function" {
					acct = "111111111111"
				}
			}
		}
		m.accounts[f] = acct
		decls, err := pt.Parameters()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		params := map[string]string{}
		var missing []string
		for _, d := range decls {
			m.declared[d.Name] = true
			if v, ok := opts.Params[d.Name]; ok {
				params[d.Name] = v
			} else if !d.HasDefault {
				missing = append(missing, d.Name)
			}
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("%s: parameters without a default need a value: --param %s=...", f, strings.Join(missing, "=... --param "))
		}
		stack := strings.TrimSuffix(strings.TrimSuffix(baseName(f), ".yaml"), ".json")
		b, err := pt.Bind(params, cfntemplate.Pseudo{AccountID: acct, Region: region, StackName: "xacct-" + stack})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		all = append(all, loaded{f, b, pt})
	}
	var unknown []string
	for k := range opts.Params {
		if !m.declared[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, inputErrorf("--param %s: no template given declares %s (a misspelt name would be silently ignored)",
			strings.Join(unknown, ", --param "), plural(len(unknown), "this parameter", "these parameters"))
	}
	for _, l := range all {
		if err := m.collect(l.file, l.b, l.t, region, codeDirs[l.file]); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// InputError is an option Run refuses: a parameter no template declares,
// an account for a file that was not given, an account id that is not 12
// digits.
type InputError struct{ Msg string }

// Error returns the message, which names the option.
func (e *InputError) Error() string { return e.Msg }

func inputErrorf(format string, args ...any) error {
	return &InputError{fmt.Sprintf(format, args...)}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// checkAccounts refuses --account entries for files that are not among
// the templates and ids that are not 12 digits.
func checkAccounts(files []string, accounts map[string]string) error {
	keys := make([]string, 0, len(accounts))
	for k := range accounts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		found := false
		for _, f := range files {
			if filepath.Clean(f) == filepath.Clean(k) {
				found = true
			}
		}
		if !found {
			return inputErrorf("--account %s=%s: %s is not one of the templates given (%s)", k, accounts[k], k, strings.Join(files, ", "))
		}
		if !accountRE.MatchString(accounts[k]) {
			return inputErrorf("--account %s=%s: an account id is 12 digits", k, accounts[k])
		}
	}
	return nil
}

var accountRE = regexp.MustCompile(`^[0-9]{12}$`)

// eventErrorRE reads one cause of a SAM transform failure that is an
// event source's.
var eventErrorRE = regexp.MustCompile(`^([A-Za-z0-9]+)\] is invalid\. Event with id \[([A-Za-z0-9]+)\] is invalid\. (.*)$`)

// transform applies the SAM transform; an event source the transform
// refuses (a type or feature xacct does not translate, a malformed event)
// is taken out and listed as ignored, since the check is about IAM: a
// template never fails for its event sources.
func transform(t *cfntemplate.Template, opts cfntemplate.TransformOptions) (*cfntemplate.Template, []string, error) {
	var ignored []string
	t, dropped := t.WithoutUntranslated()
	for _, d := range dropped {
		ignored = append(ignored, d.String())
	}
	for range 100 {
		pt, err := t.Transform(opts)
		if err == nil {
			return pt, ignored, nil
		}
		var ms [][]string
		for _, cause := range strings.Split(err.Error(), "Resource with id [")[1:] {
			if mm := eventErrorRE.FindStringSubmatch(strings.TrimSpace(cause)); mm != nil {
				ms = append(ms, mm)
			}
		}
		if len(ms) == 0 {
			return nil, nil, err
		}
		root := t.Root().Clone()
		removed := false
		for _, mm := range ms {
			events := root.Get("Resources").Get(mm[1]).Get("Properties").Get("Events")
			if events.IsMap() && events.Has(mm[2]) {
				typ, _ := events.Get(mm[2]).Get("Type").Scalar()
				events.Delete(mm[2])
				removed = true
				ignored = append(ignored, fmt.Sprintf("event %s of %s (%s): %s", mm[2], mm[1], typ, strings.TrimSpace(mm[3])))
			}
		}
		if !removed {
			return nil, nil, err
		}
		t = cfntemplate.New(root)
	}
	return nil, nil, fmt.Errorf("too many event sources refused by the SAM transform")
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// static resolves Ref and Fn::GetAtt to the names and ARNs a deployment
// would give, without deploying.
type static struct {
	acct, region, stack string
	b                   *cfntemplate.Bound
	t                   *cfntemplate.Template
	cache               map[string]map[string]any
}

func (s *static) props(ctx context.Context, id string) map[string]any {
	if p, ok := s.cache[id]; ok {
		return p
	}
	s.cache[id] = nil // cycles resolve to nothing
	p, err := s.b.ResolveProperties(ctx, id, s)
	if err != nil {
		p = map[string]any{}
	}
	s.cache[id] = p
	return p
}

func str(m map[string]any, k string) string {
	v, _ := m[k].(string)
	return v
}

func (s *static) name(ctx context.Context, id, prop string) string {
	if n := str(s.props(ctx, id), prop); n != "" {
		return n
	}
	return s.stack + "-" + id
}

func (s *static) Ref(ctx context.Context, id string) (string, error) {
	r, ok := s.t.Resource(id)
	if !ok {
		return "", &cfntemplate.Error{Message: "Template error: unresolved resource " + id}
	}
	switch r.Type {
	case "AWS::IAM::Role":
		return s.name(ctx, id, "RoleName"), nil
	case "AWS::S3::Bucket":
		return strings.ToLower(s.name(ctx, id, "BucketName")), nil
	case "AWS::Logs::LogGroup":
		return s.name(ctx, id, "LogGroupName"), nil
	case "AWS::Lambda::Function":
		return s.name(ctx, id, "FunctionName"), nil
	case "AWS::SNS::Topic":
		return fmt.Sprintf("arn:aws:sns:%s:%s:%s", s.region, s.acct, s.name(ctx, id, "TopicName")), nil
	case "AWS::IAM::ManagedPolicy":
		return fmt.Sprintf("arn:aws:iam::%s:policy/%s", s.acct, s.name(ctx, id, "ManagedPolicyName")), nil
	case "AWS::CloudWatch::Alarm":
		return s.name(ctx, id, "AlarmName"), nil
	case "AWS::KMS::Alias":
		return str(s.props(ctx, id), "AliasName"), nil
	case "AWS::KMS::Key":
		// A stand-in key id: the real one is random.
		return "xacct-check-" + id, nil
	}
	return id, nil
}

func (s *static) GetAtt(ctx context.Context, id, attr string) (any, error) {
	ref, err := s.Ref(ctx, id)
	if err != nil {
		return nil, err
	}
	r, _ := s.t.Resource(id)
	switch r.Type + "." + attr {
	case "AWS::IAM::Role.Arn":
		path := str(s.props(ctx, id), "Path")
		if path == "" {
			path = "/"
		}
		return "arn:aws:iam::" + s.acct + ":role" + path + ref, nil
	case "AWS::S3::Bucket.Arn":
		return "arn:aws:s3:::" + ref, nil
	case "AWS::Logs::LogGroup.Arn":
		return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:*", s.region, s.acct, ref), nil
	case "AWS::Lambda::Function.Arn":
		return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", s.region, s.acct, ref), nil
	case "AWS::SNS::Topic.TopicName":
		return s.name(ctx, id, "TopicName"), nil
	case "AWS::KMS::Key.Arn":
		return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", s.region, s.acct, ref), nil
	}
	return ref, nil
}

func (s *static) ImportValue(ctx context.Context, name string) (string, error) {
	return "imported:" + name, nil
}

// bucketEncryption reads a bucket's BucketEncryption: the first rule's
// SSEAlgorithm and KMSMasterKeyID.
func bucketEncryption(p map[string]any) (sse, key string) {
	enc, _ := p["BucketEncryption"].(map[string]any)
	rules, _ := enc["ServerSideEncryptionConfiguration"].([]any)
	if len(rules) == 0 {
		return "", ""
	}
	rule, _ := rules[0].(map[string]any)
	def, _ := rule["ServerSideEncryptionByDefault"].(map[string]any)
	return str(def, "SSEAlgorithm"), str(def, "KMSMasterKeyID")
}

// docString renders a policy document property as JSON.
func docString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (m *model) collect(file string, b *cfntemplate.Bound, t *cfntemplate.Template, region string, codeDirs map[string]string) error {
	ctx := context.Background()
	acct := m.accounts[file]
	var ignored []string
	st := &static{acct: acct, region: region, stack: "xacct-" + strings.TrimSuffix(strings.TrimSuffix(baseName(file), ".yaml"), ".json"), b: b, t: t, cache: map[string]map[string]any{}}
	for _, id := range b.Resources() {
		r, _ := t.Resource(id)
		p := st.props(ctx, id)
		switch r.Type {
		case "AWS::IAM::Role":
			arnV, _ := st.GetAtt(ctx, id, "Arn")
			ro := &role{arn: arnV.(string), account: acct, trust: docString(p["AssumeRolePolicyDocument"]), file: file, id: id}
			ro.name, _ = st.Ref(ctx, id)
			m.docs = append(m.docs, policyDoc{kind: policy.KindTrust, name: "trust policy", doc: ro.trust, role: ro.arn, file: file, resource: id})
			if pols, ok := p["Policies"].([]any); ok {
				for _, x := range pols {
					if pm, ok := x.(map[string]any); ok {
						ro.inline = append(ro.inline, namedDoc{str(pm, "PolicyName"), docString(pm["PolicyDocument"])})
						m.docs = append(m.docs, policyDoc{kind: policy.KindIdentity, name: "inline policy " + str(pm, "PolicyName"), doc: docString(pm["PolicyDocument"]), role: ro.arn, file: file, resource: id})
					}
				}
			}
			if arns, ok := p["ManagedPolicyArns"].([]any); ok {
				for _, a := range arns {
					if s, ok := a.(string); ok {
						ro.managed = append(ro.managed, s)
					}
				}
			}
			m.roles[ro.arn] = ro
		case "AWS::Lambda::Function":
			f := &function{account: acct, roleARN: str(p, "Role"), env: map[string]string{}, file: file, id: id, code: codeDirs[id]}
			f.name, _ = st.Ref(ctx, id)
			if code, ok := p["Code"].(map[string]any); ok {
				f.inline = str(code, "ZipFile")
			}
			if env, ok := p["Environment"].(map[string]any); ok {
				if vars, ok := env["Variables"].(map[string]any); ok {
					for k, v := range vars {
						f.env[k] = fmt.Sprint(v)
					}
				}
			}
			m.functions = append(m.functions, f)
		case "AWS::S3::Bucket":
			name, _ := st.Ref(ctx, id)
			if m.buckets[name] == nil {
				m.buckets[name] = &bucket{name: name, account: acct, file: file, id: id}
			}
			m.buckets[name].sse, m.buckets[name].kmsKey = bucketEncryption(p)
		case "AWS::KMS::Key":
			arnV, _ := st.GetAtt(ctx, id, "Arn")
			keyID, _ := st.Ref(ctx, id)
			doc := docString(p["KeyPolicy"])
			if p["KeyPolicy"] == nil {
				doc = awsmanaged.DefaultKeyPolicy(acct)
			}
			k := &kmsKey{arn: arnV.(string), id: keyID, account: acct, region: region, policy: doc, file: file, resource: id}
			m.keys[k.arn] = k
			m.docs = append(m.docs, policyDoc{kind: policy.KindKey, name: "key policy of " + id, doc: doc, file: file, resource: id})
		case "AWS::KMS::Alias":
			target := str(p, "TargetKeyId")
			for _, k := range m.keys {
				if k.account == acct && (k.id == target || k.arn == target) {
					target = k.arn
				}
			}
			m.aliases[acct+"/"+str(p, "AliasName")] = target
		case "AWS::IAM::ManagedPolicy":
			arn, _ := st.Ref(ctx, id)
			m.managed[arn] = docString(p["PolicyDocument"])
			m.docs = append(m.docs, policyDoc{kind: policy.KindIdentity, name: "managed policy " + arn, doc: m.managed[arn], file: file, resource: id})
		case "AWS::IAM::Policy":
			m.docs = append(m.docs, policyDoc{kind: policy.KindIdentity, name: "policy " + str(p, "PolicyName"), doc: docString(p["PolicyDocument"]), file: file, resource: id})
		case "AWS::S3::BucketPolicy":
			m.docs = append(m.docs, policyDoc{kind: policy.KindResource, name: "bucket policy of " + str(p, "Bucket"), doc: docString(p["PolicyDocument"]), file: file, resource: id})
		default:
			ignored = append(ignored, fmt.Sprintf("%s (%s)", id, r.Type))
		}
	}
	if len(ignored) > 0 {
		m.ignored = append(m.ignored, fmt.Sprintf("%s: %s: neither IAM, S3 nor a Lambda function (event sources, APIs, queues, alarms, ... are not checked)", file, strings.Join(ignored, ", ")))
	}
	// Second pass: policies attached to resources collected above.
	for _, id := range b.Resources() {
		r, _ := t.Resource(id)
		p := st.props(ctx, id)
		switch r.Type {
		case "AWS::S3::BucketPolicy":
			name := str(p, "Bucket")
			bk := m.buckets[name]
			if bk == nil {
				bk = &bucket{name: name, account: acct, file: file, id: id}
				m.buckets[name] = bk
			}
			bk.policy = docString(p["PolicyDocument"])
		case "AWS::IAM::Policy":
			if roles, ok := p["Roles"].([]any); ok {
				for _, rn := range roles {
					for _, ro := range m.roles {
						if ro.account == acct && ro.name == fmt.Sprint(rn) {
							ro.inline = append(ro.inline, namedDoc{str(p, "PolicyName"), docString(p["PolicyDocument"])})
						}
					}
				}
			}
		case "AWS::IAM::ManagedPolicy":
			arn, _ := st.Ref(ctx, id)
			if roles, ok := p["Roles"].([]any); ok {
				for _, rn := range roles {
					for _, ro := range m.roles {
						if ro.account == acct && ro.name == fmt.Sprint(rn) {
							ro.managed = append(ro.managed, arn)
						}
					}
				}
			}
		}
	}
	return nil
}
