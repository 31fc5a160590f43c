package cfntemplate

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// fakeResolver stands in for the stack engine: the physical IDs and
// attributes of resources already created, and other stacks' exports.
type fakeResolver struct {
	refs    map[string]string
	attrs   map[string]any // "Logical.Attr"
	exports map[string]string
}

func (f fakeResolver) Ref(_ context.Context, id string) (string, error) {
	if v, ok := f.refs[id]; ok {
		return v, nil
	}
	return "", fmt.Errorf("resource %s not created", id)
}

func (f fakeResolver) GetAtt(_ context.Context, id, attr string) (any, error) {
	if v, ok := f.attrs[id+"."+attr]; ok {
		return v, nil
	}
	return nil, validation("Template error: resource %s does not support attribute type %s in Fn::GetAtt", id, attr)
}

func (f fakeResolver) ImportValue(_ context.Context, name string) (string, error) {
	if v, ok := f.exports[name]; ok {
		return v, nil
	}
	return "", validation("No export named %s", name)
}

const evalTemplate = `
Parameters:
  Env: {Type: String, Default: prod}
  Subnets: {Type: CommaDelimitedList, Default: 'a, b,c'}
  Count: {Type: Number, Default: 3}
  AttrName: {Type: String, Default: Arn}
Mappings:
  Region:
    us-east-1: {AMI: ami-1, Zones: [x, y]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals [!Ref 'AWS::Region', us-east-1]]
  Either: !Or [!Condition IsDev, !Condition IsProd]
  FromMap: !Equals [!FindInMap [Region, !Ref 'AWS::Region', AMI], ami-1]
Resources:
  Bucket: {Type: AWS::S3::Bucket}
  Queue: {Type: AWS::SQS::Queue, Condition: IsDev}
  Topic: {Type: AWS::SNS::Topic}
`

func evalBound(t *testing.T) *Bound {
	t.Helper()
	tpl := mustParse(t, evalTemplate)
	if err := tpl.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	b, err := tpl.Bind(nil, Pseudo{
		AccountID: "111111111111", Region: "us-east-1", StackName: "home",
		StackID:          "arn:aws:cloudformation:us-east-1:111111111111:stack/home/1",
		NotificationARNs: []string{"arn:aws:sns:us-east-1:111111111111:ops"},
	})
	if err != nil {
		t.Fatalf("Bind: %v", err)
	}
	return b
}

var evalResolver = fakeResolver{
	refs:    map[string]string{"Bucket": "home-bucket-1", "Topic": "arn:aws:sns:us-east-1:111111111111:t"},
	attrs:   map[string]any{"Bucket.Arn": "arn:aws:s3:::home-bucket-1", "Bucket.DomainName": "home-bucket-1.s3.amazonaws.com"},
	exports: map[string]string{"net-vpc": "vpc-123"},
}

