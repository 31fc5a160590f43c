package sns

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/xacct/xacct/emulator/internal/servicetest"
	"github.com/xacct/xacct/emulator/service"
)

func apiError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Errorf("got code %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if msg != "" && ae.ErrorMessage() != msg {
		t.Errorf("got message %q, want %q", ae.ErrorMessage(), msg)
	}
}

func createTopic(t *testing.T, c *awssns.Client, name string) string {
	t.Helper()
	out, err := c.CreateTopic(context.Background(), &awssns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}
	return *out.TopicArn
}

func TestTopicLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client("111111111111")
	ctx := context.Background()
	arn := createTopic(t, c, "alarms")
	if arn != "arn:aws:sns:us-east-1:111111111111:alarms" {
		t.Fatalf("got ARN %s", arn)
	}
	// CreateTopic is idempotent (CreateTopic API reference).
	if again := createTopic(t, c, "alarms"); again != arn {
		t.Errorf("second CreateTopic: got %s, want %s", again, arn)
	}
	attrs, err := c.GetTopicAttributes(ctx, &awssns.GetTopicAttributesInput{TopicArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	var pol struct {
		Version   string
		Id        string
		Statement []struct {
			Sid       string
			Principal map[string]string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(attrs.Attributes["Policy"]), &pol); err != nil {
		t.Fatalf("Policy is not JSON: %v", err)
	}
	// The default topic policy: "__default_statement_ID", any AWS principal
	// of the owner account (AWS:SourceOwner).
	if pol.Version != "2008-10-17" || pol.Id != "__default_policy_ID" || len(pol.Statement) != 1 ||
		pol.Statement[0].Sid != "__default_statement_ID" || pol.Statement[0].Principal["AWS"] != "*" ||
		pol.Statement[0].Condition["StringEquals"]["AWS:SourceOwner"] != "111111111111" {
		t.Errorf("got default policy %s", attrs.Attributes["Policy"])
	}
	for k, want := range map[string]string{"Owner": "111111111111", "TopicArn": arn, "SubscriptionsConfirmed": "0", "SubscriptionsPending": "0", "DisplayName": ""} {
		if got := attrs.Attributes[k]; got != want {
			t.Errorf("attribute %s: got %q, want %q", k, got, want)
		}
	}
	if _, err := c.SetTopicAttributes(ctx, &awssns.SetTopicAttributesInput{TopicArn: &arn, AttributeName: aws.String("DisplayName"), AttributeValue: aws.String("Copy alarms")}); err != nil {
		t.Fatal(err)
	}
	attrs, _ = c.GetTopicAttributes(ctx, &awssns.GetTopicAttributesInput{TopicArn: &arn})
	if attrs.Attributes["DisplayName"] != "Copy alarms" {
		t.Errorf("DisplayName: got %q", attrs.Attributes["DisplayName"])
	}
	createTopic(t, c, "other")
	createTopic(t, e.client("222222222222"), "theirs")
	list, err := c.ListTopics(ctx, &awssns.ListTopicsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Topics) != 2 {
		t.Errorf("ListTopics: got %d topics, want the account's 2", len(list.Topics))
	}
	if _, err := c.DeleteTopic(ctx, &awssns.DeleteTopicInput{TopicArn: &arn}); err != nil {
		t.Fatal(err)
	}
	// "deleting a topic that does not exist does not result in an error"
	// (DeleteTopic API reference).
	if _, err := c.DeleteTopic(ctx, &awssns.DeleteTopicInput{TopicArn: &arn}); err != nil {
		t.Errorf("deleting a deleted topic: %v", err)
	}
	_, err = c.GetTopicAttributes(ctx, &awssns.GetTopicAttributesInput{TopicArn: &arn})
	apiError(t, err, "NotFound", "Topic does not exist")
}

// TestErrors checks SNS's error codes and messages for bad input.
func TestErrors(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client("111111111111")
	ctx := context.Background()
	arn := createTopic(t, c, "t")
	missing := "arn:aws:sns:us-east-1:111111111111:missing"
	tests := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"bad topic name", func() error {
			_, err := c.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("bad name!")})
			return err
		}, "InvalidParameter", "Invalid parameter: Topic Name"},
		{"publish to unknown topic", func() error {
			_, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: &missing, Message: aws.String("x")})
			return err
		}, "NotFound", "Topic does not exist"},
		{"malformed topic ARN", func() error {
			_, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:1:x"), Message: aws.String("x")})
			return err
		}, "InvalidParameter", "Invalid parameter: TopicArn"},
		{"topic in another region", func() error {
			_, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: aws.String("arn:aws:sns:eu-west-1:111111111111:t"), Message: aws.String("x")})
			return err
		}, "InvalidParameter", "Invalid parameter: TopicArn"},
		{"empty message", func() error {
			_, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String("")})
			return err
		}, "InvalidParameter", "Invalid parameter: Empty message"},
		{"subject with a line break", func() error {
			_, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String("x"), Subject: aws.String("a\nb")})
			return err
		}, "InvalidParameter", "Invalid parameter: Subject"},
		{"message structure without default", func() error {
			_, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String(`{"email":"x"}`), MessageStructure: aws.String("json")})
			return err
		}, "InvalidParameter", "Invalid parameter: Message Structure - No default entry in JSON message body"},
		{"message structure not JSON", func() error {
			_, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String(`nope`), MessageStructure: aws.String("json")})
			return err
		}, "InvalidParameter", "Invalid parameter: Message Structure - JSON message body failed to parse"},
		{"message too long", func() error {
			_, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String(strings.Repeat("x", 262145))})
			return err
		}, "InvalidParameter", "Invalid parameter: Message too long"},
		{"attribute without value", func() error {
			_, err := c.Publish(ctx, &awssns.PublishInput{TopicArn: &arn, Message: aws.String("x"),
				MessageAttributes: map[string]types.MessageAttributeValue{"k": {DataType: aws.String("String")}}})
			return err
		}, "InvalidParameter", "Invalid parameter: MessageAttributes Reason: The message attribute 'k' must contain non-empty message attribute value for message attribute type 'String'."},
		{"unsupported protocol", func() error {
			_, err := c.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("pigeon"), Endpoint: aws.String("x")})
			return err
		}, "InvalidParameter", "Invalid parameter: Amazon SNS does not support this protocol string: pigeon"},
		{"bad email address", func() error {
			_, err := c.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("email"), Endpoint: aws.String("not-an-address")})
			return err
		}, "InvalidParameter", "Invalid parameter: Email address"},
		{"subscribe to unknown topic", func() error {
			_, err := c.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &missing, Protocol: aws.String("email"), Endpoint: aws.String("a@example.com")})
			return err
		}, "NotFound", "Topic does not exist"},
		{"bad confirmation token", func() error {
			_, err := c.ConfirmSubscription(ctx, &awssns.ConfirmSubscriptionInput{TopicArn: &arn, Token: aws.String("abc")})
			return err
		}, "InvalidParameter", "Invalid token"},
		{"unsubscribe unknown", func() error {
			_, err := c.Unsubscribe(ctx, &awssns.UnsubscribeInput{SubscriptionArn: aws.String(arn + ":00000000-0000-4000-8000-000000000000")})
			return err
		}, "NotFound", "Subscription does not exist"},
		{"unknown topic attribute", func() error {
			_, err := c.SetTopicAttributes(ctx, &awssns.SetTopicAttributesInput{TopicArn: &arn, AttributeName: aws.String("Color"), AttributeValue: aws.String("x")})
			return err
		}, "InvalidParameter", "Invalid parameter: AttributeName"},
		{"invalid policy", func() error {
			_, err := c.SetTopicAttributes(ctx, &awssns.SetTopicAttributesInput{TopicArn: &arn, AttributeName: aws.String("Policy"), AttributeValue: aws.String(`{"INVALID":1}`)})
			return err
		}, "InvalidParameter", "Invalid parameter: Policy Error: Statement is invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { apiError(t, tc.call(), tc.code, tc.msg) })
	}
}

