"""Step 4 of the project's system with boto3: deploy/target.yaml and
deploy/home.yaml are deployed with EncryptWithKMS (keys given in the
SOURCE_KEY and TARGET_KEY environment variables); the s3-copy function
copies into the target key, single and multipart (MULTIPART_THRESHOLD set
on the function), then each piece of step 4 is taken away in turn and
restored. Prints one line per case: NAME RESULT.
"""
import base64
import json
import os

import boto3

HOME, TARGET = "111111111111", "222222222222"
SOURCE_KEY, TARGET_KEY = os.environ["SOURCE_KEY"], os.environ["TARGET_KEY"]


def client(service, acct):
    return boto3.client(service, aws_access_key_id=acct, aws_secret_access_key="test", region_name="us-east-1")


hs3, ts3, lam = client("s3", HOME), client("s3", TARGET), client("lambda", HOME)
hkms, tkms, tiam = client("kms", HOME), client("kms", TARGET), client("iam", TARGET)


def invoke():
    out = lam.invoke(FunctionName="xacct-s3-copy", Payload=b"{}", LogType="Tail")
    payload = out["Payload"].read().decode()
    logs = base64.b64decode(out.get("LogResult", "")).decode()
    return out.get("FunctionError", ""), payload, logs


def says(logs):
    """The emulator's diagnosis the function logged, up to its first ':'."""
    marker = "The xacct emulator, which sees both accounts' policies, says: "
    i = logs.find(marker)
    if i < 0:
        return "no explanation logged"
    rest = logs[i + len(marker):]
    return rest[:rest.find(":")]


def without(policy, sid):
    doc = json.loads(policy)
    doc["Statement"] = [s for s in doc["Statement"] if s.get("Sid") != sid]
    return json.dumps(doc)


# Single and multipart: a 6 MiB object above a 5 MiB threshold is copied
# with UploadPartCopy into the SSE-KMS target.
cfg = lam.get_function_configuration(FunctionName="xacct-s3-copy")
env = cfg["Environment"]["Variables"]
env["MULTIPART_THRESHOLD"] = str(5 << 20)
lam.update_function_configuration(FunctionName="xacct-s3-copy", Environment={"Variables": env})
big = os.urandom(6 << 20)
hs3.put_object(Bucket="kms-src", Key="small.txt", Body=b"small object")
hs3.put_object(Bucket="kms-src", Key="big.bin", Body=big)
fe, payload, logs = invoke()
print("copy", fe or "OK", payload)
for key in ("small.txt", "big.bin"):
    h = ts3.head_object(Bucket="kms-dst", Key=key)
    body = ts3.get_object(Bucket="kms-dst", Key=key)["Body"].read()
    want = big if key == "big.bin" else b"small object"
    print("encrypted-" + key, h["ServerSideEncryption"], h["SSEKMSKeyId"] == TARGET_KEY, body == want,
          h.get("Metadata", {}).get("xacct-source-etag", "") != "")

src_policy = hkms.get_key_policy(KeyId=SOURCE_KEY, PolicyName="default")["Policy"]
dst_policy = tkms.get_key_policy(KeyId=TARGET_KEY, PolicyName="default")["Policy"]
role_policy = tiam.get_role_policy(RoleName="xacct-cross-account", PolicyName="decrypt-source-key")["PolicyDocument"]
if not isinstance(role_policy, str):
    role_policy = json.dumps(role_policy)

cases = [
    ("no-source-key-policy",
     lambda: hkms.put_key_policy(KeyId=SOURCE_KEY, PolicyName="default", Policy=without(src_policy, "TargetRoleDecryptsThroughS3")),
     lambda: hkms.put_key_policy(KeyId=SOURCE_KEY, PolicyName="default", Policy=src_policy), {}),
    ("no-target-key-policy",
     lambda: tkms.put_key_policy(KeyId=TARGET_KEY, PolicyName="default", Policy=without(dst_policy, "CrossAccountRoleWritesThroughS3")),
     lambda: tkms.put_key_policy(KeyId=TARGET_KEY, PolicyName="default", Policy=dst_policy), {}),
    ("no-role-decrypt",
     lambda: tiam.delete_role_policy(RoleName="xacct-cross-account", PolicyName="decrypt-source-key"),
     lambda: tiam.put_role_policy(RoleName="xacct-cross-account", PolicyName="decrypt-source-key", PolicyDocument=role_policy), {}),
    ("cross-aws-s3", lambda: None, lambda: hs3.delete_object(Bucket="kms-src", Key="cross-aws-s3.txt"),
     {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "alias/aws/s3"}),
]
for name, brk, fix, extra in cases:
    hs3.put_object(Bucket="kms-src", Key=name + ".txt", Body=name.encode(), **extra)
    brk()
    fe, payload, logs = invoke()
    fix()
    denied = "AccessDenied" if "api error AccessDenied" in payload else "not AccessDenied"
    print(name, fe or "no error", denied, says(logs))
    fe, payload, _ = invoke()
    print("restored-" + name, fe or "OK", payload)
