package emulator_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
	"github.com/xacct/xacct/internal/stackdeploy"
)

func publishLayer(t *testing.T, c *lambda.Client, name string, files map[string]string, runtimes ...lambdatypes.Runtime) *lambda.PublishLayerVersionOutput {
	t.Helper()
	out, err := c.PublishLayerVersion(context.Background(), &lambda.PublishLayerVersionInput{LayerName: aws.String(name),
		Content: &lambdatypes.LayerVersionContentInput{ZipFile: zipFiles(t, files)}, CompatibleRuntimes: runtimes,
		Description: aws.String(name + " layer"), LicenseInfo: aws.String("MIT")})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLayerVersions: publish, get, list and delete layer versions through
// the SDK (AWS Lambda API Reference, PublishLayerVersion and friends).
func TestLayerVersions(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	lc := lambda.NewFromConfig(srv.Config(home))

	v1 := publishLayer(t, lc, "helpers", map[string]string{"python/helper.py": "X = 1\n"}, lambdatypes.RuntimePython312)
	v2 := publishLayer(t, lc, "helpers", map[string]string{"python/helper.py": "X = 2\n"}, lambdatypes.RuntimePython311)
	publishLayer(t, lc, "other", map[string]string{"nodejs/node_modules/m/index.js": "module.exports = 1\n"}, lambdatypes.RuntimeNodejs20x)
	if v1.Version != 1 || v2.Version != 2 || *v2.LayerVersionArn != "arn:aws:lambda:us-east-1:111111111111:layer:helpers:2" ||
		*v2.LayerArn != "arn:aws:lambda:us-east-1:111111111111:layer:helpers" || v2.Content.CodeSize == 0 || aws.ToString(v2.Content.CodeSha256) == "" ||
		aws.ToString(v2.CreatedDate) == "" || aws.ToString(v2.LicenseInfo) != "MIT" {
		t.Fatalf("published: %+v / %+v", v1, v2)
	}

	got, err := lc.GetLayerVersion(ctx, &lambda.GetLayerVersionInput{LayerName: aws.String("helpers"), VersionNumber: aws.Int64(1)})
	if err != nil || *got.LayerVersionArn != *v1.LayerVersionArn || aws.ToString(got.Description) != "helpers layer" ||
		len(got.CompatibleRuntimes) != 1 || got.CompatibleRuntimes[0] != lambdatypes.RuntimePython312 {
		t.Fatalf("GetLayerVersion: %+v %v", got, err)
	}
	byARN, err := lc.GetLayerVersionByArn(ctx, &lambda.GetLayerVersionByArnInput{Arn: v2.LayerVersionArn})
	if err != nil || byARN.Version != 2 {
		t.Fatalf("GetLayerVersionByArn: %+v %v", byARN, err)
	}
	// The layer's ARN works as its name.
	if _, err := lc.GetLayerVersion(ctx, &lambda.GetLayerVersionInput{LayerName: v2.LayerArn, VersionNumber: aws.Int64(2)}); err != nil {
		t.Errorf("GetLayerVersion by layer ARN: %v", err)
	}

	vs, err := lc.ListLayerVersions(ctx, &lambda.ListLayerVersionsInput{LayerName: aws.String("helpers")})
	if err != nil || len(vs.LayerVersions) != 2 || vs.LayerVersions[0].Version != 2 || vs.LayerVersions[1].Version != 1 {
		t.Fatalf("ListLayerVersions: %+v %v", vs, err)
	}
	vs, err = lc.ListLayerVersions(ctx, &lambda.ListLayerVersionsInput{LayerName: aws.String("helpers"), CompatibleRuntime: lambdatypes.RuntimePython312})
	if err != nil || len(vs.LayerVersions) != 1 || vs.LayerVersions[0].Version != 1 {
		t.Errorf("ListLayerVersions for python3.12: %+v %v", vs, err)
	}
	ls, err := lc.ListLayers(ctx, &lambda.ListLayersInput{})
	if err != nil || len(ls.Layers) != 2 || *ls.Layers[0].LayerName != "helpers" || ls.Layers[0].LatestMatchingVersion.Version != 2 {
		t.Fatalf("ListLayers: %+v %v", ls, err)
	}
	ls, err = lc.ListLayers(ctx, &lambda.ListLayersInput{CompatibleRuntime: lambdatypes.RuntimePython312})
	if err != nil || len(ls.Layers) != 1 || ls.Layers[0].LatestMatchingVersion.Version != 1 {
		t.Errorf("ListLayers for python3.12: %+v %v", ls, err)
	}
	ls, err = lc.ListLayers(ctx, &lambda.ListLayersInput{MaxItems: aws.Int32(1)})
	if err != nil || len(ls.Layers) != 1 || ls.NextMarker == nil {
		t.Fatalf("ListLayers page 1: %+v %v", ls, err)
	}
	ls, err = lc.ListLayers(ctx, &lambda.ListLayersInput{MaxItems: aws.Int32(1), Marker: ls.NextMarker})
	if err != nil || len(ls.Layers) != 1 || *ls.Layers[0].LayerName != "other" || ls.NextMarker != nil {
		t.Errorf("ListLayers page 2: %+v %v", ls, err)
	}

	if _, err := lc.DeleteLayerVersion(ctx, &lambda.DeleteLayerVersionInput{LayerName: aws.String("helpers"), VersionNumber: aws.Int64(2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := lc.GetLayerVersion(ctx, &lambda.GetLayerVersionInput{LayerName: aws.String("helpers"), VersionNumber: aws.Int64(2)}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("deleted version: got %v, want ResourceNotFoundException", err)
	}
	// Version numbers are not reused.
	if v3 := publishLayer(t, lc, "helpers", map[string]string{"python/helper.py": "X = 3\n"}); v3.Version != 3 {
		t.Errorf("after deleting version 2, published version %d, want 3", v3.Version)
	}

	// Bad input.
	if _, err := lc.PublishLayerVersion(ctx, &lambda.PublishLayerVersionInput{LayerName: aws.String("bad name"),
		Content: &lambdatypes.LayerVersionContentInput{ZipFile: zipFiles(t, map[string]string{"a": "b"})}}); apiCode(err) != "ValidationException" {
		t.Errorf("bad layer name: got %v", err)
	}
	if _, err := lc.PublishLayerVersion(ctx, &lambda.PublishLayerVersionInput{LayerName: aws.String("nozip"),
		Content: &lambdatypes.LayerVersionContentInput{ZipFile: []byte("not a zip")}}); apiCode(err) != "InvalidParameterValueException" {
		t.Errorf("not a zip: got %v", err)
	}
	if _, err := lc.GetLayerVersionByArn(ctx, &lambda.GetLayerVersionByArnInput{Arn: aws.String("arn:aws:lambda:us-east-1:111111111111:layer:helpers")}); apiCode(err) != "ValidationException" {
		t.Errorf("GetLayerVersionByArn without a version: got %v", err)
	}
}

// TestLayerPermissions: another account may use a layer version only when
// its policy allows lambda:GetLayerVersion (AWS Lambda Developer Guide,
// "Granting layer access to other accounts"); the owner's own users need
// an identity policy.
func TestLayerPermissions(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	owner := lambda.NewFromConfig(srv.Config(home))
	other := lambda.NewFromConfig(srv.Config(target))
	v := publishLayer(t, owner, "shared", map[string]string{"python/shared.py": "WHO = 'shared'\n"})
	arn := v.LayerVersionArn

	if _, err := other.GetLayerVersionByArn(ctx, &lambda.GetLayerVersionByArnInput{Arn: arn}); apiCode(err) != "AccessDeniedException" {
		t.Fatalf("cross-account get without a policy: got %v, want AccessDeniedException", err)
	}
	if _, err := owner.GetLayerVersionPolicy(ctx, &lambda.GetLayerVersionPolicyInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(1)}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("policy before any permission: got %v", err)
	}
	// Creating a function with another account's layer is refused too.
	ic := iam.NewFromConfig(srv.Config(target))
	role := execRole(t, ic, "layer-user", lambdaTrust)
	create := func(layers ...string) error {
		_, err := other.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("uses-layer"), Runtime: lambdatypes.RuntimePython312,
			Role: aws.String(role), Handler: aws.String("app.handler"), Layers: layers,
			Code: &lambdatypes.FunctionCode{ZipFile: zipFiles(t, map[string]string{"app.py": "def handler(e, c):\n    return 1\n"})}})
		return err
	}
	err := create(*arn)
	if apiCode(err) != "AccessDeniedException" || !strings.Contains(apiMessage(err), "lambda:GetLayerVersion on resource: "+*arn) {
		t.Fatalf("CreateFunction with another account's layer: got %v", err)
	}

	add, err := owner.AddLayerVersionPermission(ctx, &lambda.AddLayerVersionPermissionInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(1),
		StatementId: aws.String("target"), Action: aws.String("lambda:GetLayerVersion"), Principal: aws.String(target)})
	if err != nil {
		t.Fatal(err)
	}
	var stmt map[string]any
	json.Unmarshal([]byte(*add.Statement), &stmt)
	if p, _ := stmt["Principal"].(map[string]any); p["AWS"] != "arn:aws:iam::222222222222:root" || stmt["Resource"] != *arn || aws.ToString(add.RevisionId) == "" {
		t.Errorf("statement: %s", *add.Statement)
	}
	if _, err := owner.AddLayerVersionPermission(ctx, &lambda.AddLayerVersionPermissionInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(1),
		StatementId: aws.String("target"), Action: aws.String("lambda:GetLayerVersion"), Principal: aws.String(target)}); apiCode(err) != "ResourceConflictException" {
		t.Errorf("duplicate statement id: got %v", err)
	}
	if _, err := owner.AddLayerVersionPermission(ctx, &lambda.AddLayerVersionPermissionInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(1),
		StatementId: aws.String("x"), Action: aws.String("lambda:InvokeFunction"), Principal: aws.String(target)}); apiCode(err) != "ValidationException" {
		t.Errorf("an action other than lambda:GetLayerVersion: got %v", err)
	}
	if _, err := owner.AddLayerVersionPermission(ctx, &lambda.AddLayerVersionPermissionInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(1),
		StatementId: aws.String("y"), Action: aws.String("lambda:GetLayerVersion"), Principal: aws.String(target), RevisionId: aws.String("stale")}); apiCode(err) != "PreconditionFailedException" {
		t.Errorf("stale revision: got %v", err)
	}
	pol, err := owner.GetLayerVersionPolicy(ctx, &lambda.GetLayerVersionPolicyInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(1)})
	if err != nil || !strings.Contains(*pol.Policy, `"Sid":"target"`) || aws.ToString(pol.RevisionId) != aws.ToString(add.RevisionId) {
		t.Errorf("GetLayerVersionPolicy: %v %v", pol, err)
	}

	if got, err := other.GetLayerVersionByArn(ctx, &lambda.GetLayerVersionByArnInput{Arn: arn}); err != nil || *got.LayerVersionArn != *arn {
		t.Errorf("cross-account get allowed by the layer policy: %v", err)
	}
	if vs, err := other.ListLayerVersions(ctx, &lambda.ListLayerVersionsInput{LayerName: v.LayerArn}); err != nil || len(vs.LayerVersions) != 1 {
		t.Errorf("cross-account ListLayerVersions: %+v %v", vs, err)
	}
	if err := create(*arn); err != nil {
		t.Errorf("CreateFunction with a layer shared with the account: %v", err)
	}
	cfg, err := other.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("uses-layer")})
	if err != nil || len(cfg.Layers) != 1 || *cfg.Layers[0].Arn != *arn || cfg.Layers[0].CodeSize == 0 {
		t.Errorf("function's layers: %+v %v", cfg, err)
	}
	// Only the owner changes the policy.
	if _, err := other.RemoveLayerVersionPermission(ctx, &lambda.RemoveLayerVersionPermissionInput{LayerName: v.LayerArn, VersionNumber: aws.Int64(1),
		StatementId: aws.String("target")}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("cross-account RemoveLayerVersionPermission: got %v", err)
	}
	if _, err := owner.RemoveLayerVersionPermission(ctx, &lambda.RemoveLayerVersionPermissionInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(1),
		StatementId: aws.String("target")}); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.RemoveLayerVersionPermission(ctx, &lambda.RemoveLayerVersionPermissionInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(1),
		StatementId: aws.String("target")}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("removing it again: got %v", err)
	}
	if _, err := other.GetLayerVersionByArn(ctx, &lambda.GetLayerVersionByArnInput{Arn: arn}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("cross-account get after the permission went: got %v", err)
	}

	// A public grant (Principal *) lets any account use it.
	if _, err := owner.AddLayerVersionPermission(ctx, &lambda.AddLayerVersionPermissionInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(1),
		StatementId: aws.String("public"), Action: aws.String("lambda:GetLayerVersion"), Principal: aws.String("*")}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.GetLayerVersionByArn(ctx, &lambda.GetLayerVersionByArnInput{Arn: arn}); err != nil {
		t.Errorf("cross-account get of a public layer: %v", err)
	}
}

