package cloudformation

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
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
	register("AWS::Lambda::Function", provider{
		known: []string{"FunctionName", "Code", "Handler", "Runtime", "Role", "Environment", "Timeout", "MemorySize", "Description",
			"LoggingConfig", "TracingConfig", "Architectures", "Layers", "Tags", "PackageType", "EphemeralStorage"},
		required:  []string{"Code", "Role"},
		replaceOn: []string{"FunctionName"},
		create:    createFunction, update: updateFunction,
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			_, err := d.lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(r.PhysicalID)})
			return ignoreCodes(err, "ResourceNotFoundException")
		},
	})
	register("AWS::Lambda::Permission", provider{
		known:    []string{"Action", "FunctionName", "Principal", "SourceArn", "SourceAccount", "EventSourceToken", "PrincipalOrgID"},
		required: []string{"Action", "FunctionName", "Principal"},
		create: func(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
			sid := genName(st, id, 100, false)
			_, err := d.lambda.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String(p.str("FunctionName")), StatementId: &sid,
				Action: aws.String(p.str("Action")), Principal: aws.String(p.str("Principal")), SourceArn: p.strp("SourceArn"),
				SourceAccount: p.strp("SourceAccount"), EventSourceToken: p.strp("EventSourceToken"), PrincipalOrgID: p.strp("PrincipalOrgID")})
			if err != nil {
				return "", nil, err
			}
			return sid, map[string]any{}, nil
		},
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			_, err := d.lambda.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String(props(r.Props).str("FunctionName")), StatementId: aws.String(r.PhysicalID)})
			return ignoreCodes(err, "ResourceNotFoundException")
		},
	})
	// Layers are accepted so SAM templates with a layer deploy; the
	// emulator's Lambda does not mount them (documented in docs/emulator.md).
	register("AWS::Lambda::LayerVersion", provider{
		known:    []string{"LayerName", "Content", "CompatibleRuntimes", "CompatibleArchitectures", "Description", "LicenseInfo"},
		required: []string{"Content"},
		create: func(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
			name := p.str("LayerName")
			if name == "" {
				name = genName(st, id, 140, false)
			}
			arn := fmt.Sprintf("arn:aws:lambda:%s:%s:layer:%s:1", d.region, d.account, name)
			return arn, map[string]any{"LayerVersionArn": arn}, nil
		},
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error { return nil },
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

// functionCode turns a Code property into Lambda's FunctionCode.
func functionCode(p props) (*lambdatypes.FunctionCode, error) {
	code := p.obj("Code")
	switch {
	case code == nil:
		return nil, fmt.Errorf("Property validation failure: [The property {/Code} is required]")
	case code.has("ZipFile"):
		// CloudFormation stores inline source as index.py or index.js.
		name := "index.py"
		if strings.HasPrefix(p.str("Runtime"), "nodejs") {
			name = "index.js"
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create(name)
		w.Write([]byte(code.str("ZipFile")))
		zw.Close()
		return &lambdatypes.FunctionCode{ZipFile: buf.Bytes()}, nil
	case code.has("S3Bucket"):
		return &lambdatypes.FunctionCode{S3Bucket: code.strp("S3Bucket"), S3Key: code.strp("S3Key"), S3ObjectVersion: code.strp("S3ObjectVersion")}, nil
	case code.has("ImageUri"):
		return nil, fmt.Errorf("container image functions (Code.ImageUri) are not supported by the xacct emulator")
	}
	return nil, fmt.Errorf("Property validation failure: [Code must specify ZipFile or S3Bucket and S3Key]")
}

func loggingConfig(p props) *lambdatypes.LoggingConfig {
	lc := p.obj("LoggingConfig")
	if lc == nil {
		return nil
	}
	return &lambdatypes.LoggingConfig{LogFormat: lambdatypes.LogFormat(lc.str("LogFormat")), LogGroup: lc.strp("LogGroup"),
		ApplicationLogLevel: lambdatypes.ApplicationLogLevel(lc.str("ApplicationLogLevel")), SystemLogLevel: lambdatypes.SystemLogLevel(lc.str("SystemLogLevel"))}
}

func environment(p props) *lambdatypes.Environment {
	env := p.obj("Environment")
	if env == nil {
		return &lambdatypes.Environment{Variables: map[string]string{}}
	}
	vars := map[string]string{}
	for k := range env.obj("Variables") {
		vars[k] = env.obj("Variables").str(k)
	}
	return &lambdatypes.Environment{Variables: vars}
}

func createFunction(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
	name := p.str("FunctionName")
	if name == "" {
		name = genName(st, id, 64, false)
	}
	code, err := functionCode(p)
	if err != nil {
		return "", nil, err
	}
	in := &lambda.CreateFunctionInput{FunctionName: &name, Code: code, Role: aws.String(p.str("Role")), Handler: p.strp("Handler"),
		Runtime: lambdatypes.Runtime(p.str("Runtime")), Description: p.strp("Description"), Environment: environment(p), LoggingConfig: loggingConfig(p)}
	if in.Timeout, err = p.i32p("Timeout"); err != nil {
		return "", nil, err
	}
	if in.MemorySize, err = p.i32p("MemorySize"); err != nil {
		return "", nil, err
	}
	if tc := p.obj("TracingConfig"); tc != nil {
		in.TracingConfig = &lambdatypes.TracingConfig{Mode: lambdatypes.TracingMode(tc.str("Mode"))}
	}
	for _, a := range p.strs("Architectures") {
		in.Architectures = append(in.Architectures, lambdatypes.Architecture(a))
	}
	out, err := d.lambda.CreateFunction(ctx, in)
	if errCode(err) == "ResourceConflictException" {
		return "", nil, alreadyExists("AWS::Lambda::Function", name)
	}
	if err != nil {
		return "", nil, err
	}
	return name, map[string]any{"Arn": aws.ToString(out.FunctionArn)}, nil
}

func updateFunction(ctx context.Context, d *deployer, st *stack, r *resource, p props) (map[string]any, error) {
	name := r.PhysicalID
	in := &lambda.UpdateFunctionConfigurationInput{FunctionName: &name, Role: aws.String(p.str("Role")), Handler: p.strp("Handler"),
		Runtime: lambdatypes.Runtime(p.str("Runtime")), Description: p.strp("Description"), Environment: environment(p), LoggingConfig: loggingConfig(p)}
	var err error
	if in.Timeout, err = p.i32p("Timeout"); err != nil {
		return nil, err
	}
	if in.MemorySize, err = p.i32p("MemorySize"); err != nil {
		return nil, err
	}
	if _, err := d.lambda.UpdateFunctionConfiguration(ctx, in); err != nil {
		return nil, err
	}
	if changed(r.Props, p, "Code", "Runtime") {
		code, err := functionCode(p)
		if err != nil {
			return nil, err
		}
		if _, err := d.lambda.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: &name, ZipFile: code.ZipFile,
			S3Bucket: code.S3Bucket, S3Key: code.S3Key, S3ObjectVersion: code.S3ObjectVersion}); err != nil {
			return nil, err
		}
	}
	return nil, nil
}
