package crossaccount_test

import (
	"fmt"

	"github.com/xacct/xacct/crossaccount"
)

// Validate and build role ARNs before any AWS call.
func Example() {
	arn, err := crossaccount.BuildRoleARN("222222222222", "external-role")
	fmt.Println(arn, err)
	_, err = crossaccount.BuildRoleARN("12345", "external-role")
	fmt.Println(crossaccount.IsInvalidInput(err), err)
	r, _ := crossaccount.ParseRoleARN("arn:aws-cn:iam::222222222222:role/team/reader")
	fmt.Println(r.Partition, r.Account, r.Path, r.Name)
	// Output:
	// arn:aws:iam::222222222222:role/external-role <nil>
	// true invalid account id "12345": an AWS account id has exactly 12 digits
	// aws-cn 222222222222 /team/ reader
}