// TestFunctionLayersValidated: a function's layers are checked at create
// time: a version the emulator does not have (a public layer such as
// Powertools) is Lambda's InvalidParameterValueException with how to
// supply it locally.
func TestFunctionLayersValidated(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	lc := lambda.NewFromConfig(srv.Config(home))
	role := execRole(t, iam.NewFromConfig(srv.Config(home)), "layers-exec", lambdaTrust)
	code := &lambdatypes.FunctionCode{ZipFile: zipFiles(t, map[string]string{"app.py": "def handler(e, c):\n    return 1\n"})}
	create := func(name string, layers ...string) error {
		_, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Runtime: lambdatypes.RuntimePython312,
			Role: aws.String(role), Handler: aws.String("app.handler"), Layers: layers, Code: code})
		return err
	}
	powertools := "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:40"
	err := create("pt", powertools)
	if apiCode(err) != "InvalidParameterValueException" || !strings.HasPrefix(apiMessage(err), "Layer version "+powertools+" does not exist.") ||
		!strings.Contains(apiMessage(err), "xacct serve --layer-dir "+powertools+"=DIR") {
		t.Errorf("unknown public layer: got %v", err)
	}
	if err := create("bad", "not-an-arn"); apiCode(err) != "ValidationException" {
		t.Errorf("not an ARN: got %v", err)
	}
	a := publishLayer(t, lc, "a", map[string]string{"python/a.py": ""})
	publishLayer(t, lc, "a", map[string]string{"python/a.py": "# 2"})
	if err := create("twice", *a.LayerVersionArn, strings.TrimSuffix(*a.LayerVersionArn, "1")+"2"); apiCode(err) != "InvalidParameterValueException" {
		t.Errorf("two versions of one layer: got %v", err)
	}
	six := make([]string, 6)
	for i := range six {
		six[i] = *publishLayer(t, lc, "l"+string(rune('a'+i)), map[string]string{"f": ""}).LayerVersionArn
	}
	if err := create("six", six...); apiCode(err) != "InvalidParameterValueException" {
		t.Errorf("six layers: got %v", err)
	}
	// UpdateFunctionConfiguration checks them the same way, and an empty
	// list removes them.
	if err := create("ok", *a.LayerVersionArn); err != nil {
		t.Fatal(err)
	}
	if _, err := lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("ok"), Layers: []string{powertools}}); apiCode(err) != "InvalidParameterValueException" {
		t.Errorf("update to an unknown layer: got %v", err)
	}
	out, err := lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("ok"), Layers: []string{}})
	if err != nil || len(out.Layers) != 0 {
		t.Errorf("removing the layers: %+v %v", out, err)
	}
}

