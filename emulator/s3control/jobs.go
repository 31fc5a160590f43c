package s3control

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xacct/xacct/emulator/internal/paging"
	"github.com/xacct/xacct/emulator/service"
)

// createJob is CreateJob (Amazon S3 API Reference, "CreateJob"). The
// caller must be allowed iam:PassRole on the job's role. The role's trust
// policy is not checked here: as in AWS, a role Batch Operations cannot
// assume fails the job (DescribeJob's FailureReasons), not the request.
func (s *Service) createJob(ctx context.Context, q *request) (any, error) {
	var in createJobRequest
	if err := xml.Unmarshal(q.body, &in); err != nil {
		return nil, errBadRequest("The XML you provided was not well-formed or did not validate against our published schema")
	}
	j, err := s.jobFromRequest(q, &in)
	if err != nil {
		return nil, err
	}
	if err := service.Authorize(ctx, service.Check{Action: "iam:PassRole", Resource: j.RoleARN,
		Context: map[string][]string{"iam:PassedToService": {ServicePrincipal}}}); err != nil {
		return nil, err
	}
	id, err := s.store.create(j)
	if err != nil {
		return nil, err
	}
	s.poke()
	return &createJobResult{Xmlns: xmlns, JobId: id}, nil
}

func (s *Service) jobFromRequest(q *request, in *createJobRequest) (*Job, error) {
	if in.ClientRequestToken == "" || len(in.ClientRequestToken) > 64 {
		return nil, errInvalidRequest("ClientRequestToken must be 1 to 64 characters")
	}
	if in.Priority == nil || *in.Priority < 0 || *in.Priority > 2147483647 {
		return nil, errInvalidRequest("Priority must be an integer from 0 to 2147483647")
	}
	if !strings.HasPrefix(in.RoleArn, "arn:aws:iam::") || !strings.Contains(in.RoleArn, ":role/") {
		return nil, errInvalidRequest("Invalid role ARN: %s", in.RoleArn)
	}
	if in.ConfirmationRequired == nil {
		return nil, errInvalidRequest("ConfirmationRequired is required")
	}
	if in.Report == nil {
		return nil, errInvalidRequest("Report is required")
	}
	if len(in.Description) > 256 {
		return nil, errInvalidRequest("Description must be at most 256 characters")
	}
	id := newJobID()
	j := &Job{
		ID: id, Account: q.account, Region: q.call.Region, ARN: s.jobARN(q.call.Region, q.account, id),
		Description: in.Description, Priority: *in.Priority, Status: StatusNew, ConfirmationRequired: *in.ConfirmationRequired,
		RoleARN: in.RoleArn, ClientRequestToken: in.ClientRequestToken, Created: s.opts.Now().UTC(),
	}
	op, err := operationFrom(in.Operation)
	if err != nil {
		return nil, err
	}
	j.Operation = op
	switch {
	case in.Manifest != nil && in.ManifestGenerator != nil:
		return nil, errInvalidRequest("Specify either Manifest or ManifestGenerator, not both")
	case in.Manifest != nil:
		m := in.Manifest
		if m.Spec.Format != FormatCSV && m.Spec.Format != FormatInventory {
			return nil, errInvalidRequest("Invalid manifest format: %s", m.Spec.Format)
		}
		if _, _, ok := splitObjectARN(m.Location.ObjectArn); !ok {
			return nil, errInvalidRequest("Invalid manifest object ARN: %s", m.Location.ObjectArn)
		}
		if m.Location.ETag == "" {
			return nil, errInvalidRequest("Manifest ETag is required")
		}
		j.Manifest = &ManifestLocation{ObjectARN: m.Location.ObjectArn, VersionID: m.Location.ObjectVersionId,
			ETag: m.Location.ETag, Format: m.Spec.Format}
		if m.Spec.Fields != nil {
			j.Manifest.Fields = m.Spec.Fields.Members
			if m.Spec.Format == FormatCSV {
				if _, err := ParseCSVManifest(nil, j.Manifest.Fields); err != nil {
					return nil, errInvalidRequest("%s", err.Error())
				}
			}
		}
	case in.ManifestGenerator != nil && in.ManifestGenerator.S3JobManifestGenerator != nil:
		g := in.ManifestGenerator.S3JobManifestGenerator
		if _, ok := bucketFromARN(g.SourceBucket); !ok {
			return nil, errInvalidRequest("Invalid source bucket ARN: %s", g.SourceBucket)
		}
		gen := &Generator{SourceBucketARN: g.SourceBucket, ExpectedBucketOwner: g.ExpectedBucketOwner, EnableOutput: g.EnableManifestOutput}
		if f := g.Filter; f != nil {
			if f.CreatedAfter != "" || f.CreatedBefore != "" || f.ObjectSizeGreaterThanBytes != nil || f.ObjectSizeLessThanBytes != nil || f.MatchAnyStorageClass != nil ||
				f.KeyNameConstraint != nil && (f.KeyNameConstraint.MatchAnySuffix != nil || f.KeyNameConstraint.MatchAnySubstring != nil) {
				return nil, errInvalidRequest("The xacct emulator's manifest generator filters by key prefix only (KeyNameConstraint.MatchAnyPrefix)")
			}
			if f.KeyNameConstraint != nil && f.KeyNameConstraint.MatchAnyPrefix != nil {
				gen.Prefixes = f.KeyNameConstraint.MatchAnyPrefix.Items
			}
		}
		if o := g.ManifestOutputLocation; o != nil {
			gen.OutputBucketARN, gen.OutputPrefix, gen.OutputFormat = o.Bucket, o.ManifestPrefix, o.ManifestFormat
		}
		if gen.EnableOutput {
			if _, ok := bucketFromARN(gen.OutputBucketARN); !ok {
				return nil, errInvalidRequest("ManifestOutputLocation is required when EnableManifestOutput is true")
			}
		}
		j.Generator = gen
	default:
		return nil, errInvalidRequest("Either Manifest or ManifestGenerator is required")
	}
	r := in.Report
	j.Report = Report{Enabled: r.Enabled, BucketARN: r.Bucket, Prefix: r.Prefix, Format: r.Format, Scope: r.ReportScope}
	if r.Enabled {
		if _, ok := bucketFromARN(r.Bucket); !ok {
			return nil, errInvalidRequest("Invalid report bucket ARN: %s", r.Bucket)
		}
		if r.Format != "Report_CSV_20180820" {
			return nil, errInvalidRequest("Invalid report format: %s", r.Format)
		}
		if r.ReportScope != "AllTasks" && r.ReportScope != "FailedTasksOnly" {
			return nil, errInvalidRequest("Invalid report scope: %s", r.ReportScope)
		}
	}
	if in.Tags != nil {
		if len(in.Tags.Members) > 50 {
			return nil, errInvalidRequest("A job can have at most 50 tags")
		}
		for _, t := range in.Tags.Members {
			j.Tags = append(j.Tags, Tag(t))
		}
	}
	fp, _ := json.Marshal(struct {
		Op         Operation
		M          *ManifestLocation
		G          *Generator
		R          Report
		P          int32
		Role, Desc string
		Confirm    bool
	}{j.Operation, j.Manifest, j.Generator, j.Report, j.Priority, j.RoleARN, j.Description, j.ConfirmationRequired})
	sum := sha256.Sum256(fp)
	j.Fingerprint = hex.EncodeToString(sum[:])
	return j, nil
}

