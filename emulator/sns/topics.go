package sns

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/internal/paging"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// topic is a topic as the service stores it.
type topic struct {
	Arn        string
	Name       string
	Owner      string
	Region     string
	Attributes map[string]string // DisplayName, Policy, DeliveryPolicy, SignatureVersion, …
	Tags       []Tag
	Created    time.Time
	Deleted    int // subscriptions deleted, for SubscriptionsDeleted
	// PolicyRefs binds the roles and users the Policy attribute names to
	// their unique ids (see Options.Principals).
	PolicyRefs map[string]string `json:",omitempty"`
}

// snapshot returns a copy of t safe to use outside the store's lock.
// Callers hold it.
func (t *topic) snapshot() *topic {
	c := *t
	c.Attributes = make(map[string]string, len(t.Attributes))
	for k, v := range t.Attributes {
		c.Attributes[k] = v
	}
	return &c
}

// snapshot returns a copy of sub safe to use outside the store's lock.
// Callers hold it.
func (sub *subscription) snapshot() *subscription {
	c := *sub
	c.Attributes = make(map[string]string, len(sub.Attributes))
	for k, v := range sub.Attributes {
		c.Attributes[k] = v
	}
	return &c
}

// topicARN is a parsed arn:aws:sns:REGION:ACCOUNT:NAME.
type topicARN struct {
	Region, Account, Name string
}

var (
	topicNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	accountRE   = regexp.MustCompile(`^[0-9]{12}$`)
)

func parseTopicARN(arn string) (topicARN, bool) {
	p := strings.Split(arn, ":")
	if len(p) != 6 || p[0] != "arn" || p[1] != "aws" || p[2] != "sns" || p[3] == "" ||
		!accountRE.MatchString(p[4]) || !topicNameRE.MatchString(p[5]) {
		return topicARN{}, false
	}
	return topicARN{Region: p[3], Account: p[4], Name: p[5]}, true
}

