package iam

import (
	"github.com/xacct/xacct/policy"
	"github.com/xacct/xacct/policy/awsmanaged"
)

// awsManagedPolicies loads the AWS managed policies of the catalogue, keyed
// by ARN. They are the same in every account, as in AWS.
func awsManagedPolicies() map[string]*ManagedPolicy {
	all, err := awsmanaged.All()
	if err != nil {
		panic(err) // embedded at build time; covered by awsmanaged's tests
	}
	out := make(map[string]*ManagedPolicy, len(all))
	for _, p := range all {
		parsed, err := policy.Parse(p.Document, policy.KindIdentity)
		if err != nil {
			panic(err) // embedded at build time; covered by awsmanaged's tests
		}
		out[p.ARN] = &ManagedPolicy{
			Account:    "aws",
			Path:       p.Path,
			Name:       p.Name,
			ID:         NewPolicyID(),
			ARN:        p.ARN,
			CreateDate: p.CreateDate,
			UpdateDate: p.CreateDate,
			Versions: []PolicyVersion{{
				ID:         p.VersionID,
				Doc:        Doc{Text: p.Document, parsed: parsed},
				IsDefault:  true,
				CreateDate: p.CreateDate,
			}},
		}
	}
	return out
}
