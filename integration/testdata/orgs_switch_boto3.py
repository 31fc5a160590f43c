"""The switch-account function across an organization, driven with boto3.

  setup: the management account 111111111111 creates an organization of four
         member accounts in two OUs (Workloads: dev, prod; Sandbox: test,
         lab); lab's OrganizationAccountAccessRole is deleted. Prints the
         account ids as JSON.
  invoke: invokes xacct-switch-account (deployed from deploy/home.yaml with
         OrganizationRoleName) with {"organization": true, "maxConcurrency": 2}
         and prints the function's answer as JSON.
  member: a member account invokes its own copy of the function: ListAccounts
         is refused. Prints the answer as JSON.
"""
import json
import sys

import boto3

MGMT = "111111111111"


def client(service, key, secret="test", token=None):
    return boto3.client(service, aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
                        region_name="us-east-1")


def setup():
    org = client("organizations", MGMT)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    ids = {}
    for ou_name, names in (("Workloads", ("dev", "prod")), ("Sandbox", ("test", "lab"))):
        ou = org.create_organizational_unit(ParentId=root, Name=ou_name)["OrganizationalUnit"]["Id"]
        for name in names:
            acct = org.create_account(AccountName=name, Email=name + "@example.com")["CreateAccountStatus"]["AccountId"]
            org.move_account(AccountId=acct, SourceParentId=root, DestinationParentId=ou)
            ids[name] = acct
    iam = client("iam", ids["lab"])
    role = "OrganizationAccountAccessRole"
    for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=role, PolicyArn=p["PolicyArn"])
    iam.delete_role(RoleName=role)
    print(json.dumps(ids))


def invoke(account, name):
    lam = client("lambda", account)
    out = lam.invoke(FunctionName=name, Payload=json.dumps({"organization": True, "maxConcurrency": 2}).encode())
    payload = json.loads(out["Payload"].read())
    print(json.dumps({"StatusCode": out["StatusCode"], "FunctionError": out.get("FunctionError", ""), "Payload": payload}))


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup()
    elif sys.argv[1] == "invoke":
        invoke(MGMT, "xacct-switch-account")
    else:
        invoke(sys.argv[2], "switch-member")
