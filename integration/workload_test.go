package integration

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// The durability tests drive a mixed write load across S3, IAM, STS, Logs,
// CloudWatch and SNS through aws-sdk-go-v2, remember which writes were
// acknowledged and which were refused, and check after a restart that
// every acknowledged write is there and no refused one is.

const (
	wlAccount   = "111111111111"
	wlBucket    = "durability"
	wlGroup     = "/durability"
	wlStream    = "load"
	wlNamespace = "Durability"
	wlUser      = "assumer"
	wlRole      = "durable-role"
	wlFnRole    = "durable-function-role"
)

// opKinds are the writes of the mixed load.
var opKinds = []string{"s3", "iam", "sts", "logs", "cloudwatch", "sns"}

// op is one write of the load.
type op struct {
	kind  string
	id    int
	data  []byte          // S3 body, log message
	creds aws.Credentials // STS: the session issued
}

func (o op) name() string { return fmt.Sprintf("%s-%05d", o.kind, o.id) }

// workload issues writes and records their outcome.
type workload struct {
	url   string
	user  aws.Credentials // the IAM user that assumes wlRole
	mu    sync.Mutex
	next  int
	acked map[string]op // by name
	// refused are writes the server answered with an error: they must
	// never show up. Writes without an answer (the server was killed)
	// are in neither map.
	refused map[string]op
	// tried is every write issued, so what a crash left half done can be
	// told from what is whole.
	tried map[string]op
}

func awsConfig(url string, creds aws.Credentials) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.StaticCredentialsProvider{Value: creds},
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: 1,
		HTTPClient:       wlHTTPClient,
	}
}

// wlHTTPClient is the SDK's own HTTP client.
var wlHTTPClient = awshttp.NewBuildableClient()

// readConfig is awsConfig for reads, which may be retried: aws-sdk-go-v2
// sometimes fails reading a response of tens of KB over loopback with "use
// of closed network connection" (see TestIAMListPaging).
func readConfig(url string, creds aws.Credentials) aws.Config {
	cfg := awsConfig(url, creds)
	cfg.RetryMaxAttempts = 5
	return cfg
}

func rootCreds() aws.Credentials {
	return aws.Credentials{AccessKeyID: wlAccount, SecretAccessKey: "test"}
}

