// This file provisions Lambda resources: AWS::Lambda::Function,
// AWS::Lambda::Permission, AWS::Lambda::LayerVersion and
// AWS::Lambda::LayerVersionPermission.

package cloudformation

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

func init() {
	register("AWS::Lambda::Function", provider{
		known: []string{"FunctionName", "Code", "Handler", "Runtime", "Role", "Environment", "Timeout", "MemorySize", "Description",
			"LoggingConfig", "TracingConfig", "Architectures", "Layers", "Tags", "PackageType", "EphemeralStorage"},
		required:  []string{"Code", "Role"},
		replaceOn: []string{"FunctionName"},
		create:    createFunction, update: updateFunction,
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			_, err := d.lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(r.PhysicalID)})
			return ignoreCodes(err, "ResourceNotFoundException")
		},
	})
	register("AWS::Lambda::Permission", provider{
		known:    []string{"Action", "FunctionName", "Principal", "SourceArn", "SourceAccount", "EventSourceToken", "PrincipalOrgID"},
		required: []string{"Action", "FunctionName", "Principal"},
		create: func(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
			sid := genName(st, id, 100, false)
			_, err := d.lambda.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String(p.str("FunctionName")), StatementId: &sid,
				Action: aws.String(p.str("Action")), Principal: aws.String(p.str("Principal")), SourceArn: p.strp("SourceArn"),
				SourceAccount: p.strp("SourceAccount"), EventSourceToken: p.strp("EventSourceToken"), PrincipalOrgID: p.strp("PrincipalOrgID")})
			if err != nil {
				return "", nil, err
			}
			return sid, map[string]any{}, nil
		},
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			_, err := d.lambda.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String(props(r.Props).str("FunctionName")), StatementId: aws.String(r.PhysicalID)})
			return ignoreCodes(err, "ResourceNotFoundException")
		},
	})
	// AWS::Lambda::LayerVersion publishes a version; a layer version cannot
	// change, so every property replaces it (a new version). Ref and
	// LayerVersionArn are the version's ARN.
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-layerversion.html
	register("AWS::Lambda::LayerVersion", provider{
		known:    []string{"LayerName", "Content", "CompatibleRuntimes", "CompatibleArchitectures", "Description", "LicenseInfo"},
		required: []string{"Content"},
		create: func(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
			name := p.str("LayerName")
			if name == "" {
				name = genName(st, id, 140, false)
			}
			c := p.obj("Content")
			if c == nil || c.str("S3Bucket") == "" || c.str("S3Key") == "" {
				return "", nil, fmt.Errorf("Property validation failure: [Content needs S3Bucket and S3Key]")
			}
			in := &lambda.PublishLayerVersionInput{LayerName: &name, Description: p.strp("Description"), LicenseInfo: p.strp("LicenseInfo"),
				Content: &lambdatypes.LayerVersionContentInput{S3Bucket: c.strp("S3Bucket"), S3Key: c.strp("S3Key"), S3ObjectVersion: c.strp("S3ObjectVersion")}}
			for _, r := range p.strs("CompatibleRuntimes") {
				in.CompatibleRuntimes = append(in.CompatibleRuntimes, lambdatypes.Runtime(r))
			}
			for _, a := range p.strs("CompatibleArchitectures") {
				in.CompatibleArchitectures = append(in.CompatibleArchitectures, lambdatypes.Architecture(a))
			}
			out, err := d.lambda.PublishLayerVersion(ctx, in)
			if err != nil {
				return "", nil, err
			}
			arn := aws.ToString(out.LayerVersionArn)
			return arn, map[string]any{"LayerVersionArn": arn}, nil
		},
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			layer, version, ok := splitLayerVersionARN(r.PhysicalID)
			if !ok {
				return nil
			}
			_, err := d.lambda.DeleteLayerVersion(ctx, &lambda.DeleteLayerVersionInput{LayerName: &layer, VersionNumber: &version})
			return ignoreCodes(err, "ResourceNotFoundException")
		},
	})
	// AWS::Lambda::LayerVersionPermission adds a statement to a layer
	// version's policy; every property replaces it. Its physical id is
	// the version's ARN and the statement id joined by "#".
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-layerversionpermission.html
	register("AWS::Lambda::LayerVersionPermission", provider{
		known:    []string{"Action", "LayerVersionArn", "Principal", "OrganizationId"},
		required: []string{"Action", "LayerVersionArn", "Principal"},
		create: func(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
			arn := p.str("LayerVersionArn")
			layer, version, ok := splitLayerVersionARN(arn)
			if !ok {
				return "", nil, fmt.Errorf("Property validation failure: [LayerVersionArn %q is not a layer version ARN]", arn)
			}
			sid := genName(st, id, 100, false)
			_, err := d.lambda.AddLayerVersionPermission(ctx, &lambda.AddLayerVersionPermissionInput{LayerName: &layer, VersionNumber: &version,
				StatementId: &sid, Action: p.strp("Action"), Principal: p.strp("Principal"), OrganizationId: p.strp("OrganizationId")})
			if err != nil {
				return "", nil, err
			}
			return arn + "#" + sid, map[string]any{}, nil
		},
		delete: func(ctx context.Context, d *deployer, st *stack, r *resource) error {
			arn, sid, _ := strings.Cut(r.PhysicalID, "#")
			layer, version, ok := splitLayerVersionARN(arn)
			if !ok {
				return nil
			}
			_, err := d.lambda.RemoveLayerVersionPermission(ctx, &lambda.RemoveLayerVersionPermissionInput{LayerName: &layer, VersionNumber: &version, StatementId: &sid})
			return ignoreCodes(err, "ResourceNotFoundException")
		},
	})
}

