package cfntemplate

import "sort"

// The SNS, SQS, Kinesis, DynamoDB and ScheduleV2 event sources, as the SAM
// translator expands them.
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-eventsource.html

// pullSpecs are the properties every pull event source (an
// AWS::Lambda::EventSourceMapping) accepts.
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-sqs.html
func pullSpecs() []propSpec {
	return []propSpec{{"BatchSize", isInt, false}, {"StartingPosition", passThrough, false},
		{"StartingPositionTimestamp", passThrough, false}, {"Enabled", isBool, false},
		{"MaximumBatchingWindowInSeconds", isInt, false}, {"MaximumRetryAttempts", isInt, false},
		{"BisectBatchOnFunctionError", isBool, false}, {"MaximumRecordAgeInSeconds", isInt, false},
		{"DestinationConfig", isDict, false}, {"ParallelizationFactor", isInt, false}, {"Topics", isList, false},
		{"Queues", isList, false}, {"SourceAccessConfigurations", isList, false},
		{"SecretsManagerKmsKeyId", isStr, false}, {"TumblingWindowInSeconds", isInt, false},
		{"FunctionResponseTypes", isList, false}, {"KafkaBootstrapServers", isList, false},
		{"FilterCriteria", isDict, false}, {"KmsKeyArn", passThrough, false}, {"ConsumerGroupId", isStr, false},
		{"ScalingConfig", isDict, false}, {"ProvisionedPollerConfig", isDict, false},
		{"SchemaRegistryConfig", isDict, false}, {"MetricsConfig", isDict, false}, {"LoggingConfig", isDict, false}}
}

// pullMappingProps are the event properties copied onto the
// EventSourceMapping, in the mapping's (alphabetical) property order.
var pullMappingProps = []string{"BatchSize", "BisectBatchOnFunctionError", "Enabled", "FilterCriteria",
	"FunctionResponseTypes", "KmsKeyArn", "LoggingConfig", "MaximumBatchingWindowInSeconds",
	"MaximumRecordAgeInSeconds", "MaximumRetryAttempts", "MetricsConfig", "ParallelizationFactor",
	"ProvisionedPollerConfig", "ScalingConfig", "StartingPosition", "StartingPositionTimestamp",
	"TumblingWindowInSeconds"}

// unsupportedEventProp names a property of an event that xacct's
// transform does not translate (features that generate more resources or
// policies: SNS's SQS subscription, failure destinations, authorizers,
// the Kafka options), or "".
func unsupportedEventProp(typ string, props *Node) string {
	var names []string
	switch typ {
	case "SNS":
		names = []string{"SqsSubscription"}
	case "SQS", "Kinesis", "DynamoDB":
		names = []string{"DestinationConfig", "Topics", "Queues", "SourceAccessConfigurations", "SecretsManagerKmsKeyId",
			"KafkaBootstrapServers", "ConsumerGroupId", "SchemaRegistryConfig"}
	case "Api":
		names = []string{"RestApiId", "Auth", "RequestModel", "RequestParameters", "TimeoutInMillis", "ResponseTransferMode"}
	case "HttpApi":
		names = []string{"ApiId", "Auth", "TimeoutInMillis", "RouteSettings"}
	}
	for _, n := range names {
		if v := present(props, n); v != nil && !isFalsy(v) {
			return n
		}
	}
	return ""
}

// snsEvent translates an SNS event: the permission for sns.amazonaws.com
// (<id>Permission) and the lambda subscription (<id>).
func snsEvent(id string, l eventLink, t target) []Field {
	p := l.props
	perm := permission(id, t, "sns.amazonaws.com", p.Get("Topic").Clone(), nil)
	sub := NewMap()
	sub.Set("Endpoint", t.arn())
	setIf(sub, "FilterPolicy", present(p, "FilterPolicy"))
	setIf(sub, "FilterPolicyScope", present(p, "FilterPolicyScope"))
	sub.Set("Protocol", NewString("lambda"))
	setIf(sub, "RedrivePolicy", present(p, "RedrivePolicy"))
	setIf(sub, "Region", present(p, "Region"))
	sub.Set("TopicArn", p.Get("Topic").Clone())
	return []Field{perm, {id, cfnResource("AWS::SNS::Subscription", nil, cloneFields(t.attrs), sub)}}
}

