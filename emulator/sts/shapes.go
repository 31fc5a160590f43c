// This file holds the operations' input and output shapes (AWS STS API
// Reference, "Data Types" and each action's parameters).

package sts

import (
	"time"
)

// Tag is a session tag.
type Tag struct {
	Key   string
	Value string
}

// PolicyDescriptor names a managed session policy.
type PolicyDescriptor struct {
	Arn string `query:"name=arn"`
}

// AssumeRoleIn is AssumeRole's input.
type AssumeRoleIn struct {
	RoleArn           string
	RoleSessionName   string
	DurationSeconds   *int32
	ExternalId        *string
	Policy            *string
	PolicyArns        []PolicyDescriptor
	Tags              []Tag
	TransitiveTagKeys []string
	SourceIdentity    *string
	SerialNumber      string
	TokenCode         string
}

// Credentials is the Credentials shape.
type Credentials struct {
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// AssumedRoleUser is the AssumedRoleUser shape.
type AssumedRoleUser struct {
	AssumedRoleId string
	Arn           string
}

// AssumeRoleOut is AssumeRole's output.
type AssumeRoleOut struct {
	Credentials      Credentials
	AssumedRoleUser  AssumedRoleUser
	PackedPolicySize *int32
	SourceIdentity   string
}

// GetCallerIdentityIn is GetCallerIdentity's (empty) input.
type GetCallerIdentityIn struct{}

// GetCallerIdentityOut is GetCallerIdentity's output.
type GetCallerIdentityOut struct {
	UserId  string
	Account string
	Arn     string
}

// GetAccessKeyInfoIn is GetAccessKeyInfo's input.
type GetAccessKeyInfoIn struct{ AccessKeyId string }

// GetAccessKeyInfoOut is GetAccessKeyInfo's output.
type GetAccessKeyInfoOut struct{ Account string }

// GetSessionTokenIn is GetSessionToken's input.
type GetSessionTokenIn struct {
	DurationSeconds *int32
	SerialNumber    string
	TokenCode       string
}

// GetSessionTokenOut is GetSessionToken's output.
type GetSessionTokenOut struct {
	Credentials Credentials
}
