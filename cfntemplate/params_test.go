package cfntemplate

import (
	"reflect"
	"testing"
)

const paramsTemplate = `
Parameters:
  Env:
    Type: String
    AllowedValues: [dev, prod]
  Name:
    Type: String
    Default: copy
    AllowedPattern: '[a-z][a-z0-9-]*'
    MinLength: 3
    MaxLength: 10
  Bucket:
    Type: String
    Default: bucket
    AllowedPattern: '[a-z0-9.-]+'
    ConstraintDescription: must be a valid S3 bucket name
  Memory:
    Type: Number
    Default: 128
    MinValue: 128
    MaxValue: 10240
  Ports:
    Type: List<Number>
    Default: '80,443'
  Zones:
    Type: CommaDelimitedList
    Default: 'a,b'
    AllowedValues: [a, b, c]
  Vpc:
    Type: AWS::EC2::VPC::Id
    Default: vpc-1
  Secret:
    Type: String
    NoEcho: true
    Default: hunter2
Resources:
  T: {Type: AWS::SNS::Topic}
`

// Parameter values are checked against their declarations with
// CloudFormation's messages.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
func TestParameterConstraints(t *testing.T) {
	tpl := mustParse(t, paramsTemplate)
	for _, tc := range []struct {
		name    string
		params  map[string]string
		wantErr string
	}{
		{"valid", map[string]string{"Env": "dev"}, ""},
		{"missing value", nil, "Parameters: [Env] must have values"},
		{"unknown parameter", map[string]string{"Env": "dev", "Nope": "x", "Also": "y"}, "Parameters: [Also, Nope] do not exist in the template"},
		{"not allowed", map[string]string{"Env": "test"}, "Parameter 'Env' must be one of AllowedValues"},
		{"pattern", map[string]string{"Env": "dev", "Name": "Copy"}, "Parameter 'Name' must match pattern [a-z][a-z0-9-]*"},
		{"pattern matches the whole value", map[string]string{"Env": "dev", "Name": "copy!"}, "Parameter 'Name' must match pattern [a-z][a-z0-9-]*"},
		{"too short", map[string]string{"Env": "dev", "Name": "ab"}, "Parameter 'Name' must contain at least 3 characters"},
		{"too long", map[string]string{"Env": "dev", "Name": "abcdefghijk"}, "Parameter 'Name' must contain at most 10 characters"},
		{"constraint description", map[string]string{"Env": "dev", "Bucket": "Bad_Bucket"}, "Parameter Bucket failed to satisfy constraint: must be a valid S3 bucket name"},
		{"not a number", map[string]string{"Env": "dev", "Memory": "lots"}, "Parameter 'Memory' must be a number."},
		{"below MinValue", map[string]string{"Env": "dev", "Memory": "64"}, "Parameter 'Memory' must be a number not less than 128"},
		{"above MaxValue", map[string]string{"Env": "dev", "Memory": "20000"}, "Parameter 'Memory' must be a number not greater than 10240"},
		{"List<Number> member", map[string]string{"Env": "dev", "Ports": "80,http"}, "Parameter 'Ports' must be a number."},
		{"CommaDelimitedList member not allowed", map[string]string{"Env": "dev", "Zones": "a,d"}, "Parameter 'Zones' must be one of AllowedValues"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tpl.Bind(tc.params, Pseudo{Region: "us-east-1"})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Bind: %v", err)
				}
				return
			}
			ae, ok := asAWS(err)
			if !ok || ae.Code != "ValidationError" || ae.Message != tc.wantErr {
				t.Errorf("Bind: got %v, want ValidationError %q", err, tc.wantErr)
			}
		})
	}
}

func TestParameterValues(t *testing.T) {
	tpl := mustParse(t, paramsTemplate)
	b, err := tpl.Bind(map[string]string{"Env": "prod", "Zones": " a , c"}, Pseudo{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Env": "prod", "Name": "copy", "Bucket": "bucket", "Memory": "128",
		"Ports": []string{"80", "443"}, "Zones": []string{"a", "c"}, "Vpc": "vpc-1", "Secret": "hunter2",
	}
	if !reflect.DeepEqual(b.params, want) {
		t.Errorf("values = %#v, want %#v", b.params, want)
	}
	var secret ParameterValue
	for _, p := range b.Parameters() {
		if p.Key == "Secret" {
			secret = p
		}
	}
	if !secret.NoEcho || !secret.UsedDefault {
		t.Errorf("Secret = %+v, want NoEcho and UsedDefault", secret)
	}
}

// Malformed declarations fail ValidateTemplate.
func TestParameterDeclarations(t *testing.T) {
	for _, tc := range []struct {
		name, decl, want string
	}{
		{"missing Type", "P: {Default: x}", "Template format error: Every Parameters object must contain a Type member."},
		{"unknown type", "P: {Type: Strin}", "Template format error: Unrecognized parameter type: Strin"},
		{"unknown property", "P: {Type: String, Defualt: x}", "Template format error: Invalid template parameter property 'Defualt'"},
		{"non-alphanumeric name", "My-Param: {Type: String}", "Template format error: Parameter name My-Param is non alphanumeric."},
		{"AWS-specific list type", "P: {Type: 'List<AWS::EC2::Subnet::Id>', Default: 'subnet-1'}", ""},
		{"SSM type", "P: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /x}", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl := mustParse(t, "Parameters:\n  "+tc.decl+"\nResources:\n  T: {Type: AWS::SNS::Topic}\n")
			err := tpl.Validate()
			if tc.want == "" {
				if err != nil {
					t.Errorf("Validate: %v", err)
				}
				return
			}
			ae, ok := asAWS(err)
			if !ok || ae.Message != tc.want {
				t.Errorf("Validate: got %v, want %q", err, tc.want)
			}
		})
	}
}
