package s3control

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
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
	// Succeeded and Failed count finished tasks. While the job runs they
	// are recomputed from its results journal on load; a finished job
	// keeps them here, its journal removed.
	Succeeded int64 `json:",omitempty"`
	Failed    int64 `json:",omitempty"`
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

// Retention is how long a finished job is kept: ListJobs lists "jobs that
// have ended within the last 90 days" (Amazon S3 API Reference,
// "ListJobs"; User Guide, "Listing jobs"), and jobs are deleted 90 days
// after reaching a terminal state, DescribeJob then answering that the
// job does not exist (User Guide, "Troubleshooting Batch Operations",
// NoSuchJobException). Tick removes older ones.
const Retention = 90 * 24 * time.Hour

// jobsFile is jobs.json.
type jobsFile struct {
	Jobs []*Job
}

// store owns the jobs and the lock that guards them. Handlers and the
// runner reach the jobs only through its methods: view and update hand
// the locked state to a function, the others are the runner's steps.
//
// Under DataDir/s3control it keeps jobs.json (every job's definition,
// status and counts, rewritten on each change), tasks/ID.json (the tasks
// read from a job's manifest, written once) and results/ID.journal (each
// finished task of job ID, appended as it finishes), so a job interrupted
// by a restart resumes where it was. A job's tasks and results files are
// removed once it has finished (its report written and its counts in
// jobs.json). With no data directory it keeps nothing on disk.
type store struct {
	mu sync.Mutex
	st *state
}

// state is the jobs as the store's lock guards them; only the store's
// methods hand it out, so its methods run with the lock held.
type state struct {
	now  func() time.Time
	log  *slog.Logger
	dir  string // "" keeps nothing on disk
	file *snapshot.File[jobsFile]

	jobs     map[string]*Job
	order    []*Job                      // creation order
	tasks    map[string][]Task           // by job id, once prepared, until finished
	results  map[string][]*result        // by job id, index → result (nil: pending)
	journals map[string]*journal.Journal // results journals of the unfinished jobs
	running  map[string]context.CancelFunc
	retries  map[string]int64 // TemporaryFailure retries by job id
}

// legacyResults is the one results journal of every job that earlier
// versions kept; openStore moves its records into the jobs' own journals.
const legacyResults = "results.journal"

