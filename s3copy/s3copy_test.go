package s3copy_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/xacct/xacct/emulatortest"
	"github.com/xacct/xacct/s3copy"
)

const roleARN = "arn:aws:iam::222222222222:role/copier"

// world is the seeds' copy setup in the emulator: a home bucket readable by
// a target role that writes the target bucket.
type world struct {
	srv      *emulatortest.Server
	home     *s3.Client // home root
	role     aws.Config // the target role's session
	objects  map[string][]byte
	copyReqs func() int
}

func newWorld(t *testing.T, n int, size func(i int) int, opts ...func(*s3.Options)) *world {
	t.Helper()
	srv := emulatortest.New(t)
	ctx := context.Background()
	ti := iam.NewFromConfig(srv.Config("222222222222"))
	if _, err := ti.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("copier"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}}`)}); err != nil {
		t.Fatal(err)
	}
	emulatortest.Must(ti.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("copier"), PolicyName: aws.String("copy"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket","s3:GetObject"],"Resource":["arn:aws:s3:::home-src","arn:aws:s3:::home-src/*"]},{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:PutObjectAcl","s3:AbortMultipartUpload"],"Resource":"arn:aws:s3:::target-dst/*"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::target-dst"}]}`)}))(t)
	home := s3.NewFromConfig(srv.Config("111111111111"))
	emulatortest.Must(home.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("home-src")}))(t)
	emulatortest.Must(home.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("home-src"), Policy: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/copier"},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::home-src","arn:aws:s3:::home-src/*"]}]}`)}))(t)
	emulatortest.Must(s3.NewFromConfig(srv.Config("222222222222")).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("target-dst")}))(t)
	w := &world{srv: srv, home: home, objects: map[string][]byte{}}
	for i := 0; i < n; i++ {
		b := make([]byte, size(i))
		rand.Read(b)
		key := fmt.Sprintf("data/%05d.bin", i)
		if i%7 == 0 {
			key = fmt.Sprintf("data/sub dir/é-%05d.bin", i)
		}
		if _, err := home.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("home-src"), Key: aws.String(key), Body: bytes.NewReader(b)}); err != nil {
			t.Fatal(err)
		}
		w.objects[key] = b
	}
	emulatortest.Must(home.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("home-src"), Key: aws.String("other/skip.txt"), Body: strings.NewReader("not under the prefix")}))(t)
	// The home account's admin user assumes the role (root may not).
	out, err := sts.NewFromConfig(srv.AdminConfig(t, "111111111111")).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("copy")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	w.role = srv.ConfigWith(emulatortest.SessionCredentials(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken, *c.Expiration))
	w.copyReqs = func() int { return srv.Count("s3:CopyObject") + srv.Count("s3:CompleteMultipartUpload") }
	return w
}

// verify checks every object arrived byte for byte and nothing else did.
func (w *world) verify(t *testing.T, prefix string) {
	t.Helper()
	ctx := context.Background()
	tc := s3.NewFromConfig(w.srv.Config("222222222222"))
	p := s3.NewListObjectsV2Paginator(tc, &s3.ListObjectsV2Input{Bucket: aws.String("target-dst")})
	count := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		count += len(page.Contents)
	}
	if count != len(w.objects) {
		t.Errorf("target holds %d objects, want %d", count, len(w.objects))
	}
	for key, want := range w.objects {
		out, err := tc.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("target-dst"), Key: aws.String(prefix + strings.TrimPrefix(key, "data/"))})
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		got, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if !bytes.Equal(got, want) {
			t.Fatalf("%s differs", key)
		}
	}
}

func TestCopyPrefixAndRerun(t *testing.T) {
	w := newWorld(t, 2500, func(i int) int { return i % 300 })
	src := s3.NewFromConfig(w.role)
	c := s3copy.New(src, src, func(o *s3copy.Options) { o.Concurrency = 16; o.ACL = types.ObjectCannedACLBucketOwnerFullControl })
	sum, err := c.Copy(context.Background(), s3copy.Job{SourceBucket: "home-src", Prefix: "data/", TargetBucket: "target-dst"})
	if err != nil {
		t.Fatal(err)
	}
	var bytes int64
	for _, b := range w.objects {
		bytes += int64(len(b))
	}
	if sum.Copied != 2500 || sum.Skipped != 0 || sum.Failed != 0 || sum.Bytes != bytes || sum.Continuation != "" {
		t.Errorf("got %+v, want 2500 copied, %d bytes", sum, bytes)
	}
	w.verify(t, "data/")
	before := w.copyReqs()
	sum, err = c.Copy(context.Background(), s3copy.Job{SourceBucket: "home-src", Prefix: "data/", TargetBucket: "target-dst"})
	if err != nil || sum.Copied != 0 || sum.Skipped != 2500 || w.copyReqs() != before {
		t.Errorf("rerun: got %+v %v and %d new copies, want all skipped", sum, err, w.copyReqs()-before)
	}
}

func TestDestPrefixAndMultipart(t *testing.T) {
	w := newWorld(t, 6, func(i int) int { return []int{12<<20 + 7, 100, 6 << 20, 5<<20 + 1, 0, 11 << 20}[i] })
	src := s3.NewFromConfig(w.role)
	c := s3copy.New(src, src, func(o *s3copy.Options) {
		o.MultipartThreshold, o.PartSize, o.DestPrefix = 6<<20, 5<<20, "copied/"
	})
	sum, err := c.Copy(context.Background(), s3copy.Job{SourceBucket: "home-src", Prefix: "data/", TargetBucket: "target-dst"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Copied != 6 {
		t.Errorf("got %+v", sum)
	}
	w.verify(t, "copied/")
	if n := w.srv.Count("s3:UploadPartCopy"); n != 3+3 {
		t.Errorf("got %d UploadPartCopy calls, want 6 (two objects above 6 MiB in 5 MiB parts)", n)
	}
	// Multipart copies carry the source ETag, so a rerun skips them too.
	sum, err = c.Copy(context.Background(), s3copy.Job{SourceBucket: "home-src", Prefix: "data/", TargetBucket: "target-dst"})
	if err != nil || sum.Skipped != 6 {
		t.Errorf("rerun: %+v %v", sum, err)
	}
}

// faultyTransport fails a share of requests with 500/503/SlowDown or a
// dropped connection (before or after the server saw the request).
type faultyTransport struct {
	base    http.RoundTripper
	rate    int64 // percent
	faults  atomic.Int64
	mu      sync.Mutex
	counter int
}

func (f *faultyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	n, _ := rand.Int(rand.Reader, big.NewInt(100))
	if n.Int64() >= f.rate {
		return f.base.RoundTrip(r)
	}
	f.faults.Add(1)
	f.mu.Lock()
	f.counter++
	kind := f.counter % 4
	f.mu.Unlock()
	body := func(code string, status int) *http.Response {
		b := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>injected</Message></Error>`
		return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{"Content-Type": {"application/xml"}}, Body: io.NopCloser(strings.NewReader(b)), Request: r}
	}
	switch kind {
	case 0:
		return body("SlowDown", 503), nil
	case 1:
		return body("InternalError", 500), nil
	case 2:
		return nil, errors.New("connection reset by peer (injected before sending)")
	default:
		resp, err := f.base.RoundTrip(r) // the server acts, the answer is lost
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return nil, errors.New("connection reset by peer (injected after the server answered)")
	}
}

