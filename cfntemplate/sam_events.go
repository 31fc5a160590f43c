package cfntemplate

import "sort"

// eventSpecs returns the properties of the event source types this
// transform translates.
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-eventsource.html
func eventSpecs(typ string) ([]propSpec, bool) {
	switch typ {
	case "Schedule":
		return []propSpec{{"Schedule", isStr, true}, {"RuleName", isStr, false}, {"Input", isStr, false},
			{"Enabled", isBool, false}, {"State", isStr, false}, {"Name", isStr, false}, {"Description", isStr, false},
			{"DeadLetterConfig", isDict, false}, {"RetryPolicy", isDict, false}}, true
	case "CloudWatchEvent", "EventBridgeRule":
		return []propSpec{{"EventBusName", isStr, false}, {"RuleName", isStr, false}, {"Pattern", isDict, false},
			{"DeadLetterConfig", isDict, false}, {"RetryPolicy", isDict, false}, {"Input", isStr, false},
			{"InputPath", isStr, false}, {"Target", isDict, false}, {"Enabled", isBool, false}, {"State", isStr, false},
			{"InputTransformer", isDict, false}}, true
	case "S3":
		return []propSpec{{"Bucket", isStr, true}, {"Events", passThrough, true}, {"Filter", passThrough, false}}, true
	case "SNS":
		return []propSpec{{"Topic", isStr, true}, {"Region", isStr, false}, {"FilterPolicy", passThrough, false},
			{"FilterPolicyScope", passThrough, false}, {"SqsSubscription", passThrough, false}, {"RedrivePolicy", isDict, false}}, true
	case "SQS":
		return append(pullSpecs(), propSpec{"Queue", passThrough, true}), true
	case "Kinesis", "DynamoDB":
		specs := pullSpecs()
		for i := range specs {
			if specs[i].name == "StartingPosition" {
				specs[i].required = true
			}
		}
		return append(specs, propSpec{"Stream", passThrough, true}), true
	case "ScheduleV2":
		return []propSpec{{"PermissionsBoundary", isStr, false}, {"ScheduleExpression", isStr, true},
			{"FlexibleTimeWindow", isDict, false}, {"Name", isStr, false}, {"State", isStr, false},
			{"Description", isStr, false}, {"StartDate", isStr, false}, {"EndDate", isStr, false},
			{"ScheduleExpressionTimezone", isStr, false}, {"GroupName", isStr, false}, {"KmsKeyArn", isStr, false},
			{"Input", isStr, false}, {"RoleArn", isStr, false}, {"DeadLetterConfig", isDict, false},
			{"RetryPolicy", isDict, false}, {"OmitName", boolNoIntrinsic, false}}, true
	case "Api":
		return []propSpec{{"Path", isStr, true}, {"Method", isStr, true}, {"RestApiId", isStr, false},
			{"Stage", isStr, false}, {"Auth", isDict, false}, {"RequestModel", isDict, false},
			{"RequestParameters", isList, false}, {"TimeoutInMillis", isInt, false}, {"ResponseTransferMode", isStr, false}}, true
	case "HttpApi":
		return []propSpec{{"Path", isStr, false}, {"Method", isStr, false}, {"ApiId", isStr, false},
			{"Stage", isStr, false}, {"Auth", isDict, false}, {"TimeoutInMillis", isInt, false},
			{"RouteSettings", isDict, false}, {"PayloadFormatVersion", isStr, false}}, true
	}
	return nil, false
}

// knownEventType reports SAM event source types this transform does not
// translate.
func knownEventType(typ string) bool {
	switch typ {
	case "MSK", "MQ", "SelfManagedKafka", "DocumentDB", "IoTRule", "AlexaSkill", "Cognito", "CloudWatchLogs":
		return true
	}
	return false
}

// eventLink is an event source checked before translation, with the S3
// bucket it attaches to.
type eventLink struct {
	name     string
	typ      string
	props    *Node
	bucketID string
}

