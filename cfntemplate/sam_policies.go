package cfntemplate

import (
	"sort"
	"strconv"
	"strings"
)

type policyType int

const (
	policyManaged policyType = iota
	policyStatement
	policyTemplate
	policyUnknown
)

func isNoValue(n *Node) bool {
	return n.IsFunc("Ref") && n.Arg.IsString() && n.Arg.Str == "AWS::NoValue"
}

// policyEntries returns the Policies property as a list.
func policyEntries(props *Node) []*Node {
	p := present(props, "Policies")
	if p == nil || isFalsy(p) {
		return nil
	}
	if p.IsList() {
		return p.Items
	}
	return []*Node{p}
}

// classifyPolicy tells a Policies entry's kind as the translator's
// ResourcePolicies does; withTemplates enables policy template detection
// (the plugin that expands them runs first).
func classifyPolicy(p *Node, withTemplates bool) (policyType, *samError) {
	switch {
	case p.IsString():
		return policyManaged, nil
	case p.IsFunc("Fn::If"):
		items := p.Arg
		if !items.IsList() || len(items.Items) != 3 {
			return 0, invalidTemplate("Fn::If requires 3 arguments")
		}
		a, err := classifyPolicy(items.Items[1], withTemplates)
		if err != nil {
			return 0, err
		}
		b, err := classifyPolicy(items.Items[2], withTemplates)
		if err != nil {
			return 0, err
		}
		switch {
		case a == b:
			return a, nil
		case isNoValue(items.Items[1]):
			return b, nil
		case isNoValue(items.Items[2]):
			return a, nil
		}
		return 0, invalidTemplate("Different policy types within the same Fn::If statement is unsupported. Separate different policy types into different Fn::If statements")
	case p.Kind == KindFunc:
		return policyManaged, nil
	case p.IsMap() && p.Has("Statement"):
		return policyStatement, nil
	case withTemplates && p.IsMap() && len(p.Fields) == 1 && isPolicyTemplateName(p.Fields[0].Key):
		return policyTemplate, nil
	}
	return policyUnknown, nil
}

// expandPolicyTemplates replaces SAM policy templates in Policies by the
// statements they stand for (the translator's PolicyTemplatesPlugin).
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-policy-templates.html
func (s *sam) expandPolicyTemplates(id string, props *Node) *samError {
	entries := policyEntries(props)
	if len(entries) == 0 {
		return nil
	}
	out := NewList()
	for _, e := range entries {
		t, err := classifyPolicy(e, true)
		if err != nil {
			return err
		}
		if t != policyTemplate {
			out.Items = append(out.Items, e)
			continue
		}
		if e.IsFunc("Fn::If") {
			items := e.Arg.Items
			branch := func(b *Node) (*Node, *samError) {
				if isNoValue(b) {
					return b, nil
				}
				return expandPolicyTemplate(id, b)
			}
			t, err := branch(items[1])
			if err != nil {
				return err
			}
			f, err := branch(items[2])
			if err != nil {
				return err
			}
			out.Items = append(out.Items, NewFunc("Fn::If", NewList(items[0].Clone(), t, f)))
			continue
		}
		st, err := expandPolicyTemplate(id, e)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, st)
	}
	props.Set("Policies", out)
	return nil
}