func TestFaultInjection(t *testing.T) {
	w := newWorld(t, 400, func(i int) int { return 50 + i%2000 })
	ft := &faultyTransport{base: http.DefaultTransport, rate: 15}
	cfg := w.role.Copy()
	cfg.HTTPClient = &http.Client{Transport: ft}
	cfg.RetryMaxAttempts = 1 // the engine's own retries are under test
	cl := s3.NewFromConfig(cfg)
	c := s3copy.New(cl, cl, func(o *s3copy.Options) {
		o.Concurrency, o.MaxAttempts, o.BaseBackoff, o.PageSize = 8, 10, time.Millisecond, 100
	})
	sum, err := c.Copy(context.Background(), s3copy.Job{SourceBucket: "home-src", Prefix: "data/", TargetBucket: "target-dst"})
	if err != nil {
		t.Fatalf("copy with faults: %v (summary %+v, %d faults)", err, sum, ft.faults.Load())
	}
	if ft.faults.Load() < 20 {
		t.Fatalf("only %d faults injected", ft.faults.Load())
	}
	if sum.Copied+sum.Skipped != 400 {
		t.Errorf("got %+v", sum)
	}
	w.verify(t, "data/")
	t.Logf("%d faults injected; summary %+v", ft.faults.Load(), sum)
}

