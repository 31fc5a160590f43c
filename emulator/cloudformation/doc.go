// Package cloudformation is the emulator's CloudFormation: stacks and change
// sets over the query protocol, deploying templates (with the SAM
// transform) by calling the emulated IAM, S3, Logs, CloudWatch, SNS and
// Lambda as the caller, so every resource a stack creates is authorized
// exactly as the caller's own API calls would be.
//
// # Files
//
//   - service.go: Options, New, Close and the operation table.
//   - store.go: the stacks behind the store's lock (operations and the
//     engine go through its methods, never locking themselves) and
//     stacks.json; errors.go: the errors for missing stacks and change sets.
//   - stack.go: CreateStack, UpdateStack, DeleteStack, termination protection.
//   - describe.go: the read-only stack operations (Describe*, List*).
//   - template.go: reading templates, GetTemplate, ValidateTemplate,
//     GetTemplateSummary.
//   - changeset.go: change sets; engine.go: the deploy engine that creates,
//     updates and deletes resources in dependency order.
//   - resources.go: the provider type, its registry and the deployer's SDK
//     clients; props.go: reading resource properties.
//
// # Resource providers
//
// Each AWS service whose resource types a template may declare has one file,
// provider_<service>.go, named for the service's SDK package (provider_iam.go,
// provider_s3.go, provider_logs.go, provider_cloudwatch.go, provider_sns.go,
// provider_lambda.go). Its init registers every AWS::<Service>::* type with
// register(type, provider); helpers used only by that service's providers stay
// in its file. Providers call the service through the SDK clients in
// deployer, so their calls come back into the emulator and are authorized
// like the stack operator's own (see docs/architecture.md). Adding a resource
// type of an existing service is an entry in its file; adding a service is a
// new provider file and, if it is new to the stack engine, a client in
// deployer.
package cloudformation