// openStore loads the jobs kept under dataDir: unfinished jobs get their
// tasks and the results recorded so far back.
func openStore(dataDir string, now func() time.Time, log *slog.Logger) (*store, error) {
	st := &state{now: now, log: log, jobs: map[string]*Job{}, tasks: map[string][]Task{}, results: map[string][]*result{},
		journals: map[string]*journal.Journal{}, running: map[string]context.CancelFunc{}, retries: map[string]int64{}}
	s := &store{st: st}
	if dataDir == "" {
		return s, nil
	}
	st.dir = filepath.Join(dataDir, "s3control")
	if err := fsutil.MkdirAll(filepath.Join(st.dir, "tasks")); err != nil {
		return nil, err
	}
	st.file = snapshot.Open[jobsFile](filepath.Join(st.dir, "jobs.json"))
	var f jobsFile
	if _, err := st.file.Load(&f); err != nil {
		return nil, err
	}
	legacy, err := st.readLegacyResults()
	if err != nil {
		return nil, err
	}
	migrated := false
	for _, j := range f.Jobs {
		st.jobs[j.ID], st.order = j, append(st.order, j)
		tasks, ok, err := st.loadTasks(j.ID)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if terminal(j.Status) {
			// Finished under a version that kept every job's results:
			// its counts come from them, then its files go.
			j.Succeeded, j.Failed = 0, 0
			res := make([]*result, len(tasks))
			for _, r := range legacy[j.ID] {
				st.count(j, res, r)
			}
			migrated = true
			continue
		}
		st.tasks[j.ID], st.results[j.ID] = tasks, make([]*result, len(tasks))
		j.Succeeded, j.Failed = 0, 0
		if err := st.openResults(j, legacy[j.ID]); err != nil {
			return nil, err
		}
	}
	if migrated {
		if err := st.save(); err != nil {
			return nil, err
		}
	}
	for _, j := range st.order {
		if terminal(j.Status) {
			st.removeFiles(j.ID)
		}
	}
	if legacy != nil {
		if err := os.Remove(filepath.Join(st.dir, legacyResults)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// readLegacyResults reads results.journal, if there is one, by job id.
func (st *state) readLegacyResults() (map[string][]result, error) {
	f, err := os.Open(filepath.Join(st.dir, legacyResults))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string][]result{}
	_, _, err = journal.Read(f, func(b []byte) error {
		var r result
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("results journal: %w", err)
		}
		out[r.Job] = append(out[r.Job], r)
		return nil
	})
	return out, err
}

// count records r in res and j's counts unless its task already has a
// result (or r is out of range).
func (st *state) count(j *Job, res []*result, r result) bool {
	if r.Index < 0 || r.Index >= len(res) || res[r.Index] != nil {
		return false
	}
	res[r.Index] = &r
	if r.Succeeded {
		j.Succeeded++
	} else {
		j.Failed++
	}
	return true
}

// openResults opens job j's results journal (creating it), replays it
// into st.results and j's counts, and appends the records of extra
// (from the legacy journal) it did not hold.
func (st *state) openResults(j *Job, extra []result) error {
	if st.dir == "" || st.journals[j.ID] != nil {
		return nil
	}
	res := st.results[j.ID]
	jl, err := journal.Open(filepath.Join(st.dir, "results", j.ID+".journal"), journal.Options{Log: st.log}, func(b []byte) error {
		var r result
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("results of job %s: %w", j.ID, err)
		}
		st.count(j, res, r)
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range extra {
		if st.count(j, res, r) {
			if err := jl.AppendJSON(r); err != nil {
				jl.Close()
				return err
			}
		}
	}
	st.journals[j.ID] = jl
	return nil
}

// save writes every job's definition, status and counts.
func (st *state) save() error {
	if st.file == nil {
		return nil
	}
	if err := st.file.Save(&jobsFile{Jobs: st.order}); err != nil {
		return fmt.Errorf("save jobs: %w", err)
	}
	return nil
}

// saveTasks writes the tasks of job id, once, before any runs.
func (st *state) saveTasks(id string, tasks []Task) error {
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
// none (the job had not been prepared, or has finished).
func (st *state) loadTasks(id string) (tasks []Task, ok bool, err error) {
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

// removeFiles drops a finished job's tasks and results, on disk and in
// memory: its report is written and jobs.json holds its counts.
func (st *state) removeFiles(id string) {
	delete(st.tasks, id)
	delete(st.results, id)
	if jl := st.journals[id]; jl != nil {
		delete(st.journals, id)
		if err := jl.Remove(); err != nil {
			st.log.Error("s3control: remove results journal", slog.String("job", id), slog.Any("error", err))
		}
	}
	if st.dir == "" {
		return
	}
	for _, p := range []string{filepath.Join(st.dir, "tasks", id+".json"), filepath.Join(st.dir, "results", id+".journal")} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			st.log.Error("s3control: remove job file", slog.String("file", p), slog.Any("error", err))
		}
	}
}

// job returns account's job id, or NoSuchJob.
func (st *state) job(account, id string) (*Job, error) {
	j := st.jobs[id]
	if j == nil || j.Account != account {
		return nil, errNoSuchJob()
	}
	return j, nil
}

// setStatus moves j to status and saves; it logs a failed save (the
// status is kept in memory and saved with the next change). A job that
// has finished loses its tasks and results once its counts are saved.
func (st *state) setStatus(j *Job, status string) {
	now := st.now()
	if j.Status == StatusActive && status != StatusActive && !j.ActiveSince.IsZero() {
		j.ActiveSeconds += now.Sub(j.ActiveSince).Seconds()
		j.ActiveSince = time.Time{}
	}
	if status == StatusActive && j.ActiveSince.IsZero() {
		j.ActiveSince = now
	}
	j.Status = status
	if status == StatusSuspended {
		j.Suspended, j.SuspendedCause = now.UTC(), "AwaitingConfirmation"
	}
	if terminal(status) {
		j.Terminated = now.UTC()
	}
	if err := st.save(); err != nil {
		st.log.Error("s3control: save jobs", slog.String("job", j.ID), slog.Any("error", err))
		return
	}
	if terminal(status) {
		st.removeFiles(j.ID)
	}
}

// fail fails j with one FailureReason.
func (st *state) fail(j *Job, code, reason string) {
	j.Failures = append(j.Failures, Failure{Code: code, Reason: reason})
	st.setStatus(j, StatusFailed)
}

// view runs fn with the jobs locked, for reading.
func (s *store) view(fn func(st *state) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fn(s.st)
}

// updateJob runs fn on account's job id with the jobs locked and saves
// them; when fn or the save fails, the job's fields are put back as they
// were.
func (s *store) updateJob(account, id string, fn func(st *state, j *Job) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.st.job(account, id)
	if err != nil {
		return err
	}
	old := *j
	if err := fn(s.st, j); err != nil {
		*j = old
		return err
	}
	if err := s.st.save(); err != nil {
		*j = old
		return err
	}
	return nil
}

// create adds j and saves it, unless its account has a job with the same
// ClientRequestToken: then it returns that job's id when the requests
// match, IdempotencyException when they do not.
func (s *store) create(j *Job) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	for _, o := range st.order {
		if o.Account == j.Account && o.ClientRequestToken == j.ClientRequestToken {
			if o.Fingerprint != j.Fingerprint {
				return "", errIdempotency()
			}
			return o.ID, nil
		}
	}
	st.jobs[j.ID], st.order = j, append(st.order, j)
	if err := st.save(); err != nil {
		delete(st.jobs, j.ID)
		st.order = st.order[:len(st.order)-1]
		return "", err
	}
	return j.ID, nil
}

// claim picks the jobs to start now: those not finished and not running,
// the highest Priority first (creation order among equals), while fewer
// than limit run. Each is marked running with a context derived from
// parent; release unmarks it.
func (s *store) claim(parent context.Context, limit int) []claimed {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	var next []*Job
	for _, j := range st.order {
		if st.running[j.ID] != nil {
			continue
		}
		switch j.Status {
		case StatusNew, StatusPreparing, StatusReady, StatusActive, StatusCancelling, StatusCompleting, StatusFailing:
			next = append(next, j)
		}
	}
	slices.SortStableFunc(next, func(a, b *Job) int { return cmp.Compare(b.Priority, a.Priority) })
	var out []claimed
	for _, j := range next {
		if len(st.running) >= limit {
			break
		}
		ctx, cancel := context.WithCancel(parent)
		st.running[j.ID] = cancel
		out = append(out, claimed{j, ctx, cancel})
	}
	return out
}

// claimed is a job claim started.
type claimed struct {
	j      *Job
	ctx    context.Context
	cancel context.CancelFunc
}

// release marks job id as no longer running.
func (s *store) release(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.st.running, id)
}

