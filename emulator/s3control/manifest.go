package s3control

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// Manifest formats (Amazon S3 API Reference, JobManifestSpec).
const (
	FormatCSV       = "S3BatchOperations_CSV_20180820"
	FormatInventory = "S3InventoryReport_CSV_20161130"
)

// maxManifestBytes bounds a manifest object the emulator reads.
const maxManifestBytes = 1 << 30

// errManifest is a manifest the job cannot use; the job fails with
// FailureCode InvalidManifestContent ("Troubleshooting S3 Batch
// Operations", InvalidManifestContent).
type errManifest struct{ msg string }

func (e *errManifest) Error() string { return e.msg }

func manifestError(format string, args ...any) error {
	return &errManifest{fmt.Sprintf(format, args...)}
}

// ParseCSVManifest reads an S3BatchOperations_CSV_20180820 manifest: one
// object a line, columns named by fields (Bucket, Key, VersionId, Ignore;
// Bucket,Key when nil), keys URL-encoded ("Specifying a manifest": "Object
// keys must be URL-encoded"). A version id column may be empty.
func ParseCSVManifest(data []byte, fields []string) ([]Task, error) {
	if len(fields) == 0 {
		fields = []string{"Bucket", "Key"}
	}
	col := map[string]int{"Bucket": -1, "Key": -1, "VersionId": -1}
	for i, f := range fields {
		switch f {
		case "Bucket", "Key", "VersionId":
			if col[f] >= 0 {
				return nil, manifestError("Invalid manifest spec: field %s is given twice", f)
			}
			col[f] = i
		case "Ignore":
		default:
			return nil, manifestError("Invalid manifest spec: unknown field %q", f)
		}
	}
	if col["Bucket"] < 0 || col["Key"] < 0 {
		return nil, manifestError("Required fields are missing in the schema: Bucket, Key")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	var tasks []Task
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, manifestError("Invalid Manifest Content: %v", err)
		}
		if len(rec) == 1 && rec[0] == "" {
			continue
		}
		if len(rec) < len(fields) && !(len(rec) == len(fields)-1 && col["VersionId"] == len(fields)-1) {
			return nil, manifestError("Invalid Manifest Content: line %d has %d fields, the spec names %d", line, len(rec), len(fields))
		}
		t := Task{Bucket: rec[col["Bucket"]]}
		if t.Key, err = url.QueryUnescape(rec[col["Key"]]); err != nil {
			return nil, manifestError("Invalid Manifest Content: line %d: key %q is not URL-encoded", line, rec[col["Key"]])
		}
		if v := col["VersionId"]; v >= 0 && v < len(rec) {
			t.VersionID = rec[v]
		}
		if t.Bucket == "" || t.Key == "" {
			return nil, manifestError("Invalid Manifest Content: line %d names no bucket or key", line)
		}
		tasks = append(tasks, t)
	}
	return tasks, nil
}

// InventoryManifest is an S3 Inventory manifest.json (Amazon S3 User
// Guide, "Inventory manifest"): its data files are CSV (optionally
// gzipped) in destinationBucket, with the columns fileSchema names.
type InventoryManifest struct {
	SourceBucket      string `json:"sourceBucket"`
	DestinationBucket string `json:"destinationBucket"`
	FileFormat        string `json:"fileFormat"`
	FileSchema        string `json:"fileSchema"`
	Files             []struct {
		Key string `json:"key"`
	} `json:"files"`
}

// ParseInventoryManifest reads manifest.json and returns its data files'
// bucket (the destination bucket's name) and the column indexes of
// Bucket, Key and VersionId (-1 when absent).
func ParseInventoryManifest(data []byte) (m InventoryManifest, bucket string, cols [3]int, err error) {
	if err := json.Unmarshal(data, &m); err != nil {
		return m, "", cols, manifestError("Invalid Manifest Content: manifest.json: %v", err)
	}
	if m.FileFormat != "CSV" {
		return m, "", cols, manifestError("Invalid Manifest Content: inventory file format %q is not CSV", m.FileFormat)
	}
	cols = [3]int{-1, -1, -1}
	for i, name := range strings.Split(m.FileSchema, ",") {
		switch strings.TrimSpace(name) {
		case "Bucket":
			cols[0] = i
		case "Key":
			cols[1] = i
		case "VersionId":
			cols[2] = i
		}
	}
	if cols[0] < 0 || cols[1] < 0 {
		return m, "", cols, manifestError("Required fields are missing in the schema: Bucket, Key")
	}
	bucket = strings.TrimPrefix(m.DestinationBucket, "arn:aws:s3:::")
	if bucket == "" || len(m.Files) == 0 {
		return m, "", cols, manifestError("Invalid Manifest Content: manifest.json names no destination bucket or files")
	}
	return m, bucket, cols, nil
}

// ParseInventoryFile reads one inventory data file (gzipped or not) with
// the columns ParseInventoryManifest found. Inventory keys are URL-encoded.
func ParseInventoryFile(data []byte, cols [3]int) ([]Task, error) {
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, manifestError("Invalid Manifest Content: %v", err)
		}
		if data, err = io.ReadAll(io.LimitReader(zr, maxManifestBytes)); err != nil {
			return nil, manifestError("Invalid Manifest Content: %v", err)
		}
	}
	fields := make([]string, max(cols[0], cols[1], cols[2])+1)
	for i := range fields {
		fields[i] = "Ignore"
	}
	fields[cols[0]], fields[cols[1]] = "Bucket", "Key"
	if cols[2] >= 0 {
		fields[cols[2]] = "VersionId"
	}
	return ParseCSVManifest(data, fields)
}
