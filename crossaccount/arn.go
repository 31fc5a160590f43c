package crossaccount

import (
	"fmt"
	"strings"
)

// Partitions a role ARN may name.
var partitions = map[string]bool{"aws": true, "aws-cn": true, "aws-us-gov": true}

// ValidateAccountID checks that id is a 12-digit AWS account id.
func ValidateAccountID(id string) error {
	if len(id) != 12 {
		return &Error{Kind: KindInvalidInput, Err: fmt.Errorf("invalid account id %q: an AWS account id has exactly 12 digits", id)}
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return &Error{Kind: KindInvalidInput, Err: fmt.Errorf("invalid account id %q: an AWS account id has only digits", id)}
		}
	}
	return nil
}

// validRoleName reports whether n is a valid IAM role name: 1-64 of
// [\w+=,.@-] (IAM API Reference, CreateRole).
func validRoleName(n string) bool {
	if n == "" || len(n) > 64 {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_+=,.@-", c) >= 0) {
			return false
		}
	}
	return true
}

// RoleARN is a parsed IAM role ARN.
type RoleARN struct {
	Partition string // aws, aws-cn or aws-us-gov
	Account   string
	Path      string // "/" or "/a/b/"
	Name      string
}

// String returns arn:PARTITION:iam::ACCOUNT:role/PATH/NAME.
func (r RoleARN) String() string {
	p := r.Path
	if p == "" {
		p = "/"
	}
	return "arn:" + r.Partition + ":iam::" + r.Account + ":role" + p + r.Name
}

// ParseRoleARN validates and splits an IAM role ARN.
func ParseRoleARN(arn string) (RoleARN, error) {
	bad := func(why string) (RoleARN, error) {
		return RoleARN{}, &Error{Kind: KindInvalidInput, RoleARN: arn, Err: fmt.Errorf("invalid role ARN %q: %s", arn, why)}
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return bad("want arn:PARTITION:iam::ACCOUNT:role/NAME")
	}
	if !partitions[parts[1]] {
		return bad("unknown partition " + strconvQuote(parts[1]) + " (want aws, aws-cn or aws-us-gov)")
	}
	if parts[2] != "iam" || parts[3] != "" {
		return bad("not an IAM ARN (want arn:PARTITION:iam::ACCOUNT:role/NAME)")
	}
	if err := ValidateAccountID(parts[4]); err != nil {
		return bad("the account id must have 12 digits")
	}
	res, ok := strings.CutPrefix(parts[5], "role/")
	if !ok {
		return bad("not a role (the resource must start with role/)")
	}
	i := strings.LastIndexByte(res, '/')
	path, name := "/"+res[:i+1], res[i+1:]
	if i < 0 {
		path = "/"
	}
	if !validRoleName(name) {
		return bad("invalid role name " + strconvQuote(name))
	}
	return RoleARN{Partition: parts[1], Account: parts[4], Path: path, Name: name}, nil
}

// BuildRoleARN returns the ARN of role name (optionally "path/name") in
// account, in the aws partition unless partition is given.
func BuildRoleARN(account, name string, partition ...string) (string, error) {
	if err := ValidateAccountID(account); err != nil {
		return "", err
	}
	p := "aws"
	if len(partition) > 0 && partition[0] != "" {
		p = partition[0]
	}
	if !partitions[p] {
		return "", &Error{Kind: KindInvalidInput, Err: fmt.Errorf("unknown partition %q (want aws, aws-cn or aws-us-gov)", p)}
	}
	r, err := ParseRoleARN("arn:" + p + ":iam::" + account + ":role/" + strings.TrimPrefix(name, "/"))
	if err != nil {
		return "", err
	}
	return r.String(), nil
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

// roleOfSession turns an assumed-role ARN into the ARN of its role (path
// unknown, so "/"): arn:aws:sts::111:assumed-role/NAME/SESSION →
// arn:aws:iam::111:role/NAME.
func roleOfSession(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "sts" {
		return ""
	}
	res, ok := strings.CutPrefix(parts[5], "assumed-role/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(res, "/")
	return "arn:" + parts[1] + ":iam::" + parts[4] + ":role/" + name
}
