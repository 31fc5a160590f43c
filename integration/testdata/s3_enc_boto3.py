"""Issue 22's S3 features through boto3: encryption headers, SSE-C,
conditional writes and deletes, browser uploads (generate_presigned_post),
GetObjectAttributes, GetBucketPolicyStatus, PartNumber, and the multipart
and request conformance fixes. Prints "ok" or raises."""
import base64
import email.utils
import hashlib
import io
import json
import os
import time
import urllib.error
import urllib.request
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

s3 = boto3.client("s3", region_name="us-east-1")
v4 = boto3.client("s3", region_name="us-east-1", config=Config(signature_version="s3v4"))


def code(fn, *args, **kw):
    """Calls fn and returns the error code it raised (or None)."""
    try:
        fn(*args, **kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None


s3.create_bucket(Bucket="enc22")

# SSE-S3 on every object.
assert s3.put_object(Bucket="enc22", Key="plain", Body=b"plain")["ServerSideEncryption"] == "AES256"
assert s3.get_object(Bucket="enc22", Key="plain")["ServerSideEncryption"] == "AES256"
assert s3.head_object(Bucket="enc22", Key="plain")["ServerSideEncryption"] == "AES256"
mp = s3.create_multipart_upload(Bucket="enc22", Key="mp")
assert mp["ServerSideEncryption"] == "AES256", mp
p1 = s3.upload_part(Bucket="enc22", Key="mp", UploadId=mp["UploadId"], PartNumber=1, Body=b"a" * 10)
assert p1["ServerSideEncryption"] == "AES256"
done = s3.complete_multipart_upload(Bucket="enc22", Key="mp", UploadId=mp["UploadId"],
                                    MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p1["ETag"]}]})
assert done["ServerSideEncryption"] == "AES256", done
# Completing again answers as the first time.
again = s3.complete_multipart_upload(Bucket="enc22", Key="mp", UploadId=mp["UploadId"],
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p1["ETag"]}]})
assert again["ETag"] == done["ETag"], (again, done)

# SSE-KMS with a key that does not exist is KMS's NotFoundException, and
# nothing is stored (SSE-KMS itself: s3_kms_boto3.py).
assert code(s3.put_object, Bucket="enc22", Key="kms", Body=b"x", ServerSideEncryption="aws:kms",
            SSEKMSKeyId="alias/missing") == ("KMS.NotFoundException", 400)
assert code(s3.head_object, Bucket="enc22", Key="kms")[1] == 404

# SSE-C: botocore computes the key's MD5.
key1, key2 = os.urandom(32), os.urandom(32)
r = s3.put_object(Bucket="enc22", Key="secret", Body=b"classified", SSECustomerAlgorithm="AES256", SSECustomerKey=key1)
assert r["SSECustomerAlgorithm"] == "AES256" and "ServerSideEncryption" not in r, r
assert code(s3.get_object, Bucket="enc22", Key="secret") == ("InvalidRequest", 400)
assert code(s3.get_object, Bucket="enc22", Key="secret", SSECustomerAlgorithm="AES256", SSECustomerKey=key2) == ("AccessDenied", 403)
assert code(s3.head_object, Bucket="enc22", Key="secret")[1] == 400
got = s3.get_object(Bucket="enc22", Key="secret", SSECustomerAlgorithm="AES256", SSECustomerKey=key1)
assert got["Body"].read() == b"classified"
s3.copy_object(Bucket="enc22", Key="secret-copy", CopySource={"Bucket": "enc22", "Key": "secret"},
               CopySourceSSECustomerAlgorithm="AES256", CopySourceSSECustomerKey=key1)
assert s3.get_object(Bucket="enc22", Key="secret-copy")["Body"].read() == b"classified"

