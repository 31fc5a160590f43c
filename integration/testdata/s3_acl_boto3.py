"""S3 ACLs through boto3 (issue 22): the cross-account upload pitfall under
ObjectWriter (account B writes into account A's bucket; without the
bucket-owner-full-control canned ACL A cannot read what B wrote, and the
refusal's X-Xacct-Explain names the object's owner; with it A reads),
BucketOwnerPreferred, ACLs given on CreateBucket, the AuthenticatedUsers
group and grants S3 refuses. Prints "ok" or raises."""
import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

A, B = "111111111111", "222222222222"


def client(acct):
    return boto3.client("s3", region_name="us-east-1", aws_access_key_id=acct, aws_secret_access_key="test")


def refusal(fn, **kw):
    """The error code and X-Xacct-Explain of a refused call."""
    try:
        fn(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPHeaders"].get("x-xacct-explain", "")
    raise AssertionError("%s succeeded" % fn.__name__)


def grants(acl):
    out = set()
    for g in acl["Grants"]:
        who = g["Grantee"].get("URI") or g["Grantee"].get("ID")
        out.add((who, g["Permission"]))
    return out


a, b = client(A), client(B)
anon = boto3.client("s3", region_name="us-east-1", config=Config(signature_version=UNSIGNED))
b.create_bucket(Bucket="b-home")
b_id = b.list_buckets()["Owner"]["ID"]

# ACLs on CreateBucket are kept and enforced.
a.create_bucket(Bucket="acl-dst", ObjectOwnership="ObjectWriter", GrantRead='id="%s"' % b_id)
assert (b_id, "READ") in grants(a.get_bucket_acl(Bucket="acl-dst"))
b.list_objects_v2(Bucket="acl-dst")
code, _ = refusal(a.create_bucket, Bucket="acl-public", ObjectOwnership="ObjectWriter", ACL="public-read")
assert code == "InvalidBucketAclWithBlockPublicAccessError", code
code, _ = refusal(a.create_bucket, Bucket="acl-email", ObjectOwnership="ObjectWriter", GrantRead='emailAddress="x@example.com"')
assert code == "UnresolvableGrantByEmailAddress", code
code, _ = refusal(a.create_bucket, Bucket="acl-unknown", ObjectOwnership="ObjectWriter", GrantRead='id="%s"' % ("ab" * 32))
assert code == "InvalidArgument", code

# B writes into A's ObjectWriter bucket.
a.put_bucket_policy(Bucket="acl-dst", Policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"%s"},'
                    '"Action":["s3:PutObject","s3:PutObjectAcl"],"Resource":"arn:aws:s3:::acl-dst/*"}]}' % B)
b.put_object(Bucket="acl-dst", Key="plain", Body=b"no acl")
code, why = refusal(a.get_object, Bucket="acl-dst", Key="plain")
assert code == "AccessDenied", code
assert "object ownership" in why and "owned by account %s" % B in why and "bucket-owner-full-control" in why, why
b.put_object(Bucket="acl-dst", Key="full", Body=b"with acl", ACL="bucket-owner-full-control")
assert a.get_object(Bucket="acl-dst", Key="full")["Body"].read() == b"with acl"
acl = a.get_object_acl(Bucket="acl-dst", Key="full")
assert acl["Owner"]["ID"] == b_id, acl["Owner"]
assert (b_id, "FULL_CONTROL") in grants(acl) and len(grants(acl)) == 2, grants(acl)
# The writer still owns and reads "plain"; granting afterwards works.
assert b.get_object(Bucket="acl-dst", Key="plain")["Body"].read() == b"no acl"
b.put_object_acl(Bucket="acl-dst", Key="plain", ACL="bucket-owner-read")
assert a.get_object(Bucket="acl-dst", Key="plain")["Body"].read() == b"no acl"

# BucketOwnerPreferred: bucket-owner-full-control makes A the owner.
a.put_bucket_ownership_controls(Bucket="acl-dst", OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
b.put_object(Bucket="acl-dst", Key="pref", Body=b"p", ACL="bucket-owner-full-control")
owner = a.get_object_acl(Bucket="acl-dst", Key="pref")["Owner"]["ID"]
assert owner != b_id, owner

# AuthenticatedUsers: any signed request, no anonymous one.
a.delete_public_access_block(Bucket="acl-dst")
a.put_object(Bucket="acl-dst", Key="auth", Body=b"signed only", ACL="authenticated-read")
assert b.get_object(Bucket="acl-dst", Key="auth")["Body"].read() == b"signed only"
code, _ = refusal(anon.get_object, Bucket="acl-dst", Key="auth")
assert code == "AccessDenied", code
a.put_object(Bucket="acl-dst", Key="pub", Body=b"everyone", ACL="public-read")
assert anon.get_object(Bucket="acl-dst", Key="pub")["Body"].read() == b"everyone"
print("ok")
