// This file provisions SNS resources: AWS::SNS::Topic, AWS::SNS::Subscription
// and AWS::SNS::TopicPolicy.

package cloudformation

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	emusns "github.com/xacct/xacct/emulator/sns"
)

func init() {
	register("AWS::SNS::Topic", provider{
		known:     []string{"TopicName", "DisplayName", "Subscription", "Tags"},
		replaceOn: []string{"TopicName"},
		create: func(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
			name := p.str("TopicName")
			if name == "" {
				name = genName(st, id, 256, false)
			}
			in := &sns.CreateTopicInput{Name: &name}
			if dn := p.str("DisplayName"); dn != "" {
				in.Attributes = map[string]string{"DisplayName": dn}
			}
			out, err := d.sns.CreateTopic(ctx, in)
			if err != nil {
				return "", nil, err
			}
			arn := aws.ToString(out.TopicArn)
			if err := syncTopicSubscriptions(ctx, d, arn, nil, p); err != nil {
				d.sns.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: &arn})
				return "", nil, err
			}
			return arn, map[string]any{"TopicArn": arn, "TopicName": name}, nil
		},
		update: func(ctx context.Context, d *deployer, st *stack, r *resource, p props) (map[string]any, error) {
			if changed(r.Props, p, "DisplayName") {
				if _, err := d.sns.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(r.PhysicalID),
					AttributeName: aws.String("DisplayName"), AttributeValue: aws.String(p.str("DisplayName"))}); err != nil {
					return nil, err
				}
			}
			return nil, syncTopicSubscriptions(ctx, d, r.PhysicalID, props(r.Props), p)
		},
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			_, err := d.sns.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(r.PhysicalID)})
			return ignoreCodes(err, "NotFound")
		},
	})
	register("AWS::SNS::Subscription", provider{
		known:     []string{"TopicArn", "Protocol", "Endpoint", "RawMessageDelivery", "Region"},
		required:  []string{"TopicArn", "Protocol"},
		replaceOn: []string{"TopicArn", "Protocol", "Endpoint", "Region"},
		create: func(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
			in := &sns.SubscribeInput{TopicArn: aws.String(p.str("TopicArn")), Protocol: aws.String(p.str("Protocol")), Endpoint: p.strp("Endpoint"), ReturnSubscriptionArn: true}
			if p.has("RawMessageDelivery") {
				in.Attributes = map[string]string{"RawMessageDelivery": strings.ToLower(p.str("RawMessageDelivery"))}
			}
			out, err := d.sns.Subscribe(ctx, in)
			if err != nil {
				return "", nil, err
			}
			return aws.ToString(out.SubscriptionArn), map[string]any{"Arn": aws.ToString(out.SubscriptionArn)}, nil
		},
		update: func(ctx context.Context, d *deployer, st *stack, r *resource, p props) (map[string]any, error) {
			_, err := d.sns.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(r.PhysicalID),
				AttributeName: aws.String("RawMessageDelivery"), AttributeValue: aws.String(strings.ToLower(p.str("RawMessageDelivery")))})
			return nil, err
		},
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			_, err := d.sns.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(r.PhysicalID)})
			return ignoreCodes(err, "NotFound", "InvalidParameter")
		},
	})
	register("AWS::SNS::TopicPolicy", provider{
		known:    []string{"Topics", "PolicyDocument"},
		required: []string{"Topics", "PolicyDocument"},
		create: func(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
			if err := setTopicPolicies(ctx, d, p.strs("Topics"), p.doc("PolicyDocument")); err != nil {
				return "", nil, err
			}
			return genName(st, id, 128, false), map[string]any{}, nil
		},
		update: func(ctx context.Context, d *deployer, st *stack, r *resource, p props) (map[string]any, error) {
			_, removed := diffStrings(props(r.Props).strs("Topics"), p.strs("Topics"))
			if err := resetTopicPolicies(ctx, d, removed); err != nil {
				return nil, err
			}
			return nil, setTopicPolicies(ctx, d, p.strs("Topics"), p.doc("PolicyDocument"))
		},
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			return resetTopicPolicies(ctx, d, props(r.Props).strs("Topics"))
		},
	})
}

// syncTopicSubscriptions subscribes the Subscription entries new in p and
// unsubscribes those only in old.
func syncTopicSubscriptions(ctx context.Context, d *deployer, arn string, old, p props) error {
	key := func(s props) string { return s.str("Protocol") + " " + s.str("Endpoint") }
	var had, want []string
	for _, s := range old.objs("Subscription") {
		had = append(had, key(s))
	}
	for _, s := range p.objs("Subscription") {
		want = append(want, key(s))
	}
	added, removed := diffStrings(had, want)
	for _, k := range added {
		proto, ep, _ := strings.Cut(k, " ")
		if _, err := d.sns.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: &proto, Endpoint: &ep}); err != nil {
			return err
		}
	}
	if len(removed) == 0 {
		return nil
	}
	subs, err := d.sns.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: &arn})
	if err != nil {
		return err
	}
	for _, s := range subs.Subscriptions {
		if contains(removed, aws.ToString(s.Protocol)+" "+aws.ToString(s.Endpoint)) && strings.HasPrefix(aws.ToString(s.SubscriptionArn), "arn:") {
			if _, err := d.sns.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: s.SubscriptionArn}); ignoreCodes(err, "NotFound") != nil {
				return err
			}
		}
	}
	return nil
}

func setTopicPolicies(ctx context.Context, d *deployer, topics []string, doc string) error {
	for _, t := range topics {
		if _, err := d.sns.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(t), AttributeName: aws.String("Policy"), AttributeValue: &doc}); err != nil {
			return err
		}
	}
	return nil
}

// resetTopicPolicies restores SNS's default policy, as CloudFormation does
// when a TopicPolicy goes away.
func resetTopicPolicies(ctx context.Context, d *deployer, topics []string) error {
	for _, t := range topics {
		_, err := d.sns.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(t), AttributeName: aws.String("Policy"),
			AttributeValue: aws.String(emusns.DefaultPolicy(t, d.account))})
		if ignoreCodes(err, "NotFound") != nil {
			return err
		}
	}
	return nil
}