// Every intrinsic function, including CloudFormation's error messages.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html
func TestIntrinsics(t *testing.T) {
	b := evalBound(t)
	for _, tc := range []struct {
		name, expr string
		want       any
		wantErr    string
	}{
		{"Ref parameter", `!Ref Env`, "prod", ""},
		{"Ref list parameter is trimmed", `!Ref Subnets`, []any{"a", "b", "c"}, ""},
		{"Ref number parameter", `!Ref Count`, "3", ""},
		{"Ref resource", `!Ref Bucket`, "home-bucket-1", ""},
		{"Ref AWS::AccountId", `!Ref AWS::AccountId`, "111111111111", ""},
		{"Ref AWS::Region", `!Ref AWS::Region`, "us-east-1", ""},
		{"Ref AWS::StackName", `!Ref AWS::StackName`, "home", ""},
		{"Ref AWS::StackId", `!Ref AWS::StackId`, "arn:aws:cloudformation:us-east-1:111111111111:stack/home/1", ""},
		{"Ref AWS::Partition", `!Ref AWS::Partition`, "aws", ""},
		{"Ref AWS::URLSuffix", `!Ref AWS::URLSuffix`, "amazonaws.com", ""},
		{"Ref AWS::NotificationARNs", `!Ref AWS::NotificationARNs`, []any{"arn:aws:sns:us-east-1:111111111111:ops"}, ""},
		{"Ref AWS::NoValue", `!Ref AWS::NoValue`, nil, ""},
		{"Ref undefined", `!Ref Nope`, nil, "Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template"},
		{"Ref resource whose condition is false", `!Ref Queue`, nil, "Template format error: Unresolved resource dependencies [Queue] in the Resources block of the template"},
		{"GetAtt", `!GetAtt Bucket.Arn`, "arn:aws:s3:::home-bucket-1", ""},
		{"GetAtt attribute from Ref", `!GetAtt [Bucket, !Ref AttrName]`, "arn:aws:s3:::home-bucket-1", ""},
		{"GetAtt undefined resource", `!GetAtt Nope.Arn`, nil, "Template error: instance of Fn::GetAtt references undefined resource Nope"},
		{"GetAtt unsupported attribute", `!GetAtt Bucket.Color`, nil, "Template error: resource Bucket does not support attribute type Color in Fn::GetAtt"},
		{"GetAtt malformed", `{Fn::GetAtt: [Bucket]}`, nil, "Template error: every Fn::GetAtt object requires two non-empty parameters, the resource name and the resource attribute"},
		{"Sub", `!Sub '${AWS::Region}/${Env}/${Bucket}/${Bucket.Arn}/${!Literal}'`, "us-east-1/prod/home-bucket-1/arn:aws:s3:::home-bucket-1/${Literal}", ""},
		{"Sub with variables", `!Sub ['${Name}-${Env}', {Name: !Select [0, !Ref Subnets]}]`, "a-prod", ""},
		{"Sub unknown variable", `!Sub '${Nope}'`, nil, "Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template"},
		{"Sub list variable", `!Sub '${Subnets}'`, nil, "Template error: variable Subnets in Fn::Sub expression does not resolve to a string"},
		{"Join", `!Join [':', [a, !Ref Env, 3]]`, "a:prod:3", ""},
		{"Join a list function", `!Join [',', !Ref Subnets]`, "a,b,c", ""},
		{"Join malformed", `!Join [',', a]`, nil, "Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined."},
		{"Select", `!Select [1, !Ref Subnets]`, "b", ""},
		{"Select string index", `!Select ['2', [x, y, z]]`, "z", ""},
		{"Select out of range", `!Select [5, !Ref Subnets]`, nil, "Template error: Fn::Select cannot select nonexistent value at index 5"},
		{"Select malformed", `!Select [x, [a]]`, nil, "Template error: Fn::Select requires a list argument with two elements: an integer index and a list"},
		{"Split", `!Split [',', 'a,b,,c']`, []any{"a", "b", "", "c"}, ""},
		{"Split malformed", `!Split [',']`, nil, "Template error: every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split."},
		{"If true", `!If [IsProd, big, small]`, "big", ""},
		{"If false", `!If [IsDev, big, small]`, "small", ""},
		{"If unknown condition", `!If [Nope, a, b]`, nil, "Template error: unresolved condition dependency Nope in Fn::If"},
		{"FindInMap", `!FindInMap [Region, !Ref AWS::Region, Zones]`, []any{"x", "y"}, ""},
		{"FindInMap missing", `!FindInMap [Region, eu-west-1, AMI]`, nil, "Template error: Unable to get mapping for Region::eu-west-1::AMI"},
		{"ImportValue", `!ImportValue {Fn::Sub: 'net-vpc'}`, "vpc-123", ""},
		{"ImportValue missing", `!ImportValue other`, nil, "No export named other"},
		{"Base64", `!Base64 hello`, "aGVsbG8=", ""},
		{"GetAZs", `!GetAZs ''`, []any{"us-east-1a", "us-east-1b", "us-east-1c"}, ""},
		{"GetAZs region", `{Fn::GetAZs: !Ref AWS::Region}`, []any{"us-east-1a", "us-east-1b", "us-east-1c"}, ""},
		{"Cidr", `!Cidr [10.0.0.0/16, 3, 8]`, []any{"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"}, ""},
		{"Cidr IPv6", `!Cidr ['2001:db8::/56', 2, 64]`, []any{"2001:db8::/64", "2001:db8:0:1::/64"}, ""},
		{"Cidr too many", `!Cidr [10.0.0.0/24, 300, 8]`, nil, "Template error: Fn::Cidr: cannot carve 300 subnets with 8 host bits from 10.0.0.0/24"},
		{"number stays a number", `{A: 5, B: 1.25}`, map[string]any{"A": json.Number("5"), "B": json.Number("1.25")}, ""},
		{"NoValue removes a key", `{A: !If [IsDev, x, !Ref AWS::NoValue], B: b}`, map[string]any{"B": "b"}, ""},
		{"NoValue removes a list item", `[a, !If [IsProd, !Ref AWS::NoValue, b], c]`, []any{"a", "c"}, ""},
		{"Condition key outside conditions", `{Condition: {StringEquals: {k: v}}}`, map[string]any{"Condition": map[string]any{"StringEquals": map[string]any{"k": "v"}}}, ""},
		{"unsupported function", `{Fn::Length: [a]}`, nil, "Template format error: Encountered unsupported function: Fn::Length Supported functions are: " + supportedFunctions},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := mustParse(t, "V: "+tc.expr+"\n").Root().Get("V")
			got, err := b.Resolve(context.Background(), n, evalResolver)
			if tc.wantErr != "" {
				ae, ok := asAWS(err)
				if !ok {
					t.Fatalf("got %v (%v), want error %q", got, err, tc.wantErr)
				}
				if ae.Message != tc.wantErr {
					t.Errorf("got error %q, want %q", ae.Message, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want %v", err, tc.want)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/conditions-section-structure.html
func TestConditions(t *testing.T) {
	b := evalBound(t)
	for name, want := range map[string]bool{"IsProd": true, "IsDev": false, "Both": true, "Either": true, "FromMap": true} {
		got, ok := b.Condition(name)
		if !ok || got != want {
			t.Errorf("Condition(%s) = %v, %v; want %v, true", name, got, ok, want)
		}
	}
	if b.Active("Queue") {
		t.Error("Queue (condition IsDev, false) is active")
	}
	if got := b.Resources(); !reflect.DeepEqual(got, []string{"Bucket", "Topic"}) {
		t.Errorf("Resources() = %v, want [Bucket Topic]", got)
	}
}

func TestConditionErrors(t *testing.T) {
	for _, tc := range []struct {
		name, conditions, want string
	}{
		{"cycle", "A: !Condition B\n  B: !Not [!Condition A]", "Template format error: Circular dependency between conditions: [A, B]"},
		{"undefined", "A: !Not [!Condition Nope]", "Template format error: Condition Nope is not defined."},
		{"resource reference", "A: !Equals [!Ref R, x]", "Template format error: Unresolved dependencies [R]. Cannot reference resources in the Conditions block of the template"},
		{"Equals arity", "A: !Equals [x]", "Template error: every Fn::Equals object requires a list of 2 string parameters."},
		{"not a function", "A: true", "Template format error: Conditions can only be boolean operations on parameters and other conditions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl := mustParse(t, "Conditions:\n  "+tc.conditions+"\nResources:\n  R: {Type: AWS::SNS::Topic}\n")
			_, err := tpl.Bind(nil, Pseudo{Region: "us-east-1"})
			ae, ok := asAWS(err)
			if !ok || ae.Message != tc.want {
				t.Errorf("Bind: got %v, want %q", err, tc.want)
			}
		})
	}
}

// Partition and URL suffix follow the region.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/pseudo-parameter-reference.html
func TestPseudoPartition(t *testing.T) {
	for region, want := range map[string][2]string{
		"us-east-1":     {"aws", "amazonaws.com"},
		"cn-north-1":    {"aws-cn", "amazonaws.com.cn"},
		"us-gov-west-1": {"aws-us-gov", "amazonaws.com"},
		"us-iso-east-1": {"aws-iso", "c2s.ic.gov"},
	} {
		p := Pseudo{Region: region}.withDefaults()
		if p.Partition != want[0] || p.URLSuffix != want[1] {
			t.Errorf("%s: got %s %s, want %s %s", region, p.Partition, p.URLSuffix, want[0], want[1])
		}
	}
}
