"""S3 Batch Operations with boto3 against `xacct serve`: a LambdaInvoke
job (schema 1.0, URL-encoded keys) with a Python function, then its
completion report. The S3 Control client reaches the emulator through
HTTP_PROXY (botocore sends to ACCOUNT.HOST:PORT)."""
import csv, io, json, time, urllib.parse, zipfile
import boto3

ACCT = "111111111111"
s3 = boto3.client("s3")
iam = boto3.client("iam")
lam = boto3.client("lambda")
ctl = boto3.client("s3control")

s3.create_bucket(Bucket="py-src")
s3.create_bucket(Bucket="py-rep")
keys = ["a.txt", "dir/b c.txt", "ü+é.txt"]
for k in keys:
    s3.put_object(Bucket="py-src", Key=k, Body=b"x")
manifest = "".join("py-src,%s\n" % urllib.parse.quote_plus(k) for k in keys)
etag = s3.put_object(Bucket="py-rep", Key="manifest.csv", Body=manifest.encode())["ETag"]

code = io.BytesIO()
with zipfile.ZipFile(code, "w") as z:
    z.writestr("app.py", """
import urllib.parse
seen = {}
def handler(event, context):
    t = event["tasks"][0]
    key = urllib.parse.unquote_plus(t["s3Key"])
    seen[key] = seen.get(key, 0) + 1
    if key == "a.txt" and seen[key] < 2:
        # Batch Operations retries a TemporaryFailure.
        return {"invocationSchemaVersion": "1.0", "treatMissingKeysAs": "PermanentFailure", "invocationId": event["invocationId"],
                "results": [{"taskId": t["taskId"], "resultCode": "TemporaryFailure", "resultString": "try again"}]}
    return {"invocationSchemaVersion": event["invocationSchemaVersion"], "treatMissingKeysAs": "PermanentFailure",
            "invocationId": event["invocationId"],
            "results": [{"taskId": t["taskId"], "resultCode": "PermanentFailure" if key.startswith("dir/") else "Succeeded",
                         "resultString": t["s3BucketArn"] + " " + key + " attempt %d" % seen[key]}]}
""")
lambda_trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
exec_role = iam.create_role(RoleName="py-exec", AssumeRolePolicyDocument=json.dumps(lambda_trust))["Role"]["Arn"]
fn = lam.create_function(FunctionName="py-batch", Runtime="python3.12", Handler="app.handler", Role=exec_role,
                         Code={"ZipFile": code.getvalue()})["FunctionArn"]
job_trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "batchoperations.s3.amazonaws.com"},
             "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:SourceAccount": ACCT}}}]}
role = iam.create_role(RoleName="py-job", AssumeRolePolicyDocument=json.dumps(job_trust))["Role"]["Arn"]
iam.put_role_policy(RoleName="py-job", PolicyName="job", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": fn},
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::py-rep/*"}]}))

job = ctl.create_job(AccountId=ACCT, ConfirmationRequired=False, Priority=5, RoleArn=role, ClientRequestToken="py-1",
                     Operation={"LambdaInvoke": {"FunctionArn": fn, "InvocationSchemaVersion": "1.0"}},
                     Manifest={"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                               "Location": {"ObjectArn": "arn:aws:s3:::py-rep/manifest.csv", "ETag": etag}},
                     Report={"Bucket": "arn:aws:s3:::py-rep", "Prefix": "out", "Format": "Report_CSV_20180820",
                             "Enabled": True, "ReportScope": "AllTasks"})["JobId"]
for _ in range(600):
    d = ctl.describe_job(AccountId=ACCT, JobId=job)["Job"]
    if d["Status"] in ("Complete", "Failed", "Cancelled"):
        break
    time.sleep(0.1)
p = d["ProgressSummary"]
print("job", d["Status"], p["TotalNumberOfTasks"], p["NumberOfTasksSucceeded"], p["NumberOfTasksFailed"], d["Operation"]["LambdaInvoke"]["InvocationSchemaVersion"])
print("listed", [j["JobId"] == job and j["Operation"] for j in ctl.list_jobs(AccountId=ACCT, JobStatuses=["Complete"])["Jobs"]])
m = json.loads(s3.get_object(Bucket="py-rep", Key="out/job-%s/manifest.json" % job)["Body"].read())
rows = []
for r in m["Results"]:
    body = s3.get_object(Bucket=r["Bucket"], Key=r["Key"])["Body"].read().decode()
    rows += list(csv.reader(io.StringIO(body)))
for r in sorted(rows, key=lambda r: urllib.parse.unquote_plus(r[1])):
    print("row", urllib.parse.unquote_plus(r[1]), r[3], r[4], r[5], r[6])
try:
    ctl.describe_job(AccountId=ACCT, JobId="00000000-0000-0000-0000-000000000000")
except ctl.exceptions.NotFoundException as e:
    print("missing", e.response["Error"]["Code"])
