package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/xacct/xacct/cfntemplate"
	"github.com/xacct/xacct/internal/stackdeploy"
)

// isFunctionType reports whether typ is a Lambda function resource.
func isFunctionType(typ string) bool {
	return typ == "AWS::Serverless::Function" || typ == "AWS::Lambda::Function"
}

// deployForInvoke is `xacct invoke --template`: it deploys (or updates)
// the template's scratch stack (scratchStackName) with the --env-vars
// overrides applied, and returns the physical name of the function
// logicalID. Deployment progress goes to w.
func deployForInvoke(ctx context.Context, w io.Writer, d *deployTarget, path, logicalID, envVarsFile string, params map[string]string) (string, error) {
	t, err := stackdeploy.ReadTemplate(path)
	if err != nil {
		return "", err
	}
	r, ok := t.Resource(logicalID)
	if !ok || !isFunctionType(r.Type) {
		var ids []string
		for _, r := range t.Resources() {
			if isFunctionType(r.Type) {
				ids = append(ids, r.LogicalID)
			}
		}
		what := "no resource"
		if ok {
			what = "a " + r.Type + ", not a function"
		}
		return "", usagef("invoke: %s in %s is %s (its functions: %s)", logicalID, path, what, strings.Join(ids, ", "))
	}
	if envVarsFile != "" {
		b, err := os.ReadFile(envVarsFile)
		if err != nil {
			return "", err
		}
		vars, err := parseEnvVars(b)
		if err != nil {
			return "", fmt.Errorf("--env-vars %s: %w", envVarsFile, err)
		}
		for _, warning := range applyEnvVars(t, vars) {
			fmt.Fprintf(w, "warning: --env-vars %s: %s\n", envVarsFile, warning)
		}
	}
	stack := scratchStackName(path)
	if _, err := deployTemplate(ctx, w, d, path, t, stack, params); err != nil {
		if strings.Contains(err.Error(), "already exists") {
			// A FunctionName, RoleName, BucketName, ... in the template
			// exists once per account: the scratch stack cannot hold a
			// second copy of a resource another stack of the template has.
			return "", fmt.Errorf("%w\n(the template names this resource, so the scratch stack %s collides with another stack of it, such as one xacct deploy made: invoke that one with xacct invoke STACK/%s, or delete it first)", err, stack, logicalID)
		}
		return "", err
	}
	phys, _, err := stackResource(ctx, d, stack, logicalID)
	return phys, err
}

// stackResource returns the physical id and type of a stack's resource,
// through DescribeStackResources filtered by logical id.
func stackResource(ctx context.Context, d *deployTarget, stack, logicalID string) (phys, typ string, err error) {
	c := cloudformation.NewFromConfig(d.config())
	out, err := c.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: &stack, LogicalResourceId: &logicalID})
	if err != nil {
		return "", "", fmt.Errorf("%s/%s: %w", stack, logicalID, endpointError(err))
	}
	if len(out.StackResources) == 0 {
		return "", "", fmt.Errorf("stack %s has no resource %s", stack, logicalID)
	}
	r := out.StackResources[0]
	return aws.ToString(r.PhysicalResourceId), aws.ToString(r.ResourceType), nil
}

// resolveStackFunction turns STACK/LogicalId into the function's physical
// name through the stack's resources. A function name has no '/' and an
// ARN none either (function names are [a-zA-Z0-9-_]), so the form is
// unambiguous.
func resolveStackFunction(ctx context.Context, d *deployTarget, name string) (string, error) {
	stack, id, ok := strings.Cut(name, "/")
	if !ok || strings.HasPrefix(name, "arn:") {
		return name, nil
	}
	phys, typ, err := stackResource(ctx, d, stack, id)
	if err != nil {
		return "", err
	}
	if typ != "AWS::Lambda::Function" {
		return "", fmt.Errorf("%s is a %s, not a function", name, typ)
	}
	return phys, nil
}

// envVars is SAM CLI's --env-vars file: {"Parameters": {VAR: value}} for
// every function, {"LogicalId": {VAR: value}} for one.
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-sam-cli-using-invoke.html
type envVars map[string]map[string]string

func parseEnvVars(b []byte) (envVars, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("not SAM's env-vars JSON ({\"Parameters\": {...}, \"LogicalId\": {\"VAR\": \"value\"}}): %v", err)
	}
	out := envVars{}
	for section, v := range raw {
		vars, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q must be an object of VARIABLE: value", section)
		}
		out[section] = map[string]string{}
		for k, val := range vars {
			out[section][k] = envString(val)
		}
	}
	return out, nil
}

// envString turns a JSON value into an environment value: a string as it
// is, numbers and booleans as their JSON text, null as "", an object or a
// list as its JSON.
func envString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return ""
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// applyEnvVars writes the overrides into each function's
// Environment.Variables in t, as SAM CLI applies them to a local
// invocation: "Parameters" applies to every function, a function's own
// section (by logical id, else by its literal FunctionName) wins over it,
// and only variables the function declares (in its Environment or in
// Globals) are overridden; SAM CLI ignores the others, and so does this
// (with a warning). It returns the warnings.
func applyEnvVars(t *cfntemplate.Template, vars envVars) []string {
	var warnings []string
	used := map[string]bool{"Parameters": true}
	globals := t.Section("Globals").Get("Function").Get("Environment").Get("Variables")
	for _, r := range t.Resources() {
		if !isFunctionType(r.Type) || r.Properties == nil {
			continue
		}
		section := ""
		if _, ok := vars[r.LogicalID]; ok {
			section = r.LogicalID
		} else if fn := r.Properties.Get("FunctionName"); fn.IsString() {
			if _, ok := vars[fn.Str]; ok {
				section = fn.Str
			}
		}
		declared := map[string]bool{}
		for _, k := range r.Properties.Get("Environment").Get("Variables").Keys() {
			declared[k] = true
		}
		if r.Type == "AWS::Serverless::Function" {
			for _, k := range globals.Keys() {
				declared[k] = true
			}
		}
		overrides := map[string]string{}
		for k, v := range vars["Parameters"] {
			overrides[k] = v
		}
		if section != "" {
			used[section] = true
			var ignored []string
			for k, v := range vars[section] {
				overrides[k] = v
				if !declared[k] {
					ignored = append(ignored, k)
				}
			}
			if len(ignored) > 0 {
				sort.Strings(ignored)
				warnings = append(warnings, fmt.Sprintf("%s does not declare %s in its Environment.Variables: not set (SAM CLI overrides only the variables a template declares)", r.LogicalID, strings.Join(ignored, ", ")))
			}
		}
		keys := make([]string, 0, len(overrides))
		for k := range overrides {
			if declared[k] {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			continue
		}
		sort.Strings(keys)
		env := r.Properties.Get("Environment")
		if !env.IsMap() {
			env = cfntemplate.NewMap()
			r.Properties.Set("Environment", env)
		}
		vs := env.Get("Variables")
		if !vs.IsMap() {
			vs = cfntemplate.NewMap()
			env.Set("Variables", vs)
		}
		for _, k := range keys {
			vs.Set(k, cfntemplate.NewString(overrides[k]))
		}
	}
	var unknown []string
	for s := range vars {
		if !used[s] {
			unknown = append(unknown, s)
		}
	}
	sort.Strings(unknown)
	for _, s := range unknown {
		warnings = append(warnings, fmt.Sprintf("%q names no function of the template (a logical id, a FunctionName, or Parameters for all)", s))
	}
	return warnings
}
