package lambda

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

// Limits (AWS Lambda Developer Guide, "Lambda quotas").
const (
	maxZipSize      = 50 << 20
	maxUnzippedSize = 250 << 20
	defaultTimeout  = 3
	maxTimeout      = 900
	defaultMemory   = 128
)

// Runtimes the emulator runs.
var runtimes = map[string]bool{
	"provided.al2023": true, "provided.al2": true, "provided": true,
	"python3.9": true, "python3.10": true, "python3.11": true, "python3.12": true, "python3.13": true,
	"nodejs18.x": true, "nodejs20.x": true, "nodejs22.x": true,
}

// Function is a stored function ($LATEST).
type Function struct {
	Account       string
	Region        string
	Name          string
	Runtime       string
	Role          string
	Handler       string
	Description   string
	Timeout       int32
	MemorySize    int32
	Env           map[string]string
	Architectures []string
	Logging       LoggingConfig
	Tracing       string
	// Layers are the layer version ARNs in order, LayerSizes their
	// sizes, OptDir the directory they are merged into (Lambda's /opt).
	Layers       []string
	LayerSizes   []int64 `json:",omitempty"`
	OptDir       string  `json:",omitempty"`
	Tags         map[string]string
	CodeSha256   string
	CodeSize     int64
	CodeDir      string
	LastModified time.Time
	RevisionID   string
	// Policy is the function's resource-based policy (AddPermission).
	Policy string
	// PolicyRefs binds the roles and users Policy names to their unique
	// ids (see Options.Principals).
	PolicyRefs map[string]string `json:",omitempty"`
	parsed     *policy.Policy
}

// ARN returns arn:aws:lambda:REGION:ACCOUNT:function:NAME.
func (f *Function) ARN() string {
	return "arn:aws:lambda:" + f.Region + ":" + f.Account + ":function:" + f.Name
}

// LogGroup is where the function's output goes.
func (f *Function) LogGroup() string {
	if f.Logging.LogGroup != "" {
		return f.Logging.LogGroup
	}
	return "/aws/lambda/" + f.Name
}

func (f *Function) config() FunctionConfiguration {
	c := FunctionConfiguration{
		FunctionName: f.Name, FunctionArn: f.ARN(), Runtime: f.Runtime, Role: f.Role, Handler: f.Handler, CodeSize: f.CodeSize,
		Description: f.Description, Timeout: f.Timeout, MemorySize: f.MemorySize, LastModified: f.LastModified.UTC().Format("2006-01-02T15:04:05.000+0000"),
		CodeSha256: f.CodeSha256, Version: "$LATEST", TracingConfig: TracingConfig{Mode: f.Tracing}, RevisionId: f.RevisionID,
		State: "Active", LastUpdateStatus: "Successful", PackageType: "Zip", Architectures: f.Architectures, LoggingConfig: f.Logging,
	}
	c.EphemeralStorage.Size = 512
	if len(f.Env) > 0 {
		c.Environment = &EnvironmentResponse{Variables: f.Env}
	}
	for i, l := range f.Layers {
		lo := LayerOut{Arn: l}
		if i < len(f.LayerSizes) {
			lo.CodeSize = f.LayerSizes[i]
		}
		c.Layers = append(c.Layers, lo)
	}
	return c
}

