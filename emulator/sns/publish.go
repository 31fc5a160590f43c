package sns

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// maxMessageBytes is the largest message, attributes included: 256 KiB.
const maxMessageBytes = 262144

// message is one published message on its way to subscribers.
type message struct {
	ID          string
	TopicArn    string
	Subject     string
	Default     string
	PerProtocol map[string]string // MessageStructure=json entries
	Attributes  map[string]MessageAttributeValue
	Time        time.Time
}

// bodyFor returns the message text a protocol's subscribers receive.
func (m *message) bodyFor(protocol string) string {
	if v, ok := m.PerProtocol[protocol]; ok {
		return v
	}
	return m.Default
}

var (
	attrNameRE = regexp.MustCompile(`^[A-Za-z0-9_\-.]{1,256}$`)
	subjectRE  = regexp.MustCompile(`^[\x20-\x7e]{1,100}$`)
)

// checkAttributes validates message attributes (Amazon SNS Developer Guide,
// "Amazon SNS message attributes").
func checkAttributes(attrs map[string]MessageAttributeValue) error {
	if len(attrs) > 10 {
		return invalidParameter("Invalid parameter: MessageAttributes Reason: Number of message attributes [%d] exceeds the allowed maximum [10].", len(attrs))
	}
	for name, v := range attrs {
		switch {
		case !attrNameRE.MatchString(name) || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, ".."):
			return invalidParameter("Invalid parameter: MessageAttributes Reason: Message attribute name '%s' is invalid.", name)
		case strings.HasPrefix(strings.ToLower(name), "aws.") || strings.HasPrefix(strings.ToLower(name), "amazon."):
			return invalidParameter("Invalid parameter: MessageAttributes Reason: Message attribute name '%s' uses a reserved prefix.", name)
		case v.DataType == "":
			return invalidParameter("Invalid parameter: MessageAttributes Reason: The message attribute '%s' must contain non-empty message attribute type.", name)
		}
		base, _, _ := strings.Cut(v.DataType, ".")
		if v.DataType == "String.Array" {
			base = "String.Array"
		}
		switch base {
		case "String", "Number", "String.Array":
			if v.StringValue == nil || *v.StringValue == "" {
				return invalidParameter("Invalid parameter: MessageAttributes Reason: The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, base)
			}
			if base == "String.Array" && !json.Valid([]byte(*v.StringValue)) {
				return invalidParameter("Invalid parameter: MessageAttributes Reason: The message attribute '%s' with type 'String.Array' has an invalid value.", name)
			}
		case "Binary":
			if v.BinaryValue == nil || *v.BinaryValue == "" {
				return invalidParameter("Invalid parameter: MessageAttributes Reason: The message attribute '%s' must contain non-empty message attribute value for message attribute type 'Binary'.", name)
			}
			if _, err := base64.StdEncoding.DecodeString(*v.BinaryValue); err != nil {
				return invalidParameter("Invalid parameter: MessageAttributes Reason: The message attribute '%s' has an invalid binary value.", name)
			}
		default:
			return invalidParameter("Invalid parameter: MessageAttributes Reason: The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
		}
	}
	return nil
}

// buildMessage validates what Publish and PublishFromService send.
func buildMessage(topicArn string, subject *string, body string, structure string, attrs map[string]MessageAttributeValue) (*message, error) {
	if body == "" {
		return nil, invalidParameter("Invalid parameter: Empty message")
	}
	if !utf8.ValidString(body) {
		return nil, invalidParameter("Invalid parameter: Message Reason: Message must be valid UTF-8")
	}
	m := &message{TopicArn: topicArn, Default: body, Attributes: attrs}
	if subject != nil {
		if !subjectRE.MatchString(*subject) {
			return nil, invalidParameter("Invalid parameter: Subject")
		}
		m.Subject = *subject
	}
	if err := checkAttributes(attrs); err != nil {
		return nil, err
	}
	size := len(body)
	for k, v := range attrs {
		size += len(k) + len(v.DataType)
		if v.StringValue != nil {
			size += len(*v.StringValue)
		}
		if v.BinaryValue != nil {
			size += base64.StdEncoding.DecodedLen(len(*v.BinaryValue))
		}
	}
	if size > maxMessageBytes {
		return nil, invalidParameter("Invalid parameter: Message too long")
	}
	switch structure {
	case "":
	case "json":
		var per map[string]any
		if err := json.Unmarshal([]byte(body), &per); err != nil {
			return nil, invalidParameter("Invalid parameter: Message Structure - JSON message body failed to parse")
		}
		def, ok := per["default"].(string)
		if !ok {
			return nil, invalidParameter("Invalid parameter: Message Structure - No default entry in JSON message body")
		}
		m.Default, m.PerProtocol = def, map[string]string{}
		for k, v := range per {
			if s, ok := v.(string); ok && k != "default" {
				m.PerProtocol[k] = s
			}
		}
	default:
		return nil, invalidParameter("Invalid parameter: MessageStructure")
	}
	return m, nil
}

// Publish sends a message to every confirmed subscription of a topic. The
// caller needs SNS:Publish from its identity policies or the topic policy
// (both, across accounts).
func (s *Service) Publish(ctx context.Context, in *PublishIn) (*PublishOut, error) {
	switch {
	case in.TopicArn == "" && in.TargetArn == "" && in.PhoneNumber == "":
		return nil, invalidParameter("Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
	case in.PhoneNumber != "" || (in.TargetArn != "" && !strings.HasPrefix(in.TargetArn, "arn:aws:sns:")) ||
		(in.TargetArn != "" && strings.Contains(in.TargetArn, ":endpoint/")):
		return nil, invalidParameter("Invalid parameter: TargetArn Reason: SMS and mobile push are not supported by the xacct emulator")
	case in.MessageGroupId != "" || in.MessageDeduplicationId != "":
		return nil, invalidParameter("Invalid parameter: MessageGroupId Reason: The request includes MessageGroupId parameter that is not valid for this topic type")
	}
	arn, param := in.TopicArn, "TopicArn"
	if arn == "" {
		arn, param = in.TargetArn, "TargetArn"
	}
	t, err := s.lookupTopic(ctx, param, arn)
	if err != nil {
		if awserr.Is(err, "NotFound") {
			// Authorization comes first: an unknown topic in another
			// account is refused like a known one.
			if a, ok := parseTopicARN(arn); ok && a.Account != callOf(ctx).Caller.Account() {
				if aerr := s.authorize(ctx, "SNS:Publish", arn, &topic{Arn: arn, Owner: a.Account, Attributes: map[string]string{}}, nil); aerr != nil {
					return nil, aerr
				}
			}
		}
		return nil, err
	}
	if err := s.authorize(ctx, "SNS:Publish", t.Arn, t, nil); err != nil {
		return nil, err
	}
	body := ""
	if in.Message != nil {
		body = *in.Message
	}
	m, err := buildMessage(t.Arn, in.Subject, body, in.MessageStructure, in.MessageAttributes)
	if err != nil {
		return nil, err
	}
	s.dispatch(ctx, m)
	return &PublishOut{MessageId: m.ID}, nil
}

// ServicePublish is a message an AWS service publishes on behalf of an
// account, such as a CloudWatch alarm's state change.
type ServicePublish struct {
	// Service is the service principal, e.g. "cloudwatch.amazonaws.com".
	Service string
	// DisplayName names the service in refusals, e.g. "CloudWatch Alarms".
	DisplayName string
	// SourceAccount and SourceArn are the account and resource the service
	// acts for (aws:SourceAccount, aws:SourceArn, AWS:SourceOwner).
	SourceAccount string
	SourceArn     string
	TopicArn      string
	Subject       string
	// Message is what subscribers receive; ProtocolMessages override it per
	// protocol ("email": the text CloudWatch sends to email subscribers).
	Message          string
	ProtocolMessages map[string]string
}

// PublishFromService publishes p as its service principal. The topic policy
// decides: the default policy lets services acting for the owner account
// publish (its AWS:SourceOwner condition); a policy without such a grant
// refuses with "CloudWatch Alarms is not authorized to perform: SNS:Publish
// on resource:ARN", which CloudWatch records in the alarm history.
func (s *Service) PublishFromService(ctx context.Context, p ServicePublish) (string, error) {
	a, ok := parseTopicARN(p.TopicArn)
	if !ok {
		return "", invalidParameter("Invalid parameter: TopicArn")
	}
	t := s.store.topic(p.TopicArn)
	if t == nil {
		return "", topicNotFound()
	}
	if s.opts.Authorizer == nil {
		return "", awserr.New(http.StatusInternalServerError, "InternalError", "the emulator's SNS has no authorizer for service principals")
	}
	call := &service.Call{
		RequestID: newID(), Service: SigningName, Operation: "Publish", Region: a.Region, Time: s.now(),
		Caller: &service.Caller{Principal: policy.Principal{Type: policy.PrincipalService, ARN: p.Service, Service: p.Service}},
		Authz:  s.opts.Authorizer, Log: s.log,
	}
	chk := service.Check{Action: "SNS:Publish", Resource: t.Arn, ResourceAccount: t.Owner, ResourcePolicy: s.topicPolicy(t),
		Context: map[string][]string{"aws:SourceAccount": {p.SourceAccount}, "aws:SourceArn": {p.SourceArn}, "AWS:SourceOwner": {p.SourceAccount}}}
	if d := s.opts.Authorizer.Decide(service.WithCall(ctx, call), call, chk); !d.Allowed() {
		name := p.DisplayName
		if name == "" {
			name = p.Service
		}
		return "", awserr.New(http.StatusForbidden, "AuthorizationError", "%s is not authorized to perform: SNS:Publish on resource:%s", name, t.Arn)
	}
	var subject *string
	if p.Subject != "" {
		subject = &p.Subject
	}
	m, err := buildMessage(t.Arn, subject, p.Message, "", nil)
	if err != nil {
		return "", err
	}
	m.PerProtocol = p.ProtocolMessages
	s.dispatch(ctx, m)
	return m.ID, nil
}

// dispatch stamps m and hands it to every confirmed subscription.
func (s *Service) dispatch(ctx context.Context, m *message) {
	m.ID, m.Time = newID(), s.now()
	var subs []*subscription
	var tc *topic
	s.store.view(func(d *data) {
		for _, sub := range d.subs {
			if sub.TopicArn == m.TopicArn && sub.Confirmed {
				subs = append(subs, sub.snapshot())
			}
		}
		if t := d.topics[m.TopicArn]; t != nil {
			tc = t.snapshot()
		}
	})
	if tc == nil {
		return
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].Arn < subs[j].Arn })
	for _, sub := range subs {
		s.deliver(ctx, tc, sub, m)
	}
}
