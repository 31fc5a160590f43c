"""Object-tag condition keys through boto3 (issue 22): an IAM user whose
policy allows reads only of objects tagged classification=public
(s3:ExistingObjectTag/classification) and writes only tagged team=blue
(s3:RequestObjectTag/team, s3:RequestObjectTagKeys), as the Amazon S3 User
Guide's "Tagging and access control policies" examples do. Prints "ok" or
raises."""
import json

import boto3
from botocore.exceptions import ClientError

root = boto3.client("s3", region_name="us-east-1")
iam = boto3.client("iam", region_name="us-east-1")
root.create_bucket(Bucket="tagcond")
root.put_object(Bucket="tagcond", Key="public", Body=b"p", Tagging="classification=public")
root.put_object(Bucket="tagcond", Key="secret", Body=b"s", Tagging="classification=secret")
policy = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectTagging"], "Resource": "arn:aws:s3:::tagcond/*",
     "Condition": {"StringEquals": {"s3:ExistingObjectTag/classification": "public"}}},
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:PutObjectTagging"], "Resource": "arn:aws:s3:::tagcond/*",
     "Condition": {"StringEquals": {"s3:RequestObjectTag/team": "blue"},
                   "ForAllValues:StringEquals": {"s3:RequestObjectTagKeys": ["team"]}}}]}
iam.create_user(UserName="tag-reader")
iam.put_user_policy(UserName="tag-reader", PolicyName="tags", PolicyDocument=json.dumps(policy))
key = iam.create_access_key(UserName="tag-reader")["AccessKey"]
u = boto3.client("s3", region_name="us-east-1", aws_access_key_id=key["AccessKeyId"],
                 aws_secret_access_key=key["SecretAccessKey"])


def denied(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        assert e.response["Error"]["Code"] == "AccessDenied", e.response
        return
    raise AssertionError("%s %s allowed" % (fn.__name__, kw))


assert u.get_object(Bucket="tagcond", Key="public")["Body"].read() == b"p"
denied(u.get_object, Bucket="tagcond", Key="secret")
denied(u.get_object_tagging, Bucket="tagcond", Key="secret")
u.put_object(Bucket="tagcond", Key="w1", Body=b"x", Tagging="team=blue")
denied(u.put_object, Bucket="tagcond", Key="w2", Body=b"x", Tagging="team=red")
denied(u.put_object, Bucket="tagcond", Key="w3", Body=b"x", Tagging="team=blue&extra=1")
denied(u.put_object_tagging, Bucket="tagcond", Key="w1", Tagging={"TagSet": [{"Key": "team", "Value": "red"}]})
# Retagging the secret object public makes it readable.
root.put_object_tagging(Bucket="tagcond", Key="secret", Tagging={"TagSet": [{"Key": "classification", "Value": "public"}]})
assert u.get_object(Bucket="tagcond", Key="secret")["Body"].read() == b"s"
print("ok")
