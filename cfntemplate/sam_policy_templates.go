package cfntemplate

import "strings"

// samPolicyTemplateNames lists every SAM policy template, so that a
// template this transform does not implement is reported as such rather
// than as an invalid policy.
const samPolicyTemplateNames = " AMIDescribePolicy AWSSecretsManagerGetSecretValuePolicy AWSSecretsManagerRotationPolicy " +
	"AcmGetCertificatePolicy AthenaQueryPolicy CloudFormationDescribeStacksPolicy CloudWatchDashboardPolicy " +
	"CloudWatchDescribeAlarmHistoryPolicy CloudWatchPutMetricPolicy CodeCommitCrudPolicy CodeCommitReadPolicy " +
	"CodePipelineLambdaExecutionPolicy CodePipelineReadOnlyPolicy ComprehendBasicAccessPolicy " +
	"CostExplorerReadOnlyPolicy DynamoDBBackupFullAccessPolicy DynamoDBCrudPolicy DynamoDBReadPolicy " +
	"DynamoDBReconfigurePolicy DynamoDBRestoreFromBackupPolicy DynamoDBStreamReadPolicy DynamoDBWritePolicy " +
	"EC2CopyImagePolicy EC2DescribePolicy EFSWriteAccessPolicy EKSDescribePolicy EcsRunTaskPolicy " +
	"ElasticMapReduceAddJobFlowStepsPolicy ElasticMapReduceCancelStepsPolicy ElasticMapReduceModifyInstanceFleetPolicy " +
	"ElasticMapReduceModifyInstanceGroupsPolicy ElasticMapReduceSetTerminationProtectionPolicy " +
	"ElasticMapReduceTerminateJobFlowsPolicy ElasticsearchHttpPostPolicy EventBridgePutEventsPolicy " +
	"FilterLogEventsPolicy FirehoseCrudPolicy FirehoseWritePolicy KMSDecryptPolicy KMSEncryptPolicy " +
	"KMSEncryptPolicy_v2 KinesisCrudPolicy KinesisStreamReadPolicy LambdaInvokePolicy " +
	"MobileAnalyticsWriteOnlyAccessPolicy OrganizationsListAccountsPolicy PinpointEndpointAccessPolicy " +
	"PollyFullAccessPolicy RekognitionDetectOnlyPolicy RekognitionFacesManagementPolicy RekognitionFacesPolicy " +
	"RekognitionLabelsPolicy RekognitionNoDataAccessPolicy RekognitionReadPolicy RekognitionWriteOnlyAccessPolicy " +
	"Route53ChangeResourceRecordSetsPolicy S3CrudPolicy S3FullAccessPolicy S3ReadPolicy S3WritePolicy " +
	"SESBulkTemplatedCrudPolicy SESBulkTemplatedCrudPolicy_v2 SESCrudPolicy SESEmailTemplateCrudPolicy " +
	"SESSendBouncePolicy SNSCrudPolicy SNSPublishMessagePolicy SQSPollerPolicy SQSSendMessagePolicy " +
	"SSMParameterReadPolicy SSMParameterWithSlashPrefixReadPolicy SageMakerCreateEndpointConfigPolicy " +
	"SageMakerCreateEndpointPolicy ServerlessRepoReadWriteAccessPolicy StepFunctionsCallbackPolicy " +
	"StepFunctionsExecutionPolicy StepFunctionsExecutionPolicy_v2 TextractDetectAnalyzePolicy " +
	"TextractGetResultPolicy TextractPolicy VPCAccessPolicy "

func isPolicyTemplateName(name string) bool {
	return name != "" && !strings.ContainsAny(name, " ") && strings.Contains(samPolicyTemplateNames, " "+name+" ")
}

// allow returns {"Action": action, "Effect": "Allow", "Resource": resource}.
func allow(action, resource *Node) *Node {
	st := NewMap()
	st.Set("Action", action)
	st.Set("Effect", NewString("Allow"))
	st.Set("Resource", resource)
	return st
}

// arnSub returns {"Fn::Sub": [format, {variable: {"Ref": param}}]}, the
// form policy templates build ARNs with.
func arnSub(format, variable, param string) *Node {
	vars := NewMap()
	vars.Set(variable, Ref(param))
	return NewFunc("Fn::Sub", NewList(NewString(format), vars))
}

func statements(sts ...*Node) *Node {
	doc := NewMap()
	doc.Set("Statement", NewList(sts...))
	return doc
}

