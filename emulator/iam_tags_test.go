package emulator_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/xacct/xacct/emulatortest"
)

// TestIAMTags: roles and users share one implementation of TagRole/TagUser,
// UntagRole/UntagUser and ListRoleTags/ListUserTags; each is checked
// through the SDK: a tag's value is replaced, untagging removes keys, more
// than 50 tags on one entity is LimitExceeded and changes nothing, and an
// unknown entity is NoSuchEntity.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_TagRole.html
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_TagUser.html
func TestIAMTags(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := iam.NewFromConfig(srv.Config(home))
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(lambdaTrust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}
	type ops struct {
		tag   func(name string, tags []iamtypes.Tag) error
		untag func(name string, keys []string) error
		list  func(name string) ([]iamtypes.Tag, error)
	}
	kinds := map[string]ops{
		"role": {
			tag: func(n string, tags []iamtypes.Tag) error {
				_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: &n, Tags: tags})
				return err
			},
			untag: func(n string, keys []string) error {
				_, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: &n, TagKeys: keys})
				return err
			},
			list: func(n string) ([]iamtypes.Tag, error) {
				out, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: &n})
				if err != nil {
					return nil, err
				}
				return out.Tags, nil
			},
		},
		"user": {
			tag: func(n string, tags []iamtypes.Tag) error {
				_, err := c.TagUser(ctx, &iam.TagUserInput{UserName: &n, Tags: tags})
				return err
			},
			untag: func(n string, keys []string) error {
				_, err := c.UntagUser(ctx, &iam.UntagUserInput{UserName: &n, TagKeys: keys})
				return err
			},
			list: func(n string) ([]iamtypes.Tag, error) {
				out, err := c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: &n})
				if err != nil {
					return nil, err
				}
				return out.Tags, nil
			},
		},
	}
	tag := func(k, v string) iamtypes.Tag { return iamtypes.Tag{Key: aws.String(k), Value: aws.String(v)} }
	keys := func(tags []iamtypes.Tag) []string {
		var out []string
		for _, t := range tags {
			out = append(out, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
		}
		slices.Sort(out)
		return out
	}
	code := func(err error) string {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return ae.ErrorCode()
		}
		return fmt.Sprint(err)
	}
	for kind, o := range kinds {
		name := kind[:1]
		t.Run(kind, func(t *testing.T) {
			if err := o.tag(name, []iamtypes.Tag{tag("a", "1"), tag("b", "2")}); err != nil {
				t.Fatal(err)
			}
			if err := o.tag(name, []iamtypes.Tag{tag("a", "3")}); err != nil {
				t.Fatal(err)
			}
			got, err := o.list(name)
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"a=3", "b=2"}; !slices.Equal(keys(got), want) {
				t.Errorf("after tagging: got %v, want %v", keys(got), want)
			}
			var many []iamtypes.Tag
			for i := 0; i < 49; i++ {
				many = append(many, tag(fmt.Sprintf("k%02d", i), "v"))
			}
			if err := o.tag(name, many); code(err) != "LimitExceeded" {
				t.Errorf("51 tags: got %v, want LimitExceeded", err)
			}
			if err := o.untag(name, []string{"b"}); err != nil {
				t.Fatal(err)
			}
			got, _ = o.list(name)
			if want := []string{"a=3"}; !slices.Equal(keys(got), want) {
				t.Errorf("after the refused tagging and untagging b: got %v, want %v", keys(got), want)
			}
			if err := o.tag("nobody", []iamtypes.Tag{tag("a", "1")}); code(err) != "NoSuchEntity" {
				t.Errorf("tagging an unknown %s: got %v, want NoSuchEntity", kind, err)
			}
			if _, err := o.list("nobody"); code(err) != "NoSuchEntity" {
				t.Errorf("listing an unknown %s's tags: got %v, want NoSuchEntity", kind, err)
			}
		})
	}
}

// TestIAMUntagTagKeysCondition: UntagRole and UntagUser carry the keys
// removed as aws:TagKeys (Service Authorization Reference, IAM: both list
// aws:TagKeys), so a policy allowing untagging only of the key "team"
// refuses removing "owner" from a role and from a user alike.
func TestIAMUntagTagKeysCondition(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	root := iam.NewFromConfig(srv.Config(home))
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(lambdaTrust)}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"u", "tagger"} {
		if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("tagger"), PolicyName: aws.String("untag-team"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:UntagRole","iam:UntagUser"],"Resource":"*",
			"Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}}}`)}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("tagger")})
	if err != nil {
		t.Fatal(err)
	}
	c := iam.NewFromConfig(srv.ConfigWith(aws.Credentials{AccessKeyID: *key.AccessKey.AccessKeyId, SecretAccessKey: *key.AccessKey.SecretAccessKey}))
	untag := map[string]func(keys ...string) error{
		"UntagRole": func(keys ...string) error {
			_, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("r"), TagKeys: keys})
			return err
		},
		"UntagUser": func(keys ...string) error {
			_, err := c.UntagUser(ctx, &iam.UntagUserInput{UserName: aws.String("u"), TagKeys: keys})
			return err
		},
	}
	for op, f := range untag {
		if err := f("team"); err != nil {
			t.Errorf("%s of team: %v", op, err)
		}
		var ae smithy.APIError
		if err := f("owner"); !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
			t.Errorf("%s of owner: got %v, want AccessDenied", op, err)
		}
	}
}
