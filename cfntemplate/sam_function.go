package cfntemplate

import (
	"net/url"
	"regexp"
	"strings"
)

// resourceAttributes returns the attributes a SAM resource keeps on its
// main generated resource, in the order the translator writes them.
func resourceAttributes(res *Node) []Field {
	var out []Field
	for _, a := range []string{"DeletionPolicy", "UpdatePolicy", "Condition", "UpdateReplacePolicy", "Metadata"} {
		if v := res.Get(a); v != nil {
			out = append(out, Field{a, v.Clone()})
		}
	}
	return out
}

// passthroughAttributes returns the attributes copied from a SAM resource
// to every resource generated from it.
func passthroughAttributes(res *Node) []Field {
	var out []Field
	for _, a := range []string{"Condition", "DeletionPolicy", "UpdateReplacePolicy"} {
		if v := res.Get(a); v != nil {
			out = append(out, Field{a, v.Clone()})
		}
	}
	return out
}

// cfnResource builds a resource entry as the translator's to_dict does:
// Type, DependsOn, attributes, Properties.
func cfnResource(typ string, dependsOn *Node, attrs []Field, props *Node) *Node {
	n := NewMap()
	n.Set("Type", NewString(typ))
	if dependsOn != nil {
		n.Set("DependsOn", dependsOn.Clone())
	}
	for _, a := range attrs {
		n.Set(a.Key, a.Value)
	}
	if props == nil {
		props = NewMap()
	}
	n.Set("Properties", props)
	return n
}

// present returns a property's value unless it is absent or null (Python
// None, which the translator omits).
func present(props *Node, key string) *Node {
	v := props.Get(key)
	if v == nil || v.Kind == KindNull {
		return nil
	}
	return v
}

func setIf(m *Node, key string, v *Node) {
	if v != nil && v.Kind != KindNull {
		m.Set(key, v.Clone())
	}
}

const lambdaTracingDisabled = "Disabled"

// function translates an AWS::Serverless::Function.
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html
func (s *sam) function(id string, res *Node) ([]Field, *samError) {
	props := res.Get("Properties")
	if props == nil {
		props = NewMap()
	}
	if err := s.expandPolicyTemplates(id, props); err != nil {
		return nil, err
	}
	if err := checkProps(id, "AWS::Serverless::Function", props, samFunctionProps()); err != nil {
		return nil, err
	}
	for _, unsupported := range untranslatedFunctionProps {
		if present(props, unsupported) != nil {
			return nil, invalidResource(id, "Property '%s' is not supported by xacct's SAM transform.", unsupported)
		}
	}
	events, err := s.eventLinks(id, present(props, "Events"))
	if err != nil {
		return nil, err
	}
	if dlq := present(props, "DeadLetterQueue"); dlq != nil {
		if err := validateDLQ(id, dlq); err != nil {
			return nil, err
		}
	}
	fn, err := s.lambdaFunction(id, res, props)
	if err != nil {
		return nil, err
	}
	out := []Field{{id, fn}}
	fnProps := fn.Get("Properties")

	if present(props, "ProvisionedConcurrencyConfig") != nil && present(props, "AutoPublishAlias") == nil {
		return nil, invalidResource(id, "To set ProvisionedConcurrencyConfig AutoPublishALias must be defined on the function")
	}
	var alias *Field
	if present(props, "AutoPublishAlias") != nil {
		version, a, err := s.versionAndAlias(id, res, props, fn)
		if err != nil {
			return nil, err
		}
		out = append(out, *version, *a)
		alias = a
	}

	role, err := s.executionRole(id, res, props)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := fnProps.Get("Role"); r != nil && r.Kind == KindNull {
			fnProps.Delete("Role")
		}
	}()
	roleArn := GetAtt(role.Key, "Arn")
	var generatedRole *Field
	switch r := present(props, "Role"); {
	case r == nil:
		fnProps.Set("Role", roleArn)
		out = append(out, *role)
		generatedRole = role
	case r.IsFunc("Fn::If"):
		value, include, err := s.conditionalRole(id, r, role)
		if err != nil {
			return nil, err
		}
		if value != nil {
			fnProps.Set("Role", value)
			if include {
				out = append(out, *role)
				generatedRole = role
			}
		}
	}

	evs, err := s.eventResources(id, res, alias, generatedRole, events)
	if err != nil {
		return nil, err
	}
	out = append(out, evs...)

	if pt := present(props, "PropagateTags"); pt != nil && pt.Kind == KindBool && pt.Bool {
		if tags := present(props, "Tags"); tags.IsMap() && len(tags.Fields) > 0 {
			for _, g := range out {
				if tagged(typeOf(g.Value)) {
					g.Value.Get("Properties").Set("Tags", tagList(tags))
				}
			}
		}
	}
	return out, nil
}