const (
	s3BucketARN  = "arn:${AWS::Partition}:s3:::${bucketName}"
	s3ObjectsARN = "arn:${AWS::Partition}:s3:::${bucketName}/*"
	tableARN     = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}"
	tableIdxARN  = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}/index/*"
)

func s3Resources() *Node {
	return NewList(arnSub(s3BucketARN, "bucketName", "BucketName"), arnSub(s3ObjectsARN, "bucketName", "BucketName"))
}

func tableResources() *Node {
	return NewList(arnSub(tableARN, "tableName", "TableName"), arnSub(tableIdxARN, "tableName", "TableName"))
}

// policyTemplateDefinition returns the parameters and the policy document
// of the SAM policy templates xacct implements; the document's {"Ref":
// Param} placeholders are replaced by the values given in the template.
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-policy-template-list.html
func policyTemplateDefinition(name string) (params []string, def *Node, ok bool) {
	switch name {
	case "S3ReadPolicy":
		return []string{"BucketName"}, statements(allow(Strings("s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation",
			"s3:GetObjectVersion", "s3:GetLifecycleConfiguration"), s3Resources())), true
	case "S3CrudPolicy":
		return []string{"BucketName"}, statements(allow(Strings("s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation",
			"s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectAcl", "s3:GetLifecycleConfiguration",
			"s3:PutLifecycleConfiguration", "s3:DeleteObject"), s3Resources())), true
	case "S3WritePolicy":
		return []string{"BucketName"}, statements(allow(Strings("s3:PutObject", "s3:PutObjectAcl",
			"s3:PutLifecycleConfiguration"), s3Resources())), true
	case "S3FullAccessPolicy":
		return []string{"BucketName"}, statements(
			allow(Strings("s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectAcl",
				"s3:DeleteObject", "s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging", "s3:GetObjectTagging",
				"s3:GetObjectVersionTagging", "s3:PutObjectTagging", "s3:PutObjectVersionTagging"),
				NewList(arnSub(s3ObjectsARN, "bucketName", "BucketName"))),
			allow(Strings("s3:ListBucket", "s3:GetBucketLocation", "s3:GetLifecycleConfiguration",
				"s3:PutLifecycleConfiguration"), NewList(arnSub(s3BucketARN, "bucketName", "BucketName")))), true
	case "SNSPublishMessagePolicy":
		return []string{"TopicName"}, statements(allow(Strings("sns:Publish"),
			arnSub("arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${topicName}", "topicName", "TopicName"))), true
	case "SNSCrudPolicy":
		return []string{"TopicName"}, statements(allow(Strings("sns:ListSubscriptionsByTopic", "sns:CreateTopic",
			"sns:SetTopicAttributes", "sns:Subscribe", "sns:Publish"),
			arnSub("arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${topicName}*", "topicName", "TopicName"))), true
	case "SQSSendMessagePolicy":
		return []string{"QueueName"}, statements(allow(Strings("sqs:SendMessage*"),
			arnSub("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${queueName}", "queueName", "QueueName"))), true
	case "SQSPollerPolicy":
		return []string{"QueueName"}, statements(allow(Strings("sqs:ChangeMessageVisibility", "sqs:ChangeMessageVisibilityBatch",
			"sqs:DeleteMessage", "sqs:DeleteMessageBatch", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"),
			arnSub("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${queueName}", "queueName", "QueueName"))), true
	case "LambdaInvokePolicy":
		return []string{"FunctionName"}, statements(allow(Strings("lambda:InvokeFunction"),
			arnSub("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${functionName}*", "functionName", "FunctionName"))), true
	case "CloudWatchPutMetricPolicy":
		return nil, statements(allow(Strings("cloudwatch:PutMetricData"), NewString("*"))), true
	case "DynamoDBCrudPolicy":
		return []string{"TableName"}, statements(allow(Strings("dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem",
			"dynamodb:Scan", "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:BatchGetItem",
			"dynamodb:DescribeTable", "dynamodb:ConditionCheckItem"), tableResources())), true
	case "DynamoDBReadPolicy":
		return []string{"TableName"}, statements(allow(Strings("dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query",
			"dynamodb:BatchGetItem", "dynamodb:DescribeTable"), tableResources())), true
	case "SSMParameterReadPolicy":
		return []string{"ParameterName"}, statements(
			allow(Strings("ssm:DescribeParameters"), NewString("*")),
			allow(Strings("ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"),
				arnSub("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${parameterName}", "parameterName", "ParameterName"))), true
	case "KMSDecryptPolicy":
		return []string{"KeyId"}, statements(allow(NewString("kms:Decrypt"),
			arnSub("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${keyId}", "keyId", "KeyId"))), true
	case "AWSSecretsManagerGetSecretValuePolicy":
		return []string{"SecretArn"}, statements(allow(Strings("secretsmanager:GetSecretValue"),
			arnSub("${secretArn}", "secretArn", "SecretArn"))), true
	case "EventBridgePutEventsPolicy":
		return []string{"EventBusName"}, statements(allow(NewString("events:PutEvents"),
			arnSub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${eventBusName}", "eventBusName", "EventBusName"))), true
	case "StepFunctionsExecutionPolicy":
		return []string{"StateMachineName"}, statements(allow(Strings("states:StartExecution"),
			arnSub("arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${stateMachineName}", "stateMachineName", "StateMachineName"))), true
	}
	return nil, nil, false
}
