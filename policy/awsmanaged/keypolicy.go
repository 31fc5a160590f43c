package awsmanaged

// DefaultKeyPolicy is the key policy AWS KMS gives a key created through
// the API (or CloudFormation) without one: it allows the account's root
// user every KMS action, which delegates the key to the account's IAM
// policies (AWS KMS Developer Guide, "Default key policy": "Allows access
// to the AWS account and enables IAM policies"). The layout is the one
// GetKeyPolicy returns. The emulated KMS gives it to new keys and `xacct
// check` evaluates it for keys whose template has no KeyPolicy.
func DefaultKeyPolicy(account string) string {
	return `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::` + account + `:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`
}