// status returns j's status.
func (s *store) status(j *Job) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return j.Status
}

// setStatus moves j to status and saves (state.setStatus).
func (s *store) setStatus(j *Job, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.setStatus(j, status)
}

// fail fails j with one FailureReason.
func (s *store) fail(j *Job, code, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.fail(j, code, reason)
}

// prepared keeps the tasks read from j's manifest and moves j on:
// Cancelled when it was cancelled meanwhile, Suspended when it awaits
// confirmation, Ready otherwise. It returns the new status. When the
// tasks cannot be saved it returns the error and changes nothing.
func (s *store) prepared(j *Job, tasks []Task) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	if err := st.saveTasks(j.ID, tasks); err != nil {
		return "", err
	}
	st.tasks[j.ID], st.results[j.ID], j.Total = tasks, make([]*result, len(tasks)), int64(len(tasks))
	switch {
	case j.Status == StatusCancelling:
		st.setStatus(j, StatusCancelled)
	case j.ConfirmationRequired:
		st.setStatus(j, StatusSuspended)
	default:
		st.setStatus(j, StatusReady)
	}
	return j.Status, nil
}

// activate moves a Ready j to Active. It returns the status j will end
// in if nothing fails, and whether j was interrupted while writing its
// report (Completing or Failing), so only the report remains.
func (s *store) activate(j *Job) (final string, reportOnly bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	final = StatusComplete
	switch j.Status {
	case StatusReady:
		s.st.setStatus(j, StatusActive)
	case StatusFailing:
		final = StatusFailed
	}
	return final, j.Status == StatusCompleting || j.Status == StatusFailing
}

