"""The seeds' three setup steps driven with boto3 against the emulator.

Prints one line per case: NAME OK|AccessDenied[: message]. The execution
role's session comes from an IAM user of the home account assuming it
(standing in for Lambda, which assumes it as lambda.amazonaws.com); the
root user may not assume roles, and the first line shows STS refusing it.
"""
import json
import os
import sys

import boto3
from botocore.exceptions import ClientError

HOME, TARGET = "111111111111", "222222222222"
EXEC_ROLE = "my-lambda-execution-role"
TARGET_ROLE = "role-on-source-account"


def client(service, key, secret="test", token=None):
    return boto3.client(service, aws_access_key_id=key, aws_secret_access_key=secret,
                        aws_session_token=token, region_name="us-east-1")


def admin_user(account):
    """Creates an IAM user with AdministratorAccess; returns its key."""
    iam = client("iam", account)
    iam.create_user(UserName="admin")
    iam.attach_user_policy(UserName="admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def setup(case, identity, trust, admin):
    home_iam, target_iam = client("iam", HOME), client("iam", TARGET)
    exec_name = EXEC_ROLE + "-" + case
    target_name = TARGET_ROLE + "-" + case
    home_iam.create_role(RoleName=exec_name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"AWS": HOME}, "Action": "sts:AssumeRole"},
        ]}))
    if identity:
        home_iam.put_role_policy(RoleName=exec_name, PolicyName="assume-target", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole",
                          "Resource": f"arn:aws:iam::{TARGET}:role/{target_name}"}}))
    principal = {"AWS": f"arn:aws:iam::{HOME}:role/{exec_name}"} if trust else {"Service": "lambda.amazonaws.com"}
    target_iam.create_role(RoleName=target_name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}))
    creds = client("sts", *admin).assume_role(RoleArn=f"arn:aws:iam::{HOME}:role/{exec_name}",
                                            RoleSessionName="fn")["Credentials"]
    return creds, f"arn:aws:iam::{TARGET}:role/{target_name}"


def main():
    admin = admin_user(HOME)
    # The root user may not assume roles (IAM User Guide, "Compare AWS STS
    # credentials"; STS answers AccessDenied).
    setup("root", True, True, admin)
    try:
        client("sts", HOME).assume_role(RoleArn=f"arn:aws:iam::{HOME}:role/{EXEC_ROLE}-root", RoleSessionName="fn")
        print("root OK")
    except ClientError as e:
        print("root", e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"] + ":", e.response["Error"]["Message"])
    for case, identity, trust in [("all", True, True), ("noidentity", False, True), ("notrust", True, False)]:
        creds, role_arn = setup(case, identity, trust, admin)
        sts = client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        try:
            out = sts.assume_role(RoleArn=role_arn, RoleSessionName="cross_acct_lambda")
            c = out["Credentials"]
            who = client("sts", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]).get_caller_identity()
            print(case, "OK", who["Arn"], who["Account"])
        except ClientError as e:
            print(case, e.response["Error"]["Code"] + ":", e.response["Error"]["Message"])


if __name__ == "__main__":
    sys.exit(main())
