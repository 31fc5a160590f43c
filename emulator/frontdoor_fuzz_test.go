package emulator_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/xacct/xacct/emulator"
	"github.com/xacct/xacct/emulator/awserr"
	"github.com/xacct/xacct/emulator/service"
)

// faultService is a service that fails the way a bug would: it panics.
// The fuzz target registers it as "faulty" to check that an injected fault
// becomes AWS's 500 InternalError, the one 5xx the front door may answer.
type faultService struct{}

func (faultService) ServeAWS(w http.ResponseWriter, r *http.Request, call *service.Call) {
	call.Operation = "Fault"
	panic("injected fault")
}

func (faultService) WriteError(w http.ResponseWriter, r *http.Request, call *service.Call, err *awserr.Error) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(err.StatusCode)
	fmt.Fprintf(w, "<ErrorResponse><Error><Code>%s</Code></Error></ErrorResponse>", err.Code)
}

// frontDoorServices are the signing names a fuzz input may sign for; the
// mode byte picks one (0: unsigned).
var frontDoorServices = []string{"", "s3", "sts", "iam", "logs", "lambda", "monitoring", "sns", "cloudformation", "kms", "faulty", "nosuch"}

// FuzzFrontDoor sends arbitrary requests (method, path, query, headers,
// body) through Emulator.ServeHTTP, unsigned or signed with an account's
// root credentials for one of the services so that they get past
// authentication. Oracle: no panic escapes, and no 5xx except the
// InternalError of the injected fault and S3's 501 NotImplemented for a
// feature the emulator does not model (docs/emulator.md), which is also
// AWS's answer for a header or subresource it does not implement.
//
//	go test -fuzz FuzzFrontDoor -fuzztime 3m ./emulator/
func FuzzFrontDoor(f *testing.F) {
	seeds := []struct {
		method, path, query, headers string
		body                         string
		mode                         uint8
	}{
		{"PUT", "/fuzz-bucket", "", "", "", 1},
		{"PUT", "/fuzz-bucket/k", "", "Content-Type: text/plain\nX-Amz-Meta-A: b", "hello", 1},
		{"PUT", "/fuzz-bucket/c", "", "X-Amz-Copy-Source: /fuzz-bucket/k", "", 1},
		{"PUT", "/fuzz-bucket/k", "", "X-Amz-Copy-Source: /fuzz-bucket/k\nX-Amz-Metadata-Directive: REPLACE", "", 1},
		{"GET", "/fuzz-bucket", "list-type=2&prefix=k&max-keys=1&delimiter=%2F", "", "", 1},
		{"GET", "/fuzz-bucket/k", "", "Range: bytes=1-2", "", 1},
		{"POST", "/fuzz-bucket/m", "uploads", "", "", 1},
		{"PUT", "/fuzz-bucket/m", "partNumber=1&uploadId=x", "", "part", 1},
		{"POST", "/fuzz-bucket", "delete", "Content-Type: application/xml", "<Delete><Object><Key>k</Key></Object></Delete>", 1},
		{"PUT", "/fuzz-bucket", "policy", "", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::fuzz-bucket/*"}]}`, 1},
		{"PUT", "/fuzz-bucket/p", "", "", "presigned", 1 | 0x80},
		{"GET", "/fuzz-bucket/k", "", "", "", 0},
		{"POST", "/", "", "Content-Type: application/x-www-form-urlencoded", "Action=GetCallerIdentity&Version=2011-06-15", 2},
		{"POST", "/", "", "Content-Type: application/x-www-form-urlencoded", "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2Fr&RoleSessionName=s", 2},
		{"POST", "/", "", "Content-Type: application/x-www-form-urlencoded", "Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=%7B%7D", 3},
		{"POST", "/", "", "Content-Type: application/x-amz-json-1.1\nX-Amz-Target: Logs_20140328.CreateLogGroup", `{"logGroupName":"g"}`, 4},
		{"POST", "/", "", "Content-Type: application/x-amz-json-1.1\nX-Amz-Target: Logs_20140328.PutLogEvents", `{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1,"message":"m"}]}`, 4},
		{"GET", "/2015-03-31/functions/", "", "", "", 5},
		{"POST", "/2015-03-31/functions/f/invocations", "", "X-Amz-Invocation-Type: Event", "{}", 5},
		{"POST", "/", "", "Content-Type: application/x-www-form-urlencoded", "Action=ListMetrics&Version=2010-08-01", 6},
		{"POST", "/service/GraniteServiceVersion20100801/operation/ListMetrics", "", "Content-Type: application/cbor\nSmithy-Protocol: rpc-v2-cbor", "\xa0", 6},
		{"POST", "/", "", "Content-Type: application/x-www-form-urlencoded", "Action=CreateTopic&Name=t", 7},
		{"POST", "/", "", "Content-Type: application/x-www-form-urlencoded", "Action=ListStacks&Version=2010-05-15", 8},
		{"POST", "/", "", "", "", 9},
		{"POST", "/", "", "", "", 10},
		{"GET", "/", "", "Authorization: AWS4-HMAC-SHA256 Credential=111111111111/20260101/../s3/aws4_request, SignedHeaders=host, Signature=00", "", 0},
		{"PUT", "/fuzz-bucket/chunked", "", "X-Amz-Content-Sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER\nContent-Encoding: aws-chunked\nX-Amz-Decoded-Content-Length: 5\nX-Amz-Trailer: x-amz-checksum-crc32",
			"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", 1},
		{"PUT", "/fuzz-bucket/unsigned", "", "X-Amz-Content-Sha256: UNSIGNED-PAYLOAD\nContent-MD5: XUFAKrxLKna5cZ2REBfFkg==", "hello", 1},
		{"POST", "/fuzz-bucket/m", "uploadId=x", "", "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"e\"</ETag></Part></CompleteMultipartUpload>", 1},
		{"PUT", "/fuzz-bucket/m", "partNumber=2&uploadId=x", "X-Amz-Copy-Source: fuzz-bucket/k\nX-Amz-Copy-Source-Range: bytes=0-1", "", 1},
		{"GET", "/fuzz-bucket/k", "response-content-type=a&partNumber=1", "If-None-Match: *\nIf-Modified-Since: Mon, 02 Jan 2006 15:04:05 GMT", "", 1},
		{"PUT", "/fuzz-bucket", "ownershipControls", "", "<OwnershipControls><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>", 1},
		{"PUT", "/fuzz-bucket/k", "acl", "X-Amz-Acl: bucket-owner-full-control", "", 1},
		{"GET", "/k", "", "Host: fuzz-bucket.s3.localhost:4566", "", 1},
		{"PUT", "/", "", "Host: vhost-fuzz.localhost", "", 1},
		{"GET", "/fuzz-bucket/k", "", "Host: s3.localhost", "", 1 | 0x80},
		{"POST", "/", "", "Content-Type: application/x-www-form-urlencoded", "Action=PutRolePolicy&Version=2010-05-08&RoleName=r&PolicyName=p&PolicyDocument=%7B%22Version%22%3A%222012-10-17%22%7D", 3},
		{"POST", "/", "", "Content-Type: application/x-www-form-urlencoded", "Action=SimulateCustomPolicy&Version=2010-05-08&PolicyInputList.member.1=%7B%7D&ActionNames.member.1=s3%3AGetObject", 3},
		{"POST", "/", "", "Content-Type: application/x-amz-json-1.1\nX-Amz-Target: Logs_20140328.FilterLogEvents", `{"logGroupName":"g","filterPattern":"{ $.a = 1 }"}`, 4},
		{"POST", "/2015-03-31/functions", "", "Content-Type: application/json", `{"FunctionName":"f","Runtime":"provided.al2023","Role":"arn:aws:iam::111111111111:role/r","Handler":"bootstrap","Code":{"ZipFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}`, 5},
		{"POST", "/", "", "Content-Type: application/x-www-form-urlencoded", "Action=PutMetricData&Version=2010-08-01&Namespace=N&MetricData.member.1.MetricName=M&MetricData.member.1.Value=1", 6},
		{"POST", "/", "", "Content-Type: application/x-www-form-urlencoded", "Action=Publish&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A111111111111%3At&Message=m", 7},
		{"POST", "/", "", "Content-Type: application/x-www-form-urlencoded", "Action=ValidateTemplate&Version=2010-05-15&TemplateBody=Resources%3A%7B%7D", 8},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, s.headers, []byte(s.body), s.mode)
	}
	emu, err := emulator.New()
	if err != nil {
		f.Fatal(err)
	}
	defer emu.Close()
	emu.AddServiceForTest("faulty", faultService{})
	creds := rootCreds
	f.Fuzz(func(t *testing.T, method, path, query, headers string, body []byte, mode uint8) {
		r := frontDoorRequest(method, path, query, headers, body)
		if r == nil {
			return // net/http would not deliver it
		}
		svc := frontDoorServices[int(mode&0x7f)%len(frontDoorServices)]
		if svc != "" {
			hash := sha256Hex(body)
			if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && svc == "s3" {
				hash = h // UNSIGNED-PAYLOAD, a streaming mode, or a wrong hash
			}
			signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = svc == "s3" })
			if mode&0x80 != 0 {
				u, hdr, err := signer.PresignHTTP(context.Background(), creds, r, "UNSIGNED-PAYLOAD", svc, "us-east-1", time.Now())
				if err != nil {
					return
				}
				pu, err := url.Parse(u)
				if err != nil {
					return
				}
				r = frontDoorRequest(method, pu.RequestURI(), "", headers, body)
				if r == nil {
					return
				}
				for k, v := range hdr {
					r.Header[k] = v
				}
			} else {
				if svc == "s3" {
					r.Header.Set("X-Amz-Content-Sha256", hash)
				}
				if err := signer.SignHTTP(context.Background(), creds, r, hash, svc, "us-east-1", time.Now()); err != nil {
					return
				}
			}
		}
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, r)
		if rec.Code < 500 {
			return
		}
		var e struct {
			Code  string
			Error struct{ Code string }
		}
		xml.Unmarshal(rec.Body.Bytes(), &e)
		code := e.Code + e.Error.Code
		switch {
		case svc == "faulty" && rec.Code == 500 && code == "InternalError":
		case rec.Code == 501 && code == "NotImplemented":
		default:
			t.Fatalf("%s %s?%s signed for %q: %d %s", method, path, query, svc, rec.Code, rec.Body.Bytes())
		}
	})
}

// frontDoorRequest builds the request a client would send and net/http
// would hand to the handler, or nil when net/http would refuse it.
func frontDoorRequest(method, path, query, headers string, body []byte) *http.Request {
	var raw bytes.Buffer
	target := path
	if query != "" {
		target += "?" + query
	}
	host := "127.0.0.1:4566"
	var hdr strings.Builder
	for _, line := range strings.Split(headers, "\n") {
		if line = strings.TrimRight(line, "\r"); line != "" {
			k, v, _ := strings.Cut(line, ":")
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "host": // virtual-host-style addressing
				host = strings.TrimSpace(v)
			case "content-length", "transfer-encoding":
			default:
				hdr.WriteString(line + "\r\n")
			}
		}
	}
	fmt.Fprintf(&raw, "%s %s HTTP/1.1\r\nHost: %s\r\n%s", method, target, host, hdr.String())
	raw.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	raw.Write(body)
	r, err := http.ReadRequest(bufio.NewReader(&raw))
	if err != nil || !strings.HasPrefix(r.URL.Path, "/") || r.URL.Host != "" {
		return nil
	}
	r.RemoteAddr = "127.0.0.1:50000"
	r.URL.Scheme, r.URL.Host = "http", r.Host
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
	return r
}