// splitLayerVersionARN splits arn:...:layer:NAME:VERSION into the layer's
// ARN and the version number.
func splitLayerVersionARN(arn string) (layer string, version int64, ok bool) {
	i := strings.LastIndexByte(arn, ':')
	if i < 0 || !strings.Contains(arn, ":layer:") {
		return "", 0, false
	}
	v, err := strconv.ParseInt(arn[i+1:], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return arn[:i], v, true
}

// functionCode turns a Code property into Lambda's FunctionCode.
func functionCode(p props) (*lambdatypes.FunctionCode, error) {
	code := p.obj("Code")
	switch {
	case code == nil && p.str("Code") != "":
		return nil, fmt.Errorf("Property validation failure: [Value of property {/Code} does not match type {Object}] %s", packageHint([]string{fmt.Sprintf("Code %q", p.str("Code"))}))
	case code == nil:
		return nil, fmt.Errorf("Property validation failure: [The property {/Code} is required]")
	case code.has("ZipFile"):
		// CloudFormation stores inline source as index.py or index.js.
		name := "index.py"
		if strings.HasPrefix(p.str("Runtime"), "nodejs") {
			name = "index.js"
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create(name)
		w.Write([]byte(code.str("ZipFile")))
		zw.Close()
		return &lambdatypes.FunctionCode{ZipFile: buf.Bytes()}, nil
	case code.has("S3Bucket"):
		return &lambdatypes.FunctionCode{S3Bucket: code.strp("S3Bucket"), S3Key: code.strp("S3Key"), S3ObjectVersion: code.strp("S3ObjectVersion")}, nil
	case code.has("ImageUri"):
		return nil, fmt.Errorf("container image functions (Code.ImageUri) are not supported by the xacct emulator")
	}
	return nil, fmt.Errorf("Property validation failure: [Code must specify ZipFile or S3Bucket and S3Key]")
}

func loggingConfig(p props) *lambdatypes.LoggingConfig {
	lc := p.obj("LoggingConfig")
	if lc == nil {
		return nil
	}
	return &lambdatypes.LoggingConfig{LogFormat: lambdatypes.LogFormat(lc.str("LogFormat")), LogGroup: lc.strp("LogGroup"),
		ApplicationLogLevel: lambdatypes.ApplicationLogLevel(lc.str("ApplicationLogLevel")), SystemLogLevel: lambdatypes.SystemLogLevel(lc.str("SystemLogLevel"))}
}

func environment(p props) *lambdatypes.Environment {
	env := p.obj("Environment")
	if env == nil {
		return &lambdatypes.Environment{Variables: map[string]string{}}
	}
	vars := map[string]string{}
	for k := range env.obj("Variables") {
		vars[k] = env.obj("Variables").str(k)
	}
	return &lambdatypes.Environment{Variables: vars}
}

func createFunction(ctx context.Context, d *deployer, st *stack, id string, p props) (string, map[string]any, error) {
	name := p.str("FunctionName")
	if name == "" {
		name = genName(st, id, 64, false)
	}
	code, err := functionCode(p)
	if err != nil {
		return "", nil, err
	}
	in := &lambda.CreateFunctionInput{FunctionName: &name, Code: code, Role: aws.String(p.str("Role")), Handler: p.strp("Handler"),
		Runtime: lambdatypes.Runtime(p.str("Runtime")), Description: p.strp("Description"), Environment: environment(p), LoggingConfig: loggingConfig(p)}
	if in.Timeout, err = p.i32p("Timeout"); err != nil {
		return "", nil, err
	}
	if in.MemorySize, err = p.i32p("MemorySize"); err != nil {
		return "", nil, err
	}
	if tc := p.obj("TracingConfig"); tc != nil {
		in.TracingConfig = &lambdatypes.TracingConfig{Mode: lambdatypes.TracingMode(tc.str("Mode"))}
	}
	for _, a := range p.strs("Architectures") {
		in.Architectures = append(in.Architectures, lambdatypes.Architecture(a))
	}
	in.Layers = p.strs("Layers")
	out, err := d.lambda.CreateFunction(ctx, in)
	if errCode(err) == "ResourceConflictException" {
		return "", nil, alreadyExists("AWS::Lambda::Function", name)
	}
	if err != nil {
		return "", nil, err
	}
	return name, map[string]any{"Arn": aws.ToString(out.FunctionArn)}, nil
}

func updateFunction(ctx context.Context, d *deployer, st *stack, r *resource, p props) (map[string]any, error) {
	name := r.PhysicalID
	in := &lambda.UpdateFunctionConfigurationInput{FunctionName: &name, Role: aws.String(p.str("Role")), Handler: p.strp("Handler"),
		Runtime: lambdatypes.Runtime(p.str("Runtime")), Description: p.strp("Description"), Environment: environment(p), LoggingConfig: loggingConfig(p)}
	var err error
	if in.Timeout, err = p.i32p("Timeout"); err != nil {
		return nil, err
	}
	if in.MemorySize, err = p.i32p("MemorySize"); err != nil {
		return nil, err
	}
	if changed(r.Props, p, "Layers") {
		in.Layers = p.strs("Layers")
		if in.Layers == nil {
			in.Layers = []string{} // removed: the function has none
		}
	}
	if _, err := d.lambda.UpdateFunctionConfiguration(ctx, in); err != nil {
		return nil, err
	}
	if changed(r.Props, p, "Code", "Runtime") {
		code, err := functionCode(p)
		if err != nil {
			return nil, err
		}
		if _, err := d.lambda.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: &name, ZipFile: code.ZipFile,
			S3Bucket: code.S3Bucket, S3Key: code.S3Key, S3ObjectVersion: code.S3ObjectVersion}); err != nil {
			return nil, err
		}
	}
	return nil, nil
}
