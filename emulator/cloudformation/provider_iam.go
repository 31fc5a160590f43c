// This file provisions IAM resources: AWS::IAM::Role, AWS::IAM::Policy and
// AWS::IAM::ManagedPolicy.

package cloudformation

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

func init() {
	register("AWS::IAM::Role", provider{
		known:     []string{"RoleName", "AssumeRolePolicyDocument", "Policies", "ManagedPolicyArns", "Path", "Description", "MaxSessionDuration", "PermissionsBoundary", "Tags"},
		required:  []string{"AssumeRolePolicyDocument"},
		replaceOn: []string{"RoleName", "Path"},
		create:    createRole, update: updateRole, delete: deleteRole,
	})
	register("AWS::IAM::Policy", provider{
		known:    []string{"PolicyName", "PolicyDocument", "Roles", "Users"},
		required: []string{"PolicyName", "PolicyDocument"},
		create: func(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
			if err := putInline(ctx, d, p, nil); err != nil {
				return "", nil, err
			}
			return genName(st, id, 128, false), map[string]any{"Id": ""}, nil
		},
		update: func(ctx context.Context, d *deployer, st *stack, r *resource, p props) (map[string]any, error) {
			return nil, putInline(ctx, d, p, props(r.Props))
		},
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			return deleteInline(ctx, d, props(r.Props), nil)
		},
	})
	register("AWS::IAM::ManagedPolicy", provider{
		known:     []string{"ManagedPolicyName", "PolicyDocument", "Path", "Description", "Roles", "Users"},
		required:  []string{"PolicyDocument"},
		replaceOn: []string{"ManagedPolicyName", "Path", "Description"},
		create:    createManagedPolicy, update: updateManagedPolicy, delete: deleteManagedPolicy,
	})
}

func iamTags(p props) []iamtypes.Tag {
	var out []iamtypes.Tag
	for _, t := range p.objs("Tags") {
		out = append(out, iamtypes.Tag{Key: aws.String(t.str("Key")), Value: aws.String(t.str("Value"))})
	}
	return out
}

func createRole(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
	name := p.str("RoleName")
	if name == "" {
		name = genName(st, id, 64, false)
	}
	maxDur, err := p.i32p("MaxSessionDuration")
	if err != nil {
		return "", nil, err
	}
	out, err := d.iam.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: &name, AssumeRolePolicyDocument: aws.String(p.doc("AssumeRolePolicyDocument")), Path: p.strp("Path"),
		Description: p.strp("Description"), MaxSessionDuration: maxDur, PermissionsBoundary: p.strp("PermissionsBoundary"), Tags: iamTags(p),
	})
	if err != nil {
		if errCode(err) == "EntityAlreadyExists" {
			return "", nil, alreadyExists("AWS::IAM::Role", name)
		}
		return "", nil, err
	}
	r := &resource{PhysicalID: name}
	if err := syncRolePolicies(ctx, d, name, nil, p); err != nil {
		deleteRole(ctx, d, st, r)
		return "", nil, err
	}
	return name, map[string]any{"Arn": aws.ToString(out.Role.Arn), "RoleId": aws.ToString(out.Role.RoleId)}, nil
}

