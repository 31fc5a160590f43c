package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/xacct/xacct/internal/check"
)

// loadOrganization reads `xacct check --organization`'s argument: a
// description file (check.OrganizationFile), or "live" for the
// organization of the caller of the default credential chain
// (AWS_ENDPOINT_URL for the emulator), read from its management account or
// a delegated administrator.
func loadOrganization(ctx context.Context, arg, region string) (*check.Organization, error) {
	if arg != "live" {
		b, err := os.ReadFile(arg)
		if err != nil {
			return nil, &check.InputError{Msg: fmt.Sprintf("--organization: %v", err)}
		}
		o, err := check.ParseOrganization(b)
		if err != nil {
			return nil, &check.InputError{Msg: fmt.Sprintf("--organization %s: %v", arg, err)}
		}
		return o, nil
	}
	cfg, err := sdkConfig(ctx, region)
	if err != nil {
		return nil, err
	}
	f, err := readOrganization(ctx, organizations.NewFromConfig(cfg))
	if err != nil {
		return nil, fmt.Errorf("--organization live: %w", err)
	}
	return f.Build()
}

// readOrganization describes the caller's organization with the calls
// the file format comes from: DescribeOrganization, ListRoots,
// ListOrganizationalUnitsForParent and ListAccountsForParent from the root
// down, ListPolicies, DescribePolicy and ListTargetsForPolicy for the SCPs
// and RCPs.
func readOrganization(ctx context.Context, c *organizations.Client) (*check.OrganizationFile, error) {
	var f check.OrganizationFile
	do, err := c.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return nil, err
	}
	f.Organization.Id, f.Organization.MasterAccountId = aws.ToString(do.Organization.Id), aws.ToString(do.Organization.MasterAccountId)
	roots, err := c.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		return nil, err
	}
	for _, r := range roots.Roots {
		root := struct {
			Id          string
			Name        string
			PolicyTypes []struct{ Type, Status string }
		}{Id: aws.ToString(r.Id), Name: aws.ToString(r.Name), PolicyTypes: []struct{ Type, Status string }{}}
		for _, pt := range r.PolicyTypes {
			root.PolicyTypes = append(root.PolicyTypes, struct{ Type, Status string }{string(pt.Type), string(pt.Status)})
		}
		f.Roots = append(f.Roots, root)
	}
	var walk func(parent string) error
	walk = func(parent string) error {
		ap := organizations.NewListAccountsForParentPaginator(c, &organizations.ListAccountsForParentInput{ParentId: &parent})
		for ap.HasMorePages() {
			page, err := ap.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, a := range page.Accounts {
				f.Accounts = append(f.Accounts, struct{ Id, Name, Status, State, ParentId string }{aws.ToString(a.Id), aws.ToString(a.Name), string(a.Status), string(a.State), parent})
			}
		}
		op := organizations.NewListOrganizationalUnitsForParentPaginator(c, &organizations.ListOrganizationalUnitsForParentInput{ParentId: &parent})
		for op.HasMorePages() {
			page, err := op.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, u := range page.OrganizationalUnits {
				id := aws.ToString(u.Id)
				f.OrganizationalUnits = append(f.OrganizationalUnits, struct{ Id, Name, ParentId string }{id, aws.ToString(u.Name), parent})
				if err := walk(id); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, r := range f.Roots {
		if err := walk(r.Id); err != nil {
			return nil, err
		}
	}
	for _, typ := range []orgtypes.PolicyType{orgtypes.PolicyTypeServiceControlPolicy, orgtypes.PolicyTypeResourceControlPolicy} {
		pp := organizations.NewListPoliciesPaginator(c, &organizations.ListPoliciesInput{Filter: typ})
		for pp.HasMorePages() {
			page, err := pp.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, s := range page.Policies {
				dp, err := c.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: s.Id})
				if err != nil {
					return nil, err
				}
				var p = struct {
					PolicySummary struct{ Id, Name, Type, Arn string }
					Content       string
					Targets       []check.PolicyTarget
				}{Content: aws.ToString(dp.Policy.Content)}
				p.PolicySummary.Id, p.PolicySummary.Name, p.PolicySummary.Type, p.PolicySummary.Arn = aws.ToString(s.Id), aws.ToString(s.Name), string(s.Type), aws.ToString(s.Arn)
				tp := organizations.NewListTargetsForPolicyPaginator(c, &organizations.ListTargetsForPolicyInput{PolicyId: s.Id})
				for tp.HasMorePages() {
					page, err := tp.NextPage(ctx)
					if err != nil {
						return nil, err
					}
					for _, t := range page.Targets {
						p.Targets = append(p.Targets, check.PolicyTarget(aws.ToString(t.TargetId)))
					}
				}
				f.Policies = append(f.Policies, p)
			}
		}
	}
	return &f, nil
}