func operationFrom(o *jobOperation) (Operation, error) {
	if o == nil {
		return Operation{}, errInvalidRequest("Operation is required")
	}
	switch {
	case o.LambdaInvoke != nil:
		l := o.LambdaInvoke
		if !strings.HasPrefix(l.FunctionArn, "arn:aws:lambda:") {
			return Operation{}, errInvalidRequest("Invalid function ARN: %s", l.FunctionArn)
		}
		v := l.InvocationSchemaVersion
		if v == "" {
			v = "1.0"
		}
		if v != "1.0" && v != "2.0" {
			return Operation{}, errInvalidRequest("Invalid InvocationSchemaVersion: %s", v)
		}
		op := Operation{Kind: "LambdaInvoke", FunctionARN: l.FunctionArn, SchemaVersion: v}
		if l.UserArguments != nil && len(l.UserArguments.Entries) > 0 {
			if v != "2.0" {
				return Operation{}, errInvalidRequest("UserArguments require InvocationSchemaVersion 2.0")
			}
			op.UserArguments = map[string]string{}
			for _, e := range l.UserArguments.Entries {
				op.UserArguments[e.Key] = e.Value
			}
		}
		return op, nil
	case o.S3PutObjectCopy != nil:
		c := o.S3PutObjectCopy
		if _, ok := bucketFromARN(c.TargetResource); !ok {
			return Operation{}, errInvalidRequest("Invalid target resource: %s", c.TargetResource)
		}
		return Operation{Kind: "S3PutObjectCopy", TargetBucketARN: c.TargetResource, TargetKeyPrefix: c.TargetKeyPrefix,
			ACL: c.CannedAccessControlList, MetadataDirective: c.MetadataDirective, StorageClass: c.StorageClass}, nil
	default:
		return Operation{}, errInvalidRequest("The xacct emulator runs the LambdaInvoke and S3PutObjectCopy operations only")
	}
}

