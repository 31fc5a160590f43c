package sns

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
)

// tokenLifetime is how long a confirmation token is valid: SNS deletes
// unconfirmed subscriptions after three days (Amazon SNS Developer Guide,
// "Deleting an Amazon SNS subscription and topic").
const tokenLifetime = 3 * 24 * time.Hour

// pendingArn is what Subscribe returns for a subscription awaiting
// confirmation; listings show PendingConfirmation.
const (
	pendingArn     = "pending confirmation"
	pendingListing = "PendingConfirmation"
)

// subscription is a subscription as the service stores it.
type subscription struct {
	Arn                       string
	TopicArn                  string
	Owner                     string
	Protocol                  string
	Endpoint                  string
	Confirmed                 bool
	Token                     string
	TokenIssued               time.Time
	AuthenticateOnUnsubscribe bool
	Attributes                map[string]string
}

var (
	emailRE     = regexp.MustCompile(`^[^@\s<>",;]+@[^@\s<>",;]+\.[^@\s<>",;]+$`)
	lambdaArnRE = regexp.MustCompile(`^arn:aws:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$`)
)

// checkEndpoint validates a subscription endpoint for its protocol.
func (s *Service) checkEndpoint(protocol, endpoint string) error {
	switch protocol {
	case "email", "email-json":
		if !emailRE.MatchString(endpoint) {
			return invalidParameter("Invalid parameter: Email address")
		}
	case "http", "https":
		u, err := url.Parse(endpoint)
		if err != nil || u.Scheme != protocol || u.Host == "" {
			return invalidParameter("Invalid parameter: Endpoint must match the specified protocol")
		}
	case "lambda":
		if !lambdaArnRE.MatchString(endpoint) {
			return invalidParameter("Invalid parameter: Lambda endpoint ARN")
		}
		if s.opts.Invoker == nil {
			return invalidParameter("Invalid parameter: Endpoint Reason: no Lambda service is connected to the xacct emulator's SNS")
		}
	case "sqs", "application", "sms", "firehose":
		return invalidParameter("Invalid parameter: Protocol Reason: the %s protocol is not supported by the xacct emulator", protocol)
	default:
		return invalidParameter("Invalid parameter: Amazon SNS does not support this protocol string: %s", protocol)
	}
	return nil
}

func checkSubscriptionAttribute(name, value string) error {
	switch name {
	case "RawMessageDelivery":
		if value != "true" && value != "false" {
			return invalidParameter("Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [%s]. Must be true or false.", value)
		}
	case "DeliveryPolicy":
		if !json.Valid([]byte(value)) {
			return invalidParameter("Invalid parameter: Attributes Reason: DeliveryPolicy: failed to parse JSON.")
		}
	case "FilterPolicy", "FilterPolicyScope", "RedrivePolicy", "SubscriptionRoleArn", "ReplayPolicy":
		return invalidParameter("Invalid parameter: Attributes Reason: %s is not supported by the xacct emulator", name)
	default:
		return invalidParameter("Invalid parameter: Attributes Reason: Unknown attribute %s", name)
	}
	return nil
}

