package emulator_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/aws/smithy-go/middleware"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulator/sigv4"
	"github.com/xacct/xacct/emulatortest"
)

// rootCreds are the root credentials of the home account.
var rootCreds = aws.Credentials{AccessKeyID: home, SecretAccessKey: emulator.RootSecret}

// signOnly signs r by hand with exactly the headers named in signed (lower
// case), which the SDK signers never allow: they always sign host and
// every x-amz-* header present. Paths and queries must need no escaping.
func signOnly(r *http.Request, c aws.Credentials, service, region string, signed []string, payloadHash string, at time.Time) {
	date := at.UTC().Format("20060102T150405Z")
	r.Header.Set("X-Amz-Date", date)
	sort.Strings(signed)
	var canon strings.Builder
	canon.WriteString(r.Method + "\n" + r.URL.EscapedPath() + "\n")
	q := strings.Split(r.URL.RawQuery, "&")
	sort.Strings(q)
	canon.WriteString(strings.Trim(strings.Join(q, "&"), "&") + "\n")
	for _, h := range signed {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		canon.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
	}
	canon.WriteString("\n" + strings.Join(signed, ";") + "\n" + payloadHash)
	scope := sigv4.Scope{AccessKeyID: c.AccessKeyID, Date: date[:8], Region: region, Service: service}
	sts := "AWS4-HMAC-SHA256\n" + date + "\n" + scope.String() + "\n" + sha256Hex([]byte(canon.String()))
	m := hmac.New(sha256.New, sigv4.SigningKey(c.SecretAccessKey, scope))
	m.Write([]byte(sts))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+c.AccessKeyID+"/"+scope.String()+
		", SignedHeaders="+strings.Join(signed, ";")+", Signature="+hex.EncodeToString(m.Sum(nil)))
}

// signSDK signs r, whose body is body, with aws-sdk-go-v2's signer as the
// root user of home, as an SDK client does.
func signSDK(t *testing.T, r *http.Request, body []byte, service, region string) {
	t.Helper()
	signPayload(t, r, sha256Hex(body), service, region)
}

// signPayload signs r with aws-sdk-go-v2's signer as the root user of home
// for the payload hash given: a body's SHA-256, UNSIGNED-PAYLOAD or a
// streaming mode (S3 requests carry it in X-Amz-Content-Sha256).
func signPayload(t *testing.T, r *http.Request, hash, service, region string) {
	t.Helper()
	if service == "s3" {
		r.Header.Set("X-Amz-Content-Sha256", hash)
	}
	err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" }).
		SignHTTP(context.Background(), rootCreds, r, hash, service, region, time.Now())
	if err != nil {
		t.Fatal(err)
	}
}

// s3ErrorBody is an S3 error with the element HeadersNotSigned adds.
type s3ErrorBody struct {
	Code             string
	Message          string
	HeadersNotSigned string
	Region           string
}

func do(t *testing.T, r *http.Request) (int, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// addAfterSigning returns an S3 option that sets headers on the wire after
// the SDK has signed the request, as a proxy or an attacker in the middle
// would.
func addAfterSigning(h map[string]string) func(*s3.Options) {
	return func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("addUnsigned",
				func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
					if req, ok := in.Request.(*smithyhttp.Request); ok {
						for k, v := range h {
							req.Header.Set(k, v)
						}
					}
					return next.HandleFinalize(ctx, in)
				}), middleware.After)
		})
	}
}

