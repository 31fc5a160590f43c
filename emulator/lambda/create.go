package lambda

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"

	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
	"github.com/xacct/xacct/policy"
)

func newRevision() string {
	b := make([]byte, 16)
	rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// checkRole verifies the execution role: the caller may pass it
// (iam:PassRole) and its trust policy lets Lambda assume it.
func (s *Service) checkRole(ctx context.Context, role string) error {
	if !strings.HasPrefix(role, "arn:") || !strings.Contains(role, ":role/") {
		return errValidation("1 validation error detected: Value '%s' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+", role)
	}
	if err := service.Authorize(ctx, service.Check{Action: "iam:PassRole", Resource: role,
		Context: map[string][]string{"iam:PassedToService": {"lambda.amazonaws.com"}}}); err != nil {
		return err
	}
	if err := s.opts.Roles.CheckServiceTrust(role, "lambda.amazonaws.com"); err != nil {
		// Lambda's message (AWS Lambda API Reference, CreateFunction).
		return errInvalidParameter("The role defined for the function cannot be assumed by Lambda.")
	}
	return nil
}

// loadCode fetches a deployment package (inline zip or S3 object).
func (s *Service) loadCode(ctx context.Context, c FunctionCode) (dir, sha string, size int64, err error) {
	zipData := c.ZipFile
	switch {
	case len(zipData) > 0:
	case c.S3Bucket != "" && c.S3Key != "":
		rc, n, err := s.opts.Code.GetObjectAs(ctx, c.S3Bucket, c.S3Key)
		if err != nil {
			if e, ok := awserr.As(err); ok && e.Code == "NoSuchKey" || ok && e.Code == "NoSuchBucket" {
				return "", "", 0, errInvalidParameter("Error occurred while GetObject. S3 Error Code: %s. S3 Error Message: %s", e.Code, e.Message)
			}
			return "", "", 0, err
		}
		defer rc.Close()
		if n > maxZipSize*5 {
			return "", "", 0, errInvalidParameter("Unzipped size must be smaller than 262144000 bytes")
		}
		if zipData, err = io.ReadAll(rc); err != nil {
			return "", "", 0, err
		}
	case c.ImageUri != "":
		return "", "", 0, errInvalidParameter("Container images are not supported by the xacct emulator; use a zip package.")
	default:
		return "", "", 0, errInvalidParameter("Please provide a source for function code.")
	}
	dir, sha, err = s.store.unpack(zipData)
	return dir, sha, int64(len(zipData)), err
}

func checkSettings(runtime, handler string, timeout, memory *int32) error {
	if !runtimes[runtime] {
		return errInvalidParameter("Value %s at 'runtime' failed to satisfy constraint: the xacct emulator runs provided.al2023, provided.al2 and python3.9-3.13", runtime)
	}
	if strings.HasPrefix(runtime, "python") && !strings.Contains(handler, ".") {
		return errInvalidParameter("Handler %q must be module.function for %s", handler, runtime)
	}
	if timeout != nil && (*timeout < 1 || *timeout > maxTimeout) {
		return errValidation("1 validation error detected: Value '%d' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900", *timeout)
	}
	if memory != nil && (*memory < 128 || *memory > 10240) {
		return errValidation("1 validation error detected: Value '%d' at 'memorySize' failed to satisfy constraint: Member must have value between 128 and 10240", *memory)
	}
	return nil
}

func checkLogging(l *LoggingConfig) error {
	if l == nil {
		return nil
	}
	if l.LogFormat != "" && l.LogFormat != "Text" && l.LogFormat != "JSON" {
		return errValidation("1 validation error detected: Value '%s' at 'loggingConfig.logFormat' failed to satisfy constraint: Member must satisfy enum value set: [JSON, Text]", l.LogFormat)
	}
	if (l.ApplicationLogLevel != "" || l.SystemLogLevel != "") && l.LogFormat != "JSON" {
		return errInvalidParameter("To set a log level, the log format must be JSON.")
	}
	return nil
}

// reservedEnv are variables Lambda sets and functions may not (AWS Lambda
// Developer Guide, "Defined runtime environment variables").
var reservedEnv = []string{"_HANDLER", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"}

func checkEnv(env *Environment) error {
	if env == nil {
		return nil
	}
	size := 0
	for k, v := range env.Variables {
		for _, r := range reservedEnv {
			if k == r {
				return errInvalidParameter("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", k)
			}
		}
		size += len(k) + len(v)
	}
	if size > 4096 {
		return errInvalidParameter("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit.")
	}
	return nil
}

// CreateFunction creates a function from a zip or an S3 object.
func (s *Service) CreateFunction(ctx context.Context, in *CreateFunctionIn) (*FunctionConfiguration, error) {
	call := callerOf(ctx)
	acct := call.Caller.Account()
	if !nameRE.MatchString(in.FunctionName) {
		return nil, errValidation("1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+", in.FunctionName)
	}
	arn := "arn:aws:lambda:" + call.Region + ":" + acct + ":function:" + in.FunctionName
	if err := service.Authorize(ctx, service.Check{Action: "lambda:CreateFunction", Resource: arn}); err != nil {
		return nil, err
	}
	if err := checkSettings(in.Runtime, in.Handler, in.Timeout, in.MemorySize); err != nil {
		return nil, err
	}
	if err := checkLogging(in.LoggingConfig); err != nil {
		return nil, err
	}
	if err := checkEnv(in.Environment); err != nil {
		return nil, err
	}
	if err := s.checkRole(ctx, in.Role); err != nil {
		return nil, err
	}
	s.store.mu.RLock()
	exists := s.store.fns[fnKey(acct, call.Region, in.FunctionName)] != nil
	s.store.mu.RUnlock()
	if exists {
		return nil, errConflict("Function already exist: %s", in.FunctionName)
	}
	dir, sha, size, err := s.loadCode(ctx, in.Code)
	if err != nil {
		return nil, err
	}
	f := &Function{
		Account: acct, Region: call.Region, Name: in.FunctionName, Runtime: in.Runtime, Role: in.Role, Handler: in.Handler,
		Description: in.Description, Timeout: defaultTimeout, MemorySize: defaultMemory, Architectures: in.Architectures,
		Layers: in.Layers, Tags: in.Tags, CodeSha256: sha, CodeSize: size, CodeDir: dir, LastModified: s.opts.Now(), RevisionID: newRevision(),
		Logging: LoggingConfig{LogFormat: "Text"},
	}
	if in.Timeout != nil {
		f.Timeout = *in.Timeout
	}
	if in.MemorySize != nil {
		f.MemorySize = *in.MemorySize
	}
	if in.Environment != nil {
		f.Env = in.Environment.Variables
	}
	if len(f.Architectures) == 0 {
		f.Architectures = []string{"x86_64"}
	}
	applyLogging(f, in.LoggingConfig)
	f.Tracing = "PassThrough"
	if in.TracingConfig != nil && in.TracingConfig.Mode != "" {
		f.Tracing = in.TracingConfig.Mode
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	k := fnKey(acct, call.Region, in.FunctionName)
	if s.store.fns[k] != nil {
		return nil, errConflict("Function already exist: %s", in.FunctionName)
	}
	s.store.fns[k] = f
	if err := s.store.save(); err != nil {
		delete(s.store.fns, k)
		return nil, err
	}
	c := f.config()
	return &c, nil
}

func applyLogging(f *Function, l *LoggingConfig) {
	if l == nil {
		return
	}
	if l.LogFormat != "" {
		f.Logging.LogFormat = l.LogFormat
	}
	f.Logging.LogGroup = l.LogGroup
	if f.Logging.LogFormat == "JSON" {
		f.Logging.ApplicationLogLevel, f.Logging.SystemLogLevel = "INFO", "INFO"
		if l.ApplicationLogLevel != "" {
			f.Logging.ApplicationLogLevel = l.ApplicationLogLevel
		}
		if l.SystemLogLevel != "" {
			f.Logging.SystemLogLevel = l.SystemLogLevel
		}
	} else {
		f.Logging.ApplicationLogLevel, f.Logging.SystemLogLevel = "", ""
	}
}

// update changes a copy of a function and stores it; running environments
// are retired so the next invocation starts with the new settings.
func (s *Service) update(ctx context.Context, ref, action string, change func(f *Function) error) (*FunctionConfiguration, error) {
	f, err := s.lookup(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, action, f, f.ARN(), f.Account); err != nil {
		return nil, err
	}
	c := *f
	if err := change(&c); err != nil {
		return nil, err
	}
	c.LastModified, c.RevisionID = s.opts.Now(), newRevision()
	s.store.mu.Lock()
	k := fnKey(c.Account, c.Region, c.Name)
	prev := s.store.fns[k]
	s.store.fns[k] = &c
	err = s.store.save()
	if err != nil {
		s.store.fns[k] = prev // not acknowledged: nothing changes
	}
	s.store.mu.Unlock()
	if err != nil {
		return nil, err
	}
	s.dropPool(c.ARN())
	out := c.config()
	return &out, nil
}

// UpdateFunctionConfiguration changes settings.
func (s *Service) UpdateFunctionConfiguration(ctx context.Context, ref string, in *UpdateConfigIn) (*FunctionConfiguration, error) {
	return s.update(ctx, ref, "lambda:UpdateFunctionConfiguration", func(f *Function) error {
		rt, h := f.Runtime, f.Handler
		if in.Runtime != "" {
			rt = in.Runtime
		}
		if in.Handler != "" {
			h = in.Handler
		}
		if err := checkSettings(rt, h, in.Timeout, in.MemorySize); err != nil {
			return err
		}
		if err := checkLogging(in.LoggingConfig); err != nil {
			return err
		}
		if err := checkEnv(in.Environment); err != nil {
			return err
		}
		if in.Role != "" {
			if err := s.checkRole(ctx, in.Role); err != nil {
				return err
			}
			f.Role = in.Role
		}
		f.Runtime, f.Handler = rt, h
		if in.Description != nil {
			f.Description = *in.Description
		}
		if in.Timeout != nil {
			f.Timeout = *in.Timeout
		}
		if in.MemorySize != nil {
			f.MemorySize = *in.MemorySize
		}
		if in.Environment != nil {
			f.Env = in.Environment.Variables
		}
		if in.LoggingConfig != nil {
			applyLogging(f, in.LoggingConfig)
		}
		if in.TracingConfig != nil && in.TracingConfig.Mode != "" {
			f.Tracing = in.TracingConfig.Mode
		}
		if in.Layers != nil {
			f.Layers = in.Layers
		}
		return nil
	})
}

// UpdateFunctionCode replaces the deployment package.
func (s *Service) UpdateFunctionCode(ctx context.Context, ref string, in *UpdateCodeIn) (*FunctionConfiguration, error) {
	return s.update(ctx, ref, "lambda:UpdateFunctionCode", func(f *Function) error {
		dir, sha, size, err := s.loadCode(ctx, FunctionCode{ZipFile: in.ZipFile, S3Bucket: in.S3Bucket, S3Key: in.S3Key})
		if err != nil {
			return err
		}
		f.CodeDir, f.CodeSha256, f.CodeSize = dir, sha, size
		if len(in.Architectures) > 0 {
			f.Architectures = in.Architectures
		}
		return nil
	})
}

// CreateFunctionFromDir creates (or replaces the code of) a function whose
// code is a local directory — the emulator's extension for `xacct up` and
// tests, which build the bootstrap binary locally. The directory is used in
// place.
func (s *Service) CreateFunctionFromDir(ctx context.Context, in *CreateFunctionIn, dir string) (*FunctionConfiguration, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return nil, errInvalidParameter("code directory %s does not exist", dir)
	}
	zipData, err := zipDir(abs)
	if err != nil {
		return nil, err
	}
	c := *in
	c.Code = FunctionCode{ZipFile: zipData}
	return s.CreateFunction(ctx, &c)
}

// AddPermission adds a statement to the function's resource-based policy
// (AWS Lambda API Reference, AddPermission).
func (s *Service) AddPermission(ctx context.Context, ref string, in *AddPermissionIn) (*AddPermissionOut, error) {
	var stmt string
	_, err := s.update(ctx, ref, "lambda:AddPermission", func(f *Function) error {
		if in.StatementId == "" || in.Action == "" || in.Principal == "" {
			return errValidation("StatementId, Action and Principal are required")
		}
		doc := map[string]any{"Version": "2012-10-17", "Id": "default", "Statement": []any{}}
		if f.Policy != "" {
			json.Unmarshal([]byte(f.Policy), &doc)
		}
		stmts, _ := doc["Statement"].([]any)
		for _, st := range stmts {
			if m, ok := st.(map[string]any); ok && m["Sid"] == in.StatementId {
				return errConflict("The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", in.StatementId)
			}
		}
		principal := map[string]any{"Service": in.Principal}
		if !strings.Contains(in.Principal, ".") {
			p := in.Principal
			if len(p) == 12 {
				p = "arn:aws:iam::" + p + ":root"
			}
			principal = map[string]any{"AWS": p}
		}
		st := map[string]any{"Sid": in.StatementId, "Effect": "Allow", "Principal": principal, "Action": in.Action, "Resource": f.ARN()}
		cond := map[string]any{}
		if in.SourceArn != "" {
			cond["ArnLike"] = map[string]any{"AWS:SourceArn": in.SourceArn}
		}
		if in.SourceAccount != "" {
			cond["StringEquals"] = map[string]any{"AWS:SourceAccount": in.SourceAccount}
		}
		if len(cond) > 0 {
			st["Condition"] = cond
		}
		doc["Statement"] = append(stmts, st)
		b, _ := json.Marshal(doc)
		p, err := policy.Parse(string(b), policy.KindResource)
		if err != nil {
			return errInvalidParameter("%s", err.Error())
		}
		f.Policy, f.parsed, f.PolicyRefs = string(b), p, s.rebindPolicy(string(b), f.PolicyRefs)
		sb, _ := json.Marshal(st)
		stmt = string(sb)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &AddPermissionOut{Statement: stmt}, nil
}

// GetPolicy returns the function's resource-based policy.
func (s *Service) GetPolicy(ctx context.Context, ref string) (*GetPolicyOut, error) {
	f, err := s.lookup(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, "lambda:GetPolicy", f, f.ARN(), f.Account); err != nil {
		return nil, err
	}
	if f.Policy == "" {
		return nil, awserr.New(http.StatusNotFound, "ResourceNotFoundException", "The resource you requested does not exist.")
	}
	text, _ := s.functionPolicy(f)
	return &GetPolicyOut{Policy: text, RevisionId: f.RevisionID}, nil
}

// RemovePermission removes a statement by id.
func (s *Service) RemovePermission(ctx context.Context, ref, sid string) error {
	_, err := s.update(ctx, ref, "lambda:RemovePermission", func(f *Function) error {
		var doc map[string]any
		if f.Policy == "" || json.Unmarshal([]byte(f.Policy), &doc) != nil {
			return awserr.New(http.StatusNotFound, "ResourceNotFoundException", "No policy is associated with the given resource.")
		}
		stmts, _ := doc["Statement"].([]any)
		var keep []any
		for _, st := range stmts {
			if m, ok := st.(map[string]any); ok && m["Sid"] == sid {
				continue
			}
			keep = append(keep, st)
		}
		if len(keep) == len(stmts) {
			return awserr.New(http.StatusNotFound, "ResourceNotFoundException", "Statement %s is not found in resource policy.", sid)
		}
		if len(keep) == 0 {
			f.Policy, f.parsed, f.PolicyRefs = "", nil, nil
			return nil
		}
		doc["Statement"] = keep
		b, _ := json.Marshal(doc)
		f.Policy = string(b)
		f.parsed, _ = policy.Parse(f.Policy, policy.KindResource)
		f.PolicyRefs = s.rebindPolicy(f.Policy, f.PolicyRefs)
		return nil
	})
	return err
}
