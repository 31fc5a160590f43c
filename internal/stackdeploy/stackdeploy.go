// Package stackdeploy packages and deploys CloudFormation templates the way
// `sam build`, `aws cloudformation package` and `aws cloudformation deploy`
// do: it builds each Go function's bootstrap, uploads the code to S3,
// rewrites the template's code locations, then creates or updates the stack
// through a change set and waits for it. `xacct up` and `xacct demo` use it
// against the emulator; it works the same against AWS.
package stackdeploy

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/xacct/xacct/cfntemplate"
)

// Builder turns a function's code directory into a deployment package.
type Builder func(ctx context.Context, dir string) ([]byte, error)

// GoBuild builds the Go main package in dir as a Lambda `bootstrap` for
// this machine's OS and architecture (so the emulator can run it: linux
// here is what Lambda runs, and on a Mac the emulator runs a darwin
// bootstrap; build for linux and the template's Architectures to deploy
// to AWS) and zips it.
func GoBuild(ctx context.Context, dir string) ([]byte, error) {
	out, err := os.MkdirTemp("", "xacct-build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(out)
	bin := filepath.Join(out, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build in %s: %v\n%s", dir, err, msg)
	}
	return ZipFile(bin, "bootstrap")
}

// ZipFile zips one executable file under name.
func ZipFile(path, name string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: name, Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Package reads the template at path, builds and uploads every local code
// location to bucket (created if missing) and returns the packaged
// template as JSON. Keys are content hashes, as `sam package` names them.
// A nil build builds every location with GoBuild (the project's own
// templates); PackageTemplate picks a build by runtime.
func Package(ctx context.Context, cfg aws.Config, path, bucket string, build Builder) ([]byte, error) {
	t, err := ReadTemplate(path)
	if err != nil {
		return nil, err
	}
	if build == nil {
		build = GoBuild
	}
	return PackageTemplate(ctx, cfg, t, filepath.Dir(path), PackageOptions{Bucket: bucket,
		Build: func(ctx context.Context, a Artifact, _ io.Writer) ([]byte, error) { return build(ctx, a.Path) }})
}

// ReadTemplate reads and parses the template at path.
func ReadTemplate(path string) (*cfntemplate.Template, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := cfntemplate.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// PackageOptions says where PackageTemplate puts the code and how it
// builds it.
type PackageOptions struct {
	// Bucket receives the packages (created if missing).
	Bucket string
	// Build makes one artifact's package; nil is BuildArtifact.
	Build func(ctx context.Context, a Artifact, log io.Writer) ([]byte, error)
	// Log, when set, receives a line per build step and upload.
	Log io.Writer
}

// PackageTemplate builds and uploads every local code location of t,
// whose relative paths are read from directory base, and returns the
// packaged template as JSON, as `sam build` followed by `sam package`
// would.
func PackageTemplate(ctx context.Context, cfg aws.Config, t *cfntemplate.Template, base string, opts PackageOptions) ([]byte, error) {
	build := opts.Build
	if build == nil {
		build = BuildArtifact
	}
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	bucket := opts.Bucket
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ensured := false
	pt, err := t.PackageArtifacts(ctx, func(ctx context.Context, id, prop, p string) (string, string, error) {
		if !ensured {
			if err := ensureBucket(ctx, s3c, bucket, cfg.Region); err != nil {
				return "", "", err
			}
			ensured = true
		}
		zipped, err := build(ctx, artifactOf(t, base, id, prop, p), log)
		if err != nil {
			return "", "", err
		}
		sum := sha256.Sum256(zipped)
		key := hex.EncodeToString(sum[:16])
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(zipped)}); err != nil {
			return "", "", fmt.Errorf("upload %s: %w", id, err)
		}
		fmt.Fprintf(log, "  %s: uploaded s3://%s/%s (%d bytes)\n", id, bucket, key, len(zipped))
		return bucket, key, nil
	})
	if err != nil {
		return nil, err
	}
	return pt.JSON(), nil
}

func ensureBucket(ctx context.Context, c *s3.Client, bucket, region string) error {
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket}); err == nil {
		return nil
	}
	in := &s3.CreateBucketInput{Bucket: &bucket}
	if region != "" && region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	if _, err := c.CreateBucket(ctx, in); err != nil && errCode(err) != "BucketAlreadyOwnedByYou" {
		return fmt.Errorf("artifact bucket %s: %w", bucket, err)
	}
	return nil
}

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// Result is a finished deployment.
type Result struct {
	StackID string
	Status  string
	// Outputs are the stack's outputs by key.
	Outputs map[string]string
	// NoChanges is true when the stack already matched the template.
	NoChanges bool
}

// Failure is a deployment that ended in a failed or rolled-back state; it
// carries the resource events that explain why.
type Failure struct {
	Stack, Status, Reason string
	Events                []cfntypes.StackEvent
}