// TestS3UnsignedAmzHeaders: S3 refuses a request carrying an x-amz-*
// header its signature does not cover, header-signed or presigned, with
// 403 AccessDenied and the headers listed in <HeadersNotSigned>. Amazon S3
// API Reference, "Authenticating Requests: Using the Authorization Header
// (AWS Signature Version 4)": "Any x-amz-* headers that you plan to include
// in your request must also be added" to the signed headers.
func TestS3UnsignedAmzHeaders(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	c := s3For(srv.Config(home))
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sig-bucket")}); err != nil {
		t.Fatal(err)
	}
	putString(t, c, "sig-bucket", "secret", "the source")

	// An unsigned x-amz-copy-source turns a signed PUT into a copy.
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sig-bucket"), Key: aws.String("dst"), Body: strings.NewReader("plain")},
		addAfterSigning(map[string]string{"X-Amz-Copy-Source": "/sig-bucket/secret"}))
	if apiCode(err) != "AccessDenied" {
		t.Errorf("PUT with unsigned x-amz-copy-source: got %v, want AccessDenied", err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("sig-bucket"), Key: aws.String("dst")}); apiCode(err) != "NotFound" {
		t.Errorf("object written by the refused request: HeadObject got %v, want NotFound", err)
	}
	// An unsigned x-amz-meta-* is refused, not stored.
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sig-bucket"), Key: aws.String("meta"), Body: strings.NewReader("x")},
		addAfterSigning(map[string]string{"X-Amz-Meta-Injected": "1"}))
	if apiCode(err) != "AccessDenied" {
		t.Errorf("PUT with unsigned x-amz-meta-injected: got %v, want AccessDenied", err)
	}

	// The body names the headers, lower case, comma-separated.
	body := []byte("plain")
	r, _ := http.NewRequest("PUT", srv.URL+"/sig-bucket/raw", bytes.NewReader(body))
	signSDK(t, r, body, "s3", "us-east-1")
	r.Header.Set("X-Amz-Meta-B", "1")
	r.Header.Set("X-Amz-Copy-Source", "/sig-bucket/secret")
	status, b := do(t, r)
	var e s3ErrorBody
	xml.Unmarshal(b, &e)
	if status != 403 || e.Code != "AccessDenied" || e.Message != "There were headers present in the request which were not signed" ||
		e.HeadersNotSigned != "x-amz-copy-source, x-amz-meta-b" {
		t.Errorf("raw PUT with two unsigned headers: got %d %s", status, b)
	}

	// Presigned: the URL's signed headers are all there is.
	ps := s3.NewPresignClient(c)
	put, err := ps.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sig-bucket"), Key: aws.String("pre")})
	if err != nil {
		t.Fatal(err)
	}
	r, _ = http.NewRequest("PUT", put.URL, strings.NewReader("x"))
	r.Header.Set("X-Amz-Meta-Sneaky", "1")
	status, b = do(t, r)
	e = s3ErrorBody{}
	xml.Unmarshal(b, &e)
	if status != 403 || e.Code != "AccessDenied" || e.HeadersNotSigned != "x-amz-meta-sneaky" {
		t.Errorf("presigned PUT with unsigned x-amz-meta-sneaky: got %d %s", status, b)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("sig-bucket"), Key: aws.String("pre")}); apiCode(err) != "NotFound" {
		t.Errorf("object written by the refused presigned PUT: HeadObject got %v, want NotFound", err)
	}

	// x-amz-content-sha256 is the canonical request's payload line, so it
	// is covered even when not listed.
	r, _ = http.NewRequest("PUT", srv.URL+"/sig-bucket/nolist", bytes.NewReader(body))
	r.Header.Set("X-Amz-Content-Sha256", sha256Hex(body))
	signOnly(r, rootCreds, "s3", "us-east-1", []string{"host", "x-amz-date"}, sha256Hex(body), time.Now())
	if status, b := do(t, r); status != 200 {
		t.Errorf("PUT with x-amz-content-sha256 unlisted: got %d %s, want 200", status, b)
	}
}

// TestHostMustBeSigned: a signature that leaves out the host header is
// refused by every service. AWS General Reference, "Create a signed AWS
// API request": the host header is required among the signed headers.
// S3 lists host in <HeadersNotSigned>; the query and JSON services answer
// IncompleteSignature.
func TestHostMustBeSigned(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	if _, err := s3For(srv.Config(home)).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("host-bucket")}); err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest("GET", srv.URL+"/host-bucket", nil)
	r.Header.Set("X-Amz-Content-Sha256", sha256Hex(nil))
	signOnly(r, rootCreds, "s3", "us-east-1", []string{"x-amz-content-sha256", "x-amz-date"}, sha256Hex(nil), time.Now())
	status, b := do(t, r)
	var e s3ErrorBody
	xml.Unmarshal(b, &e)
	if status != 403 || e.Code != "AccessDenied" || e.HeadersNotSigned != "host" {
		t.Errorf("S3 without host signed: got %d %s", status, b)
	}

	form := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	r, _ = http.NewRequest("POST", srv.URL+"/", bytes.NewReader(form))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	signOnly(r, rootCreds, "sts", "us-east-1", []string{"content-type", "x-amz-date"}, sha256Hex(form), time.Now())
	if status, b := do(t, r); status != 400 || !strings.Contains(string(b), "<Code>IncompleteSignature</Code>") ||
		!strings.Contains(string(b), "must be a &#39;SignedHeader&#39;") {
		t.Errorf("STS without host signed: got %d %s", status, b)
	}
}

