package lambda

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
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
		return errInvalidParameter("Value %s at 'runtime' failed to satisfy constraint: the xacct emulator runs provided.al2023, provided.al2, python3.9-3.13 and nodejs18.x-22.x", runtime)
	}
	if (strings.HasPrefix(runtime, "python") || strings.HasPrefix(runtime, "nodejs")) && !strings.Contains(handler, ".") {
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

// Validate checks the function name (rest.Validator).
func (in *CreateFunctionIn) Validate() error {
	if !nameRE.MatchString(in.FunctionName) {
		return errValidation("1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+", in.FunctionName)
	}
	return nil
}

// createFunction creates a function from a zip or an S3 object. The
// operation's Check authorized lambda:CreateFunction; the execution role
// needs iam:PassRole too.
func (s *Service) createFunction(ctx context.Context, in *CreateFunctionIn) (*FunctionConfiguration, error) {
	call := callerOf(ctx)
	acct := call.Caller.Account()
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
	lvs, err := s.functionLayers(ctx, in.Layers)
	if err != nil {
		return nil, err
	}
	if s.store.function(acct, call.Region, in.FunctionName) != nil {
		return nil, errConflict("Function already exist: %s", in.FunctionName)
	}
	dir, sha, size, err := s.loadCode(ctx, in.Code)
	if err != nil {
		return nil, err
	}
	f := &Function{
		Account: acct, Region: call.Region, Name: in.FunctionName, Runtime: in.Runtime, Role: in.Role, Handler: in.Handler,
		Description: in.Description, Timeout: defaultTimeout, MemorySize: defaultMemory, Architectures: in.Architectures,
		Tags: in.Tags, CodeSha256: sha, CodeSize: size, CodeDir: dir, LastModified: s.opts.Now(), RevisionID: newRevision(),
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
	if err := s.setLayers(f, lvs); err != nil {
		return nil, err
	}
	applyLogging(f, in.LoggingConfig)
	f.Tracing = "PassThrough"
	if in.TracingConfig != nil && in.TracingConfig.Mode != "" {
		f.Tracing = in.TracingConfig.Mode
	}
	if err := s.store.createFunction(f); err != nil {
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
// are retired so the next invocation starts with the new settings. A
// concurrent change to the same function makes change run again on the
// new state, so neither is lost. The operation's Check has authorized
// the caller.
func (s *Service) update(ctx context.Context, ref string, change func(f *Function) error) (*FunctionConfiguration, error) {
	for attempt := 0; ; attempt++ {
		f, err := s.lookup(ctx, ref)
		if err != nil {
			return nil, err
		}
		c := *f
		if err := change(&c); err != nil {
			return nil, err
		}
		c.LastModified, c.RevisionID = s.opts.Now(), newRevision()
		err = s.store.replaceFunction(f, &c)
		if errors.Is(err, errChanged) && attempt < 10 {
			continue
		}
		if errors.Is(err, errChanged) {
			// Lambda's answer to an update racing another (AWS Lambda
			// API Reference, ResourceConflictException).
			return nil, errConflict("The operation cannot be performed at this time. An update is in progress for resource: %s", f.ARN())
		}
		if err != nil {
			return nil, err
		}
		s.dropPool(c.ARN())
		out := c.config()
		return &out, nil
	}
}

// updateFunctionConfiguration changes settings.
func (s *Service) updateFunctionConfiguration(ctx context.Context, in *UpdateConfigIn) (*FunctionConfiguration, error) {
	return s.update(ctx, in.FunctionName, func(f *Function) error {
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
			lvs, err := s.functionLayers(ctx, in.Layers)
			if err != nil {
				return err
			}
			if err := s.setLayers(f, lvs); err != nil {
				return err
			}
		}
		return nil
	})
}

// updateFunctionCode replaces the deployment package.
func (s *Service) updateFunctionCode(ctx context.Context, in *UpdateCodeIn) (*FunctionConfiguration, error) {
	return s.update(ctx, in.FunctionName, func(f *Function) error {
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
