package emulator_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/xacct/xacct/emulatortest"
)

// TestIAMListPaging: every IAM List operation honours Marker and MaxItems,
// so the SDK's paginators see every item exactly once; MaxItems outside
// 1..1000 is refused.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html (Marker, MaxItems, IsTruncated)
// https://docs.aws.amazon.com/IAM/latest/APIReference/CommonParameters.html
func TestIAMListPaging(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := iam.NewFromConfig(srv.Config(home))
	const roles = 130
	for i := 0; i < roles; i++ {
		name := fmt.Sprintf("role-%03d", i)
		if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(lambdaTrust)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 12; i++ {
		c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("user-%02d", i))})
		c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("role-000"), PolicyName: aws.String(fmt.Sprintf("p%02d", i)),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}`)})
		mp, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(fmt.Sprintf("m%02d", i)),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}`)})
		if err != nil {
			t.Fatal(err)
		}
		if i < 10 {
			c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("role-000"), PolicyArn: mp.Policy.Arn})
		}
	}
	var tags []iamtypes.Tag
	for i := 0; i < 9; i++ {
		tags = append(tags, iamtypes.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")})
	}
	c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("role-000"), Tags: tags})

	// The default page size (100) and an explicit one.
	for _, max := range []*int32{nil, aws.Int32(7)} {
		seen := map[string]bool{}
		pages := 0
		p := iam.NewListRolesPaginator(c, &iam.ListRolesInput{MaxItems: max})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if pages++; pages > 100 {
				t.Fatal("ListRoles paginator does not end")
			}
			for _, r := range out.Roles {
				if seen[*r.RoleName] {
					t.Fatalf("role %s listed twice", *r.RoleName)
				}
				seen[*r.RoleName] = true
			}
		}
		if len(seen) != roles {
			t.Errorf("MaxItems %v: ListRoles paginator saw %d roles, want %d", aws.ToInt32(max), len(seen), roles)
		}
	}

	count := func(name string, next func() (int, bool, error)) {
		t.Helper()
		total, pages := 0, 0
		for more := true; more; {
			n, m, err := next()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if n > 5 {
				t.Errorf("%s: page of %d, want at most 5", name, n)
			}
			total += n
			more = m
			if pages++; pages > 50 {
				t.Fatalf("%s does not end", name)
			}
		}
		if total == 0 || pages < 2 {
			t.Errorf("%s: %d items in %d pages, want several pages", name, total, pages)
		}
	}
	five := aws.Int32(5)
	users := iam.NewListUsersPaginator(c, &iam.ListUsersInput{MaxItems: five})
	count("ListUsers", func() (int, bool, error) {
		o, err := users.NextPage(ctx)
		return lenOr(o, err, func() int { return len(o.Users) }), users.HasMorePages(), err
	})
	inline := iam.NewListRolePoliciesPaginator(c, &iam.ListRolePoliciesInput{RoleName: aws.String("role-000"), MaxItems: five})
	count("ListRolePolicies", func() (int, bool, error) {
		o, err := inline.NextPage(ctx)
		return lenOr(o, err, func() int { return len(o.PolicyNames) }), inline.HasMorePages(), err
	})
	attached := iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("role-000"), MaxItems: five})
	count("ListAttachedRolePolicies", func() (int, bool, error) {
		o, err := attached.NextPage(ctx)
		return lenOr(o, err, func() int { return len(o.AttachedPolicies) }), attached.HasMorePages(), err
	})
	policies := iam.NewListPoliciesPaginator(c, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal, MaxItems: five})
	count("ListPolicies", func() (int, bool, error) {
		o, err := policies.NextPage(ctx)
		return lenOr(o, err, func() int { return len(o.Policies) }), policies.HasMorePages(), err
	})
	roleTags := iam.NewListRoleTagsPaginator(c, &iam.ListRoleTagsInput{RoleName: aws.String("role-000"), MaxItems: five})
	count("ListRoleTags", func() (int, bool, error) {
		o, err := roleTags.NextPage(ctx)
		return lenOr(o, err, func() int { return len(o.Tags) }), roleTags.HasMorePages(), err
	})

	for _, bad := range []int32{0, 1001} {
		if _, err := c.ListRoles(ctx, &iam.ListRolesInput{MaxItems: aws.Int32(bad)}); apiCode(err) != "ValidationError" {
			t.Errorf("MaxItems %d: got %v, want ValidationError", bad, err)
		}
	}
}

// lenOr returns n() when err is nil and out is not.
func lenOr[T any](out *T, err error, n func() int) int {
	if err != nil || out == nil {
		return 0
	}
	return n()
}
