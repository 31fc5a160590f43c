package cfntemplate

import (
	"os"
	"strings"
	"testing"
)

func mustParse(t *testing.T, body string) *Template {
	t.Helper()
	tpl, err := Parse([]byte(body))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, body)
	}
	return tpl
}

// The seeds' templates (the Classmethod article) parse, and the plain
// CloudFormation one validates as is.
func TestParseSeeds(t *testing.T) {
	for _, tc := range []struct {
		file      string
		transform []string
		resources []string
	}{
		{"testdata/seeds/004_external.yaml", nil, []string{"Role"}},
		{"testdata/seeds/004_switch_account_sam.yaml", []string{SAMTransform}, []string{"CrossAccountLayer", "SwitchAccountFunction"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			tpl, err := Parse(body)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := tpl.Format(); got != FormatYAML {
				t.Errorf("Format() = %s, want YAML", got)
			}
			if got := tpl.Transforms(); strings.Join(got, ",") != strings.Join(tc.transform, ",") {
				t.Errorf("Transforms() = %v, want %v", got, tc.transform)
			}
			var ids []string
			for _, r := range tpl.Resources() {
				ids = append(ids, r.LogicalID)
			}
			if strings.Join(ids, ",") != strings.Join(tc.resources, ",") {
				t.Errorf("resources = %v, want %v", ids, tc.resources)
			}
			if string(tpl.Body()) != string(body) {
				t.Error("Body() is not the original text")
			}
		})
	}
	ext := mustParse(t, readFile(t, "testdata/seeds/004_external.yaml"))
	if err := ext.Validate(); err != nil {
		t.Errorf("Validate(external.yaml) = %v, want nil", err)
	}
	role, _ := ext.Resource("Role")
	if got := role.Properties.Get("AssumeRolePolicyDocument").Get("Version").Str; got != "2012-10-17" {
		t.Errorf("quoted '2012-10-17' = %q, want the string", got)
	}
	sam := mustParse(t, readFile(t, "testdata/seeds/004_switch_account_sam.yaml"))
	layer, _ := sam.Resource("CrossAccountLayer")
	if got := layer.Metadata.Get("BuildMethod").Str; got != "python3.12" {
		t.Errorf("Metadata.BuildMethod = %q, want python3.12", got)
	}
	fn, _ := sam.Resource("SwitchAccountFunction")
	if got := fn.Properties.Get("Layers").Items[0]; !Equal(got, Ref("CrossAccountLayer")) {
		t.Errorf("Layers[0] = %s, want {Ref: CrossAccountLayer}", got)
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Short-form tags, long forms in YAML and JSON all parse to the same
// nodes.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html
func TestShortAndLongFormsAreEqual(t *testing.T) {
	for _, tc := range []struct {
		name, short, long, json string
	}{
		{"Ref", `!Ref Bucket`, `{Ref: Bucket}`, `{"Ref": "Bucket"}`},
		{"Sub string", `!Sub 'arn:${AWS::Partition}:s3:::${Bucket}'`, `{Fn::Sub: 'arn:${AWS::Partition}:s3:::${Bucket}'}`, `{"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}"}`},
		{"Sub list", `!Sub ['${A}-x', {A: !Ref P}]`, `{Fn::Sub: ['${A}-x', {A: {Ref: P}}]}`, `{"Fn::Sub": ["${A}-x", {"A": {"Ref": "P"}}]}`},
		{"GetAtt dotted", `!GetAtt Role.Arn`, `{Fn::GetAtt: [Role, Arn]}`, `{"Fn::GetAtt": ["Role", "Arn"]}`},
		{"GetAtt nested attribute", `!GetAtt Stack.Outputs.Name`, `{Fn::GetAtt: [Stack, Outputs.Name]}`, `{"Fn::GetAtt": "Stack.Outputs.Name"}`},
		{"GetAtt list", `!GetAtt [Role, Arn]`, `{Fn::GetAtt: Role.Arn}`, `{"Fn::GetAtt": ["Role", "Arn"]}`},
		{"Join", `!Join [',', [a, !Ref B]]`, `{Fn::Join: [',', [a, {Ref: B}]]}`, `{"Fn::Join": [",", ["a", {"Ref": "B"}]]}`},
		{"Select", `!Select [0, !GetAZs '']`, `{Fn::Select: [0, {Fn::GetAZs: ''}]}`, `{"Fn::Select": [0, {"Fn::GetAZs": ""}]}`},
		{"Split", `!Split [',', !Ref L]`, `{Fn::Split: [',', {Ref: L}]}`, `{"Fn::Split": [",", {"Ref": "L"}]}`},
		{"If", `!If [IsProd, 5, !Ref AWS::NoValue]`, `{Fn::If: [IsProd, 5, {Ref: AWS::NoValue}]}`, `{"Fn::If": ["IsProd", 5, {"Ref": "AWS::NoValue"}]}`},
		{"Equals", `!Equals [!Ref Env, prod]`, `{Fn::Equals: [{Ref: Env}, prod]}`, `{"Fn::Equals": [{"Ref": "Env"}, "prod"]}`},
		{"Not", `!Not [!Condition IsProd]`, `{Fn::Not: [{Condition: IsProd}]}`, `{"Fn::Not": [{"Condition": "IsProd"}]}`},
		{"And", `!And [!Condition A, !Equals [x, x]]`, `{Fn::And: [{Condition: A}, {Fn::Equals: [x, x]}]}`, `{"Fn::And": [{"Condition": "A"}, {"Fn::Equals": ["x", "x"]}]}`},
		{"Or", `!Or [!Condition A, !Condition B]`, `{Fn::Or: [{Condition: A}, {Condition: B}]}`, `{"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}`},
		{"FindInMap", `!FindInMap [M, !Ref AWS::Region, ami]`, `{Fn::FindInMap: [M, {Ref: AWS::Region}, ami]}`, `{"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "ami"]}`},
		{"ImportValue", `!ImportValue {Fn::Sub: '${Net}-vpc'}`, `{Fn::ImportValue: {Fn::Sub: '${Net}-vpc'}}`, `{"Fn::ImportValue": {"Fn::Sub": "${Net}-vpc"}}`},
		{"Base64", `!Base64 hello`, `{Fn::Base64: hello}`, `{"Fn::Base64": "hello"}`},
		{"Cidr", `!Cidr [10.0.0.0/16, 4, 8]`, `{Fn::Cidr: [10.0.0.0/16, 4, 8]}`, `{"Fn::Cidr": ["10.0.0.0/16", 4, 8]}`},
		{"GetAZs", `!GetAZs us-east-1`, `{Fn::GetAZs: us-east-1}`, `{"Fn::GetAZs": "us-east-1"}`},
		{"Condition", `!Condition IsProd`, `{Condition: IsProd}`, `{"Condition": "IsProd"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			short := mustParse(t, "V: "+tc.short+"\n").Root().Get("V")
			long := mustParse(t, "V: "+tc.long+"\n").Root().Get("V")
			js := mustParse(t, `{"V": `+tc.json+`}`).Root().Get("V")
			if short.Kind != KindFunc {
				t.Fatalf("short form parsed to %s, want a function", short.Kind)
			}
			if !Equal(short, long) {
				t.Errorf("short %s != long %s", short, long)
			}
			if !Equal(short, js) {
				t.Errorf("short %s != JSON %s", short, js)
			}
		})
	}
}

// A JSON template and its YAML equivalent give equal trees, and JSON()
// parses back to the same tree.
func TestJSONAndYAMLEquivalent(t *testing.T) {
	y := mustParse(t, `
AWSTemplateFormatVersion: 2010-09-09
Parameters:
  Size: {Type: Number, Default: 5}
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: !Sub '${AWS::StackName} alerts'
      FifoTopic: false
      Tags: [{Key: n, Value: 1.50}]
Outputs:
  Arn: {Value: !Ref Topic, Export: {Name: !Sub '${AWS::StackName}-topic'}}
`)
	j := mustParse(t, `{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Parameters": {"Size": {"Type": "Number", "Default": 5}},
  "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {
    "DisplayName": {"Fn::Sub": "${AWS::StackName} alerts"},
    "FifoTopic": false,
    "Tags": [{"Key": "n", "Value": 1.5}]}}},
  "Outputs": {"Arn": {"Value": {"Ref": "Topic"}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-topic"}}}}
}`)
	if j.Format() != FormatJSON {
		t.Errorf("Format() = %s, want JSON", j.Format())
	}
	if !Equal(y.Root(), j.Root()) {
		t.Errorf("YAML and JSON differ:\n%s\n%s", y.JSON(), j.JSON())
	}
	back := mustParse(t, string(y.JSON()))
	if !Equal(back.Root(), y.Root()) {
		t.Errorf("JSON() does not parse back to the same tree:\n%s", y.JSON())
	}
	if got := y.Root().Get("AWSTemplateFormatVersion"); got.Kind != KindString {
		t.Errorf("unquoted 2010-09-09 is a %s, want string", got.Kind)
	}
}

func TestParseScalars(t *testing.T) {
	root := mustParse(t, `
a: 42
b: -7
c: 0x1F
d: 1.5e3
e: '42'
f: true
g: ~
h: 2010-09-09
i: .inf
j: 1_000
k: "yes"
`).Root()
	for _, tc := range []struct {
		key  string
		kind Kind
		text string
	}{
		{"a", KindNumber, "42"},
		{"b", KindNumber, "-7"},
		{"c", KindNumber, "31"},
		{"d", KindNumber, "1.5e3"},
		{"e", KindString, "42"},
		{"f", KindBool, "true"},
		{"g", KindNull, ""},
		{"h", KindString, "2010-09-09"},
		{"i", KindString, ".inf"},
		{"j", KindNumber, "1000"},
		{"k", KindString, "yes"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			n := root.Get(tc.key)
			if n.Kind != tc.kind {
				t.Fatalf("kind = %s, want %s", n.Kind, tc.kind)
			}
			if s, _ := n.Scalar(); s != tc.text {
				t.Errorf("text = %q, want %q", s, tc.text)
			}
		})
	}
}

// Nodes carry their source line and column, in both syntaxes.
func TestParsePositions(t *testing.T) {
	y := mustParse(t, "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref Name\n")
	n := y.Section("Resources").Get("Bucket").Get("Properties").Get("BucketName")
	if n.Pos != (Pos{5, 19}) {
		t.Errorf("YAML position = %v, want line 5, column 19", n.Pos)
	}
	j := mustParse(t, "\n\n{\n  \"Resources\": {\n    \"Bucket\": {\"Type\": \"AWS::S3::Bucket\"}\n  }\n}")
	n = j.Section("Resources").Get("Bucket").Get("Type")
	if n.Pos != (Pos{5, 24}) {
		t.Errorf("JSON position = %v, want line 5, column 24", n.Pos)
	}
}

// Syntax errors are CloudFormation's "Template format error: ... not
// well-formed" ValidationErrors with the position.
// https://repost.aws/knowledge-center/cloudformation-template-validation
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"JSON syntax", `{"Resources": {"A": }}`, "Template format error: JSON not well-formed. (line 1, column 21)"},
		{"JSON trailing data", `{"A": 1} x`, "Template format error: JSON not well-formed. (line 1, column 10)"},
		{"JSON duplicate key", "{\"A\": 1,\n \"A\": 2}", "Template format error: JSON not well-formed. (line 2, column 2)"},
		{"JSON truncated", `{"A": [1, 2`, "Template format error: JSON not well-formed."},
		{"YAML syntax", "Resources:\n  A: [1, 2\n", "Template format error: YAML not well-formed."},
		// The YAML library counts parser errors' lines from 0 and puts a
		// tab at the scalar before it; the error names the faulty line.
		{"YAML unclosed flow sequence", "a: 1\nb: [x\nc: 2\n", "Template format error: YAML not well-formed. (line 2, column 1)"},
		{"YAML unclosed flow mapping", "a: 1\n\nb: {x: 1\n", "Template format error: YAML not well-formed. (line 3, column 1)"},
		{"YAML tab indentation", "a: 1\nb:\n  c: 1\n\td: 2\n", "Template format error: YAML not well-formed. (line 4, column 2)"},
		{"YAML bad dedent", "a: 1\nb:\n  - x\n y: 2\n", "Template format error: YAML not well-formed. (line 4, column 2)"},
		{"YAML mapping in scalar", "a: 1\nb: 2\n  c: 3\n", "Template format error: YAML not well-formed. (line 3, column 3)"},
		{"YAML duplicate key", "A: 1\nA: 2\n", "Template format error: YAML not well-formed. (line 2, column 1)"},
		{"YAML unknown tag", "A: !Bogus x\n", "Template format error: YAML not well-formed. (line 1, column 4)"},
		{"invalid UTF-8", "A: \xff\n", "Template format error: YAML not well-formed."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.body))
			if err == nil {
				t.Fatal("got no error")
			}
			ae, ok := asAWS(err)
			if !ok || ae.Code != "ValidationError" {
				t.Fatalf("got %v, want a ValidationError", err)
			}
			if !strings.HasPrefix(ae.Message, tc.want) {
				t.Errorf("got %q, want prefix %q", ae.Message, tc.want)
			}
		})
	}
}

// YAML aliases expand, but not without bound.
func TestParseYAMLAliases(t *testing.T) {
	root := mustParse(t, "base: &b {x: 1}\nuse: *b\n").Root()
	if !Equal(root.Get("use"), root.Get("base")) {
		t.Errorf("alias = %s, want %s", root.Get("use"), root.Get("base"))
	}
	var bomb strings.Builder
	bomb.WriteString("a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	prev := "a"
	for i := 0; i < 8; i++ {
		name := string(rune('b' + i))
		bomb.WriteString(name + ": &" + name + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n")
		prev = name
	}
	if _, err := Parse([]byte(bomb.String())); err == nil {
		t.Error("alias bomb parsed, want an error")
	}
}