func (f *Failure) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "stack %s: %s", f.Stack, f.Status)
	if f.Reason != "" {
		fmt.Fprintf(&b, " (%s)", f.Reason)
	}
	for _, e := range f.Events {
		if strings.HasSuffix(string(e.ResourceStatus), "_FAILED") && aws.ToString(e.ResourceStatusReason) != "" && aws.ToString(e.LogicalResourceId) != f.Stack {
			fmt.Fprintf(&b, "\n  %s %s: %s", aws.ToString(e.LogicalResourceId), e.ResourceStatus, aws.ToString(e.ResourceStatusReason))
		}
	}
	return b.String()
}

// Options are Deploy's optional settings.
type Options struct {
	// SkipUnsupported deploys a template the target refuses for resource
	// types it does not provision ("Unrecognized resource types: [...]",
	// as the emulator says for API Gateway, SQS, ...) without those
	// resources, the resources that reference them and the outputs that
	// do: the template is transformed here (SAM) and the processed
	// template is submitted, so GetTemplate's Original stage shows it.
	// Warn receives one line per resource or output left out.
	SkipUnsupported bool
	// Warn receives warnings; nil discards them.
	Warn func(string)
}

// UnsupportedTypesError is a template refused for resource types the
// target does not provision; Deploy with SkipUnsupported leaves them out.
type UnsupportedTypesError struct {
	Stack string
	Types []string
	// Message is the target's ValidationError message.
	Message string
}

// Error names the stack and the types, then the target's message.
func (e *UnsupportedTypesError) Error() string {
	return fmt.Sprintf("stack %s: the target does not provision %s: %s", e.Stack, strings.Join(e.Types, ", "), e.Message)
}

var unrecognizedRE = regexp.MustCompile(`Unrecognized resource types: \[([^\]]*)\]`)

// unsupportedTypes returns the types a ValidationError says are
// unrecognized, with the error's message.
func unsupportedTypes(err error) ([]string, string) {
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationError" {
		return nil, ""
	}
	m := unrecognizedRE.FindStringSubmatch(ae.ErrorMessage())
	if m == nil {
		return nil, ""
	}
	var types []string
	for _, t := range strings.Split(m[1], ",") {
		if t = strings.TrimSpace(t); t != "" {
			types = append(types, t)
		}
	}
	return types, ae.ErrorMessage()
}

// withoutTypes transforms body (SAM) as the target would, for region
// and params, and drops the resources of types and what references them.
func withoutTypes(body []byte, params map[string]string, region string, types []string) ([]byte, []cfntemplate.Dropped, error) {
	t, err := cfntemplate.Parse(body)
	if err != nil {
		return nil, nil, err
	}
	if region == "" {
		region = "us-east-1"
	}
	t, sam := t.WithoutUntranslated()
	pt, err := t.Transform(cfntemplate.TransformOptions{Region: region, Parameters: params})
	if err != nil {
		return nil, nil, err
	}
	out, dropped := pt.DropResources(types)
	return out.JSON(), append(sam, dropped...), nil
}

// samRefusal reports whether err is the target's SAM transform refusing
// something xacct's transform does not translate.
func samRefusal(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "not supported by xacct's SAM transform")
}

// Deploy creates or updates stack name from body with params, through a
// change set as `aws cloudformation deploy` does, and waits for the end.
// Events, when set, receives each new stack event in order.
func Deploy(ctx context.Context, cfg aws.Config, name string, body []byte, params map[string]string, events func(cfntypes.StackEvent), opts ...func(*Options)) (*Result, error) {
	var o Options
	for _, f := range opts {
		f(&o)
	}
	c := cloudformation.NewFromConfig(cfg)
	typ := cfntypes.ChangeSetTypeUpdate
	d, err := c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &name})
	if err != nil {
		if !strings.Contains(err.Error(), "does not exist") {
			return nil, err
		}
		typ = cfntypes.ChangeSetTypeCreate
	} else if len(d.Stacks) == 1 && d.Stacks[0].StackStatus == cfntypes.StackStatusReviewInProgress {
		// A stack with only a change set never executed (a deployment
		// interrupted before ExecuteChangeSet) is still created by a
		// CREATE change set.
		typ = cfntypes.ChangeSetTypeCreate
	}
	seen := map[string]bool{}
	if typ == cfntypes.ChangeSetTypeUpdate {
		// Only events from this deployment are reported.
		if out, err := c.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: &name}); err == nil {
			for _, e := range out.StackEvents {
				seen[aws.ToString(e.EventId)] = true
			}
		}
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var ps []cfntypes.Parameter
	for _, k := range keys {
		ps = append(ps, cfntypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(params[k])})
	}
	create := func(body []byte) (*cloudformation.CreateChangeSetOutput, error) {
		csName := fmt.Sprintf("xacct-deploy-%d", time.Now().UnixNano())
		return c.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
			StackName: &name, ChangeSetName: &csName, ChangeSetType: typ, TemplateBody: aws.String(string(body)), Parameters: ps,
			Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam, cfntypes.CapabilityCapabilityNamedIam, cfntypes.CapabilityCapabilityAutoExpand},
			Description:  aws.String("Created by xacct"),
		})
	}
	cs, err := create(body)
	// With SkipUnsupported, what the target refuses is left out: SAM
	// features xacct's transform does not translate, then the resource
	// types it does not provision (a second round when the first refusal
	// was the transform's, which names no types).
	var types []string
	warned := map[string]bool{}
	for round := 0; err != nil && round < 2; round++ {
		more, msg := unsupportedTypes(err)
		if len(more) == 0 && !samRefusal(err) {
			break
		}
		if !o.SkipUnsupported {
			if len(more) > 0 {
				return nil, &UnsupportedTypesError{Stack: name, Types: more, Message: msg}
			}
			return nil, fmt.Errorf("%w\n(deploy with --skip-unsupported to leave out what xacct's SAM transform does not translate)", err)
		}
		types = append(types, more...)
		reduced, dropped, terr := withoutTypes(body, params, cfg.Region, types)
		if terr != nil {
			return nil, fmt.Errorf("stack %s: leaving out what the target does not support: %w", name, terr)
		}
		for _, d := range dropped {
			line := "warning: skipped " + d.String()
			if d.Reason == "" {
				line += ": not supported by the target"
			}
			if !warned[line] && o.Warn != nil {
				warned[line] = true
				o.Warn(line)
			}
		}
		cs, err = create(reduced)
	}
	if err != nil {
		return nil, err
	}
	for {
		d, err := c.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: cs.Id})
		if err != nil {
			return nil, err
		}
		if d.Status == cfntypes.ChangeSetStatusFailed {
			reason := aws.ToString(d.StatusReason)
			if strings.Contains(reason, "didn't contain changes") || strings.Contains(reason, "No updates are to be performed") {
				c.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{ChangeSetName: cs.Id})
				r, err := describe(ctx, c, name)
				if r != nil {
					r.NoChanges = true
				}
				return r, err
			}
			return nil, fmt.Errorf("change set for %s failed: %s", name, reason)
		}
		if d.Status == cfntypes.ChangeSetStatusCreateComplete {
			break
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return nil, err
		}
	}
	if _, err := c.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: cs.Id}); err != nil {
		return nil, err
	}
	return Wait(ctx, cfg, name, seen, events)
}

