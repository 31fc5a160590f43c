"""S3 with SSE-KMS driven with boto3 against the emulator: a cross-account
copy between two SSE-KMS buckets with customer managed keys, then each
missing piece of step 4 in turn. Prints one line per case: NAME RESULT,
where RESULT is OK (with what was checked), or an error code and, for
AccessDenied, the emulator's explanation (X-Xacct-Explain).
"""
import json

import boto3
from botocore.exceptions import ClientError

HOME, OTHER = "111111111111", "222222222222"
ROLE = "arn:aws:iam::%s:role/copier" % OTHER


def client(service, key, secret="test", token=None):
    return boto3.client(service, aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
                        region_name="us-east-1")


def attempt(name, fn):
    try:
        out = fn()
        print(name, "OK", out if isinstance(out, str) else "")
    except ClientError as e:
        code = e.response["Error"]["Code"]
        explain = e.response["ResponseMetadata"]["HTTPHeaders"].get("x-xacct-explain", "")
        print(name, code, explain if code == "AccessDenied" else e.response["Error"].get("Message", ""))


def key_policy(account, extra=()):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::%s:root" % account}, "Action": "kms:*", "Resource": "*"}] + list(extra)})


# The source account: a bucket whose default is a customer managed key the
# copier role of the other account may decrypt with.
home_kms, home_s3 = client("kms", HOME), client("s3", HOME)
src_key = home_kms.create_key(Policy=key_policy(HOME, [
    {"Sid": "Copier", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % OTHER},
     "Action": "kms:Decrypt", "Resource": "*"}]))["KeyMetadata"]["Arn"]
home_s3.create_bucket(Bucket="kms-src")
home_s3.put_bucket_encryption(Bucket="kms-src", ServerSideEncryptionConfiguration={"Rules": [
    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": src_key}, "BucketKeyEnabled": True}]})
put = home_s3.put_object(Bucket="kms-src", Key="data.txt", Body=b"encrypted at the source")
print("src-put", put["ServerSideEncryption"], put["SSEKMSKeyId"] == src_key, put["BucketKeyEnabled"])
# An object under the AWS managed key aws/s3, which no other account can use.
home_s3.put_object(Bucket="kms-src", Key="managed.txt", Body=b"aws/s3", ServerSideEncryption="aws:kms", BucketKeyEnabled=False)

# The target account: the copier role, its bucket and key.
other_iam = client("iam", OTHER)
other_iam.create_role(RoleName="copier", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "sts:AssumeRole"}]}))
home_s3.put_bucket_policy(Bucket="kms-src", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::kms-src/*"}]}))
other_kms, other_s3 = client("kms", OTHER), client("s3", OTHER)
dst_key = other_kms.create_key()["KeyMetadata"]["Arn"]
other_s3.create_bucket(Bucket="kms-dst")
other_s3.put_bucket_encryption(Bucket="kms-dst", ServerSideEncryptionConfiguration={"Rules": [
    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": dst_key}}]})


def role_policy(kms_actions):
    statements = [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::kms-src/*"},
                  {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::kms-dst/*"}]
    if kms_actions:
        statements.append({"Effect": "Allow", "Action": kms_actions, "Resource": [src_key, dst_key]})
    other_iam.put_role_policy(RoleName="copier", PolicyName="copy",
                              PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))


role_policy(["kms:Decrypt", "kms:GenerateDataKey"])
admin = other_iam.create_user(UserName="admin")
other_iam.attach_user_policy(UserName="admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
ak = other_iam.create_access_key(UserName="admin")["AccessKey"]
creds = client("sts", ak["AccessKeyId"], ak["SecretAccessKey"]).assume_role(RoleArn=ROLE, RoleSessionName="copy")["Credentials"]
copier = client("s3", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])


def copy(key="data.txt"):
    out = copier.copy_object(Bucket="kms-dst", Key=key, CopySource={"Bucket": "kms-src", "Key": key})
    assert out["ServerSideEncryption"] == "aws:kms" and out["SSEKMSKeyId"] == dst_key, out
    return "aws:kms " + ("dst-key" if out["SSEKMSKeyId"] == dst_key else out["SSEKMSKeyId"])


attempt("copy", copy)
attempt("read-back", lambda: other_s3.get_object(Bucket="kms-dst", Key="data.txt")["Body"].read().decode())
head = other_s3.head_object(Bucket="kms-dst", Key="data.txt")
print("head", head["ServerSideEncryption"], head["SSEKMSKeyId"] == dst_key)

# Missing piece: the source key's policy does not name the other account.
home_kms.put_key_policy(KeyId=src_key, PolicyName="default", Policy=key_policy(HOME))
attempt("no-source-key-policy", copy)
home_kms.put_key_policy(KeyId=src_key, PolicyName="default", Policy=key_policy(HOME, [
    {"Sid": "Copier", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % OTHER},
     "Action": "kms:Decrypt", "Resource": "*"}]))
# Missing piece: the target key's policy delegates to nobody the role is.
other_kms.put_key_policy(KeyId=dst_key, PolicyName="default", BypassPolicyLockoutSafetyCheck=True, Policy=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Sid": "AdminOnly", "Effect": "Allow",
                                             "Principal": {"AWS": "arn:aws:iam::%s:user/admin" % OTHER},
                                             "Action": "kms:*", "Resource": "*"}]}))
attempt("no-target-key-policy", copy)
admin_kms = client("kms", ak["AccessKeyId"], ak["SecretAccessKey"])
admin_kms.put_key_policy(KeyId=dst_key, PolicyName="default", Policy=key_policy(OTHER))
# Missing piece: the role's own KMS permission (read: kms:Decrypt).
role_policy(["kms:GenerateDataKey"])
attempt("no-role-decrypt", copy)
role_policy(["kms:Decrypt"])
attempt("no-role-generate", copy)
role_policy(["kms:Decrypt", "kms:GenerateDataKey"])
# aws/s3 across accounts.
attempt("cross-aws-s3", lambda: copy("managed.txt"))
# Everything back in place.
attempt("copy-again", copy)

# Key states, seen through S3.
home_kms.disable_key(KeyId=src_key)
attempt("disabled", lambda: home_s3.get_object(Bucket="kms-src", Key="data.txt"))
home_kms.enable_key(KeyId=src_key)
home_kms.schedule_key_deletion(KeyId=src_key, PendingWindowInDays=7)
attempt("pending-deletion", lambda: home_s3.get_object(Bucket="kms-src", Key="data.txt"))