// syncRolePolicies makes the role's inline and managed policies those of
// p, given the previous properties (nil on create).
func syncRolePolicies(ctx context.Context, d *deployer, name string, old, p props) error {
	var keep []string
	for _, pol := range p.objs("Policies") {
		pn := pol.str("PolicyName")
		keep = append(keep, pn)
		if _, err := d.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &name, PolicyName: &pn, PolicyDocument: aws.String(pol.doc("PolicyDocument"))}); err != nil {
			return err
		}
	}
	for _, pol := range old.objs("Policies") {
		if pn := pol.str("PolicyName"); !contains(keep, pn) {
			if _, err := d.iam.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: &name, PolicyName: &pn}); ignoreCodes(err, "NoSuchEntity") != nil {
				return err
			}
		}
	}
	added, removed := diffStrings(old.strs("ManagedPolicyArns"), p.strs("ManagedPolicyArns"))
	for _, arn := range added {
		if _, err := d.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: &name, PolicyArn: aws.String(arn)}); err != nil {
			return err
		}
	}
	for _, arn := range removed {
		if _, err := d.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: &name, PolicyArn: aws.String(arn)}); ignoreCodes(err, "NoSuchEntity") != nil {
			return err
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func updateRole(ctx context.Context, d *deployer, st *stack, r *resource, p props) (map[string]any, error) {
	old := props(r.Props)
	name := r.PhysicalID
	if changed(old, p, "AssumeRolePolicyDocument") {
		if _, err := d.iam.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: &name, PolicyDocument: aws.String(p.doc("AssumeRolePolicyDocument"))}); err != nil {
			return nil, err
		}
	}
	if changed(old, p, "Description", "MaxSessionDuration") {
		maxDur, err := p.i32p("MaxSessionDuration")
		if err != nil {
			return nil, err
		}
		desc := p.strp("Description")
		if desc == nil {
			desc = aws.String("")
		}
		if _, err := d.iam.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: &name, Description: desc, MaxSessionDuration: maxDur}); err != nil {
			return nil, err
		}
	}
	if changed(old, p, "PermissionsBoundary") {
		var err error
		if b := p.str("PermissionsBoundary"); b != "" {
			_, err = d.iam.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: &name, PermissionsBoundary: &b})
		} else {
			_, err = d.iam.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: &name})
		}
		if err != nil {
			return nil, err
		}
	}
	return nil, syncRolePolicies(ctx, d, name, old, p)
}

func deleteRole(ctx context.Context, d *deployer, st *stack, r *resource) error {
	name := r.PhysicalID
	pols, err := d.iam.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: &name})
	if errCode(err) == "NoSuchEntity" {
		return nil
	}
	if err != nil {
		return err
	}
	for _, pn := range pols.PolicyNames {
		if _, err := d.iam.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: &name, PolicyName: aws.String(pn)}); ignoreCodes(err, "NoSuchEntity") != nil {
			return err
		}
	}
	att, err := d.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: &name})
	if err != nil {
		return err
	}
	for _, a := range att.AttachedPolicies {
		if _, err := d.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: &name, PolicyArn: a.PolicyArn}); ignoreCodes(err, "NoSuchEntity") != nil {
			return err
		}
	}
	_, err = d.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: &name})
	return ignoreCodes(err, "NoSuchEntity")
}

// putInline attaches an AWS::IAM::Policy to its roles and users, removing
// it from those the previous properties named and these do not.
func putInline(ctx context.Context, d *deployer, p, old props) error {
	name, doc := p.str("PolicyName"), p.doc("PolicyDocument")
	for _, role := range p.strs("Roles") {
		if _, err := d.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: &name, PolicyDocument: &doc}); err != nil {
			return err
		}
	}
	for _, user := range p.strs("Users") {
		if _, err := d.iam.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: &name, PolicyDocument: &doc}); err != nil {
			return err
		}
	}
	if old == nil {
		return nil
	}
	return deleteInline(ctx, d, old, p)
}

// deleteInline removes the policy old describes from its roles and users,
// except where keep (the new properties) still puts it.
func deleteInline(ctx context.Context, d *deployer, old, keep props) error {
	name := old.str("PolicyName")
	same := keep != nil && keep.str("PolicyName") == name
	for _, role := range old.strs("Roles") {
		if same && contains(keep.strs("Roles"), role) {
			continue
		}
		if _, err := d.iam.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(role), PolicyName: &name}); ignoreCodes(err, "NoSuchEntity") != nil {
			return err
		}
	}
	for _, user := range old.strs("Users") {
		if same && contains(keep.strs("Users"), user) {
			continue
		}
		if _, err := d.iam.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String(user), PolicyName: &name}); ignoreCodes(err, "NoSuchEntity") != nil {
			return err
		}
	}
	return nil
}

