// This file holds the template operations: reading a template (inline or
// by S3 URL), GetTemplate, ValidateTemplate and GetTemplateSummary.

package cloudformation

import (
	"context"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/xacct/xacct/cfntemplate"
	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
)

// templateBody returns the template given inline or by an S3 URL, read as
// the caller.
func (s *Service) templateBody(ctx context.Context, call *service.Call, body, u *string) ([]byte, error) {
	switch {
	case body != nil && u != nil:
		return nil, awserr.Validation("You cannot specify both TemplateURL and TemplateBody")
	case body != nil:
		if len(*body) > 51200 {
			return nil, awserr.Validation("1 validation error detected: Value '%s...' at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to 51200", (*body)[:32])
		}
		return []byte(*body), nil
	case u != nil:
		bucket, key, ok := parseS3URL(*u)
		if !ok {
			return nil, awserr.Validation("TemplateURL must be a supported URL.")
		}
		cfg, err := s.opts.Clients(ctx, call.Caller, call.Region)
		if err != nil {
			return nil, err
		}
		out, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
		if err != nil {
			return nil, awserr.Validation("S3 error: %s", apiMessage(err))
		}
		defer out.Body.Close()
		b, err := io.ReadAll(io.LimitReader(out.Body, 1<<20+1))
		if err != nil {
			return nil, err
		}
		if len(b) > 1<<20 {
			return nil, awserr.Validation("Template may not exceed 1000000 bytes in size.")
		}
		return b, nil
	}
	return nil, awserr.Validation("Either Template URL or Template Body must be specified.")
}

// parseS3URL reads https://s3.amazonaws.com/bucket/key,
// https://bucket.s3.region.amazonaws.com/key or the emulator's own
// path-style URLs.
func parseS3URL(raw string) (bucket, key string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", "", false
	}
	host := u.Hostname()
	path := strings.TrimPrefix(u.Path, "/")
	if i := strings.Index(host, ".s3"); i > 0 && !strings.HasPrefix(host, "s3") {
		return host[:i], path, path != ""
	}
	b, k, found := strings.Cut(path, "/")
	return b, k, found && b != "" && k != ""
}

// GetTemplate returns a stack's (or change set's) template as given
// (Original) or after transforms (Processed).
func (s *Service) GetTemplate(ctx context.Context, in *GetTemplateIn) (*GetTemplateOut, error) {
	bodies, err := withStack(s.store, service.FromContext(ctx), aws.ToString(in.StackName), func(st *stack) ([2]string, error) {
		if cs := aws.ToString(in.ChangeSetName); cs != "" {
			c := findChangeSet(st, cs)
			if c == nil {
				return [2]string{}, errNoChangeSet(cs)
			}
			return [2]string{c.Body, c.Processed}, nil
		}
		return [2]string{st.Body, st.Processed}, nil
	})
	if err != nil {
		return nil, err
	}
	body, processed := bodies[0], bodies[1]
	out := &GetTemplateOut{TemplateBody: body, StagesAvailable: []string{"Original", "Processed"}}
	switch aws.ToString(in.TemplateStage) {
	case "", "Original":
	case "Processed":
		out.TemplateBody = processed
	default:
		return nil, awserr.Validation("1 validation error detected: Value '%s' at 'templateStage' failed to satisfy constraint: Member must satisfy enum value set: [Original, Processed]", aws.ToString(in.TemplateStage))
	}
	return out, nil
}

// ValidateTemplate checks a template and describes its parameters.
func (s *Service) ValidateTemplate(ctx context.Context, in *ValidateTemplateIn) (*ValidateTemplateOut, error) {
	call := service.FromContext(ctx)
	body, err := s.templateBody(ctx, call, in.TemplateBody, in.TemplateURL)
	if err != nil {
		return nil, err
	}
	t, pt, err := s.parse(call, body)
	if err != nil {
		return nil, err
	}
	if err := pt.Validate(); err != nil {
		return nil, err
	}
	decls, err := t.Parameters()
	if err != nil {
		return nil, err
	}
	out := &ValidateTemplateOut{Parameters: []TemplateParameter{}, DeclaredTransforms: t.Transforms()}
	for _, d := range decls {
		tp := TemplateParameter{ParameterKey: d.Name, NoEcho: d.NoEcho}
		if d.HasDefault {
			tp.DefaultValue = aws.String(d.Default)
		}
		if d.Description != "" {
			tp.Description = aws.String(d.Description)
		}
		out.Parameters = append(out.Parameters, tp)
	}
	if desc := t.Description(); desc != "" {
		out.Description = aws.String(desc)
	}
	if caps, reason := pt.Capabilities(); len(caps) > 0 {
		out.Capabilities, out.CapabilitiesReason = caps, aws.String(reason)
	}
	return out, nil
}

// apiMessage returns the message of an SDK error without the operation
// prefix.
func apiMessage(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "api error "); i >= 0 {
		return msg[i+len("api error "):]
	}
	return msg
}

// GetTemplateSummary describes a template, given or a stack's.
func (s *Service) GetTemplateSummary(ctx context.Context, in *GetTemplateSummaryIn) (*GetTemplateSummaryOut, error) {
	call := service.FromContext(ctx)
	var body []byte
	if name := aws.ToString(in.StackName); name != "" {
		b, err := withStack(s.store, call, name, func(st *stack) (string, error) { return st.Body, nil })
		if err != nil {
			return nil, err
		}
		body = []byte(b)
	} else {
		var err error
		if body, err = s.templateBody(ctx, call, in.TemplateBody, in.TemplateURL); err != nil {
			return nil, err
		}
	}
	t, pt, err := s.parse(call, body)
	if err != nil {
		return nil, err
	}
	decls, err := t.Parameters()
	if err != nil {
		return nil, err
	}
	out := &GetTemplateSummaryOut{Parameters: []ParameterDeclaration{}, ResourceTypes: []string{}, DeclaredTransforms: t.Transforms()}
	for _, d := range decls {
		pd := ParameterDeclaration{ParameterKey: d.Name, ParameterType: d.Type, NoEcho: d.NoEcho, ParameterConstraints: ParameterConstraints{AllowedValues: d.AllowedValues}}
		if d.HasDefault {
			pd.DefaultValue = aws.String(d.Default)
		}
		if d.Description != "" {
			pd.Description = aws.String(d.Description)
		}
		out.Parameters = append(out.Parameters, pd)
	}
	for _, r := range t.Resources() {
		if !slices.Contains(out.ResourceTypes, r.Type) {
			out.ResourceTypes = append(out.ResourceTypes, r.Type)
		}
	}
	if desc := t.Description(); desc != "" {
		out.Description = aws.String(desc)
	}
	if v := t.Section("AWSTemplateFormatVersion"); v.IsString() {
		out.Version = aws.String(v.Str)
	}
	if caps, reason := pt.Capabilities(); len(caps) > 0 {
		out.Capabilities, out.CapabilitiesReason = caps, aws.String(reason)
	}
	return out, nil
}

// parse parses a template and applies its transforms (SAM), returning the
// template as given and as processed.
func (s *Service) parse(call *service.Call, body []byte) (given, processed *cfntemplate.Template, err error) {
	given, err = cfntemplate.Parse(body)
	if err != nil {
		return nil, nil, err
	}
	processed, err = given.Transform(cfntemplate.TransformOptions{Region: call.Region, ManagedPolicyARN: s.opts.ManagedPolicyARN})
	if err != nil {
		return nil, nil, err
	}
	return given, processed, nil
}