# Bucket default encryption.
enc = s3.get_bucket_encryption(Bucket="enc22")["ServerSideEncryptionConfiguration"]["Rules"][0]
assert enc["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", enc
s3.put_bucket_encryption(Bucket="enc22", ServerSideEncryptionConfiguration={"Rules": [
    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]})
assert s3.get_bucket_encryption(Bucket="enc22")["ServerSideEncryptionConfiguration"]["Rules"][0]["BucketKeyEnabled"] is True
assert code(s3.put_bucket_encryption, Bucket="enc22", ServerSideEncryptionConfiguration={"Rules": [
    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256", "KMSMasterKeyID": "alias/x"}}]})[0] == "InvalidArgument"
s3.delete_bucket_encryption(Bucket="enc22")

# Conditional writes and deletes.
first = s3.put_object(Bucket="enc22", Key="cond", Body=b"1", IfNoneMatch="*")
assert code(s3.put_object, Bucket="enc22", Key="cond", Body=b"2", IfNoneMatch="*") == ("PreconditionFailed", 412)
assert code(s3.put_object, Bucket="enc22", Key="cond", Body=b"2", IfMatch='"00000000000000000000000000000000"') == ("PreconditionFailed", 412)
s3.put_object(Bucket="enc22", Key="cond", Body=b"2", IfMatch=first["ETag"])
cur = s3.head_object(Bucket="enc22", Key="cond")["ETag"]
assert code(s3.delete_object, Bucket="enc22", Key="cond", IfMatch=first["ETag"]) == ("PreconditionFailed", 412)
res = s3.delete_objects(Bucket="enc22", Delete={"Objects": [{"Key": "cond", "ETag": first["ETag"]}]})
assert res["Errors"][0]["Code"] == "PreconditionFailed", res
s3.delete_object(Bucket="enc22", Key="cond", IfMatch=cur)
assert code(s3.head_object, Bucket="enc22", Key="cond")[1] == 404
mp2 = s3.create_multipart_upload(Bucket="enc22", Key="plain")
p = s3.upload_part(Bucket="enc22", Key="plain", UploadId=mp2["UploadId"], PartNumber=1, Body=b"z")
assert code(s3.complete_multipart_upload, Bucket="enc22", Key="plain", UploadId=mp2["UploadId"], IfNoneMatch="*",
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p["ETag"]}]}) == ("PreconditionFailed", 412)

# GetObjectAttributes, PartNumber.
attrs = s3.get_object_attributes(Bucket="enc22", Key="mp", ObjectAttributes=["ETag", "ObjectParts", "ObjectSize", "StorageClass"])
assert attrs["ObjectSize"] == 10 and attrs["ObjectParts"]["TotalPartsCount"] == 1 and attrs["StorageClass"] == "STANDARD", attrs
assert s3.head_object(Bucket="enc22", Key="mp", PartNumber=1)["PartsCount"] == 1
assert code(s3.get_object, Bucket="enc22", Key="mp", PartNumber=2) == ("InvalidPartNumber", 416)

# Range of an empty object; an empty upload from a file (Expect:
# 100-continue) does not stall the next call on the connection.
s3.put_object(Bucket="enc22", Key="empty", Body=io.BytesIO(b""))
s3.put_object(Bucket="enc22", Key="after-empty", Body=io.BytesIO(b"next"))
assert code(s3.get_object, Bucket="enc22", Key="empty", Range="bytes=0-0") == ("InvalidRange", 416)

# Policy status.
assert code(s3.get_bucket_policy_status, Bucket="enc22")[0] == "NoSuchBucketPolicy"
s3.put_bucket_policy(Bucket="enc22", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "222222222222"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::enc22/*"}]}))
assert s3.get_bucket_policy_status(Bucket="enc22")["PolicyStatus"]["IsPublic"] is False


# Browser uploads with generate_presigned_post (SigV4).
def post(url, fields, filename, data):
    boundary = uuid.uuid4().hex
    parts = []
    for k, v in fields.items():
        parts.append(('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, k, v)).encode())
    parts.append(('--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\nContent-Type: text/plain\r\n\r\n' % (boundary, filename)).encode())
    parts.append(data + ("\r\n--%s--\r\n" % boundary).encode())
    req = urllib.request.Request(url, data=b"".join(parts), method="POST",
                                 headers={"Content-Type": "multipart/form-data; boundary=" + boundary})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


form = v4.generate_presigned_post("enc22", "uploads/${filename}", Fields={"success_action_status": "201"},
                                  Conditions=[{"success_action_status": "201"}, ["starts-with", "$key", "uploads/"],
                                              ["content-length-range", 1, 1024]], ExpiresIn=300)
status, body = post(form["url"], form["fields"], "hello.txt", b"hello from a form")
assert status == 201 and "<Key>uploads/hello.txt</Key>" in body, (status, body)
assert s3.get_object(Bucket="enc22", Key="uploads/hello.txt")["Body"].read() == b"hello from a form"
status, body = post(form["url"], form["fields"], "big.txt", b"x" * 2000)
assert status == 400 and "EntityTooLarge" in body, (status, body)
status, body = post(form["url"], dict(form["fields"], **{"x-amz-meta-extra": "1"}), "a.txt", b"x")
assert status == 403 and "Extra input fields" in body, (status, body)
expired = v4.generate_presigned_post("enc22", "late", ExpiresIn=-60)
status, body = post(expired["url"], expired["fields"], "a.txt", b"x")
assert status == 403 and "Policy expired" in body, (status, body)
tampered = dict(form["fields"], policy=base64.b64encode(b'{"expiration":"2099-01-01T00:00:00Z","conditions":[]}').decode())
status, body = post(form["url"], tampered, "a.txt", b"x")
assert status == 403 and "SignatureDoesNotMatch" in body, (status, body)

# A SigV4 request signed with a Date header (botocore drops X-Amz-Date).
def add_date(request, **kw):
    request.headers["Date"] = email.utils.formatdate()


v4.meta.events.register("before-sign.s3.PutObject", add_date)
v4.put_object(Bucket="enc22", Key="dated", Body=b"dated")
v4.meta.events.unregister("before-sign.s3.PutObject", add_date)
assert s3.get_object(Bucket="enc22", Key="dated")["Body"].read() == b"dated"

# An expired presigned URL (botocore presigns with SigV2 here).
url = s3.generate_presigned_url("get_object", Params={"Bucket": "enc22", "Key": "plain"}, ExpiresIn=-10)
try:
    urllib.request.urlopen(url)
    raise AssertionError("expired URL answered")
except urllib.error.HTTPError as e:
    body = e.read().decode()
    assert e.code == 403 and "Request has expired" in body, (e.code, body)

# DeleteBucket of a bucket holding only an upload in progress.
s3.create_bucket(Bucket="uploads-only22")
s3.create_multipart_upload(Bucket="uploads-only22", Key="k")
s3.delete_bucket(Bucket="uploads-only22")

print("ok")
