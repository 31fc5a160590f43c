package kms

// Wire shapes of the AWS KMS API (AWS KMS API Reference, "Actions" and
// "Data Types"). Inputs are decoded case-insensitively by awsjson; blobs
// ([]byte) travel as base64, timestamps as epoch seconds.

// KeyIDIn is the input of the operations that take only a key.
type KeyIDIn struct {
	KeyId string
}

// CreateKeyIn is CreateKey's input.
type CreateKeyIn struct {
	Policy                         string
	Description                    string
	KeyUsage                       string
	CustomerMasterKeySpec          string
	KeySpec                        string
	Origin                         string
	BypassPolicyLockoutSafetyCheck bool
	MultiRegion                    bool
	Tags                           []Tag
}

// Tag is a key's tag.
type Tag struct {
	TagKey   string
	TagValue string
}

// KeyMetadata describes a key.
type KeyMetadata struct {
	AWSAccountId          string   `json:"AWSAccountId"`
	KeyId                 string   `json:"KeyId"`
	Arn                   string   `json:"Arn"`
	CreationDate          float64  `json:"CreationDate"`
	Enabled               bool     `json:"Enabled"`
	Description           string   `json:"Description"`
	KeyUsage              string   `json:"KeyUsage"`
	KeyState              string   `json:"KeyState"`
	DeletionDate          *float64 `json:"DeletionDate,omitempty"`
	Origin                string   `json:"Origin"`
	KeyManager            string   `json:"KeyManager"`
	CustomerMasterKeySpec string   `json:"CustomerMasterKeySpec"`
	KeySpec               string   `json:"KeySpec"`
	EncryptionAlgorithms  []string `json:"EncryptionAlgorithms"`
	MultiRegion           bool     `json:"MultiRegion"`
}

// KeyMetadataOut is the output of CreateKey and DescribeKey.
type KeyMetadataOut struct {
	KeyMetadata KeyMetadata `json:"KeyMetadata"`
}

// ListIn is the paging input of the List operations.
type ListIn struct {
	KeyId  string
	Limit  int
	Marker string
}

// KeyListEntry is one key of ListKeys.
type KeyListEntry struct {
	KeyId  string `json:"KeyId"`
	KeyArn string `json:"KeyArn"`
}

// ListKeysOut is ListKeys' output.
type ListKeysOut struct {
	Keys       []KeyListEntry `json:"Keys"`
	NextMarker string         `json:"NextMarker,omitempty"`
	Truncated  bool           `json:"Truncated"`
}

// AliasIn is the input of CreateAlias and UpdateAlias.
type AliasIn struct {
	AliasName   string
	TargetKeyId string
}

// AliasNameIn is DeleteAlias's input.
type AliasNameIn struct {
	AliasName string
}

// AliasListEntry is one alias of ListAliases.
type AliasListEntry struct {
	AliasName       string  `json:"AliasName"`
	AliasArn        string  `json:"AliasArn"`
	TargetKeyId     string  `json:"TargetKeyId,omitempty"`
	CreationDate    float64 `json:"CreationDate,omitempty"`
	LastUpdatedDate float64 `json:"LastUpdatedDate,omitempty"`
}

// ListAliasesOut is ListAliases' output.
type ListAliasesOut struct {
	Aliases    []AliasListEntry `json:"Aliases"`
	NextMarker string           `json:"NextMarker,omitempty"`
	Truncated  bool             `json:"Truncated"`
}

// KeyPolicyIn is the input of GetKeyPolicy and PutKeyPolicy.
type KeyPolicyIn struct {
	KeyId                          string
	PolicyName                     string
	Policy                         string
	BypassPolicyLockoutSafetyCheck bool
}

// GetKeyPolicyOut is GetKeyPolicy's output.
type GetKeyPolicyOut struct {
	Policy     string `json:"Policy"`
	PolicyName string `json:"PolicyName"`
}

// ScheduleDeletionIn is ScheduleKeyDeletion's input.
type ScheduleDeletionIn struct {
	KeyId               string
	PendingWindowInDays *int
}

// ScheduleDeletionOut is ScheduleKeyDeletion's output.
type ScheduleDeletionOut struct {
	KeyId               string  `json:"KeyId"`
	DeletionDate        float64 `json:"DeletionDate"`
	KeyState            string  `json:"KeyState"`
	PendingWindowInDays int     `json:"PendingWindowInDays"`
}

// KeyIDOut is the output holding only a key id (CancelKeyDeletion).
type KeyIDOut struct {
	KeyId string `json:"KeyId"`
}

// RotationOut is GetKeyRotationStatus's output.
type RotationOut struct {
	KeyRotationEnabled bool   `json:"KeyRotationEnabled"`
	KeyId              string `json:"KeyId"`
}

// EncryptIn is Encrypt's input.
type EncryptIn struct {
	KeyId               string
	Plaintext           []byte
	EncryptionContext   map[string]string
	GrantTokens         []string
	EncryptionAlgorithm string
	DryRun              bool
}