// pending returns j's tasks and the indexes of those without a result,
// opening its results journal.
func (s *store) pending(j *Job) ([]Task, []int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	if err := st.openResults(j, nil); err != nil {
		return nil, nil, err
	}
	tasks, res := st.tasks[j.ID], st.results[j.ID]
	var pending []int
	for i := range tasks {
		if res[i] == nil {
			pending = append(pending, i)
		}
	}
	return tasks, pending, nil
}

// record keeps a finished task's result: appended durably to its job's
// journal first (outside the lock, so concurrent tasks share an fsync),
// then counted. It returns the job's failed and finished tasks.
func (s *store) record(j *Job, r *result) (failed, done int64, err error) {
	s.mu.Lock()
	jl := s.st.journals[j.ID]
	s.mu.Unlock()
	if jl != nil {
		if err := jl.AppendJSON(r); err != nil {
			return 0, 0, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if res := s.st.results[j.ID]; res != nil {
		s.st.count(j, res, *r)
	}
	return j.Failed, j.Succeeded + j.Failed, nil
}

// retried counts one TemporaryFailure retry of job id.
func (s *store) retried(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.retries[id]++
}

// retriesOf returns job id's retries.
func (s *store) retriesOf(id string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.retries[id]
}

// tasksDone moves j on once its tasks stopped: Completing, Failing when
// failure (the failure threshold's reason) is not empty, or left
// Cancelling. It returns the status j ends in once its report is written.
func (s *store) tasksDone(j *Job, failure string) (final string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case j.Status == StatusCancelling:
		return StatusCancelled
	case failure != "":
		j.Failures = append(j.Failures, Failure{Code: "TooManyFailures", Reason: failure})
		s.st.setStatus(j, StatusFailing)
		return StatusFailed
	default:
		s.st.setStatus(j, StatusCompleting)
		return StatusComplete
	}
}

// results calls fn with each of j's tasks that has a result, in manifest
// order, and returns the clock's time.
func (s *store) results(j *Job, fn func(t Task, r *result)) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	tasks := s.st.tasks[j.ID]
	for i, r := range s.st.results[j.ID] {
		if r != nil {
			fn(tasks[i], r)
		}
	}
	return s.st.now()
}

// expire removes the jobs that finished Retention or more before now and
// returns how many.
func (s *store) expire(now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	var keep, gone []*Job
	for _, j := range st.order {
		if terminal(j.Status) && !j.Terminated.IsZero() && !now.Before(j.Terminated.Add(Retention)) {
			gone = append(gone, j)
		} else {
			keep = append(keep, j)
		}
	}
	if len(gone) == 0 {
		return 0
	}
	old := st.order
	st.order = keep
	if err := st.save(); err != nil {
		st.order = old
		st.log.Error("s3control: expire jobs", slog.Any("error", err))
		return 0
	}
	for _, j := range gone {
		delete(st.jobs, j.ID)
		delete(st.retries, j.ID)
		st.removeFiles(j.ID)
	}
	return len(gone)
}

// close closes the unfinished jobs' results journals.
func (s *store) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first error
	for id, jl := range s.st.journals {
		if err := jl.Close(); err != nil && first == nil {
			first = err
		}
		delete(s.st.journals, id)
	}
	return first
}
