package s3control

import "encoding/xml"

// The REST-XML documents of the Batch Operations operations (Amazon S3 API
// Reference, "Amazon S3 Control" actions and data types). They are wire
// shapes only: jobs.go converts them to and from Job.

const xmlns = "http://awss3control.amazonaws.com/doc/2018-08-20/"

type createJobRequest struct {
	XMLName              xml.Name              `xml:"CreateJobRequest"`
	ConfirmationRequired *bool                 `xml:"ConfirmationRequired"`
	Operation            *jobOperation         `xml:"Operation"`
	Report               *jobReport            `xml:"Report"`
	ClientRequestToken   string                `xml:"ClientRequestToken"`
	Manifest             *jobManifest          `xml:"Manifest"`
	Description          string                `xml:"Description"`
	Priority             *int32                `xml:"Priority"`
	RoleArn              string                `xml:"RoleArn"`
	Tags                 *tagList              `xml:"Tags"`
	ManifestGenerator    *jobManifestGenerator `xml:"ManifestGenerator"`
}

type jobOperation struct {
	LambdaInvoke    *lambdaInvokeOperation `xml:"LambdaInvoke,omitempty"`
	S3PutObjectCopy *copyObjectOperation   `xml:"S3PutObjectCopy,omitempty"`
	// Other operations are recognised so that they are refused by name.
	S3PutObjectTagging       *struct{} `xml:"S3PutObjectTagging,omitempty"`
	S3PutObjectAcl           *struct{} `xml:"S3PutObjectAcl,omitempty"`
	S3InitiateRestoreObject  *struct{} `xml:"S3InitiateRestoreObject,omitempty"`
	S3DeleteObjectTagging    *struct{} `xml:"S3DeleteObjectTagging,omitempty"`
	S3PutObjectLegalHold     *struct{} `xml:"S3PutObjectLegalHold,omitempty"`
	S3PutObjectRetention     *struct{} `xml:"S3PutObjectRetention,omitempty"`
	S3ReplicateObject        *struct{} `xml:"S3ReplicateObject,omitempty"`
	S3ComputeObjectChecksum  *struct{} `xml:"S3ComputeObjectChecksum,omitempty"`
	S3DeleteObject           *struct{} `xml:"S3DeleteObject,omitempty"`
	S3UpdateObjectEncryption *struct{} `xml:"S3UpdateObjectEncryption,omitempty"`
}

type lambdaInvokeOperation struct {
	FunctionArn             string         `xml:"FunctionArn"`
	InvocationSchemaVersion string         `xml:"InvocationSchemaVersion,omitempty"`
	UserArguments           *userArguments `xml:"UserArguments,omitempty"`
}

type userArguments struct {
	Entries []userArgument `xml:"entry"`
}

type userArgument struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type copyObjectOperation struct {
	TargetResource          string `xml:"TargetResource,omitempty"`
	TargetKeyPrefix         string `xml:"TargetKeyPrefix,omitempty"`
	CannedAccessControlList string `xml:"CannedAccessControlList,omitempty"`
	MetadataDirective       string `xml:"MetadataDirective,omitempty"`
	StorageClass            string `xml:"StorageClass,omitempty"`
}

type jobReport struct {
	Bucket      string `xml:"Bucket,omitempty"`
	Format      string `xml:"Format,omitempty"`
	Enabled     bool   `xml:"Enabled"`
	Prefix      string `xml:"Prefix,omitempty"`
	ReportScope string `xml:"ReportScope,omitempty"`
}

type jobManifest struct {
	Spec     manifestSpec     `xml:"Spec"`
	Location manifestLocation `xml:"Location"`
}

type manifestSpec struct {
	Format string     `xml:"Format"`
	Fields *fieldList `xml:"Fields,omitempty"`
}

type fieldList struct {
	Members []string `xml:"member"`
}

type manifestLocation struct {
	ObjectArn       string `xml:"ObjectArn"`
	ObjectVersionId string `xml:"ObjectVersionId,omitempty"`
	ETag            string `xml:"ETag"`
}

type jobManifestGenerator struct {
	S3JobManifestGenerator *s3ManifestGenerator `xml:"S3JobManifestGenerator,omitempty"`
}

type s3ManifestGenerator struct {
	ExpectedBucketOwner    string                  `xml:"ExpectedBucketOwner,omitempty"`
	SourceBucket           string                  `xml:"SourceBucket"`
	ManifestOutputLocation *manifestOutputLocation `xml:"ManifestOutputLocation,omitempty"`
	Filter                 *generatorFilter        `xml:"Filter,omitempty"`
	EnableManifestOutput   bool                    `xml:"EnableManifestOutput"`
}

type manifestOutputLocation struct {
	ExpectedManifestBucketOwner string `xml:"ExpectedManifestBucketOwner,omitempty"`
	Bucket                      string `xml:"Bucket"`
	ManifestPrefix              string `xml:"ManifestPrefix,omitempty"`
	ManifestFormat              string `xml:"ManifestFormat"`
}