// eventLinks validates the Events property (the translator's
// resources_to_link step): event types, properties, and for S3 events the
// bucket in the same template.
func (s *sam) eventLinks(fn string, events *Node) ([]eventLink, *samError) {
	if events == nil || !events.IsMap() {
		return nil, nil
	}
	var out []eventLink
	for _, f := range events.Fields {
		typ := f.Value.Get("Type")
		if !f.Value.IsMap() || !typ.IsString() || (!knownEventType(typ.Str) && !isTranslatedEvent(typ.Str)) {
			shown := "None"
			if typ != nil {
				shown, _ = typ.Scalar()
			}
			return nil, invalidEvent(fn, f.Key, "Resource dict has missing or invalid value for key Type. Event Type is: %s.", shown)
		}
		specs, ok := eventSpecs(typ.Str)
		if !ok {
			return nil, invalidEvent(fn, f.Key, "Event source type %s is not supported by xacct's SAM transform.", typ.Str)
		}
		props := f.Value.Get("Properties")
		if props == nil {
			props = NewMap()
		}
		if !props.IsMap() {
			return nil, invalidResource(fn+f.Key, "Properties of a resource must be an object.")
		}
		if err := checkProps(fn+f.Key, typ.Str, props, specs); err != nil {
			return nil, err
		}
		if props.Has("DeadLetterConfig") {
			return nil, invalidEvent(fn, f.Key, "DeadLetterConfig on %s events is not supported by xacct's SAM transform.", typ.Str)
		}
		if name := unsupportedEventProp(typ.Str, props); name != "" {
			return nil, invalidEvent(fn, f.Key, "Property %s on %s events is not supported by xacct's SAM transform.", name, typ.Str)
		}
		link := eventLink{name: f.Key, typ: typ.Str, props: props}
		if typ.Str == "S3" {
			b := props.Get("Bucket")
			if !b.IsFunc("Ref") {
				return nil, invalidEvent(fn, f.Key, "S3 events must reference an S3 bucket in the same template.")
			}
			if !b.Arg.IsString() {
				return nil, invalidEvent(fn, f.Key, "'Ref' value in S3 events is not a valid string.")
			}
			if s.original.Get(b.Arg.Str) == nil {
				return nil, invalidEvent(fn, f.Key, "S3 events must reference an S3 bucket in the same template.")
			}
			link.bucketID = b.Arg.Str
		}
		out = append(out, link)
	}
	// The translator generates event resources in event logical ID order.
	sort.SliceStable(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

func isTranslatedEvent(typ string) bool {
	_, ok := eventSpecs(typ)
	return ok
}

// target is what events invoke: the alias when AutoPublishAlias is set,
// else the function.
type target struct {
	id    string
	alias bool
	attrs []Field
}

func (t target) arn() *Node {
	if t.alias {
		return Ref(t.id)
	}
	return GetAtt(t.id, "Arn")
}

func (t target) name() *Node { return Ref(t.id) }

// permission builds the AWS::Lambda::Permission letting a service invoke
// the target.
func permission(id string, t target, principal string, sourceArn, sourceAccount *Node) Field {
	p := NewMap()
	p.Set("Action", NewString("lambda:InvokeFunction"))
	p.Set("FunctionName", t.name())
	p.Set("Principal", NewString(principal))
	if sourceAccount != nil {
		p.Set("SourceAccount", sourceAccount)
	}
	if sourceArn != nil {
		p.Set("SourceArn", sourceArn)
	}
	return Field{id + "Permission", cfnResource("AWS::Lambda::Permission", nil, cloneFields(t.attrs), p)}
}

func cloneFields(fs []Field) []Field {
	out := make([]Field, len(fs))
	for i, f := range fs {
		out[i] = Field{f.Key, f.Value.Clone()}
	}
	return out
}

// targetID is the EventBridge target ID: <event logical id>LambdaTarget,
// truncated to 64 characters.
func targetID(logicalID string) string {
	const suffix = "LambdaTarget"
	if len(logicalID)+len(suffix) <= 64 {
		return logicalID + suffix
	}
	return logicalID[:64-len(suffix)] + suffix
}

// eventResources translates the function's events; role is the execution
// role the transform generated (nil when the template names one), which
// pull events extend with their managed policy.
func (s *sam) eventResources(fn string, res *Node, alias *Field, role *Field, links []eventLink) ([]Field, *samError) {
	t := target{id: fn, attrs: passthroughAttributes(res)}
	if alias != nil {
		t = target{id: alias.Key, alias: true, attrs: passthroughAttributes(res)}
	}
	var out []Field
	for _, l := range links {
		id := fn + l.name
		switch l.typ {
		case "Schedule", "CloudWatchEvent", "EventBridgeRule":
			fs, err := ruleEvent(fn, id, l, t)
			if err != nil {
				return nil, err
			}
			out = append(out, fs...)
		case "S3":
			fs, err := s.s3Event(id, l, t, res)
			if err != nil {
				return nil, err
			}
			out = append(out, fs...)
		case "SNS":
			out = append(out, snsEvent(id, l, t)...)
		case "SQS", "Kinesis", "DynamoDB":
			out = append(out, s.pullEvent(id, l, t, role))
		case "ScheduleV2":
			fs, err := scheduleV2Event(fn, id, l, t)
			if err != nil {
				return nil, err
			}
			out = append(out, fs...)
		case "Api", "HttpApi":
			if res.Get("Condition") != nil {
				return nil, invalidEvent(fn, l.name, "%s events on a function with a Condition are not supported by xacct's SAM transform.", l.typ)
			}
			perm, err := s.apiEvent(fn, id, l, t)
			if err != nil {
				return nil, err
			}
			out = append(out, perm)
		}
	}
	return out, nil
}

// ruleEvent translates Schedule, CloudWatchEvent and EventBridgeRule
// events into an AWS::Events::Rule targeting the function and the
// permission for events.amazonaws.com to invoke it.
func ruleEvent(fn, id string, l eventLink, t target) ([]Field, *samError) {
	p := l.props
	rule := NewMap()
	state, enabled := present(p, "State"), present(p, "Enabled")
	if state != nil && !isFalsy(state) && enabled != nil {
		return nil, invalidEvent(fn, l.name, "State and Enabled Properties cannot both be specified.")
	}
	setIf(rule, "Description", present(p, "Description"))
	if l.typ == "Schedule" {
		setIf(rule, "Name", present(p, "Name"))
		setIf(rule, "ScheduleExpression", present(p, "Schedule"))
	} else {
		setIf(rule, "EventBusName", present(p, "EventBusName"))
		setIf(rule, "EventPattern", present(p, "Pattern"))
		setIf(rule, "Name", present(p, "RuleName"))
	}
	if state != nil && !isFalsy(state) {
		rule.Set("State", state.Clone())
	}
	if enabled != nil {
		if enabled.Kind == KindBool && enabled.Bool {
			rule.Set("State", NewString("ENABLED"))
		} else {
			rule.Set("State", NewString("DISABLED"))
		}
	}
	tg := NewMap()
	tg.Set("Arn", t.arn())
	tid := NewString(targetID(id))
	if custom := present(p, "Target").Get("Id"); custom != nil && l.typ != "Schedule" {
		tid = custom.Clone()
	}
	tg.Set("Id", tid)
	setIf(tg, "Input", present(p, "Input"))
	if l.typ != "Schedule" {
		setIf(tg, "InputPath", present(p, "InputPath"))
	}
	setIf(tg, "RetryPolicy", present(p, "RetryPolicy"))
	if l.typ != "Schedule" {
		setIf(tg, "InputTransformer", present(p, "InputTransformer"))
	}
	rule.Set("Targets", NewList(tg))
	ordered := orderFields(rule, "Description", "EventBusName", "EventPattern", "Name", "RoleArn", "ScheduleExpression", "State", "Targets")
	ruleRes := Field{id, cfnResource("AWS::Events::Rule", nil, cloneFields(t.attrs), ordered)}
	perm := permission(id, t, "events.amazonaws.com", GetAtt(id, "Arn"), nil)
	return []Field{ruleRes, perm}, nil
}

// orderFields returns m's fields in the given key order.
func orderFields(m *Node, keys ...string) *Node {
	out := NewMap()
	for _, k := range keys {
		if v := m.Get(k); v != nil {
			out.Set(k, v)
		}
	}
	return out
}

// s3BucketProps are the AWS::S3::Bucket properties the translator knows
// when it rewrites a bucket for an S3 event, in its order.
func s3BucketProps() []string {
	return []string{"AccessControl", "AccelerateConfiguration", "AnalyticsConfigurations", "BucketEncryption",
		"BucketName", "CorsConfiguration", "IntelligentTieringConfigurations", "InventoryConfigurations",
		"LifecycleConfiguration", "LoggingConfiguration", "MetricsConfigurations", "NotificationConfiguration",
		"ObjectLockConfiguration", "ObjectLockEnabled", "OwnershipControls", "PublicAccessBlockConfiguration",
		"ReplicationConfiguration", "Tags", "VersioningConfiguration", "WebsiteConfiguration"}
}

// s3Event translates an S3 event: a permission for s3.amazonaws.com, and
// the bucket rewritten with a LambdaConfiguration per event type and a
// dependency on the permission (S3 checks it when the notification is set).
func (s *sam) s3Event(id string, l eventLink, t target, fnRes *Node) ([]Field, *samError) {
	bucket := s.original.Get(l.bucketID)
	perm := permission(id, t, "s3.amazonaws.com", nil, Ref("AWS::AccountId"))
	cond := fnRes.Get("Condition")
	if cond.IsString() {
		// A conditional permission cannot be a DependsOn; the translator
		// makes the dependency through a conditional tag.
		props := bucket.Get("Properties")
		if props == nil {
			props = NewMap()
			bucket.Set("Properties", props)
		}
		tags := props.Get("Tags")
		if tags == nil {
			tags = NewList()
		}
		if !tags.IsList() {
			return nil, invalidResource(l.bucketID, "Property 'Tags' should be a list.")
		}
		tag := NewMap()
		tag.Set("Key", NewString("sam:ConditionalDependsOn:"+perm.Key))
		tag.Set("Value", NewFunc("Fn::If", NewList(NewString(cond.Str), Ref(perm.Key), NewString("no dependency"))))
		tags.Items = append(tags.Items, tag)
		props.Set("Tags", tags)
	} else {
		deps := dependsOn(bucket.Get("DependsOn"))
		if d := bucket.Get("DependsOn"); d != nil && !d.IsString() && !(d.IsList() && allStrings(d.Items)) {
			return nil, invalidResource(id, "Invalid type for field 'DependsOn'. Expected a string or list of strings.")
		}
		deps = uniqueStrings(append(deps, perm.Key))
		sort.Strings(deps)
		bucket.Set("DependsOn", Strings(deps...))
	}
	props := bucket.Get("Properties")
	if props == nil {
		props = NewMap()
		bucket.Set("Properties", props)
	}
	if !props.IsMap() {
		return nil, invalidResource(l.bucketID, "Properties should be a map.")
	}
	nc := props.Get("NotificationConfiguration")
	if nc == nil {
		nc = NewMap()
		props.Set("NotificationConfiguration", nc)
	}
	if !nc.IsMap() {
		return nil, invalidResource(l.bucketID, "Property 'NotificationConfiguration' should be a map.")
	}
	lcs := nc.Get("LambdaConfigurations")
	if lcs == nil {
		lcs = NewList()
		nc.Set("LambdaConfigurations", lcs)
	}
	if !lcs.IsList() {
		return nil, invalidResource(l.bucketID, "Invalid type for LambdaConfigurations. Must be a list.")
	}
	var events []*Node
	if ev := l.props.Get("Events"); ev.IsList() {
		events = ev.Items
	} else {
		events = []*Node{ev}
	}
	for _, ev := range events {
		m := NewMap()
		m.Set("Function", t.arn())
		setIf(m, "Filter", present(l.props, "Filter"))
		m.Set("Event", ev.Clone())
		if cond.IsString() {
			m = NewFunc("Fn::If", NewList(NewString(cond.Str), m, Ref("AWS::NoValue")))
		}
		dup := false
		for _, existing := range lcs.Items {
			if Equal(existing, m) {
				dup = true
			}
		}
		if !dup {
			lcs.Items = append(lcs.Items, m)
		}
	}
	for _, f := range props.Fields {
		known := false
		for _, k := range s3BucketProps() {
			if f.Key == k {
				known = true
			}
		}
		if !known {
			return nil, invalidResource(l.bucketID, "property %s not defined for resource of type AWS::S3::Bucket", f.Key)
		}
	}
	out := cfnResource("AWS::S3::Bucket", bucket.Get("DependsOn"), resourceAttributes(bucket),
		orderFields(props.Clone(), s3BucketProps()...))
	return []Field{perm, {l.bucketID, out}}, nil
}
