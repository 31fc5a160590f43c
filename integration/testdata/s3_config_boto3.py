"""S3 bucket configuration through boto3 (issue 22): tags, lifecycle, CORS,
listing and ownership conformance, and a cross-account copy from a
versioned, tagged source into a versioned target with the tags kept.
Prints "ok" or raises."""
import os
import urllib.error
import urllib.request

import boto3
from botocore.exceptions import ClientError


def client(acct):
    return boto3.client("s3", region_name="us-east-1", aws_access_key_id=acct, aws_secret_access_key="test")


def code(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


home, target = client("111111111111"), client("222222222222")
endpoint = os.environ["AWS_ENDPOINT_URL"]

# Object tags: x-amz-tagging, the tagging subresource, TagCount, limits.
home.create_bucket(Bucket="cfg-src")
home.put_bucket_versioning(Bucket="cfg-src", VersioningConfiguration={"Status": "Enabled"})
v1 = home.put_object(Bucket="cfg-src", Key="doc.txt", Body=b"v1", Tagging="team=blue&stage=draft")["VersionId"]
v2 = home.put_object(Bucket="cfg-src", Key="doc.txt", Body=b"v2", Tagging="team=blue&stage=final", Metadata={"origin": "home"})["VersionId"]
assert v1 != v2
assert home.head_object(Bucket="cfg-src", Key="doc.txt")["TagCount"] == 2
tags = {t["Key"]: t["Value"] for t in home.get_object_tagging(Bucket="cfg-src", Key="doc.txt")["TagSet"]}
assert tags == {"team": "blue", "stage": "final"}, tags
old = {t["Key"]: t["Value"] for t in home.get_object_tagging(Bucket="cfg-src", Key="doc.txt", VersionId=v1)["TagSet"]}
assert old == {"team": "blue", "stage": "draft"}, old
assert code(home.put_object_tagging, Bucket="cfg-src", Key="doc.txt",
            Tagging={"TagSet": [{"Key": "k%d" % i, "Value": "v"} for i in range(11)]}) == "BadRequest"
assert code(home.put_object_tagging, Bucket="cfg-src", Key="doc.txt",
            Tagging={"TagSet": [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]}) == "InvalidTag"

# Cross-account copy from the versioned, tagged source into a versioned
# target: the tags and metadata come along.
home.put_bucket_policy(Bucket="cfg-src", Policy="""{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
 "Principal":{"AWS":"arn:aws:iam::222222222222:root"},
 "Action":["s3:GetObject","s3:GetObjectVersion","s3:GetObjectTagging","s3:GetObjectVersionTagging","s3:ListBucket"],
 "Resource":["arn:aws:s3:::cfg-src","arn:aws:s3:::cfg-src/*"]}]}""")
target.create_bucket(Bucket="cfg-dst")
target.put_bucket_versioning(Bucket="cfg-dst", VersioningConfiguration={"Status": "Enabled"})
out = target.copy_object(Bucket="cfg-dst", Key="doc.txt", CopySource={"Bucket": "cfg-src", "Key": "doc.txt"})
assert out["VersionId"] and out["CopySourceVersionId"] == v2, out
got = {t["Key"]: t["Value"] for t in target.get_object_tagging(Bucket="cfg-dst", Key="doc.txt")["TagSet"]}
assert got == {"team": "blue", "stage": "final"}, got
assert target.head_object(Bucket="cfg-dst", Key="doc.txt")["Metadata"] == {"origin": "home"}
# The older version, copied by id, keeps that version's tags.
target.copy_object(Bucket="cfg-dst", Key="doc-v1.txt", CopySource={"Bucket": "cfg-src", "Key": "doc.txt", "VersionId": v1})
got = {t["Key"]: t["Value"] for t in target.get_object_tagging(Bucket="cfg-dst", Key="doc-v1.txt")["TagSet"]}
assert got == {"team": "blue", "stage": "draft"}, got
assert target.get_object(Bucket="cfg-dst", Key="doc-v1.txt")["Body"].read() == b"v1"

# Bucket tags.
assert code(home.get_bucket_tagging, Bucket="cfg-src") == "NoSuchTagSet"
home.put_bucket_tagging(Bucket="cfg-src", Tagging={"TagSet": [{"Key": "owner", "Value": "data-team"}]})
assert home.get_bucket_tagging(Bucket="cfg-src")["TagSet"] == [{"Key": "owner", "Value": "data-team"}]
home.delete_bucket_tagging(Bucket="cfg-src")
assert code(home.get_bucket_tagging, Bucket="cfg-src") == "NoSuchTagSet"

# Lifecycle.
assert code(home.get_bucket_lifecycle_configuration, Bucket="cfg-src") == "NoSuchLifecycleConfiguration"
assert code(home.put_bucket_lifecycle_configuration, Bucket="cfg-src", LifecycleConfiguration={"Rules": [
    {"ID": "bad", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 0}}]}) == "InvalidArgument"
