package s3

import (
	"encoding/xml"
	"net/http"
	"strings"
)

// BucketEncryption is a bucket's default encryption configuration (Amazon
// S3 API Reference, ServerSideEncryptionRule): SSE-S3 (AES256), SSE-KMS
// (aws:kms) or DSSE-KMS (aws:kms:dsse).
type BucketEncryption struct {
	SSEAlgorithm string
	// KMSMasterKeyID is the KMS key of an aws:kms or aws:kms:dsse default
	// as it was given (key id, key ARN, alias name or alias ARN; "" for
	// the bucket owner's aws/s3). S3 does not check it when it is set:
	// writes fail when it names no usable key.
	KMSMasterKeyID   string `json:",omitempty"`
	BucketKeyEnabled bool
	// BlockedEncryptionTypes is NONE or SSE-C (Amazon S3 API Reference,
	// BlockedEncryptionTypes); SSE-C blocks writes with a customer key.
	BlockedEncryptionTypes []string `json:",omitempty"`
}

// BlocksSSEC reports whether writes with a customer key are refused.
func (e *BucketEncryption) BlocksSSEC() bool {
	for _, t := range e.BlockedEncryptionTypes {
		if t == "SSE-C" {
			return true
		}
	}
	return false
}

type encryptionConfigXML struct {
	XMLName xml.Name            `xml:"ServerSideEncryptionConfiguration"`
	Xmlns   string              `xml:"xmlns,attr,omitempty"`
	Rules   []encryptionRuleXML `xml:"Rule"`
}

type encryptionRuleXML struct {
	Default *struct {
		SSEAlgorithm   string `xml:"SSEAlgorithm"`
		KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
	} `xml:"ApplyServerSideEncryptionByDefault"`
	Blocked *struct {
		Types []string `xml:"EncryptionType"`
	} `xml:"BlockedEncryptionTypes,omitempty"`
	BucketKeyEnabled *bool `xml:"BucketKeyEnabled"`
}

// getBucketEncryption answers the bucket's configuration, or S3's default
// (SSE-S3 without a bucket key) for a bucket never configured or whose
// configuration was deleted (Amazon S3 API Reference, GetBucketEncryption:
// "By default, all buckets have a default encryption configuration that
// uses server-side encryption with Amazon S3 managed keys (SSE-S3)").
func (s *Service) getBucketEncryption(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:GetEncryptionConfiguration", b, pol, "", nil); err != nil {
		return err
	}
	e := b.Encryption
	if e == nil {
		e = &BucketEncryption{SSEAlgorithm: sseS3}
	}
	r := encryptionRuleXML{BucketKeyEnabled: &e.BucketKeyEnabled}
	r.Default = &struct {
		SSEAlgorithm   string `xml:"SSEAlgorithm"`
		KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
	}{SSEAlgorithm: e.SSEAlgorithm, KMSMasterKeyID: e.KMSMasterKeyID}
	if len(e.BlockedEncryptionTypes) > 0 {
		r.Blocked = &struct {
			Types []string `xml:"EncryptionType"`
		}{Types: e.BlockedEncryptionTypes}
	}
	return q.writeXML(http.StatusOK, encryptionConfigXML{Xmlns: xmlns, Rules: []encryptionRuleXML{r}})
}

// putBucketEncryption stores a default encryption (Amazon S3 API
// Reference, PutBucketEncryption): one rule; AES256 with no KMS key, or
// aws:kms/aws:kms:dsse with an optional KMSMasterKeyID, which S3 stores
// without checking it ("Amazon S3 does not validate the KMS key ID
// provided in PutBucketEncryption requests"); other algorithms are not in
// the schema.
func (s *Service) putBucketEncryption(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:PutEncryptionConfiguration", b, pol, "", nil); err != nil {
		return err
	}
	var x encryptionConfigXML
	if err := decodeXMLBody(q, &x); err != nil {
		return err
	}
	e, err := parseBucketEncryption(x, s.opts.KMS != nil)
	if err != nil {
		return err
	}
	return s.updateBucket(q, func(bs *bucketState) { bs.Encryption = e }, http.StatusOK)
}

// parseBucketEncryption reads PutBucketEncryption's body; withKMS is
// whether SSE-KMS defaults can be served (a KMS is wired).
func parseBucketEncryption(x encryptionConfigXML, withKMS bool) (*BucketEncryption, error) {
	if len(x.Rules) != 1 {
		return nil, errMalformedXML()
	}
	r := x.Rules[0]
	e := &BucketEncryption{SSEAlgorithm: sseS3}
	if r.BucketKeyEnabled != nil {
		e.BucketKeyEnabled = *r.BucketKeyEnabled
	}
	if d := r.Default; d != nil {
		switch d.SSEAlgorithm {
		case sseS3:
			if d.KMSMasterKeyID != "" {
				return nil, errInvalidArgument("a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse", "ApplyServerSideEncryptionByDefault", "")
			}
		case sseKMS, sseKMSDSSE:
			if !withKMS {
				return nil, errNotImplemented("SSEAlgorithm " + d.SSEAlgorithm)
			}
			e.SSEAlgorithm, e.KMSMasterKeyID = d.SSEAlgorithm, strings.TrimSpace(d.KMSMasterKeyID)
		default:
			return nil, errMalformedXML()
		}
	}
	if r.Blocked != nil {
		for _, t := range r.Blocked.Types {
			if t != "NONE" && t != "SSE-C" {
				return nil, errMalformedXML()
			}
		}
		e.BlockedEncryptionTypes = r.Blocked.Types
	}
	return e, nil
}

// deleteBucketEncryption resets the default to SSE-S3 (Amazon S3 API
// Reference, DeleteBucketEncryption); it needs
// s3:PutEncryptionConfiguration.
func (s *Service) deleteBucketEncryption(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:PutEncryptionConfiguration", b, pol, "", nil); err != nil {
		return err
	}
	return s.updateBucket(q, func(bs *bucketState) { bs.Encryption = nil }, http.StatusNoContent)
}

type policyStatusXML struct {
	XMLName  xml.Name `xml:"PolicyStatus"`
	Xmlns    string   `xml:"xmlns,attr"`
	IsPublic bool     `xml:"IsPublic"`
}

// getBucketPolicyStatus answers whether the bucket policy makes the bucket
// public, as S3 judges it (isPublic, public.go; Amazon S3 User Guide, "The
// meaning of 'public'"). A bucket without a policy is NoSuchBucketPolicy.
// The status describes the policy itself: Block Public Access settings do
// not change it.
func (s *Service) getBucketPolicyStatus(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(q, "s3:GetBucketPolicyStatus", b, pol, "", nil); err != nil {
		return err
	}
	if strings.TrimSpace(b.Policy) == "" || pol == nil {
		return errNoSuchBucketPolicy(q.bucket)
	}
	return q.writeXML(http.StatusOK, policyStatusXML{Xmlns: xmlns, IsPublic: isPublic(pol)})
}
