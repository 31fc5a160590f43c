"""Presigned PUTs from boto3's generate_presigned_url, uploaded with a plain
HTTP client, and S3's refusal of an x-amz-* header the URL does not sign.
Prints "ok" or raises."""
import urllib.error
import urllib.request

import boto3
from botocore.config import Config

s3 = boto3.client("s3", region_name="us-east-1", config=Config(signature_version="s3v4"))
s3.create_bucket(Bucket="presign-bucket")


def put(url, body, headers=None):
    req = urllib.request.Request(url, data=body, method="PUT", headers=headers or {})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


# A plain presigned PUT (no x-id parameter, unlike aws-sdk-go-v2's).
url = s3.generate_presigned_url("put_object", Params={"Bucket": "presign-bucket", "Key": "plain.txt"}, ExpiresIn=60)
assert "X-Amz-Signature=" in url and "x-id=" not in url, url
status, body = put(url, b"uploaded with urllib")
assert status == 200, (status, body)
assert s3.get_object(Bucket="presign-bucket", Key="plain.txt")["Body"].read() == b"uploaded with urllib"

# Metadata and Content-Type are signed headers of the URL: the uploader
# sends them as they were signed.
url = s3.generate_presigned_url("put_object", Params={"Bucket": "presign-bucket", "Key": "meta.txt", "Metadata": {"owner": "me"},
                                                      "ContentType": "text/plain"}, ExpiresIn=60)
status, body = put(url, b"with metadata", {"x-amz-meta-owner": "me", "Content-Type": "text/plain"})
assert status == 200, (status, body)
h = s3.head_object(Bucket="presign-bucket", Key="meta.txt")
assert h["Metadata"] == {"owner": "me"} and h["ContentType"] == "text/plain", h

# An x-amz-* header the URL does not sign is refused, and nothing is stored.
url = s3.generate_presigned_url("put_object", Params={"Bucket": "presign-bucket", "Key": "sneaky.txt"}, ExpiresIn=60)
status, body = put(url, b"x", {"x-amz-meta-sneaky": "1"})
assert status == 403 and b"<Code>AccessDenied</Code>" in body and b"<HeadersNotSigned>x-amz-meta-sneaky</HeadersNotSigned>" in body, (status, body)
status, body = put(url, b"x", {"x-amz-copy-source": "/presign-bucket/plain.txt"})
assert status == 403 and b"<HeadersNotSigned>x-amz-copy-source</HeadersNotSigned>" in body, (status, body)
try:
    s3.head_object(Bucket="presign-bucket", Key="sneaky.txt")
    raise AssertionError("refused PUT stored an object")
except s3.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "404", e.response

print("ok")