assert code(home.put_bucket_lifecycle_configuration, Bucket="cfg-src", LifecycleConfiguration={"Rules": [
    {"ID": "none", "Status": "Enabled", "Filter": {"Prefix": ""}}]}) == "InvalidRequest"
home.put_bucket_lifecycle_configuration(Bucket="cfg-src", LifecycleConfiguration={"Rules": [
    {"ID": "tmp", "Status": "Enabled", "Filter": {"And": {"Prefix": "tmp/", "Tags": [{"Key": "scratch", "Value": "yes"}]}},
     "Expiration": {"Days": 7}},
    {"ID": "old", "Status": "Enabled", "Filter": {"Prefix": ""},
     "NoncurrentVersionExpiration": {"NoncurrentDays": 30}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}}]})
rules = home.get_bucket_lifecycle_configuration(Bucket="cfg-src")["Rules"]
assert [r["ID"] for r in rules] == ["tmp", "old"], rules
assert rules[0]["Filter"]["And"]["Tags"] == [{"Key": "scratch", "Value": "yes"}] and rules[0]["Expiration"]["Days"] == 7, rules
r = home.put_object(Bucket="cfg-src", Key="tmp/x", Body=b"x", Tagging="scratch=yes")
assert 'rule-id="tmp"' in r["Expiration"], r
home.delete_bucket_lifecycle(Bucket="cfg-src")
assert code(home.get_bucket_lifecycle_configuration, Bucket="cfg-src") == "NoSuchLifecycleConfiguration"

# CORS, and a browser's preflight.
home.put_bucket_cors(Bucket="cfg-src", CORSConfiguration={"CORSRules": [
    {"AllowedOrigins": ["https://app.example.com"], "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["*"],
     "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 120}]})
assert home.get_bucket_cors(Bucket="cfg-src")["CORSRules"][0]["MaxAgeSeconds"] == 120
assert code(home.put_bucket_cors, Bucket="cfg-src", CORSConfiguration={"CORSRules": [
    {"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}]}) == "InvalidRequest"


def preflight(origin, method):
    req = urllib.request.Request(endpoint + "/cfg-src/doc.txt", method="OPTIONS",
                                 headers={"Origin": origin, "Access-Control-Request-Method": method,
                                          "Access-Control-Request-Headers": "content-type"})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, resp.headers, b""
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


status, headers, _ = preflight("https://app.example.com", "PUT")
assert status == 200 and headers["Access-Control-Allow-Origin"] == "https://app.example.com", (status, dict(headers))
assert headers["Access-Control-Allow-Methods"] == "GET, PUT" and headers["Access-Control-Max-Age"] == "120", dict(headers)
status, _, body = preflight("https://evil.example", "GET")
assert status == 403 and b"CORSResponse: This CORS request is not allowed" in body, (status, body)
home.delete_bucket_cors(Bucket="cfg-src")
assert code(home.get_bucket_cors, Bucket="cfg-src") == "NoSuchCORSConfiguration"

# Listings and ownership.
for i in range(3):
    home.create_bucket(Bucket="cfg-page-%d" % i)
resp = home.list_objects_v2(Bucket="cfg-src", MaxKeys=0)
assert resp["IsTruncated"] is False and "NextContinuationToken" not in resp, resp
home.put_object(Bucket="cfg-src", Key="a b", Body=b"")
# With EncodingType given explicitly botocore leaves the keys as sent: a
# space is %20, not "+".
resp = home.list_objects_v2(Bucket="cfg-src", EncodingType="url", Prefix="a")
assert [o["Key"] for o in resp["Contents"]] == ["a%20b"], resp["Contents"]
# Without it botocore asks for url encoding itself and decodes.
assert [o["Key"] for o in home.list_objects_v2(Bucket="cfg-src", Prefix="a")["Contents"]] == ["a b"]
names = [b["Name"] for page in home.get_paginator("list_buckets").paginate(PaginationConfig={"PageSize": 2}) for b in page["Buckets"]]
assert names == ["cfg-page-0", "cfg-page-1", "cfg-page-2", "cfg-src"], names
assert code(home.create_bucket, Bucket="cfg-acl", ACL="public-read") == "InvalidBucketAclWithObjectOwnership"
home.delete_bucket_ownership_controls(Bucket="cfg-page-0")
assert code(home.get_bucket_ownership_controls, Bucket="cfg-page-0") == "OwnershipControlsNotFoundError"
print("ok")