// DefaultPolicy is the access policy SNS gives a new topic: the owner
// account may do everything, expressed as AWS does with "AWS": "*" and an
// AWS:SourceOwner condition (Amazon SNS Developer Guide, "Example cases for
// Amazon SNS access control").
func DefaultPolicy(arn, owner string) string {
	doc := map[string]any{
		"Version": "2008-10-17",
		"Id":      "__default_policy_ID",
		"Statement": []any{map[string]any{
			"Sid":       "__default_statement_ID",
			"Effect":    "Allow",
			"Principal": map[string]any{"AWS": "*"},
			"Action": []string{"SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
				"SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"},
			"Resource":  arn,
			"Condition": map[string]any{"StringEquals": map[string]any{"AWS:SourceOwner": owner}},
		}},
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// defaultDeliveryPolicy is EffectiveDeliveryPolicy of a topic without one.
const defaultDeliveryPolicy = `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}`

// settableTopicAttributes are the attributes CreateTopic and
// SetTopicAttributes accept for standard topics.
var settableTopicAttributes = []string{"DeliveryPolicy", "DisplayName", "Policy", "SignatureVersion", "TracingConfig",
	"KmsMasterKeyId", "DataProtectionPolicy"}

func checkTopicAttribute(name, value string) error {
	if !oneOf(name, settableTopicAttributes) {
		if name == "FifoTopic" || name == "ContentBasedDeduplication" {
			return invalidParameter("Invalid parameter: Attributes Reason: FIFO topics are not supported by the xacct emulator")
		}
		return invalidParameter("Invalid parameter: AttributeName")
	}
	switch name {
	case "SignatureVersion":
		if value != "1" && value != "2" {
			return invalidParameter("Invalid parameter: SignatureVersion")
		}
	case "DisplayName":
		if len(value) > 100 {
			return invalidParameter("Invalid parameter: DisplayName")
		}
	case "DeliveryPolicy":
		if value != "" && !json.Valid([]byte(value)) {
			return invalidParameter("Invalid parameter: DeliveryPolicy: failed to parse JSON.")
		}
	}
	return nil
}

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

// callOf returns the request's Call.
func callOf(ctx context.Context) *service.Call {
	if c := service.FromContext(ctx); c != nil {
		return c
	}
	return &service.Call{}
}

// authorize decides action (e.g. "SNS:Publish") on resource for the caller,
// with the topic's policy when there is a topic, and returns SNS's
// AuthorizationError when AWS would refuse.
func (s *Service) authorize(ctx context.Context, action, resource string, t *topic, extra map[string][]string) error {
	call := callOf(ctx)
	if call.Authz == nil {
		return awserr.New(http.StatusInternalServerError, "InternalError", "no authorizer for request")
	}
	chk := service.Check{Action: action, Resource: resource, Context: extra}
	if t != nil {
		chk.ResourceAccount = t.Owner
		chk.ResourcePolicy = s.topicPolicy(t)
	}
	d := call.Authz.Decide(ctx, call, chk)
	if d.Allowed() {
		return nil
	}
	return awserr.New(http.StatusForbidden, "AuthorizationError", "%s", service.DenyMessage(call, chk, d))
}

// topicPolicy parses t's policy for the authorizer. A document the engine
// cannot parse (which SetTopicAttributes refuses) counts as no policy.
func (s *Service) topicPolicy(t *topic) *policy.Named {
	doc, refs := s.store.topicPolicy(t)
	if doc == "" {
		return nil
	}
	doc = s.resolvePolicy(doc, refs)
	p, err := s.opts.ParsePolicy(doc)
	if err != nil {
		s.log.Error("sns: topic policy does not parse", "topic", t.Arn, "error", err)
		return nil
	}
	return &policy.Named{Name: "topic policy", Policy: p}
}

// lookupTopic resolves a TopicArn parameter in the caller's region: a
// malformed ARN is InvalidParameter, a missing topic NotFound.
func (s *Service) lookupTopic(ctx context.Context, param, arn string) (*topic, error) {
	a, ok := parseTopicARN(arn)
	if !ok {
		return nil, invalidParameter("Invalid parameter: %s", param)
	}
	if c := callOf(ctx); c.Region != "" && a.Region != c.Region {
		return nil, invalidParameter("Invalid parameter: %s", param)
	}
	t := s.store.topic(arn)
	if t == nil {
		return nil, topicNotFound()
	}
	return t, nil
}

// authorizedTopic resolves the TopicArn parameter (lookupTopic) and
// authorizes action on the topic, with its policy.
func (s *Service) authorizedTopic(ctx context.Context, arn, action string) (*topic, error) {
	t, err := s.lookupTopic(ctx, "TopicArn", arn)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, action, t.Arn, t, nil); err != nil {
		return nil, err
	}
	return t, nil
}

// CreateTopic creates a topic, or returns the existing topic of that name
// (CreateTopic is idempotent).
func (s *Service) CreateTopic(ctx context.Context, in *CreateTopicIn) (*CreateTopicOut, error) {
	call := callOf(ctx)
	if !topicNameRE.MatchString(in.Name) {
		return nil, invalidParameter("Invalid parameter: Topic Name")
	}
	for k, v := range in.Attributes {
		if err := checkTopicAttribute(k, v); err != nil {
			return nil, err
		}
		if k == "Policy" {
			if err := s.checkPolicy(v); err != nil {
				return nil, err
			}
		}
	}
	if len(in.Tags) > 50 {
		return nil, awserr.New(http.StatusBadRequest, "TagLimitExceeded", "Could not complete request: tag quota of per resource exceeded")
	}
	owner := call.Caller.Account()
	arn := "arn:aws:sns:" + call.Region + ":" + owner + ":" + in.Name
	if err := s.authorize(ctx, "SNS:CreateTopic", arn, nil, nil); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.store.update(func(d *data) (bool, error) {
		if t := d.topics[arn]; t != nil {
			for k, v := range in.Attributes {
				if t.Attributes[k] != v {
					return false, invalidParameter("Invalid parameter: Attributes Reason: Topic already exists with different attributes")
				}
			}
			return false, nil
		}
		t := &topic{Arn: arn, Name: in.Name, Owner: owner, Region: call.Region, Tags: in.Tags, Created: now,
			Attributes: map[string]string{"Policy": DefaultPolicy(arn, owner), "DisplayName": ""}}
		for k, v := range in.Attributes {
			t.Attributes[k] = v
		}
		t.PolicyRefs = s.bindPolicy(t.Attributes["Policy"])
		d.topics[arn] = t
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateTopicOut{TopicArn: arn}, nil
}

// checkPolicy validates a topic policy document with the policy engine.
func (s *Service) checkPolicy(doc string) error {
	if _, err := s.opts.ParsePolicy(doc); err != nil {
		var pe *policy.Error
		if errors.As(err, &pe) {
			return invalidParameter("Invalid parameter: Policy Error: %s", pe.Message)
		}
		return invalidParameter("Invalid parameter: Policy Error: %s", err.Error())
	}
	return nil
}

// DeleteTopic deletes a topic and its subscriptions; deleting a topic that
// does not exist is not an error (DeleteTopic API reference).
func (s *Service) DeleteTopic(ctx context.Context, in *TopicArnIn) (*struct{}, error) {
	t, err := s.lookupTopic(ctx, "TopicArn", in.TopicArn)
	if awserr.Is(err, "NotFound") {
		return nil, s.authorize(ctx, "SNS:DeleteTopic", in.TopicArn, nil, nil)
	}
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, "SNS:DeleteTopic", t.Arn, t, nil); err != nil {
		return nil, err
	}
	return nil, s.store.update(func(d *data) (bool, error) {
		delete(d.topics, t.Arn)
		for arn, sub := range d.subs {
			if sub.TopicArn == t.Arn {
				delete(d.subs, arn)
			}
		}
		return true, nil
	})
}

// ListTopics lists the caller's topics in the region, 100 per page.
func (s *Service) ListTopics(ctx context.Context, in *ListTopicsIn) (*ListTopicsOut, error) {
	call := callOf(ctx)
	if err := s.authorize(ctx, "SNS:ListTopics", "*", nil, nil); err != nil {
		return nil, err
	}
	var arns []string
	s.store.view(func(d *data) {
		for arn, t := range d.topics {
			if t.Owner == call.Caller.Account() && t.Region == call.Region {
				arns = append(arns, arn)
			}
		}
	})
	sort.Strings(arns)
	page, next, err := paginate(arns, in.NextToken, 100)
	if err != nil {
		return nil, err
	}
	out := &ListTopicsOut{Topics: []TopicEntry{}, NextToken: next}
	for _, a := range page {
		out.Topics = append(out.Topics, TopicEntry{TopicArn: a})
	}
	return out, nil
}

// paginate returns one page of items after the offset encoded in token.
func paginate[T any](items []T, token string, size int) ([]T, string, error) {
	start, ok := paging.Offset(token)
	if !ok || start > len(items) {
		return nil, "", invalidParameter("Invalid parameter: NextToken")
	}
	page, next := paging.Page(items, start, size)
	return page, next, nil
}

// GetTopicAttributes returns a topic's attributes.
func (s *Service) GetTopicAttributes(ctx context.Context, in *TopicArnIn) (*GetTopicAttributesOut, error) {
	t, err := s.authorizedTopic(ctx, in.TopicArn, "SNS:GetTopicAttributes")
	if err != nil {
		return nil, err
	}
	attrs := map[string]string{}
	s.store.view(func(d *data) {
		for k, v := range t.Attributes {
			attrs[k] = v
		}
		confirmed, pending := 0, 0
		for _, sub := range d.subs {
			if sub.TopicArn != t.Arn {
				continue
			}
			if sub.Confirmed {
				confirmed++
			} else {
				pending++
			}
		}
		if p, ok := attrs["Policy"]; ok {
			attrs["Policy"] = s.resolvePolicy(p, t.PolicyRefs)
		}
		attrs["TopicArn"] = t.Arn
		attrs["Owner"] = t.Owner
		attrs["SubscriptionsConfirmed"] = strconv.Itoa(confirmed)
		attrs["SubscriptionsPending"] = strconv.Itoa(pending)
		attrs["SubscriptionsDeleted"] = strconv.Itoa(t.Deleted)
		attrs["EffectiveDeliveryPolicy"] = defaultDeliveryPolicy
		if dp := t.Attributes["DeliveryPolicy"]; dp != "" {
			attrs["EffectiveDeliveryPolicy"] = dp
		}
	})
	return &GetTopicAttributesOut{Attributes: attrs}, nil
}

// SetTopicAttributes changes one topic attribute. An empty Policy restores
// the default policy.
func (s *Service) SetTopicAttributes(ctx context.Context, in *SetTopicAttributesIn) (*struct{}, error) {
	t, err := s.authorizedTopic(ctx, in.TopicArn, "SNS:SetTopicAttributes")
	if err != nil {
		return nil, err
	}
	value := ""
	if in.AttributeValue != nil {
		value = *in.AttributeValue
	}
	if err := checkTopicAttribute(in.AttributeName, value); err != nil {
		return nil, err
	}
	if in.AttributeName == "Policy" && value != "" {
		if err := s.checkPolicy(value); err != nil {
			return nil, err
		}
	}
	if in.AttributeName == "Policy" && value == "" {
		value = DefaultPolicy(t.Arn, t.Owner)
	}
	return nil, s.store.update(func(*data) (bool, error) {
		if in.AttributeName == "Policy" {
			t.PolicyRefs = s.bindPolicy(value)
		}
		t.Attributes[in.AttributeName] = value
		return true, nil
	})
}

// bindPolicy binds the roles and users a topic policy names to their
// unique ids (nil without Options.Principals).
func (s *Service) bindPolicy(doc string) map[string]string {
	if s.opts.Principals == nil {
		return nil
	}
	return s.opts.Principals.BindPrincipals(doc)
}

// resolvePolicy returns a topic policy as it reads now: a deleted role or
// user it names appears as its unique id.
func (s *Service) resolvePolicy(doc string, refs map[string]string) string {
	if s.opts.Principals == nil || len(refs) == 0 {
		return doc
	}
	doc, _ = s.opts.Principals.ResolvePrincipals(doc, refs)
	return doc
}
