package lambda

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/internal/fsutil"
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
	Layers        []string
	Tags          map[string]string
	CodeSha256    string
	CodeSize      int64
	CodeDir       string
	LastModified  time.Time
	RevisionID    string
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
	for _, l := range f.Layers {
		c.Layers = append(c.Layers, LayerOut{Arn: l})
	}
	return c
}

// functionStore holds functions and their extracted code.
type functionStore struct {
	mu   sync.RWMutex
	fns  map[string]*Function // account/region/name
	dir  string
	temp bool
}

func fnKey(acct, region, name string) string { return acct + "/" + region + "/" + name }

func newFunctionStore(dataDir string) (*functionStore, error) {
	st := &functionStore{fns: map[string]*Function{}}
	if dataDir == "" {
		d, err := os.MkdirTemp("", "xacct-lambda-")
		if err != nil {
			return nil, err
		}
		st.dir, st.temp = d, true
		return st, nil
	}
	st.dir = filepath.Join(dataDir, "lambda")
	if err := os.MkdirAll(st.dir, 0o755); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(st.dir, "functions.json"))
	if os.IsNotExist(err) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	var list []*Function
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("lambda state: %w", err)
	}
	for _, f := range list {
		if f.Policy != "" {
			f.parsed, _ = policy.Parse(f.Policy, policy.KindResource)
		}
		st.fns[fnKey(f.Account, f.Region, f.Name)] = f
	}
	return st, nil
}

// save writes the function list. Callers hold mu.
func (st *functionStore) save() error {
	if st.temp {
		return nil
	}
	list := make([]*Function, 0, len(st.fns))
	for _, f := range st.fns {
		list = append(list, f)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ARN() < list[j].ARN() })
	data, err := json.MarshalIndent(list, "", " ")
	if err != nil {
		return err
	}
	return fsutil.WriteFile(filepath.Join(st.dir, "functions.json"), data)
}

func (st *functionStore) close() error {
	if st.temp {
		return os.RemoveAll(st.dir)
	}
	return nil
}

// unpack extracts a zip into the code directory named by its SHA-256 and
// returns the directory, the base64 SHA-256 and the size. Executable bits
// are kept (a provided runtime's bootstrap must be executable).
func (st *functionStore) unpack(zipData []byte) (dir, sha string, err error) {
	if len(zipData) > maxZipSize {
		return "", "", errRequestTooLarge(len(zipData))
	}
	sum := sha256.Sum256(zipData)
	sha = base64.StdEncoding.EncodeToString(sum[:])
	dir = filepath.Join(st.dir, "code", hex.EncodeToString(sum[:]))
	if _, err := os.Stat(dir); err == nil {
		return dir, sha, nil
	}
	zr, err := zip.NewReader(bytes.NewReader(zipData), int64(len(zipData)))
	if err != nil {
		return "", "", errBadZip()
	}
	if err := checkZipEntries(zr.File); err != nil {
		return "", "", err
	}
	tmp := dir + ".tmp-" + hex.EncodeToString(sum[:4])
	os.RemoveAll(tmp)
	// A package refused part way leaves nothing behind.
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	var total int64
	for _, f := range zr.File {
		target := filepath.Join(tmp, filepath.FromSlash(path.Clean(strings.ReplaceAll(f.Name, `\`, "/"))))
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return "", "", err
			}
			continue
		}
		total += int64(f.UncompressedSize64)
		if total > maxUnzippedSize {
			return "", "", errInvalidParameter("Unzipped size must be smaller than 262144000 bytes")
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return "", "", err
		}
		mode := f.Mode().Perm()
		if mode&0o400 == 0 {
			mode = 0o644
		}
		if err := writeZipFile(f, target, mode|0o400); err != nil {
			return "", "", err
		}
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(dir); statErr == nil {
			return dir, sha, nil
		}
		return "", "", err
	}
	done = true
	return dir, sha, nil
}

func writeZipFile(f *zip.File, target string, mode os.FileMode) error {
	rc, err := f.Open()
	if err != nil {
		return errInvalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.")
	}
	defer rc.Close()
	out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, io.LimitReader(rc, maxUnzippedSize+1)); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Errors (AWS Lambda API Reference, "Errors" of each action).
func errNotFound(arn string) error {
	return awserr.New(http.StatusNotFound, "ResourceNotFoundException", "Function not found: %s", arn)
}

func errInvalidParameter(format string, args ...any) error {
	return awserr.New(http.StatusBadRequest, "InvalidParameterValueException", format, args...)
}

func errConflict(format string, args ...any) error {
	return awserr.New(http.StatusConflict, "ResourceConflictException", format, args...)
}

func errRequestTooLarge(n int) error {
	return awserr.New(http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", "Request must be smaller than 70167211 bytes for the CreateFunction operation")
}

func errValidation(format string, args ...any) error {
	return awserr.New(http.StatusBadRequest, "ValidationException", format, args...)
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