// tagged reports generated resource types whose Tags property PropagateTags
// overwrites.
func tagged(typ string) bool {
	switch typ {
	case "AWS::Lambda::Function", "AWS::IAM::Role", "AWS::SNS::Topic", "AWS::SQS::Queue":
		return true
	}
	return false
}

func tagList(tags *Node) *Node {
	l := NewList()
	if !tags.IsMap() {
		return l
	}
	for _, f := range tags.Fields {
		v := f.Value.Clone()
		if v.Kind == KindNull {
			v = NewString("")
		}
		t := NewMap()
		t.Set("Key", NewString(f.Key))
		t.Set("Value", v)
		l.Items = append(l.Items, t)
	}
	return l
}

// samTags returns [lambda:createdBy=SAM] followed by the user's tags,
// refusing reserved keys.
func samTags(id string, tags *Node) (*Node, *samError) {
	for _, reserved := range []string{"lambda:createdBy", "serverlessrepo:applicationId", "serverlessrepo:semanticVersion"} {
		if tags.Has(reserved) {
			return nil, invalidResource(id, "%s is a reserved Tag key name and cannot be set on your resource. Please change the tag key in the input.", reserved)
		}
	}
	sam := NewMap()
	sam.Set("Key", NewString("lambda:createdBy"))
	sam.Set("Value", NewString("SAM"))
	l := NewList(sam)
	l.Items = append(l.Items, tagList(tags).Items...)
	return l, nil
}

func validateDLQ(id string, dlq *Node) *samError {
	typ, target := dlq.Get("Type"), dlq.Get("TargetArn")
	if typ == nil || isFalsy(typ) || target == nil || isFalsy(target) {
		return invalidResource(id, "'DeadLetterQueue' requires Type and TargetArn properties to be specified.")
	}
	if !typ.IsString() {
		return invalidResource(id, "Property 'DeadLetterQueue.Type' should be a string.")
	}
	if typ.Str != "SQS" && typ.Str != "SNS" {
		return invalidResource(id, "'DeadLetterQueue' requires Type of ['SQS', 'SNS']")
	}
	return nil
}

// lambdaFunction builds the AWS::Lambda::Function.
func (s *sam) lambdaFunction(id string, res, props *Node) (*Node, *samError) {
	code, err := s.codeDict(id, props)
	if err != nil {
		return nil, err
	}
	p := NewMap()
	p.Set("Code", code)
	setIf(p, "PackageType", present(props, "PackageType"))
	if dlq := present(props, "DeadLetterQueue"); dlq != nil {
		c := NewMap()
		c.Set("TargetArn", dlq.Get("TargetArn").Clone())
		p.Set("DeadLetterConfig", c)
	}
	setIf(p, "Description", present(props, "Description"))
	if name := present(props, "FunctionName"); name != nil && !isFalsy(name) {
		p.Set("FunctionName", name.Clone())
	}
	for _, k := range []string{"Handler", "MemorySize", "Role", "Runtime", "Timeout", "VpcConfig", "Environment"} {
		setIf(p, k, present(props, k))
		if k == "Role" && !p.Has("Role") {
			p.Set("Role", NewNull()) // keeps the translator's property order; filled or removed later
		}
	}
	tags, err := samTags(id, present(props, "Tags"))
	if err != nil {
		return nil, err
	}
	p.Set("Tags", tags)
	if tr := present(props, "Tracing"); tr != nil && !isFalsy(tr) {
		resolved, err := s.resolveParams(tr)
		if err != nil {
			return nil, err
		}
		if !(resolved.IsString() && resolved.Str == lambdaTracingDisabled) {
			c := NewMap()
			c.Set("Mode", tr.Clone())
			p.Set("TracingConfig", c)
		}
	}
	for _, k := range []string{"KmsKeyArn", "Layers", "ReservedConcurrentExecutions", "FileSystemConfigs",
		"CodeSigningConfigArn", "ImageConfig", "Architectures", "SnapStart", "EphemeralStorage",
		"RuntimeManagementConfig", "LoggingConfig", "RecursiveLoop", "PublishToLatestPublished",
		"TenancyConfig", "DurableConfig"} {
		setIf(p, k, present(props, k))
	}
	if err := validatePackageType(id, p); err != nil {
		return nil, err
	}
	return cfnResource("AWS::Lambda::Function", res.Get("DependsOn"), resourceAttributes(res), p), nil
}

