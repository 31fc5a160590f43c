# The Qiita article's handler (seed 003), unmodified but for its indentation,
# which the article's page had lost.
import boto3
import os
import logging

# ロガーの設定
logger = logging.getLogger()
logger.setLevel(logging.INFO)

def lambda_handler(event, context):
    source_s3_bucket = os.environ['s3_bucket']
    source_s3_key = os.environ['s3_key']
    target_s3_bucket = os.environ['target_s3_bucket']
    target_account_role_arn = os.environ['target_account_role_arn']
    timeout = 3600

    sts_client = boto3.client('sts')
    s3_client = boto3.client('s3')

    try:
        # クロスアカウントのS3 role引き受け
        try:
            assumed_role = sts_client.assume_role(
                RoleArn=target_account_role_arn,
                RoleSessionName='S3CrossAccountRole'
            )
            logger.info("Successfully assumed role")
        except Exception as assume_error:
            logger.error(f"Failed to assume role: {str(assume_error)}")
            raise assume_error

        try:
            target_s3_client = boto3.client(
                's3',
                aws_access_key_id=assumed_role['Credentials']['AccessKeyId'],
                aws_secret_access_key=assumed_role['Credentials']['SecretAccessKey'],
                aws_session_token=assumed_role['Credentials']['SessionToken']
            )
            logger.info("Successfully created target S3 client")
        except Exception as client_error:
            logger.error(f"Failed to create S3 client: {str(client_error)}")
            raise client_error

        paginator = s3_client.get_paginator('list_objects_v2')
        for page in paginator.paginate(Bucket=source_s3_bucket, Prefix=source_s3_key):
            for obj in page.get('Contents', []):
                try:
                    target_s3_client.copy_object(
                        CopySource={'Bucket': source_s3_bucket, 'Key': obj['Key']},
                        Bucket=target_s3_bucket,
                        Key=obj['Key']
                    )
                    logger.info(f"Successfully copied {obj['Key']}")
                except Exception as copy_error:
                    logger.error(f"Failed to copy {obj['Key']}: {str(copy_error)}")
                    raise copy_error

        return {
            'statusCode': 200,
            'body': 'File successfully copied.'
        }

    except Exception as e:
        logger.error(f"An error occurred: {e}")
        raise e
