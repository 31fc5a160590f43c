"""Issue 22's conformance fixes not covered by the other scripts, through
boto3: a re-sent part replaces the earlier one, UploadPartCopy past the
source's end is InvalidRange, a stored Content-Encoding drops aws-chunked,
an unmodelled bucket subresource is NotImplemented (never a listing),
GetBucketOwnershipControls after its delete is
OwnershipControlsNotFoundError, and ListBuckets pages with MaxBuckets.
Prints "ok" or raises."""
import boto3
from botocore.exceptions import ClientError

s3 = boto3.client("s3", region_name="us-east-1")


def code(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("%s %s succeeded" % (fn.__name__, kw))


for b in ("conf-a", "conf-b", "conf-c"):
    s3.create_bucket(Bucket=b)
s3.put_object(Bucket="conf-a", Key="src", Body=b"0123456789")

up = s3.create_multipart_upload(Bucket="conf-a", Key="mp")["UploadId"]
s3.upload_part(Bucket="conf-a", Key="mp", UploadId=up, PartNumber=1, Body=b"first")
p = s3.upload_part(Bucket="conf-a", Key="mp", UploadId=up, PartNumber=1, Body=b"second")
parts = s3.list_parts(Bucket="conf-a", Key="mp", UploadId=up)["Parts"]
assert [(x["PartNumber"], x["Size"]) for x in parts] == [(1, 6)], parts
assert code(s3.upload_part_copy, Bucket="conf-a", Key="mp", UploadId=up, PartNumber=2,
            CopySource="conf-a/src", CopySourceRange="bytes=5-20") == ("InvalidRange", 416)
s3.complete_multipart_upload(Bucket="conf-a", Key="mp", UploadId=up,
                             MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p["ETag"]}]})
assert s3.get_object(Bucket="conf-a", Key="mp")["Body"].read() == b"second"

s3.put_object(Bucket="conf-a", Key="gz", Body=b"x", ContentEncoding="gzip, aws-chunked")
assert s3.head_object(Bucket="conf-a", Key="gz")["ContentEncoding"] == "gzip"

assert code(s3.get_bucket_accelerate_configuration, Bucket="conf-a") == ("NotImplemented", 501)
assert code(s3.get_bucket_request_payment, Bucket="conf-a") == ("NotImplemented", 501)

s3.delete_bucket_ownership_controls(Bucket="conf-b")
assert code(s3.get_bucket_ownership_controls, Bucket="conf-b") == ("OwnershipControlsNotFoundError", 404)

page = s3.list_buckets(MaxBuckets=2)
assert len(page["Buckets"]) == 2 and page["ContinuationToken"], page
rest = s3.list_buckets(MaxBuckets=2, ContinuationToken=page["ContinuationToken"])
assert [b["Name"] for b in page["Buckets"] + rest["Buckets"]] == ["conf-a", "conf-b", "conf-c"], rest
assert "ContinuationToken" not in rest
print("ok")
