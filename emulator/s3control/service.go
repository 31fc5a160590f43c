package s3control

import (
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
)

// PathPrefix starts the path of every S3 Control API request (the API
// version, Amazon S3 API Reference, "Amazon S3 Control").
const PathPrefix = "/v20180820/"

// ServicePrincipal is the principal Batch Operations assumes job roles as
// ("Granting permissions for Batch Operations", Trust policy).
const ServicePrincipal = "batchoperations.s3.amazonaws.com"

// Match reports whether a request signed for "s3" is an S3 Control
// request: its path starts with PathPrefix and it carries the
// x-amz-account-id header every S3 Control operation sends. S3 requests
// carry no such header, so a bucket named v20180820 stays S3's.
func Match(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, PathPrefix) && r.Header.Get("x-amz-account-id") != ""
}

// Env is what jobs run with. The emulator implements it over its STS,
// IAM and in-process SDK clients.
type Env interface {
	// JobConfig returns the SDK configuration a job acts with: a session
	// of job.RoleARN assumed by ServicePrincipal, with aws:SourceAccount
	// and aws:SourceArn set to the job's account and ARN. An error is the
	// job's failure (an *awserr.Error's message is its FailureReason).
	JobConfig(ctx context.Context, job *Job) (aws.Config, error)
}

// Options configures the Service.
type Options struct {
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// DataDir keeps the jobs under DataDir/s3control; empty keeps them in
	// memory.
	DataDir string
	// Log receives the jobs' diagnostics.
	Log *slog.Logger
	// Env runs jobs as their roles; with none, jobs stay New.
	Env Env
	// Concurrency bounds the tasks one job runs at once (default 16).
	Concurrency int
	// ActiveJobs bounds the jobs Active at once, the highest Priority
	// first (default 4).
	ActiveJobs int
	// RetryDelay is the first wait before a TemporaryFailure is retried,
	// doubled at each retry (default 100ms).
	RetryDelay time.Duration
	// MaxAttempts bounds the attempts of a task that keeps failing
	// temporarily (default 8).
	MaxAttempts int
}