// TestUnsignedAmzHeaderIgnoredOutsideS3: the query and JSON services do
// not document S3's rule (and accept an unsigned X-Amz-Security-Token), so
// the emulator accepts the request but drops the unsigned x-amz-* header:
// an X-Amz-Target added in transit cannot turn a signed DescribeLogGroups
// into a DeleteLogGroup.
func TestUnsignedAmzHeaderIgnoredOutsideS3(t *testing.T) {
	srv := emulatortest.New(t)
	ctx := context.Background()
	logs := cloudwatchlogs.NewFromConfig(srv.Config(home))
	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("keep")}); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"logGroupName":"keep"}`)
	r, _ := http.NewRequest("POST", srv.URL+"/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "Logs_20140328.DeleteLogGroup")
	signOnly(r, rootCreds, "logs", "us-east-1", []string{"content-type", "host", "x-amz-date"}, sha256Hex(body), time.Now())
	status, b := do(t, r)
	if status == 200 {
		t.Errorf("request with an unsigned X-Amz-Target was served: %d %s", status, b)
	}
	out, err := logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	if err != nil || len(out.LogGroups) != 1 {
		t.Errorf("log group deleted by an unsigned X-Amz-Target: %+v %v", out, err)
	}
}

// TestRegionMustLookLikeARegion: the credential scope's region is checked
// at the front door. S3 answers AuthorizationHeaderMalformed "the region
// 'X' is wrong; expecting 'Y'" (Amazon S3 API Reference, "Error
// responses"); the other services refuse a credential not scoped to a
// valid region. Before, Logs stored a group under DATA/logs/ACCOUNT/REGION
// with the raw region, so ".." reached another directory.
func TestRegionMustLookLikeARegion(t *testing.T) {
	dir := t.TempDir()
	srv := emulatortest.New(t, emulator.WithDataDir(dir))
	for _, region := range []string{"..", ".", "US-EAST-1", "us_east_1", "us-east-1\\..", "local", "<x>"} {
		body := []byte(`{"logGroupName":"g"}`)
		r, _ := http.NewRequest("POST", srv.URL+"/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", "Logs_20140328.CreateLogGroup")
		signSDK(t, r, body, "logs", region)
		if status, b := do(t, r); status != 403 || !strings.Contains(string(b), "InvalidSignatureException") ||
			!strings.Contains(string(b), "Credential should be scoped to a valid region") {
			t.Errorf("logs, region %q: got %d %s", region, status, b)
		}

		r, _ = http.NewRequest("GET", srv.URL+"/", nil)
		signSDK(t, r, nil, "s3", region)
		status, b := do(t, r)
		var e s3ErrorBody
		xml.Unmarshal(b, &e)
		if status != 400 || e.Code != "AuthorizationHeaderMalformed" || e.Region != "us-east-1" ||
			e.Message != "The authorization header is malformed; the region '"+region+"' is wrong; expecting 'us-east-1'" {
			t.Errorf("s3, region %q: got %d %s", region, status, b)
		}

		form := []byte("Action=GetCallerIdentity&Version=2011-06-15")
		r, _ = http.NewRequest("POST", srv.URL+"/", bytes.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		signSDK(t, r, form, "sts", region)
		if status, b := do(t, r); status != 403 || !strings.Contains(string(b), "<Code>SignatureDoesNotMatch</Code>") {
			t.Errorf("sts, region %q: got %d %s", region, status, b)
		}
	}
	// Presigned S3 URLs get the query-parameter flavour of the error.
	r, _ := http.NewRequest("GET", srv.URL+"/b/k", nil)
	u, _, err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).
		PresignHTTP(context.Background(), rootCreds, r, "UNSIGNED-PAYLOAD", "s3", "..", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r, _ = http.NewRequest("GET", u, nil)
	status, b := do(t, r)
	var e s3ErrorBody
	xml.Unmarshal(b, &e)
	if status != 400 || e.Code != "AuthorizationQueryParametersError" || e.Region != "us-east-1" {
		t.Errorf("presigned s3, region \"..\": got %d %s", status, b)
	}
	// Real regions still work, and nothing was written outside the data
	// directory's account folders.
	for _, region := range []string{"us-east-1", "eu-west-1", "us-gov-west-1", "ap-southeast-4"} {
		cfg := srv.Config(home)
		cfg.Region = region
		if _, err := cloudwatchlogs.NewFromConfig(cfg).CreateLogGroup(context.Background(), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("g")}); err != nil {
			t.Errorf("region %s: %v", region, err)
		}
	}
}

// TestUnknownServiceEscaped: the service name comes from the request and
// is escaped in the XML error body.
func TestUnknownServiceEscaped(t *testing.T) {
	srv := emulatortest.New(t)
	name := `x<y>&"z"`
	r, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader(""))
	signSDK(t, r, nil, name, "us-east-1")
	status, b := do(t, r)
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := xml.Unmarshal(b, &e); err != nil {
		t.Fatalf("error body is not XML: %v\n%s", err, b)
	}
	if status != 400 || e.Error.Code != "UnknownService" || !strings.Contains(e.Error.Message, `x<y>&\"z\"`) {
		t.Errorf("unknown service: got %d %+v", status, e)
	}
}

