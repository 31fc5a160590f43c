package cloudformation

import (
	"context"
	"fmt"
	"strings"

	"github.com/xacct/xacct/cfntemplate"
	"github.com/xacct/xacct/emulator/awserr"
)

// localArtifacts lists the local code paths a template still points at
// (CodeUri, Code, ContentUri, Content given as a path), as "Fn's CodeUri
// \"src/\"": the template was not packaged. CloudFormation reads code
// only from S3; `aws cloudformation package` and `sam package` replace
// these paths with S3 locations.
// https://docs.aws.amazon.com/cli/latest/reference/cloudformation/package.html
func localArtifacts(t *cfntemplate.Template) []string {
	var out []string
	t.PackageArtifacts(context.Background(), func(_ context.Context, id, prop, path string) (string, string, error) {
		out = append(out, fmt.Sprintf("%s's %s %q", id, prop, path))
		return "local", "path", nil
	})
	return out
}

// packageHint says what to do with a template that names local code.
func packageHint(locals []string) string {
	return fmt.Sprintf("The template names local code (%s), which CloudFormation cannot read: package it first, "+
		"with `xacct deploy TEMPLATE` (builds, uploads and deploys) or `aws cloudformation package --template-file TEMPLATE "+
		"--s3-bucket BUCKET --output-template-file packaged.yaml` then deploy packaged.yaml.", strings.Join(locals, ", "))
}

// packageFirst adds packageHint to err, an error about template t, when t
// names local code; the error's code and status stay AWS's.
func packageFirst(t *cfntemplate.Template, err error) error {
	locals := localArtifacts(t)
	e, ok := awserr.As(err)
	if len(locals) == 0 || !ok {
		return err
	}
	c := *e
	c.Message = strings.TrimRight(c.Message, " ") + " " + packageHint(locals)
	return &c
}