// TestPublishAuthorization: refusals are AuthorizationError (403) with
// IAM's message, decided with the topic policy as resource policy and the
// topic owner as resource account.
func TestPublishAuthorization(t *testing.T) {
	e := newEnv(t, nil)
	arn := createTopic(t, e.client("111111111111"), "t")
	e.authz.Deny = func(call *service.Call, chk service.Check) bool {
		return chk.Action == "SNS:Publish" && call.Caller.Account() == "222222222222"
	}
	_, err := e.client("222222222222").Publish(context.Background(), &awssns.PublishInput{TopicArn: &arn, Message: aws.String("x")})
	apiError(t, err, "AuthorizationError",
		"User: arn:aws:iam::222222222222:root is not authorized to perform: SNS:Publish on resource: arn:aws:sns:us-east-1:111111111111:t")
	var last servicetest.Checked
	for _, c := range e.authz.Checked() {
		if c.Check.Action == "SNS:Publish" {
			last = c
		}
	}
	if text := e.pols.text(last.Check.ResourcePolicy); last.Check.ResourceAccount != "111111111111" || last.Check.Resource != arn || !strings.Contains(text, "__default_statement_ID") {
		t.Errorf("got check %+v with policy %q, want the topic, its owner and its policy", last.Check, text)
	}
	// Same account: the reason is spelled out.
	e.authz.Deny = func(call *service.Call, chk service.Check) bool { return chk.Action == "SNS:Publish" }
	_, err = e.client("111111111111").Publish(context.Background(), &awssns.PublishInput{TopicArn: &arn, Message: aws.String("x")})
	apiError(t, err, "AuthorizationError",
		"User: arn:aws:iam::111111111111:root is not authorized to perform: SNS:Publish on resource: arn:aws:sns:us-east-1:111111111111:t because no identity-based policy allows the SNS:Publish action")
}