// Service is the S3 Control Batch Operations API. It is safe for
// concurrent use.
type Service struct {
	opts  Options
	store *store
	wake  chan struct{}

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns the service with the jobs kept under DataDir. Call Start to
// run them.
func New(o Options) (*Service, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.ActiveJobs <= 0 {
		o.ActiveJobs = 4
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = 100 * time.Millisecond
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	st, err := openStore(o.DataDir, o.Now, o.Log)
	if err != nil {
		return nil, err
	}
	s := &Service{opts: o, store: st, wake: make(chan struct{}, 1)}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Start runs the scheduler: jobs not yet finished (including those a
// restart interrupted) resume. Once a minute, and at once, jobs finished
// Retention ago are removed (Tick on the Options' clock).
func (s *Service) Start() {
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		s.schedule()
	}()
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			s.Tick(s.ctx, s.opts.Now())
			select {
			case <-s.ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	s.poke()
}

// Tick removes the jobs that finished (Complete, Failed or Cancelled)
// Retention or more before now, as AWS stops listing them, and returns
// how many. Start calls it as the clock advances; tests call it with an
// injected time.
func (s *Service) Tick(ctx context.Context, now time.Time) int {
	return s.store.expire(now)
}

// Stop ends the jobs' work; running jobs stay in their status and resume
// at the next Start on the same data directory.
func (s *Service) Stop() {
	s.cancel()
	s.wg.Wait()
}

// Close stops the jobs and closes the data directory's files.
func (s *Service) Close() error {
	s.Stop()
	return s.store.close()
}

// Retries returns how many times job id's tasks were retried after a
// TemporaryFailure (the emulator's own count; AWS reports none).
func (s *Service) Retries(id string) int64 {
	return s.store.retriesOf(id)
}

// route is one operation: method and path pattern, IAM action and whether
// its resource is a job.
type route struct {
	name   string
	method string
	path   *regexp.Regexp
	action string
	onJob  bool
	run    func(ctx context.Context, q *request) (any, error)
}

var jobPath = `/v20180820/jobs/([A-Za-z0-9\-_]{1,64})`

// routes is the operation table (Amazon S3 API Reference, S3 Control
// actions; IAM actions from the Service Authorization Reference, "Actions
// defined by Amazon S3": s3:CreateJob and s3:ListJobs on "*", the others
// on the job ARN).
func (s *Service) routes() []route {
	return []route{
		{"CreateJob", http.MethodPost, regexp.MustCompile(`^/v20180820/jobs$`), "s3:CreateJob", false, s.createJob},
		{"ListJobs", http.MethodGet, regexp.MustCompile(`^/v20180820/jobs$`), "s3:ListJobs", false, s.listJobs},
		{"DescribeJob", http.MethodGet, regexp.MustCompile(`^` + jobPath + `$`), "s3:DescribeJob", true, s.describeJob},
		{"UpdateJobPriority", http.MethodPost, regexp.MustCompile(`^` + jobPath + `/priority$`), "s3:UpdateJobPriority", true, s.updateJobPriority},
		{"UpdateJobStatus", http.MethodPost, regexp.MustCompile(`^` + jobPath + `/status$`), "s3:UpdateJobStatus", true, s.updateJobStatus},
		{"PutJobTagging", http.MethodPut, regexp.MustCompile(`^` + jobPath + `/tagging$`), "s3:PutJobTagging", true, s.putJobTagging},
		{"GetJobTagging", http.MethodGet, regexp.MustCompile(`^` + jobPath + `/tagging$`), "s3:GetJobTagging", true, s.getJobTagging},
		{"DeleteJobTagging", http.MethodDelete, regexp.MustCompile(`^` + jobPath + `/tagging$`), "s3:DeleteJobTagging", true, s.deleteJobTagging},
	}
}

// request is one decoded call.
type request struct {
	r       *http.Request
	call    *service.Call
	account string
	jobID   string
	body    []byte
}

// maxBody bounds a request document.
const maxBody = 1 << 20

// ServeAWS serves an S3 Control request.
func (s *Service) ServeAWS(w http.ResponseWriter, r *http.Request, call *service.Call) {
	out, err := s.serve(r, call)
	if err != nil {
		writeError(w, call.RequestID, service.Failed(call, call.Operation, err))
		return
	}
	w.Header().Set("x-amz-request-id", call.RequestID)
	if out == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	b, err := xml.Marshal(out)
	if err != nil {
		writeError(w, call.RequestID, service.Failed(call, call.Operation, err))
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, xml.Header)
	w.Write(b)
}

func (s *Service) serve(r *http.Request, call *service.Call) (any, error) {
	for _, rt := range s.routes() {
		m := rt.path.FindStringSubmatch(r.URL.Path)
		if m == nil || r.Method != rt.method {
			continue
		}
		call.Operation = rt.name
		q := &request{r: r, call: call, account: r.Header.Get("x-amz-account-id")}
		if len(m) > 1 {
			q.jobID = m[1]
		}
		if q.account == "" {
			return nil, errMissingAccount()
		}
		if !validAccount(q.account) {
			return nil, errInvalidRequest("Invalid account id: %s", q.account)
		}
		// A caller works on its own account's jobs only; AWS answers
		// AccessDenied for another account's id.
		if q.account != call.Caller.Account() {
			return nil, errAccountMismatch()
		}
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			return nil, err
		}
		if len(b) > maxBody {
			return nil, errBadRequest("The request document is too large")
		}
		q.body = b
		res := "*"
		if rt.onJob {
			res = s.jobARN(call.Region, q.account, q.jobID)
		}
		if err := service.Authorize(r.Context(), service.Check{Action: rt.action, Resource: res, ResourceAccount: q.account}); err != nil {
			return nil, err
		}
		return rt.run(r.Context(), q)
	}
	return nil, awserr.New(http.StatusNotFound, "NotFound", "The requested resource was not found")
}

// WriteError renders an error raised before the service ran.
func (s *Service) WriteError(w http.ResponseWriter, r *http.Request, call *service.Call, err *awserr.Error) {
	writeError(w, call.RequestID, err)
}

func (s *Service) jobARN(region, account, id string) string {
	return "arn:aws:s3:" + region + ":" + account + ":job/" + id
}

func validAccount(a string) bool {
	if len(a) != 12 {
		return false
	}
	for _, c := range a {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// poke wakes the scheduler.
func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
