package lambda

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/xacct/xacct/emulator/internal/fsutil"
	"github.com/xacct/xacct/policy"
)

// functionStore holds functions, layer versions (layer.go) and their
// extracted code. Its methods
// take its lock; callers never hold it, and never change a *Function they
// got from it (they store a changed copy with replaceFunction).
type functionStore struct {
	mu        sync.RWMutex
	fns       map[string]*Function     // account/region/name
	layers    map[string]*LayerVersion // by layer version ARN
	lastLayer map[string]int64         // last version number, by layer ARN
	dir       string
	temp      bool
}

func fnKey(acct, region, name string) string { return acct + "/" + region + "/" + name }

// errChanged means the function changed (or went) between reading and
// replacing it; the caller reads it again.
var errChanged = errors.New("function changed concurrently")

// function returns the function, or nil.
func (st *functionStore) function(acct, region, name string) *Function {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.fns[fnKey(acct, region, name)]
}

// functions returns an account's functions in a region, by name.
func (st *functionStore) functions(acct, region string) []*Function {
	st.mu.RLock()
	var fs []*Function
	for _, f := range st.fns {
		if f.Account == acct && f.Region == region {
			fs = append(fs, f)
		}
	}
	st.mu.RUnlock()
	sort.Slice(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name })
	return fs
}

// createFunction stores a new function; one of that name gets
// ResourceConflictException.
func (st *functionStore) createFunction(f *Function) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	k := fnKey(f.Account, f.Region, f.Name)
	if st.fns[k] != nil {
		return errConflict("Function already exist: %s", f.Name)
	}
	st.fns[k] = f
	if err := st.save(); err != nil {
		delete(st.fns, k) // not acknowledged: no function
		return err
	}
	return nil
}

// replaceFunction stores f in place of old, or returns errChanged when
// old is no longer the stored function.
func (st *functionStore) replaceFunction(old, f *Function) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	k := fnKey(f.Account, f.Region, f.Name)
	if st.fns[k] != old {
		return errChanged
	}
	st.fns[k] = f
	if err := st.save(); err != nil {
		st.fns[k] = old // not acknowledged: nothing changes
		return err
	}
	return nil
}

// deleteFunction removes a function and returns it (nil if there was
// none).
func (st *functionStore) deleteFunction(acct, region, name string) (*Function, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	k := fnKey(acct, region, name)
	prev := st.fns[k]
	if prev == nil {
		return nil, nil
	}
	delete(st.fns, k)
	if err := st.save(); err != nil {
		st.fns[k] = prev // not acknowledged: the function stays
		return nil, err
	}
	return prev, nil
}

func newFunctionStore(dataDir string) (*functionStore, error) {
	st := &functionStore{fns: map[string]*Function{}, layers: map[string]*LayerVersion{}, lastLayer: map[string]int64{}}
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
	if err := st.loadLayers(); err != nil {
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

// save writes the function list. Callers hold mu for writing.
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
	return st.extract(zipData)
}

// extract is unpack without the limit on the zip's own size (a local
// layer directory is limited only by the unzipped size).
func (st *functionStore) extract(zipData []byte) (dir, sha string, err error) {
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