// TestFunctionImportsFromLayers: a Python function imports modules from
// its layers, extracted in order into one /opt (a later layer's file wins,
// AWS Lambda Developer Guide, "Adding layers to functions"), with
// python/ and python/lib/python3.x/site-packages on its path; a layer
// registered from a local directory (--layer-dir) is used the same way,
// and a layer version deleted after the function was created keeps
// working for it.
func TestFunctionImportsFromLayers(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	srv := emulatortest.New(t)
	ctx := context.Background()
	lc := lambda.NewFromConfig(srv.Config(home))
	role := execRole(t, iam.NewFromConfig(srv.Config(home)), "layered-exec", lambdaTrust, basicExecution)

	base := publishLayer(t, lc, "base", map[string]string{
		"python/greeting.py":                              "WORD = 'base'\n",
		"python/lib/python3.12/site-packages/vendored.py": "NAME = 'vendored'\n",
		"python/only_base.py":                             "X = 'only in base'\n",
	})
	over := publishLayer(t, lc, "override", map[string]string{"python/greeting.py": "WORD = 'override'\n"})
	local := "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:40"
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "python", "aws_lambda_powertools"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "python", "aws_lambda_powertools", "__init__.py"), []byte("VERSION = 'local copy'\n"), 0o644)
	if err := srv.Emulator.Lambda().RegisterLayerDir(local, dir); err != nil {
		t.Fatal(err)
	}

	app := `import greeting, vendored, only_base, aws_lambda_powertools
def handler(event, context):
    return {"word": greeting.WORD, "vendored": vendored.NAME, "base": only_base.X,
            "powertools": aws_lambda_powertools.VERSION, "file": greeting.__file__}
`
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("layered"), Runtime: lambdatypes.RuntimePython312,
		Role: aws.String(role), Handler: aws.String("app.handler"), Layers: []string{*base.LayerVersionArn, *over.LayerVersionArn, local},
		Code: &lambdatypes.FunctionCode{ZipFile: zipFiles(t, map[string]string{"app.py": app})}}); err != nil {
		t.Fatal(err)
	}
	// Deleting a version does not take it from a function using it.
	if _, err := lc.DeleteLayerVersion(ctx, &lambda.DeleteLayerVersionInput{LayerName: aws.String("base"), VersionNumber: aws.Int64(1)}); err != nil {
		t.Fatal(err)
	}
	got, out := invokeJSON(t, lc, "layered", `{}`)
	if out.FunctionError != nil {
		t.Fatalf("invoke: %s", out.Payload)
	}
	for k, want := range map[string]string{"word": "override", "vendored": "vendored", "base": "only in base", "powertools": "local copy"} {
		if got[k] != want {
			t.Errorf("%s: got %v, want %s", k, got[k], want)
		}
	}
	// Reversed order: the base layer's file wins.
	base2 := publishLayer(t, lc, "base", map[string]string{"python/greeting.py": "WORD = 'base'\n", "python/only_base.py": "X = 1\n",
		"python/lib/python3.12/site-packages/vendored.py": "NAME = 'v'\n"})
	if _, err := lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("layered"),
		Layers: []string{*over.LayerVersionArn, *base2.LayerVersionArn, local}}); err != nil {
		t.Fatal(err)
	}
	got, out = invokeJSON(t, lc, "layered", `{}`)
	if got["word"] != "base" {
		t.Errorf("layers reversed: got %v (%s), want base", got["word"], out.Payload)
	}
}

