package s3control

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// reportSchema is the completion report's columns ("Examples: S3 Batch
// Operations completion reports").
const reportSchema = "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage"

// reportManifest is the report's top-level manifest.json.
type reportManifest struct {
	Format             string         `json:"Format"`
	ReportCreationDate string         `json:"ReportCreationDate"`
	Results            []reportResult `json:"Results"`
	ReportSchema       string         `json:"ReportSchema"`
}

type reportResult struct {
	TaskExecutionStatus string `json:"TaskExecutionStatus"`
	Bucket              string `json:"Bucket"`
	MD5Checksum         string `json:"MD5Checksum"`
	Key                 string `json:"Key"`
}

// reportDir is where job j's report goes: PREFIX/job-ID (job-ID without a
// prefix).
func reportDir(j *Job) string {
	p := strings.TrimSuffix(j.Report.Prefix, "/")
	if p == "" {
		return "job-" + j.ID
	}
	return p + "/job-" + j.ID
}

// writeReport writes the completion report as the job's role: one CSV of
// the succeeded tasks (AllTasks only) and one of the failed ones under
// job-ID/results/, named by their content's SHA-1, and job-ID/manifest.json
// listing them. Keys are URL-encoded as in the manifest. A job whose
// tasks never ran gets no report ("As long as at least one task has been
// invoked", same page).
func (w *worker) writeReport(ctx context.Context) error {
	s, j := w.s, w.j
	if !j.Report.Enabled {
		return nil
	}
	var ok, failed bytes.Buffer
	okw, failw := csv.NewWriter(&ok), csv.NewWriter(&failed)
	any := false
	now := s.store.results(j, func(t Task, r *result) {
		any = true
		row := []string{t.Bucket, url.QueryEscape(t.Key), t.VersionID, "succeeded", r.ErrorCode, strconv.Itoa(r.HTTP), r.Message}
		if r.Succeeded {
			if j.Report.Scope != "FailedTasksOnly" {
				okw.Write(row)
			}
			return
		}
		row[3] = "failed"
		failw.Write(row)
	})
	created := timestamp(now)
	if !any {
		return nil
	}
	okw.Flush()
	failw.Flush()
	bucket, _ := bucketFromARN(j.Report.BucketARN)
	dir := reportDir(j)
	m := reportManifest{Format: "Report_CSV_20180820", ReportCreationDate: created, ReportSchema: reportSchema, Results: []reportResult{}}
	for _, f := range []struct {
		status string
		body   []byte
	}{{"succeeded", ok.Bytes()}, {"failed", failed.Bytes()}} {
		if len(f.body) == 0 {
			continue
		}
		name := sha1.Sum(append([]byte(j.ID+f.status), f.body...))
		key := dir + "/results/" + hex.EncodeToString(name[:]) + ".csv"
		if err := w.put(ctx, bucket, key, f.body); err != nil {
			return err
		}
		sum := md5.Sum(f.body)
		m.Results = append(m.Results, reportResult{TaskExecutionStatus: f.status, Bucket: bucket, MD5Checksum: hex.EncodeToString(sum[:]), Key: key})
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	return w.put(ctx, bucket, dir+"/manifest.json", b)
}

// writeGeneratedManifest writes the manifest a generator produced, in the
// S3BatchOperations_CSV_20180820 format, to PREFIX/job-ID/manifest.csv of
// the output bucket.
func (w *worker) writeGeneratedManifest(ctx context.Context, g *Generator, tasks []Task) error {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	for _, t := range tasks {
		cw.Write([]string{t.Bucket, url.QueryEscape(t.Key)})
	}
	cw.Flush()
	bucket, _ := bucketFromARN(g.OutputBucketARN)
	p := strings.TrimSuffix(g.OutputPrefix, "/")
	key := "job-" + w.j.ID + "/manifest.csv"
	if p != "" {
		key = p + "/" + key
	}
	return w.put(ctx, bucket, key, b.Bytes())
}

func (w *worker) put(ctx context.Context, bucket, key string, body []byte) error {
	_, err := w.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(body)})
	return err
}
