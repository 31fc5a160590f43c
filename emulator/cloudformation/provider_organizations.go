// This file provisions AWS Organizations resources in the organization of
// the stack's account, which must be its management account:
// AWS::Organizations::OrganizationalUnit, AWS::Organizations::Policy and
// AWS::Organizations::Account (AWS CloudFormation User Guide, "AWS
// Organizations resource type reference").

package cloudformation

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

func init() {
	register("AWS::Organizations::OrganizationalUnit", provider{
		known:     []string{"Name", "ParentId", "Tags"},
		required:  []string{"Name", "ParentId"},
		replaceOn: []string{"ParentId"},
		create: func(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
			out, err := d.orgs.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{
				Name: p.strp("Name"), ParentId: p.strp("ParentId"), Tags: orgTags(p)})
			if err != nil {
				return "", nil, err
			}
			ou := out.OrganizationalUnit
			return aws.ToString(ou.Id), map[string]any{"Id": aws.ToString(ou.Id), "Arn": aws.ToString(ou.Arn)}, nil
		},
		update: func(ctx context.Context, d *deployer, st *stack, r *resource, p props) (map[string]any, error) {
			out, err := d.orgs.UpdateOrganizationalUnit(ctx, &organizations.UpdateOrganizationalUnitInput{
				OrganizationalUnitId: aws.String(r.PhysicalID), Name: p.strp("Name")})
			if err != nil {
				return nil, err
			}
			return map[string]any{"Id": r.PhysicalID, "Arn": aws.ToString(out.OrganizationalUnit.Arn)}, nil
		},
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			_, err := d.orgs.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: aws.String(r.PhysicalID)})
			return ignoreCodes(err, "OrganizationalUnitNotFoundException")
		},
	})
	register("AWS::Organizations::Policy", provider{
		known:     []string{"Name", "Type", "Content", "Description", "TargetIds", "Tags"},
		required:  []string{"Name", "Type", "Content"},
		replaceOn: []string{"Type"},
		create: func(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
			out, err := d.orgs.CreatePolicy(ctx, &organizations.CreatePolicyInput{
				Name: p.strp("Name"), Type: orgtypes.PolicyType(p.str("Type")), Content: aws.String(p.doc("Content")),
				Description: aws.String(p.str("Description")), Tags: orgTags(p)})
			if err != nil {
				return "", nil, err
			}
			s := out.Policy.PolicySummary
			pid := aws.ToString(s.Id)
			for _, t := range p.strs("TargetIds") {
				if _, err := d.orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: &pid, TargetId: aws.String(t)}); err != nil {
					detachAll(ctx, d, pid, p.strs("TargetIds"))
					d.orgs.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: &pid})
					return "", nil, fmt.Errorf("attach %s to %s: %w", pid, t, err)
				}
			}
			return pid, map[string]any{"Id": pid, "Arn": aws.ToString(s.Arn), "AwsManaged": s.AwsManaged}, nil
		},
		update: func(ctx context.Context, d *deployer, st *stack, r *resource, p props) (map[string]any, error) {
			out, err := d.orgs.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: aws.String(r.PhysicalID),
				Name: p.strp("Name"), Content: aws.String(p.doc("Content")), Description: aws.String(p.str("Description"))})
			if err != nil {
				return nil, err
			}
			old := props(r.Props).strs("TargetIds")
			now := p.strs("TargetIds")
			for _, t := range now {
				if !slices.Contains(old, t) {
					if _, err := d.orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(r.PhysicalID), TargetId: aws.String(t)}); err != nil {
						return nil, err
					}
				}
			}
			var gone []string
			for _, t := range old {
				if !slices.Contains(now, t) {
					gone = append(gone, t)
				}
			}
			if err := detachAll(ctx, d, r.PhysicalID, gone); err != nil {
				return nil, err
			}
			s := out.Policy.PolicySummary
			return map[string]any{"Id": r.PhysicalID, "Arn": aws.ToString(s.Arn), "AwsManaged": s.AwsManaged}, nil
		},
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			if err := detachAll(ctx, d, r.PhysicalID, props(r.Props).strs("TargetIds")); err != nil {
				return err
			}
			_, err := d.orgs.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: aws.String(r.PhysicalID)})
			return ignoreCodes(err, "PolicyNotFoundException")
		},
	})
	// AWS::Organizations::Account: deleting the resource removes the
	// account from the organization (AWS closes it; the emulator has no
	// closed accounts). A change of AccountName, Email or RoleName
	// replaces the account; ParentIds (one parent) moves it.
	register("AWS::Organizations::Account", provider{
		known:     []string{"AccountName", "Email", "ParentIds", "RoleName", "Tags"},
		required:  []string{"AccountName", "Email"},
		replaceOn: []string{"AccountName", "Email", "RoleName"},
		create: func(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
			parents := p.strs("ParentIds")
			if len(parents) > 1 {
				return "", nil, fmt.Errorf("ParentIds: an account has one parent, got %d", len(parents))
			}
			in := &organizations.CreateAccountInput{AccountName: p.strp("AccountName"), Email: p.strp("Email"), Tags: orgTags(p)}
			if p.has("RoleName") {
				in.RoleName = p.strp("RoleName")
			}
			out, err := d.orgs.CreateAccount(ctx, in)
			if err != nil {
				return "", nil, err
			}
			cs := out.CreateAccountStatus
			if cs.State != orgtypes.CreateAccountStateSucceeded {
				return "", nil, fmt.Errorf("CreateAccount %s: %s", cs.State, cs.FailureReason)
			}
			acct := aws.ToString(cs.AccountId)
			if len(parents) == 1 {
				if err := moveTo(ctx, d, acct, parents[0]); err != nil {
					d.orgs.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: &acct})
					return "", nil, err
				}
			}
			attrs, err := accountAttrs(ctx, d, acct)
			return acct, attrs, err
		},
		update: func(ctx context.Context, d *deployer, st *stack, r *resource, p props) (map[string]any, error) {
			parents := p.strs("ParentIds")
			if len(parents) > 1 {
				return nil, fmt.Errorf("ParentIds: an account has one parent, got %d", len(parents))
			}
			if len(parents) == 1 {
				if err := moveTo(ctx, d, r.PhysicalID, parents[0]); err != nil {
					return nil, err
				}
			}
			return accountAttrs(ctx, d, r.PhysicalID)
		},
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			_, err := d.orgs.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String(r.PhysicalID)})
			return ignoreCodes(err, "AccountNotFoundException")
		},
	})
}

