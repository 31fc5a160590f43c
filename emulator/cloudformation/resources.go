package cloudformation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"
)

// deployer holds the clients the stack engine provisions resources with,
// all calling the emulator as the stack's operator.
type deployer struct {
	account, region string
	iam             *iam.Client
	s3              *s3.Client
	logs            *cloudwatchlogs.Client
	cw              *cloudwatch.Client
	sns             *sns.Client
	lambda          *lambda.Client
	kms             *kms.Client
	orgs            *organizations.Client
}

func newDeployer(cfg aws.Config, account, region string) *deployer {
	return &deployer{
		account: account, region: region,
		iam:    iam.NewFromConfig(cfg),
		s3:     s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		logs:   cloudwatchlogs.NewFromConfig(cfg),
		cw:     cloudwatch.NewFromConfig(cfg),
		sns:    sns.NewFromConfig(cfg),
		lambda: lambda.NewFromConfig(cfg),
		kms:    kms.NewFromConfig(cfg),
		orgs:   organizations.NewFromConfig(cfg),
	}
}

// provider provisions one resource type.
type provider struct {
	// known lists the properties it accepts; required those it needs.
	known, required []string
	// replaceOn lists properties whose change replaces the resource.
	replaceOn []string
	create    func(ctx context.Context, d *deployer, st *stack, id string, p props) (phys string, attrs map[string]any, err error)
	// update changes a resource in place; nil means every change replaces.
	update func(ctx context.Context, d *deployer, st *stack, r *resource, p props) (map[string]any, error)
	delete func(ctx context.Context, d *deployer, st *stack, r *resource) error
}

func (p provider) replaces(old, new map[string]any) bool {
	return changed(old, new, p.replaceOn...)
}

// providers are the resource types the emulator provisions.
var providers = map[string]provider{}

func register(typ string, p provider) {
	create := p.create
	p.create = func(ctx context.Context, d *deployer, st *stack, id string, pr props) (string, map[string]any, error) {
		if err := pr.check(typ, p.known, p.required...); err != nil {
			return "", nil, err
		}
		return create(ctx, d, st, id, pr)
	}
	if update := p.update; update != nil {
		p.update = func(ctx context.Context, d *deployer, st *stack, r *resource, pr props) (map[string]any, error) {
			if err := pr.check(typ, p.known, p.required...); err != nil {
				return nil, err
			}
			return update(ctx, d, st, r, pr)
		}
	}
	providers[typ] = p
}

func supportedTypes() string {
	var names []string
	for t := range providers {
		names = append(names, t)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// errCode returns the AWS error code of an SDK error.
func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// ignoreCodes returns nil when err carries one of codes.
func ignoreCodes(err error, codes ...string) error {
	if err != nil && slices.Contains(codes, errCode(err)) {
		return nil
	}
	return err
}

func alreadyExists(typ, id string) error {
	return fmt.Errorf("Resource of type '%s' with identifier '%s' already exists.", typ, id)
}

// diffStrings returns what is in b but not a, and in a but not b.
func diffStrings(a, b []string) (added, removed []string) {
	for _, x := range b {
		if !slices.Contains(a, x) {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			removed = append(removed, x)
		}
	}
	return added, removed
}