type generatorFilter struct {
	KeyNameConstraint *keyNameConstraint `xml:"KeyNameConstraint,omitempty"`
	// Filters the emulator does not evaluate are refused by name.
	CreatedAfter               string    `xml:"CreatedAfter,omitempty"`
	CreatedBefore              string    `xml:"CreatedBefore,omitempty"`
	ObjectSizeGreaterThanBytes *int64    `xml:"ObjectSizeGreaterThanBytes,omitempty"`
	ObjectSizeLessThanBytes    *int64    `xml:"ObjectSizeLessThanBytes,omitempty"`
	MatchAnyStorageClass       *struct{} `xml:"MatchAnyStorageClass,omitempty"`
}

type keyNameConstraint struct {
	MatchAnyPrefix    *prefixList `xml:"MatchAnyPrefix,omitempty"`
	MatchAnySuffix    *prefixList `xml:"MatchAnySuffix,omitempty"`
	MatchAnySubstring *prefixList `xml:"MatchAnySubstring,omitempty"`
}

type prefixList struct {
	// The SDKs name the members after the list (Prefix, Suffix,
	// Substring); any member name is read.
	Items []string `xml:",any"`
}

type tagList struct {
	Members []s3Tag `xml:"member"`
}

type s3Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type createJobResult struct {
	XMLName xml.Name `xml:"CreateJobResult"`
	Xmlns   string   `xml:"xmlns,attr"`
	JobId   string   `xml:"JobId"`
}

type describeJobResult struct {
	XMLName xml.Name      `xml:"DescribeJobResult"`
	Xmlns   string        `xml:"xmlns,attr"`
	Job     jobDescriptor `xml:"Job"`
}

type jobDescriptor struct {
	JobId                string                `xml:"JobId"`
	ConfirmationRequired bool                  `xml:"ConfirmationRequired"`
	Description          string                `xml:"Description,omitempty"`
	JobArn               string                `xml:"JobArn"`
	Status               string                `xml:"Status"`
	Manifest             *jobManifest          `xml:"Manifest,omitempty"`
	Operation            *jobOperation         `xml:"Operation"`
	Priority             int32                 `xml:"Priority"`
	ProgressSummary      *progressSummary      `xml:"ProgressSummary,omitempty"`
	StatusUpdateReason   string                `xml:"StatusUpdateReason,omitempty"`
	FailureReasons       *failureList          `xml:"FailureReasons,omitempty"`
	Report               *jobReport            `xml:"Report,omitempty"`
	CreationTime         string                `xml:"CreationTime"`
	TerminationDate      string                `xml:"TerminationDate,omitempty"`
	RoleArn              string                `xml:"RoleArn"`
	SuspendedDate        string                `xml:"SuspendedDate,omitempty"`
	SuspendedCause       string                `xml:"SuspendedCause,omitempty"`
	ManifestGenerator    *jobManifestGenerator `xml:"ManifestGenerator,omitempty"`
}

type progressSummary struct {
	TotalNumberOfTasks     int64  `xml:"TotalNumberOfTasks"`
	NumberOfTasksSucceeded int64  `xml:"NumberOfTasksSucceeded"`
	NumberOfTasksFailed    int64  `xml:"NumberOfTasksFailed"`
	Timers                 timers `xml:"Timers"`
}

type timers struct {
	ElapsedTimeInActiveSeconds int64 `xml:"ElapsedTimeInActiveSeconds"`
}

type failureList struct {
	Members []jobFailure `xml:"member"`
}

type jobFailure struct {
	FailureCode   string `xml:"FailureCode"`
	FailureReason string `xml:"FailureReason"`
}

type listJobsResult struct {
	XMLName   xml.Name           `xml:"ListJobsResult"`
	Xmlns     string             `xml:"xmlns,attr"`
	NextToken string             `xml:"NextToken,omitempty"`
	Jobs      jobListDescriptors `xml:"Jobs"`
}

type jobListDescriptors struct {
	Members []jobListDescriptor `xml:"member"`
}

type jobListDescriptor struct {
	JobId           string           `xml:"JobId"`
	Description     string           `xml:"Description,omitempty"`
	Operation       string           `xml:"Operation"`
	Priority        int32            `xml:"Priority"`
	Status          string           `xml:"Status"`
	CreationTime    string           `xml:"CreationTime"`
	TerminationDate string           `xml:"TerminationDate,omitempty"`
	ProgressSummary *progressSummary `xml:"ProgressSummary,omitempty"`
}

type updateJobPriorityResult struct {
	XMLName  xml.Name `xml:"UpdateJobPriorityResult"`
	Xmlns    string   `xml:"xmlns,attr"`
	JobId    string   `xml:"JobId"`
	Priority int32    `xml:"Priority"`
}

type updateJobStatusResult struct {
	XMLName            xml.Name `xml:"UpdateJobStatusResult"`
	Xmlns              string   `xml:"xmlns,attr"`
	JobId              string   `xml:"JobId"`
	Status             string   `xml:"Status"`
	StatusUpdateReason string   `xml:"StatusUpdateReason,omitempty"`
}

type putJobTaggingRequest struct {
	XMLName xml.Name `xml:"PutJobTaggingRequest"`
	Tags    tagList  `xml:"Tags"`
}

type getJobTaggingResult struct {
	XMLName xml.Name `xml:"GetJobTaggingResult"`
	Xmlns   string   `xml:"xmlns,attr"`
	Tags    tagList  `xml:"Tags"`
}