// TestPublishFromService: a service principal publishes under the topic
// policy, with the source account and ARN as condition keys; a refusal reads
// as CloudWatch records it ("CloudWatch Alarms is not authorized to
// perform: SNS:Publish on resource:arn:…").
func TestPublishFromService(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client("111111111111")
	arn := createTopic(t, c, "alarms")
	e.authz.Deny = func(call *service.Call, chk service.Check) bool {
		return call.Caller.Principal.Service != "" && strings.Contains(e.pols.text(chk.ResourcePolicy), `"Effect":"Deny"`)
	}
	p := ServicePublish{Service: "cloudwatch.amazonaws.com", DisplayName: "CloudWatch Alarms", SourceAccount: "111111111111",
		SourceArn: "arn:aws:cloudwatch:us-east-1:111111111111:alarm:errors", TopicArn: arn, Subject: "ALARM", Message: "{}"}
	if _, err := e.svc.PublishFromService(context.Background(), p); err != nil {
		t.Fatalf("default policy: %v", err)
	}
	var last servicetest.Checked
	for _, ch := range e.authz.Checked() {
		last = ch
	}
	want := map[string]string{"aws:SourceAccount": "111111111111", "AWS:SourceOwner": "111111111111", "aws:SourceArn": p.SourceArn}
	for k, v := range want {
		if got := last.Check.Context[k]; len(got) != 1 || got[0] != v {
			t.Errorf("condition key %s: got %v, want %s", k, got, v)
		}
	}
	if last.Call.Caller.ARN() != "cloudwatch.amazonaws.com" || last.Check.ResourceAccount != "111111111111" {
		t.Errorf("got caller %s, resource account %s", last.Call.Caller.ARN(), last.Check.ResourceAccount)
	}
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":"sns:Publish","Resource":"` + arn + `"}]}`
	if _, err := c.SetTopicAttributes(context.Background(), &awssns.SetTopicAttributesInput{TopicArn: &arn, AttributeName: aws.String("Policy"), AttributeValue: &deny}); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.PublishFromService(context.Background(), p)
	if err == nil || err.Error() != "AuthorizationError: CloudWatch Alarms is not authorized to perform: SNS:Publish on resource:"+arn {
		t.Errorf("got %v, want CloudWatch's refusal", err)
	}
	p.TopicArn = "arn:aws:sns:us-east-1:111111111111:gone"
	if _, err := e.svc.PublishFromService(context.Background(), p); err == nil || !strings.Contains(err.Error(), "Topic does not exist") {
		t.Errorf("unknown topic: got %v", err)
	}
}

func TestListSubscriptions(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.AutoConfirmEmail = true })
	c := e.client("111111111111")
	ctx := context.Background()
	a, b := createTopic(t, c, "a"), createTopic(t, c, "b")
	var arns []string
	for i, topicArn := range []string{a, a, b} {
		out, err := c.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &topicArn, Protocol: aws.String("email"), Endpoint: aws.String("ops" + itoa(i) + "@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, *out.SubscriptionArn)
	}
	// Subscribe is idempotent for the same endpoint.
	again, _ := c.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: &a, Protocol: aws.String("email"), Endpoint: aws.String("ops0@example.com")})
	if *again.SubscriptionArn != arns[0] {
		t.Errorf("resubscribing: got %s, want %s", *again.SubscriptionArn, arns[0])
	}
	all, err := c.ListSubscriptions(ctx, &awssns.ListSubscriptionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	byTopic, err := c.ListSubscriptionsByTopic(ctx, &awssns.ListSubscriptionsByTopicInput{TopicArn: &a})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Subscriptions) != 3 || len(byTopic.Subscriptions) != 2 {
		t.Errorf("got %d subscriptions, %d on topic a; want 3 and 2", len(all.Subscriptions), len(byTopic.Subscriptions))
	}
	if _, err := c.Unsubscribe(ctx, &awssns.UnsubscribeInput{SubscriptionArn: &arns[0]}); err != nil {
		t.Fatal(err)
	}
	attrs, _ := c.GetTopicAttributes(ctx, &awssns.GetTopicAttributesInput{TopicArn: &a})
	if attrs.Attributes["SubscriptionsConfirmed"] != "1" || attrs.Attributes["SubscriptionsDeleted"] != "1" {
		t.Errorf("after Unsubscribe: got %v", attrs.Attributes)
	}
	// Deleting a topic deletes its subscriptions.
	c.DeleteTopic(ctx, &awssns.DeleteTopicInput{TopicArn: &b})
	all, _ = c.ListSubscriptions(ctx, &awssns.ListSubscriptionsInput{})
	if len(all.Subscriptions) != 1 {
		t.Errorf("after DeleteTopic: got %d subscriptions, want 1", len(all.Subscriptions))
	}
}

func itoa(i int) string { return string(rune('0' + i)) }
