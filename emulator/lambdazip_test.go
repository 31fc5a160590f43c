package emulator_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulatortest"
)

// zipEntries builds a zip holding the named entries (a trailing "/" makes a
// directory entry).
func zipEntries(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if n[len(n)-1] != '/' {
			w.Write([]byte("print('x')\n"))
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestLambdaRefusesConflictingZip: a package whose entries cannot be
// extracted into one tree (a file "a" and a file "a/f") is refused with
// 400 InvalidParameterValueException, as Lambda refuses a package it
// cannot unzip (AWS Lambda API Reference, CreateFunction and
// UpdateFunctionCode: "Errors"), and leaves nothing in the data directory.
func TestLambdaRefusesConflictingZip(t *testing.T) {
	dataDir := t.TempDir()
	srv := emulatortest.New(t, emulator.WithDataDir(dataDir))
	ctx := context.Background()
	role := execRole(t, iam.NewFromConfig(srv.Config(home)), "zip-exec", lambdaTrust, basicExecution)
	lc := lambda.NewFromConfig(srv.Config(home))
	create := func(name string, code []byte) error {
		_, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Runtime: lambdatypes.RuntimePython312,
			Role: aws.String(role), Handler: aws.String("app.handler"), Code: &lambdatypes.FunctionCode{ZipFile: code}})
		return err
	}
	for name, entries := range map[string][]string{
		"file-then-child": {"app.py", "a", "a/f"},
		"child-then-file": {"app.py", "a/f", "a"},
		"dir-and-file":    {"app.py", "a/", "a"},
		"parent-escape":   {"app.py", "../evil"},
	} {
		err := create(name, zipEntries(t, entries...))
		if apiCode(err) != "InvalidParameterValueException" {
			t.Errorf("%s %v: got %v, want InvalidParameterValueException", name, entries, err)
		}
		if s := statusOf(err); s != 400 {
			t.Errorf("%s: got status %d, want 400", name, s)
		}
	}
	var left []string
	filepath.WalkDir(filepath.Join(dataDir, "lambda"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, p)
		}
		if err == nil && d.IsDir() && filepath.Dir(p) == filepath.Join(dataDir, "lambda", "code") {
			left = append(left, p)
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("refused packages left files in the data dir: %v", left)
	}
	// A package with a directory entry and a file under it is fine.
	if err := create("ok", zipEntries(t, "app.py", "a/", "a/f")); err != nil {
		t.Errorf("directory entry and its file: %v", err)
	}
}
