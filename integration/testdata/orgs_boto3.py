"""AWS Organizations driven with boto3 against the emulator: an organization of
four accounts in two OUs, a trust policy with aws:PrincipalOrgID, an SCP on an
OU, an RCP on S3. Prints one line per case: NAME RESULT, where RESULT is OK (or
a value), an error code, and for AccessDenied the emulator's explanation
(X-Xacct-Explain).
"""
import json

import boto3
from botocore.exceptions import ClientError

MGMT, OUTSIDER = "111111111111", "999999999999"


def client(service, key, secret="test", token=None):
    return boto3.client(service, aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
                        region_name="us-east-1")


def admin(account, service):
    """A client of the IAM user admin (AdministratorAccess) of account."""
    iam = client("iam", account)
    try:
        iam.create_user(UserName="admin")
        iam.attach_user_policy(UserName="admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    except ClientError as e:
        if e.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    return client(service, key["AccessKeyId"], key["SecretAccessKey"])


def attempt(name, fn):
    try:
        out = fn()
        print(name, "OK" if out is None else out)
    except ClientError as e:
        code = e.response["Error"]["Code"]
        explain = e.response["ResponseMetadata"]["HTTPHeaders"].get("x-xacct-explain", "")
        print(name, code, explain if code.startswith("AccessDenied") else "")


def message(name, fn, want):
    """Prints NAME MATCH when fn fails with an error message ending with want, else the message."""
    try:
        fn()
        print(name, "OK")
    except ClientError as e:
        msg = e.response["Error"]["Message"]
        print(name, "MATCH" if msg.endswith(want) else msg)


def assume(sts, role):
    sts.assume_role(RoleArn=role, RoleSessionName="orgs")


org = admin(MGMT, "organizations")
o = org.create_organization(FeatureSet="ALL")["Organization"]
org_id = o["Id"]
root = org.list_roots()["Roots"][0]
print("root-scp", root["PolicyTypes"][0]["Type"], root["PolicyTypes"][0]["Status"])
ous = {name: org.create_organizational_unit(ParentId=root["Id"], Name=name)["OrganizationalUnit"]["Id"]
       for name in ("Workloads", "Sandbox")}
accounts = {}
for name, ou in (("dev", "Workloads"), ("prod", "Workloads"), ("sandbox", "Sandbox")):
    st = org.create_account(Email=name + "@example.com", AccountName=name)["CreateAccountStatus"]
    st = org.describe_create_account_status(CreateAccountRequestId=st["Id"])["CreateAccountStatus"]
    accounts[name] = st["AccountId"]
    org.move_account(AccountId=st["AccountId"], SourceParentId=root["Id"], DestinationParentId=ous[ou])
pages = org.get_paginator("list_accounts").paginate(PaginationConfig={"PageSize": 2})
print("accounts", sum(len(p["Accounts"]) for p in pages))
print("workloads", len(org.list_accounts_for_parent(ParentId=ous["Workloads"])["Accounts"]))
print("parent-of-sandbox", "OK" if org.list_parents(ChildId=accounts["sandbox"])["Parents"][0]["Id"] == ous["Sandbox"] else "wrong")
attempt("member-list-accounts", lambda: client("organizations", accounts["dev"]).list_accounts() and None)
attempt("outsider-describe", lambda: client("organizations", OUTSIDER).describe_organization() and None)

# A role in prod that trusts every principal of the organization.
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                                                 "Condition": {"StringEquals": {"aws:PrincipalOrgID": org_id}}}]}
role = client("iam", accounts["prod"]).create_role(RoleName="OrgShared", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
sts = {name: admin(accounts[name], "sts") for name in ("dev", "sandbox")}
sts["mgmt"], sts["outsider"] = admin(MGMT, "sts"), admin(OUTSIDER, "sts")
attempt("member-assume", lambda: assume(sts["sandbox"], role))
attempt("outsider-assume", lambda: assume(sts["outsider"], role))

# An SCP denying sts:AssumeRole on OU Workloads: dev's admin may do anything by IAM.
scp = org.create_policy(Name="DenyAssume", Description="no role hopping", Type="SERVICE_CONTROL_POLICY", Content=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Sid": "NoAssume", "Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}]}))
scp_id = scp["Policy"]["PolicySummary"]["Id"]
org.attach_policy(PolicyId=scp_id, TargetId=ous["Workloads"])
attempt("scp-dev-assume", lambda: assume(sts["dev"], role))
# IAM User Guide, "Troubleshoot access denied error messages"; AWS Security Blog,
# "Enhanced access denied error messages with policy ARNs" (same organization).
message("scp-dev-assume-message", lambda: assume(sts["dev"], role),
        "is not authorized to perform: sts:AssumeRole on resource: %s with an explicit deny in a service control policy: %s"
        % (role, scp["Policy"]["PolicySummary"]["Arn"]))
attempt("scp-sandbox-assume", lambda: assume(sts["sandbox"], role))
attempt("attach-twice", lambda: org.attach_policy(PolicyId=scp_id, TargetId=ous["Workloads"]))
# On the root too: every member is blocked, the management account is not.
org.attach_policy(PolicyId=scp_id, TargetId=root["Id"])
attempt("scp-root-sandbox-assume", lambda: assume(sts["sandbox"], role))
attempt("scp-root-mgmt-assume", lambda: assume(sts["mgmt"], "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % accounts["dev"]))
targets = org.list_policies_for_target(TargetId=ous["Workloads"], Filter="SERVICE_CONTROL_POLICY")["Policies"]
print("workloads-scps", ",".join(sorted(p["Name"] for p in targets)))

# An RCP on S3: prod's bucket policy lets the outsider list, the RCP keeps it out.
s3 = admin(accounts["prod"], "s3")
s3.create_bucket(Bucket="prod-data")
s3.put_bucket_policy(Bucket="prod-data", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % OUTSIDER}, "Action": "s3:ListBucket",
     "Resource": "arn:aws:s3:::prod-data"}]}))
outsider_s3 = admin(OUTSIDER, "s3")
attempt("outsider-list-before", lambda: outsider_s3.list_objects_v2(Bucket="prod-data") and None)
org.enable_policy_type(RootId=root["Id"], PolicyType="RESOURCE_CONTROL_POLICY")
rcp = org.create_policy(Name="DenyS3Outside", Description="data perimeter", Type="RESOURCE_CONTROL_POLICY", Content=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Sid": "Perimeter", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                                             "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": org_id},
                                                           "Bool": {"aws:PrincipalIsAWSService": "false"}}}]}))
org.attach_policy(PolicyId=rcp["Policy"]["PolicySummary"]["Id"], TargetId=ous["Workloads"])
attempt("rcp-outsider-list", lambda: outsider_s3.list_objects_v2(Bucket="prod-data") and None)
# Outside the bucket owner's organization S3 gives no reason (S3 User Guide,
# "Troubleshoot access denied (403 Forbidden) errors").
message("rcp-outsider-message", lambda: outsider_s3.list_objects_v2(Bucket="prod-data"), "Access Denied")
attempt("rcp-owner-list", lambda: s3.list_objects_v2(Bucket="prod-data") and None)
attempt("detach-rcp-full", lambda: org.detach_policy(PolicyId="p-RCPFullAWSAccess", TargetId=ous["Workloads"]))
