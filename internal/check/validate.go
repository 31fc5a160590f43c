package check

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/xacct/xacct/policy"
	"github.com/xacct/xacct/policy/awsmanaged"
)

// validate checks every policy document of the templates, whether or not
// a function uses it, as IAM would when the stack creates it (the policy
// engine's parser: JSON, Effect, elements, condition operators, ...), and
// warns about actions that look misspelt.
func (a *analysis) validate() {
	for _, d := range a.m.docs {
		if _, err := policy.Parse(d.doc, d.kind); err != nil {
			a.add(Finding{Severity: Error, Code: "MalformedPolicy", Role: d.role, Template: d.file, Resource: d.resource,
				Message: fmt.Sprintf("%s%s: %v (IAM refuses it: the stack would fail)", d.name, ofRole(d.role), err)})
			continue
		}
		for _, st := range statements(d.doc) {
			for _, key := range []string{"Action", "NotAction"} {
				for _, act := range strs(st[key]) {
					if msg := unknownAction(act); msg != "" {
						a.add(Finding{Severity: Warning, Code: "UnknownAction", Role: d.role, Template: d.file, Resource: d.resource,
							Message: fmt.Sprintf("%s%s: %s", d.name, ofRole(d.role), msg)})
					}
				}
			}
		}
	}
}

func ofRole(arn string) string {
	if arn == "" {
		return ""
	}
	return " of " + arn
}

var actionRE = regexp.MustCompile(`^[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+$`)