func createManagedPolicy(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
	name := p.str("ManagedPolicyName")
	if name == "" {
		name = genName(st, id, 128, false)
	}
	out, err := d.iam.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: &name, PolicyDocument: aws.String(p.doc("PolicyDocument")),
		Path: p.strp("Path"), Description: p.strp("Description")})
	if err != nil {
		if errCode(err) == "EntityAlreadyExists" {
			return "", nil, alreadyExists("AWS::IAM::ManagedPolicy", name)
		}
		return "", nil, err
	}
	arn := aws.ToString(out.Policy.Arn)
	if err := attachManaged(ctx, d, arn, nil, p); err != nil {
		deleteManagedPolicy(ctx, d, st, &resource{PhysicalID: arn, Props: p})
		return "", nil, err
	}
	return arn, map[string]any{"PolicyArn": arn, "PolicyId": aws.ToString(out.Policy.PolicyId), "DefaultVersionId": aws.ToString(out.Policy.DefaultVersionId)}, nil
}

func attachManaged(ctx context.Context, d *deployer, arn string, old, p props) error {
	addR, remR := diffStrings(old.strs("Roles"), p.strs("Roles"))
	addU, remU := diffStrings(old.strs("Users"), p.strs("Users"))
	for _, r := range addR {
		if _, err := d.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(r), PolicyArn: &arn}); err != nil {
			return err
		}
	}
	for _, u := range addU {
		if _, err := d.iam.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(u), PolicyArn: &arn}); err != nil {
			return err
		}
	}
	for _, r := range remR {
		if _, err := d.iam.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(r), PolicyArn: &arn}); ignoreCodes(err, "NoSuchEntity") != nil {
			return err
		}
	}
	for _, u := range remU {
		if _, err := d.iam.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String(u), PolicyArn: &arn}); ignoreCodes(err, "NoSuchEntity") != nil {
			return err
		}
	}
	return nil
}

func updateManagedPolicy(ctx context.Context, d *deployer, st *stack, r *resource, p props) (map[string]any, error) {
	old := props(r.Props)
	arn := r.PhysicalID
	attrs := map[string]any{}
	if changed(old, p, "PolicyDocument") {
		// IAM keeps five versions: drop the oldest non-default first.
		vs, err := d.iam.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: &arn})
		if err != nil {
			return nil, err
		}
		if len(vs.Versions) >= 5 {
			for i := len(vs.Versions) - 1; i >= 0; i-- {
				if !vs.Versions[i].IsDefaultVersion {
					if _, err := d.iam.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: &arn, VersionId: vs.Versions[i].VersionId}); err != nil {
						return nil, err
					}
					break
				}
			}
		}
		out, err := d.iam.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: &arn, PolicyDocument: aws.String(p.doc("PolicyDocument")), SetAsDefault: true})
		if err != nil {
			return nil, err
		}
		attrs["DefaultVersionId"] = aws.ToString(out.PolicyVersion.VersionId)
	}
	return attrs, attachManaged(ctx, d, arn, old, p)
}

func deleteManagedPolicy(ctx context.Context, d *deployer, st *stack, r *resource) error {
	arn := r.PhysicalID
	if err := attachManaged(ctx, d, arn, props(r.Props), props{}); err != nil {
		return err
	}
	vs, err := d.iam.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: &arn})
	if errCode(err) == "NoSuchEntity" {
		return nil
	}
	if err != nil {
		return err
	}
	for _, v := range vs.Versions {
		if !v.IsDefaultVersion {
			if _, err := d.iam.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: &arn, VersionId: v.VersionId}); ignoreCodes(err, "NoSuchEntity") != nil {
				return err
			}
		}
	}
	_, err = d.iam.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: &arn})
	return ignoreCodes(err, "NoSuchEntity")
}