// Wait polls a stack until its operation ends, reporting new events.
func Wait(ctx context.Context, cfg aws.Config, name string, seen map[string]bool, events func(cfntypes.StackEvent)) (*Result, error) {
	c := cloudformation.NewFromConfig(cfg)
	if seen == nil {
		seen = map[string]bool{}
	}
	var mine []cfntypes.StackEvent
	failures := 0
	for {
		out, err := c.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: &name})
		if err != nil {
			// A poller outlives transient failures (a dropped connection);
			// the stack's state is read again on the next round.
			if failures++; failures > 3 || ctx.Err() != nil || strings.Contains(err.Error(), "does not exist") {
				return nil, err
			}
			if err := sleep(ctx, 200*time.Millisecond); err != nil {
				return nil, err
			}
			continue
		}
		failures = 0
		for i := len(out.StackEvents) - 1; i >= 0; i-- {
			e := out.StackEvents[i]
			if id := aws.ToString(e.EventId); !seen[id] {
				seen[id] = true
				mine = append(mine, e)
				if events != nil {
					events(e)
				}
			}
		}
		r, err := describe(ctx, c, name)
		if err != nil {
			return nil, err
		}
		if !strings.HasSuffix(r.Status, "_IN_PROGRESS") {
			if r.Status == "CREATE_COMPLETE" || r.Status == "UPDATE_COMPLETE" || r.Status == "DELETE_COMPLETE" {
				return r, nil
			}
			// The stack's reason is on its events (ROLLBACK_IN_PROGRESS,
			// *_FAILED); the final status often carries none.
			reason := ""
			for _, e := range mine {
				if aws.ToString(e.ResourceType) == "AWS::CloudFormation::Stack" && aws.ToString(e.ResourceStatusReason) != "" && aws.ToString(e.ResourceStatusReason) != "User Initiated" {
					reason = aws.ToString(e.ResourceStatusReason)
				}
			}
			return r, &Failure{Stack: name, Status: r.Status, Reason: reason, Events: mine}
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

func describe(ctx context.Context, c *cloudformation.Client, name string) (*Result, error) {
	out, err := c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &name})
	if err != nil {
		return nil, err
	}
	if len(out.Stacks) != 1 {
		return nil, fmt.Errorf("stack %s: %d stacks described", name, len(out.Stacks))
	}
	s := out.Stacks[0]
	r := &Result{StackID: aws.ToString(s.StackId), Status: string(s.StackStatus), Outputs: map[string]string{}}
	for _, o := range s.Outputs {
		r.Outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return r, nil
}

// Delete deletes a stack and waits until it is gone.
func Delete(ctx context.Context, cfg aws.Config, name string, events func(cfntypes.StackEvent)) error {
	c := cloudformation.NewFromConfig(cfg)
	d, err := c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &name})
	if err != nil {
		if strings.Contains(err.Error(), "does not exist") {
			return nil
		}
		return err
	}
	id := aws.ToString(d.Stacks[0].StackId)
	if _, err := c.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: &name}); err != nil {
		return err
	}
	_, err = Wait(ctx, cfg, id, nil, events)
	return err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
