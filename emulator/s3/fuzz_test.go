package s3

import (
	"encoding/xml"
	"net/http"
	"testing"

	"github.com/xacct/xacct/emulator/service"
)

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-9", "bytes=-5", "bytes=10-", "bytes=5-1", "bytes=0-1,3-4", "bytes=99999999999999999999-", "bytes=-0", "items=0-1"} {
		f.Add(s, int64(100))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			return
		}
		st, en, ok, err := parseRange(h, size)
		if ok && err == nil && (st < 0 || en < st || en >= size) {
			t.Fatalf("range %q over %d gave %d-%d", h, size, st, en)
		}
	})
}

func FuzzCopySource(f *testing.F) {
	for _, s := range []string{"bucket/key", "/bucket/a%20b?versionId=1", "bucket", "%zz", "/", "b/%2F%2F"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		b, k, _, err := copySource(h)
		if err == nil && (b == "" || k == "") {
			t.Fatalf("%q: empty bucket or key without error", h)
		}
		copyRange(h, 100)
	})
}

func FuzzXMLBodies(f *testing.F) {
	f.Add(`<Delete><Quiet>true</Quiet><Object><Key>a</Key></Object></Delete>`)
	f.Add(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>`)
	f.Add(`<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`)
	f.Add(`<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>`)
	f.Fuzz(func(t *testing.T, body string) {
		var d deleteRequest
		xml.Unmarshal([]byte(body), &d)
		var c completeMultipartUpload
		xml.Unmarshal([]byte(body), &c)
		var o ownershipControls
		xml.Unmarshal([]byte(body), &o)
		var cb createBucketConfiguration
		xml.Unmarshal([]byte(body), &cb)
	})
}

func FuzzRoute(f *testing.F) {
	f.Add("GET", "bucket.s3.amazonaws.com", "/key?partNumber=1", "")
	f.Add("PUT", "127.0.0.1:4566", "/bucket/key?uploadId=x&partNumber=2", "src/key")
	f.Add("POST", "localhost", "/bucket?delete", "")
	f.Add("DELETE", "b.s3.eu-west-1.amazonaws.com", "/?policy", "")
	s, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, host, target, copySrc string) {
		r, err := http.NewRequest(method, "http://x"+target, nil)
		if err != nil {
			return
		}
		r.Host = host
		if copySrc != "" {
			r.Header.Set("X-Amz-Copy-Source", copySrc)
		}
		s.bucketFromHost(host)
		q := &request{r: r, q: r.URL.Query(), call: &callStub}
		q.bucket, q.key = "b", ""
		s.route(q)
		q.key = "k"
		s.route(q)
	})
}

var callStub = service.Call{}