// TestMalformedScopeAnsweredByItsService: a credential scope with a "/" in
// its region has too many parts to parse; the error still comes in the
// format of the service the scope names, as that service's endpoint would
// answer (S3: AuthorizationHeaderMalformed; Logs: the JSON
// IncompleteSignatureException), not as an unknown service.
func TestMalformedScopeAnsweredByItsService(t *testing.T) {
	srv := emulatortest.New(t)
	r, _ := http.NewRequest("GET", srv.URL+"/", nil)
	signSDK(t, r, nil, "s3", "../222222222222/us-east-1")
	status, b := do(t, r)
	var e s3ErrorBody
	xml.Unmarshal(b, &e)
	if status != 400 || e.Code != "AuthorizationHeaderMalformed" {
		t.Errorf("s3: got %d %s", status, b)
	}

	body := []byte(`{"logGroupName":"g"}`)
	r, _ = http.NewRequest("POST", srv.URL+"/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "Logs_20140328.CreateLogGroup")
	signSDK(t, r, body, "logs", "a/b")
	if status, b := do(t, r); status != 400 || !strings.Contains(string(b), `"IncompleteSignatureException"`) {
		t.Errorf("logs: got %d %s", status, b)
	}
}

// TestFormEncodedS3Requests: urllib and curl --data send a PUT body as
// application/x-www-form-urlencoded. Unsigned, or presigned with Signature
// Version 2 (what boto3's generate_presigned_url makes unless told
// signature_version='s3v4'), such a request is S3's: S3 answers it as S3
// does (SigV2 refused with InvalidRequest, an anonymous write denied), not
// as a request for an unknown service. An unsigned form POSTed to "/" stays
// a query API call.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingAWSSDK.html#UsingAWSSDK-sig2-deprecation
func TestFormEncodedS3Requests(t *testing.T) {
	srv := emulatortest.New(t)
	s3c := s3.NewFromConfig(srv.Config(home), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("form-bkt")}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, method, path, code string
		status                   int
	}{
		{"sigv2 presigned put", "PUT", "/form-bkt/k?AWSAccessKeyId=" + home + "&Signature=abc%3D&Expires=1896529220", "InvalidRequest", 400},
		{"anonymous put", "PUT", "/form-bkt/k", "AccessDenied", 403},
		{"query call", "POST", "/", "UnknownService", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader("hello"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			status, b := do(t, r)
			if status != c.status || !strings.Contains(string(b), "<Code>"+c.code+"</Code>") {
				t.Errorf("got %d %s, want %d %s", status, b, c.status, c.code)
			}
		})
	}
}