// newWorkload creates the bucket, log stream, user and role the load
// writes to.
func newWorkload(ctx context.Context, t testing.TB, url string) *workload {
	t.Helper()
	cfg := awsConfig(url, rootCreds())
	if _, err := s3.NewFromConfig(cfg, pathStyle).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(wlBucket)}); err != nil {
		t.Fatal(err)
	}
	lc := cloudwatchlogs.NewFromConfig(cfg)
	if _, err := lc.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(wlGroup)}); err != nil {
		t.Fatal(err)
	}
	if _, err := lc.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(wlGroup), LogStreamName: aws.String(wlStream)}); err != nil {
		t.Fatal(err)
	}
	ic := iam.NewFromConfig(cfg)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(wlRole), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(wlUser)}); err != nil {
		t.Fatal(err)
	}
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`
	if _, err := ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(wlUser), PolicyName: aws.String("assume"), PolicyDocument: aws.String(allow)}); err != nil {
		t.Fatal(err)
	}
	lambdaTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(wlFnRole), AssumeRolePolicyDocument: aws.String(lambdaTrust)}); err != nil {
		t.Fatal(err)
	}
	key, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(wlUser)})
	if err != nil {
		t.Fatal(err)
	}
	return &workload{
		url:     url,
		user:    aws.Credentials{AccessKeyID: *key.AccessKey.AccessKeyId, SecretAccessKey: *key.AccessKey.SecretAccessKey},
		acked:   map[string]op{},
		refused: map[string]op{},
		tried:   map[string]op{},
	}
}

func pathStyle(o *s3.Options) { o.UsePathStyle = true }

// do issues one write of kind, sized by rnd, and records its outcome. It
// returns the error the client saw.
func (w *workload) do(ctx context.Context, kind string, rnd *rand.Rand, maxSize int) error {
	w.mu.Lock()
	w.next++
	o := op{kind: kind, id: w.next}
	w.mu.Unlock()
	cfg := awsConfig(w.url, rootCreds())
	var err error
	switch kind {
	case "s3":
		// Up to three times maxSize, so both of S3's stores are used:
		// bodies of up to 64 KiB go into its journal, larger ones into
		// blob files of their own.
		o.data = randomBytes(rnd, 1+rnd.IntN(3*maxSize))
		w.try(o)
		_, err = s3.NewFromConfig(cfg, pathStyle).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(wlBucket), Key: aws.String(o.name()), Body: bytes.NewReader(o.data)})
	case "iam":
		_, err = iam.NewFromConfig(cfg).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(o.name())})
	case "sts":
		var out *sts.AssumeRoleOutput
		out, err = sts.NewFromConfig(awsConfig(w.url, w.user)).AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn: aws.String("arn:aws:iam::111111111111:role/" + wlRole), RoleSessionName: aws.String(o.name())})
		if err == nil {
			c := out.Credentials
			o.creds = aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}
		}
	case "logs":
		// '<' is what encoding/json escapes six-fold.
		o.data = []byte(o.name() + " " + strings.Repeat("<", rnd.IntN(maxSize)))
		w.try(o)
		_, err = cloudwatchlogs.NewFromConfig(cfg).PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{
			LogGroupName: aws.String(wlGroup), LogStreamName: aws.String(wlStream),
			LogEvents: []cwltypes.InputLogEvent{{Message: aws.String(string(o.data)), Timestamp: aws.Int64(time.Now().UnixMilli())}}})
	case "cloudwatch":
		// Up to 150 values a datum (PutMetricData API reference), so the
		// record is large enough to be cut short by a full disk.
		values := make([]float64, 1+rnd.IntN(150))
		for i := range values {
			values[i] = rnd.Float64() * 1e6
		}
		_, err = cloudwatch.NewFromConfig(cfg).PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String(wlNamespace),
			MetricData: []cwtypes.MetricDatum{{MetricName: aws.String(o.name()), Values: values}}})
	case "sns":
		_, err = sns.NewFromConfig(cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(o.name())})
	case "cloudformation":
		_, err = cloudformation.NewFromConfig(cfg).CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
			StackName: aws.String(o.name()), ChangeSetName: aws.String("cs"), ChangeSetType: cfntypes.ChangeSetTypeCreate,
			TemplateBody: aws.String(`{"Resources":{"Topic":{"Type":"AWS::SNS::Topic"}}}`)})
	case "lambda":
		_, err = lambda.NewFromConfig(cfg).CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String(o.name()), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
			Role: aws.String("arn:aws:iam::111111111111:role/" + wlFnRole),
			Code: &lambdatypes.FunctionCode{ZipFile: functionZip(rnd, maxSize)}})
	default:
		panic(kind)
	}
	w.record(o, err)
	return err
}

// record notes o as tried (before it is sent) or, with its outcome, as
// acknowledged or refused.
func (w *workload) record(o op, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case err == nil:
		w.acked[o.name()] = o
	case httpStatus(err) != 0:
		w.refused[o.name()] = o
	}
}

func (w *workload) try(o op) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.tried[o.name()] = o
}

// functionZip is a deployment package of random size (its bootstrap is
// never run).
func functionZip(rnd *rand.Rand, maxSize int) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	f, _ := zw.CreateHeader(&zip.FileHeader{Name: "bootstrap", Method: zip.Store})
	f.Write([]byte("#!/bin/sh\n"))
	f.Write(randomBytes(rnd, rnd.IntN(maxSize)))
	zw.Close()
	return b.Bytes()
}

func randomBytes(rnd *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rnd.Uint32())
	}
	return b
}

// httpStatus is the status of the server's answer in err, 0 if there was
// none.
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// checkInternalError fails t unless err is the AWS-format 500 a service
// answers when it could not store a write.
func checkInternalError(t testing.TB, kind string, err error) {
	t.Helper()
	var ae smithy.APIError
	if httpStatus(err) != http.StatusInternalServerError || !errors.As(err, &ae) || ae.ErrorCode() != "InternalError" {
		t.Errorf("%s: a failed write answered %v, want a 500 InternalError", kind, err)
	}
}

// state is what the server holds of the load's writes.
type state struct {
	objects, users, metrics, topics, messages, functions, stacks map[string]bool
}

// read lists everything the load could have written.
func (w *workload) read(ctx context.Context, t testing.TB, url string) state {
	t.Helper()
	cfg := readConfig(url, rootCreds())
	st := state{objects: map[string]bool{}, users: map[string]bool{}, metrics: map[string]bool{}, topics: map[string]bool{}, messages: map[string]bool{}, functions: map[string]bool{}, stacks: map[string]bool{}}
	for p := s3.NewListObjectsV2Paginator(s3.NewFromConfig(cfg, pathStyle), &s3.ListObjectsV2Input{Bucket: aws.String(wlBucket)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			st.objects[*o.Key] = true
		}
	}
	// Users and functions by name: the load knows every name it tried.
	ic := iam.NewFromConfig(cfg)
	fc := lambda.NewFromConfig(cfg)
	cfc := cloudformation.NewFromConfig(cfg)
	w.mu.Lock()
	var names []op
	for _, m := range []map[string]op{w.acked, w.refused} {
		for _, o := range m {
			if o.kind == "iam" || o.kind == "lambda" || o.kind == "cloudformation" {
				names = append(names, o)
			}
		}
	}
	w.mu.Unlock()
	for _, o := range names {
		var err error
		var found map[string]bool
		switch o.kind {
		case "iam":
			_, err = ic.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(o.name())})
			found = st.users
		case "lambda":
			_, err = fc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(o.name())})
			found = st.functions
		case "cloudformation":
			_, err = cfc.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(o.name())})
			found = st.stacks
		}
		var nf *iamtypes.NoSuchEntityException
		var fnf *lambdatypes.ResourceNotFoundException
		var ae smithy.APIError
		switch {
		case err == nil:
			found[o.name()] = true
		case errors.As(err, &nf), errors.As(err, &fnf):
		case errors.As(err, &ae) && o.kind == "cloudformation" && strings.HasSuffix(ae.ErrorMessage(), "does not exist"):
		default:
			t.Fatalf("reading %s: %v", o.name(), err)
		}
	}
	for p := cloudwatch.NewListMetricsPaginator(cloudwatch.NewFromConfig(cfg), &cloudwatch.ListMetricsInput{Namespace: aws.String(wlNamespace)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Metrics {
			st.metrics[*m.MetricName] = true
		}
	}
	for p := sns.NewListTopicsPaginator(sns.NewFromConfig(cfg), &sns.ListTopicsInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, tp := range out.Topics {
			arn := *tp.TopicArn
			st.topics[arn[strings.LastIndex(arn, ":")+1:]] = true
		}
	}
	lc := cloudwatchlogs.NewFromConfig(cfg)
	in := &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String(wlGroup), LogStreamName: aws.String(wlStream), StartFromHead: aws.Bool(true)}
	for {
		out, err := lc.GetLogEvents(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Events {
			st.messages[*e.Message] = true
		}
		if len(out.Events) == 0 || out.NextForwardToken == nil || (in.NextToken != nil && *in.NextToken == *out.NextForwardToken) {
			break
		}
		in.NextToken = out.NextForwardToken
	}
	return st
}

// verify checks that the server at url holds every acknowledged write and
// no refused one.
func (w *workload) verify(ctx context.Context, t testing.TB, url string) {
	t.Helper()
	st := w.read(ctx, t, url)
	w.mu.Lock()
	defer w.mu.Unlock()
	has := func(o op) bool {
		switch o.kind {
		case "s3":
			return st.objects[o.name()]
		case "iam":
			return st.users[o.name()]
		case "logs":
			return st.messages[string(o.data)]
		case "cloudwatch":
			return st.metrics[o.name()]
		case "sns":
			return st.topics[o.name()]
		case "lambda":
			return st.functions[o.name()]
		case "cloudformation":
			return st.stacks[o.name()]
		}
		return false
	}
	bad := 0
	for _, o := range w.acked {
		if o.kind == "sts" {
			continue
		}
		if !has(o) && bad < 10 {
			bad++
			t.Errorf("acknowledged %s is missing", o.name())
		}
	}
	for _, o := range w.refused {
		if has(o) && bad < 10 {
			bad++
			t.Errorf("refused %s is there", o.name())
		}
	}
	// What a crash cut short is wholly there or not at all.
	for m := range st.messages {
		if o, ok := w.tried[strings.SplitN(m, " ", 2)[0]]; !ok || string(o.data) != m {
			t.Errorf("log message %.40q… is not one that was written", m)
		}
	}
	s3c := s3.NewFromConfig(readConfig(url, rootCreds()), pathStyle)
	for key := range st.objects {
		o, ok := w.tried[key]
		if _, acked := w.acked[key]; acked || !ok {
			continue
		}
		out, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(wlBucket), Key: aws.String(key)})
		if err != nil {
			t.Errorf("GetObject %s: %v", key, err)
			continue
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || !bytes.Equal(got, o.data) {
			t.Errorf("unacknowledged object %s is half there: %d of %d bytes", key, len(got), len(o.data))
		}
	}
	// Objects: every acknowledged body reads back whole.
	for _, o := range w.acked {
		switch o.kind {
		case "s3":
			out, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(wlBucket), Key: aws.String(o.name())})
			if err != nil {
				t.Errorf("GetObject %s: %v", o.name(), err)
				continue
			}
			got, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil || !bytes.Equal(got, o.data) {
				t.Errorf("object %s: %d bytes read back (%v), want the %d acknowledged", o.name(), len(got), err, len(o.data))
			}
		case "sts":
			// The session's credentials still work.
			out, err := sts.NewFromConfig(readConfig(url, o.creds)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil || !strings.HasSuffix(*out.Arn, "/"+o.name()) {
				t.Errorf("session %s: GetCallerIdentity: %v", o.name(), err)
			}
		}
	}
}

// counts returns how many writes of each kind were acknowledged and
// refused.
func (w *workload) counts() (acked, refused map[string]int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	acked, refused = map[string]int{}, map[string]int{}
	for _, o := range w.acked {
		acked[o.kind]++
	}
	for _, o := range w.refused {
		refused[o.kind]++
	}
	return acked, refused
}
