// Package cloudtrail is the emulated AWS CloudTrail: every management event
// (an API call that is not a data event such as S3 object reads and
// writes, Lambda Invoke or SNS Publish) is recorded in CloudTrail's record
// format in the account it belongs to, and served by LookupEvents.
//
// A cross-account call is recorded in both accounts, the caller's and the
// resource owner's, with one sharedEventID (IAM User Guide, "Logging IAM
// and AWS STS API calls with AWS CloudTrail": an STS call for temporary
// credentials "is logged in the calling account and the account where the
// AWS STS operation is performed"; CloudTrail User Guide, "CloudTrail
// record contents": sharedEventID).
package cloudtrail

import (
	"encoding/json"
	"strings"
	"time"
)

// EventVersion is the record format version written.
const EventVersion = "1.08"

// Event is one CloudTrail record (CloudTrail User Guide, "CloudTrail record
// contents for management, data, and network activity events").
type Event struct {
	EventVersion       string       `json:"eventVersion"`
	UserIdentity       UserIdentity `json:"userIdentity"`
	EventTime          time.Time    `json:"-"`
	EventSource        string       `json:"eventSource"`
	EventName          string       `json:"eventName"`
	AWSRegion          string       `json:"awsRegion"`
	SourceIPAddress    string       `json:"sourceIPAddress"`
	UserAgent          string       `json:"userAgent"`
	ErrorCode          string       `json:"errorCode,omitempty"`
	ErrorMessage       string       `json:"errorMessage,omitempty"`
	RequestParameters  any          `json:"requestParameters"`
	ResponseElements   any          `json:"responseElements"`
	RequestID          string       `json:"requestID"`
	EventID            string       `json:"eventID"`
	ReadOnly           bool         `json:"readOnly"`
	Resources          []Resource   `json:"resources,omitempty"`
	EventType          string       `json:"eventType"`
	ManagementEvent    bool         `json:"managementEvent"`
	RecipientAccountID string       `json:"recipientAccountId"`
	SharedEventID      string       `json:"sharedEventID,omitempty"`
	EventCategory      string       `json:"eventCategory"`
}

// MarshalJSON writes eventTime in CloudTrail's form (seconds, UTC).
func (e *Event) MarshalJSON() ([]byte, error) {
	type plain Event
	return json.Marshal(struct {
		*plain
		EventTime string `json:"eventTime"`
	}{(*plain)(e), e.EventTime.UTC().Format("2006-01-02T15:04:05Z")})
}

// UserIdentity is the record's userIdentity element (CloudTrail User
// Guide, "CloudTrail userIdentity element").
type UserIdentity struct {
	Type           string          `json:"type"`
	PrincipalID    string          `json:"principalId,omitempty"`
	ARN            string          `json:"arn,omitempty"`
	AccountID      string          `json:"accountId,omitempty"`
	AccessKeyID    string          `json:"accessKeyId,omitempty"`
	UserName       string          `json:"userName,omitempty"`
	InvokedBy      string          `json:"invokedBy,omitempty"`
	SessionContext *SessionContext `json:"sessionContext,omitempty"`
}

// SessionContext describes temporary credentials.
type SessionContext struct {
	SessionIssuer  *SessionIssuer    `json:"sessionIssuer,omitempty"`
	Attributes     SessionAttributes `json:"attributes"`
	SourceIdentity string            `json:"sourceIdentity,omitempty"`
}

// SessionIssuer is the role (or user) that issued the session.
type SessionIssuer struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"`
}

// SessionAttributes are the session's creation date and MFA state.
type SessionAttributes struct {
	CreationDate     string `json:"creationDate"`
	MFAAuthenticated string `json:"mfaAuthenticated"`
}

// Resource is one resource of an event.
type Resource struct {
	ARN       string `json:"ARN"`
	AccountID string `json:"accountId,omitempty"`
	Type      string `json:"type,omitempty"`
}

// ResourceType is the CloudFormation-style type CloudTrail names a
// resource ARN with ("AWS::IAM::Role", "AWS::S3::Bucket", ...), or "".
func ResourceType(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	svc, res := parts[2], parts[5]
	switch svc {
	case "iam":
		switch {
		case strings.HasPrefix(res, "role/"):
			return "AWS::IAM::Role"
		case strings.HasPrefix(res, "user/"):
			return "AWS::IAM::User"
		case strings.HasPrefix(res, "policy/"):
			return "AWS::IAM::Policy"
		}
	case "s3":
		if strings.Contains(res, "/") {
			return "AWS::S3::Object"
		}
		return "AWS::S3::Bucket"
	case "lambda":
		return "AWS::Lambda::Function"
	case "sns":
		return "AWS::SNS::Topic"
	case "logs":
		return "AWS::Logs::LogGroup"
	case "cloudformation":
		return "AWS::CloudFormation::Stack"
	case "cloudwatch":
		return "AWS::CloudWatch::Alarm"
	}
	return ""
}

// dataEvents are the operations CloudTrail records as data events, not
// management events; LookupEvents never returns them (CloudTrail User
// Guide, "Logging data events": S3 object-level operations, Lambda
// Invoke, SNS Publish; CloudWatch Logs and CloudWatch metric reads and
// writes are logged as data events too).
var dataEvents = map[string]map[string]bool{
	"s3": {"GetObject": true, "PutObject": true, "HeadObject": true, "DeleteObject": true, "DeleteObjects": true, "CopyObject": true,
		"CreateMultipartUpload": true, "UploadPart": true, "UploadPartCopy": true, "CompleteMultipartUpload": true, "AbortMultipartUpload": true,
		"ListParts": true, "GetObjectAcl": true, "PutObjectAcl": true, "GetObjectTagging": true, "PutObjectTagging": true, "DeleteObjectTagging": true,
		"GetObjectAttributes": true, "RestoreObject": true, "SelectObjectContent": true, "ListObjects": true, "ListObjectsV2": true, "ListObjectVersions": true,
		"ListMultipartUploads": true},
	"lambda":     {"Invoke": true, "InvokeWithResponseStream": true},
	"sns":        {"Publish": true, "PublishBatch": true},
	"logs":       {"PutLogEvents": true, "GetLogEvents": true, "FilterLogEvents": true, "StartQuery": true, "GetQueryResults": true},
	"monitoring": {"PutMetricData": true, "GetMetricData": true, "GetMetricStatistics": true, "ListMetrics": true},
}

// Management reports whether operation of the service (its signing name)
// is a management event.
func Management(service, operation string) bool {
	if operation == "" || service == "" {
		return false
	}
	return !dataEvents[service][operation]
}

// ReadOnly reports whether an operation only reads (CloudTrail's readOnly
// field): its name starts with Get, List, Describe, Head or Lookup.
func ReadOnly(operation string) bool {
	for _, p := range []string{"Get", "List", "Describe", "Head", "Lookup"} {
		if strings.HasPrefix(operation, p) {
			return true
		}
	}
	return false
}

// EventSource is the service's endpoint name as CloudTrail writes it.
func EventSource(signingName string) string {
	return signingName + ".amazonaws.com"
}
