package emulatortest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestDetachRequestBodies: with smithy-go closing the request body when the
// response headers arrive, about one call in thirty reading a ~50 KB
// response failed with "use of closed network connection" against a server
// that writes canned bytes. Through DetachRequestBodies none fails.
func TestDetachRequestBodies(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<ListRolesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListRolesResult><IsTruncated>false</IsTruncated><Roles>`)
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, `<member><Path>/</Path><RoleName>r%03d</RoleName><RoleId>AROA%016d</RoleId><Arn>arn:aws:iam::111111111111:role/r%03d</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate><AssumeRolePolicyDocument>%s</AssumeRolePolicyDocument></member>`, i, i, i, strings.Repeat("x", 400))
	}
	b.WriteString(`</Roles></ListRolesResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListRolesResponse>`)
	body := b.String()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, body)
	}))
	defer srv.Close()
	c := iam.NewFromConfig(aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
		BaseEndpoint:     aws.String(srv.URL),
		HTTPClient:       &http.Client{Transport: DetachRequestBodies(srv.Client().Transport)},
		RetryMaxAttempts: 1,
	})
	for i := 0; i < 600; i++ {
		out, err := c.ListRoles(context.Background(), &iam.ListRolesInput{})
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if len(out.Roles) != 100 {
			t.Fatalf("call %d: got %d roles, want 100", i, len(out.Roles))
		}
	}
}