func newToken() string {
	b := make([]byte, 64)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Subscribe subscribes an endpoint to a topic. Lambda subscriptions are
// confirmed at once; email and http/https ones are pending until the
// endpoint confirms with the token SNS sends it (Amazon SNS Developer
// Guide, "Subscribing to an Amazon SNS topic"; for HTTP/S "Confirm your
// subscription").
func (s *Service) Subscribe(ctx context.Context, in *SubscribeIn) (*SubscribeOut, error) {
	t, err := s.lookupTopic(ctx, "TopicArn", in.TopicArn)
	if err != nil {
		return nil, err
	}
	protocol := strings.ToLower(in.Protocol)
	if protocol == "" {
		return nil, invalidParameter("Invalid parameter: Protocol")
	}
	if err := s.authorize(ctx, "SNS:Subscribe", t.Arn, t, map[string][]string{"sns:Protocol": {protocol}, "sns:Endpoint": {in.Endpoint}}); err != nil {
		return nil, err
	}
	if err := s.checkEndpoint(protocol, in.Endpoint); err != nil {
		return nil, err
	}
	for k, v := range in.Attributes {
		if err := checkSubscriptionAttribute(k, v); err != nil {
			return nil, err
		}
	}
	call := callOf(ctx)
	now := s.now()
	var topicCopy *topic
	var subCopy *subscription
	created := false
	err = s.store.update(func(d *data) (bool, error) {
		for _, sub := range d.subs {
			if sub.TopicArn == t.Arn && sub.Protocol == protocol && sub.Endpoint == in.Endpoint {
				subCopy = sub.snapshot()
				return false, nil
			}
		}
		sub := &subscription{Arn: t.Arn + ":" + newID(), TopicArn: t.Arn, Owner: call.Caller.Account(), Protocol: protocol,
			Endpoint: in.Endpoint, Attributes: map[string]string{}}
		for k, v := range in.Attributes {
			sub.Attributes[k] = v
		}
		switch {
		case protocol == "lambda", (protocol == "email" || protocol == "email-json") && s.opts.AutoConfirmEmail:
			sub.Confirmed = true
		default:
			sub.Token, sub.TokenIssued = newToken(), now
		}
		d.subs[sub.Arn] = sub
		topicCopy, subCopy, created = t.snapshot(), sub.snapshot(), true
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if created && !subCopy.Confirmed {
		if err := s.requestConfirmation(ctx, topicCopy, subCopy, now); err != nil {
			return nil, err
		}
	}
	return &SubscribeOut{SubscriptionArn: subCopy.visibleArn(in.ReturnSubscriptionArn)}, nil
}

func (sub *subscription) visibleArn(always bool) string {
	if sub.Confirmed || always {
		return sub.Arn
	}
	return pendingArn
}

// ConfirmSubscription confirms a pending subscription with the token SNS
// sent its endpoint. It needs no signature: the token is the proof.
func (s *Service) ConfirmSubscription(ctx context.Context, in *ConfirmSubscriptionIn) (*ConfirmSubscriptionOut, error) {
	if in.Token == "" {
		return nil, invalidParameter("Invalid parameter: Token")
	}
	t, err := s.lookupTopic(ctx, "Topic", in.TopicArn)
	if err != nil {
		return nil, err
	}
	now := s.now()
	arn := ""
	err = s.store.update(func(d *data) (bool, error) {
		for _, sub := range d.subs {
			if sub.TopicArn != t.Arn || sub.Token != in.Token {
				continue
			}
			if !sub.Confirmed && now.Sub(sub.TokenIssued) > tokenLifetime {
				break
			}
			arn = sub.Arn
			if sub.Confirmed {
				return false, nil
			}
			sub.Confirmed = true
			sub.AuthenticateOnUnsubscribe = strings.EqualFold(in.AuthenticateOnUnsubscribe, "true")
			return true, nil
		}
		return false, invalidParameter("Invalid token")
	})
	if err != nil {
		return nil, err
	}
	return &ConfirmSubscriptionOut{SubscriptionArn: arn}, nil
}

// Confirm confirms a subscription in process, as following the link of a
// confirmation message would; `xacct` uses it with a token read from the
// outbox (OutboxMessage.Token).
func (s *Service) Confirm(ctx context.Context, topicArn, token string) (string, error) {
	a, ok := parseTopicARN(topicArn)
	if !ok {
		return "", invalidParameter("Invalid parameter: Topic")
	}
	ctx = anonymousCall(ctx, a.Region, s)
	out, err := s.ConfirmSubscription(ctx, &ConfirmSubscriptionIn{TopicArn: topicArn, Token: token})
	if err != nil {
		return "", err
	}
	return out.SubscriptionArn, nil
}

// Unsubscribe deletes a subscription. Unsigned requests (the
// UnsubscribeURL of a message) may unsubscribe unless the subscription was
// confirmed with AuthenticateOnUnsubscribe.
func (s *Service) Unsubscribe(ctx context.Context, in *SubscriptionArnIn) (*struct{}, error) {
	if strings.Count(in.SubscriptionArn, ":") != 6 {
		return nil, invalidParameter("Invalid parameter: SubscriptionArn")
	}
	sub, t := s.store.subscription(in.SubscriptionArn)
	if sub == nil {
		return nil, subscriptionNotFound()
	}
	authOnly := false
	s.store.view(func(*data) { authOnly = sub.AuthenticateOnUnsubscribe })
	call := callOf(ctx)
	if call.Caller.Anonymous() {
		if authOnly {
			return nil, awserr.New(http.StatusForbidden, "AuthorizationError", "Unsubscribe requires authentication for this subscription")
		}
	} else if err := s.authorize(ctx, "SNS:Unsubscribe", t.Arn, t, nil); err != nil {
		return nil, err
	}
	var tc *topic
	var sc *subscription
	err := s.store.update(func(d *data) (bool, error) {
		delete(d.subs, sub.Arn)
		t.Deleted++
		tc, sc = t.snapshot(), sub.snapshot()
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if sc.Confirmed && (sc.Protocol == "http" || sc.Protocol == "https") {
		s.sendControl(ctx, tc, sc, "UnsubscribeConfirmation", s.now())
	}
	return nil, nil
}

func (s *Service) listing(match func(*subscription) bool) []SubscriptionEntry {
	var out []SubscriptionEntry
	s.store.view(func(d *data) {
		for _, sub := range d.subs {
			if !match(sub) {
				continue
			}
			arn := sub.Arn
			if !sub.Confirmed {
				arn = pendingListing
			}
			out = append(out, SubscriptionEntry{SubscriptionArn: arn, Owner: sub.Owner, Protocol: sub.Protocol, Endpoint: sub.Endpoint, TopicArn: sub.TopicArn})
		}
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].TopicArn != out[j].TopicArn {
			return out[i].TopicArn < out[j].TopicArn
		}
		return out[i].Endpoint+out[i].SubscriptionArn < out[j].Endpoint+out[j].SubscriptionArn
	})
	return out
}

// ListSubscriptions lists the caller's subscriptions in the region, 100
// per page.
func (s *Service) ListSubscriptions(ctx context.Context, in *ListSubscriptionsIn) (*ListSubscriptionsOut, error) {
	if err := s.authorize(ctx, "SNS:ListSubscriptions", "*", nil, nil); err != nil {
		return nil, err
	}
	call := callOf(ctx)
	all := s.listing(func(sub *subscription) bool {
		a, _ := parseTopicARN(sub.TopicArn)
		return sub.Owner == call.Caller.Account() && a.Region == call.Region
	})
	page, next, err := paginate(all, in.NextToken, 100)
	if err != nil {
		return nil, err
	}
	return &ListSubscriptionsOut{Subscriptions: append([]SubscriptionEntry{}, page...), NextToken: next}, nil
}

// ListSubscriptionsByTopic lists a topic's subscriptions, 100 per page.
func (s *Service) ListSubscriptionsByTopic(ctx context.Context, in *ListSubscriptionsByTopicIn) (*ListSubscriptionsOut, error) {
	t, err := s.authorizedTopic(ctx, in.TopicArn, "SNS:ListSubscriptionsByTopic")
	if err != nil {
		return nil, err
	}
	all := s.listing(func(sub *subscription) bool { return sub.TopicArn == t.Arn })
	page, next, err := paginate(all, in.NextToken, 100)
	if err != nil {
		return nil, err
	}
	return &ListSubscriptionsOut{Subscriptions: append([]SubscriptionEntry{}, page...), NextToken: next}, nil
}

// authorizedSubscription resolves a SubscriptionArn parameter and
// authorizes action on its topic, with the topic's policy.
func (s *Service) authorizedSubscription(ctx context.Context, arn, action string) (*subscription, error) {
	if strings.Count(arn, ":") != 6 {
		return nil, invalidParameter("Invalid parameter: SubscriptionArn")
	}
	sub, t := s.store.subscription(arn)
	if sub == nil {
		return nil, subscriptionNotFound()
	}
	if err := s.authorize(ctx, action, t.Arn, t, nil); err != nil {
		return nil, err
	}
	return sub, nil
}

// GetSubscriptionAttributes returns a subscription's attributes.
func (s *Service) GetSubscriptionAttributes(ctx context.Context, in *SubscriptionArnIn) (*GetSubscriptionAttributesOut, error) {
	sub, err := s.authorizedSubscription(ctx, in.SubscriptionArn, "SNS:GetSubscriptionAttributes")
	if err != nil {
		return nil, err
	}
	var attrs map[string]string
	s.store.view(func(*data) {
		attrs = map[string]string{
			"SubscriptionArn": sub.Arn, "TopicArn": sub.TopicArn, "Owner": sub.Owner, "Protocol": sub.Protocol,
			"Endpoint": sub.Endpoint, "PendingConfirmation": strconv.FormatBool(!sub.Confirmed),
			"ConfirmationWasAuthenticated": strconv.FormatBool(sub.AuthenticateOnUnsubscribe),
			"RawMessageDelivery":           "false", "EffectiveDeliveryPolicy": defaultDeliveryPolicy,
		}
		for k, v := range sub.Attributes {
			attrs[k] = v
		}
	})
	return &GetSubscriptionAttributesOut{Attributes: attrs}, nil
}

// SetSubscriptionAttributes changes one subscription attribute.
func (s *Service) SetSubscriptionAttributes(ctx context.Context, in *SetSubscriptionAttributesIn) (*struct{}, error) {
	sub, err := s.authorizedSubscription(ctx, in.SubscriptionArn, "SNS:SetSubscriptionAttributes")
	if err != nil {
		return nil, err
	}
	v := ""
	if in.AttributeValue != nil {
		v = *in.AttributeValue
	}
	if err := checkSubscriptionAttribute(in.AttributeName, v); err != nil {
		return nil, err
	}
	return nil, s.store.update(func(*data) (bool, error) {
		sub.Attributes[in.AttributeName] = v
		return true, nil
	})
}