// TestLayerStack: a SAM template's AWS::Serverless::LayerVersion with
// Metadata BuildMethod python3.12 and a plain directory is packaged as
// `sam build` does (under python/), published by CloudFormation, shared
// with another account by an AWS::Lambda::LayerVersionPermission, and
// used by the template's function, which imports from it; deleting the
// stack deletes the permission and (without Retain) the version.
func TestLayerStack(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	srv := emulatortest.New(t)
	ctx := context.Background()
	dir := t.TempDir()
	files := map[string]string{
		"layers/cross_account/cross_account.py": "def hello():\n    return 'hello from the layer'\n",
		"functions/app/app.py":                  "import cross_account\ndef handler(event, context):\n    return {'said': cross_account.hello()}\n",
		"template.yaml": `Transform: AWS::Serverless-2016-10-31
Resources:
  CrossAccountLayer:
    Type: AWS::Serverless::LayerVersion
    Metadata:
      BuildMethod: python3.12
    Properties:
      LayerName: CrossAccountLayer
      ContentUri: layers/cross_account/
      CompatibleRuntimes: [python3.12]
      RetentionPolicy: Delete
  Share:
    Type: AWS::Lambda::LayerVersionPermission
    Properties:
      Action: lambda:GetLayerVersion
      LayerVersionArn: !Ref CrossAccountLayer
      Principal: '222222222222'
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: layered-fn
      CodeUri: functions/app/
      Handler: app.handler
      Runtime: python3.12
      Layers: [!Ref CrossAccountLayer]
Outputs:
  LayerArn:
    Value: !Ref CrossAccountLayer
`,
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := srv.AdminConfig(t, home)
	tmpl, err := stackdeploy.ReadTemplate(filepath.Join(dir, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	body, err := stackdeploy.PackageTemplate(ctx, cfg, tmpl, dir, stackdeploy.PackageOptions{Bucket: "layer-artifacts"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := stackdeploy.Deploy(ctx, cfg, "layered", body, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	arn := res.Outputs["LayerArn"]
	if arn != "arn:aws:lambda:us-east-1:111111111111:layer:CrossAccountLayer:1" {
		t.Fatalf("layer ARN output: %q (%v)", arn, res.Outputs)
	}
	lc := lambda.NewFromConfig(srv.Config(home))
	got, out := invokeJSON(t, lc, "layered-fn", `{}`)
	if got["said"] != "hello from the layer" {
		t.Errorf("invoke: %s", out.Payload)
	}
	other := lambda.NewFromConfig(srv.Config(target))
	if _, err := other.GetLayerVersionByArn(ctx, &lambda.GetLayerVersionByArnInput{Arn: &arn}); err != nil {
		t.Errorf("the account the permission names: %v", err)
	}

	if _, err := cloudformation.NewFromConfig(cfg).DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("layered")}); err != nil {
		t.Fatal(err)
	}
	if _, err := stackdeploy.Wait(ctx, cfg, "layered", nil, nil); err != nil && !strings.Contains(err.Error(), "does not exist") {
		t.Fatal(err)
	}
	if _, err := lc.GetLayerVersionByArn(ctx, &lambda.GetLayerVersionByArnInput{Arn: &arn}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("after the stack's deletion (RetentionPolicy Delete): got %v, want ResourceNotFoundException", err)
	}
}

// TestNodeFunctionImportsFromLayers: a Node.js function requires modules
// from its layers' nodejs/node_modules and nodejs/nodeXX/node_modules
// (AWS Lambda Developer Guide, "Packaging your layer content").
func TestNodeFunctionImportsFromLayers(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	out, _ := exec.Command("node", "--version").Output()
	major, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), ".")
	srv := emulatortest.New(t)
	ctx := context.Background()
	lc := lambda.NewFromConfig(srv.Config(home))
	role := execRole(t, iam.NewFromConfig(srv.Config(home)), "node-layers-exec", lambdaTrust, basicExecution)
	layer := publishLayer(t, lc, "node-libs", map[string]string{
		"nodejs/node_modules/greet/index.js":                 "module.exports = () => 'hello from nodejs/node_modules';\n",
		"nodejs/node" + major + "/node_modules/ver/index.js": "module.exports = 'node" + major + "';\n",
	})
	app := "const greet = require('greet'); const ver = require('ver');\nexports.handler = async () => ({ greet: greet(), ver });\n"
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("node-layered"), Runtime: lambdatypes.Runtime("nodejs" + major + ".x"),
		Role: aws.String(role), Handler: aws.String("index.handler"), Layers: []string{*layer.LayerVersionArn},
		Code: &lambdatypes.FunctionCode{ZipFile: zipFiles(t, map[string]string{"index.js": app})}}); err != nil {
		t.Fatal(err)
	}
	got, res := invokeJSON(t, lc, "node-layered", `{}`)
	if got["greet"] != "hello from nodejs/node_modules" || got["ver"] != "node"+major {
		t.Errorf("invoke: %s", res.Payload)
	}
}