// EncryptOut is Encrypt's output.
type EncryptOut struct {
	CiphertextBlob      []byte `json:"CiphertextBlob"`
	KeyId               string `json:"KeyId"`
	EncryptionAlgorithm string `json:"EncryptionAlgorithm"`
}

// DecryptIn is Decrypt's input.
type DecryptIn struct {
	CiphertextBlob      []byte
	KeyId               string
	EncryptionContext   map[string]string
	GrantTokens         []string
	EncryptionAlgorithm string
	DryRun              bool
}

// DecryptOut is Decrypt's output.
type DecryptOut struct {
	KeyId               string `json:"KeyId"`
	Plaintext           []byte `json:"Plaintext"`
	EncryptionAlgorithm string `json:"EncryptionAlgorithm"`
}

// DataKeyIn is the input of GenerateDataKey and
// GenerateDataKeyWithoutPlaintext.
type DataKeyIn struct {
	KeyId             string
	KeySpec           string
	NumberOfBytes     *int
	EncryptionContext map[string]string
	GrantTokens       []string
	DryRun            bool
}

// DataKeyOut is GenerateDataKey's output (without Plaintext for
// GenerateDataKeyWithoutPlaintext).
type DataKeyOut struct {
	CiphertextBlob []byte `json:"CiphertextBlob"`
	Plaintext      []byte `json:"Plaintext,omitempty"`
	KeyId          string `json:"KeyId"`
}

// ReEncryptIn is ReEncrypt's input.
type ReEncryptIn struct {
	CiphertextBlob                 []byte
	SourceEncryptionContext        map[string]string
	SourceKeyId                    string
	DestinationKeyId               string
	DestinationEncryptionContext   map[string]string
	SourceEncryptionAlgorithm      string
	DestinationEncryptionAlgorithm string
	GrantTokens                    []string
	DryRun                         bool
}

// ReEncryptOut is ReEncrypt's output.
type ReEncryptOut struct {
	CiphertextBlob                 []byte `json:"CiphertextBlob"`
	SourceKeyId                    string `json:"SourceKeyId"`
	KeyId                          string `json:"KeyId"`
	SourceEncryptionAlgorithm      string `json:"SourceEncryptionAlgorithm"`
	DestinationEncryptionAlgorithm string `json:"DestinationEncryptionAlgorithm"`
}

// GrantConstraints limits a grant to requests with an encryption
// context: all of EncryptionContextSubset's pairs (and maybe others), or
// exactly EncryptionContextEquals.
type GrantConstraints struct {
	EncryptionContextSubset map[string]string `json:"EncryptionContextSubset,omitempty"`
	EncryptionContextEquals map[string]string `json:"EncryptionContextEquals,omitempty"`
}

// CreateGrantIn is CreateGrant's input.
type CreateGrantIn struct {
	KeyId             string
	GranteePrincipal  string
	RetiringPrincipal string
	Operations        []string
	Constraints       *GrantConstraints
	GrantTokens       []string
	Name              string
	DryRun            bool
}

// CreateGrantOut is CreateGrant's output.
type CreateGrantOut struct {
	GrantToken string `json:"GrantToken"`
	GrantId    string `json:"GrantId"`
}

// ListGrantsIn is ListGrants' input.
type ListGrantsIn struct {
	KeyId            string
	Limit            int
	Marker           string
	GrantId          string
	GranteePrincipal string
}

// GrantListEntry is one grant of ListGrants.
type GrantListEntry struct {
	KeyId             string            `json:"KeyId"`
	GrantId           string            `json:"GrantId"`
	Name              string            `json:"Name"`
	CreationDate      float64           `json:"CreationDate"`
	GranteePrincipal  string            `json:"GranteePrincipal"`
	RetiringPrincipal string            `json:"RetiringPrincipal,omitempty"`
	IssuingAccount    string            `json:"IssuingAccount"`
	Operations        []string          `json:"Operations"`
	Constraints       *GrantConstraints `json:"Constraints,omitempty"`
}

// ListGrantsOut is ListGrants' output.
type ListGrantsOut struct {
	Grants     []GrantListEntry `json:"Grants"`
	NextMarker string           `json:"NextMarker,omitempty"`
	Truncated  bool             `json:"Truncated"`
}

// RetireGrantIn is RetireGrant's input.
type RetireGrantIn struct {
	GrantToken string
	KeyId      string
	GrantId    string
	DryRun     bool
}

// RevokeGrantIn is RevokeGrant's input.
type RevokeGrantIn struct {
	KeyId   string
	GrantId string
	DryRun  bool
}

// TagResourceIn is TagResource's input.
type TagResourceIn struct {
	KeyId string
	Tags  []Tag
}

// UntagResourceIn is UntagResource's input.
type UntagResourceIn struct {
	KeyId   string
	TagKeys []string
}

// ListTagsOut is ListResourceTags' output.
type ListTagsOut struct {
	Tags       []Tag  `json:"Tags"`
	NextMarker string `json:"NextMarker,omitempty"`
	Truncated  bool   `json:"Truncated"`
}
