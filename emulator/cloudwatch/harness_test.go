package cloudwatch

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/xacct/xacct/emulator/internal/servicetest"
	"github.com/xacct/xacct/emulator/service"
)

// testServer starts svc behind the test harness.
func testServer(t *testing.T, svc service.Handler, authz service.Authorizer, now func() time.Time) (*httptest.Server, *servicetest.Harness) {
	t.Helper()
	h := &servicetest.Harness{Handler: svc, Service: SigningName, Authz: authz, Now: now}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, h
}

func cwClient(url, account string) *cw.Client {
	return cw.NewFromConfig(servicetest.Config(url, account))
}

// newService returns a CloudWatch service on an injected clock.
func newService(t *testing.T, now func() time.Time, n Notifier) *Service {
	t.Helper()
	s, err := New(Options{Now: now, Notifier: n})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
