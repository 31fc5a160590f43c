package sns

// Wire shapes of the SNS query API (2010-03-31); field names are the API's
// member names. The service's own state is in topic and subscription.

// Tag is a resource tag.
type Tag struct {
	Key   string
	Value string
}

// CreateTopicIn is CreateTopic's input.
type CreateTopicIn struct {
	Name                 string
	Attributes           map[string]string
	Tags                 []Tag
	DataProtectionPolicy string
}

// CreateTopicOut is CreateTopic's output.
type CreateTopicOut struct{ TopicArn string }

// TopicArnIn is the input of operations that name only a topic.
type TopicArnIn struct{ TopicArn string }

// ListTopicsIn is ListTopics' input.
type ListTopicsIn struct{ NextToken string }

// TopicEntry is one topic in ListTopics.
type TopicEntry struct{ TopicArn string }

// ListTopicsOut is ListTopics' output.
type ListTopicsOut struct {
	Topics    []TopicEntry
	NextToken string
}

// GetTopicAttributesOut is GetTopicAttributes' output.
type GetTopicAttributesOut struct{ Attributes map[string]string }

// SetTopicAttributesIn is SetTopicAttributes' input.
type SetTopicAttributesIn struct {
	TopicArn       string
	AttributeName  string
	AttributeValue *string
}

// SubscribeIn is Subscribe's input.
type SubscribeIn struct {
	TopicArn              string
	Protocol              string
	Endpoint              string
	Attributes            map[string]string
	ReturnSubscriptionArn bool
}

// SubscribeOut is Subscribe's output.
type SubscribeOut struct{ SubscriptionArn string }

// ConfirmSubscriptionIn is ConfirmSubscription's input.
type ConfirmSubscriptionIn struct {
	TopicArn                  string
	Token                     string
	AuthenticateOnUnsubscribe string
}

// ConfirmSubscriptionOut is ConfirmSubscription's output.
type ConfirmSubscriptionOut struct{ SubscriptionArn string }

// SubscriptionArnIn is the input of operations that name a subscription.
type SubscriptionArnIn struct{ SubscriptionArn string }

// ListSubscriptionsIn is ListSubscriptions' input.
type ListSubscriptionsIn struct{ NextToken string }

// ListSubscriptionsByTopicIn is ListSubscriptionsByTopic's input.
type ListSubscriptionsByTopicIn struct {
	TopicArn  string
	NextToken string
}

// SubscriptionEntry is one subscription in a listing.
type SubscriptionEntry struct {
	SubscriptionArn string
	Owner           string
	Protocol        string
	Endpoint        string
	TopicArn        string
}

// ListSubscriptionsOut is the output of both subscription listings.
type ListSubscriptionsOut struct {
	Subscriptions []SubscriptionEntry
	NextToken     string
}

// GetSubscriptionAttributesOut is GetSubscriptionAttributes' output.
type GetSubscriptionAttributesOut struct{ Attributes map[string]string }

// SetSubscriptionAttributesIn is SetSubscriptionAttributes' input.
type SetSubscriptionAttributesIn struct {
	SubscriptionArn string
	AttributeName   string
	AttributeValue  *string
}

// MessageAttributeValue is a message attribute. BinaryValue is base64 on
// the wire.
type MessageAttributeValue struct {
	DataType    string
	StringValue *string
	BinaryValue *string
}

// PublishIn is Publish's input.
type PublishIn struct {
	TopicArn               string
	TargetArn              string
	PhoneNumber            string
	Message                *string
	Subject                *string
	MessageStructure       string
	MessageAttributes      map[string]MessageAttributeValue `query:"entry,Name,Value"`
	MessageDeduplicationId string
	MessageGroupId         string
}

// PublishOut is Publish's output.
type PublishOut struct {
	MessageId      string
	SequenceNumber string
}