func newJobID() string {
	b := make([]byte, 16)
	rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// bucketFromARN returns the bucket of arn:aws:s3:::BUCKET.
func bucketFromARN(arn string) (string, bool) {
	b, ok := strings.CutPrefix(arn, "arn:aws:s3:::")
	return b, ok && b != "" && !strings.Contains(b, "/")
}

// splitObjectARN returns the bucket and key of arn:aws:s3:::BUCKET/KEY.
func splitObjectARN(arn string) (bucket, key string, ok bool) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:s3:::")
	if !ok {
		return "", "", false
	}
	bucket, key, ok = strings.Cut(rest, "/")
	return bucket, key, ok && bucket != "" && key != ""
}

func (s *Service) describeJob(ctx context.Context, q *request) (any, error) {
	out := &describeJobResult{Xmlns: xmlns}
	err := s.store.view(func(st *state) error {
		j, err := st.job(q.account, q.jobID)
		if err != nil {
			return err
		}
		out.Job = st.descriptor(j)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// progress is j's ProgressSummary.
func (st *state) progress(j *Job) *progressSummary {
	active := j.ActiveSeconds
	if !j.ActiveSince.IsZero() {
		active += st.now().Sub(j.ActiveSince).Seconds()
	}
	return &progressSummary{TotalNumberOfTasks: j.Total, NumberOfTasksSucceeded: j.Succeeded, NumberOfTasksFailed: j.Failed,
		Timers: timers{ElapsedTimeInActiveSeconds: int64(active)}}
}

// descriptor is j as DescribeJob shows it.
func (st *state) descriptor(j *Job) jobDescriptor {
	d := jobDescriptor{
		JobId: j.ID, ConfirmationRequired: j.ConfirmationRequired, Description: j.Description, JobArn: j.ARN, Status: j.Status,
		Priority: j.Priority, ProgressSummary: st.progress(j), StatusUpdateReason: j.StatusUpdateReason,
		CreationTime: timestamp(j.Created), TerminationDate: timestamp(j.Terminated), RoleArn: j.RoleARN,
		SuspendedDate: timestamp(j.Suspended), SuspendedCause: j.SuspendedCause,
	}
	op := &jobOperation{}
	switch j.Operation.Kind {
	case "LambdaInvoke":
		l := &lambdaInvokeOperation{FunctionArn: j.Operation.FunctionARN, InvocationSchemaVersion: j.Operation.SchemaVersion}
		if len(j.Operation.UserArguments) > 0 {
			l.UserArguments = &userArguments{}
			keys := make([]string, 0, len(j.Operation.UserArguments))
			for k := range j.Operation.UserArguments {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				l.UserArguments.Entries = append(l.UserArguments.Entries, userArgument{k, j.Operation.UserArguments[k]})
			}
		}
		op.LambdaInvoke = l
	case "S3PutObjectCopy":
		op.S3PutObjectCopy = &copyObjectOperation{TargetResource: j.Operation.TargetBucketARN, TargetKeyPrefix: j.Operation.TargetKeyPrefix,
			CannedAccessControlList: j.Operation.ACL, MetadataDirective: j.Operation.MetadataDirective, StorageClass: j.Operation.StorageClass}
	}
	d.Operation = op
	if m := j.Manifest; m != nil {
		d.Manifest = &jobManifest{Spec: manifestSpec{Format: m.Format}, Location: manifestLocation{ObjectArn: m.ObjectARN, ObjectVersionId: m.VersionID, ETag: m.ETag}}
		if len(m.Fields) > 0 {
			d.Manifest.Spec.Fields = &fieldList{Members: m.Fields}
		}
	}
	if g := j.Generator; g != nil {
		sg := &s3ManifestGenerator{SourceBucket: g.SourceBucketARN, ExpectedBucketOwner: g.ExpectedBucketOwner, EnableManifestOutput: g.EnableOutput}
		if len(g.Prefixes) > 0 {
			sg.Filter = &generatorFilter{KeyNameConstraint: &keyNameConstraint{MatchAnyPrefix: &prefixList{Items: g.Prefixes}}}
		}
		if g.OutputBucketARN != "" {
			sg.ManifestOutputLocation = &manifestOutputLocation{Bucket: g.OutputBucketARN, ManifestPrefix: g.OutputPrefix, ManifestFormat: g.OutputFormat}
		}
		d.ManifestGenerator = &jobManifestGenerator{S3JobManifestGenerator: sg}
	}
	if j.Report.Enabled || j.Report.BucketARN != "" {
		r := j.Report
		d.Report = &jobReport{Bucket: r.BucketARN, Format: r.Format, Enabled: r.Enabled, Prefix: r.Prefix, ReportScope: r.Scope}
	} else {
		d.Report = &jobReport{Enabled: false}
	}
	if len(j.Failures) > 0 {
		d.FailureReasons = &failureList{}
		for _, f := range j.Failures {
			d.FailureReasons.Members = append(d.FailureReasons.Members, jobFailure{f.Code, f.Reason})
		}
	}
	return d
}

// listJobs is ListJobs: the account's jobs, newest first, filtered by
// status, 1,000 to a page unless maxResults says fewer.
func (s *Service) listJobs(ctx context.Context, q *request) (any, error) {
	v := q.r.URL.Query()
	statuses := v["jobStatuses"]
	for _, st := range statuses {
		if !validStatus(st) {
			return nil, errInvalidRequest("Invalid job status: %s", st)
		}
	}
	size := 1000
	if m := v.Get("maxResults"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 || n > 1000 {
			return nil, errInvalidRequest("maxResults must be from 0 to 1000")
		}
		if n > 0 {
			size = n
		}
	}
	start, ok := paging.Offset(v.Get("nextToken"))
	if !ok {
		return nil, errInvalidRequest("Invalid nextToken")
	}
	var list []jobListDescriptor
	s.store.view(func(st *state) error {
		for i := len(st.order) - 1; i >= 0; i-- {
			j := st.order[i]
			if j.Account != q.account || len(statuses) > 0 && !slices.Contains(statuses, j.Status) {
				continue
			}
			list = append(list, jobListDescriptor{JobId: j.ID, Description: j.Description, Operation: j.Operation.Kind, Priority: j.Priority,
				Status: j.Status, CreationTime: timestamp(j.Created), TerminationDate: timestamp(j.Terminated), ProgressSummary: st.progress(j)})
		}
		return nil
	})
	page, next := paging.Page(list, start, size)
	return &listJobsResult{Xmlns: xmlns, NextToken: next, Jobs: jobListDescriptors{Members: page}}, nil
}

func validStatus(st string) bool {
	switch st {
	case StatusNew, StatusPreparing, StatusSuspended, StatusReady, StatusActive, StatusPausing, StatusPaused, StatusCompleting,
		StatusComplete, StatusFailing, StatusFailed, StatusCancelling, StatusCancelled:
		return true
	}
	return false
}

func (s *Service) updateJobPriority(ctx context.Context, q *request) (any, error) {
	p, err := strconv.ParseInt(q.r.URL.Query().Get("priority"), 10, 32)
	if err != nil || p < 0 {
		return nil, errInvalidRequest("priority must be an integer from 0 to 2147483647")
	}
	err = s.store.updateJob(q.account, q.jobID, func(st *state, j *Job) error {
		if terminal(j.Status) {
			return errJobStatus("Job %s is %s; its priority cannot change", j.ID, j.Status)
		}
		j.Priority = int32(p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.poke()
	return &updateJobPriorityResult{Xmlns: xmlns, JobId: q.jobID, Priority: int32(p)}, nil
}

// updateJobStatus is UpdateJobStatus: Ready confirms a Suspended job;
// Cancelled cancels a job that has not finished ("Updating job status").
func (s *Service) updateJobStatus(ctx context.Context, q *request) (any, error) {
	v := q.r.URL.Query()
	want, reason := v.Get("requestedJobStatus"), v.Get("statusUpdateReason")
	if want != StatusReady && want != StatusCancelled {
		return nil, errInvalidRequest("requestedJobStatus must be Ready or Cancelled")
	}
	out := &updateJobStatusResult{Xmlns: xmlns, JobId: q.jobID, StatusUpdateReason: reason}
	err := s.store.updateJob(q.account, q.jobID, func(st *state, j *Job) error {
		switch want {
		case StatusReady:
			if j.Status != StatusSuspended {
				return errJobStatus("Job %s cannot be confirmed: its status is %s, not Suspended", j.ID, j.Status)
			}
			j.Status, j.SuspendedCause = StatusReady, ""
		case StatusCancelled:
			if terminal(j.Status) || j.Status == StatusCancelling || j.Status == StatusCompleting || j.Status == StatusFailing {
				return errJobStatus("Job %s cannot be cancelled: its status is %s", j.ID, j.Status)
			}
			if cancel := st.running[j.ID]; cancel != nil {
				j.Status = StatusCancelling
				cancel()
			} else {
				st.setStatus(j, StatusCancelled)
			}
		}
		j.StatusUpdateReason = reason
		out.Status = j.Status
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.poke()
	return out, nil
}

func (s *Service) putJobTagging(ctx context.Context, q *request) (any, error) {
	var in putJobTaggingRequest
	if err := xml.Unmarshal(q.body, &in); err != nil {
		return nil, errBadRequest("The XML you provided was not well-formed or did not validate against our published schema")
	}
	if len(in.Tags.Members) > 50 {
		return nil, errBadRequest("A job can have at most 50 tags")
	}
	return nil, s.store.updateJob(q.account, q.jobID, func(st *state, j *Job) error {
		j.Tags = nil
		for _, t := range in.Tags.Members {
			j.Tags = append(j.Tags, Tag(t))
		}
		return nil
	})
}

func (s *Service) getJobTagging(ctx context.Context, q *request) (any, error) {
	out := &getJobTaggingResult{Xmlns: xmlns}
	err := s.store.view(func(st *state) error {
		j, err := st.job(q.account, q.jobID)
		if err != nil {
			return err
		}
		for _, t := range j.Tags {
			out.Tags.Members = append(out.Tags.Members, s3Tag(t))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) deleteJobTagging(ctx context.Context, q *request) (any, error) {
	return nil, s.store.updateJob(q.account, q.jobID, func(st *state, j *Job) error {
		j.Tags = nil
		return nil
	})
}