func expandPolicyTemplate(id string, entry *Node) (*Node, *samError) {
	if !entry.IsMap() || len(entry.Fields) != 1 {
		return nil, invalidResource(id, "Policy template must be an object with a single key")
	}
	name, values := entry.Fields[0].Key, entry.Fields[0].Value
	params, def, ok := policyTemplateDefinition(name)
	if !ok {
		return nil, invalidResource(id, "Policy template '%s' is not supported by xacct's SAM transform.", name)
	}
	if !isDictValue(values) {
		return nil, invalidResource(id, "Must specify valid parameter values for policy template '%s'", name)
	}
	var missing []string
	for _, p := range params {
		if !values.Has(p) {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, invalidResource(id, "Following required parameters of template '%s' don't have values: %s", name, pyList(missing))
	}
	given := map[string]*Node{}
	for _, p := range params {
		given[p] = values.Get(p)
	}
	return substituteRefs(def, given), nil
}

// substituteRefs replaces {"Ref": P} by values[P] (a copy).
func substituteRefs(n *Node, values map[string]*Node) *Node {
	switch n.Kind {
	case KindFunc:
		if n.Str == "Ref" && n.Arg.IsString() {
			if v, ok := values[n.Arg.Str]; ok {
				return v.Clone()
			}
		}
		n.Arg = substituteRefs(n.Arg, values)
	case KindMap:
		for i := range n.Fields {
			n.Fields[i].Value = substituteRefs(n.Fields[i].Value, values)
		}
	case KindList:
		for i := range n.Items {
			n.Items[i] = substituteRefs(n.Items[i], values)
		}
	}
	return n
}

// lambdaAssumeRolePolicy is the trust policy of generated execution roles.
func lambdaAssumeRolePolicy() *Node {
	principal := NewMap()
	principal.Set("Service", Strings("lambda.amazonaws.com"))
	st := NewMap()
	st.Set("Action", Strings("sts:AssumeRole"))
	st.Set("Effect", NewString("Allow"))
	st.Set("Principal", principal)
	doc := NewMap()
	doc.Set("Version", NewString("2012-10-17"))
	doc.Set("Statement", NewList(st))
	return doc
}

func (s *sam) awsManagedPolicyARN(name string) string {
	return "arn:" + s.partition + ":iam::aws:policy/" + name
}

// managedPolicyARN maps a managed policy name to its ARN: the built-in
// table of AWS managed policies, ARNs as given, then the caller's lookup;
// anything else is kept as written (as the translator does).
func (s *sam) managedPolicyARN(name string) string {
	switch s.partition {
	case "aws", "aws-cn", "aws-us-gov", "aws-eusc":
		if path, ok := awsManagedPolicyPath(name); ok {
			return s.awsManagedPolicyARN(path + name)
		}
	}
	if strings.HasPrefix(name, "arn:") {
		return name
	}
	if s.opts.ManagedPolicyARN != nil {
		if arn, ok := s.opts.ManagedPolicyARN(name); ok {
			return arn
		}
	}
	return name
}

// awsManagedPolicyPath returns the path of well-known AWS managed policies
// ("" for those directly under policy/).
func awsManagedPolicyPath(name string) (string, bool) {
	switch name {
	case "AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole", "AWSLambdaRole",
		"AWSLambdaSQSQueueExecutionRole", "AWSLambdaDynamoDBExecutionRole", "AWSLambdaKinesisExecutionRole",
		"AWSLambdaMSKExecutionRole", "AWSLambdaENIManagementAccess":
		return "service-role/", true
	case "ViewOnlyAccess":
		return "job-function/", true
	case "AWSXrayWriteOnlyAccess", "AWSXRayDaemonWriteAccess", "AWSXrayFullAccess", "AWSXrayReadOnlyAccess",
		"AmazonS3ReadOnlyAccess", "AmazonS3FullAccess", "AmazonDynamoDBFullAccess", "AmazonDynamoDBReadOnlyAccess",
		"AmazonSNSFullAccess", "AmazonSNSReadOnlyAccess", "AmazonSQSFullAccess", "AmazonSQSReadOnlyAccess",
		"CloudWatchLogsFullAccess", "CloudWatchLogsReadOnlyAccess", "CloudWatchFullAccess", "CloudWatchReadOnlyAccess",
		"CloudWatchLambdaInsightsExecutionRolePolicy", "AWSLambdaExecute", "AWSLambda_FullAccess",
		"AWSLambda_ReadOnlyAccess", "ReadOnlyAccess", "AdministratorAccess", "PowerUserAccess", "IAMReadOnlyAccess",
		"IAMFullAccess", "AmazonSSMReadOnlyAccess", "SecretsManagerReadWrite", "AmazonKinesisFullAccess",
		"AmazonKinesisReadOnlyAccess", "AmazonEventBridgeFullAccess", "AWSStepFunctionsFullAccess",
		"AWSCloudFormationReadOnlyAccess", "AmazonEC2ReadOnlyAccess", "AWSKeyManagementServicePowerUser",
		"CloudWatchAgentServerPolicy", "AmazonAPIGatewayInvokeFullAccess":
		return "", true
	}
	return "", false
}

// executionRole builds <Function>Role: trust for lambda.amazonaws.com,
// AWSLambdaBasicExecutionRole (+ X-Ray when Tracing is on, + VPC access
// with VpcConfig), managed policies by name or ARN, and inline policies
// named <Function>RolePolicy<index>.
func (s *sam) executionRole(id string, res, props *Node) (*Field, *samError) {
	roleID := id + "Role"
	assume := present(props, "AssumeRolePolicyDocument")
	if assume == nil {
		assume = lambdaAssumeRolePolicy()
	} else {
		assume = assume.Clone()
	}
	managed := NewList(NewString(s.awsManagedPolicyARN("service-role/AWSLambdaBasicExecutionRole")))
	if present(props, "DurableConfig") != nil {
		managed = NewList(NewString(s.awsManagedPolicyARN("service-role/AWSLambdaBasicDurableExecutionRolePolicy")))
	}
	if tr := present(props, "Tracing"); tr != nil && !isFalsy(tr) {
		resolved, err := s.resolveParams(tr)
		if err != nil {
			return nil, err
		}
		if !(resolved.IsString() && resolved.Str == lambdaTracingDisabled) {
			xray := "AWSXrayWriteOnlyAccess"
			if s.partition != "aws" {
				xray = "AWSXRayDaemonWriteAccess"
			}
			managed.Items = append(managed.Items, NewString(s.awsManagedPolicyARN(xray)))
		}
	}
	if vpc := present(props, "VpcConfig"); vpc != nil && !isFalsy(vpc) {
		managed.Items = append(managed.Items, NewString(s.awsManagedPolicyARN("service-role/AWSLambdaVPCAccessExecutionRole")))
	}
	docs := NewList()
	if dlq := present(props, "DeadLetterQueue"); dlq != nil {
		action := "sqs:SendMessage"
		if dlq.Get("Type").Str == "SNS" {
			action = "sns:Publish"
		}
		st := NewMap()
		st.Set("Action", NewString(action))
		st.Set("Resource", dlq.Get("TargetArn").Clone())
		st.Set("Effect", NewString("Allow"))
		doc := NewMap()
		doc.Set("Version", NewString("2012-10-17"))
		doc.Set("Statement", NewList(st))
		p := NewMap()
		p.Set("PolicyName", NewString("DeadLetterQueuePolicy"))
		p.Set("PolicyDocument", doc)
		docs.Items = append(docs.Items, p)
	}
	named := func(index int, doc *Node) *Node {
		p := NewMap()
		p.Set("PolicyName", NewString(roleID+"Policy"+strconv.Itoa(index)))
		p.Set("PolicyDocument", doc.Clone())
		return p
	}
	for i, e := range policyEntries(props) {
		t, err := classifyPolicy(e, false)
		if err != nil {
			return nil, err
		}
		switch t {
		case policyStatement:
			if e.IsFunc("Fn::If") {
				items := e.Arg.Items
				branch := func(b *Node) *Node {
					if isNoValue(b) {
						return b.Clone()
					}
					return named(i, b)
				}
				docs.Items = append(docs.Items, NewFunc("Fn::If", NewList(items[0].Clone(), branch(items[1]), branch(items[2]))))
			} else {
				docs.Items = append(docs.Items, named(i, e))
			}
		case policyManaged:
			arn := e.Clone()
			if e.IsString() {
				arn = NewString(s.managedPolicyARN(e.Str))
			} else if e.IsFunc("Fn::If") {
				for _, b := range arn.Arg.Items[1:] {
					if b.IsString() {
						b.Str = s.managedPolicyARN(b.Str)
					}
				}
			}
			dup := false
			for _, m := range managed.Items {
				if Equal(m, arn) {
					dup = true
					break
				}
			}
			if !dup {
				managed.Items = append(managed.Items, arn)
			}
		default:
			return nil, invalidResource(id, "Policy at index %d in the 'Policies' property is not valid", i)
		}
	}
	p := NewMap()
	p.Set("AssumeRolePolicyDocument", assume)
	p.Set("ManagedPolicyArns", managed)
	setIf(p, "Path", present(props, "RolePath"))
	if len(docs.Items) > 0 {
		p.Set("Policies", docs)
	}
	setIf(p, "PermissionsBoundary", present(props, "PermissionsBoundary"))
	tags, err := samTags(id, present(props, "Tags"))
	if err != nil {
		return nil, err
	}
	p.Set("Tags", tags)
	return &Field{roleID, cfnResource("AWS::IAM::Role", nil, passthroughAttributes(res), p)}, nil
}