var nameRE = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,64}$`)

// resolveName accepts a function name, partial ARN or ARN, with an
// optional qualifier, and returns the account and name it names.
func resolveName(ref, callerAcct string) (acct, name string, err error) {
	qualifier := ""
	s := ref
	if strings.HasPrefix(s, "arn:") {
		parts := strings.Split(s, ":")
		if len(parts) < 7 || parts[2] != "lambda" || parts[5] != "function" {
			return "", "", errValidation("1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?", ref)
		}
		acct, name = parts[4], parts[6]
		if len(parts) > 7 {
			qualifier = parts[7]
		}
	} else if strings.Contains(s, ":function:") {
		parts := strings.Split(s, ":")
		acct, name = parts[0], parts[2]
		if len(parts) > 3 {
			qualifier = parts[3]
		}
	} else {
		acct = callerAcct
		name, qualifier, _ = strings.Cut(s, ":")
	}
	if !nameRE.MatchString(name) {
		return "", "", errValidation("1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?", ref)
	}
	if qualifier != "" && qualifier != "$LATEST" {
		return "", "", awserr.New(http.StatusNotFound, "ResourceNotFoundException", "Function not found: %s", ref)
	}
	return acct, name, nil
}

func callerOf(ctx context.Context) *service.Call { return service.FromContext(ctx) }

// functionPolicy returns f's policy as it reads and is evaluated now: a
// deleted role or user it names appears as its unique id.
func (s *Service) functionPolicy(f *Function) (string, *policy.Policy) {
	text, p := f.Policy, f.parsed
	if s.opts.Principals == nil || len(f.PolicyRefs) == 0 {
		return text, p
	}
	if resolved, changed := s.opts.Principals.ResolvePrincipals(text, f.PolicyRefs); changed {
		if np, err := policy.Parse(resolved, policy.KindResource); err == nil {
			return resolved, np
		}
	}
	return text, p
}

// rebindPolicy binds the roles and users a function policy names to their
// unique ids (nil without Options.Principals). Principals of statements
// kept from the previous policy stay bound to the ids in old, so a role
// deleted before a statement was added or removed still reads as its id.
func (s *Service) rebindPolicy(text string, old map[string]string) map[string]string {
	if s.opts.Principals == nil || text == "" {
		return nil
	}
	refs := s.opts.Principals.BindPrincipals(text)
	for arn, id := range old {
		if strings.Contains(text, `"`+arn+`"`) {
			if refs == nil {
				refs = make(map[string]string)
			}
			refs[arn] = id
		}
	}
	return refs
}

// functionARN is arn:aws:lambda:REGION:ACCOUNT:function:NAME.
func functionARN(region, acct, name string) string {
	return "arn:aws:lambda:" + region + ":" + acct + ":function:" + name
}

// lookup returns the function ref names, or ResourceNotFoundException.
// The operation's Check has authorized the caller already.
func (s *Service) lookup(ctx context.Context, ref string) (*Function, error) {
	call := callerOf(ctx)
	acct, name, err := resolveName(ref, call.Caller.Account())
	if err != nil {
		return nil, err
	}
	f := s.store.function(acct, call.Region, name)
	if f == nil {
		return nil, s.missingFunction(ctx, acct, call.Region, name, functionARN(call.Region, acct, name))
	}
	return f, nil
}

// listFunctions lists the caller's functions in the region.
func (s *Service) listFunctions(ctx context.Context, in *ListFunctionsIn) (*ListFunctionsOut, error) {
	call := callerOf(ctx)
	fs := s.store.functions(call.Caller.Account(), call.Region)
	start, _ := strconv.Atoi(in.Marker)
	limit, _ := strconv.Atoi(in.MaxItems)
	if limit <= 0 || limit > 50 {
		limit = 50
	}
	out := &ListFunctionsOut{Functions: []FunctionConfiguration{}}
	for i := max(start, 0); i < len(fs); i++ {
		if len(out.Functions) == limit {
			out.NextMarker = strconv.Itoa(i)
			break
		}
		out.Functions = append(out.Functions, fs[i].config())
	}
	return out, nil
}

// getFunction returns a function's configuration and code location.
func (s *Service) getFunction(ctx context.Context, in *FunctionRef) (*GetFunctionOut, error) {
	f, err := s.lookup(ctx, in.FunctionName)
	if err != nil {
		return nil, err
	}
	return &GetFunctionOut{Configuration: f.config(), Code: FunctionCodeLocation{RepositoryType: "S3", Location: "file://" + f.CodeDir}, Tags: f.Tags}, nil
}

// getFunctionConfiguration returns a function's configuration.
func (s *Service) getFunctionConfiguration(ctx context.Context, in *FunctionRef) (*FunctionConfiguration, error) {
	f, err := s.lookup(ctx, in.FunctionName)
	if err != nil {
		return nil, err
	}
	c := f.config()
	return &c, nil
}

// deleteFunction deletes a function and stops its environments.
func (s *Service) deleteFunction(ctx context.Context, in *FunctionRef) (*Empty, error) {
	f, err := s.lookup(ctx, in.FunctionName)
	if err != nil {
		return nil, err
	}
	prev, err := s.store.deleteFunction(f.Account, f.Region, f.Name)
	if err != nil {
		return nil, err
	}
	if prev == nil {
		return nil, errNotFound(f.ARN())
	}
	s.dropPool(f.ARN())
	return &Empty{}, nil
}

// validateFunctionName checks a function name, partial ARN or ARN against
// the API's pattern (ValidationException), and refuses a qualifier other
// than $LATEST (ResourceNotFoundException: versions are not emulated).
func validateFunctionName(ref string) error {
	_, _, err := resolveName(ref, "000000000000")
	return err
}

func (in *FunctionRef) functionName() string        { return in.FunctionName }
func (in *UpdateConfigIn) functionName() string     { return in.FunctionName }
func (in *UpdateCodeIn) functionName() string       { return in.FunctionName }
func (in *InvokeIn) functionName() string           { return in.FunctionName }
func (in *AddPermissionIn) functionName() string    { return in.FunctionName }
func (in *RemovePermissionIn) functionName() string { return in.FunctionName }

// Validate checks the function name (rest.Validator).
func (in *FunctionRef) Validate() error { return validateRef(in.FunctionName, in.Qualifier) }

// Validate checks the function name (rest.Validator).
func (in *UpdateConfigIn) Validate() error { return validateFunctionName(in.FunctionName) }

// Validate checks the function name (rest.Validator).
func (in *UpdateCodeIn) Validate() error { return validateFunctionName(in.FunctionName) }

// Validate checks the function name (rest.Validator).
func (in *InvokeIn) Validate() error { return validateRef(in.FunctionName, in.Qualifier) }

// Validate checks the function name (rest.Validator).
func (in *AddPermissionIn) Validate() error { return validateRef(in.FunctionName, "") }

// Validate checks the function name (rest.Validator).
func (in *RemovePermissionIn) Validate() error { return validateRef(in.FunctionName, in.Qualifier) }

// validateRef checks a function reference and its Qualifier parameter.
func validateRef(ref, qualifier string) error {
	if err := validateFunctionName(ref); err != nil {
		return err
	}
	if qualifier != "" && qualifier != "$LATEST" {
		return awserr.New(http.StatusNotFound, "ResourceNotFoundException", "Function not found: %s:%s", ref, qualifier)
	}
	return nil
}