// unknownAction says why act is not an action IAM would match anything
// with, or "". An action is "service:Name" with wildcards; one that is not
// in xacct's catalogue but a letter or two away from one there is taken
// for a typo (IAM accepts unknown actions silently, and they never match).
func unknownAction(act string) string {
	if act == "*" {
		return ""
	}
	if !actionRE.MatchString(act) {
		return fmt.Sprintf("%q is not an action (service:Action, with * and ? as wildcards)", act)
	}
	if strings.ContainsAny(act, "*?") {
		return ""
	}
	svc, name, _ := strings.Cut(strings.ToLower(act), ":")
	known := catalogue()[svc]
	if known == nil || known[name] != "" {
		return ""
	}
	best, bestD := "", 3
	for lower, spelt := range known {
		if d := editDistance(name, lower); d < bestD || (d == bestD && spelt < best) {
			best, bestD = spelt, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("unknown action %s (did you mean %s:%s?): IAM accepts it, but it matches nothing", act, svc, best)
}

// catalogue returns the actions xacct knows, by service prefix, lower
// case to spelling: those of the AWS managed policies it carries and
// those the emulator authorizes. It is not every action of AWS: an
// action outside it is reported only when it is a near miss of one in it.
func catalogue() map[string]map[string]string {
	out := map[string]map[string]string{}
	add := func(act string) {
		svc, name, ok := strings.Cut(act, ":")
		if !ok || strings.ContainsAny(name, "*?") {
			return
		}
		svc = strings.ToLower(svc)
		if out[svc] == nil {
			out[svc] = map[string]string{}
		}
		out[svc][strings.ToLower(name)] = name
	}
	for _, a := range knownActions {
		add(a)
	}
	if all, err := awsmanaged.All(); err == nil {
		for _, p := range all {
			for _, st := range statements(p.Document) {
				for _, a := range strs(st["Action"]) {
					add(a)
				}
			}
		}
	}
	return out
}

// knownActions are the actions the emulator's services authorize, and
// the common ones of the services SAM event sources use.
// https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
var knownActions = strings.Fields(`
s3:AbortMultipartUpload s3:CreateBucket s3:DeleteBucket s3:DeleteBucketPolicy s3:DeleteObject s3:DeleteObjectVersion
s3:DeleteObjectTagging s3:DeleteObjectVersionTagging s3:GetBucketAcl s3:GetBucketLocation s3:GetBucketOwnershipControls
s3:GetBucketPolicy s3:GetBucketPublicAccessBlock s3:GetBucketVersioning s3:GetLifecycleConfiguration s3:GetObject
s3:GetObjectAcl s3:GetObjectTagging s3:GetObjectVersion s3:GetObjectVersionTagging s3:ListAllMyBuckets s3:ListBucket
s3:ListBucketVersions s3:ListBucketMultipartUploads s3:ListMultipartUploadParts s3:PutBucketAcl s3:PutBucketOwnershipControls
s3:PutBucketPolicy s3:PutBucketPublicAccessBlock s3:PutLifecycleConfiguration s3:PutObject s3:PutObjectAcl
s3:PutObjectTagging s3:PutObjectVersionTagging s3:PutBucketNotification s3:GetBucketNotification
sts:AssumeRole sts:TagSession sts:SetSourceIdentity sts:GetCallerIdentity sts:GetAccessKeyInfo sts:GetSessionToken
sts:AssumeRoleWithWebIdentity sts:AssumeRoleWithSAML
iam:AttachRolePolicy iam:AttachUserPolicy iam:CreateAccessKey iam:CreatePolicy iam:CreatePolicyVersion iam:CreateRole
iam:CreateUser iam:DeleteAccessKey iam:DeletePolicy iam:DeletePolicyVersion iam:DeleteRole iam:DeleteRolePermissionsBoundary
iam:DeleteRolePolicy iam:DeleteUser iam:DeleteUserPermissionsBoundary iam:DeleteUserPolicy iam:DetachRolePolicy
iam:DetachUserPolicy iam:GetPolicy iam:GetPolicyVersion iam:GetRole iam:GetRolePolicy iam:GetUser iam:GetUserPolicy
iam:ListAccessKeys iam:ListAttachedRolePolicies iam:ListAttachedUserPolicies iam:ListPolicies iam:ListPolicyVersions
iam:ListRolePolicies iam:ListRoleTags iam:ListRoles iam:ListUserPolicies iam:ListUserTags iam:ListUsers iam:PassRole
iam:PutRolePermissionsBoundary iam:PutRolePolicy iam:PutUserPermissionsBoundary iam:PutUserPolicy iam:SetDefaultPolicyVersion
iam:SimulateCustomPolicy iam:SimulatePrincipalPolicy iam:TagRole iam:TagUser iam:UntagRole iam:UntagUser iam:UpdateAccessKey
iam:UpdateAssumeRolePolicy iam:UpdateRole iam:UpdateRoleDescription
lambda:AddPermission lambda:CreateFunction lambda:DeleteFunction lambda:GetFunction lambda:GetFunctionConfiguration
lambda:GetPolicy lambda:InvokeFunction lambda:ListFunctions lambda:RemovePermission lambda:UpdateFunctionCode
lambda:UpdateFunctionConfiguration
logs:CreateLogGroup logs:CreateLogStream logs:DeleteLogGroup logs:DeleteLogStream logs:DeleteRetentionPolicy
logs:DescribeLogGroups logs:DescribeLogStreams logs:FilterLogEvents logs:GetLogEvents logs:ListTagsLogGroup logs:PutLogEvents
logs:PutRetentionPolicy
sns:CreateTopic sns:DeleteTopic sns:ListSubscriptionsByTopic sns:ListTopics sns:Publish sns:SetTopicAttributes
sns:GetTopicAttributes sns:Subscribe sns:Unsubscribe
cloudwatch:DeleteAlarms cloudwatch:DescribeAlarms cloudwatch:PutMetricAlarm cloudwatch:PutMetricData cloudwatch:GetMetricData
cloudwatch:GetMetricStatistics cloudwatch:ListMetrics
sqs:SendMessage sqs:ReceiveMessage sqs:DeleteMessage sqs:GetQueueAttributes sqs:GetQueueUrl sqs:ChangeMessageVisibility
`)

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// trustAcrossTemplates warns when a trust policy names, as its principal,
// a role another of the templates creates: IAM checks that a principal
// exists when the trust policy is set ("Invalid principal in policy"), so
// that template must be deployed first, and recreating the role later
// silently breaks the trust (the policy then holds its old unique id).
// Trusting the account with a Condition on aws:PrincipalArn avoids both.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
func (a *analysis) trustAcrossTemplates() {
	arns := make([]string, 0, len(a.m.roles))
	for arn := range a.m.roles {
		arns = append(arns, arn)
	}
	sort.Strings(arns)
	for _, arn := range arns {
		r := a.m.roles[arn]
		for _, st := range statements(r.trust) {
			pr, _ := st["Principal"].(map[string]any)
			for _, p := range strs(pr["AWS"]) {
				other := a.m.roles[p]
				if other == nil || other.file == r.file {
					continue
				}
				a.add(Finding{Severity: Warning, Code: "TrustNamesRoleOfOtherTemplate", Role: r.arn, Template: r.file, Resource: r.id,
					Message: fmt.Sprintf("the trust policy of %s names %s, which %s creates: IAM refuses a trust policy naming a role that does not exist yet, so %s must be deployed first, and recreating that role breaks this trust; trust arn:aws:iam::%s:root with a Condition ArnEquals aws:PrincipalArn %s instead",
						r.arn, p, baseName(other.file), baseName(other.file), other.account, p)})
			}
		}
	}
}