// pullEvent translates an SQS, Kinesis or DynamoDB event into an
// AWS::Lambda::EventSourceMapping (<id>) and adds the matching AWS
// managed policy to the execution role the transform generated.
func (s *sam) pullEvent(id string, l eventLink, t target, role *Field) Field {
	p := l.props
	m := NewMap()
	source := "Stream"
	policy := "service-role/AWSLambdaKinesisExecutionRole"
	switch l.typ {
	case "SQS":
		source, policy = "Queue", "service-role/AWSLambdaSQSQueueExecutionRole"
	case "DynamoDB":
		policy = "service-role/AWSLambdaDynamoDBExecutionRole"
	}
	for _, k := range pullMappingProps {
		setIf(m, k, present(p, k))
	}
	m.Set("EventSourceArn", p.Get(source).Clone())
	m.Set("FunctionName", t.name())
	m = sortedFields(m)
	if role != nil {
		props := role.Value.Get("Properties")
		managed := props.Get("ManagedPolicyArns")
		arn := NewString(s.awsManagedPolicyARN(policy))
		dup := false
		for _, it := range managed.Items {
			if Equal(it, arn) {
				dup = true
			}
		}
		if !dup {
			managed.Items = append(managed.Items, arn)
		}
	}
	return Field{id, cfnResource("AWS::Lambda::EventSourceMapping", nil, cloneFields(t.attrs), m)}
}

// sortedFields returns m's fields in key order.
func sortedFields(m *Node) *Node {
	keys := m.Keys()
	sort.Strings(keys)
	return orderFields(m, keys...)
}

// scheduleV2Event translates a ScheduleV2 event into an
// AWS::Scheduler::Schedule (<id>) and, unless RoleArn is given, the role
// EventBridge Scheduler invokes the function as (<id>Role).
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-schedulev2.html
func scheduleV2Event(fn, id string, l eventLink, t target) ([]Field, *samError) {
	p := l.props
	sch := NewMap()
	sch.Set("ScheduleExpression", p.Get("ScheduleExpression").Clone())
	if st := present(p, "State"); st != nil && !isFalsy(st) {
		sch.Set("State", st.Clone())
	}
	omit := present(p, "OmitName")
	if omit != nil && omit.Kind == KindBool && omit.Bool {
		if n := present(p, "Name"); n != nil && !isFalsy(n) {
			return nil, invalidEvent(fn, l.name, "Name cannot be set when OmitName is True")
		}
	} else if n := present(p, "Name"); n != nil && !isFalsy(n) {
		sch.Set("Name", n.Clone())
	} else {
		sch.Set("Name", NewString(id))
	}
	setIf(sch, "Description", present(p, "Description"))
	if ftw := present(p, "FlexibleTimeWindow"); ftw != nil && !isFalsy(ftw) {
		sch.Set("FlexibleTimeWindow", ftw.Clone())
	} else {
		off := NewMap()
		off.Set("Mode", NewString("OFF"))
		sch.Set("FlexibleTimeWindow", off)
	}
	for _, k := range []string{"StartDate", "EndDate", "ScheduleExpressionTimezone", "GroupName", "KmsKeyArn"} {
		setIf(sch, k, present(p, k))
	}
	out := []Field{{id, nil}}
	roleArn := present(p, "RoleArn")
	if roleArn == nil || isFalsy(roleArn) {
		roleID := id + "Role"
		principal := NewMap()
		principal.Set("Service", Strings("scheduler.amazonaws.com"))
		st := NewMap()
		st.Set("Action", Strings("sts:AssumeRole"))
		st.Set("Effect", NewString("Allow"))
		st.Set("Principal", principal)
		trust := NewMap()
		trust.Set("Version", NewString("2012-10-17"))
		trust.Set("Statement", NewList(st))
		invoke := NewMap()
		invoke.Set("Action", NewString("lambda:InvokeFunction"))
		invoke.Set("Effect", NewString("Allow"))
		invoke.Set("Resource", t.arn())
		doc := NewMap()
		doc.Set("Statement", NewList(invoke))
		pol := NewMap()
		pol.Set("PolicyName", NewString(id+"LambdaPolicy"))
		pol.Set("PolicyDocument", doc)
		rp := NewMap()
		rp.Set("AssumeRolePolicyDocument", trust)
		rp.Set("Policies", NewList(pol))
		setIf(rp, "PermissionsBoundary", present(p, "PermissionsBoundary"))
		out = append(out, Field{roleID, cfnResource("AWS::IAM::Role", nil, cloneFields(t.attrs), rp)})
		roleArn = GetAtt(roleID, "Arn")
	}
	tg := NewMap()
	tg.Set("Arn", t.arn())
	tg.Set("RoleArn", roleArn.Clone())
	setIf(tg, "Input", present(p, "Input"))
	setIf(tg, "RetryPolicy", present(p, "RetryPolicy"))
	sch.Set("Target", tg)
	out[0].Value = cfnResource("AWS::Scheduler::Schedule", nil, cloneFields(t.attrs), sch)
	return out, nil
}
