"""Runs the SAM translator (aws-sam-translator, as installed with cfn-lint)
on templates, for the Go tests' differential comparison.

usage: python3 samtranslate.py TEMPLATE...
Prints a JSON object mapping each file to its processed template, or to
{"error": "<the message CloudFormation shows>"}. The region comes from
AWS_DEFAULT_REGION.
"""
import json
import sys

from samtranslator.public.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


def translate(path):
    with open(path, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    try:
        return transform(template, {}, None)
    except InvalidDocumentException as e:
        causes = " ".join(c.message for c in e.causes)
        return {"error": "Transform AWS::Serverless-2016-10-31 failed with: " + e.message + " " + causes}


json.dump({path: translate(path) for path in sys.argv[1:]}, sys.stdout, indent=2, default=str)
