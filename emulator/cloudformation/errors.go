// This file holds CloudFormation's errors for a missing stack (a
// ValidationError, as CloudFormation answers) and a missing change set
// (ChangeSetNotFound; AWS CloudFormation API Reference, DescribeChangeSet).

package cloudformation

import (
	"net/http"

	"github.com/xacct/xacct/emulator/awserr"
)

func errNoStack(name string) error {
	return awserr.Validation("Stack with id %s does not exist", name)
}

func errNoChangeSet(name string) error {
	return awserr.New(http.StatusNotFound, "ChangeSetNotFound", "ChangeSet [%s] does not exist", name)
}