func validatePackageType(id string, p *Node) *samError {
	pt := "Zip"
	if v := p.Get("PackageType"); v != nil {
		pt, _ = v.Scalar()
	}
	truthy := func(k string) bool { v := p.Get(k); return v != nil && !isFalsy(v) }
	switch pt {
	case "Zip":
		if !truthy("Runtime") || !truthy("Handler") {
			return invalidResource(id, "Runtime and Handler needs to be present when PackageType is of type `Zip`")
		}
		if iu := p.Get("Code").Get("ImageUri"); (iu != nil && !isFalsy(iu)) || truthy("ImageConfig") {
			return invalidResource(id, "ImageUri or ImageConfig cannot be present when PackageType is of type `Zip`")
		}
	case "Image":
		if truthy("Handler") || truthy("Runtime") || truthy("Layers") {
			return invalidResource(id, "Runtime, Handler, Layers cannot be present when PackageType is of type `Image`")
		}
		if iu := p.Get("Code").Get("ImageUri"); iu == nil || isFalsy(iu) {
			return invalidResource(id, "ImageUri needs to be present when PackageType is of type `Image`")
		}
	default:
		return invalidResource(id, "PackageType needs to be `Zip` or `Image`")
	}
	return nil
}

var dynamicRefRE = regexp.MustCompile(`{{resolve:(ssm|ssm-secure|secretsmanager):[a-zA-Z0-9_.\-/]+(:\d+)?}}`)

// s3Location turns CodeUri/ContentUri (an s3:// URI or {Bucket, Key,
// Version}) into Lambda's {S3Bucket, S3Key, S3ObjectVersion}.
func s3Location(id, property string, v *Node) (*Node, *samError) {
	code := NewMap()
	switch {
	case isDictValue(v):
		b, k := v.Get("Bucket"), v.Get("Key")
		if b == nil || isFalsy(b) || k == nil || isFalsy(k) {
			return nil, invalidResource(id, "'%s' requires Bucket and Key properties to be specified.", property)
		}
		code.Set("S3Bucket", b.Clone())
		code.Set("S3Key", k.Clone())
		if ver := v.Get("Version"); ver != nil {
			code.Set("S3ObjectVersion", ver.Clone())
		}
	case v.IsString():
		if m := dynamicRefRE.FindString(v.Str); m != "" && strings.Contains(m, "/") {
			return nil, invalidResource(id, "Unsupported dynamic reference detected in '%s'. Please consider using alternative 'FunctionCode' object format.", property)
		}
		bucket, key, version, ok := parseS3URI(v.Str)
		if !ok {
			return nil, invalidResource(id, "'%s' is not a valid S3 Uri of the form 's3://bucket/key' with optional versionId query parameter.", property)
		}
		code.Set("S3Bucket", NewString(bucket))
		code.Set("S3Key", NewString(key))
		if version != "" {
			code.Set("S3ObjectVersion", NewString(version))
		}
	default:
		return nil, invalidResource(id, "'%s' must be of type dict or string.", property)
	}
	return code, nil
}

