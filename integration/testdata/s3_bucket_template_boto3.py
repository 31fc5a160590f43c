"""The user template testdata/s3_bucket_template.yaml deployed with boto3's
CloudFormation client (create_stack, then the waiter); each bucket property
is read back through the S3 API. Prints "ok" or raises."""
import boto3

cf = boto3.client("cloudformation", region_name="us-east-1")
s3 = boto3.client("s3", region_name="us-east-1")
with open("testdata/s3_bucket_template.yaml") as f:
    body = f.read()
cf.create_stack(StackName="boto3-bucket", TemplateBody=body,
                Parameters=[{"ParameterKey": "BucketName", "ParameterValue": "boto3-cfn-bucket"}])
cf.get_waiter("stack_create_complete").wait(StackName="boto3-bucket", WaiterConfig={"Delay": 1})
b = "boto3-cfn-bucket"
assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Enabled"
assert s3.get_bucket_tagging(Bucket=b)["TagSet"] == [{"Key": "team", "Value": "blue"}]
rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"]}
assert rules["expire-tmp"]["Expiration"]["Days"] == 7, rules
assert rules["expire-tmp"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30, rules
assert rules["uploads"]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 3, rules
cors = s3.get_bucket_cors(Bucket=b)["CORSRules"]
assert cors[0]["AllowedOrigins"] == ["https://app.example.com"] and cors[0]["MaxAgeSeconds"] == 300, cors
enc = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"][0]
assert enc["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256" and enc["BucketKeyEnabled"], enc
pab = s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"]
assert pab["BlockPublicAcls"] and not pab["RestrictPublicBuckets"], pab
own = s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]["Rules"]
assert own == [{"ObjectOwnership": "BucketOwnerEnforced"}], own
# The deployed bucket works as configured: versions and tags on writes.
v1 = s3.put_object(Bucket=b, Key="tmp/a", Body=b"1", Tagging="k=v")
v2 = s3.put_object(Bucket=b, Key="tmp/a", Body=b"2")
assert v1["VersionId"] != v2["VersionId"] and v1["ServerSideEncryption"] == "AES256"
assert s3.get_object(Bucket=b, Key="tmp/a", VersionId=v1["VersionId"])["TagCount"] == 1
print("ok")
