package cfntemplate

import (
	"context"
	"fmt"
	"strings"
)

// ArtifactUploader uploads a local artifact a template points at (a
// function's code directory, a layer's content) and returns where it now
// is in S3: the job `sam package` and `aws cloudformation package` do
// before a deployment. It is called once per property, in template order.
type ArtifactUploader func(ctx context.Context, logicalID, property, path string) (bucket, key string, err error)

// PackageArtifacts returns a copy of the template whose local artifact
// paths are replaced by S3 locations from upload, as `sam package` writes
// them: AWS::Serverless::Function CodeUri (also in Globals) and
// AWS::Serverless::LayerVersion ContentUri become "s3://bucket/key";
// AWS::Lambda::Function Code and AWS::Lambda::LayerVersion Content given
// as a path become {S3Bucket, S3Key}. Values that are already S3 URIs,
// objects or intrinsic functions are left alone. The seeds' SAM templates
// (CodeUri: functions/switch_account/) need this before Transform, exactly
// as they need `sam package` before CloudFormation sees them.
// https://docs.aws.amazon.com/cli/latest/reference/cloudformation/package.html
func (t *Template) PackageArtifacts(ctx context.Context, upload ArtifactUploader) (*Template, error) {
	root := t.root.Clone()
	isLocal := func(n *Node) bool {
		if !n.IsString() || n.Str == "" {
			return false
		}
		lower := strings.ToLower(n.Str)
		return !strings.HasPrefix(lower, "s3://") && !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://")
	}
	uri := func(id, prop string, n *Node) (*Node, error) {
		bucket, key, err := upload(ctx, id, prop, n.Str)
		if err != nil {
			return nil, fmt.Errorf("package %s %s %q: %w", id, prop, n.Str, err)
		}
		return NewString("s3://" + bucket + "/" + key), nil
	}
	object := func(id, prop string, n *Node) (*Node, error) {
		bucket, key, err := upload(ctx, id, prop, n.Str)
		if err != nil {
			return nil, fmt.Errorf("package %s %s %q: %w", id, prop, n.Str, err)
		}
		m := NewMap()
		m.Set("S3Bucket", NewString(bucket))
		m.Set("S3Key", NewString(key))
		return m, nil
	}
	if code := root.Get("Globals").Get("Function").Get("CodeUri"); isLocal(code) {
		v, err := uri("Globals", "CodeUri", code)
		if err != nil {
			return nil, err
		}
		root.Get("Globals").Get("Function").Set("CodeUri", v)
	}
	if res := root.Get("Resources"); res.IsMap() {
		for _, f := range res.Fields {
			props := f.Value.Get("Properties")
			var prop string
			var convert func(id, prop string, n *Node) (*Node, error)
			switch typeOf(f.Value) {
			case "AWS::Serverless::Function":
				prop, convert = "CodeUri", uri
			case "AWS::Serverless::LayerVersion":
				prop, convert = "ContentUri", uri
			case "AWS::Lambda::Function":
				prop, convert = "Code", object
			case "AWS::Lambda::LayerVersion":
				prop, convert = "Content", object
			default:
				continue
			}
			if v := props.Get(prop); isLocal(v) {
				nv, err := convert(f.Key, prop, v)
				if err != nil {
					return nil, err
				}
				props.Set(prop, nv)
			}
		}
	}
	return New(root), nil
}
