package cfntemplate

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// The seed's SAM template names local directories; packaging uploads them
// and the transform then succeeds, as `sam package` + `sam deploy` do.
// https://docs.aws.amazon.com/cli/latest/reference/cloudformation/package.html
func TestPackageArtifacts(t *testing.T) {
	tpl := mustParse(t, readFile(t, "testdata/seeds/004_switch_account_sam.yaml"))
	if _, err := tpl.Transform(TransformOptions{}); err == nil {
		t.Fatal("Transform of unpackaged template succeeded, want CodeUri error")
	}
	var uploaded []string
	upload := func(_ context.Context, id, prop, path string) (string, string, error) {
		uploaded = append(uploaded, id+"."+prop+"="+path)
		return "xacct-artifacts", id + ".zip", nil
	}
	packaged, err := tpl.PackageArtifacts(context.Background(), upload)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"CrossAccountLayer.ContentUri=layers/cross_account/", "SwitchAccountFunction.CodeUri=functions/switch_account/"}
	if !reflect.DeepEqual(uploaded, want) {
		t.Errorf("uploaded %v, want %v", uploaded, want)
	}
	p, err := packaged.Transform(TransformOptions{Region: "ap-northeast-1"})
	if err != nil {
		t.Fatalf("Transform after packaging: %v", err)
	}
	fn, _ := p.Resource("SwitchAccountFunction")
	code := fn.Properties.Get("Code")
	if code.Get("S3Bucket").Str != "xacct-artifacts" || code.Get("S3Key").Str != "SwitchAccountFunction.zip" {
		t.Errorf("Code = %s", code)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	// The original is untouched.
	orig, _ := tpl.Resource("SwitchAccountFunction")
	if orig.Properties.Get("CodeUri").Str != "functions/switch_account/" {
		t.Error("PackageArtifacts modified the original template")
	}

	raw := mustParse(t, `
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Code: ./src, Handler: h, Runtime: python3.12, Role: r}
  Remote:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://b/k.zip}
`)
	packaged, err = raw.PackageArtifacts(context.Background(), upload)
	if err != nil {
		t.Fatal(err)
	}
	fnRes, _ := packaged.Resource("Fn")
	if got := fnRes.Properties.Get("Code"); got.Get("S3Key").Str != "Fn.zip" {
		t.Errorf("Lambda Code = %s, want {S3Bucket, S3Key}", got)
	}
	remote, _ := packaged.Resource("Remote")
	if remote.Properties.Get("CodeUri").Str != "s3://b/k.zip" {
		t.Error("an S3 CodeUri was re-uploaded")
	}
	boom := errors.New("boom")
	if _, err := raw.PackageArtifacts(context.Background(), func(context.Context, string, string, string) (string, string, error) {
		return "", "", boom
	}); !errors.Is(err, boom) {
		t.Errorf("got %v, want the upload error", err)
	}
}
