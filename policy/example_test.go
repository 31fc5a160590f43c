package policy_test

import (
	"fmt"

	"github.com/xacct/xacct/policy"
)

// The seeds' cross-account AssumeRole: the execution role's identity policy
// and the target role's trust policy must both allow it.
func Example() {
	identity, _ := policy.Parse(`{
	  "Version": "2012-10-17",
	  "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole",
	                "Resource": "arn:aws:iam::222222222222:role/role-on-source-account"}
	}`, policy.KindIdentity)
	trust, _ := policy.Parse(`{
	  "Version": "2012-10-17",
	  "Statement": [{"Effect": "Allow",
	                 "Principal": {"AWS": "arn:aws:iam::111111111111:role/my-lambda-execution-role"},
	                 "Action": "sts:AssumeRole"}]
	}`, policy.KindTrust)

	req := &policy.Request{
		Principal: policy.Principal{
			Type:    policy.PrincipalAssumedRole,
			ARN:     "arn:aws:sts::111111111111:assumed-role/my-lambda-execution-role/fn",
			Account: "111111111111",
			RoleARN: "arn:aws:iam::111111111111:role/my-lambda-execution-role",
		},
		Action:          "sts:AssumeRole",
		Resource:        "arn:aws:iam::222222222222:role/role-on-source-account",
		ResourceAccount: "222222222222",
	}
	d := policy.Evaluate(req, &policy.Set{
		Identity: []policy.Named{{Name: "assume-target", Policy: identity}},
		Resource: &policy.Named{Name: "trust policy", Policy: trust},
	})
	fmt.Println(d.Effect)

	// Without the identity permission (step 1 of the seeds):
	d = policy.Evaluate(req, &policy.Set{Resource: &policy.Named{Name: "trust policy", Policy: trust}})
	fmt.Println(d.Effect, "-", d.Explain())
	// Output:
	// allowed
	// implicitDeny - implicitly denied: no identity-based policy allows the action
}
