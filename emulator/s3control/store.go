package s3control

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/xacct/xacct/emulator/internal/fsutil"
	"github.com/xacct/xacct/emulator/internal/journal"
	"github.com/xacct/xacct/emulator/internal/snapshot"
)

// Job statuses (Amazon S3 User Guide, "Tracking job status and completion
// reports", Job statuses).
const (
	StatusNew        = "New"
	StatusPreparing  = "Preparing"
	StatusSuspended  = "Suspended"
	StatusReady      = "Ready"
	StatusActive     = "Active"
	StatusPausing    = "Pausing"
	StatusPaused     = "Paused"
	StatusCompleting = "Completing"
	StatusComplete   = "Complete"
	StatusFailing    = "Failing"
	StatusFailed     = "Failed"
	StatusCancelling = "Cancelling"
	StatusCancelled  = "Cancelled"
)

// terminal reports whether a job in status s has finished.
func terminal(s string) bool {
	return s == StatusComplete || s == StatusFailed || s == StatusCancelled
}

// Job is one Batch Operations job: its definition as CreateJob received
// it and its progress.
type Job struct {
	ID                   string
	Account              string
	Region               string
	ARN                  string
	Description          string
	Priority             int32
	Status               string
	ConfirmationRequired bool
	RoleARN              string
	ClientRequestToken   string
	Operation            Operation
	Manifest             *ManifestLocation `json:",omitempty"`
	Generator            *Generator        `json:",omitempty"`
	Report               Report
	Tags                 []Tag `json:",omitempty"`
	Created              time.Time
	Terminated           time.Time `json:",omitzero"`
	Suspended            time.Time `json:",omitzero"`
	SuspendedCause       string    `json:",omitempty"`
	StatusUpdateReason   string    `json:",omitempty"`
	Failures             []Failure `json:",omitempty"`
	// Total is the number of tasks once the manifest was read.
	Total int64
	// Succeeded and Failed count finished tasks (recomputed from the
	// results journal on load).
	Succeeded, Failed int64 `json:"-"`
	// ActiveSeconds is the time spent Active before ActiveSince.
	ActiveSeconds float64
	ActiveSince   time.Time `json:",omitzero"`
	// Fingerprint identifies the request for ClientRequestToken
	// idempotency.
	Fingerprint string
}

// Operation is what a job does to each object.
type Operation struct {
	// Kind is "LambdaInvoke" or "S3PutObjectCopy".
	Kind string
	// LambdaInvoke.
	FunctionARN   string            `json:",omitempty"`
	SchemaVersion string            `json:",omitempty"`
	UserArguments map[string]string `json:",omitempty"`
	// S3PutObjectCopy.
	TargetBucketARN   string `json:",omitempty"`
	TargetKeyPrefix   string `json:",omitempty"`
	ACL               string `json:",omitempty"`
	MetadataDirective string `json:",omitempty"`
	StorageClass      string `json:",omitempty"`
}

// ManifestLocation is a manifest object and its format.
type ManifestLocation struct {
	ObjectARN string
	VersionID string `json:",omitempty"`
	ETag      string
	Format    string
	Fields    []string `json:",omitempty"`
}

// Generator is an S3JobManifestGenerator: the objects of a bucket matching
// any of Prefixes (all when none).
type Generator struct {
	SourceBucketARN     string
	ExpectedBucketOwner string   `json:",omitempty"`
	Prefixes            []string `json:",omitempty"`
	EnableOutput        bool     `json:",omitempty"`
	OutputBucketARN     string   `json:",omitempty"`
	OutputPrefix        string   `json:",omitempty"`
	OutputFormat        string   `json:",omitempty"`
}

// Report is the completion report's configuration.
type Report struct {
	Enabled   bool
	BucketARN string `json:",omitempty"`
	Prefix    string `json:",omitempty"`
	Format    string `json:",omitempty"`
	Scope     string `json:",omitempty"`
}

// Tag is a job tag.
type Tag struct{ Key, Value string }

// Failure is one of a failed job's FailureReasons.
type Failure struct{ Code, Reason string }

// Task is one object a job works on.
type Task struct {
	Bucket    string `json:"b"`
	Key       string `json:"k"`
	VersionID string `json:"v,omitempty"`
}

// result is a finished task's outcome, as the completion report shows it.
type result struct {
	Job       string `json:"j"`
	Index     int    `json:"i"`
	Succeeded bool   `json:"s,omitempty"`
	ErrorCode string `json:"c,omitempty"`
	HTTP      int    `json:"h"`
	Message   string `json:"m,omitempty"`
}

// state is the jobs file.
type state struct {
	Jobs []*Job
}

// store keeps the jobs under DataDir/s3control: jobs.json (every job's
// definition and status, rewritten on each change), tasks/<id>.json (the
// tasks read from a job's manifest, written once) and results.journal
// (each finished task, appended as it finishes), so a job interrupted by
// a restart resumes where it was. With no data directory it keeps nothing.
type store struct {
	dir     string
	jobs    *snapshot.File[state]
	results *journal.Journal
}

func openStore(dataDir string, apply func(result)) (*store, []*Job, error) {
	if dataDir == "" {
		return &store{}, nil, nil
	}
	dir := filepath.Join(dataDir, "s3control")
	if err := fsutil.MkdirAll(filepath.Join(dir, "tasks")); err != nil {
		return nil, nil, err
	}
	st := &store{dir: dir, jobs: snapshot.Open[state](filepath.Join(dir, "jobs.json"))}
	var s state
	if _, err := st.jobs.Load(&s); err != nil {
		return nil, nil, err
	}
	j, err := journal.Open(filepath.Join(dir, "results.journal"), journal.Options{}, func(b []byte) error {
		var r result
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("results journal: %w", err)
		}
		apply(r)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	st.results = j
	return st, s.Jobs, nil
}

// saveJobs writes every job's definition and status.
func (st *store) saveJobs(jobs []*Job) error {
	if st.jobs == nil {
		return nil
	}
	return st.jobs.Save(&state{Jobs: jobs})
}

// saveTasks writes the tasks of job id, once, before any runs.
func (st *store) saveTasks(id string, tasks []Task) error {
	if st.dir == "" {
		return nil
	}
	b, err := json.Marshal(tasks)
	if err != nil {
		return err
	}
	return fsutil.WriteFile(filepath.Join(st.dir, "tasks", id+".json"), b)
}

// loadTasks reads the tasks saveTasks wrote; ok is false when there are
// none (the job had not been prepared).
func (st *store) loadTasks(id string) (tasks []Task, ok bool, err error) {
	if st.dir == "" {
		return nil, false, nil
	}
	b, err := os.ReadFile(filepath.Join(st.dir, "tasks", id+".json"))
	if os.IsNotExist(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if err := json.Unmarshal(b, &tasks); err != nil {
		return nil, false, fmt.Errorf("tasks of job %s: %w", id, err)
	}
	return tasks, true, nil
}

// addResult records a finished task durably.
func (st *store) addResult(r result) error {
	if st.results == nil {
		return nil
	}
	return st.results.AppendJSON(r)
}

func (st *store) close() error {
	if st.results == nil {
		return nil
	}
	return st.results.Close()
}