func TestPermanentFailuresAreReported(t *testing.T) {
	w := newWorld(t, 20, func(i int) int { return 10 })
	// The target role loses its write permission on part of the keys.
	iam.NewFromConfig(w.srv.Config("222222222222")).PutRolePolicy(context.Background(), &iam.PutRolePolicyInput{RoleName: aws.String("copier"), PolicyName: aws.String("deny"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:PutObject","Resource":"arn:aws:s3:::target-dst/data/sub dir/*"}}`)})
	cl := s3.NewFromConfig(w.role)
	sum, err := s3copy.New(cl, cl).Copy(context.Background(), s3copy.Job{SourceBucket: "home-src", Prefix: "data/", TargetBucket: "target-dst"})
	if sum.Failed != 3 || sum.Copied != 17 {
		t.Errorf("got %+v, want 3 failed (keys 0, 7, 14) and 17 copied", sum)
	}
	var oe *s3copy.ObjectError
	if !errors.As(err, &oe) || oe.Op != "CopyObject" || !strings.HasPrefix(oe.Source, "home-src/data/sub dir/") || !strings.Contains(oe.Error(), "AccessDenied") {
		t.Errorf("got %v", err)
	}
	if got := strings.Count(err.Error(), "\n") + 1; got != 3 {
		t.Errorf("got %d joined errors, want 3", got)
	}
}

// TestStopBeforeDeadline: a copy that must stop before its deadline reports
// a continuation token; the next run resumes from it, and together they
// copy every object exactly once.
func TestStopBeforeDeadline(t *testing.T) {
	w := newWorld(t, 300, func(i int) int { return 20 })
	cl := s3.NewFromConfig(w.role)
	var calls atomic.Int64
	base := time.Now()
	clock := func() time.Time { return base.Add(time.Duration(calls.Add(1)) * time.Second) }
	ctx, cancel := context.WithDeadline(context.Background(), base.Add(133*time.Second))
	defer cancel()
	c := s3copy.New(cl, cl, func(o *s3copy.Options) { o.Now, o.StopBefore, o.Concurrency = clock, 33*time.Second, 4 })
	first, err := c.Copy(ctx, s3copy.Job{SourceBucket: "home-src", Prefix: "data/", TargetBucket: "target-dst"})
	if err != nil {
		t.Fatal(err)
	}
	if first.Continuation == "" || first.Copied == 0 || first.Copied >= 300 {
		t.Fatalf("first run: %+v, want a partial copy with a continuation token", first)
	}
	copies := w.copyReqs()
	second, err := s3copy.New(cl, cl).Copy(context.Background(), s3copy.Job{SourceBucket: "home-src", Prefix: "data/", TargetBucket: "target-dst", StartAfter: first.Continuation})
	if err != nil {
		t.Fatal(err)
	}
	if first.Copied+second.Copied != 300 || second.Skipped > first.Copied {
		t.Errorf("runs copied %d + %d (skipped %d), want 300 in all", first.Copied, second.Copied, second.Skipped)
	}
	if got := w.copyReqs() - copies; got != second.Copied {
		t.Errorf("second run made %d copies, reported %d", got, second.Copied)
	}
	w.verify(t, "data/")
}

// TestShortTimeoutStillCopies: a function with a 30-second timeout (no
// more than the default StopBefore) still copies; the margin shrinks to a
// quarter of the time left.
func TestShortTimeoutStillCopies(t *testing.T) {
	w := newWorld(t, 20, func(i int) int { return 10 })
	cl := s3.NewFromConfig(w.role)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sum, err := s3copy.New(cl, cl).Copy(ctx, s3copy.Job{SourceBucket: "home-src", Prefix: "data/", TargetBucket: "target-dst"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Copied != 20 || sum.Stopped {
		t.Fatalf("summary %+v, want all 20 copied", sum)
	}
	w.verify(t, "data/")
}

// TestTargetListingSavesHeads: the engine learns what the target holds from
// its listing, so a first copy makes no HeadObject and a rerun of 1,500
// objects skips them all with two ListObjectsV2 pages of the target and no
// HeadObject.
func TestTargetListingSavesHeads(t *testing.T) {
	w := newWorld(t, 1500, func(i int) int { return 5 })
	cl := s3.NewFromConfig(w.role)
	c := s3copy.New(cl, cl)
	job := s3copy.Job{SourceBucket: "home-src", Prefix: "data/", TargetBucket: "target-dst"}
	heads := w.srv.Count("s3:HeadObject")
	sum, err := c.Copy(context.Background(), job)
	if err != nil || sum.Copied != 1500 {
		t.Fatalf("first run: %+v %v", sum, err)
	}
	if n := w.srv.Count("s3:HeadObject") - heads; n != 0 {
		t.Errorf("first run made %d HeadObject calls, want 0", n)
	}
	lists := w.srv.Count("s3:ListObjectsV2")
	sum, err = c.Copy(context.Background(), job)
	if err != nil || sum.Skipped != 1500 {
		t.Fatalf("rerun: %+v %v", sum, err)
	}
	if n := w.srv.Count("s3:HeadObject") - heads; n != 0 {
		t.Errorf("rerun made %d HeadObject calls, want 0", n)
	}
	if n := w.srv.Count("s3:ListObjectsV2") - lists; n != 4 {
		t.Errorf("rerun listed %d pages (source and target), want 4", n)
	}
	w.verify(t, "data/")
}

// TestCopyKeepsTagsAndMetadata: a copied object keeps its tags, user
// metadata and content headers, whether it is copied with CopyObject
// (tags by the default x-amz-tagging-directive COPY, which needs
// s3:GetObjectTagging on the source) or in parts (tags read with
// GetObjectTagging and set on CreateMultipartUpload, which needs
// s3:PutObjectTagging on the target).
func TestCopyKeepsTagsAndMetadata(t *testing.T) {
	w := newWorld(t, 0, nil)
	ctx := context.Background()
	emulatortest.Must(iam.NewFromConfig(w.srv.Config("222222222222")).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("copier"), PolicyName: aws.String("copy"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket","s3:GetObject","s3:GetObjectTagging"],"Resource":["arn:aws:s3:::home-src","arn:aws:s3:::home-src/*"]},{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:PutObjectTagging","s3:AbortMultipartUpload"],"Resource":"arn:aws:s3:::target-dst/*"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::target-dst"}]}`)}))(t)
	emulatortest.Must(w.home.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("home-src"), Policy: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/copier"},"Action":["s3:GetObject","s3:GetObjectTagging","s3:ListBucket"],"Resource":["arn:aws:s3:::home-src","arn:aws:s3:::home-src/*"]}]}`)}))(t)
	for key, size := range map[string]int{"data/small.txt": 10, "data/big.bin": 7 << 20} {
		b := make([]byte, size)
		rand.Read(b)
		emulatortest.Must(w.home.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("home-src"), Key: aws.String(key), Body: bytes.NewReader(b),
			Metadata: map[string]string{"origin": "home"}, ContentType: aws.String("text/x-test"), CacheControl: aws.String("max-age=60"),
			Tagging: aws.String("team=blue&class=a%20b")}))(t)
	}
	src := s3.NewFromConfig(w.role)
	c := s3copy.New(src, src, func(o *s3copy.Options) { o.MultipartThreshold, o.PartSize = 6<<20, 5<<20 })
	sum, err := c.Copy(ctx, s3copy.Job{SourceBucket: "home-src", Prefix: "data/", TargetBucket: "target-dst"})
	if err != nil || sum.Copied != 2 {
		t.Fatalf("copy: %+v %v", sum, err)
	}
	tc := s3.NewFromConfig(w.srv.Config("222222222222"))
	for _, key := range []string{"data/small.txt", "data/big.bin"} {
		h, err := tc.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("target-dst"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		if h.Metadata["origin"] != "home" || aws.ToString(h.ContentType) != "text/x-test" || aws.ToString(h.CacheControl) != "max-age=60" {
			t.Errorf("%s: metadata %v, content type %q, cache control %q", key, h.Metadata, aws.ToString(h.ContentType), aws.ToString(h.CacheControl))
		}
		tg, err := tc.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("target-dst"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, tag := range tg.TagSet {
			got[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
		if len(got) != 2 || got["team"] != "blue" || got["class"] != "a b" {
			t.Errorf("%s: tags %v, want team=blue and class=a b", key, got)
		}
	}
	if n := w.srv.Count("s3:UploadPartCopy"); n != 2 {
		t.Errorf("UploadPartCopy calls: got %d, want 2 (the 7 MiB object in 5 MiB parts)", n)
	}
}

// TestCopyVersion: a job with a VersionID copies that version of its key,
// also above the multipart threshold (UploadPartCopy with the version in
// the copy source), even after the key was overwritten and deleted in the
// versioned source.
func TestCopyVersion(t *testing.T) {
	w := newWorld(t, 1, func(int) int { return 100 })
	ctx := context.Background()
	emulatortest.Must(w.home.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("home-src"), VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}))(t)
	emulatortest.Must(w.home.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("home-src"), Policy: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/copier"},"Action":["s3:GetObject","s3:GetObjectVersion","s3:ListBucket"],"Resource":["arn:aws:s3:::home-src","arn:aws:s3:::home-src/*"]}]}`)}))(t)
	emulatortest.Must(iam.NewFromConfig(w.srv.Config("222222222222")).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("copier"), PolicyName: aws.String("versions"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObjectVersion","Resource":"arn:aws:s3:::home-src/*"}]}`)}))(t)
	big := make([]byte, 11<<20)
	rand.Read(big)
	out, err := w.home.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("home-src"), Key: aws.String("data/big"), Body: bytes.NewReader(big)})
	if err != nil {
		t.Fatal(err)
	}
	emulatortest.Must(w.home.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("home-src"), Key: aws.String("data/big"), Body: strings.NewReader("small now")}))(t)
	emulatortest.Must(w.home.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("home-src"), Key: aws.String("data/big")}))(t)
	role := s3.NewFromConfig(w.role)
	c := s3copy.New(role, role, func(o *s3copy.Options) { o.MultipartThreshold, o.PartSize, o.DestPrefix = 6<<20, 5<<20, "old/" })
	sum, err := c.Copy(ctx, s3copy.Job{SourceBucket: "home-src", Prefix: "data/", Key: "data/big", VersionID: aws.ToString(out.VersionId), TargetBucket: "target-dst"})
	if err != nil || sum.Copied != 1 || sum.Bytes != int64(len(big)) {
		t.Fatalf("copy of the first version: %+v %v", sum, err)
	}
	got, err := role.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("target-dst"), Key: aws.String("old/big")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.Body)
	if !bytes.Equal(b, big) {
		t.Errorf("target old/big: %d bytes, want the first version's %d", len(b), len(big))
	}
	if n := w.srv.Count("s3:UploadPartCopy"); n != 3 {
		t.Errorf("UploadPartCopy calls: got %d, want 3", n)
	}
	// A rerun finds the version already there.
	if sum, err := c.Copy(ctx, s3copy.Job{SourceBucket: "home-src", Prefix: "data/", Key: "data/big", VersionID: aws.ToString(out.VersionId), TargetBucket: "target-dst"}); err != nil || sum.Skipped != 1 {
		t.Errorf("rerun: %+v %v", sum, err)
	}
}
