package sns_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/emulator/sns"
	"github.com/xacct/xacct/policy"
)

type allowAll struct{}

func (allowAll) Decide(context.Context, *service.Call, service.Check) policy.Decision {
	return policy.Decision{Effect: policy.Allow}
}

// Example_confirmFromOutbox subscribes an email address, finds the
// confirmation email in the outbox and confirms it, as `xacct` does.
func Example_confirmFromOutbox() {
	svc, _ := sns.New(sns.Options{Authorizer: allowAll{}})
	defer svc.Close()
	ctx := service.WithCall(context.Background(), &service.Call{Region: "us-east-1", Authz: allowAll{},
		Caller: &service.Caller{Principal: policy.Principal{Type: policy.PrincipalRoot, Account: "111111111111", ARN: "arn:aws:iam::111111111111:root"}}})
	topic, _ := svc.CreateTopic(ctx, &sns.CreateTopicIn{Name: "alarms"})
	sub, _ := svc.Subscribe(ctx, &sns.SubscribeIn{TopicArn: topic.TopicArn, Protocol: "email", Endpoint: "ops@example.com"})
	fmt.Println(sub.SubscriptionArn)

	mail, _ := svc.ListOutbox()
	fmt.Println(mail[0].Type, mail[0].Subject)
	arn, _ := svc.ConfirmFromOutbox(ctx, mail[0].Path)
	fmt.Println(strings.HasPrefix(arn, topic.TopicArn+":"))
	// Output:
	// pending confirmation
	// SubscriptionConfirmation AWS Notification - Subscription Confirmation
	// true
}
