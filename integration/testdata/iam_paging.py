"""boto3's paginators over IAM lists longer than a page.

Creates 105 roles and 3 users, then prints how many distinct roles
ListRoles' paginator saw with the default page size and with MaxItems=10
(PaginationConfig PageSize), and how many users with PageSize=1.
"""
import json
import sys

import boto3

iam = boto3.client("iam", region_name="us-east-1")
trust = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
for i in range(105):
    iam.create_role(RoleName=f"paged-{i:03d}", AssumeRolePolicyDocument=trust)
for i in range(3):
    iam.create_user(UserName=f"user-{i}")


def distinct(op, key, name, **config):
    seen, pages = [], 0
    for page in iam.get_paginator(op).paginate(PaginationConfig=config):
        pages += 1
        if pages > 50:
            return "endless"
        seen += [item[name] for item in page[key]]
    return f"{len(set(seen))}/{len(seen)} in {pages} pages"


print("roles", distinct("list_roles", "Roles", "RoleName"))
print("roles by 10", distinct("list_roles", "Roles", "RoleName", PageSize=10))
print("users by 1", distinct("list_users", "Users", "UserName", PageSize=1))
sys.exit(0)