// TestLayersSurviveRestart: with a data directory, layer versions, their
// policies and the last version number of each layer are kept, and a
// function keeps its layers.
func TestLayersSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := emulatortest.New(t, emulator.WithDataDir(dir))
	lc := lambda.NewFromConfig(s.ConfigWith(rootOf(home)))
	publishLayer(t, lc, "kept", map[string]string{"python/kept.py": "A = 1\n"})
	publishLayer(t, lc, "kept", map[string]string{"python/kept.py": "A = 2\n"})
	if _, err := lc.AddLayerVersionPermission(ctx, &lambda.AddLayerVersionPermissionInput{LayerName: aws.String("kept"), VersionNumber: aws.Int64(2),
		StatementId: aws.String("all"), Action: aws.String("lambda:GetLayerVersion"), Principal: aws.String("*")}); err != nil {
		t.Fatal(err)
	}
	if _, err := lc.DeleteLayerVersion(ctx, &lambda.DeleteLayerVersionInput{LayerName: aws.String("kept"), VersionNumber: aws.Int64(2)}); err != nil {
		t.Fatal(err)
	}
	v3 := publishLayer(t, lc, "kept", map[string]string{"python/kept.py": "A = 3\n"})
	if _, err := lc.AddLayerVersionPermission(ctx, &lambda.AddLayerVersionPermissionInput{LayerName: aws.String("kept"), VersionNumber: aws.Int64(3),
		StatementId: aws.String("all"), Action: aws.String("lambda:GetLayerVersion"), Principal: aws.String("*")}); err != nil {
		t.Fatal(err)
	}
	role := execRole(t, iam.NewFromConfig(s.ConfigWith(rootOf(home))), "kept-exec", lambdaTrust)
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("kept-fn"), Runtime: lambdatypes.RuntimePython312,
		Role: aws.String(role), Handler: aws.String("app.handler"), Layers: []string{*v3.LayerVersionArn},
		Code: &lambdatypes.FunctionCode{ZipFile: zipFiles(t, map[string]string{"app.py": "def handler(e, c):\n    return 1\n"})}}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = emulatortest.New(t, emulator.WithDataDir(dir))
	lc = lambda.NewFromConfig(s.ConfigWith(rootOf(home)))
	vs, err := lc.ListLayerVersions(ctx, &lambda.ListLayerVersionsInput{LayerName: aws.String("kept")})
	if err != nil || len(vs.LayerVersions) != 2 || vs.LayerVersions[0].Version != 3 || vs.LayerVersions[1].Version != 1 {
		t.Fatalf("after a restart: %+v %v", vs, err)
	}
	if v4 := publishLayer(t, lc, "kept", map[string]string{"python/kept.py": "A = 4\n"}); v4.Version != 4 {
		t.Errorf("next version after a restart: %d, want 4", v4.Version)
	}
	other := lambda.NewFromConfig(s.ConfigWith(rootOf(target)))
	if _, err := other.GetLayerVersionByArn(ctx, &lambda.GetLayerVersionByArnInput{Arn: v3.LayerVersionArn}); err != nil {
		t.Errorf("the policy after a restart: %v", err)
	}
	cfg, err := lc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("kept-fn")})
	if err != nil || len(cfg.Layers) != 1 || *cfg.Layers[0].Arn != *v3.LayerVersionArn {
		t.Errorf("function's layers after a restart: %+v %v", cfg, err)
	}
}
