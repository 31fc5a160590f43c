package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The seed 004 system as the article gives it: a SAM template with a
// Python layer (Metadata BuildMethod python3.12) holding the
// cross-account helper, and the switch-account function using it.
const seed004Template = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: |
  Sample SAM Template for Switch Role

Globals:
  Function:
    Tracing: Active
  Api:
    TracingEnabled: true

Resources:
  CrossAccountLayer:
    Type: AWS::Serverless::LayerVersion
    Metadata:
      BuildMethod: python3.12
    Properties:
      LayerName: CrossAccountLayer
      ContentUri: layers/cross_account/
      CompatibleRuntimes:
        - python3.12

  SwitchAccountFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/switch_account/
      Handler: app.lambda_handler
      Runtime: python3.12
      Architectures:
        - x86_64
      Layers:
        - !Ref CrossAccountLayer
      Timeout: 60
      LoggingConfig:
        LogFormat: JSON
      Policies:
        - Version: '2012-10-17'
          Statement:
            - Effect: Allow
              Action:
                - sts:AssumeRole
              Resource: arn:aws:iam::*:role/external-role
`

const seed004Layer = `from typing import Dict, Any
import json
import boto3
import logging
import re

logger = logging.getLogger()
logger.setLevel("INFO")

ROLE_NAME = "external-role"
SESSION_NAME = "external-session"
ACCOUNT_ID_PATTERN = re.compile(r'^\d{12}$')

def validate_account_id(account_id: str) -> bool:
    return bool(ACCOUNT_ID_PATTERN.match(str(account_id)))

def assume(account_id: str) -> Dict[str, Any]:
    if not validate_account_id(account_id):
        logger.error(f"Invalid account ID format: {account_id}")
        raise ValueError("Invalid account ID format")

    try:
        sts_client = boto3.client('sts')

        role_arn = f'arn:aws:iam::{account_id}:role/{ROLE_NAME}'
        logger.info(f"Attempting to assume role: {role_arn}")

        response = sts_client.assume_role(
            RoleArn=role_arn,
            RoleSessionName=SESSION_NAME,
            DurationSeconds=3600
        )

        logger.info(f"Successfully assumed role for account: {account_id}")
        return response['Credentials']

    except ClientError as e:
        logger.error(f"Failed to assume role for account {account_id}: {str(e)}")
        raise
    except Exception as e:
        logger.error(f"Unexpected error while assuming role: {str(e)}")
        raise
`

const seed004Function = `import json
import boto3
import cross_account
import logging
from botocore.exceptions import BotoCoreError, ClientError

logger = logging.getLogger()
logger.setLevel("INFO")

def lambda_handler(event, context):
    try:
        account_id = event.get('account_id')
        if not account_id:
            logger.error("Missing account_id in event")
            return { 'statusCode': 400, 'body': json.dumps({'message': 'Missing account_id'}) }
        credential = cross_account.assume(account_id)

        logger.info(f"Successfully processed request for account: {account_id}")
        return {
            'statusCode': 200,
            'body': json.dumps({'message': 'Successfully processed request'})
        }

    except (BotoCoreError, ClientError) as e:
            logger.error(f"AWS API error: {str(e)}")
            return {
                'statusCode': 500,
                'body': json.dumps({'message': 'AWS API error occurred'})
            }
    except Exception as e:
        logger.error(f"Unexpected error: {str(e)}")
        return {
            'statusCode': 500,
            'body': 'Internal server error'
        }
    finally:
        logger.info(f"Cleaning up credentials for account: {account_id}")
        if 'credential' in locals():
            del credential
        logger.info(f"Credentials cleaned up for account: {account_id}")
`

// TestSeed004Layers is issue 15's must-show for seed 004: the article's
// template, layer and function deployed with xacct deploy into the home
// account, an external-role in the target account, and the article's
// event answering 200; no account_id 400; an invalid id 500 (the layer's
// ValueError, which the handler turns into 500); with the trust policy
// changed 500, and xacct invoke shows the step-2 diagnosis from the
// decision trail.
func TestSeed004Layers(t *testing.T) {
	needTool(t, "aws")
	needTool(t, "python3")
	s := serve(t)
	home, target := s.rootEnv("111111111111"), s.rootEnv("222222222222")
	project := filepath.Join(t.TempDir(), "switch-role")
	files := map[string]string{
		"template.yaml":                         seed004Template,
		"layers/cross_account/cross_account.py": seed004Layer,
		"functions/switch_account/app.py":       seed004Function,
		"events/account.json":                   `{"account_id": "222222222222"}`,
		"events/missing.json":                   `{}`,
		"events/invalid.json":                   `{"account_id": "12345"}`,
	}
	for name, body := range files {
		p := filepath.Join(project, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	trust := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}}`
	must(t, target, "aws", "iam", "create-role", "--role-name", "external-role", "--assume-role-policy-document", trust)

	out, errs, err := runBoth(t, home, "deploy", filepath.Join(project, "template.yaml"))
	if err != nil {
		t.Fatalf("deploy: %v\n%s%s", err, out, errs)
	}
	if !strings.Contains(out, "CrossAccountLayer") || !strings.Contains(out, "CREATE_COMPLETE") {
		t.Errorf("deploy output:\n%s", out)
	}
	invoke := func(event string) string {
		t.Helper()
		out, errs, err := runBoth(t, home, "invoke", "switch-role/SwitchAccountFunction", "--event", filepath.Join(project, "events", event))
		if err != nil {
			t.Fatalf("invoke %s: %v\n%s%s", event, err, out, errs)
		}
		return out
	}
	if out := invoke("account.json"); !strings.Contains(out, `"statusCode": 200`) || !strings.Contains(out, "Successfully assumed role for account: 222222222222") {
		t.Errorf("the article's event: want 200 and the layer's log line:\n%s", out)
	}
	if out := invoke("missing.json"); !strings.Contains(out, `"statusCode": 400`) {
		t.Errorf("no account_id: want 400:\n%s", out)
	}
	if out := invoke("invalid.json"); !strings.Contains(out, `"statusCode": 500`) || !strings.Contains(out, "Invalid account ID format") {
		t.Errorf("invalid account id: want 500 from the layer's ValueError:\n%s", out)
	}

	// The trust policy no longer names the home account: 500, and the
	// refused AssumeRole's diagnosis is step 2.
	must(t, target, "aws", "iam", "update-assume-role-policy", "--role-name", "external-role", "--policy-document",
		strings.Replace(trust, "111111111111", "333333333333", 1))
	if out := invoke("account.json"); !strings.Contains(out, `"statusCode": 500`) || !strings.Contains(out, "step 2 (trust policy)") {
		t.Errorf("trust policy changed: want 500 and the step-2 diagnosis:\n%s", out)
	}
}
