package lambda

import (
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// zipDir packs a directory into a zip, keeping file modes (so a bootstrap
// stays executable).
func zipDir(dir string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		hdr, err := zip.FileInfoHeader(info)
		if err != nil {
			return err
		}
		hdr.Name, hdr.Method = filepath.ToSlash(rel), zip.Deflate
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ZipDir packs a directory as a Lambda deployment package, keeping file
// modes.
func ZipDir(dir string) ([]byte, error) { return zipDir(dir) }

// errBadZip is Lambda's answer to a package it cannot extract.
func errBadZip() error {
	return errInvalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.")
}

// checkZipEntries refuses a package whose entries cannot all be extracted
// into one tree: a name that leaves the tree, or a file that is also the
// directory of another entry ("a" and "a/f"). Lambda refuses such a
// package with InvalidParameterValueException rather than extracting part
// of it.
func checkZipEntries(files []*zip.File) error {
	isFile := map[string]bool{}
	isDir := map[string]bool{}
	for _, f := range files {
		name := path.Clean(strings.ReplaceAll(f.Name, `\`, "/"))
		if name == "." || name == ".." || strings.HasPrefix(name, "../") || path.IsAbs(name) {
			return errBadZip()
		}
		if f.FileInfo().IsDir() {
			isDir[name] = true
		} else {
			isFile[name] = true
		}
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			isDir[d] = true
		}
	}
	for name := range isFile {
		if isDir[name] {
			return errBadZip()
		}
	}
	return nil
}
