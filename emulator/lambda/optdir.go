package lambda

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxLayers is how many layers a function may use (AWS Lambda Developer
// Guide, "Lambda quotas").
const maxLayers = 5

// functionLayers checks a function's Layers (CreateFunction,
// UpdateFunctionConfiguration) as Lambda does: each a layer version ARN,
// at most five, one version per layer, each existing and usable by the
// caller (lambda:GetLayerVersion, for another account's layer allowed by
// its policy). A version the emulator does not have — a public layer such
// as Powertools — is refused with Lambda's error and how to supply it
// locally.
func (s *Service) functionLayers(ctx context.Context, arns []string) ([]*LayerVersion, error) {
	for _, arn := range arns {
		if _, _, _, _, ok := parseLayerVersionARN(arn); !ok {
			return nil, errValidation("1 validation error detected: Value '[%s]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: %s]",
				strings.Join(arns, ", "), layerVersionARNPattern)
		}
	}
	if len(arns) > maxLayers {
		return nil, errInvalidParameter("Cannot reference more than %d layers.", maxLayers)
	}
	seen := map[string]bool{}
	var lvs []*LayerVersion
	for _, arn := range arns {
		lv := s.store.layerVersion(arn)
		if lv == nil {
			// Lambda's message, then the emulator's way out.
			return nil, errInvalidParameter("Layer version %s does not exist. The xacct emulator knows only the layers published to it: publish it (aws lambda publish-layer-version), or give its content as a local directory with xacct serve --layer-dir %s=DIR (the directory holds what the layer's zip holds, e.g. python/...).", arn, arn)
		}
		if seen[lv.LayerARN()] {
			return nil, errInvalidParameter("Two different versions of the same layer are not allowed: %s", lv.LayerARN())
		}
		seen[lv.LayerARN()] = true
		if err := s.authorizeLayerUse(ctx, lv); err != nil {
			return nil, err
		}
		lvs = append(lvs, lv)
	}
	return lvs, nil
}

// setLayers records the function's layers and the directory they are
// merged into.
func (s *Service) setLayers(f *Function, lvs []*LayerVersion) error {
	f.Layers, f.LayerSizes, f.OptDir = nil, nil, ""
	if len(lvs) == 0 {
		return nil
	}
	dir, err := s.store.mergeLayers(lvs)
	if err != nil {
		return err
	}
	for _, lv := range lvs {
		f.Layers = append(f.Layers, lv.ARN())
		f.LayerSizes = append(f.LayerSizes, lv.CodeSize)
	}
	f.OptDir = dir
	return nil
}

// mergeLayers extracts layers in order into one directory, what Lambda
// mounts at /opt: a file in a later layer replaces the same file of an
// earlier one (AWS Lambda Developer Guide, "Adding layers to functions":
// "Lambda extracts the layers in the order you add them"). The directory
// is named by the layers' contents, so functions with the same layers
// share it; it is never changed once made.
func (st *functionStore) mergeLayers(lvs []*LayerVersion) (string, error) {
	h := sha256.New()
	for _, lv := range lvs {
		io.WriteString(h, lv.CodeSha256+"\n")
	}
	sum := hex.EncodeToString(h.Sum(nil))
	dir := filepath.Join(st.dir, "opt", sum)
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), sum+".tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // after the rename, nothing is left to remove
	for _, lv := range lvs {
		if err := overlay(tmp, lv.Dir); err != nil {
			return "", err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(dir); statErr == nil {
			return dir, nil // made by a concurrent create
		}
		return "", err
	}
	return dir, nil
}

// overlay copies src's tree over dst, replacing files that exist.
func overlay(dst, src string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil || rel == "." {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if st, err := os.Lstat(target); err == nil && !st.IsDir() {
				os.Remove(target) // a file of an earlier layer where this one has a directory
			}
			return os.MkdirAll(target, 0o755)
		case !info.Mode().IsRegular():
			return nil // unpack makes only files and directories
		}
		if _, err := os.Lstat(target); err == nil {
			if err := os.RemoveAll(target); err != nil {
				return err
			}
		}
		return copyFile(target, p, info.Mode().Perm())
	})
}

func copyFile(dst, src string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, mode|0o400)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
