"""S3 Versioning through boto3 (issue 22): versioning states, version ids on
writes, reads and deletes by version, delete markers (404 and 405),
DeleteObjects with versions, ListObjectVersions paging, null versions after
suspension, the s3:*Version* permissions, and a cross-account copy of a given
version from a versioned, tagged source into a versioned target with its tags
kept. Prints "ok" or raises."""
import json

import boto3
from botocore.exceptions import ClientError


def client(acct, **creds):
    if not creds:
        creds = {"aws_access_key_id": acct, "aws_secret_access_key": "test"}
    return boto3.client("s3", region_name="us-east-1", **creds)


def error(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return e.response
    raise AssertionError("%s %s succeeded" % (fn.__name__, kw))


home = client("111111111111")
home.create_bucket(Bucket="ver-src")
home.put_object(Bucket="ver-src", Key="k", Body=b"before")
assert "Status" not in home.get_bucket_versioning(Bucket="ver-src")
home.put_bucket_versioning(Bucket="ver-src", VersioningConfiguration={"Status": "Enabled"})
assert home.get_bucket_versioning(Bucket="ver-src")["Status"] == "Enabled"
assert home.head_object(Bucket="ver-src", Key="k")["VersionId"] == "null"
v1 = home.put_object(Bucket="ver-src", Key="k", Body=b"one", Tagging="gen=1")["VersionId"]
v2 = home.put_object(Bucket="ver-src", Key="k", Body=b"two", Tagging="gen=2")["VersionId"]
assert len({v1, v2, "null"}) == 3
assert home.get_object(Bucket="ver-src", Key="k", VersionId=v1)["Body"].read() == b"one"
assert home.get_object(Bucket="ver-src", Key="k", VersionId="null")["Body"].read() == b"before"

# A delete marker: 404 without a version, 405 naming it.
d = home.delete_object(Bucket="ver-src", Key="k")
assert d["DeleteMarker"] and len(d["VersionId"]) == 32, d
e = error(home.get_object, Bucket="ver-src", Key="k")
assert e["Error"]["Code"] == "NoSuchKey" and e["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true", e
e = error(home.head_object, Bucket="ver-src", Key="k", VersionId=d["VersionId"])
assert e["ResponseMetadata"]["HTTPStatusCode"] == 405, e
e = error(home.get_object, Bucket="ver-src", Key="k", VersionId="A" * 32)
assert e["Error"]["Code"] == "NoSuchVersion", e
assert error(home.delete_bucket, Bucket="ver-src")["Error"]["Code"] == "BucketNotEmpty"
r = home.delete_objects(Bucket="ver-src", Delete={"Objects": [{"Key": "k", "VersionId": d["VersionId"]}]})
assert r["Deleted"][0]["DeleteMarker"] and r["Deleted"][0]["DeleteMarkerVersionId"] == d["VersionId"], r
assert home.get_object(Bucket="ver-src", Key="k")["Body"].read() == b"two"

# Paging: every version and marker once, with one entry per page.
for i in range(3):
    home.put_object(Bucket="ver-src", Key="p/%d" % i, Body=b"x")
    home.put_object(Bucket="ver-src", Key="p/%d" % i, Body=b"y")
home.delete_object(Bucket="ver-src", Key="p/1")
seen, kw = [], {"Bucket": "ver-src", "Prefix": "p/", "MaxKeys": 1}
while True:
    page = home.list_object_versions(**kw)
    entries = page.get("Versions", []) + page.get("DeleteMarkers", [])
    assert len(entries) <= 1, page
    seen += [(x["Key"], x["VersionId"]) for x in entries]
    if not page["IsTruncated"]:
        break
    kw["KeyMarker"], kw["VersionIdMarker"] = page["NextKeyMarker"], page["NextVersionIdMarker"]
assert len(seen) == 7 and len(set(seen)) == 7, seen
paginated = [v for p in home.get_paginator("list_object_versions").paginate(Bucket="ver-src", Prefix="p/", PaginationConfig={"PageSize": 2})
             for v in p.get("Versions", []) + p.get("DeleteMarkers", [])]
assert len(paginated) == 7, paginated
prefixes = home.list_object_versions(Bucket="ver-src", Delimiter="/")["CommonPrefixes"]
assert [p["Prefix"] for p in prefixes] == ["p/"], prefixes
assert error(home.list_object_versions, Bucket="ver-src", VersionIdMarker=v1)["Error"]["Code"] == "InvalidArgument"

# Suspended: the null version is replaced, older versions stay.
home.put_bucket_versioning(Bucket="ver-src", VersioningConfiguration={"Status": "Suspended"})
assert home.put_object(Bucket="ver-src", Key="s", Body=b"n1")["VersionId"] == "null"
home.put_object(Bucket="ver-src", Key="s", Body=b"n2")
vs = home.list_object_versions(Bucket="ver-src", Prefix="s")["Versions"]
assert [(v["VersionId"], v["IsLatest"]) for v in vs] == [("null", True)], vs
home.put_bucket_versioning(Bucket="ver-src", VersioningConfiguration={"Status": "Enabled"})

# Permissions: a user without s3:GetObjectVersion/s3:ListBucketVersions.
iam = boto3.client("iam", region_name="us-east-1", aws_access_key_id="111111111111", aws_secret_access_key="test")
iam.create_user(UserName="reader")
iam.put_user_policy(UserName="reader", PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "s3:DeleteObject"], "Resource": ["arn:aws:s3:::ver-src", "arn:aws:s3:::ver-src/*"]}]}))
key = iam.create_access_key(UserName="reader")["AccessKey"]
reader = client(None, aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
assert reader.get_object(Bucket="ver-src", Key="k")["Body"].read() == b"two"
assert error(reader.get_object, Bucket="ver-src", Key="k", VersionId=v1)["Error"]["Code"] == "AccessDenied"
assert error(reader.delete_object, Bucket="ver-src", Key="k", VersionId=v1)["Error"]["Code"] == "AccessDenied"
assert error(reader.list_object_versions, Bucket="ver-src")["Error"]["Code"] == "AccessDenied"
assert error(reader.put_bucket_versioning, Bucket="ver-src", VersioningConfiguration={"Status": "Suspended"})["Error"]["Code"] == "AccessDenied"

# Cross-account: a role in 222222222222 copies v1 (not the current version)
# from the versioned, tagged source into its versioned bucket, tags kept.
tiam = boto3.client("iam", region_name="us-east-1", aws_access_key_id="222222222222", aws_secret_access_key="test")
tiam.create_role(RoleName="copier", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "sts:AssumeRole"}]}))
read = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectVersionTagging"]
tiam.put_role_policy(RoleName="copier", PolicyName="copy", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": read, "Resource": "arn:aws:s3:::ver-src/*"},
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:PutObjectTagging", "s3:ListBucketVersions"] + read,
     "Resource": ["arn:aws:s3:::ver-dst", "arn:aws:s3:::ver-dst/*"]}]}))
home.put_bucket_policy(Bucket="ver-src", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:role/copier"}, "Action": read, "Resource": "arn:aws:s3:::ver-src/*"}]}))
tgt = client("222222222222")
tgt.create_bucket(Bucket="ver-dst")
tgt.put_bucket_versioning(Bucket="ver-dst", VersioningConfiguration={"Status": "Enabled"})
iam.create_user(UserName="admin")
iam.attach_user_policy(UserName="admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
ak = iam.create_access_key(UserName="admin")["AccessKey"]
sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id=ak["AccessKeyId"], aws_secret_access_key=ak["SecretAccessKey"])
c = sts.assume_role(RoleArn="arn:aws:iam::222222222222:role/copier", RoleSessionName="copy")["Credentials"]
role = client(None, aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
out = role.copy_object(Bucket="ver-dst", Key="k", CopySource={"Bucket": "ver-src", "Key": "k", "VersionId": v1})
assert out["CopySourceVersionId"] == v1 and len(out["VersionId"]) == 32, out
out2 = role.copy_object(Bucket="ver-dst", Key="k", CopySource={"Bucket": "ver-src", "Key": "k"})
assert out2["CopySourceVersionId"] == v2, out2
got = role.get_object(Bucket="ver-dst", Key="k", VersionId=out["VersionId"])
assert got["Body"].read() == b"one" and got["TagCount"] == 1, got
tags = role.get_object_tagging(Bucket="ver-dst", Key="k", VersionId=out["VersionId"])["TagSet"]
assert tags == [{"Key": "gen", "Value": "1"}], tags
assert [t["Value"] for t in role.get_object_tagging(Bucket="ver-dst", Key="k")["TagSet"]] == ["2"]
assert len(role.list_object_versions(Bucket="ver-dst")["Versions"]) == 2
print("ok")