// parseS3URI parses s3://bucket/key?versionId=v as Python's urlparse and
// parse_qs do for the SAM translator.
func parseS3URI(uri string) (bucket, key, version string, ok bool) {
	if len(uri) < 5 || !strings.EqualFold(uri[:5], "s3://") {
		return "", "", "", false
	}
	rest := uri[5:]
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	query := ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest, query = rest[:i], rest[i+1:]
	}
	netloc, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		netloc, path = rest[:i], rest[i:]
	}
	if netloc == "" || path == "" {
		return "", "", "", false
	}
	if q, err := url.ParseQuery(query); err == nil {
		if vs := q["versionId"]; len(vs) == 1 && vs[0] != "" {
			version = vs[0]
		}
	}
	return netloc, strings.TrimLeft(path, "/"), version, true
}

func (s *sam) codeDict(id string, props *Node) (*Node, *samError) {
	pt := "Zip"
	if v := present(props, "PackageType"); v != nil {
		text, _ := v.Scalar()
		if text != "Zip" && text != "Image" {
			return nil, invalidResource(id, "invalid 'PackageType' : %s", v.String())
		}
		pt = text
	}
	if pt == "Image" {
		iu := present(props, "ImageUri")
		if iu == nil {
			return nil, invalidResource(id, "'ImageUri' must be set.")
		}
		if isFalsy(iu) {
			return nil, invalidResource(id, "'ImageUri' requires that a image hosted at a registry be specified.")
		}
		c := NewMap()
		c.Set("ImageUri", iu.Clone())
		return c, nil
	}
	var code *Node
	if inline := present(props, "InlineCode"); inline != nil {
		code = NewMap()
		code.Set("ZipFile", inline.Clone())
	} else if uri := present(props, "CodeUri"); uri != nil {
		var err *samError
		if code, err = s3Location(id, "CodeUri", uri); err != nil {
			return nil, err
		}
	} else {
		return nil, invalidResource(id, "Only one of 'InlineCode' or 'CodeUri' can be set.")
	}
	setIf(code, "SourceKMSKeyArn", present(props, "SourceKMSKeyArn"))
	return code, nil
}

var aliasNameRE = regexp.MustCompile(`^[a-zA-Z0-9\-_]+$`)

// versionAndAlias builds the AWS::Lambda::Version (logical ID hashed from
// the code location, environment and memory size, so a change publishes a
// new version) and the AWS::Lambda::Alias AutoPublishAlias asks for.
func (s *sam) versionAndAlias(id string, res, props, fn *Node) (*Field, *Field, *samError) {
	resolved, err := s.resolveParams(present(props, "AutoPublishAlias"))
	if err != nil {
		return nil, nil, err
	}
	if !resolved.IsString() {
		return nil, nil, invalidResource(id, "'AutoPublishAlias' must be a string or a Ref to a template parameter")
	}
	name := resolved.Str
	fnProps := fn.Get("Properties")
	sha := ""
	if cs := present(props, "AutoPublishCodeSha256"); cs != nil {
		r, err := s.resolveParams(cs)
		if err != nil {
			return nil, nil, err
		}
		if !r.IsString() {
			return nil, nil, invalidResource(id, "AutoPublishCodeSha256 must be a string")
		}
		sha = r.Str
		desc, err := s.resolveParams(present(props, "Description"))
		if err != nil {
			return nil, nil, err
		}
		switch {
		case desc == nil || isFalsy(desc):
			fnProps.Set("Description", NewString(sha))
		case desc.IsString():
			fnProps.Set("Description", NewString(desc.Str+" "+sha))
		default:
			fnProps.Set("Description", NewFunc("Fn::Join", NewList(NewString(" "), NewList(desc, NewString(sha)))))
		}
	}
	var logical *Node
	if all := present(props, "AutoPublishAliasAllProperties"); all != nil && all.Kind == KindBool && all.Bool {
		logical = fnProps.Clone()
	} else {
		code, err := s.resolveParams(fnProps.Get("Code"))
		if err != nil {
			return nil, nil, err
		}
		// The translator resolves the code location in place, so the
		// function's Code shows the parameter values too.
		fnProps.Set("Code", code.Clone())
		logical = code
		if env := fnProps.Get("Environment"); env.IsMap() {
			for _, f := range env.Fields {
				logical.Set(f.Key, f.Value.Clone())
			}
		}
		if ms := fnProps.Get("MemorySize"); ms != nil && !isFalsy(ms) {
			logical.Set("MemorySize", ms.Clone())
		}
		if ss := fnProps.Get("SnapStart"); ss.IsMap() {
			if applyOn, _ := ss.Get("ApplyOn").Scalar(); ss.Get("ApplyOn") != nil && applyOn != "None" {
				logical.Set("SnapStart", ss.Clone())
			}
		}
	}
	versionID := samLogicalID(id+"Version", logical, sha)
	attrs := passthroughAttributes(res)
	if !res.Has("DeletionPolicy") {
		policy := "Retain"
		if vdp := present(props, "VersionDeletionPolicy"); vdp.IsString() {
			policy = vdp.Str
		}
		attrs = append(attrs, Field{"DeletionPolicy", NewString(policy)})
	}
	vp := NewMap()
	vp.Set("FunctionName", Ref(id))
	setIf(vp, "Description", present(props, "VersionDescription"))
	version := &Field{versionID, cfnResource("AWS::Lambda::Version", nil, attrs, vp)}

	if name == "" {
		return nil, nil, invalidResource(id, "Alias name is required to create an alias")
	}
	if !aliasNameRE.MatchString(name) || isAllDigits(name) {
		return nil, nil, invalidResource(id, "AutoPublishAlias name ('%s') must contain only alphanumeric characters, hyphens, or underscores matching (?!^[0-9]+$)([a-zA-Z0-9-_]+) pattern.", name)
	}
	aliasID := id + "Alias" + strings.NewReplacer("-", "D", "_", "U").Replace(name)
	ap := NewMap()
	ap.Set("Name", NewString(name))
	ap.Set("FunctionName", Ref(id))
	ap.Set("FunctionVersion", GetAtt(versionID, "Version"))
	setIf(ap, "ProvisionedConcurrencyConfig", present(props, "ProvisionedConcurrencyConfig"))
	alias := &Field{aliasID, cfnResource("AWS::Lambda::Alias", nil, passthroughAttributes(res), ap)}
	s.refProps[id+".Alias"] = aliasID
	s.refProps[id+".Version"] = versionID
	return version, alias, nil
}

func isAllDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// conditionalRole handles Role: !If [Cond, X, Y] where a branch is
// AWS::NoValue: the generated role fills that branch and is created only
// under the matching condition.
func (s *sam) conditionalRole(id string, role *Node, generated *Field) (*Node, bool, *samError) {
	// The translator works on the Role with parameter references resolved.
	role, err := s.resolveParams(role)
	if err != nil {
		return nil, false, err
	}
	items := role.Arg
	if !items.IsList() || len(items.Items) != 3 || !items.Items[0].IsString() {
		return nil, false, invalidResource(id, "Malformed 'Role' property: Fn::If requires 3 arguments.")
	}
	cond, ifTrue, ifFalse := items.Items[0].Str, items.Items[1], items.Items[2]
	noValue := func(n *Node) bool { return n.IsFunc("Ref") && n.Arg.IsString() && n.Arg.Str == "AWS::NoValue" }
	arn := GetAtt(generated.Key, "Arn")
	switch {
	case noValue(ifTrue) && noValue(ifFalse):
		return arn, true, nil
	case noValue(ifTrue):
		generated.Value.Set("Condition", NewString(cond))
		moveBeforeProperties(generated.Value, "Condition")
		return NewFunc("Fn::If", NewList(NewString(cond), arn, ifFalse.Clone())), true, nil
	case noValue(ifFalse):
		notCond := "NOT" + cond
		generated.Value.Set("Condition", NewString(notCond))
		moveBeforeProperties(generated.Value, "Condition")
		conds := s.root.Get("Conditions")
		if conds == nil {
			conds = NewMap()
			s.root.Set("Conditions", conds)
		}
		c := NewMap()
		c.Set("Condition", NewString(cond))
		conds.Set(notCond, NewFunc("Fn::Not", NewList(foldFunc(c))))
		return NewFunc("Fn::If", NewList(NewString(cond), ifTrue.Clone(), arn)), true, nil
	}
	return nil, false, nil
}

// moveBeforeProperties keeps Properties last after adding an attribute.
func moveBeforeProperties(n *Node, key string) {
	p := n.Get("Properties")
	if p == nil {
		return
	}
	n.Delete("Properties")
	n.Set("Properties", p)
}