func orgTags(p props) []orgtypes.Tag {
	var tags []orgtypes.Tag
	for _, t := range p.objs("Tags") {
		tags = append(tags, orgtypes.Tag{Key: aws.String(t.str("Key")), Value: aws.String(t.str("Value"))})
	}
	return tags
}

// detachAll detaches policy id from targets, ignoring targets it is no
// longer attached to.
func detachAll(ctx context.Context, d *deployer, id string, targets []string) error {
	for _, t := range targets {
		_, err := d.orgs.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String(id), TargetId: aws.String(t)})
		if err := ignoreCodes(err, "PolicyNotAttachedException", "TargetNotFoundException"); err != nil {
			return fmt.Errorf("detach %s from %s: %w", id, t, err)
		}
	}
	return nil
}

// moveTo moves acct to parent from wherever it is.
func moveTo(ctx context.Context, d *deployer, acct, parent string) error {
	ps, err := d.orgs.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(acct)})
	if err != nil {
		return err
	}
	if len(ps.Parents) == 0 || aws.ToString(ps.Parents[0].Id) == parent {
		return nil
	}
	_, err = d.orgs.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(acct), SourceParentId: ps.Parents[0].Id, DestinationParentId: aws.String(parent)})
	return err
}

// accountAttrs are an account's Fn::GetAtt attributes.
func accountAttrs(ctx context.Context, d *deployer, acct string) (map[string]any, error) {
	out, err := d.orgs.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(acct)})
	if err != nil {
		return nil, err
	}
	a := out.Account
	return map[string]any{"AccountId": acct, "Arn": aws.ToString(a.Arn), "JoinedMethod": string(a.JoinedMethod),
		"JoinedTimestamp": aws.ToTime(a.JoinedTimestamp).UTC().Format(time.RFC3339), "Status": string(a.Status)}, nil
}
