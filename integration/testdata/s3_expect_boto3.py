"""Unknown Expect values through boto3, as ceph s3-tests sends them
(test_headers.py: test_object_create_bad_expect_mismatch, _empty, and
test_bucket_create_bad_expect_mismatch): S3 processes the request. Then
uploads with 100-continue (botocore's default for large bodies) on the same
client. Prints "ok" or raises."""
import boto3

s3 = boto3.client("s3", region_name="us-east-1")


def with_expect(value):
    def add(params, **kw):
        params["headers"]["Expect"] = value
    return add


for op in ("CreateBucket", "PutObject"):
    s3.meta.events.register("before-call.s3." + op, with_expect("200"))
s3.create_bucket(Bucket="expect-b")
s3.put_object(Bucket="expect-b", Key="mismatch", Body=b"bar")

s3b = boto3.client("s3", region_name="us-east-1")
s3b.meta.events.register("before-call.s3.PutObject", with_expect(""))
s3b.put_object(Bucket="expect-b", Key="empty", Body=b"bar")
for k in ("mismatch", "empty"):
    assert s3.get_object(Bucket="expect-b", Key=k)["Body"].read() == b"bar", k
big = b"x" * (2 * 1024 * 1024)  # botocore sends Expect: 100-continue
s3b.upload_fileobj(__import__("io").BytesIO(big), "expect-b", "big")
assert s3b.get_object(Bucket="expect-b", Key="big")["Body"].read() == big
print("ok")
