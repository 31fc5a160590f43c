"""AWS KMS driven with boto3 against the emulator: a stranger's keys, policies
and ciphertexts. Prints one line per case: NAME RESULT, where RESULT is OK,
an error code, and for AccessDeniedException the emulator's explanation
(X-Xacct-Explain).
"""
import json

import boto3
from botocore.exceptions import ClientError

HOME, OTHER = "111111111111", "222222222222"


def client(service, key, secret="test"):
    return boto3.client(service, aws_access_key_id=key, aws_secret_access_key=secret, region_name="us-east-1")


def user(account, name, policy=None):
    iam = client("iam", account)
    iam.create_user(UserName=name)
    if policy:
        iam.put_user_policy(UserName=name, PolicyName="kms", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return client("kms", key["AccessKeyId"], key["SecretAccessKey"])


def attempt(name, fn):
    try:
        fn()
        print(name, "OK")
    except ClientError as e:
        code = e.response["Error"]["Code"]
        explain = e.response["ResponseMetadata"]["HTTPHeaders"].get("x-xacct-explain", "")
        print(name, code, explain if code == "AccessDeniedException" else "")


owner = client("kms", HOME)
shared = owner.create_key(Description="shared with " + OTHER, Policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::%s:root" % HOME}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "AllowOtherAccount", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % OTHER},
         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"},
    ]}))["KeyMetadata"]
key_arn = shared["Arn"]
private = owner.create_key()["KeyMetadata"]
ctx = {"aws:s3:arn": "arn:aws:s3:::bucket/object"}

blob = owner.encrypt(KeyId=key_arn, Plaintext=b"payload", EncryptionContext=ctx)["CiphertextBlob"]
attempt("own-decrypt", lambda: owner.decrypt(CiphertextBlob=blob, EncryptionContext=ctx))
attempt("other-context", lambda: owner.decrypt(CiphertextBlob=blob, EncryptionContext={"aws:s3:arn": "arn:aws:s3:::bucket/else"}))
attempt("other-key", lambda: owner.decrypt(CiphertextBlob=blob, EncryptionContext=ctx, KeyId=private["KeyId"]))

# Cross-account: the key policy names the other account, its user's identity policy allows.
copier = user(OTHER, "copier", {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": key_arn}]})
attempt("cross-decrypt", lambda: copier.decrypt(CiphertextBlob=blob, EncryptionContext=ctx))
attempt("cross-encrypt", lambda: copier.encrypt(KeyId=key_arn, Plaintext=b"x"))
# Missing piece 1: the identity policy.
nopolicy = user(OTHER, "nopolicy")
attempt("cross-no-identity", lambda: nopolicy.decrypt(CiphertextBlob=blob, EncryptionContext=ctx))
# Missing piece 2: the key policy (the private key delegates only to its own account).
private_blob = owner.encrypt(KeyId=private["KeyId"], Plaintext=b"p")["CiphertextBlob"]
broad = user(OTHER, "broad", {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]})
attempt("cross-no-key-policy", lambda: broad.decrypt(CiphertextBlob=private_blob))
# The AWS managed key aws/s3 cannot be used from another account.
s3_key = owner.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
print("aws/s3", s3_key["KeyManager"])
attempt("cross-aws-s3", lambda: broad.generate_data_key(KeyId=s3_key["Arn"], KeySpec="AES_256"))

# Key states.
owner.disable_key(KeyId=key_arn)
attempt("disabled", lambda: owner.decrypt(CiphertextBlob=blob, EncryptionContext=ctx))
owner.enable_key(KeyId=key_arn)
attempt("window-6", lambda: owner.schedule_key_deletion(KeyId=key_arn, PendingWindowInDays=6))
owner.schedule_key_deletion(KeyId=key_arn, PendingWindowInDays=7)
attempt("pending-deletion", lambda: owner.decrypt(CiphertextBlob=blob, EncryptionContext=ctx))
print("state", owner.describe_key(KeyId=key_arn)["KeyMetadata"]["KeyState"])
