// Package cfntemplate is xacct's CloudFormation template engine, shared by
// the emulator's CloudFormation, `xacct check` and stackdeploy: it parses
// JSON and YAML templates into nodes that keep their intrinsic functions,
// applies the AWS::Serverless-2016-10-31 (SAM)
// transform as the real translator does, validates templates as
// ValidateTemplate does, binds parameters and conditions, orders resources
// by their dependencies, and evaluates intrinsic functions at deploy time
// against a Resolver the stack engine provides.
//
// A deployment goes through these steps:
//
//	t, err := cfntemplate.Parse(body)                 // JSON or YAML, short forms kept as Func nodes
//	p, err := t.Transform(cfntemplate.TransformOptions{Region: "us-east-1"})
//	err = p.Validate()                             // "Template format error: ..." messages
//	b, err := p.Bind(params, cfntemplate.Pseudo{AccountID: "111111111111", Region: "us-east-1", StackName: "s"})
//	order, err := b.Order()                        // creation order; DeletionOrder for the reverse
//	for _, id := range order {
//		props, err := b.ResolveProperties(ctx, id, resolver) // plain Go values for the provisioner
//		...
//	}
//	outputs, err := b.Outputs(ctx, resolver)
//
// Errors are *Error values: CloudFormation's ValidationError message
// together with the source position.
package cfntemplate
