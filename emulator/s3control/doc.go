// Package s3control is the emulated S3 Control API's Batch Operations: jobs
// that run one operation (invoke a Lambda function, or copy an object) on
// every object a manifest lists, as the job's IAM role, with AWS's
// progress, priorities, statuses and completion reports.
//
// S3 Control requests are signed for "s3" like S3's own, so the emulator
// tells them apart by their path (/v20180820/…) and the x-amz-account-id
// header every S3 Control operation sends (Match). The SDKs send them to
// the host ACCOUNT.s3-control.REGION.amazonaws.com, or, with a custom
// endpoint, to ACCOUNT.<endpoint host>; the service ignores the host.
//
//	svc, err := s3control.New(s3control.Options{Env: env, DataDir: dir})
//	…
//	svc.Start() // runs the jobs
//
// Files:
//   - service.go: Options, New, Start, Close, the operation table.
//   - shapes.go: the REST-XML request and response documents.
//   - jobs.go: CreateJob, DescribeJob, ListJobs, UpdateJobStatus,
//     UpdateJobPriority and job tagging.
//   - manifest.go: CSV and S3 Inventory manifests.
//   - runner.go: running a job's tasks as its role.
//   - report.go: the completion report.
//   - store.go: the jobs, the lock that guards them (handlers and the
//     runner reach them only through its methods) and their files under
//     DataDir/s3control.
//   - errors.go: S3 Control's errors.
package s3control
